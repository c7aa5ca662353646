// Golden tests: every testdata/valid manifest parses to what its .golden
// holds; every testdata/invalid manifest fails with exactly the errors its
// .golden holds. Run `go test ./internal/manifest -update` to rewrite them
// after a deliberate change, and review the diff.

package manifest

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/pin"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestValidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.toml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(filepath.Base(file), data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var out strings.Builder
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(m); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".toml")+".golden", []byte(out.String()))
		})
	}
}

func TestInvalidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.toml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(filepath.Base(file), data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", m)
			}
			var errs *Errors
			if !errors.As(err, &errs) || !errors.Is(err, ErrInvalid) || m != nil {
				t.Fatalf("error %T %v is not a *Errors matching ErrInvalid, or a manifest came back", err, err)
			}
			for _, e := range errs.List {
				if e.Line < 1 || e.Column < 1 || e.File != filepath.Base(file) {
					t.Errorf("error without a position: %#v", e)
				}
			}
			golden(t, strings.TrimSuffix(file, ".toml")+".golden", []byte(err.Error()+"\n"))
		})
	}
}

// TestExample checks the manifest.md example field by field.
func TestExample(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse("manifest.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "com.example.math-utils" || m.Version != "1.0.0" || m.Wasm != "math.wasm" || m.File != "manifest.toml" || m.FreshInstance {
		t.Errorf("package fields: %+v", m)
	}
	if m.MemoryPages() != 1024 || m.MemoryBytes() != 64<<20 || m.Timeout() != 30*time.Second {
		t.Errorf("tiers: %d pages, %d bytes, %v", m.MemoryPages(), m.MemoryBytes(), m.Timeout())
	}
	p := m.Permissions
	if !p.Variables || !p.Cache || p.State || p.Storage || p.HTTP.AllowPrivate ||
		strings.Join(p.HTTP.AllowedHosts, ",") != "api.example.com,*.googleapis.com" ||
		len(p.OAuthScopes) != 1 || p.OAuthScopes[0].Provider != "google" || !p.OAuthScopes[0].Required {
		t.Errorf("permissions: %+v", p)
	}
	if m.Build == nil || !strings.HasPrefix(m.Build.Command, "clang ") {
		t.Errorf("build: %+v", m.Build)
	}
	n := m.Node("add")
	if n == nil || m.Node("nope") != nil || m.ModuleOf(n) != "math.wasm" || n.Scores == nil || n.Scores.Performance != 1 {
		t.Fatalf("node: %+v", n)
	}
	want := []pin.Spec{
		{Name: "a", Type: pin.Integer, ValueType: pin.Normal, Required: true, Description: "First addend"},
		{Name: "b", Type: pin.Integer, ValueType: pin.Normal, Default: int64(0), HasDefault: true},
	}
	if len(n.Inputs) != 2 || !reflect.DeepEqual(n.Inputs, want) {
		t.Errorf("inputs: %#v", n.Inputs)
	}
	if len(n.Outputs) != 1 || !reflect.DeepEqual(n.Outputs[0], pin.Spec{Name: "sum", Type: pin.Integer, ValueType: pin.Normal, Description: "a + b"}) {
		t.Errorf("outputs: %#v", n.Outputs)
	}
}

