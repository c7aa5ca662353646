// Package signing signs and verifies weft package files (.weftpkg) with
// minisign signatures, and keeps the publisher keys that a weft home trusts.
//
// Every file this package reads or writes is in the documented minisign
// format (https://jedisct1.github.io/minisign/), so the minisign command-line
// tool and this package are interchangeable:
//
//   - a public key file is two lines: "untrusted comment: <text>" and the
//     base64 of "Ed" || key ID (8 bytes, little-endian) || Ed25519 public key
//     (32 bytes). The key ID is printed as 16 uppercase hex digits, as
//     current minisign prints it ("minisign public key 0C827A3F8E90EBF2";
//     minisign 0.11 leaves out leading zeros: "C827A3F8E90EBF2", which
//     TrustStore.Remove accepts too).
//   - a secret key file is two lines: "untrusted comment: <text>" and the
//     base64 of "Ed" || KDF ("Sc" for scrypt, or two zero bytes for an
//     unencrypted key) || "B2" || salt (32) || scrypt opslimit (8) ||
//     memlimit (8) || the key ID, Ed25519 secret key and BLAKE2b checksum,
//     XORed with the scrypt key stream when encrypted. Encrypted keys use
//     minisign's own cost parameters (scrypt with about 1 GiB of memory and a
//     few seconds of CPU time) so that `minisign -S` can use them.
//   - a signature file (.minisig) is four lines: "untrusted comment: <text>",
//     the base64 of "ED" || key ID || Ed25519 signature of the BLAKE2b-512
//     digest of the file, "trusted comment: <text>", and the base64 of the
//     Ed25519 signature of (file signature || trusted comment).
//
// New signatures are always prehashed ("ED"), as minisign makes them by
// default since version 0.10. Verification also accepts the legacy "Ed"
// signatures (the Ed25519 signature of the whole file, made by `minisign -S
// -l` or minisign before 0.10), as the minisign tool does unless given -H.
//
// A signature made here verifies with
//
//	minisign -V -p publisher.pub -m math-1.0.0.weftpkg -x math-1.0.0.weftpkg.minisig
//
// and a signature made by `minisign -S -s publisher.key -m FILE` verifies with
// TrustStore.Verify once publisher.pub has been added to the trust store.
//
// The trusted comment is signed together with the signature, so callers can
// bind metadata to it (weft writes "weft package ID VERSION sha256:DIGEST")
// and read it back from VerifyWithComment. The untrusted comment (line 1) is
// not signed and is never used for a decision.
//
// All input is treated as hostile: sizes are bounded (MaxSignatureSize,
// MaxKeySize, MaxTrustedCommentSize), malformed input is reported as
// ErrMalformed with what was expected and what was found, and nothing here
// panics on any input.
//
// The cryptography is that of aead.dev/minisign; this package adds strict
// parsing with clear errors, the trust store, and file handling.
package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"aead.dev/minisign"
)

// Sentinel errors. Every error this package returns for a signature or key
// problem wraps exactly one of them (test with errors.Is); the message around
// it says what is wrong and, where the caller gave one, names the file.
var (
	// ErrMalformed: the input is not a minisign signature or key of the
	// expected kind (wrong line, bad base64, wrong length, unknown algorithm,
	// too large).
	ErrMalformed = errors.New("not in minisign format")

	// ErrBadSignature: the signature is well formed and made by a trusted
	// key, but it does not match the data (the data or the signature was
	// modified, or the signature is for other data).
	ErrBadSignature = errors.New("bad signature")

	// ErrUntrusted: the signature was made by a key that is not in the trust
	// store. The message names the key ID and says how to trust it.
	ErrUntrusted = errors.New("untrusted signing key")

	// ErrWrongPassword: the secret key could not be decrypted with the given
	// password (or an encrypted key was given no password). minisign cannot
	// tell a wrong password from a corrupted encrypted key: both fail the
	// checksum.
	ErrWrongPassword = errors.New("wrong password")

	// ErrUnknownKey: TrustStore.Remove was given an ID that is not trusted.
	ErrUnknownKey = errors.New("unknown key")

	// ErrKeyConflict: TrustStore.Add was given a key whose ID is already
	// trusted for a different key.
	ErrKeyConflict = errors.New("key ID conflict")
)

