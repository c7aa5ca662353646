// Strict parsing of the three minisign file formats (public key, secret key,
// signature) before anything reaches the minisign library: sizes are bounded,
// every line is checked, and each error says what was expected and what was
// found. Parsed values are handed to the library in canonical form only.

package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"aead.dev/minisign"
)

const (
	untrustedPrefix = "untrusted comment: "
	trustedPrefix   = "trusted comment: "

	pubKeyBytes     = 2 + 8 + ed25519.PublicKeySize                            // "Ed" || key ID || public key
	secKeyBytes     = 2 + 2 + 2 + 32 + 8 + 8 + 8 + ed25519.PrivateKeySize + 32 // see the package doc
	sigBytes        = 2 + 8 + ed25519.SignatureSize                            // "ED"/"Ed" || key ID || signature
	commentSigBytes = ed25519.SignatureSize

	// Limits minisign's scrypt parameters (libsodium's "sensitive" ones),
	// beyond which aead.dev/minisign refuses to decrypt.
	maxScryptOps = 0x2000000
	maxScryptMem = 0x40000000
)

var (
	algEd       = []byte("Ed")    // Ed25519 key; legacy signature of the whole message
	algED       = []byte("ED")    // signature of the BLAKE2b-512 digest (prehashed)
	kdfScrypt   = []byte("Sc")    // encrypted secret key
	kdfNone     = []byte{0, 0}    // unencrypted secret key (minisign -W)
	chkBlake2b  = []byte("B2")    // secret key checksum
	lineForHint = map[int]string{ // decoded sizes that betray a mixed-up file
		pubKeyBytes: "a minisign public key",
		secKeyBytes: "a minisign secret key",
		sigBytes:    "the signature line of a minisign signature",
	}
)

// publicKey is a parsed public key.
type publicKey struct {
	key     minisign.PublicKey
	id      uint64
	raw     [ed25519.PublicKeySize]byte
	b64     string // the canonical base64 line
	comment string // the untrusted comment, without its prefix ("" if none)
}