// TestDefaults checks that defaults are canonical values of the pin's type.
func TestDefaults(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/all-types.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse("all-types.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.MemoryPages() != 4096 || m.Timeout() != 300*time.Second || !m.FreshInstance {
		t.Errorf("tiers or fresh_instance: %d %v %v", m.MemoryPages(), m.Timeout(), m.FreshInstance)
	}
	defaults := map[string]any{}
	for _, n := range m.Nodes {
		for _, p := range n.Inputs {
			if p.HasDefault {
				defaults[p.Name] = p.Default
			}
		}
	}
	d := time.Date(2025, 1, 2, 2, 4, 5, 500000000, time.UTC)
	checks := map[string]func(any) bool{
		"i":     func(v any) bool { return v == int64(math.MaxInt64) },
		"i_min": func(v any) bool { return v == int64(math.MinInt64) },
		"f":     func(v any) bool { return v == 3.0 },
		"d":     func(v any) bool { x, ok := v.(time.Time); return ok && x.Equal(d) },
		"d2": func(v any) bool {
			x, ok := v.(time.Time)
			return ok && x.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
		},
		"by": func(v any) bool { x, ok := v.([]byte); return ok && string(x) == "hello" },
		"st": func(v any) bool {
			x, ok := v.(map[string]any)
			c, _ := x["c"].(map[string]any)
			_, isTime := c["d"].(time.Time)
			return ok && x["a"] == int64(1) && isTime
		},
		"is": func(v any) bool {
			x, ok := v.([]any)
			return ok && len(x) == 2 && x[1] == int64(9007199254740993)
		},
		"fa": func(v any) bool { x, ok := v.([]any); return ok && x[0] == 1.0 && x[1] == 2.5 },
		"ds": func(v any) bool { x, ok := v.([]any); _, t1 := x[1].(time.Time); return ok && t1 },
	}
	for name, check := range checks {
		if !check(defaults[name]) {
			t.Errorf("default of %s = %#v", name, defaults[name])
		}
	}
	if m.ModuleOf(m.Node("containers")) != "other.wasm" || m.ModuleOf(m.Node("scalars")) != "build/main.wasm" {
		t.Error("ModuleOf")
	}
}

func TestTierDefaults(t *testing.T) {
	m := &Manifest{}
	if m.MemoryPages() != 1024 || m.Timeout() != 30*time.Second {
		t.Errorf("defaults: %d pages, %v", m.MemoryPages(), m.Timeout())
	}
	for name, mib := range map[string]uint32{"minimal": 256, "light": 512, "standard": 1024, "heavy": 2048, "intensive": 4096} {
		m.Permissions.Memory = name
		if m.MemoryPages() != mib {
			t.Errorf("%s: %d pages, want %d", name, m.MemoryPages(), mib)
		}
	}
	for name, d := range map[string]time.Duration{"quick": 5 * time.Second, "extended": time.Minute, "long_running": 5 * time.Minute} {
		m.Permissions.Timeout = name
		if m.Timeout() != d {
			t.Errorf("%s: %v", name, m.Timeout())
		}
	}
}