// Size limits. Real minisign files are far smaller: a public key file is
// about 110 bytes, a secret key file about 270, a signature about 300 plus
// its comments.
const (
	// MaxSignatureSize bounds a signature file.
	MaxSignatureSize = 64 << 10
	// MaxKeySize bounds a public or secret key file.
	MaxKeySize = 16 << 10
	// MaxTrustedCommentSize bounds the trusted comment given to Sign
	// (minisign itself refuses trusted comments of 8 KiB and more).
	MaxTrustedCommentSize = 4096
	// MaxNameSize bounds the name given to TrustStore.Add.
	MaxNameSize = 128
	// maxPasswordSize is the longest password the minisign tool can read
	// (it reads at most 1023 bytes of a line).
	maxPasswordSize = 1023
	// maxLegacyDataSize bounds the file that VerifyFile loads into memory
	// for a legacy (not prehashed) signature, as minisign does.
	maxLegacyDataSize = 1 << 30
)

// defaultUntrustedComment is the untrusted comment of new signatures, the
// same as minisign's.
const defaultUntrustedComment = "signature from minisign secret key"

// GenerateKey returns a new key pair as the contents of a minisign public key
// file and secret key file. The secret key is encrypted with password the way
// minisign encrypts it (this takes a few seconds and about 1 GiB of memory,
// by design); if password is "" it is stored unencrypted, as `minisign -G -W`
// does, and is then protected only by its file's permissions (see
// WriteKeyFiles).
//
//	pub, sec, err := signing.GenerateKey(password)
//	err = signing.WriteKeyFiles("publisher.pub", "publisher.key", pub, sec)
//
// # Errors
//
// A password the minisign tool could not read back (longer than 1023 bytes,
// or containing a line break); a failure of the system's random source.
func GenerateKey(password string) (pub, sec []byte, err error) {
	return generateKey(nil, password)
}

// generateKey is GenerateKey with a given entropy source (nil: crypto/rand),
// so that tests can make fixed keys.
func generateKey(random io.Reader, password string) (pub, sec []byte, err error) {
	if len(password) > maxPasswordSize || strings.ContainsAny(password, "\r\n") {
		return nil, nil, fmt.Errorf("signing: the password must be one line of at most %d bytes (the minisign tool reads no more)", maxPasswordSize)
	}
	pk, sk, err := minisign.GenerateKey(random)
	if err != nil {
		return nil, nil, fmt.Errorf("signing: generating a key: %w", err)
	}
	pub = formatPublicKey(pk.String(), "minisign public key "+formatID(pk.ID()))
	if password == "" {
		// KDF "\0\0" and a zero checksum, exactly as `minisign -G -W` writes.
		sec, err = sk.MarshalText()
	} else {
		sec, err = minisign.EncryptKey(password, sk)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("signing: encoding the secret key: %w", err)
	}
	return pub, append(sec, '\n'), nil
}

// KeyID returns the ID of a minisign public key (the contents of a .pub file,
// or the bare base64 line that `minisign -P` takes), as current minisign
// prints it: 16 uppercase hex digits, leading zeros included.
//
//	id, err := signing.KeyID(pub) // "8B55324A6C43C2CD"
//
// # Errors
//
// ErrMalformed when pub is not a minisign public key.
func KeyID(pub []byte) (string, error) {
	pk, err := parsePublicKey(pub)
	if err != nil {
		return "", err
	}
	return formatID(pk.id), nil
}

// SignatureKeyID returns the ID of the key that made a signature, without
// verifying anything: it is only a hint for messages such as "signed by key
// X, which you do not trust".
//
//	id, err := signing.SignatureKeyID(sig)
//
// # Errors
//
// ErrMalformed when sig is not a minisign signature.
func SignatureKeyID(sig []byte) (string, error) {
	s, err := parseSignature(sig)
	if err != nil {
		return "", err
	}
	return formatID(s.sig.KeyID), nil
}

// Sign returns a detached minisign signature (the contents of a .minisig
// file) over data, made with the secret key sec (decrypted with password when
// it is encrypted; the password is ignored for an unencrypted key). The
// signature is prehashed ("ED"), like minisign's default.
//
// trustedComment is signed along with the data; weft passes "weft package ID
// VERSION sha256:DIGEST". If it is "", it is "timestamp:UNIX\thashed", like
// minisign's default without the file name (SignFile adds it).
//
//	sig, err := signing.Sign(sec, password, data, "weft package com.example.math 1.0.0 sha256:…")
//
// # Errors
//
// ErrMalformed (sec is not a minisign secret key), ErrWrongPassword, or a
// trusted comment that is not one line of valid UTF-8 of at most
// MaxTrustedCommentSize bytes.
func Sign(sec []byte, password string, data []byte, trustedComment string) ([]byte, error) {
	if trustedComment == "" {
		trustedComment = fmt.Sprintf("timestamp:%d\thashed", time.Now().Unix())
	}
	if err := checkTrustedComment(trustedComment); err != nil {
		return nil, err
	}
	sk, err := parseSecretKey(sec, password)
	if err != nil {
		return nil, err
	}
	return signReader(sk, bytes.NewReader(data), trustedComment)
}

