// Tests of the registry server and client together: a real SQLite store,
// real package files, real HTTP on 127.0.0.1.

package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/store"
)

const (
	mathID = "com.example.math"
	token  = "s3cret-token"
)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	home := t.TempDir()
	j, err := journal.Open(context.Background(), filepath.Join(home, "weft.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s, err := store.Open(context.Background(), filepath.Join(home, "packages"), j.DB())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pkg builds a package file of id and version; description changes its
// bytes, keywords are added when given.
func pkg(t testing.TB, id, version, description string, keywords ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	m := "manifest_version = 1\nid = \"" + id + "\"\nname = \"Utils " + id[strings.LastIndex(id, ".")+1:] + "\"\nversion = \"" + version + "\"\ndescription = \"" + description + "\"\n"
	if len(keywords) > 0 {
		m += "keywords = [\"" + strings.Join(keywords, "\", \"") + "\"]\n"
	}
	m += "\n[permissions]\nvariables = true\n\n[[nodes]]\nid = \"a\"\nname = \"A\"\ndescription = \"Adds.\"\n"
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

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// serve starts a registry; cfg.Store and cfg.Tokens are filled in when
// unset (Tokens only when tokens is true).
func serve(t *testing.T, cfg ServerConfig) (*httptest.Server, *Client) {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = openStore(t)
	}
	srv := httptest.NewServer(NewServer(cfg))
	t.Cleanup(srv.Close)
	return srv, &Client{URL: srv.URL, Token: token}
}

// status returns the HTTP status of an *Error, or 0.
func status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func publish(t *testing.T, c *Client, data, sig []byte) *Published {
	t.Helper()
	p, err := c.Publish(context.Background(), data, sig)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, c := serve(t, ServerConfig{Tokens: []string{"other", token}})
	v100 := pkg(t, mathID, "1.0.0", "Arithmetic.", "arith", "numbers")
	v110 := pkg(t, mathID, "1.1.0", "Arithmetic, faster.", "arith", "numbers")
	beta := pkg(t, mathID, "2.0.0-beta.1", "Arithmetic, rewritten.", "arith")
	other := pkg(t, "org.acme.text", "0.3.0", "String helpers.")

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if *info != (Info{Name: "weft registry", API: 1}) {
		t.Errorf("info: %+v", info)
	}

	before := time.Now().Add(-time.Second)
	p := publish(t, c, v100, nil)
	if *p != (Published{ID: mathID, Version: "1.0.0", Digest: digest(v100)}) {
		t.Errorf("published: %+v", p)
	}
	publish(t, c, v110, nil)
	publish(t, c, beta, nil)
	publish(t, c, other, nil)

	for q, want := range map[string][]string{
		"":                      {mathID, "org.acme.text"},
		"math":                  {mathID},
		"ARITH":                 {mathID},          // keyword, case-insensitive
		"string":                {"org.acme.text"}, // description
		"acme":                  {"org.acme.text"}, // id
		"utils faster":          {mathID},          // every word, name and description
		"arith nothing-like-it": {},
	} {
		got, err := c.Search(ctx, q)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("search %q: %v, want %v", q, ids, want)
		}
	}
	got, _ := c.Search(ctx, "math")
	if s := got[0]; s.Latest != "1.1.0" || s.Name != "Utils math" || s.Description != "Arithmetic, faster." || strings.Join(s.Keywords, ",") != "arith,numbers" {
		t.Errorf("summary: %+v (latest is the newest release, not the pre-release)", s)
	}

	pi, err := c.Package(ctx, mathID)
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, v := range pi.Versions {
		versions = append(versions, v.Version)
	}
	if strings.Join(versions, " ") != "2.0.0-beta.1 1.1.0 1.0.0" {
		t.Errorf("versions %v, want newest first", versions)
	}
	v := pi.Versions[2]
	if v.Digest != digest(v100) || v.Signed || v.Signer != "" || v.Yanked || v.Deprecated != "" {
		t.Errorf("version: %+v", v)
	}
	if v.Published.Before(before) || v.Published.After(time.Now().Add(time.Second)) {
		t.Errorf("published at %v", v.Published)
	}
	if len(v.Nodes) != 1 || v.Nodes[0] != (NodeInfo{ID: "a", Name: "A", Description: "Adds."}) {
		t.Errorf("nodes: %+v", v.Nodes)
	}
	if !strings.Contains(strings.Join(v.Permissions, "\n"), "variables:") {
		t.Errorf("permissions: %q", v.Permissions)
	}

	for constraint, want := range map[string]string{
		"":          "1.1.0",
		"^1":        "1.1.0",
		"~1.0":      "1.0.0",
		"1.0.0":     "1.0.0",
		">=2.0.0-0": "2.0.0-beta.1",
	} {
		data, sig, v, err := c.Download(ctx, mathID, constraint)
		if err != nil {
			t.Fatalf("download %q: %v", constraint, err)
		}
		if v.Version != want || sig != nil || digest(data) != v.Digest {
			t.Errorf("download %q: %s %s sig %v, want %s", constraint, v.Version, v.Digest, sig != nil, want)
		}
	}
	if data, _, _, _ := c.Download(ctx, mathID, "1.0.0"); !bytes.Equal(data, v100) {
		t.Error("downloaded bytes differ from the published ones")
	}
	_, _, _, err = c.Download(ctx, mathID, "^3")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "1.1.0") {
		t.Errorf("no match: %v (want ErrNotFound listing the versions)", err)
	}
	_, _, _, err = c.Download(ctx, mathID, "9.9.9")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing exact version: %v", err)
	}
	_, _, _, err = c.Download(ctx, "com.example.nope", "")
	if !errors.Is(err, ErrNotFound) || status(err) != http.StatusNotFound {
		t.Errorf("missing package: %v", err)
	}
	if _, _, _, err = c.Download(ctx, mathID, "not a range!"); err == nil {
		t.Error("bad constraint accepted")
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	data := pkg(t, mathID, "1.0.0", "")
	srv, c := serve(t, ServerConfig{Tokens: []string{token}})
	for _, tok := range []string{"", "wrong", token + "x", token[:len(token)-1]} {
		_, err := (&Client{URL: srv.URL, Token: tok}).Publish(ctx, data, nil)
		if status(err) != http.StatusUnauthorized {
			t.Errorf("token %q: %v, want 401", tok, err)
		}
	}
	publish(t, c, data, nil)
	if err := (&Client{URL: srv.URL, Token: "wrong"}).Yank(ctx, mathID, "1.0.0", true); status(err) != http.StatusUnauthorized {
		t.Errorf("yank with a wrong token: %v", err)
	}
	if err := (&Client{URL: srv.URL}).Deprecate(ctx, mathID, "1.0.0", "no"); status(err) != http.StatusUnauthorized {
		t.Errorf("deprecate without a token: %v", err)
	}
	// Other schemes are not bearer tokens.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/packages/"+mathID+"/1.0.0/yank", strings.NewReader(`{"yanked":true}`))
	req.Header.Set("Authorization", "Basic "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("basic auth: %s", resp.Status)
	}

	// No tokens configured: publishing is disabled, and says so.
	_, c = serve(t, ServerConfig{})
	_, err = c.Publish(ctx, data, nil)
	if status(err) != http.StatusForbidden || !strings.Contains(err.Error(), "publishing is disabled") {
		t.Errorf("no tokens: %v", err)
	}
}

