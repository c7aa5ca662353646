// Cross-checks with the minisign command-line tool (Debian package
// "minisign"): its keys and signatures work here and ours work with it.
// Skipped when the tool is not installed.

package signing

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// minisignTool returns the path of the minisign tool, or "" when it is not
// installed.
func minisignTool(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("minisign")
	if err != nil {
		return ""
	}
	return bin
}

func needMinisign(t *testing.T) string {
	t.Helper()
	bin := minisignTool(t)
	if bin == "" {
		t.Skip("the minisign tool is not installed (apt-get install minisign)")
	}
	return bin
}

// run runs a command with stdin, failing the test unless it succeeds.
func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMinisignSignsWeftVerifies(t *testing.T) {
	bin := needMinisign(t)
	dir := t.TempDir()
	pubPath, secPath := filepath.Join(dir, "k.pub"), filepath.Join(dir, "k.key")
	run(t, "", bin, "-G", "-W", "-p", pubPath, "-s", secPath)
	file := filepath.Join(dir, "math-1.0.0.weftpkg")
	data := bytes.Repeat([]byte("package\x00"), 5000)
	os.WriteFile(file, data, 0o644)
	const comment = "weft package com.example.math 1.0.0 sha256:abcd"

	store := TrustStore{Dir: filepath.Join(dir, "trust")}
	key, err := store.AddFile(pubPath, "minisign")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(pubPath)
	// minisign 0.11 prints the ID without leading zeros, newer versions
	// with 16 digits as we do; both name the same key, and Remove takes both.
	printed, ok := strings.CutPrefix(strings.SplitN(string(pub), "\n", 2)[0], "untrusted comment: minisign public key ")
	if norm, err := parseID(printed); !ok || err != nil || norm != key.ID {
		t.Fatalf("minisign prints key ID %q, we say %s", printed, key.ID)
	}

	tests := []struct {
		name  string
		flags []string
	}{
		{"prehashed (default)", nil},
		{"legacy (-l)", []string{"-l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sigPath := filepath.Join(dir, "sig.minisig")
			args := append([]string{"-S", "-s", secPath, "-m", file, "-x", sigPath, "-t", comment}, tt.flags...)
			run(t, "", bin, args...)
			sig, _ := os.ReadFile(sigPath)
			k, c, err := store.VerifyWithComment(data, sig)
			if err != nil || k != key || c != comment {
				t.Fatalf("VerifyWithComment = %+v, %q, %v", k, c, err)
			}
			if _, c, err := store.VerifyFile(file, sigPath); err != nil || c != comment {
				t.Fatalf("VerifyFile = %q, %v", c, err)
			}
			tampered := bytes.Clone(data)
			tampered[len(tampered)/2] ^= 0x80
			if _, err := store.Verify(tampered, sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("tampered: %v", err)
			}
			if _, err := storeWith(t).Verify(data, sig); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), key.ID) {
				t.Fatalf("untrusted: %v", err)
			}
		})
	}

	// minisign's default trusted comment.
	run(t, "", bin, "-S", "-s", secPath, "-m", file)
	if _, c, err := store.VerifyFile(file, ""); err != nil || !strings.HasSuffix(c, "\tfile:math-1.0.0.weftpkg\thashed") {
		t.Fatalf("VerifyFile = %q, %v", c, err)
	}

	// weft signs with minisign's unencrypted secret key.
	secData, _ := os.ReadFile(secPath)
	sig := mustSign(t, secData, "", data, comment)
	if _, err := store.Verify(data, sig); err != nil {
		t.Fatal(err)
	}
}

func TestWeftSignsMinisignVerifies(t *testing.T) {
	bin := needMinisign(t)
	dir := t.TempDir()
	pub, sec, err := GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	pubPath, secPath := filepath.Join(dir, "k.pub"), filepath.Join(dir, "k.key")
	if err := WriteKeyFiles(pubPath, secPath, pub, sec); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "math-1.0.0.weftpkg")
	data := []byte("weft package bytes\n")
	os.WriteFile(file, data, 0o644)
	const comment = "weft package com.example.math 1.0.0 sha256:abcd"

	// Sign (in memory) → minisign -V.
	sigPath := file + ".minisig"
	os.WriteFile(sigPath, mustSign(t, sec, "", data, comment), 0o644)
	out := run(t, "", bin, "-V", "-p", pubPath, "-m", file)
	if !strings.Contains(out, "Signature and comment signature verified") || !strings.Contains(out, "Trusted comment: "+comment) {
		t.Fatalf("minisign -V:\n%s", out)
	}
	// -H: minisign requires a prehashed signature; ours is.
	run(t, "", bin, "-V", "-H", "-p", pubPath, "-m", file)
	// The bare key works too.
	run(t, "", bin, "-V", "-P", strings.Split(string(pub), "\n")[1], "-m", file)

	// minisign rejects our signature for a modified file (sanity check).
	os.WriteFile(file, append(bytes.Clone(data), '!'), 0o644)
	if out, err := runErr("", bin, "-V", "-p", pubPath, "-m", file); err == nil {
		t.Fatalf("minisign accepted a modified file:\n%s", out)
	}
	os.WriteFile(file, data, 0o644)

	// SignFile → minisign -V, with the default trusted comment.
	if _, err := SignFile(sec, "", file, ""); err != nil {
		t.Fatal(err)
	}
	out = run(t, "", bin, "-V", "-p", pubPath, "-m", file)
	if !strings.Contains(out, "Trusted comment: timestamp:") || !strings.Contains(out, "\tfile:math-1.0.0.weftpkg\thashed") {
		t.Fatalf("minisign -V:\n%s", out)
	}

	// A trust store key file is a minisign public key file.
	store := storeWith(t)
	key, err := store.Add(pub, "Example Corp")
	if err != nil {
		t.Fatal(err)
	}
	run(t, "", bin, "-V", "-p", key.Path, "-m", file)

	// minisign signs with our unencrypted secret key, and we verify.
	run(t, "", bin, "-S", "-s", secPath, "-m", file, "-t", "by minisign")
	if _, c, err := store.VerifyFile(file, ""); err != nil || c != "by minisign" {
		t.Fatalf("VerifyFile = %q, %v", c, err)
	}
}

func TestMinisignEncryptedKey(t *testing.T) {
	bin := needMinisign(t)
	dir := t.TempDir()
	secPath, pubPath := filepath.Join("testdata", "lowcost.key"), filepath.Join("testdata", "lowcost.pub")
	pub, sec := readTestdata(t, "lowcost.pub"), readTestdata(t, "lowcost.key")
	file := filepath.Join(dir, "f")
	data := []byte("data")
	os.WriteFile(file, data, 0o644)
	store := storeWith(t, pub)

	// minisign decrypts the fixture with the password on stdin and signs.
	run(t, lowcostPassword+"\n", bin, "-S", "-s", secPath, "-m", file, "-t", "by minisign")
	if _, c, err := store.VerifyFile(file, ""); err != nil || c != "by minisign" {
		t.Fatalf("VerifyFile = %q, %v", c, err)
	}
	// And refuses the wrong password, as we do.
	if out, err := runErr("wrong\n", bin, "-S", "-s", secPath, "-m", file, "-x", filepath.Join(dir, "x.minisig")); err == nil || !strings.Contains(out, "Wrong password") {
		t.Fatalf("minisign with a wrong password: %v\n%s", err, out)
	}
	// We sign with the fixture; minisign verifies.
	os.WriteFile(file+".minisig", mustSign(t, sec, lowcostPassword, data, "by weft"), 0o644)
	out := run(t, "", bin, "-V", "-p", pubPath, "-m", file)
	if !strings.Contains(out, "Trusted comment: by weft") {
		t.Fatalf("minisign -V:\n%s", out)
	}
}
