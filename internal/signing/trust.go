// The trust store: the publisher public keys a weft home trusts, one minisign
// public key file per key under a folder ($WEFT_HOME/trust), and signature
// verification against them.

package signing

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"aead.dev/minisign"
)

// Key is a trusted publisher key.
type Key struct {
	ID   string // the key ID, 16 uppercase hex digits as minisign prints it
	Name string // the name given to TrustStore.Add ("" if none)
	Path string // the key's file in the trust store
}

// TrustStore is a folder of trusted publisher keys. Each key is the file
// DIR/<KEYID>.pub, a minisign public key file whose comment line names it
// ("untrusted comment: weft trusted key KEYID: NAME"), so that it also works
// with `minisign -V -p`. The folder is created with mode 0700 and the key
// files are written with mode 0644 (they are public, but only their owner
// may change what is trusted). Other files in the folder are ignored.
//
// A TrustStore holds no state besides Dir: its methods read the folder each
// time, so they see changes made by other processes.
//
// A TrustStore with Keys set and no Dir holds its keys in memory instead
// (the server keeps each tenant's keys in its database): Verify reads them,
// Add and Remove are refused.
type TrustStore struct {
	Dir string
	// Keys are public key files (or bare base64 keys) trusted in memory,
	// used when Dir is "".
	Keys [][]byte
}

// storeCommentPrefix starts the comment line of a key file the store writes.
const storeCommentPrefix = "weft trusted key "

// Add trusts the minisign public key pub (the contents of a .pub file, or
// the bare base64 key that `minisign -P` takes) under name, a one-line label
// such as the publisher's name ("" for none). Adding a key that is already
// trusted changes nothing and returns it as stored (with its stored name: to
// rename a key, remove it and add it again).
//
//	key, err := store.Add(pub, "Example Corp")
//
// # Errors
//
// ErrMalformed when pub is not a minisign public key; ErrKeyConflict when a
// different key with the same ID is already trusted; an invalid name
// (control characters, more than MaxNameSize bytes, invalid UTF-8); an error
// creating the folder or writing the file.
func (s TrustStore) Add(pub []byte, name string) (Key, error) {
	pk, err := parsePublicKey(pub)
	if err != nil {
		return Key{}, err
	}
	return s.add(pk, name)
}

// AddFile is Add with the key read from the file at path (at most
// MaxKeySize bytes); errors name the file.
//
//	key, err := store.AddFile("example.pub", "Example Corp")
//
// # Errors
//
// As Add, and an error reading the file.
func (s TrustStore) AddFile(path, name string) (Key, error) {
	b, err := readBounded(path, MaxKeySize)
	if err != nil {
		return Key{}, err
	}
	pk, err := parsePublicKey(b)
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return s.add(pk, name)
}

func (s TrustStore) add(pk publicKey, name string) (Key, error) {
	name, err := checkName(name)
	if err != nil {
		return Key{}, err
	}
	if err := s.checkDir(); err != nil {
		return Key{}, err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return Key{}, fmt.Errorf("signing: creating the trust store: %w", err)
	}
	id := formatID(pk.id)
	existing, old, err := s.load(id)
	switch {
	case err == nil && old.raw == pk.raw:
		return existing, nil
	case err == nil:
		return Key{}, fmt.Errorf("%w: a different key with ID %s is already trusted (%s); remove it first with `weft trust remove %s` if it should be replaced", ErrKeyConflict, id, describe(existing), id)
	case !errors.Is(err, fs.ErrNotExist):
		return Key{}, err
	}
	comment := storeCommentPrefix + id
	if name != "" {
		comment += ": " + name
	}
	path := s.keyPath(id)
	if err := writeFileAtomic(path, formatPublicKey(pk.b64, comment), 0o644); err != nil {
		return Key{}, fmt.Errorf("signing: adding key %s to the trust store: %w", id, err)
	}
	return Key{ID: id, Name: name, Path: path}, nil
}

// List returns the trusted keys sorted by ID; an empty or missing folder
// holds none.
//
//	keys, err := store.List()
//
// # Errors
//
// An error reading the folder; ErrMalformed naming a key file of the store
// that is not a minisign public key, or holds another key than its name
// says.
func (s TrustStore) List() ([]Key, error) {
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []Key
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".pub")
		if !ok || !isID(id) {
			continue
		}
		k, _, err := s.load(id)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	return keys, nil
}

