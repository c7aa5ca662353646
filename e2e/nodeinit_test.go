// `weft node init` in every language, then the two commands of the
// authoring guide: run the example with --package (which builds the
// module), and pkg build.

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodeInitEveryLanguage(t *testing.T) {
	for _, lang := range []string{"go", "rust", "c", "assemblyscript"} {
		t.Run(lang, func(t *testing.T) {
			home := t.TempDir()
			dir := filepath.Join(t.TempDir(), "hello_"+lang)
			if r := weft(t, home, "node", "init", "--lang", lang, dir); r.code != 0 {
				t.Fatalf("node init: exit %d %s", r.code, r.stderr)
			}
			for _, f := range []string{"manifest.toml", "example.yaml", "README.md"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("node init wrote no %s", f)
				}
			}
			r := weft(t, home, "run", filepath.Join(dir, "example.yaml"), "--package", dir, "--output", "json")
			if r.code != 0 {
				t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			out := parseRun(t, r)
			greet, _ := out.Blackboard["greet"].(map[string]any)
			if greet["greeting"] != "Hello, weft!" {
				t.Errorf("blackboard %v", out.Blackboard)
			}
			if !strings.Contains(r.stderr, "building") {
				t.Errorf("the first run did not build: %s", r.stderr)
			}
			// Up to date now: no second build.
			if r := weft(t, home, "run", filepath.Join(dir, "example.yaml"), "--package", dir); r.code != 0 || strings.Contains(r.stderr, "building") {
				t.Errorf("second run: exit %d %s", r.code, r.stderr)
			}
			pkg := filepath.Join(t.TempDir(), "hello.weftpkg")
			if r := weft(t, home, "pkg", "build", dir, "-o", pkg); r.code != 0 {
				t.Fatalf("pkg build: %s", r.stderr)
			}
			if r := weft(t, home, "pkg", "install", pkg); r.code != 0 {
				t.Errorf("install: %s", r.stderr)
			}
		})
	}
	if r := weft(t, t.TempDir(), "node", "init", "--lang", "cobol", filepath.Join(t.TempDir(), "x")); r.code != 2 || !strings.Contains(r.stderr, "expected one of") {
		t.Errorf("unknown language: exit %d %s", r.code, r.stderr)
	}
}
