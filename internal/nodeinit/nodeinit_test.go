// Tests of rendering the templates: every language renders with no
// placeholder left, names and folders are checked.

package nodeinit

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteEveryLanguage(t *testing.T) {
	root, err := FindSDKRoot()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Languages(), ","); got != "assemblyscript,c,go,rust,typescript" {
		t.Fatalf("languages %s", got)
	}
	for _, lang := range Languages() {
		t.Run(lang, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my-node")
			if err := Write(Options{Lang: lang, Name: "my-node", Dir: dir, SDKRoot: root}); err != nil {
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
		})
	}
	if err := Write(Options{Lang: "go", Name: "Bad Name", Dir: t.TempDir(), SDKRoot: root}); err == nil {
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