// Remove stops trusting the key with the given ID (hex digits in any case;
// leading zeros may be left out).
//
//	err := store.Remove("8B55324A6C43C2CD")
//
// # Errors
//
// ErrUnknownKey when no such key is trusted; an ID that is not hex; an error
// removing the file.
func (s TrustStore) Remove(id string) error {
	if err := s.checkDir(); err != nil {
		return err
	}
	norm, err := parseID(id)
	if err != nil {
		return err
	}
	err = os.Remove(s.keyPath(norm))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: key %s is not in the trust store %s (`weft trust list` shows the trusted keys)", ErrUnknownKey, norm, s.Dir)
	}
	return err
}

// Verify checks that sig (the contents of a .minisig file) is a valid
// minisign signature of data made by a trusted key, and returns that key.
//
//	key, err := store.Verify(data, sig)
//
// # Errors
//
// ErrMalformed (sig is not a minisign signature), ErrUntrusted (made by a
// key that is not in the store: the message names its ID and says to run
// `weft trust add KEYFILE`), ErrBadSignature (the data or the signature was
// altered, or the signature is for other data).
func (s TrustStore) Verify(data, sig []byte) (Key, error) {
	k, _, err := s.VerifyWithComment(data, sig)
	return k, err
}

// VerifyWithComment is Verify that also returns the signature's trusted
// comment, which is authentic only when the error is nil. Callers that put
// metadata in it (weft: "weft package ID VERSION sha256:DIGEST") must check
// it against what they expect.
//
//	key, comment, err := store.VerifyWithComment(data, sig)
//
// # Errors
//
// As Verify.
func (s TrustStore) VerifyWithComment(data, sig []byte) (Key, string, error) {
	return s.verify(sig, "", "", func(pk minisign.PublicKey, canonical []byte, _ uint16) (bool, error) {
		return minisign.Verify(pk, data, canonical), nil
	})
}

// VerifyFile is VerifyWithComment for the file at path and its signature at
// sigPath ("" for path + ".minisig", minisign's default), reading the
// signature within MaxSignatureSize and streaming the file (a legacy "Ed"
// signature needs the whole file in memory, so it is refused for files over
// 1 GiB, as minisign does). Errors name the file concerned.
//
//	key, comment, err := store.VerifyFile("math-1.0.0.weftpkg", "")
//
// # Errors
//
// As Verify, and errors reading either file.
func (s TrustStore) VerifyFile(path, sigPath string) (Key, string, error) {
	if sigPath == "" {
		sigPath = path + ".minisig"
	}
	sig, err := readBounded(sigPath, MaxSignatureSize)
	if err != nil {
		return Key{}, "", err
	}
	return s.verify(sig, sigPath, path, func(pk minisign.PublicKey, canonical []byte, alg uint16) (bool, error) {
		f, err := os.Open(path)
		if err != nil {
			return false, err
		}
		defer f.Close()
		if alg == minisign.HashEdDSA {
			r := minisign.NewReader(f)
			if _, err := io.Copy(io.Discard, r); err != nil {
				return false, fmt.Errorf("%s: %w", path, err)
			}
			return r.Verify(pk, canonical), nil
		}
		data, err := io.ReadAll(io.LimitReader(f, maxLegacyDataSize+1))
		if err != nil {
			return false, fmt.Errorf("%s: %w", path, err)
		}
		if len(data) > maxLegacyDataSize {
			return false, fmt.Errorf("%s: a legacy (not prehashed) signature cannot be checked for a file over 1 GiB; sign it again with a current minisign or weft", path)
		}
		return minisign.Verify(pk, data, canonical), nil
	})
}