func TestImmutable(t *testing.T) {
	ctx := context.Background()
	srv, c := serve(t, ServerConfig{Tokens: []string{token}})
	v1 := pkg(t, mathID, "1.0.0", "")
	first := publish(t, c, v1, nil)
	again := publish(t, c, v1, nil) // same bytes: fine
	if *again != *first {
		t.Errorf("republish: %+v, want %+v", again, first)
	}
	_, err := c.Publish(ctx, pkg(t, mathID, "1.0.0", "changed"), nil)
	if status(err) != http.StatusConflict {
		t.Fatalf("other bytes: %v, want 409", err)
	}
	want := "registry " + srv.URL + ": publish com.example.math 1.0.0: 409 Conflict: "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("message %q, want it to start %q", err, want)
	}
	if _, _, v, err := c.Download(ctx, mathID, "1.0.0"); err != nil || v.Digest != digest(v1) {
		t.Errorf("after a refused republish: %v %+v", err, v)
	}
}

// TestConcurrentPublish publishes one version from many goroutines: one
// creates it, the others find it there.
func TestConcurrentPublish(t *testing.T) {
	_, c := serve(t, ServerConfig{Tokens: []string{token}})
	data := pkg(t, mathID, "1.0.0", "")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.Publish(context.Background(), data, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// newKey makes a signing key and a trust store that trusts it (trusted)
// or not.
func newKey(t *testing.T, trusted bool) (sec []byte, ts signing.TrustStore, id string) {
	t.Helper()
	pub, sec, err := signing.GenerateKey("")
	if err != nil {
		t.Fatal(err)
	}
	ts = signing.TrustStore{Dir: filepath.Join(t.TempDir(), "trust")}
	if trusted {
		k, err := ts.Add(pub, "test publisher")
		if err != nil {
			t.Fatal(err)
		}
		id = k.ID
	}
	return sec, ts, id
}

func sign(t *testing.T, sec, data []byte) []byte {
	t.Helper()
	sig, err := signing.Sign(sec, "", data, "")
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestSignatures(t *testing.T) {
	ctx := context.Background()
	sec, ts, keyID := newKey(t, true)
	strangerSec, _, _ := newKey(t, false)
	_, c := serve(t, ServerConfig{Tokens: []string{token}, RequireSignatures: true,
		Verify: func(data, sig []byte) (string, error) {
			k, err := ts.Verify(data, sig)
			return k.ID, err
		}})
	info, err := c.Info(ctx)
	if err != nil || !info.RequireSignatures {
		t.Fatalf("info: %+v %v", info, err)
	}
	data := pkg(t, mathID, "1.0.0", "")

	_, err = c.Publish(ctx, data, nil)
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "this registry requires signed packages") {
		t.Errorf("unsigned: %v", err)
	}
	_, err = c.Publish(ctx, data, sign(t, strangerSec, data))
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "signature") {
		t.Errorf("untrusted key: %v", err)
	}
	_, err = c.Publish(ctx, data, sign(t, sec, pkg(t, mathID, "1.0.0", "other bytes")))
	if status(err) != http.StatusUnprocessableEntity {
		t.Errorf("signature of other bytes: %v", err)
	}
	if _, err = c.Publish(ctx, data, []byte{}); err == nil {
		t.Error("empty signature accepted")
	}

	sig := sign(t, sec, data)
	p := publish(t, c, data, sig)
	if !p.Signed {
		t.Errorf("published: %+v", p)
	}
	got, gotSig, v, err := c.Download(ctx, mathID, "")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Signed || v.Signer != keyID || !bytes.Equal(gotSig, sig) {
		t.Errorf("download: %+v, signature equal %v", v, bytes.Equal(gotSig, sig))
	}
	if k, err := ts.Verify(got, gotSig); err != nil || k.ID != keyID {
		t.Errorf("verifying the download: %v", err)
	}
}

// TestUnverifiedSignatures: without a Verify hook, signatures are kept
// as they are, reported signed with no signer.
func TestUnverifiedSignatures(t *testing.T) {
	ctx := context.Background()
	sec, _, _ := newKey(t, false)
	srv, c := serve(t, ServerConfig{Tokens: []string{token}, RequireSignatures: true})
	data := pkg(t, mathID, "1.0.0", "")
	if _, err := c.Publish(ctx, data, nil); status(err) != http.StatusUnprocessableEntity {
		t.Errorf("unsigned: %v", err)
	}
	sig := sign(t, sec, data)
	publish(t, c, data, sig)
	// A fresh client and a fresh look at the version (not from publish).
	_, gotSig, v, err := (&Client{URL: srv.URL}).Download(ctx, mathID, "1.0.0")
	if err != nil || !v.Signed || v.Signer != "" || !bytes.Equal(gotSig, sig) {
		t.Errorf("download: %+v %v", v, err)
	}
	// An unsigned version has no signature to fetch.
	_, c2 := serve(t, ServerConfig{Tokens: []string{token}})
	publish(t, c2, data, nil)
	resp, err := http.Get(strings.TrimSuffix(c2.URL, "/") + "/v1/packages/" + mathID + "/1.0.0/signature")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("signature of an unsigned version: %s", resp.Status)
	}
}