func TestCheckModulePath(t *testing.T) {
	for _, ok := range []string{"a.wasm", "build/x-1_2.wasm", "a/b/c.d.wasm", "..a.wasm"} {
		if err := CheckModulePath(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/a.wasm", "../a.wasm", "a/../b.wasm", "./a.wasm", "a//b.wasm", `a\b.wasm`, "a.wat", ".wasm",
		"a/.wasm", "c:/a.wasm", "a b.wasm", "é.wasm", strings.Repeat("a", 256) + ".wasm", "a.wasm/", "a\x00.wasm"} {
		if err := CheckModulePath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHostProblem(t *testing.T) {
	for _, ok := range []string{"api.example.com", "*.googleapis.com", "localhost", "127.0.0.1", "::1", "2001:db8::1", "a-b.c", "xn--bcher-kva.example", "*.com"} {
		if p := hostProblem(ok); p != "" {
			t.Errorf("%q: %s", ok, p)
		}
	}
	for _, bad := range []string{"", "https://api.example.com", "api.example.com/v1", "api.example.com:443", "[::1]", "fe80::1%eth0",
		"API.example.com", "*", "*.*.com", "a.*.com", "example.com.", "a..b", "-a.com", "a-.com", "a_b.com", "127.1", "0x7f000001",
		"user@host", strings.Repeat("a", 64) + ".com"} {
		if p := hostProblem(bad); p == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestIndexPaths(t *testing.T) {
	doc := []byte("a = 1\n[t]\nb.c = 2\n[[n]]\nx = 1\n[[n]]\ny = { z = [1, {w = 2}] }\n[n.s]\nq = 1\n[[n.i]]\nk = 1\n[[n]]\n[[n.i]]\n\"odd key\" = 1\n")
	ix, _ := buildIndex(doc)
	for path, line := range map[string]int{"a": 1, "t": 2, "t.b": 3, "t.b.c": 3, "n": 4, "n[0]": 4, "n[0].x": 5, "n[1]": 6, "n[1].y": 7,
		"n[1].y.z[1].w": 7, "n[1].s": 8, "n[1].s.q": 9, "n[1].i[0]": 10, "n[1].i[0].k": 11, "n[2].i[0]": 13, `n[2].i[0]."odd key"`: 14,
		"n[2].i[0].missing": 13, "nope": 1} {
		if got, _ := ix.lineCol(ix.keyOffset(path)); got != line {
			t.Errorf("%s: line %d, want %d", path, got, line)
		}
	}
	if _, col := ix.lineCol(ix.valueOffset("n[1].y.z[1].w")); col != 20 {
		t.Errorf("value column %d", col)
	}
}

// TestTooManyKeys: go-toml's duplicate-key check is quadratic; Parse refuses
// absurd numbers of keys before it runs.
func TestTooManyKeys(t *testing.T) {
	for _, doc := range []string{
		strings.Repeat("k = 1\n[[t]]\n", maxKeys/2+1),
		"t = {" + strings.Repeat("a.", 10) + "z = 1, " + func() string {
			var b strings.Builder
			for i := range maxKeys + 1 {
				b.WriteString("k")
				b.WriteString(strings.Repeat("x", i%7))
				b.WriteString(string(rune('a' + i%26)))
				b.WriteString(strconv.Itoa(i))
				b.WriteString(" = 1, ")
			}
			return b.String()
		}() + "}\n",
	} {
		start := time.Now()
		_, err := Parse("big.toml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "more than 20000 keys") {
			t.Errorf("error %.200v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v", d)
		}
	}
}

// TestProblemCap: a manifest with hundreds of mistakes gets the first 100
// and a count of the rest.
func TestProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("manifest_version = 1\nid = \"a.b\"\nname = \"x\"\nversion = \"1.0.0\"\n[[nodes]]\nid = \"a\"\nname = \"A\"\n")
	for i := range 150 {
		fmt.Fprintf(&b, "unknown%d = 1\n", i)
	}
	_, err := Parse("many.toml", []byte(b.String()))
	var errs *Errors
	if !errors.As(err, &errs) || len(errs.List) != 101 || !strings.HasSuffix(err.Error(), "50 more problems not shown") {
		t.Fatalf("%d problems, last %v", len(errs.List), errs.List[len(errs.List)-1])
	}
}

func TestPermissionReview(t *testing.T) {
	parse := func(perms string) *Manifest {
		t.Helper()
		m, err := Parse("m.toml", []byte("manifest_version = 1\nid = \"com.example.x\"\nname = \"X\"\nversion = \"1.0.0\"\n"+perms+"\n[[nodes]]\nid = \"a\"\nname = \"A\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	old := parse("[permissions]\nmemory = \"light\"\ncache = true\n[permissions.http]\nallowed_hosts = [\"api.example.com\"]\n")
	if got := strings.Join(old.PermissionLines(), "\n"); got != "memory: light (32 MiB per instance)\ntime: standard (30s per call)\ncache: a cache shared across runs of the tenant\nhttp: api.example.com" {
		t.Errorf("lines:\n%s", got)
	}
	nu := parse("[permissions]\nmemory = \"heavy\"\ntimeout = \"quick\"\ncache = true\nstorage = true\n[permissions.http]\nallowed_hosts = [\"api.example.com\", \"evil.example.net\"]\n" +
		"[[permissions.oauth_scopes]]\nprovider = \"google\"\nscopes = [\"drive\"]\nreason = \"Read files\"\nrequired = true\n")
	want := "memory: heavy (128 MiB per instance)\nstorage: files in a directory of its own, per tenant\nhttp: evil.example.net\noauth google: drive (required): Read files"
	if got := strings.Join(nu.NewPermissions(old), "\n"); got != want {
		t.Errorf("new permissions:\n%s\nwant:\n%s", got, want)
	}
	if got := old.NewPermissions(old); len(got) != 0 {
		t.Errorf("same manifest: %v", got)
	}
}
