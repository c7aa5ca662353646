// Tests that a module's recorded digest (pkgfile.Package.ModuleDigests,
// from an unpacked copy) keys the host's caches exactly as hashing the
// module does.

package wasmhost_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// TestRecordedModuleDigest: the cecho fixture loaded from a folder (the
// host hashes the module) and from an unpacked copy (the digest recorded
// in the copy) share one entry of the on-disk module cache, and both run.
func TestRecordedModuleDigest(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join("testdata", "pkgs", "cecho")
	folder, err := pkgfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := pkgfile.Pack(folder)
	if err != nil {
		t.Fatal(err)
	}
	_, u, err := pkgfile.Unpack("cecho.weftpkg", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	unpacked, err := pkgfile.LoadUnpacked("cecho.weftpkg", u)
	if err != nil {
		t.Fatal(err)
	}
	if unpacked.ModuleDigests["echo.wasm"] == "" {
		t.Fatalf("no recorded digest: %v", unpacked.ModuleDigests)
	}
	cache := t.TempDir()
	for _, p := range []*pkgfile.Package{folder, unpacked} {
		h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: cache})
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := h.Load(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := call(t, pkg, "add", map[string]any{"a": int64(40), "b": int64(2)})
		if err != nil || res.Outputs["sum"] != int64(42) {
			t.Errorf("%s: %v, %v", p.Source, res, err)
		}
		pkg.Close(ctx)
		h.Close(ctx)
	}
	entries, err := filepath.Glob(filepath.Join(cache, "modules", "*.json"))
	if err != nil || len(entries) != 1 {
		t.Errorf("module cache entries %v (%v): the recorded digest keyed another entry", entries, err)
	}
	if _, err := os.Stat(filepath.Join(cache, "wazero")); err != nil {
		t.Error(err)
	}
}
