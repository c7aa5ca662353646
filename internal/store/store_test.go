// Tests of the package store against a real SQLite database and real
// package files.

package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/pkgfile"
)

func openStore(t testing.TB) (*Store, string) {
	t.Helper()
	home := t.TempDir()
	j, err := journal.Open(context.Background(), filepath.Join(home, "weft.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s, err := Open(context.Background(), filepath.Join(home, "packages"), j.DB())
	if err != nil {
		t.Fatal(err)
	}
	return s, home
}

// pkg builds a package file of id and version; extra changes its bytes.
func pkg(t *testing.T, id, version, extra string) []byte { return pkgTB(t, id, version, extra) }

func pkgTB(t testing.TB, id, version, extra string) []byte {
	t.Helper()
	dir := t.TempDir()
	m := "manifest_version = 1\nid = \"" + id + "\"\nname = \"T\"\nversion = \"" + version + "\"\ndescription = \"" + extra + "\"\n\n[[nodes]]\nid = \"a\"\nname = \"A\"\n"
	if err := os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pkgfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := pkgfile.Pack(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const id = "com.example.math"

func TestAddResolveRollback(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	g0, _ := s.Generation(ctx)
	v1, err := s.Add(ctx, "default", pkg(t, id, "1.0.0", ""), AddOptions{Source: "a", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !v1.Active || v1.Version != "1.0.0" || !strings.HasPrefix(v1.Digest, "sha256:") {
		t.Errorf("%+v", v1)
	}
	if g1, _ := s.Generation(ctx); g1 == g0 {
		t.Error("generation did not change on install")
	}
	// Same bytes again: fine. Other bytes, same version: refused.
	if _, err := s.Add(ctx, "default", pkg(t, id, "1.0.0", ""), AddOptions{Activate: true}); err != nil {
		t.Errorf("same bytes twice: %v", err)
	}
	if _, err := s.Add(ctx, "default", pkg(t, id, "1.0.0", "changed"), AddOptions{Activate: true}); !errors.Is(err, ErrImmutable) {
		t.Errorf("other bytes, same version: %v", err)
	}
	if _, err := s.Add(ctx, "default", pkg(t, id, "1.1.0", ""), AddOptions{Activate: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, "default", pkg(t, id, "2.0.0", ""), AddOptions{Activate: false}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ constraint, want string }{
		// The active version when it satisfies the range, else the newest.
		{"", "1.1.0"}, {"^1", "1.1.0"}, {"~1.0", "1.0.0"}, {"1.0.0", "1.0.0"}, {">=2", "2.0.0"}, {"*", "1.1.0"},
	} {
		v, err := s.Resolve(ctx, "default", id, c.constraint)
		if err != nil || v.Version != c.want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", c.constraint, v, err, c.want)
		}
	}
	if _, err := s.Resolve(ctx, "default", id, "^3"); !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "2.0.0, 1.1.0, 1.0.0") {
		t.Errorf("no match: %v", err)
	}
	// Yanked: no new resolution by range; exact names are refused too.
	if err := s.Yank(ctx, "default", id, "2.0.0", true); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Resolve(ctx, "default", id, "*"); err != nil || v.Version != "1.1.0" {
		t.Errorf("yanked 2.0.0 still resolved: %v %v", v, err)
	}
	if _, err := s.Resolve(ctx, "default", id, "2.0.0"); !errors.Is(err, ErrYanked) {
		t.Errorf("exact yanked: %v", err)
	}
	if err := s.Activate(ctx, "default", id, "2.0.0"); !errors.Is(err, ErrYanked) {
		t.Errorf("activating a yanked version: %v", err)
	}
	// Deprecated still resolves, with its message.
	if err := s.Deprecate(ctx, "default", id, "1.1.0", "use 2.x"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Resolve(ctx, "default", id, ""); v.Deprecated != "use 2.x" {
		t.Errorf("deprecation: %+v", v)
	}
	// Rollback goes back along the activations: 1.1.0 -> 1.0.0, then none.
	v, err := s.Rollback(ctx, "default", id)
	if err != nil || v.Version != "1.0.0" || !v.Active {
		t.Fatalf("rollback: %+v %v", v, err)
	}
	if v, _ := s.Resolve(ctx, "default", id, ""); v.Version != "1.0.0" {
		t.Errorf("active after rollback: %s", v.Version)
	}
	// A range-pinned workflow follows the rollback too.
	if v, _ := s.Resolve(ctx, "default", id, "^1"); v.Version != "1.0.0" {
		t.Errorf("^1 after rollback: %s", v.Version)
	}
	if _, err := s.Rollback(ctx, "default", id); !errors.Is(err, ErrNoEarlier) || strings.Contains(err.Error(), "not installed") {
		t.Errorf("second rollback: %v", err)
	}
	// Yanking the active version keeps it resolvable by default (the
	// caller warns), never by a range.
	if err := s.Yank(ctx, "default", id, "1.0.0", true); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Resolve(ctx, "default", id, ""); err != nil || v.Version != "1.0.0" || !v.Yanked {
		t.Errorf("yanked active: %+v %v", v, err)
	}
	if v, err := s.Resolve(ctx, "default", id, "^1"); err != nil || v.Version != "1.1.0" {
		t.Errorf("^1 with the active yanked: %+v %v", v, err)
	}
	if err := s.Yank(ctx, "default", id, "1.0.0", false); err != nil {
		t.Fatal(err)
	}
	// Activate then rollback returns to 1.0.0.
	if err := s.Activate(ctx, "default", id, "1.1.0"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Rollback(ctx, "default", id); err != nil || v.Version != "1.0.0" {
		t.Errorf("rollback after activate: %v %v", v, err)
	}
}

func TestTenantsAndRemove(t *testing.T) {
	ctx := context.Background()
	s, home := openStore(t)
	data := pkg(t, id, "1.0.0", "")
	a, err := s.Add(ctx, "acme", data, AddOptions{Activate: true, Signature: []byte("sig")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, "globex", id, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant resolved acme's package: %v", err)
	}
	if l, _ := s.List(ctx, "globex"); len(l) != 0 {
		t.Errorf("globex lists %v", l)
	}
	if _, err := s.Add(ctx, "globex", data, AddOptions{Activate: true}); err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(home, "packages", "sha256", strings.TrimPrefix(a.Digest, "sha256:")+".weftpkg")
	if _, err := os.Stat(blob); err != nil {
		t.Fatal(err)
	}
	got, sig, err := s.Blob(a.Digest)
	if err != nil || string(got) != string(data) || string(sig) != "sig" {
		t.Errorf("blob: %v %q", err, sig)
	}
	// Removing acme's keeps the blob globex still uses; removing globex's deletes it.
	if _, err := s.Remove(ctx, "acme", id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blob); err != nil {
		t.Errorf("blob removed while globex uses it: %v", err)
	}
	if _, err := s.Remove(ctx, "globex", id, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blob); !os.IsNotExist(err) {
		t.Errorf("blob left behind: %v", err)
	}
	if _, err := s.Remove(ctx, "globex", id, "1.0.0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if err := CheckTenant("Bad/Tenant"); err == nil {
		t.Error("bad tenant accepted")
	}
	if _, err := s.Add(ctx, "../x", data, AddOptions{}); err == nil {
		t.Error("bad tenant accepted by Add")
	}
}

func TestCorruptBlob(t *testing.T) {
	ctx := context.Background()
	s, home := openStore(t)
	v, err := s.Add(ctx, "default", pkg(t, id, "1.0.0", ""), AddOptions{Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(home, "packages", "sha256", strings.TrimPrefix(v.Digest, "sha256:")+".weftpkg")
	if err := os.WriteFile(blob, []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Blob(v.Digest); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered blob: %v", err)
	}
	if _, _, err := s.Blob("sha256:../../etc/passwd"); err == nil {
		t.Error("a path as digest was accepted")
	}
}

// TestPackageUnpackedCopy: Package reads an installed package from its
// unpacked copy, made at Add, remakes a missing or damaged copy from the
// blob, still refuses a blob that was changed on disk, and Remove deletes
// the copy with the blob.
func TestPackageUnpackedCopy(t *testing.T) {
	ctx := context.Background()
	s, home := openStore(t)
	data := pkg(t, id, "1.0.0", "")
	v, err := s.Add(ctx, "default", data, AddOptions{Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(home, "packages", "sha256", strings.TrimPrefix(v.Digest, "sha256:"))
	copyPath := base + ".unpacked"
	made, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatalf("Add made no unpacked copy: %v", err)
	}
	want, err := pkgfile.LoadArchive(v.Ref(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		p, err := s.Package(v.Ref(), v.Digest)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if p.Digest != v.Digest || !bytes.Equal(p.Modules["m.wasm"], want.Modules["m.wasm"]) ||
			!bytes.Equal(p.ManifestData, want.ManifestData) || p.Manifest.Wasm != "m.wasm" {
			t.Errorf("%s: package %+v", what, p)
		}
		if got, err := os.ReadFile(copyPath); err != nil || !bytes.Equal(got, made) {
			t.Errorf("%s: the copy is not (again) what Add made: %v", what, err)
		}
	}
	// The copy is what is read: with the blob gone, Package still works.
	if err := os.Rename(base+".weftpkg", base+".moved"); err != nil {
		t.Fatal(err)
	}
	check("from the copy")
	if err := os.Rename(base+".moved", base+".weftpkg"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(copyPath); err != nil {
		t.Fatal(err)
	}
	check("copy missing")
	if err := os.WriteFile(copyPath, made[:len(made)-3], 0o600); err != nil {
		t.Fatal(err)
	}
	check("copy truncated")
	// A changed blob without a copy to fall back on is refused, as Blob does.
	if err := os.Remove(copyPath); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".weftpkg", []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Package(v.Ref(), v.Digest); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered blob: %v", err)
	}
	if err := os.WriteFile(base+".weftpkg", data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A copy of another package is not taken for this one.
	other, err := s.Add(ctx, "default", pkg(t, id, "2.0.0", ""), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	otherCopy, err := os.ReadFile(filepath.Join(home, "packages", "sha256", strings.TrimPrefix(other.Digest, "sha256:")+".unpacked"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, otherCopy, 0o600); err != nil {
		t.Fatal(err)
	}
	check("another package's copy")
	if _, err := s.Remove(ctx, "default", id, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copyPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Remove left the copy: %v", err)
	}
	if _, err := s.Package(v.Ref(), v.Digest); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed package: %v", err)
	}
}
