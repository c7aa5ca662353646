// Package secrets is the local secret store behind the oauth.token host
// operation and the `weft secrets` command: one file per secret under a
// directory only its owner may read, written atomically, never printed
// back, one such directory per tenant.
//
//	home := secrets.OpenHome(weft.DefaultHome())
//	st, err := home.Tenant("acme") // $WEFT_HOME/tenants/acme/secrets
//	err = st.Set("oauth/google", token, time.Now().Add(time.Hour))
//	h, err := wasmhost.New(ctx, wasmhost.Config{Capabilities: wasmhost.Capabilities{Secrets: home}})
//
// # Layout
//
// Under a weft home HOME, the secrets of the default tenant are in
// HOME/secrets (where they were before there were tenants), those of tenant
// T in HOME/tenants/T/secrets. Tenant names are checked as the package
// store checks them (store.CheckTenant: a-z, 0-9, '_', '-'), so a tenant's
// directory is always below HOME; a tenant's store is moreover opened
// through an os.Root on HOME, so that not even a symbolic link can take it
// outside HOME.
//
// A secret named "oauth/google" is the file DIR/oauth/google, holding
// {"token": "...", "expires_at": "<RFC 3339>"} (expires_at absent when the
// secret does not expire). Directories are created 0700 and files 0600; a
// file whose permissions are wider than 0600 is refused on read, since
// another user may have read it (or replaced it).
//
// # Notes
//
//   - Writes go to a temporary file in the same directory, synced, then
//     renamed over the secret: a reader sees the old secret or the new one,
//     never a part. Temporary names contain '#', which no secret name may,
//     so List never shows them.
//   - Every access goes through os.Root on DIR: a symbolic link cannot lead
//     outside it, and a secret that is itself a link is refused.
//   - Errors name the secret and its file, never its value.
//   - The Home answers oauth.token from the calling run's tenant's store
//     only: a tenant without the token gets not_found, whichever other
//     tenants have one.
package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/store"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// Limits on what the store holds.
const (
	// MaxNameLen is the longest secret name, in bytes.
	MaxNameLen = 200
	// MaxTokenLen is the longest secret value, in bytes (JWTs of a few KiB
	// fit many times over).
	MaxTokenLen = 64 << 10
	// maxFileLen caps what a read takes from a secret file: the token,
	// escaped, and the JSON around it.
	maxFileLen = 6*MaxTokenLen + 256
)

// Errors the store returns; test them with errors.Is.
var (
	// ErrNotFound: no secret of that name. It is wasmhost.ErrNotFound, so
	// oauth.token answers not_found.
	ErrNotFound = wasmhost.ErrNotFound
	// ErrInvalidName: the name breaks the rules of ValidName. It wraps
	// wasmhost.ErrBadRequest (invalid_request).
	ErrInvalidName error = &alsoError{"invalid secret name", wasmhost.ErrBadRequest}
	// ErrInvalidToken: Set was given an empty, oversized or unprintable
	// value.
	ErrInvalidToken = errors.New("invalid secret value")
	// ErrInsecure: the secret's file may be read or written by users other
	// than its owner, or is not a regular file.
	ErrInsecure = errors.New("insecure secret file")
	// ErrCorrupt: the secret's file is not what Set writes.
	ErrCorrupt = errors.New("corrupt secret file")
	// ErrInvalidTenant: a tenant name that store.CheckTenant refuses. It
	// is not wasmhost.ErrBadRequest: the tenant comes from the host, not
	// from the node, so oauth.token answers unavailable.
	ErrInvalidTenant = errors.New("invalid tenant name")
)

// alsoError is a sentinel error that also matches another one, without
// saying so in its text.
type alsoError struct {
	msg  string
	also error
}

func (e *alsoError) Error() string { return e.msg }
func (e *alsoError) Unwrap() error { return e.also }

// Store is a directory of secrets: one tenant's. Its methods are safe for
// concurrent use, also by several processes: each write replaces a whole
// file atomically.
type Store struct {
	dir string // the directory, for messages (and for opening, without base)
	// base, when set, is the directory that contains the store, as rel:
	// the store is opened through an os.Root on base.
	base, rel string
}

