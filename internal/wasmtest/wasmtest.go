// Package wasmtest builds the WebAssembly packages that tests need from
// their sources, once per source version: the Go SDK's example package
// (sdk/go/examples/math) is built with the real Go toolchain for wasip1.
//
//	dir := wasmtest.GoExample(t) // a package folder: manifest.toml + math.wasm
package wasmtest

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// root is the repository root, found from this file's location.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// GoExample returns a package folder holding the Go SDK example's
// manifest.toml and a freshly built math.wasm. Builds are cached by a hash
// of the SDK's sources, so only the first test of a change pays for one.
func GoExample(t testing.TB) string {
	t.Helper()
	src := filepath.Join(root(), "sdk", "go")
	example := filepath.Join(src, "examples", "math")
	sum, err := hashTree(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(os.TempDir(), "weft-test-build", "gomath-"+sum[:16])
	if _, err := os.Stat(filepath.Join(dir, "math.wasm")); err == nil {
		return dir
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "weft-gomath-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", filepath.Join(tmp, "math.wasm"), ".")
	cmd.Dir = example
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the Go SDK example: %v\n%s", err, out)
	}
	manifest, err := os.ReadFile(filepath.Join(example, "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.toml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	// The module is built from the manifest's sources: give the manifest
	// the module's time, so that `--package` does not take the folder for
	// stale (its [build] command only works in the source tree).
	if info, err := os.Stat(filepath.Join(tmp, "math.wasm")); err == nil {
		os.Chtimes(filepath.Join(tmp, "manifest.toml"), info.ModTime(), info.ModTime())
	}
	os.MkdirAll(filepath.Dir(dir), 0o755)
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp) // another test built it meanwhile
	}
	return dir
}

// hashTree hashes the names and contents of the .go, .mod and .toml files
// under dir.
func hashTree(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".go", ".mod", ".toml":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, f)
		h.Write([]byte(rel + "\x00"))
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CEcho returns a package folder holding the host's C echo fixture
// (package test.cecho, committed with its source under
// internal/wasmhost/testdata/pkgs/cecho), without its [build] step, for
// tests that need a small package that starts in milliseconds.
func CEcho(t testing.TB) string {
	t.Helper()
	src := filepath.Join(root(), "internal", "wasmhost", "testdata", "pkgs", "cecho")
	dir := t.TempDir()
	wasm, err := os.ReadFile(filepath.Join(src, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(src, "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(m), "[build]\ncommand = \"../../build.sh cecho\"\n", "", 1)
	if err := os.WriteFile(filepath.Join(dir, "echo.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
