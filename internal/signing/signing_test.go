// Tests of key generation, signing and verification: round trips, tampered
// data and signatures, untrusted keys, passwords, and malformed input with
// the messages users will read.

package signing

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"aead.dev/minisign"
)

const lowcostPassword = "correct horse" // testdata/lowcost.key

// fixedKey returns an unencrypted key pair made from 32 bytes of b, the same
// on every run.
func fixedKey(t testing.TB, b byte) (pub, sec []byte) {
	t.Helper()
	pub, sec, err := generateKey(bytes.NewReader(bytes.Repeat([]byte{b}, 32)), "")
	if err != nil {
		t.Fatal(err)
	}
	return pub, sec
}

func mustID(t testing.TB, pub []byte) string {
	t.Helper()
	id, err := KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustSign(t testing.TB, sec []byte, password string, data []byte, comment string) []byte {
	t.Helper()
	sig, err := Sign(sec, password, data, comment)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// storeWith returns a trust store in a fresh folder trusting pubs.
func storeWith(t testing.TB, pubs ...[]byte) TrustStore {
	t.Helper()
	s := TrustStore{Dir: filepath.Join(t.TempDir(), "trust")}
	for _, p := range pubs {
		if _, err := s.Add(p, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sigLine decodes, edits and re-encodes line n (0-based) of a signature.
func editSigLine(t testing.TB, sig []byte, n int, edit func([]byte) []byte) []byte {
	t.Helper()
	lines := strings.Split(string(sig), "\n")
	raw, err := base64.StdEncoding.DecodeString(lines[n])
	if err != nil {
		t.Fatal(err)
	}
	lines[n] = base64.StdEncoding.EncodeToString(edit(raw))
	return []byte(strings.Join(lines, "\n"))
}

func TestGenerateKeyFormat(t *testing.T) {
	pub, sec, err := GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	id := mustID(t, pub)
	if !regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(id) {
		t.Fatalf("KeyID = %q, want 16 uppercase hex digits", id)
	}
	wantPub := regexp.MustCompile(`^untrusted comment: minisign public key ` + id + `\nRW[A-Za-z0-9+/]{54}\n$`)
	if !wantPub.Match(pub) {
		t.Fatalf("public key file:\n%s\nwant minisign's format %s", pub, wantPub)
	}
	lines := strings.Split(string(sec), "\n")
	if len(lines) != 3 || lines[0] != "untrusted comment: minisign encrypted secret key" || lines[2] != "" {
		t.Fatalf("secret key file:\n%s", sec)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[1])
	if err != nil || len(raw) != secKeyBytes {
		t.Fatalf("secret key line: %v, %d bytes", err, len(raw))
	}
	if string(raw[:6]) != "Ed\x00\x00B2" {
		t.Errorf("unencrypted secret key starts %q, want \"Ed\\0\\0B2\" as minisign -W writes", raw[:6])
	}
	if got := binary.LittleEndian.Uint64(raw[54:62]); formatID(got) != id {
		t.Errorf("secret key ID %016X, public key ID %s", got, id)
	}
	// Two calls make two different keys.
	pub2, _, err := GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(pub, pub2) {
		t.Fatal("GenerateKey returned the same key twice")
	}
	if _, _, err := GenerateKey("two\nlines"); err == nil {
		t.Error("a password with a line break was accepted")
	}
	if _, _, err := GenerateKey(strings.Repeat("p", 1024)); err == nil {
		t.Error("a 1024-byte password was accepted")
	}
}

func TestKeyID(t *testing.T) {
	pub := readTestdata(t, "lowcost.pub")
	if id := mustID(t, pub); id != "97743C667B8667D3" {
		t.Fatalf("KeyID = %s", id)
	}
	// The bare base64 line, as `minisign -P` takes it.
	bare := strings.Split(string(pub), "\n")[1]
	if id := mustID(t, []byte(bare)); id != "97743C667B8667D3" {
		t.Fatalf("KeyID(bare) = %s", id)
	}
	// Leading zeros are kept.
	raw, _ := base64.StdEncoding.DecodeString(bare)
	binary.LittleEndian.PutUint64(raw[2:10], 0xABC)
	if id := mustID(t, []byte(base64.StdEncoding.EncodeToString(raw))); id != "0000000000000ABC" {
		t.Fatalf("KeyID = %s, want 0000000000000ABC", id)
	}
}

func TestSignVerify(t *testing.T) {
	pubA, secA := fixedKey(t, 1)
	pubB, secB := fixedKey(t, 2)
	idA, idB := mustID(t, pubA), mustID(t, pubB)
	store := storeWith(t, pubA)
	data := []byte("package bytes\x00\x01\x02 of com.example.math 1.0.0")
	const comment = "weft package com.example.math 1.0.0 sha256:0123"
	good := mustSign(t, secA, "", data, comment)

	flipped := bytes.Clone(data)
	flipped[3] ^= 1
	legacy := minisign.SignWithComments(mustPrivate(t, secA), data, comment, "legacy")

	tests := []struct {
		name    string
		data    []byte
		sig     []byte
		wantErr error
		wantMsg []string // substrings of the error message
	}{
		{name: "round trip", data: data, sig: good},
		{name: "CRLF line endings", data: data, sig: bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))},
		{name: "untrusted comment edited", data: data, sig: bytes.Replace(good, []byte("signature from minisign secret key"), []byte("anything at all"), 1)},
		{name: "legacy Ed signature", data: data, sig: legacy},
		{name: "empty data", data: nil, sig: mustSign(t, secA, "", nil, comment)},
		{
			name: "flipped byte in data", data: flipped, sig: good, wantErr: ErrBadSignature,
			wantMsg: []string{"bad signature", "data was modified after it was signed", idA},
		},
		{
			name: "flipped byte in data, legacy", data: flipped, sig: legacy, wantErr: ErrBadSignature,
			wantMsg: []string{"data was modified"},
		},
		{
			name: "trusted key, signature of other data", data: data,
			sig: mustSign(t, secA, "", []byte("other data"), comment), wantErr: ErrBadSignature,
			wantMsg: []string{"signature is for other data"},
		},
		{
			name: "untrusted key", data: data, sig: mustSign(t, secB, "", data, comment), wantErr: ErrUntrusted,
			wantMsg: []string{"untrusted signing key", idB, "not in the trust store", "weft trust add KEYFILE"},
		},
		{
			name: "trusted comment altered", data: data,
			sig:     bytes.Replace(good, []byte(comment), []byte(strings.Replace(comment, "1.0.0", "9.9.9", 1)), 1),
			wantErr: ErrBadSignature, wantMsg: []string{"signature was altered"},
		},
		{
			name: "signature byte flipped", data: data,
			sig:     editSigLine(t, good, 1, func(b []byte) []byte { b[20] ^= 1; return b }),
			wantErr: ErrBadSignature, wantMsg: []string{"signature was altered"},
		},
		{
			name: "other key claiming a trusted ID", data: data,
			sig: editSigLine(t, mustSign(t, secB, "", data, comment), 1, func(b []byte) []byte {
				copy(b[2:10], mustRawID(t, pubA))
				return b
			}),
			wantErr: ErrBadSignature, wantMsg: []string{"not by key " + idA},
		},
		{
			name: "prehashed made legacy", data: data,
			sig:     editSigLine(t, good, 1, func(b []byte) []byte { b[1] = 'd'; return b }),
			wantErr: ErrBadSignature,
		},
		{
			name: "public key given as signature", data: data, sig: pubA, wantErr: ErrMalformed,
			wantMsg: []string{"a minisign public key, not a signature"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, gotComment, err := store.VerifyWithComment(tt.data, tt.sig)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyWithComment: %v", err)
				}
				if key.ID != idA || key.Name != "test" || key.Path != filepath.Join(store.Dir, idA+".pub") {
					t.Fatalf("key = %+v, want %s", key, idA)
				}
				if gotComment != comment {
					t.Fatalf("trusted comment = %q, want %q", gotComment, comment)
				}
				if k2, err := store.Verify(tt.data, tt.sig); err != nil || k2 != key {
					t.Fatalf("Verify = %+v, %v", k2, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, e := range []error{ErrMalformed, ErrBadSignature, ErrUntrusted} {
				if e != tt.wantErr && errors.Is(err, e) {
					t.Fatalf("err = %v also wraps %v", err, e)
				}
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
			if key != (Key{}) || gotComment != "" {
				t.Fatalf("a failed verification returned %+v, %q", key, gotComment)
			}
		})
	}
}

func mustPrivate(t testing.TB, sec []byte) minisign.PrivateKey {
	t.Helper()
	sk, err := parseSecretKey(sec, "")
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

func mustRawID(t testing.TB, pub []byte) []byte {
	t.Helper()
	pk, err := parsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.AppendUint64(nil, pk.id)
}

func TestSignatureFormat(t *testing.T) {
	_, sec := fixedKey(t, 1)
	sig := mustSign(t, sec, "", []byte("x"), "weft package a 1 sha256:00")
	lines := strings.Split(string(sig), "\n")
	if len(lines) != 5 || lines[4] != "" {
		t.Fatalf("signature is not 4 lines ending with a line feed:\n%s", sig)
	}
	if lines[0] != "untrusted comment: signature from minisign secret key" ||
		lines[2] != "trusted comment: weft package a 1 sha256:00" {
		t.Fatalf("signature comments:\n%s", sig)
	}
	if raw, _ := base64.StdEncoding.DecodeString(lines[1]); string(raw[:2]) != "ED" {
		t.Fatalf("signature line %q is not prehashed (\"ED\")", lines[1])
	}
	id, err := SignatureKeyID(sig)
	if err != nil || id != mustID(t, fixedPub(t, 1)) {
		t.Fatalf("SignatureKeyID = %q, %v", id, err)
	}

	// The default trusted comment is minisign's, without a file name.
	sig = mustSign(t, sec, "", []byte("x"), "")
	if !regexp.MustCompile(`\ntrusted comment: timestamp:\d+\thashed\n`).Match(sig) {
		t.Fatalf("default trusted comment:\n%s", sig)
	}
}

func fixedPub(t testing.TB, b byte) []byte {
	pub, _ := fixedKey(t, b)
	return pub
}

func TestTrustedCommentRules(t *testing.T) {
	_, sec := fixedKey(t, 1)
	for _, c := range []string{"two\nlines", "cr\rhere", "nul\x00", "bell\a", strings.Repeat("c", MaxTrustedCommentSize+1), "bad utf8 \xff"} {
		if _, err := Sign(sec, "", []byte("x"), c); err == nil {
			t.Errorf("trusted comment %q accepted", c)
		}
	}
	for _, c := range []string{"tab\tseparated", "ünïcode ✓", strings.Repeat("c", MaxTrustedCommentSize)} {
		if _, err := Sign(sec, "", []byte("x"), c); err != nil {
			t.Errorf("trusted comment %q: %v", c, err)
		}
	}
}

func TestEncryptedKeyFixture(t *testing.T) {
	sec, pub := readTestdata(t, "lowcost.key"), readTestdata(t, "lowcost.pub")
	store := storeWith(t, pub)
	data := []byte("data")
	tests := []struct {
		name     string
		password string
		wantMsg  string
	}{
		{name: "right password", password: lowcostPassword},
		{name: "wrong password", password: "wrong horse", wantMsg: "secret key: wrong password: the key cannot be decrypted with it (or the key file is corrupted)"},
		{name: "no password", password: "", wantMsg: "secret key: wrong password: the key is encrypted and no password was given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := Sign(sec, tt.password, data, "c")
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := store.Verify(data, sig); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrWrongPassword) || err.Error() != tt.wantMsg {
				t.Fatalf("err = %v, want ErrWrongPassword %q", err, tt.wantMsg)
			}
		})
	}
}

func TestMalformedKeys(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	sig := mustSign(t, sec, "", []byte("x"), "c")
	pubLine := strings.Split(string(pub), "\n")[1]
	secLine := strings.Split(string(sec), "\n")[1]
	swapAlg := func(line, alg string) string {
		raw, _ := base64.StdEncoding.DecodeString(line)
		copy(raw, alg)
		return base64.StdEncoding.EncodeToString(raw)
	}
	pubTests := []struct{ name, in, wantMsg string }{
		{"empty", "", "public key not in minisign format: the input is empty"},
		{"bad first line", "hello\nRWQ=\n", `public key not in minisign format: line 1 should start with "untrusted comment:", found "hello"`},
		{"missing key line", "untrusted comment: x\n", "line 2 (the base64 key) is missing"},
		{"not base64", "untrusted comment: x\n#not base64#\n", "the key line is not base64"},
		{"short", "untrusted comment: x\nRWQAAA==\n", "the key line decodes to 4 bytes, expected 42"},
		{"secret key", string(sec), "holds a minisign secret key, not a public key"},
		{"signature", string(sig), "this is a minisign signature, not a public key"},
		{"other algorithm", "untrusted comment: x\n" + swapAlg(pubLine, "XX") + "\n", `unsupported key algorithm "XX"`},
		{"extra lines", string(pub) + "more\n", "found 3 lines; a public key file has 2"},
		{"too large", "untrusted comment: " + strings.Repeat("x", MaxKeySize) + "\n" + pubLine, "larger than the 16384 bytes"},
	}
	for _, tt := range pubTests {
		t.Run("public/"+tt.name, func(t *testing.T) {
			for _, f := range []func([]byte) error{
				func(b []byte) error { _, err := KeyID(b); return err },
				func(b []byte) error { _, err := storeWith(t).Add(b, "x"); return err },
			} {
				err := f([]byte(tt.in))
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want ErrMalformed containing %q", err, tt.wantMsg)
				}
			}
		})
	}
	secTests := []struct{ name, in, wantMsg string }{
		{"empty", "", "secret key not in minisign format: the input is empty"},
		{"bad first line", "RWQ\n", `line 1 should start with "untrusted comment:"`},
		{"public key", string(pub), "holds a minisign public key, not a secret key"},
		{"not base64", "untrusted comment: x\n" + secLine[:40] + "!\n", "line 2 is not base64"},
		{"other KDF", "untrusted comment: x\n" + swapAlg(secLine, "EdXX") + "\n", `unsupported key derivation "XX"`},
		{"other checksum", "untrusted comment: x\n" + swapAlg(secLine, "Ed\x00\x00XX") + "\n", `unsupported checksum algorithm "XX"`},
		{"corrupted", "untrusted comment: x\n" + flipSecretByte(t, secLine, 100) + "\n", "corrupted (its public half does not match its seed)"},
	}
	for _, tt := range secTests {
		t.Run("secret/"+tt.name, func(t *testing.T) {
			_, err := Sign([]byte(tt.in), "", []byte("x"), "c")
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want ErrMalformed containing %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), secLine[60:80]) {
				t.Fatalf("the error shows secret key material: %v", err)
			}
		})
	}
	// Excessive scrypt parameters are refused before any work is done.
	enc := strings.Split(string(readTestdata(t, "lowcost.key")), "\n")[1]
	raw, _ := base64.StdEncoding.DecodeString(enc)
	binary.LittleEndian.PutUint64(raw[46:54], 1<<40)
	_, err := Sign([]byte("untrusted comment: x\n"+base64.StdEncoding.EncodeToString(raw)+"\n"), "pw", []byte("x"), "c")
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "scrypt parameters") {
		t.Fatalf("err = %v", err)
	}
}