// SignFile signs the file at path with Sign's rules and writes the signature
// to path + ".minisig" (mode 0644, replacing an older signature), streaming
// the file rather than loading it. An empty trustedComment becomes
// minisign's default, "timestamp:UNIX\tfile:NAME\thashed".
//
//	sigPath, err := signing.SignFile(sec, password, "math-1.0.0.weftpkg", "")
//
// # Errors
//
// As Sign, plus any error reading path or writing the signature, naming the
// file.
func SignFile(sec []byte, password, path, trustedComment string) (sigPath string, err error) {
	if trustedComment == "" {
		trustedComment = fmt.Sprintf("timestamp:%d\tfile:%s\thashed", time.Now().Unix(), filepath.Base(path))
	}
	if err := checkTrustedComment(trustedComment); err != nil {
		return "", err
	}
	sk, err := parseSecretKey(sec, password)
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sig, err := signReader(sk, f, trustedComment)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	sigPath = path + ".minisig"
	if err := writeFileAtomic(sigPath, sig, 0o644); err != nil {
		return "", err
	}
	return sigPath, nil
}

// signReader signs everything r yields and checks the result against the
// key's own public half before returning it, as minisign does, so that a
// corrupted key never produces a signature that nobody can verify.
func signReader(sk minisign.PrivateKey, r io.Reader, trustedComment string) ([]byte, error) {
	mr := minisign.NewReader(r)
	if _, err := io.Copy(io.Discard, mr); err != nil {
		return nil, err
	}
	sig := mr.SignWithComments(sk, trustedComment, defaultUntrustedComment)
	pk, ok := sk.Public().(minisign.PublicKey)
	if !ok || !mr.Verify(pk, sig) {
		return nil, fmt.Errorf("secret key %w: it makes signatures that its own public key rejects (the key file is corrupted)", ErrMalformed)
	}
	return sig, nil
}

// checkTrustedComment refuses what would break the signature file or the
// minisign tool: line breaks, other control characters (tabs are allowed:
// minisign's default uses them), invalid UTF-8, excessive length.
func checkTrustedComment(c string) error {
	if len(c) > MaxTrustedCommentSize {
		return fmt.Errorf("signing: the trusted comment is %d bytes, more than %d", len(c), MaxTrustedCommentSize)
	}
	if !utf8.ValidString(c) {
		return errors.New("signing: the trusted comment is not valid UTF-8")
	}
	for _, r := range c {
		if r != '\t' && (r < 0x20 || r == 0x7f) {
			return fmt.Errorf("signing: the trusted comment must be one line without control characters, found %q", r)
		}
	}
	return nil
}

// WriteKeyFiles writes a key pair made by GenerateKey: the secret key with
// mode 0600 (its folder, when created, 0700) and the public key with mode
// 0644. It never replaces an existing file (as minisign -G without -f), and
// it leaves no secret key behind if the public key cannot be written.
//
//	err := signing.WriteKeyFiles("publisher.pub", filepath.Join(home, "keys", "publisher.key"), pub, sec)
//
// # Errors
//
// ErrMalformed when pub or sec is not a minisign key of that kind; an error
// naming the file that already exists or cannot be written.
func WriteKeyFiles(pubPath, secPath string, pub, sec []byte) error {
	if _, err := parsePublicKey(pub); err != nil {
		return err
	}
	if _, err := decodeSecretKey(sec); err != nil {
		return err
	}
	for _, p := range []string{secPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("signing: %s already exists; refusing to replace a key file", p)
		}
	}
	if err := os.MkdirAll(filepath.Dir(secPath), 0o700); err != nil {
		return err
	}
	if err := writeNewFile(secPath, sec, 0o600); err != nil {
		return err
	}
	err := os.MkdirAll(filepath.Dir(pubPath), 0o755)
	if err == nil {
		err = writeNewFile(pubPath, pub, 0o644)
	}
	if err != nil {
		os.Remove(secPath)
		return err
	}
	return nil
}

// writeNewFile creates path (failing if it exists) with exactly perm.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil { // perm regardless of the umask
		f.Close()
		os.Remove(path)
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeFileAtomic replaces path with data (mode exactly perm) through a
// temporary file in the same folder, so that readers never see half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".weft-signing-*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}
