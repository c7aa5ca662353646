// Tests of rendering the templates: every language renders with no
// placeholder left, with the SDK the binary carries written into weft-sdk/
// (exactly the SDK's files, the same bytes as the source tree's), names
// and folders are checked.

package nodeinit

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/manifest"
)

func TestWriteEveryLanguage(t *testing.T) {
	root, err := FindSDKRoot()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Languages(), ","); got != "assemblyscript,c,cpp,go,rust,typescript" {
		t.Fatalf("languages %s", got)
	}
	for _, lang := range Languages() {
		t.Run(lang, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my-node")
			if err := Write(Options{Lang: lang, Name: "my-node", Dir: dir, Version: "1.2.3"}); err != nil {
				t.Fatal(err)
			}
			files := []string{"manifest.toml", "example.yaml", "README.md", ".gitignore"}
			if lang == "typescript" {
				// The manifest is made from node.ts's declaration at build.
				files = []string{"node.ts", "package.json", "weft.d.ts", "example.yaml", "README.md", ".gitignore"}
			}
			for _, f := range files {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("no %s", f)
				}
			}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if d.IsDir() {
					return nil
				}
				if strings.HasSuffix(p, ".tmpl") {
					t.Errorf("%s kept its .tmpl suffix", p)
				}
				data, _ := os.ReadFile(p)
				if strings.Contains(string(data), "{{.") {
					t.Errorf("%s has a placeholder left", p)
				}
				return nil
			})
			if lang == "typescript" {
				return
			}
			m, _ := os.ReadFile(filepath.Join(dir, "manifest.toml"))
			if !strings.Contains(string(m), `id = "com.example.my-node"`) {
				t.Errorf("manifest:\n%s", m)
			}
			pm, err := manifest.Parse("manifest.toml", m)
			if err != nil {
				t.Fatal(err)
			}
			if pm.Build == nil || pm.Build.Test == "" {
				t.Errorf("the manifest has no [build] test command for weft node test")
			}
			checkSDKCopy(t, filepath.Join(root, sdkDirs[lang]), filepath.Join(dir, SDKDir))
			// Linked by path instead: no copy, the absolute path in the files.
			linked := filepath.Join(t.TempDir(), "linked")
			if err := Write(Options{Lang: lang, Name: "linked", Dir: linked, SDKRoot: root}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(linked, SDKDir)); err == nil {
				t.Error("--sdk wrote a copy of the SDK too")
			}
		})
	}
	if err := Write(Options{Lang: "go", Name: "Bad Name", Dir: t.TempDir()}); err == nil {
		t.Error("a bad name was accepted")
	}
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	if err := Write(Options{Lang: "go", Name: "x", Dir: full, SDKRoot: root}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty folder: %v", err)
	}
	if err := Write(Options{Lang: "go", Name: "x", Dir: filepath.Join(t.TempDir(), "x"), SDKRoot: t.TempDir()}); err == nil {
		t.Error("a missing SDK was accepted")
	}
}

// checkSDKCopy checks that the project's weft-sdk/ holds the files of the
// SDK's source folder that a project needs, byte for byte, and nothing
// else but VERSION.
func checkSDKCopy(t *testing.T, src, copied string) {
	t.Helper()
	skip := func(rel string, d fs.DirEntry) bool {
		name := d.Name()
		switch {
		case d.IsDir():
			return name == "testdata" || name == "node_modules" || name == "target" || name == "tests" || name == "test" || name == "examples"
		case name == "embed.go", strings.HasSuffix(name, "_test.go"), strings.HasPrefix(name, "."),
			name == "Cargo.lock", name == "package-lock.json":
			return true
		}
		return false
	}
	want := map[string]string{}
	filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		if skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			data, _ := os.ReadFile(p)
			want[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	got := map[string]string{}
	filepath.WalkDir(copied, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(copied, p)
			data, _ := os.ReadFile(p)
			got[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	if v := got["VERSION"]; v != "weft 1.2.3\n" {
		t.Errorf("VERSION %q", v)
	}
	delete(got, "VERSION")
	for name, data := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("weft-sdk has no %s", name)
		} else if g != data {
			t.Errorf("weft-sdk/%s differs from %s", name, filepath.Join(src, name))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("weft-sdk has %s, which a project does not need", name)
		}
	}
}
