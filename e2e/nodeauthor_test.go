// Node authors with an installed binary: `weft node init` from a folder
// with no weft source tree above it (the SDKs come from the binary), then
// `weft node test` (build, the package's own tests, its example workflow)
// in every language with an SDK, C++ included; `node test` failing when a
// step fails; and `weft pkg publish MODULE.wasm` finding the manifest of a
// bare module and publishing to a real local registry.

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nodeTestJSON is what `weft node test --output json` prints.
type nodeTestJSON struct {
	Package string `json:"package"`
	Status  string `json:"status"`
	Steps   []struct {
		Name, Status, Detail string
	} `json:"steps"`
}

func parseNodeTest(t *testing.T, r result) nodeTestJSON {
	t.Helper()
	var out nodeTestJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("node test --output json: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	return out
}

// outsideTree makes a working folder with no weft source tree above it
// (t.TempDir is under the system's temporary folder).
func outsideTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "sdk", "go", "node")); err == nil {
			t.Fatalf("%s is inside a weft source tree (%s)", dir, d)
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

func TestNodeInitAndTestOutsideSourceTree(t *testing.T) {
	// No network for the SDKs: Go may not reach a module proxy, Cargo is
	// offline. (AssemblyScript's compiler comes from npm, or its cache.)
	offline := []string{"WEFT_SDK=", "GOPROXY=off", "GOFLAGS=-mod=readonly", "CARGO_NET_OFFLINE=true"}
	for _, lang := range []string{"c", "cpp", "go", "rust", "assemblyscript"} {
		t.Run(lang, func(t *testing.T) {
			home, work := t.TempDir(), outsideTree(t)
			o := runOpts{home: home, dir: work, env: offline}
			name := "hello_" + lang
			if r := weftWith(t, o, "node", "init", "--lang", lang, name); r.code != 0 {
				t.Fatalf("node init from %s: exit %d %s", work, r.code, r.stderr)
			}
			dir := filepath.Join(work, name)
			if v, err := os.ReadFile(filepath.Join(dir, "weft-sdk", "VERSION")); err != nil || !strings.HasPrefix(string(v), "weft ") {
				t.Errorf("weft-sdk/VERSION: %q %v", v, err)
			}
			r := weftWith(t, o, "node", "test", name, "--output", "json")
			out := parseNodeTest(t, r)
			if r.code != 0 || out.Status != "pass" {
				t.Fatalf("node test: exit %d %+v\n%s", r.code, out, r.stderr)
			}
			var names []string
			for _, s := range out.Steps {
				names = append(names, s.Name+"="+s.Status)
			}
			if got := strings.Join(names, " "); got != "build=pass unit tests=pass example.yaml=pass" {
				t.Errorf("steps %s", got)
			}
			if !strings.Contains(r.stderr, "greeting weft") {
				t.Errorf("the example's log line is missing: %s", r.stderr)
			}
			// The example through weft run too: built now, so no new build.
			r = weftWith(t, o, "run", filepath.Join(name, "example.yaml"), "--package", name, "--output", "json")
			if r.code != 0 || strings.Contains(r.stderr, "building") {
				t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
			}
			if greet, _ := parseRun(t, r).Blackboard["greet"].(map[string]any); greet["greeting"] != "Hello, weft!" {
				t.Errorf("blackboard %s", r.stdout)
			}
			if lang != "c" {
				return
			}
			// A failing unit test fails the command, and the summary says which step.
			src := filepath.Join(dir, "node.c")
			code, _ := os.ReadFile(src)
			os.WriteFile(src, []byte(strings.Replace(string(code), `"Hello, %s!"`, `"Hi, %s!"`, 1)), 0o644)
			r = weftWith(t, o, "node", "test", name)
			if r.code != 1 || !strings.Contains(r.stdout, "fail  unit tests") || !strings.Contains(r.stdout, "FAIL  "+name+": unit tests failed") {
				t.Errorf("a failing unit test: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			// A failing example workflow does too.
			os.WriteFile(src, code, 0o644)
			writeFile(t, dir, "bad.yaml", "type: Sequence\nchildren:\n  - type: ForceFailure\n    children:\n      - type: "+
				"com.example.hello-c/greet\n")
			r = weftWith(t, o, "node", "test", name, "--workflow", filepath.Join(name, "bad.yaml"), "--output", "json")
			if out := parseNodeTest(t, r); r.code != 1 || out.Status != "fail" || out.Steps[2].Name != "bad.yaml" || out.Steps[2].Status != "fail" {
				t.Errorf("a failing workflow: exit %d %+v\n%s", r.code, out, r.stderr)
			}
			// A folder that is no package is bad input.
			if r := weftWith(t, o, "node", "test", work); r.code != 2 || !strings.Contains(r.stderr, "expected manifest.toml") {
				t.Errorf("not a package: exit %d %s", r.code, r.stderr)
			}
		})
	}
}

func TestPublishBareWasm(t *testing.T) {
	home, regHome, work := t.TempDir(), t.TempDir(), outsideTree(t)
	o := runOpts{home: home, dir: work, env: []string{"WEFT_SDK="}}
	if r := weftWith(t, o, "node", "init", "--lang", "c", "my_package"); r.code != 0 {
		t.Fatalf("node init: %s", r.stderr)
	}
	// As a Rust crate lays it out: the manifest at the root, the module
	// under target/, named by the manifest's wasm =.
	dir := filepath.Join(work, "my_package")
	rel := "target/wasm32-wasi/release/my_package.wasm"
	mf := filepath.Join(dir, "manifest.toml")
	m, _ := os.ReadFile(mf)
	os.WriteFile(mf, []byte(strings.Replace(string(m), `wasm = "node.wasm"`, `wasm = "`+rel+`"`, 1)), 0o644)
	os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
	build := exec.Command("clang", "--target=wasm32-wasi", "-O2", "-mexec-model=reactor", "-I", "weft-sdk", "-o", rel, "node.c", "weft-sdk/weft.c")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("clang: %v\n%s", err, out)
	}
	reg := startRegistry(t, regHome, "--tokens", "s3cret")
	r := weftWith(t, o, "pkg", "publish", "./my_package/"+rel, "--registry", reg.url, "--token", "s3cret")
	if r.code != 0 || !strings.Contains(r.stdout, "published com.example.my-package 0.1.0") {
		t.Fatalf("publish: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The bytes are those of `weft pkg build --no-build` of the folder.
	b := weftWith(t, o, "pkg", "build", "my_package", "--no-build", "-o", filepath.Join(t.TempDir(), "p.weftpkg"))
	if f := strings.Fields(b.stdout); b.code != 0 || len(f) != 2 || !strings.Contains(r.stdout, f[1]) {
		t.Errorf("pkg build %s; publish %s", b.stdout, r.stdout)
	}
	// Installable from the registry.
	if r := weftWith(t, runOpts{home: t.TempDir()}, "pkg", "install", "com.example.my-package@0.1.0", "--registry", reg.url); r.code != 0 {
		t.Errorf("install: exit %d %s", r.code, r.stderr)
	}
	// A module no manifest names: bad input, naming where it looked.
	lone := filepath.Join(outsideTree(t), "lone.wasm")
	data, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	os.WriteFile(lone, data, 0o644)
	r = weftWith(t, o, "pkg", "publish", lone, "--registry", reg.url, "--token", "s3cret")
	if r.code != 2 || !strings.Contains(r.stderr, "no manifest for "+lone) || !strings.Contains(r.stderr, "lone.toml or manifest.toml beside it") ||
		!strings.Contains(r.stderr, "looked in "+filepath.Dir(lone)) {
		t.Errorf("no manifest: exit %d %s", r.code, r.stderr)
	}
	// A parent manifest that names another module is not taken.
	other := filepath.Join(dir, "target", "other.wasm")
	os.WriteFile(other, data, 0o644)
	r = weftWith(t, o, "pkg", "publish", other, "--registry", reg.url, "--token", "s3cret")
	if r.code != 2 || !strings.Contains(r.stderr, mf+" (its module(s): "+rel+")") {
		t.Errorf("a manifest naming another module: exit %d %s", r.code, r.stderr)
	}
}