// Open returns the store in dir. Nothing is touched until the first Set,
// which creates dir (0700) if needed; a missing dir is an empty store.
func Open(dir string) *Store { return &Store{dir: dir} }

// DirName is the store's directory under weft's home ($WEFT_HOME), and
// under each tenant's directory there.
const DirName = "secrets"

// TenantsDir is the directory of the tenants' directories under weft's
// home: the secrets of tenant T are in TenantsDir/T/DirName.
const TenantsDir = "tenants"

// DefaultTenant is the tenant of runs that name none.
const DefaultTenant = "default"

// Home is the secrets of all the tenants of a weft home directory. It
// implements wasmhost.Secrets, answering each run from its tenant's store.
type Home struct {
	dir string
}

var _ wasmhost.Secrets = (*Home)(nil)

// OpenHome returns the secrets of the weft home directory home, where
// `weft secrets` keeps them. Nothing is touched until a Set.
//
//	home := secrets.OpenHome(weft.DefaultHome())
func OpenHome(home string) *Home { return &Home{dir: home} }

// Dir returns the home directory.
func (h *Home) Dir() string { return h.dir }

// Tenant returns the store of tenant t: HOME/secrets for "default" (and
// ""), HOME/tenants/T/secrets for any other tenant.
//
//	st, err := secrets.OpenHome(home).Tenant("acme")
//
// # Errors
//
// ErrInvalidTenant when t is not a valid tenant name (store.CheckTenant):
// "..", "a/b" or "Acme" never name a directory.
func (h *Home) Tenant(t string) (*Store, error) {
	if t == "" || t == DefaultTenant {
		return Open(filepath.Join(h.dir, DirName)), nil
	}
	if err := store.CheckTenant(t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidTenant, err)
	}
	rel := path.Join(TenantsDir, t, DirName)
	return &Store{dir: filepath.Join(h.dir, filepath.FromSlash(rel)), base: h.dir, rel: rel}, nil
}

// OAuthToken implements wasmhost.Secrets: the secret "oauth/"+provider of
// tenant ("" is the default tenant), never another tenant's.
//
// # Errors
//
// ErrInvalidTenant for a tenant that Tenant refuses; otherwise as Get:
// ErrNotFound (not_found) when tenant has no token for provider,
// ErrInvalidName (invalid_request) when provider cannot be part of a name.
func (h *Home) OAuthToken(ctx context.Context, tenant, provider string) (string, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return "", time.Time{}, err
	}
	st, err := h.Tenant(tenant)
	if err != nil {
		return "", time.Time{}, err
	}
	return st.Get("oauth/" + provider)
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// open opens the store's directory as an os.Root; with create, it makes it
// first (0700), with its parents. A missing directory is an error wrapping
// fs.ErrNotExist.
func (s *Store) open(create bool) (*os.Root, error) {
	if s.base == "" {
		if create {
			if err := os.MkdirAll(s.dir, 0o700); err != nil {
				return nil, err
			}
		}
		return os.OpenRoot(s.dir)
	}
	if create {
		if err := os.MkdirAll(s.base, 0o700); err != nil {
			return nil, err
		}
	}
	base, err := os.OpenRoot(s.base)
	if err != nil {
		return nil, err
	}
	defer base.Close()
	if create {
		if err := base.MkdirAll(s.rel, 0o700); err != nil {
			return nil, err
		}
	}
	return base.OpenRoot(s.rel)
}