func flipSecretByte(t testing.TB, line string, i int) string {
	raw, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		t.Fatal(err)
	}
	raw[i] ^= 0x40
	return base64.StdEncoding.EncodeToString(raw)
}

func TestMalformedSignatures(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	store := storeWith(t, pub)
	data := []byte("x")
	good := string(mustSign(t, sec, "", data, "c"))
	lines := strings.Split(good, "\n")
	tests := []struct{ name, in, wantMsg string }{
		{"empty", "", "signature not in minisign format: the input is empty"},
		{"garbage", "hello world", `signature not in minisign format: line 1 should start with "untrusted comment: ", found "hello world"`},
		{"long garbage", strings.Repeat("A", 100), `found "` + strings.Repeat("A", 40) + `"...`},
		{"binary", "\x1f\x8b\x08\x00", `found "\x1f\x8b\b\x00"`},
		{"one line", lines[0], "it ends after line 1; a signature has 4 lines"},
		{"two lines", lines[0] + "\n" + lines[1] + "\n", "it ends after line 2"},
		{"bad base64", lines[0] + "\n" + "RUQ*\n" + lines[2] + "\n" + lines[3], "line 2 is not base64"},
		{"space after base64", lines[0] + "\n" + lines[1] + " \n" + lines[2] + "\n" + lines[3], "line 2 is not base64"},
		{"short", lines[0] + "\nRUQA\n" + lines[2] + "\n" + lines[3], "line 2 decodes to 3 bytes, expected 74"},
		{"bad algorithm", string(editSigLine(t, []byte(good), 1, func(b []byte) []byte { b[0] = 'X'; return b })), `unsupported signature algorithm "XD"`},
		{"no trusted comment", lines[0] + "\n" + lines[1] + "\ncomment: c\n" + lines[3], `line 3 should start with "trusted comment: ", found "comment: c"`},
		{"bad line 4", lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\nAAAA\n", "line 4 decodes to 3 bytes, expected 64"},
		{"extra line", good + "more\n", "found 5 lines; a signature has 4"},
		{"too large", "untrusted comment: " + strings.Repeat("x", MaxSignatureSize) + "\n" + good[len(lines[0])+1:], "larger than the 65536 bytes"},
		{"secret key", string(sec), "holds a minisign secret key, not a signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.Verify(data, []byte(tt.in))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v\nwant ErrMalformed containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestSignFileVerifyFile(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	store := storeWith(t, pub)
	dir := t.TempDir()
	path := filepath.Join(dir, "math-1.0.0.weftpkg")
	if err := os.WriteFile(path, bytes.Repeat([]byte("weft"), 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	sigPath, err := SignFile(sec, "", path, "")
	if err != nil {
		t.Fatal(err)
	}
	if sigPath != path+".minisig" {
		t.Fatalf("sigPath = %s", sigPath)
	}
	if fi, err := os.Stat(sigPath); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("signature file: %v %v", fi.Mode(), err)
	}
	key, comment, err := store.VerifyFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if key.ID != mustID(t, pub) || !regexp.MustCompile(`^timestamp:\d+\tfile:math-1\.0\.0\.weftpkg\thashed$`).MatchString(comment) {
		t.Fatalf("VerifyFile = %+v, %q", key, comment)
	}
	// The file's signature also verifies in memory, and vice versa.
	data, _ := os.ReadFile(path)
	sig, _ := os.ReadFile(sigPath)
	if _, err := store.Verify(data, sig); err != nil {
		t.Fatal(err)
	}

	// Errors name the file concerned.
	other := filepath.Join(dir, "other.minisig")
	os.WriteFile(other, mustSign(t, sec, "", []byte("other"), "c"), 0o644)
	if _, _, err := store.VerifyFile(path, other); !errors.Is(err, ErrBadSignature) || !strings.HasPrefix(err.Error(), path+": bad signature") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(other, []byte("nonsense"), 0o644)
	if _, _, err := store.VerifyFile(path, other); !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), other+": signature not in minisign format") {
		t.Fatalf("err = %v", err)
	}
	_, secB := fixedKey(t, 2)
	os.WriteFile(other, mustSign(t, secB, "", data, "c"), 0o644)
	if _, _, err := store.VerifyFile(path, other); !errors.Is(err, ErrUntrusted) || !strings.HasPrefix(err.Error(), other+": untrusted signing key") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(other, bytes.Repeat([]byte("x"), MaxSignatureSize+1), 0o644)
	if _, _, err := store.VerifyFile(path, other); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := store.VerifyFile(filepath.Join(dir, "missing"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	// A legacy signature is checked on the whole file.
	legacy := minisign.SignWithComments(mustPrivate(t, sec), data, "legacy", "u")
	os.WriteFile(other, legacy, 0o644)
	if _, comment, err := store.VerifyFile(path, other); err != nil || comment != "legacy" {
		t.Fatalf("legacy: %q, %v", comment, err)
	}
	os.WriteFile(path, append(data, '!'), 0o644)
	if _, _, err := store.VerifyFile(path, other); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("legacy, modified file: %v", err)
	}
	if _, _, err := store.VerifyFile(path, ""); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("modified file: %v", err)
	}
}

func TestWriteKeyFiles(t *testing.T) {
	pub, sec := fixedKey(t, 1)
	dir := t.TempDir()
	pubPath, secPath := filepath.Join(dir, "pub", "publisher.pub"), filepath.Join(dir, "keys", "publisher.key")
	if err := WriteKeyFiles(pubPath, secPath, pub, sec); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{secPath: 0o600, pubPath: 0o644, filepath.Dir(secPath): 0o700 | os.ModeDir} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, fi.Mode(), want, err)
		}
	}
	if got, _ := os.ReadFile(secPath); !bytes.Equal(got, sec) {
		t.Error("secret key file differs")
	}
	// Never replaces a key.
	if err := WriteKeyFiles(pubPath+"2", secPath, pub, sec); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(pubPath + "2"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a public key was written next to a refused secret key")
	}
	// Leaves no secret key behind when the public key cannot be written.
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o644)
	if err := WriteKeyFiles(filepath.Join(blocker, "x.pub"), filepath.Join(dir, "k2.key"), pub, sec); err == nil {
		t.Fatal("writing under a file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "k2.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a secret key was left behind")
	}
	// Swapped arguments are caught.
	if err := WriteKeyFiles(filepath.Join(dir, "a"), filepath.Join(dir, "b"), sec, pub); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

// TestGenerateKeyEncrypted runs the real key derivation (minisign's: 1 GiB of
// memory, seconds of CPU), so it is skipped in -short mode and under the race
// detector, which makes it take a minute and 6 GiB; the fixture tests cover
// the same decryption code with cheap parameters.
func TestGenerateKeyEncrypted(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow: real scrypt key derivation")
	}
	pub, sec, err := GenerateKey("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.Split(string(sec), "\n")[1])
	if string(raw[:6]) != "EdScB2" {
		t.Fatalf("encrypted secret key starts %q", raw[:6])
	}
	data := []byte("data")
	sig := mustSign(t, sec, "s3cret", data, "c")
	if _, err := storeWith(t, pub).Verify(data, sig); err != nil {
		t.Fatal(err)
	}
	if bin := minisignTool(t); bin != "" {
		// minisign decrypts our key and its signature verifies here.
		dir := t.TempDir()
		secPath, file := filepath.Join(dir, "k.key"), filepath.Join(dir, "f")
		os.WriteFile(secPath, sec, 0o600)
		os.WriteFile(file, data, 0o644)
		run(t, "s3cret\n", bin, "-S", "-s", secPath, "-m", file, "-t", "by minisign")
		if _, c, err := storeWith(t, pub).VerifyFile(file, ""); err != nil || c != "by minisign" {
			t.Fatalf("%q, %v", c, err)
		}
	}
}