func TestVerifyAndCheckHooks(t *testing.T) {
	ctx := context.Background()
	_, c := serve(t, ServerConfig{Tokens: []string{token},
		Verify: func(data, sig []byte) (string, error) {
			return "", errors.New("signed by key 0123456789ABCDEF, which this registry does not trust")
		},
		Check: func(ctx context.Context, data []byte) error {
			p, err := pkgfile.LoadArchive("x", bytes.NewReader(data))
			if err != nil {
				return err
			}
			if p.Manifest.Version == "6.6.6" {
				return errors.New("node a: module does not export weft_abi_version")
			}
			return nil
		}})
	data := pkg(t, mathID, "1.0.0", "")
	_, err := c.Publish(ctx, data, []byte("untrusted comment: x\nRWQ...\n"))
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "does not trust") {
		t.Errorf("verify hook refusing: %v", err)
	}
	_, err = c.Publish(ctx, pkg(t, mathID, "6.6.6", ""), nil)
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "weft_abi_version") {
		t.Errorf("check hook refusing: %v", err)
	}
	_, err = c.Publish(ctx, []byte("this is not a package"), nil)
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "invalid package") {
		t.Errorf("garbage: %v", err)
	}
	if pi, err := c.Package(ctx, mathID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after refusals the package exists: %+v %v", pi, err)
	}
	publish(t, c, data, nil) // unsigned is fine here
}

