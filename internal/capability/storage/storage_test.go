package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft/internal/capability/storage"
	"github.com/weft-dev/weft/internal/wasmhost"
)

var (
	ctx = context.Background()
	s1  = wasmhost.Scope{Tenant: "t1", Package: "acme.files"}
)

func TestRoundTrip(t *testing.T) {
	root := t.TempDir()
	d := storage.New(root, 0)
	files := map[string]string{"a.txt": "hello", "dir/sub/b.bin": "\x00\x01\xff", "dir/c": "", "dirx": "x"}
	for p, data := range files {
		if err := d.Write(ctx, s1, p, []byte(data)); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
	for p, data := range files {
		got, err := d.Read(ctx, s1, p)
		if err != nil || string(got) != data {
			t.Errorf("read %s: %q %v, want %q", p, got, err, data)
		}
	}
	if got, err := os.ReadFile(filepath.Join(root, "t1", "acme.files", "dir", "sub", "b.bin")); err != nil || string(got) != "\x00\x01\xff" {
		t.Errorf("the file on disk: %q %v", got, err)
	}
	lists := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a.txt", "dir/c", "dir/sub/b.bin", "dirx"}},
		{"dir/", []string{"dir/c", "dir/sub/b.bin"}},
		{"dir", []string{"dir/c", "dir/sub/b.bin", "dirx"}},
		{"dir/sub/b.bin", []string{"dir/sub/b.bin"}},
		{"nothing", []string{}},
		{"../", []string{}},
	}
	for _, l := range lists {
		got, err := d.List(ctx, s1, l.prefix)
		if err != nil || got == nil || !slices.Equal(got, l.want) {
			t.Errorf("list %q: %q %v, want %q", l.prefix, got, err, l.want)
		}
	}

	// Overwrite, then delete: empty parents go, the scope's directory stays.
	if err := d.Write(ctx, s1, "a.txt", []byte("bye")); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.Read(ctx, s1, "a.txt"); string(got) != "bye" {
		t.Errorf("after overwrite: %q", got)
	}
	for _, p := range []string{"dir/sub/b.bin", "dir/c", "a.txt", "dirx", "never/was"} {
		if err := d.Delete(ctx, s1, p); err != nil {
			t.Errorf("delete %s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "t1", "acme.files", "dir")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the emptied directory stays: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "t1", "acme.files")); err != nil {
		t.Errorf("the scope's directory went: %v", err)
	}
	if _, err := d.Read(ctx, s1, "a.txt"); !errors.Is(err, wasmhost.ErrNotFound) {
		t.Errorf("read after delete: %v", err)
	}
	if got, err := d.List(ctx, s1, ""); err != nil || len(got) != 0 || got == nil {
		t.Errorf("list after delete: %q %v", got, err)
	}
}

func TestDirectoriesAndFiles(t *testing.T) {
	d := storage.New(t.TempDir(), 0)
	if err := d.Write(ctx, s1, "f", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(ctx, s1, "d/x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
	}{
		{"write under a file", d.Write(ctx, s1, "f/g", []byte("x"))},
		{"write onto a directory", d.Write(ctx, s1, "d", []byte("x"))},
		{"delete a directory", d.Delete(ctx, s1, "d")},
		{"read a directory", func() error { _, err := d.Read(ctx, s1, "d"); return err }()},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, wasmhost.ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", tt.name, tt.err)
		}
	}
	for _, p := range []string{"missing", "d/missing", "f/missing"} {
		if _, err := d.Read(ctx, s1, p); !errors.Is(err, wasmhost.ErrNotFound) && !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("read %s: %v", p, err)
		}
	}
	if _, err := d.Read(ctx, s1, "missing"); !errors.Is(err, wasmhost.ErrNotFound) {
		t.Errorf("read missing: %v, want ErrNotFound", err)
	}
	// A scope that never wrote: nothing, and no directory made.
	fresh := storage.New(filepath.Join(t.TempDir(), "none"), 0)
	if _, err := fresh.Read(ctx, s1, "a"); !errors.Is(err, wasmhost.ErrNotFound) {
		t.Errorf("read in an empty store: %v", err)
	}
	if got, err := fresh.List(ctx, s1, ""); err != nil || got == nil || len(got) != 0 {
		t.Errorf("list in an empty store: %q %v", got, err)
	}
	if err := fresh.Delete(ctx, s1, "a"); err != nil {
		t.Errorf("delete in an empty store: %v", err)
	}
}

func TestIsolation(t *testing.T) {
	root := t.TempDir()
	d := storage.New(root, 0)
	scopes := []wasmhost.Scope{s1, {Tenant: "t2", Package: "acme.files"}, {Tenant: "t1", Package: "acme.other"}}
	for i, s := range scopes {
		if err := d.Write(ctx, s, "same.txt", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, s, "only-"+s.Tenant+"-"+s.Package, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range scopes {
		if got, err := d.Read(ctx, s, "same.txt"); err != nil || !bytes.Equal(got, []byte{byte('a' + i)}) {
			t.Errorf("%v: read %q %v", s, got, err)
		}
		got, err := d.List(ctx, s, "")
		if want := []string{"only-" + s.Tenant + "-" + s.Package, "same.txt"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("%v: list %q %v, want %q", s, got, err, want)
		}
	}
	if err := d.Delete(ctx, scopes[1], "same.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Read(ctx, s1, "same.txt"); err != nil {
		t.Errorf("another tenant's delete reached t1: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "t2", "acme.files", "only-t2-acme.files")); err != nil {
		t.Errorf("the layout is not root/<tenant>/<package>: %v", err)
	}

	for _, tp := range [][2]string{{"", "p"}, {"t", ""}, {"..", "p"}, {"t", ".."}, {".", "p"}, {"a/b", "p"},
		{"t", "a/b"}, {"t\x00", "p"}, {`a\b`, "p"}, {strings.Repeat("t", 256), "p"}} {
		s := wasmhost.Scope{Tenant: tp[0], Package: tp[1]}
		if err := d.Write(ctx, s, "x", nil); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("write in scope %q: %v, want ErrBadRequest", s, err)
		}
		if _, err := d.Read(ctx, s, "x"); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("read in scope %q: %v, want ErrBadRequest", s, err)
		}
		if _, err := d.List(ctx, s, ""); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("list in scope %q: %v, want ErrBadRequest", s, err)
		}
		if err := d.Delete(ctx, s, "x"); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("delete in scope %q: %v, want ErrBadRequest", s, err)
		}
	}
}