// verify parses sig, finds its key in the store, and runs check, which
// verifies the data with the library. sigName and dataName name the
// signature and the data in errors ("" when they have no name).
func (s TrustStore) verify(sig []byte, sigName, dataName string, check func(minisign.PublicKey, []byte, uint16) (bool, error)) (Key, string, error) {
	named := func(name string, err error) error {
		if name == "" {
			return err
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	ps, err := parseSignature(sig)
	if err != nil {
		return Key{}, "", named(sigName, err)
	}
	if err := s.check(); err != nil {
		return Key{}, "", err
	}
	id := formatID(ps.sig.KeyID)
	key, pk, err := s.load(id)
	if errors.Is(err, fs.ErrNotExist) {
		return Key{}, "", named(sigName, fmt.Errorf("%w: the signature was made with key %s, which is not in the trust store %s; if you trust its publisher, get their public key file and run `weft trust add KEYFILE`", ErrUntrusted, id, s.Dir))
	}
	if err != nil {
		return Key{}, "", err
	}
	ok, err := check(pk.key, ps.canonical, ps.sig.Algorithm)
	if err != nil {
		return Key{}, "", err
	}
	if !ok {
		// The comment signature covers the data signature and the trusted
		// comment: if it holds, they are intact and the data is what changed.
		global := append(ps.sig.Signature[:], ps.sig.TrustedComment...)
		if ed25519.Verify(pk.raw[:], global, ps.sig.CommentSignature[:]) {
			return Key{}, "", named(dataName, fmt.Errorf("%w: the data does not match the signature of key %s (%s): the data was modified after it was signed, or the signature is for other data", ErrBadSignature, id, describe(key)))
		}
		return Key{}, "", named(sigName, fmt.Errorf("%w: the signature was altered after it was made (its trusted comment or signature line no longer matches its comment signature), or it is not by key %s (%s)", ErrBadSignature, id, describe(key)))
	}
	return key, ps.sig.TrustedComment, nil
}

// load reads the store's key file for id. It returns an error wrapping
// fs.ErrNotExist when the key is not trusted.
func (s TrustStore) load(id string) (Key, publicKey, error) {
	if s.Dir == "" {
		for _, b := range s.Keys {
			pk, err := parsePublicKey(b)
			if err == nil && formatID(pk.id) == id {
				return Key{ID: id, Name: pk.comment, Path: "(tenant's trusted keys)"}, pk, nil
			}
		}
		return Key{}, publicKey{}, fmt.Errorf("key %s: %w", id, fs.ErrNotExist)
	}
	path := s.keyPath(id)
	b, err := readBounded(path, MaxKeySize)
	if err != nil {
		return Key{}, publicKey{}, err
	}
	pk, err := parsePublicKey(b)
	if err != nil {
		return Key{}, publicKey{}, fmt.Errorf("trust store file %s: %w", path, err)
	}
	if got := formatID(pk.id); got != id {
		return Key{}, publicKey{}, fmt.Errorf("trust store file %s: public key %w: it holds key %s, not %s", path, ErrMalformed, got, id)
	}
	name := pk.comment
	if rest, ok := strings.CutPrefix(pk.comment, storeCommentPrefix+id); ok {
		name = strings.TrimPrefix(rest, ": ")
	}
	return Key{ID: id, Name: name, Path: path}, pk, nil
}

func (s TrustStore) keyPath(id string) string {
	return filepath.Join(s.Dir, id+".pub")
}

// checkDir refuses to change or list a store that has no folder.
func (s TrustStore) checkDir() error {
	if s.Dir == "" {
		return errors.New("signing: the trust store has no folder (TrustStore.Dir is empty)")
	}
	return nil
}

func (s TrustStore) check() error {
	if s.Dir == "" && s.Keys == nil {
		return errors.New("signing: the trust store has no folder (TrustStore.Dir is empty)")
	}
	return nil
}

// describe names a key for messages.
func describe(k Key) string {
	if k.Name != "" {
		return fmt.Sprintf("%q, %s", k.Name, k.Path)
	}
	return k.Path
}

// isID reports whether s is a key ID as the store names its files.
func isID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkName trims a key name and refuses what could not be one line of the
// key file (or would mislead in a terminal).
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxNameSize {
		return "", fmt.Errorf("signing: the key name is %d bytes, more than %d", len(name), MaxNameSize)
	}
	if !utf8.ValidString(name) {
		return "", errors.New("signing: the key name is not valid UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", fmt.Errorf("signing: the key name must be one line without control characters, found %q", r)
		}
	}
	return name, nil
}

// readBounded reads a regular file of at most max bytes; a larger file is
// returned cut at max+1 bytes, for the parsers to refuse as too large.
func readBounded(path string, max int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("signing: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}