func TestYankDeprecate(t *testing.T) {
	ctx := context.Background()
	_, c := serve(t, ServerConfig{Tokens: []string{token}})
	publish(t, c, pkg(t, mathID, "1.0.0", ""), nil)
	publish(t, c, pkg(t, mathID, "1.1.0", ""), nil)
	if err := c.Yank(ctx, mathID, "1.1.0", true); err != nil {
		t.Fatal(err)
	}
	for _, constraint := range []string{"", "^1", ">=1.0.0"} {
		_, _, v, err := c.Download(ctx, mathID, constraint)
		if err != nil || v.Version != "1.0.0" {
			t.Errorf("download %q after yanking 1.1.0: %+v %v", constraint, v, err)
		}
	}
	_, _, _, err := c.Download(ctx, mathID, "1.1.0")
	if !errors.Is(err, ErrYanked) || !errors.Is(err, store.ErrYanked) || !strings.Contains(err.Error(), "yanked") {
		t.Errorf("exact yanked version: %v", err)
	}
	if _, _, _, err := c.Download(ctx, mathID, "~1.1"); !errors.Is(err, ErrYanked) {
		t.Errorf("range matching only a yanked version: %v", err)
	}
	if s, _ := c.Search(ctx, ""); len(s) != 1 || s[0].Latest != "1.0.0" {
		t.Errorf("search after yank: %+v", s)
	}
	pi, _ := c.Package(ctx, mathID)
	if !pi.Versions[0].Yanked || pi.Versions[1].Yanked {
		t.Errorf("versions: %+v", pi.Versions)
	}
	if err := c.Yank(ctx, mathID, "1.0.0", true); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.Download(ctx, mathID, ""); !errors.Is(err, ErrYanked) {
		t.Errorf("every version yanked: %v", err)
	}
	if s, _ := c.Search(ctx, ""); len(s) != 1 || s[0].Latest != "" {
		t.Errorf("search, all yanked: %+v", s)
	}
	if err := c.Yank(ctx, mathID, "1.1.0", false); err != nil {
		t.Fatal(err)
	}
	if _, _, v, err := c.Download(ctx, mathID, ""); err != nil || v.Version != "1.1.0" {
		t.Errorf("after unyank: %+v %v", v, err)
	}
	// A yanked version republished with the same bytes: still fine.
	publish(t, c, pkg(t, mathID, "1.0.0", ""), nil)

	if err := c.Deprecate(ctx, mathID, "1.1.0", "use 2.x: 1.x rounds wrongly"); err != nil {
		t.Fatal(err)
	}
	if _, _, v, _ := c.Download(ctx, mathID, "1.1.0"); v == nil || v.Deprecated != "use 2.x: 1.x rounds wrongly" {
		t.Errorf("deprecated: %+v", v)
	}
	if err := c.Deprecate(ctx, mathID, "1.1.0", "line\nbreak"); status(err) != http.StatusBadRequest {
		t.Errorf("multi-line message: %v", err)
	}
	if err := c.Deprecate(ctx, mathID, "1.1.0", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Yank(ctx, mathID, "3.0.0", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("yank of a missing version: %v", err)
	}
	if err := c.Yank(ctx, "com.example.none", "1.0.0", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("yank of a missing package: %v", err)
	}
}

// TestTamperedDownload: bytes that do not hash to the advertised digest,
// and a package that is not the one asked for, are refused.
func TestTamperedDownload(t *testing.T) {
	ctx := context.Background()
	real, c := serve(t, ServerConfig{Tokens: []string{token}})
	publish(t, c, pkg(t, mathID, "1.0.0", ""), nil)
	flip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		real.Config.Handler.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if strings.HasSuffix(r.URL.Path, "/package") {
			body[len(body)-1] ^= 1
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer flip.Close()
	_, _, _, err := (&Client{URL: flip.URL}).Download(ctx, mathID, "")
	if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("altered bytes: %v", err)
	}

	// A registry advertising another package's bytes (with their digest)
	// under this id.
	evil := pkg(t, "com.evil.math", "1.0.0", "")
	lying := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/packages/" + mathID:
			json.NewEncoder(w).Encode(PackageInfo{ID: mathID, Versions: []VersionInfo{{Version: "1.0.0", Digest: digest(evil)}}})
		case "/v1/packages/" + mathID + "/1.0.0/package":
			w.Write(evil)
		default:
			http.NotFound(w, r)
		}
	}))
	defer lying.Close()
	_, _, _, err = (&Client{URL: lying.URL}).Download(ctx, mathID, "1.0.0")
	if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "com.evil.math") {
		t.Errorf("another package: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	c := &Client{URL: url} // the default HTTP client
	start := time.Now()
	_, err = c.Info(ctx)
	if elapsed := time.Since(start); elapsed > 6*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "installed packages keep working") {
		t.Errorf("closed port: %v", err)
	}
	if _, _, _, err := c.Download(ctx, mathID, "^1"); !errors.Is(err, ErrUnreachable) {
		t.Errorf("download: %v", err)
	}

	// A registry that accepts the connection and never answers: a timeout.
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	c = &Client{URL: srv.URL, HTTP: &http.Client{Timeout: 200 * time.Millisecond}}
	start = time.Now()
	_, err = c.Search(ctx, "")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), srv.URL) || time.Since(start) > 6*time.Second {
		t.Errorf("hanging registry: %v after %v", err, time.Since(start))
	}

	// The caller's own cancellation is not an outage.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Search(cctx, ""); errors.Is(err, ErrUnreachable) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestTooLarge(t *testing.T) {
	_, c := serve(t, ServerConfig{Tokens: []string{token}, MaxPackageBytes: 100})
	data := pkg(t, mathID, "1.0.0", strings.Repeat("long ", 40))
	if len(data) <= 100 {
		t.Fatalf("test package is only %d bytes", len(data))
	}
	_, err := c.Publish(context.Background(), data, nil)
	if status(err) != http.StatusRequestEntityTooLarge || !strings.Contains(err.Error(), "100 bytes") {
		t.Errorf("oversize: %v", err)
	}
	// Also when the client does not say how long the body is.
	body, ctype, _ := multipartBody(data, nil)
	req, _ := http.NewRequest(http.MethodPost, c.URL+"/v1/packages", io.NopCloser(body()))
	req.ContentLength = -1
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize, chunked: %s", resp.Status)
	}
}