// escapes are paths that must never reach the file system.
var escapes = []string{"", "..", ".", "../x", "a/../../x", "a/..", "../t2/acme.files/x", "/etc/passwd", "/x",
	"./a", "a/./b", "a//b", "a/", `..\x`, `a\..\..\x`, "a\x00b", "\x00", strings.Repeat("a/", 600) + "a",
	strings.Repeat("n", 256)}

func TestEscapesRefused(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "store")
	d := storage.New(root, 0)
	if err := d.Write(ctx, s1, "inside", []byte("in")); err != nil {
		t.Fatal(err)
	}
	for _, p := range escapes {
		if err := d.Write(ctx, s1, p, []byte("x")); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("write %q: %v, want ErrBadRequest", p, err)
		}
		if _, err := d.Read(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("read %q: %v, want ErrBadRequest", p, err)
		}
		if err := d.Delete(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("delete %q: %v, want ErrBadRequest", p, err)
		}
	}
	if _, err := d.List(ctx, s1, "a\x00"); !errors.Is(err, wasmhost.ErrBadRequest) {
		t.Errorf("list with a NUL: %v", err)
	}
	assertOnly(t, base, "store/t1/acme.files/inside")
}

// TestSymlinks: a link planted in a scope's directory cannot be used to
// read, write or delete outside it (nor inside it).
func TestSymlinks(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := storage.New(filepath.Join(base, "store"), 0)
	if err := d.Write(ctx, s1, "real/file", []byte("in")); err != nil {
		t.Fatal(err)
	}
	scope := filepath.Join(base, "store", "t1", "acme.files")
	for link, target := range map[string]string{
		"dirlink":       outside,
		"filelink":      secret,
		"rellink":       "../../../outside/secret",
		"real/up":       "../../../../outside",
		"innerlink":     "real/file",
		"innerdir":      "real",
		"dangling":      filepath.Join(outside, "new"),
		"real/dangling": filepath.Join(outside, "new2"),
	} {
		if err := os.Symlink(target, filepath.Join(scope, link)); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"dirlink/secret", "dirlink/new", "filelink", "rellink", "real/up/secret", "innerlink",
		"innerdir/file", "dangling", "real/dangling"}
	for _, p := range paths {
		if got, err := d.Read(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("read %q: %q %v, want ErrBadRequest", p, got, err)
		}
		if err := d.Write(ctx, s1, p, []byte("pwned")); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("write %q: %v, want ErrBadRequest", p, err)
		}
		if err := d.Write(ctx, s1, p+"/deeper", []byte("pwned")); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("write %q: %v, want ErrBadRequest", p+"/deeper", err)
		}
		if err := d.Delete(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("delete %q: %v, want ErrBadRequest", p, err)
		}
	}
	if got, err := os.ReadFile(secret); err != nil || string(got) != "secret" {
		t.Errorf("the file outside: %q %v", got, err)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("files appeared outside: %v", entries)
	}
	if got, err := d.List(ctx, s1, ""); err != nil || !slices.Equal(got, []string{"real/file"}) {
		t.Errorf("list: %q %v, want only real/file (links are not listed)", got, err)
	}

	// A link in place of the tenant's directory cannot move the scope.
	base2 := t.TempDir()
	d2 := storage.New(filepath.Join(base2, "store"), 0)
	if err := os.MkdirAll(filepath.Join(base2, "store"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(base2, "store", "t1")); err != nil {
		t.Fatal(err)
	}
	if err := d2.Write(ctx, s1, "x", []byte("pwned")); err == nil {
		t.Error("a write through a linked tenant directory succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files appeared outside: %v", entries)
	}
}

