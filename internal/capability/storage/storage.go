// Package storage is the file store behind the storage.* host operations
// of custom nodes: a directory per tenant and package, root/<tenant>/<package>/,
// that the node's paths cannot leave, with a quota per package.
//
//	d := storage.New(filepath.Join(weftHome, "storage"), storage.DefaultQuota)
//	h, err := wasmhost.New(ctx, wasmhost.Config{Capabilities: wasmhost.Capabilities{Storage: d}})
//
// # Notes
//
//   - Paths are relative, slash-separated and canonical: "a/b.txt", never
//     "/a", "./a", "a/../b", "a//b", "a/" or "a\b". Anything else is refused
//     with wasmhost.ErrBadRequest before the file system is touched.
//   - Every operation goes through an os.Root opened on the scope's
//     directory, so neither ".." nor a symbolic link can reach outside it.
//     On top of that, a path that goes through a symbolic link at all is
//     refused (nodes cannot make links; one found there was planted).
//   - Directories are implicit: a write makes the parents it needs, a
//     delete removes the parents it leaves empty, and list names files
//     only.
//   - The quota counts the sizes of the files of one scope. It is checked
//     by walking the scope under a lock of this Dir, so two Dirs (or two
//     processes) on the same root can together overshoot it. Writes and
//     deletes of one scope take turns; reads and lists run together.
//   - A write replaces the file in place: a write that fails midway (disk
//     full) can leave the file cut short.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// DefaultQuota is a quota per package and tenant of 256 MiB.
const DefaultQuota = 256 << 20

// MaxFile is the largest file, in bytes, that Read returns and Write
// accepts: what one host call can carry.
const MaxFile = wasmhost.MaxHostCall

// Limits on paths, in bytes.
const (
	MaxPath    = 1024 // a whole path
	maxElement = 255  // one element (a file or directory name)
)

// Dir is a wasmhost.Storage on a directory. It is safe for concurrent use.
type Dir struct {
	root  string
	quota int64

	mu    sync.Mutex
	locks map[wasmhost.Scope]*sync.RWMutex // writers of a scope one at a time, readers together
}

var _ wasmhost.Storage = (*Dir)(nil)

// New returns a store whose scope (tenant, package) lives in
// root/<tenant>/<package>/, each holding at most quotaBytes bytes of files;
// quotaBytes <= 0 means no quota. root is made (0700) on the first write.
func New(root string, quotaBytes int64) *Dir {
	return &Dir{root: root, quota: quotaBytes, locks: map[wasmhost.Scope]*sync.RWMutex{}}
}

// scopeLock returns the lock of scope s.
func (d *Dir) scopeLock(s wasmhost.Scope) *sync.RWMutex {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.locks[s]
	if l == nil {
		l = &sync.RWMutex{}
		d.locks[s] = l
	}
	return l
}

// lock takes the write lock of scope s and returns its unlock.
func (d *Dir) lock(s wasmhost.Scope) func() {
	l := d.scopeLock(s)
	l.Lock()
	return l.Unlock
}

// rlock takes the read lock of scope s and returns its unlock.
func (d *Dir) rlock(s wasmhost.Scope) func() {
	l := d.scopeLock(s)
	l.RLock()
	return l.RUnlock
}

// checkName checks a tenant or package id: one safe path element.
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty %s", wasmhost.ErrBadRequest, what)
	case len(name) > maxElement:
		return fmt.Errorf("%w: %s of %d bytes (at most %d)", wasmhost.ErrBadRequest, what, len(name), maxElement)
	case name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || !filepath.IsLocal(name):
		return fmt.Errorf("%w: %s %q is not a single path element", wasmhost.ErrBadRequest, what, name)
	}
	return nil
}

// CheckPath checks a node's storage path: relative, slash-separated,
// canonical, without NUL or backslash, at most MaxPath bytes and 255 bytes
// per element.
//
// # Errors
//
// An error wrapping wasmhost.ErrBadRequest that says why.
func CheckPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty path", wasmhost.ErrBadRequest)
	case len(p) > MaxPath:
		return fmt.Errorf("%w: path of %d bytes (at most %d)", wasmhost.ErrBadRequest, len(p), MaxPath)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("%w: path %q holds a NUL byte", wasmhost.ErrBadRequest, p)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: path %q is absolute (paths are relative to the package's storage)", wasmhost.ErrBadRequest, p)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf("%w: path %q holds a backslash (the separator is /)", wasmhost.ErrBadRequest, p)
	}
	for _, e := range strings.Split(p, "/") {
		switch {
		case e == "..":
			return fmt.Errorf("%w: path %q goes up with \"..\"", wasmhost.ErrBadRequest, p)
		case e == "" || e == ".":
			return fmt.Errorf("%w: path %q is not canonical (empty or \".\" element)", wasmhost.ErrBadRequest, p)
		case len(e) > maxElement:
			return fmt.Errorf("%w: path %q has an element of %d bytes (at most %d)", wasmhost.ErrBadRequest, p, len(e), maxElement)
		}
	}
	if !fs.ValidPath(p) || !filepath.IsLocal(filepath.FromSlash(p)) {
		return fmt.Errorf("%w: path %q is not a local path", wasmhost.ErrBadRequest, p)
	}
	return nil
}

// scopePath is the scope's directory relative to the root.
func scopePath(s wasmhost.Scope) (string, error) {
	if err := checkName("tenant", s.Tenant); err != nil {
		return "", err
	}
	if err := checkName("package", s.Package); err != nil {
		return "", err
	}
	return s.Tenant + "/" + s.Package, nil
}

// open opens the scope's directory as an os.Root, making it (and the root)
// first when create is set. Without create, a scope that has no directory
// yet gives (nil, nil).
func (d *Dir) open(s wasmhost.Scope, create bool) (*os.Root, error) {
	sp, err := scopePath(s)
	if err != nil {
		return nil, err
	}
	if create {
		if err := os.MkdirAll(d.root, 0o700); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	top, err := os.OpenRoot(d.root)
	if err != nil {
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("storage: %w", err)
	}
	defer top.Close()
	if create {
		if err := top.MkdirAll(sp, 0o700); err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	r, err := top.OpenRoot(sp)
	if err != nil {
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("storage: %w", err)
	}
	return r, nil
}

// walkCheck checks each existing prefix of path p in r: none may be a
// symbolic link, and all but the last must be directories. It returns the
// file info of p itself, or nil when p does not exist.
func walkCheck(r *os.Root, p string) (fs.FileInfo, error) {
	elems := strings.Split(p, "/")
	for i := range elems {
		sub := strings.Join(elems[:i+1], "/")
		fi, err := r.Lstat(sub)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("storage: %w", err)
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%w: path %q goes through a symbolic link (%s)", wasmhost.ErrBadRequest, p, sub)
		case i < len(elems)-1 && !fi.IsDir():
			return nil, fmt.Errorf("%w: path %q: %s is a file, not a directory", wasmhost.ErrBadRequest, p, sub)
		case i == len(elems)-1:
			if !fi.Mode().IsRegular() && !fi.IsDir() {
				return nil, fmt.Errorf("%w: path %q is not a regular file", wasmhost.ErrBadRequest, p)
			}
			return fi, nil
		}
	}
	return nil, nil
}

// Read returns the contents of file p of scope s.
//
// # Errors
//
// wasmhost.ErrNotFound when there is no such file; wasmhost.ErrBadRequest
// for a bad path or scope, a directory, or a path through a symbolic link;
// wasmhost.ErrLimitExceeded for a file over MaxFile.
func (d *Dir) Read(_ context.Context, s wasmhost.Scope, p string) ([]byte, error) {
	if err := CheckPath(p); err != nil {
		return nil, err
	}
	if _, err := scopePath(s); err != nil {
		return nil, err
	}
	defer d.rlock(s)()
	r, err := d.open(s, false)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no file %q", wasmhost.ErrNotFound, p)
	}
	defer r.Close()
	fi, err := walkCheck(r, p)
	switch {
	case err != nil:
		return nil, err
	case fi == nil:
		return nil, fmt.Errorf("%w: no file %q", wasmhost.ErrNotFound, p)
	case fi.IsDir():
		return nil, fmt.Errorf("%w: %q is a directory", wasmhost.ErrBadRequest, p)
	case fi.Size() > MaxFile:
		return nil, fmt.Errorf("%w: file %q of %d bytes (at most %d)", wasmhost.ErrLimitExceeded, p, fi.Size(), MaxFile)
	}
	f, err := r.Open(p)
	if err != nil {
		return nil, mapErr(p, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("storage: reading %q: %w", p, err)
	}
	if len(data) > MaxFile {
		return nil, fmt.Errorf("%w: file %q is over %d bytes", wasmhost.ErrLimitExceeded, p, MaxFile)
	}
	return data, nil
}

// Write makes or replaces file p of scope s with data, making the
// directories it needs.
//
// # Errors
//
// wasmhost.ErrBadRequest for a bad path or scope, a path through a
// symbolic link or a file, or onto a directory; wasmhost.ErrLimitExceeded
// when data is over MaxFile or the scope would go over its quota.
func (d *Dir) Write(_ context.Context, s wasmhost.Scope, p string, data []byte) error {
	if err := CheckPath(p); err != nil {
		return err
	}
	if len(data) > MaxFile {
		return fmt.Errorf("%w: %d bytes for %q (at most %d per file)", wasmhost.ErrLimitExceeded, len(data), p, MaxFile)
	}
	if _, err := scopePath(s); err != nil {
		return err
	}
	defer d.lock(s)()
	r, err := d.open(s, true)
	if err != nil {
		return err
	}
	defer r.Close()
	fi, err := walkCheck(r, p)
	if err != nil {
		return err
	}
	if fi != nil && fi.IsDir() {
		return fmt.Errorf("%w: %q is a directory", wasmhost.ErrBadRequest, p)
	}
	if d.quota > 0 {
		used, err := usage(r)
		if err != nil {
			return err
		}
		old := int64(0)
		if fi != nil {
			old = fi.Size()
		}
		if after := used - old + int64(len(data)); after > d.quota {
			return fmt.Errorf("%w: writing %d bytes to %q would bring the storage of package %s to %d bytes (quota %d)",
				wasmhost.ErrLimitExceeded, len(data), p, s.Package, after, d.quota)
		}
	}
	if i := strings.LastIndex(p, "/"); i > 0 {
		if err := r.MkdirAll(p[:i], 0o700); err != nil {
			return mapErr(p, err)
		}
	}
	f, err := r.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return mapErr(p, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("storage: writing %q: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("storage: writing %q: %w", p, err)
	}
	return nil
}

// usage is the sum of the sizes of the regular files under r.
func usage(r *os.Root) (int64, error) {
	var n int64
	err := walkFiles(r, func(_ string, fi fs.FileInfo) { n += fi.Size() })
	return n, err
}

// walkFiles calls fn for each regular file under r, in lexical order, with
// its slash-separated path. Symbolic links are neither followed nor
// reported.
func walkFiles(r *os.Root, fn func(p string, fi fs.FileInfo)) error {
	err := fs.WalkDir(r.FS(), ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // vanished or unreadable meanwhile: skip it
		}
		if !de.Type().IsRegular() {
			return nil // directories are walked; links and others skipped
		}
		fi, err := de.Info()
		if err != nil {
			return nil
		}
		fn(p, fi)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// List returns the paths of the files of scope s that start with prefix
// (all when prefix is ""), sorted; a scope without files gives an empty,
// non-nil slice.
//
// # Errors
//
// wasmhost.ErrBadRequest for a bad scope or a prefix with a NUL byte or
// over MaxPath bytes.
func (d *Dir) List(_ context.Context, s wasmhost.Scope, prefix string) ([]string, error) {
	if strings.ContainsRune(prefix, 0) || len(prefix) > MaxPath {
		return nil, fmt.Errorf("%w: prefix %.64q", wasmhost.ErrBadRequest, prefix)
	}
	if _, err := scopePath(s); err != nil {
		return nil, err
	}
	defer d.rlock(s)()
	r, err := d.open(s, false)
	if err != nil {
		return nil, err
	}
	out := []string{}
	if r == nil {
		return out, nil
	}
	defer r.Close()
	err = walkFiles(r, func(p string, _ fs.FileInfo) {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out) // WalkDir's order is by element, not by whole path
	return out, nil
}

// Delete removes file p of scope s, and the directories that this leaves
// empty. Deleting a file that does not exist is not an error.
//
// # Errors
//
// wasmhost.ErrBadRequest for a bad path or scope, a directory, or a path
// through a symbolic link.
func (d *Dir) Delete(_ context.Context, s wasmhost.Scope, p string) error {
	if err := CheckPath(p); err != nil {
		return err
	}
	if _, err := scopePath(s); err != nil {
		return err
	}
	defer d.lock(s)()
	r, err := d.open(s, false)
	if err != nil || r == nil {
		return err
	}
	defer r.Close()
	fi, err := walkCheck(r, p)
	switch {
	case err != nil:
		return err
	case fi == nil:
		return nil
	case fi.IsDir():
		return fmt.Errorf("%w: %q is a directory", wasmhost.ErrBadRequest, p)
	}
	if err := r.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return mapErr(p, err)
	}
	for dir := p; ; {
		i := strings.LastIndex(dir, "/")
		if i < 0 {
			break
		}
		dir = dir[:i]
		if r.Remove(dir) != nil { // not empty (or gone): stop
			break
		}
	}
	return nil
}

// mapErr maps an error of an os.Root operation on p.
func mapErr(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: no file %q", wasmhost.ErrNotFound, p)
	}
	return fmt.Errorf("storage: %q: %w", p, err)
}