// countingServer counts the requests that reach a registry.
func countingServer(t *testing.T) (*Client, *atomic.Int64) {
	var n atomic.Int64
	h := NewServer(ServerConfig{Store: openStore(t), Tokens: []string{token}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &Client{URL: srv.URL, Token: token}, &n
}

func TestPathTraversal(t *testing.T) {
	ctx := context.Background()
	c, n := countingServer(t)
	publish(t, c, pkg(t, mathID, "1.0.0", ""), nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{
		"/v1/packages/..%2F..%2Fetc%2Fpasswd":                        http.StatusBadRequest,
		"/v1/packages/com.example.math%2F..%2F..":                    http.StatusBadRequest,
		"/v1/packages/com.example.math/..%2F..%2Fx/package":          http.StatusBadRequest,
		"/v1/packages/com.example.math/1.0.0%2F..%2F..%2F/package":   http.StatusBadRequest,
		"/v1/packages/com.example.math/%2E%2E/signature":             http.StatusBadRequest,
		"/v1/packages/COM.EXAMPLE.MATH":                              http.StatusBadRequest,
		"/v1/packages/nodot":                                         http.StatusBadRequest,
		"/v1/packages/com..math":                                     http.StatusBadRequest,
		"/v1/packages/com.example.math/1.0/package":                  http.StatusBadRequest,
		"/v1/packages/com.example.math/v1.0.0/package":               http.StatusBadRequest,
		"/v1/packages/" + strings.Repeat("a.", 70) + "b":             http.StatusBadRequest,
		"/v1/packages/../../etc/passwd":                              http.StatusMovedPermanently, // the mux redirects to the clean path
		"/v1/packages/com.example.math/1.0.0/package/../../../etc":   http.StatusMovedPermanently,
		"/v1/packages/com.example.math/1.0.0/../../../../etc/passwd": http.StatusMovedPermanently,
		"/etc/passwd": http.StatusNotFound,
		"/v1/packages/com.example.math/1.0.0/package.zip": http.StatusNotFound,
		"/v1/packages/com.example.math/1.0.0/package":     http.StatusOK,
	} {
		req, _ := http.NewRequest(http.MethodGet, c.URL, nil)
		req.URL.Opaque = path // sent as it is, not cleaned
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want && !(want == http.StatusMovedPermanently && resp.StatusCode/100 == 3) {
			t.Errorf("GET %s: %s %s, want %d", path, resp.Status, body, want)
		}
		if want >= 400 && !json.Valid(body) {
			t.Errorf("GET %s: not a JSON error: %q", path, body)
		}
	}

	// The client refuses such ids and versions before sending anything.
	before := n.Load()
	if _, _, _, err := c.Download(ctx, "../../etc/passwd", ""); err == nil {
		t.Error("download of ../../etc/passwd accepted")
	}
	if _, err := c.Package(ctx, "com.example/../x"); err == nil {
		t.Error("package com.example/../x accepted")
	}
	if err := c.Yank(ctx, mathID, "../1.0.0", true); err == nil {
		t.Error("yank of version ../1.0.0 accepted")
	}
	if err := c.Deprecate(ctx, mathID, "1.0.0/../../x", "m"); err == nil {
		t.Error("deprecate of version 1.0.0/../../x accepted")
	}
	if after := n.Load(); after != before {
		t.Errorf("%d requests were sent for invalid ids and versions", after-before)
	}
}

func TestBadRequests(t *testing.T) {
	srv, _ := serve(t, ServerConfig{Tokens: []string{token}})
	post := func(path, ctype, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	form := func(parts ...string) (string, string) {
		var b strings.Builder
		for i := 0; i < len(parts); i += 2 {
			fmt.Fprintf(&b, "--B\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", parts[i], parts[i+1])
		}
		b.WriteString("--B--\r\n")
		return "multipart/form-data; boundary=B", b.String()
	}
	for name, tc := range map[string]struct {
		path, ctype, body string
		want              int
	}{
		"json body":         {"/v1/packages", "application/json", `{}`, 400},
		"no package part":   {"/v1/packages", "", "", 400},
		"unknown part":      {"/v1/packages", "", "", 400},
		"two package parts": {"/v1/packages", "", "", 400},
		"yank no field":     {"/v1/packages/com.example.math/1.0.0/yank", "application/json", `{}`, 400},
		"yank typo":         {"/v1/packages/com.example.math/1.0.0/yank", "application/json", `{"yank": true}`, 400},
		"yank not json":     {"/v1/packages/com.example.math/1.0.0/yank", "application/json", `yes`, 400},
		"deprecate missing": {"/v1/packages/com.example.math/1.0.0/deprecate", "application/json", `{"message": "x"}`, 404},
	} {
		switch name {
		case "no package part":
			tc.ctype, tc.body = form("signature", "x")
		case "unknown part":
			tc.ctype, tc.body = form("package", "x", "readme", "y")
		case "two package parts":
			tc.ctype, tc.body = form("package", "x", "package", "y")
		}
		code, body := post(tc.path, tc.ctype, tc.body)
		var eb errorBody
		if code != tc.want || json.Unmarshal([]byte(body), &eb) != nil || eb.Error == "" {
			t.Errorf("%s: %d %s, want %d and a JSON error", name, code, body, tc.want)
		}
	}

	// Unknown endpoints and methods answer JSON too.
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/v1/packages", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !json.Valid(b) || !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("DELETE: %s %s allow %q", resp.Status, b, resp.Header.Get("Allow"))
	}
}

func TestClientChecks(t *testing.T) {
	ctx := context.Background()
	// Not a registry: a 404 is not "not found in the registry".
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	_, err := (&Client{URL: plain.URL}).Info(ctx)
	if err == nil || !strings.Contains(err.Error(), "not a weft registry") {
		t.Errorf("info from a plain server: %v", err)
	}
	if _, err := (&Client{URL: plain.URL}).Package(ctx, mathID); errors.Is(err, ErrNotFound) || status(err) != 404 {
		t.Errorf("package from a plain server: %v", err)
	}
	// Another API version.
	v2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"name":"weft registry","api":2}`)
	}))
	defer v2.Close()
	if _, err := (&Client{URL: v2.URL}).Info(ctx); err == nil || !strings.Contains(err.Error(), "API 2") {
		t.Errorf("api 2: %v", err)
	}
	// Plain http only on loopback; no garbage URLs.
	for _, u := range []string{"http://registry.example.com", "ftp://127.0.0.1", "127.0.0.1:8700", "", "https://u:p@example.com"} {
		if _, err := (&Client{URL: u}).Search(ctx, ""); err == nil || errors.Is(err, ErrUnreachable) {
			t.Errorf("URL %q: %v", u, err)
		}
	}
}