func TestQuota(t *testing.T) {
	d := storage.New(t.TempDir(), 10)
	s2 := wasmhost.Scope{Tenant: "t2", Package: "acme.files"}
	steps := []struct {
		scope wasmhost.Scope
		op    string
		path  string
		size  int
		want  error
	}{
		{s1, "write", "a", 6, nil},
		{s1, "write", "b/c", 5, wasmhost.ErrLimitExceeded}, // 11
		{s1, "write", "b/c", 4, nil},                       // 10
		{s1, "write", "d", 1, wasmhost.ErrLimitExceeded},   // 11
		{s1, "write", "a", 5, nil},                         // replaces 6 with 5: 9
		{s1, "write", "d", 1, nil},                         // 10
		{s2, "write", "a", 10, nil},                        // another tenant has its own
		{s1, "delete", "a", 0, nil},                        // 5
		{s1, "write", "e", 5, nil},                         // 10
		{s1, "write", "f", 0, nil},                         // empty files fit
		{s1, "write", "e", 6, wasmhost.ErrLimitExceeded},
		{s1, "write", "big", storage.MaxFile + 1, wasmhost.ErrLimitExceeded},
	}
	for i, s := range steps {
		var err error
		if s.op == "write" {
			err = d.Write(ctx, s.scope, s.path, bytes.Repeat([]byte("x"), s.size))
		} else {
			err = d.Delete(ctx, s.scope, s.path)
		}
		if s.want == nil && err != nil || s.want != nil && !errors.Is(err, s.want) {
			t.Errorf("step %d: %s %s %d: %v, want %v", i, s.op, s.path, s.size, err, s.want)
		}
	}
	if got, _ := d.Read(ctx, s1, "e"); len(got) != 5 {
		t.Errorf("a refused write changed the file: %d bytes", len(got))
	}
}

// TestQuotaConcurrent: writes that race never take a scope over its quota.
func TestQuotaConcurrent(t *testing.T) {
	d := storage.New(t.TempDir(), 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 40 {
		wg.Go(func() {
			err := d.Write(ctx, s1, fmt.Sprintf("f%02d", i), []byte("x"))
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, wasmhost.ErrLimitExceeded) {
				t.Error(err)
			}
		})
		wg.Go(func() { _, _ = d.List(ctx, s1, "") })
	}
	wg.Wait()
	if ok != 10 {
		t.Errorf("%d writes of 1 byte went through a quota of 10", ok)
	}
}

// assertOnly checks that the only regular files under base are want
// (slash-separated, relative to base).
func assertOnly(t *testing.T, base string, want ...string) {
	t.Helper()
	var got []string
	filepath.WalkDir(base, func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			rel, _ := filepath.Rel(base, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if !slices.Equal(got, want) {
		t.Errorf("files under the base: %q, want %q", got, want)
	}
}

// FuzzPath: any path is either refused with ErrBadRequest before anything
// happens, or round-trips as a file inside the scope's directory, and
// nothing ever lands outside it.
func FuzzPath(f *testing.F) {
	for _, p := range escapes {
		f.Add(p)
	}
	for _, p := range []string{"a", "a/b/c.txt", ".hidden", "a..b", "...", "a/.../b", "é/ü", " ", "a b/c", "a:b", "-"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		base := t.TempDir()
		d := storage.New(filepath.Join(base, "store"), 1<<20)
		checkErr := storage.CheckPath(p)
		err := d.Write(ctx, s1, p, []byte("data"))
		if checkErr != nil {
			if !errors.Is(checkErr, wasmhost.ErrBadRequest) || !errors.Is(err, wasmhost.ErrBadRequest) {
				t.Fatalf("path %q: CheckPath %v, write %v", p, checkErr, err)
			}
			if _, err := d.Read(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
				t.Fatalf("read %q: %v", p, err)
			}
			if err := d.Delete(ctx, s1, p); !errors.Is(err, wasmhost.ErrBadRequest) {
				t.Fatalf("delete %q: %v", p, err)
			}
			assertOnly(t, base)
			return
		}
		if err != nil {
			t.Fatalf("write %q: %v", p, err)
		}
		assertOnly(t, base, "store/t1/acme.files/"+p)
		if got, err := d.Read(ctx, s1, p); err != nil || string(got) != "data" {
			t.Fatalf("read %q: %q %v", p, got, err)
		}
		if got, err := d.List(ctx, s1, ""); err != nil || !slices.Equal(got, []string{p}) {
			t.Fatalf("list after writing %q: %q %v", p, got, err)
		}
		if err := d.Delete(ctx, s1, p); err != nil {
			t.Fatalf("delete %q: %v", p, err)
		}
		if got, err := d.List(ctx, s1, ""); err != nil || len(got) != 0 {
			t.Fatalf("list after deleting %q: %q %v", p, got, err)
		}
	})
}