// ValidName checks a secret name: one or more segments separated by "/",
// each made of a-z, 0-9, '.', '_' and '-', none of them empty, "." or "..",
// MaxNameLen bytes at most. "oauth/google" and "api-keys/stripe.live" are
// names; "OAuth/Google", "/oauth", "oauth//google" and "oauth/../x" are not.
//
// # Errors
//
// ErrInvalidName (which wraps wasmhost.ErrBadRequest), saying what is wrong.
func ValidName(name string) error {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidName, truncate(name, 60), fmt.Sprintf(why, args...))
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxNameLen:
		return bad("%d bytes, the limit is %d", len(name), MaxNameLen)
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "":
			return bad(`empty segment (names look like "oauth/google", without a leading, trailing or double "/")`)
		case ".", "..":
			return bad("segment %q is not allowed", seg)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return bad("character %q is not allowed (use a-z, 0-9, '.', '_', '-' and '/' between segments)", r)
			}
		}
	}
	return nil
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// checkToken checks a value for Set: not empty, at most MaxTokenLen bytes,
// valid UTF-8 without control characters or spaces at either end (a stray
// newline from a pasted value would otherwise end up in an HTTP header).
func checkToken(token string) error {
	switch {
	case token == "":
		return fmt.Errorf("%w: empty", ErrInvalidToken)
	case len(token) > MaxTokenLen:
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidToken, len(token), MaxTokenLen)
	case !utf8.ValidString(token):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidToken)
	case strings.TrimSpace(token) != token:
		return fmt.Errorf("%w: it starts or ends with white space", ErrInvalidToken)
	}
	for i, r := range token {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: a control character at byte %d", ErrInvalidToken, i)
		}
	}
	return nil
}

// file is a secret file's content.
type file struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// encode returns the file content for a secret.
func encode(token string, expiresAt time.Time) ([]byte, error) {
	f := file{Token: token}
	if !expiresAt.IsZero() {
		f.ExpiresAt = expiresAt.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// decode parses a secret file's content. Its errors never quote data: the
// file holds a secret.
func decode(data []byte) (token string, expiresAt time.Time, err error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: not the JSON object weft writes", ErrCorrupt)
	}
	if f.Token == "" {
		return "", time.Time{}, fmt.Errorf("%w: no token", ErrCorrupt)
	}
	if f.ExpiresAt != "" {
		if expiresAt, err = time.Parse(time.RFC3339Nano, f.ExpiresAt); err != nil {
			return "", time.Time{}, fmt.Errorf("%w: expires_at is not an RFC 3339 time", ErrCorrupt)
		}
	}
	return f.Token, expiresAt, nil
}

// Set stores token under name, replacing any secret of that name. A zero
// expiresAt means the secret does not expire.
//
//	err := st.Set("oauth/google", "ya29.a0Af...", time.Now().Add(time.Hour))
//
// # Errors
//
// ErrInvalidName, ErrInvalidToken, or a file system error (wrapped) when
// the directory or the file cannot be written; a name whose segment is an
// existing secret ("oauth" when "oauth/google" exists) is such an error.
func (s *Store) Set(name, token string, expiresAt time.Time) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if err := checkToken(token); err != nil {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	data, err := encode(token, expiresAt)
	if err != nil {
		return fmt.Errorf("secret %s: encoding: %w", name, err)
	}
	root, err := s.open(true)
	if err != nil {
		return fmt.Errorf("secret store: %w", err)
	}
	defer root.Close()
	parent := path.Dir(name)
	if parent != "." {
		if err := root.MkdirAll(parent, 0o700); err != nil {
			return fmt.Errorf("secret %s: creating its directory: %w", name, err)
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(parent, ".#"+path.Base(name)+"."+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = root.Remove(tmp)
		}
	}()
	// 0600 whatever the umask was; then content, synced before the rename.
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("secret %s: writing: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("secret %s: writing: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("secret %s: writing: %w", name, err)
	}
	if fi, err := root.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("secret %s: %s is a %s, not a secret file", name, s.path(name), kind(fi.Mode()))
	}
	if err := root.Rename(tmp, name); err != nil {
		return fmt.Errorf("secret %s: %w", name, err)
	}
	ok = true
	syncDir(root, parent)
	return nil
}

// syncDir makes a rename in dir durable, where the platform allows.
func syncDir(root *os.Root, dir string) {
	d, err := root.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

// path returns the host path of secret name, for messages.
func (s *Store) path(name string) string { return filepath.Join(s.dir, filepath.FromSlash(name)) }

// Get returns the secret name and when it expires (zero: never). It does
// not judge expiry: an expired secret is returned as it is.
//
// # Errors
//
// ErrNotFound when there is no such secret; ErrInvalidName; ErrInsecure
// when its file is not a regular file or its permissions are wider than
// 0600 (group or others may read or write it), with the chmod that fixes
// it; ErrCorrupt when the file is not what Set writes; a file system error
// otherwise. None of them quotes the value.
func (s *Store) Get(name string) (token string, expiresAt time.Time, err error) {
	if err := ValidName(name); err != nil {
		return "", time.Time{}, err
	}
	root, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return "", time.Time{}, fmt.Errorf("secret %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("secret store: %w", err)
	}
	defer root.Close()
	fi, err := root.Lstat(name)
	if err != nil {
		return "", time.Time{}, s.statErr(name, err)
	}
	if !fi.Mode().IsRegular() {
		return "", time.Time{}, fmt.Errorf("secret %s: %w: %s is a %s", name, ErrInsecure, s.path(name), kind(fi.Mode()))
	}
	f, err := root.Open(name)
	if err != nil {
		return "", time.Time{}, s.statErr(name, err)
	}
	defer f.Close()
	// Judge the file that was opened, not the name: it may have changed.
	if fi, err = f.Stat(); err != nil {
		return "", time.Time{}, fmt.Errorf("secret %s: %w", name, err)
	}
	if err := s.checkMode(name, fi); err != nil {
		return "", time.Time{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileLen+1))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("secret %s: reading: %w", name, err)
	}
	if len(data) > maxFileLen {
		return "", time.Time{}, fmt.Errorf("secret %s: %w: %s is over %d bytes", name, ErrCorrupt, s.path(name), maxFileLen)
	}
	token, expiresAt, err = decode(data)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("secret %s: %w (%s; set it again with weft secrets set)", name, err, s.path(name))
	}
	return token, expiresAt, nil
}

