package wasmhost_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFixturesMatchSources rebuilds every fixture from its source (C with
// clang and wasi-libc, WAT with wat2wasm) in a scratch copy of testdata and
// checks that the committed .wasm files are what their sources build to.
func TestFixturesMatchSources(t *testing.T) {
	if testing.Short() {
		t.Skip("rebuilds every fixture")
	}
	for _, tool := range []string{"clang", "wat2wasm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to rebuild the fixtures (scripts/install-test-deps installs it): %v", tool, err)
		}
	}
	scratch := t.TempDir()
	if err := os.CopyFS(scratch, os.DirFS("testdata")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", filepath.Join(scratch, "build.sh"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	committed, _ := filepath.Glob("testdata/pkgs/*/*.wasm")
	if len(committed) < 20 {
		t.Fatalf("only %d fixtures", len(committed))
	}
	for _, f := range committed {
		want, _ := os.ReadFile(f)
		got, err := os.ReadFile(filepath.Join(scratch, f[len("testdata/"):]))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what its source builds to: run testdata/build.sh and commit", f)
		}
	}
}