// parsePublicKey parses a public key file, or the bare base64 line that
// `minisign -P` takes.
func parsePublicKey(b []byte) (publicKey, error) {
	var pk publicKey
	bad := func(format string, a ...any) (publicKey, error) {
		return publicKey{}, fmt.Errorf("public key %w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	if len(b) > MaxKeySize {
		return bad("it is larger than the %d bytes a key file may have", MaxKeySize)
	}
	lines := splitLines(b)
	var line string
	switch {
	case len(lines) == 0:
		return bad(`the input is empty; expected a line "untrusted comment: ..." followed by the base64 key`)
	case len(lines) == 1 && !strings.HasPrefix(lines[0], "untrusted comment:"):
		line = strings.TrimSpace(lines[0]) // a bare key, as minisign -P takes
	case !strings.HasPrefix(lines[0], "untrusted comment:"):
		return bad(`line 1 should start with "untrusted comment:", found %s`, found(lines[0]))
	case len(lines) == 1:
		return bad("line 2 (the base64 key) is missing")
	case len(lines) > 2:
		if len(lines) == 4 && strings.HasPrefix(lines[2], "trusted comment:") {
			return bad("this is a minisign signature, not a public key")
		}
		return bad("found %d lines; a public key file has 2", len(lines))
	default:
		pk.comment = strings.TrimPrefix(strings.TrimPrefix(lines[0], "untrusted comment:"), " ")
		line = strings.TrimSpace(lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return bad("the key line is not base64 (%v): found %s", err, found(line))
	}
	if len(raw) != pubKeyBytes {
		if what, ok := lineForHint[len(raw)]; ok {
			return bad("the key line holds %s, not a public key (%d bytes, expected %d)", what, len(raw), pubKeyBytes)
		}
		return bad("the key line decodes to %d bytes, expected %d", len(raw), pubKeyBytes)
	}
	if !bytes.Equal(raw[:2], algEd) {
		return bad("unsupported key algorithm %q, expected %q (Ed25519)", raw[:2], algEd)
	}
	pk.b64 = base64.StdEncoding.EncodeToString(raw)
	if err := pk.key.UnmarshalText([]byte(pk.b64)); err != nil {
		return bad("%v", err)
	}
	pk.id = binary.LittleEndian.Uint64(raw[2:10])
	copy(pk.raw[:], raw[10:])
	return pk, nil
}

// secretKeyFile is a decoded (still encrypted) secret key file.
type secretKeyFile struct {
	raw []byte // secKeyBytes
	b64 string // the canonical base64 line
}

// decodeSecretKey checks the structure of a secret key file.
func decodeSecretKey(b []byte) (secretKeyFile, error) {
	bad := func(format string, a ...any) (secretKeyFile, error) {
		return secretKeyFile{}, fmt.Errorf("secret key %w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	if len(b) > MaxKeySize {
		return bad("it is larger than the %d bytes a key file may have", MaxKeySize)
	}
	lines := splitLines(b)
	switch {
	case len(lines) == 0:
		return bad(`the input is empty; expected a line "untrusted comment: ..." followed by the base64 key`)
	case !strings.HasPrefix(lines[0], "untrusted comment:"):
		return bad(`line 1 should start with "untrusted comment:", found %s`, found(lines[0]))
	case len(lines) == 1:
		return bad("line 2 (the base64 key) is missing")
	case len(lines) > 2:
		return bad("found %d lines; a secret key file has 2", len(lines))
	}
	line := strings.TrimSpace(lines[1])
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return bad("line 2 is not base64 (%v)", err) // never echo secret material
	}
	if len(raw) != secKeyBytes {
		if what, ok := lineForHint[len(raw)]; ok {
			return bad("line 2 holds %s, not a secret key (%d bytes, expected %d)", what, len(raw), secKeyBytes)
		}
		return bad("line 2 decodes to %d bytes, expected %d", len(raw), secKeyBytes)
	}
	if !bytes.Equal(raw[:2], algEd) {
		return bad("unsupported signature algorithm %q, expected %q (Ed25519)", raw[:2], algEd)
	}
	if kdf := raw[2:4]; !bytes.Equal(kdf, kdfScrypt) && !bytes.Equal(kdf, kdfNone) {
		return bad(`unsupported key derivation %q, expected "Sc" (scrypt) or none`, kdf)
	}
	if !bytes.Equal(raw[4:6], chkBlake2b) {
		return bad("unsupported checksum algorithm %q, expected %q (BLAKE2b)", raw[4:6], chkBlake2b)
	}
	return secretKeyFile{raw: raw, b64: base64.StdEncoding.EncodeToString(raw)}, nil
}

// parseSecretKey decodes a secret key file and decrypts it when it is
// encrypted.
func parseSecretKey(b []byte, password string) (minisign.PrivateKey, error) {
	k, err := decodeSecretKey(b)
	if err != nil {
		return minisign.PrivateKey{}, err
	}
	canonical := []byte(untrustedPrefix + "minisign secret key\n" + k.b64 + "\n")
	if bytes.Equal(k.raw[2:4], kdfNone) {
		var sk minisign.PrivateKey
		if err := sk.UnmarshalText(canonical); err != nil {
			return minisign.PrivateKey{}, fmt.Errorf("secret key %w: %v", ErrMalformed, err)
		}
		// The Ed25519 secret key is seed || public key: they must agree.
		if secret := k.raw[62:126]; !bytes.Equal(ed25519.NewKeyFromSeed(secret[:ed25519.SeedSize]), secret) {
			return minisign.PrivateKey{}, fmt.Errorf("secret key %w: it is corrupted (its public half does not match its seed)", ErrMalformed)
		}
		return sk, nil
	}
	if password == "" {
		return minisign.PrivateKey{}, fmt.Errorf("secret key: %w: the key is encrypted and no password was given", ErrWrongPassword)
	}
	ops, mem := binary.LittleEndian.Uint64(k.raw[38:46]), binary.LittleEndian.Uint64(k.raw[46:54])
	if ops > maxScryptOps || mem > maxScryptMem {
		return minisign.PrivateKey{}, fmt.Errorf("secret key %w: its scrypt parameters (opslimit %d, memlimit %d) exceed minisign's (%d, %d)", ErrMalformed, ops, mem, maxScryptOps, maxScryptMem)
	}
	sk, err := minisign.DecryptKey(password, canonical)
	if err != nil {
		return minisign.PrivateKey{}, fmt.Errorf("secret key: %w: the key cannot be decrypted with it (or the key file is corrupted)", ErrWrongPassword)
	}
	return sk, nil
}

// signature is a parsed signature.
type signature struct {
	sig       minisign.Signature
	canonical []byte // the same signature, re-encoded for the library
}

// parseSignature parses a signature (.minisig) file.
func parseSignature(b []byte) (signature, error) {
	bad := func(format string, a ...any) (signature, error) {
		return signature{}, fmt.Errorf("signature %w: "+format, append([]any{ErrMalformed}, a...)...)
	}
	if len(b) > MaxSignatureSize {
		return bad("it is larger than the %d bytes a minisign signature may have", MaxSignatureSize)
	}
	lines := splitLines(b)
	if len(lines) == 0 {
		return bad("the input is empty; expected the 4 lines of a .minisig file")
	}
	if !strings.HasPrefix(lines[0], untrustedPrefix) {
		return bad("line 1 should start with %q, found %s", untrustedPrefix, found(lines[0]))
	}
	if len(lines) < 2 {
		return bad("it ends after line 1; a signature has 4 lines")
	}
	line := lines[1]
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return bad("line 2 is not base64 (%v): found %s", err, found(line))
	}
	if len(raw) != sigBytes {
		if what, ok := lineForHint[len(raw)]; ok {
			return bad("line 2 holds %s, not a signature (%d bytes, expected %d)", what, len(raw), sigBytes)
		}
		return bad("line 2 decodes to %d bytes, expected %d", len(raw), sigBytes)
	}
	var s minisign.Signature
	switch {
	case bytes.Equal(raw[:2], algED):
		s.Algorithm = minisign.HashEdDSA
	case bytes.Equal(raw[:2], algEd):
		s.Algorithm = minisign.EdDSA
	default:
		return bad(`unsupported signature algorithm %q, expected "ED" (prehashed Ed25519) or "Ed" (legacy)`, raw[:2])
	}
	if len(lines) < 4 {
		return bad("it ends after line %d; a signature has 4 lines", len(lines))
	}
	if len(lines) > 4 {
		return bad("found %d lines; a signature has 4", len(lines))
	}
	if !strings.HasPrefix(lines[2], trustedPrefix) {
		return bad("line 3 should start with %q, found %s", trustedPrefix, found(lines[2]))
	}
	line = lines[3]
	global, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return bad("line 4 is not base64 (%v): found %s", err, found(line))
	}
	if len(global) != commentSigBytes {
		return bad("line 4 decodes to %d bytes, expected %d", len(global), commentSigBytes)
	}
	s.KeyID = binary.LittleEndian.Uint64(raw[2:10])
	s.UntrustedComment = strings.TrimPrefix(lines[0], untrustedPrefix)
	s.TrustedComment = strings.TrimPrefix(lines[2], trustedPrefix)
	copy(s.Signature[:], raw[10:])
	copy(s.CommentSignature[:], global)
	canonical, err := s.MarshalText()
	if err != nil {
		return bad("%v", err)
	}
	return signature{sig: s, canonical: canonical}, nil
}

// formatPublicKey returns a public key file: the comment line and the
// base64 key, each ending with a line feed, as minisign writes it.
func formatPublicKey(b64, comment string) []byte {
	return []byte(untrustedPrefix + comment + "\n" + b64 + "\n")
}

// formatID returns a key ID as minisign prints it.
func formatID(id uint64) string {
	return fmt.Sprintf("%016X", id)
}

// parseID reads a key ID as the user may type it: hex digits in any case,
// leading zeros optional.
func parseID(s string) (string, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil || len(s) > 16 {
		return "", fmt.Errorf("signing: %s is not a key ID: expected 16 hexadecimal digits, as `weft trust list` shows them", found(s))
	}
	return formatID(n), nil
}

// splitLines splits b into lines without their "\n" or trailing "\r"s, and
// without trailing empty lines. Signature lines are otherwise taken as they
// are (no trimming of spaces), like minisign and aead.dev/minisign do.
func splitLines(b []byte) []string {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// found quotes what was found instead of what was expected, shortened.
func found(s string) string {
	if s == "" {
		return "an empty line"
	}
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