// statErr maps a failed look-up of secret name.
func (s *Store) statErr(name string, err error) error {
	// ENOTDIR: a leading segment is a secret file, so this name cannot be.
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return fmt.Errorf("secret %s: %w", name, ErrNotFound)
	}
	return fmt.Errorf("secret %s: %w", name, err)
}

// checkMode refuses a secret file that is not a regular file or that
// others may read or write. Windows has no such permission bits.
func (s *Store) checkMode(name string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("secret %s: %w: %s is a %s", name, ErrInsecure, s.path(name), kind(fi.Mode()))
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("secret %s: %w: %s has permissions %04o, wider than 0600, so others may have read it; "+
			"refusing to use it (check who could, then: chmod 600 %s)", name, ErrInsecure, s.path(name), perm, s.path(name))
	}
	return nil
}

// List returns the names of the secrets in the store, sorted; never their
// values. A missing directory is an empty store.
//
// # Errors
//
// A file system error while reading the directory.
func (s *Store) List() ([]string, error) {
	root, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret store: %w", err)
	}
	defer root.Close()
	var names []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if ValidName(p) != nil {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // a temporary file, or something that is not ours
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("secret store: listing %s: %w", s.dir, err)
	}
	slices.Sort(names)
	return names, nil
}

// Delete removes the secret name, and the directories above it that it
// leaves empty.
//
// # Errors
//
// ErrNotFound when there is no such secret; ErrInvalidName; a file system
// error otherwise. A directory is never removed as a secret.
func (s *Store) Delete(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	root, err := s.open(false)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secret %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("secret store: %w", err)
	}
	defer root.Close()
	fi, err := root.Lstat(name)
	if err != nil {
		return s.statErr(name, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("secret %s: %w (it is a directory of secrets; delete those one by one)", name, ErrNotFound)
	}
	if err := root.Remove(name); err != nil {
		return s.statErr(name, err)
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if root.Remove(dir) != nil { // not empty (or gone): stop
			break
		}
	}
	syncDir(root, ".")
	return nil
}

// isNotDir reports ENOTDIR: a path's leading segment is a file.
func isNotDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }
