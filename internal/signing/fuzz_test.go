// FuzzVerify: arbitrary signature bytes against fixed data never panic, fail
// only with this package's sentinel errors, and verify only when they are a
// genuine signature by the trusted key. Its kept seed corpus lives in
// testdata/fuzz/FuzzVerify and is checked by TestFuzzSeedCorpus.

package signing

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"aead.dev/minisign"
)

var updateFuzzSeeds = flag.Bool("update-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzVerify from the fixed keys")

// fuzzData is the data every fuzzed signature is checked against.
var fuzzData = []byte("weft package com.example.math 1.0.0\x00\x01\x02 package bytes")

// fuzzComments are the trusted comments of the genuine seed signatures: the
// only ones a successful verification may return, since nobody can forge a
// signature of another.
var fuzzComments = map[string]bool{
	"weft package com.example.math 1.0.0 sha256:0000": true,
	"legacy": true,
}

// fuzzSeeds returns the named seed signatures, made with fixed keys so that
// they are the same on every run: key 1 is trusted, key 2 is not.
func fuzzSeeds(t testing.TB) map[string][]byte {
	_, sec1 := fixedKey(t, 1)
	_, sec2 := fixedKey(t, 2)
	const comment = "weft package com.example.math 1.0.0 sha256:0000"
	valid := mustSign(t, sec1, "", fuzzData, comment)
	legacy := minisign.SignWithComments(mustPrivate(t, sec1), fuzzData, "legacy", "signature from minisign secret key")
	lines := strings.Split(string(valid), "\n")
	return map[string][]byte{
		"valid":            valid,
		"valid-crlf":       bytes.ReplaceAll(valid, []byte("\n"), []byte("\r\n")),
		"legacy":           legacy,
		"untrusted-key":    mustSign(t, sec2, "", fuzzData, comment),
		"other-data":       mustSign(t, sec1, "", []byte("other"), comment),
		"comment-altered":  bytes.Replace(valid, []byte("1.0.0 sha256"), []byte("6.6.6 sha256"), 1),
		"sig-line-flipped": editSigLine(t, valid, 1, func(b []byte) []byte { b[40] ^= 1; return b }),
		"three-lines":      []byte(strings.Join(lines[:3], "\n")),
		"no-prefix":        []byte(strings.TrimPrefix(string(valid), "untrusted comment: ")),
		"public-key":       fixedPub(t, 1),
		"empty":            {},
		"garbage":          []byte("\x00\xff untrusted comment:\n\n\n"),
	}
}

func FuzzVerify(f *testing.F) {
	pub, _ := fixedKey(f, 1)
	store := storeWith(f, pub)
	id := mustID(f, pub)
	pk, err := parsePublicKey(pub)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sig []byte) {
		key, comment, err := store.VerifyWithComment(fuzzData, sig)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUntrusted) && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if key != (Key{}) || comment != "" {
				t.Fatalf("failed verification returned %+v, %q", key, comment)
			}
			return
		}
		if key.ID != id {
			t.Fatalf("verified with key %s, want %s", key.ID, id)
		}
		if !fuzzComments[comment] {
			t.Fatalf("verified a signature with trusted comment %q that was never signed", comment)
		}
		// The library, given the raw input, agrees.
		if !minisign.Verify(pk.key, fuzzData, sig) {
			t.Fatalf("verified a signature that aead.dev/minisign rejects:\n%q", sig)
		}
	})
}

// TestFuzzSeedCorpus checks that the kept corpus holds exactly the current
// seeds (go test -run TestFuzzSeedCorpus -update-fuzz-seeds rewrites it),
// so that `go test` runs FuzzVerify on them and a fuzzing run starts there.
func TestFuzzSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	seeds := fuzzSeeds(t)
	if *updateFuzzSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range seeds {
			content := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var names []string
	for name, s := range seeds {
		names = append(names, name)
		b, err := os.ReadFile(filepath.Join(dir, "seed-"+name))
		if err != nil {
			t.Fatalf("%v (run with -update-fuzz-seeds)", err)
		}
		want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s)) + ")\n"
		if string(b) != want {
			t.Errorf("seed-%s is out of date (run with -update-fuzz-seeds)", name)
		}
	}
	sort.Strings(names)
	// The trusted seeds verify; the others fail as labelled.
	store := storeWith(t, fixedPub(t, 1))
	want := map[string]error{
		"valid": nil, "valid-crlf": nil, "legacy": nil,
		"untrusted-key": ErrUntrusted, "other-data": ErrBadSignature, "comment-altered": ErrBadSignature,
		"sig-line-flipped": ErrBadSignature,
	}
	for _, name := range names {
		_, err := store.Verify(fuzzData, seeds[name])
		w, ok := want[name]
		if !ok {
			w = ErrMalformed
		}
		if w == nil && err != nil || w != nil && !errors.Is(err, w) {
			t.Errorf("seed %s: err = %v, want %v", name, err, w)
		}
	}
}
