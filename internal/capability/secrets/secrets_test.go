package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/wasmhost"
)

const tok = "ya29.SECRET-token-value_42"

func newStore(t *testing.T) *secrets.Store {
	t.Helper()
	return secrets.Open(filepath.Join(t.TempDir(), "secrets"))
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"oauth/google", true},
		{"google", true},
		{"api-keys/stripe.live_1", true},
		{"a/b/c/d", true},
		{"...", true}, // three dots are a name like any other
		{"", false},
		{"/oauth", false},
		{"oauth/", false},
		{"oauth//google", false},
		{"oauth/../x", false},
		{"..", false},
		{".", false},
		{"./oauth", false},
		{"OAuth/Google", false},
		{"oauth/goo gle", false},
		{`oauth\google`, false},
		{"oauth/#tmp", false},
		{"oauth/é", false},
		{"oauth/\x00", false},
		{strings.Repeat("a", secrets.MaxNameLen), true},
		{strings.Repeat("a", secrets.MaxNameLen+1), false},
	} {
		err := secrets.ValidName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, secrets.ErrInvalidName) || !errors.Is(err, wasmhost.ErrBadRequest)) {
			t.Errorf("ValidName(%q) = %v: must wrap ErrInvalidName and wasmhost.ErrBadRequest", tc.name, err)
		}
	}
}

func TestSetGet(t *testing.T) {
	st := newStore(t)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		name, token string
		exp         time.Time
	}{
		{"oauth/google", tok, exp},
		{"oauth/github", "gho_abc", time.Time{}},
		{"plain", "v", time.Time{}},
		{"a/b/c", strings.Repeat("x", secrets.MaxTokenLen), exp},
		{"unicode", "tøken-✓", exp},
		{"quotes", `a"b\c</script>`, exp},
	} {
		if err := st.Set(tc.name, tc.token, tc.exp); err != nil {
			t.Fatalf("Set(%s): %v", tc.name, err)
		}
		got, gotExp, err := st.Get(tc.name)
		if err != nil {
			t.Fatalf("Get(%s): %v", tc.name, err)
		}
		if got != tc.token || !gotExp.Equal(tc.exp) {
			t.Errorf("Get(%s) = %.20q, %v; want %.20q, %v", tc.name, got, gotExp, tc.token, tc.exp)
		}
	}
	// Overwrite: the new value, the new expiry.
	if err := st.Set("oauth/google", "second", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, e, err := st.Get("oauth/google"); err != nil || got != "second" || !e.IsZero() {
		t.Fatalf("after overwrite: %q %v %v", got, e, err)
	}
	names, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/b/c", "oauth/github", "oauth/google", "plain", "quotes", "unicode"}; !slices.Equal(names, want) {
		t.Fatalf("List = %q, want %q", names, want)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits on Windows")
	}
	st := newStore(t)
	if err := st.Set("oauth/google", tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{"": 0o700, "oauth": 0o700, "oauth/google": 0o600} {
		fi, err := os.Stat(filepath.Join(st.Dir(), p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%q has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	// Nothing else is left beside the secret (no temporary file).
	ents, _ := os.ReadDir(filepath.Join(st.Dir(), "oauth"))
	if len(ents) != 1 {
		t.Errorf("oauth/ holds %d entries, want 1", len(ents))
	}
}

// TestGetRefuses: every refusal, in the default tenant's store and in
// another tenant's.
func TestGetRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits and symbolic links")
	}
	for _, tenant := range []string{"default", "acme"} {
		t.Run(tenant, func(t *testing.T) { testGetRefuses(t, tenant) })
	}
}

func testGetRefuses(t *testing.T, tenant string) {
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, []byte(`{"token":"`+tok+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what    string
		prepare func(t *testing.T, st *secrets.Store, file string)
		want    error
		msg     string
	}{
		{"world-readable", func(t *testing.T, st *secrets.Store, f string) { chmod(t, f, 0o644) }, secrets.ErrInsecure, "chmod 600"},
		{"group-readable", func(t *testing.T, st *secrets.Store, f string) { chmod(t, f, 0o640) }, secrets.ErrInsecure, "0640"},
		{"group-writable", func(t *testing.T, st *secrets.Store, f string) { chmod(t, f, 0o620) }, secrets.ErrInsecure, "wider than 0600"},
		{"others-writable", func(t *testing.T, st *secrets.Store, f string) { chmod(t, f, 0o602) }, secrets.ErrInsecure, "wider than 0600"},
		{"symlink outside", func(t *testing.T, st *secrets.Store, f string) { relink(t, outside, f) }, secrets.ErrInsecure, "symbolic link"},
		{"symlink inside", func(t *testing.T, st *secrets.Store, f string) {
			if err := st.Set("other", tok, time.Time{}); err != nil {
				t.Fatal(err)
			}
			relink(t, "../other", f)
		}, secrets.ErrInsecure, "symbolic link"},
		{"directory link", func(t *testing.T, st *secrets.Store, f string) {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Dir(f)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Dir(outside), filepath.Dir(f)); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(outside, filepath.Join(filepath.Dir(outside), "google")); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Rename(filepath.Join(filepath.Dir(outside), "google"), outside) })
		}, nil, "escapes"},
		{"not JSON", func(t *testing.T, st *secrets.Store, f string) { write(t, f, "token="+tok) }, secrets.ErrCorrupt, "not the JSON"},
		{"truncated", func(t *testing.T, st *secrets.Store, f string) { write(t, f, `{"token":"`+tok) }, secrets.ErrCorrupt, "not the JSON"},
		{"no token", func(t *testing.T, st *secrets.Store, f string) { write(t, f, `{"expires_at":"2030-01-01T00:00:00Z"}`) }, secrets.ErrCorrupt, "no token"},
		{"bad expiry", func(t *testing.T, st *secrets.Store, f string) {
			write(t, f, `{"token":"`+tok+`","expires_at":"`+tok+`"}`)
		}, secrets.ErrCorrupt, "RFC 3339"},
		{"wrong type", func(t *testing.T, st *secrets.Store, f string) { write(t, f, `{"token":["`+tok+`"]}`) }, secrets.ErrCorrupt, "not the JSON"},
		{"huge", func(t *testing.T, st *secrets.Store, f string) {
			write(t, f, `{"token":"`+tok+strings.Repeat("x", 1<<20)+`"}`)
		}, secrets.ErrCorrupt, "over"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			home, st := tenantStore(t, tenant)
			if err := st.Set("oauth/google", tok, time.Time{}); err != nil {
				t.Fatal(err)
			}
			tc.prepare(t, st, filepath.Join(st.Dir(), "oauth", "google"))
			got, _, err := st.Get("oauth/google")
			if err == nil {
				t.Fatalf("Get succeeded with %q", got)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), tok) {
				t.Errorf("the error quotes the secret: %v", err)
			}
			// OAuthToken refuses the same way.
			if _, _, err := home.OAuthToken(context.Background(), tenant, "google"); err == nil {
				t.Error("OAuthToken succeeded")
			}
		})
	}
}

func chmod(t *testing.T, f string, m fs.FileMode) {
	t.Helper()
	if err := os.Chmod(f, m); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, f, s string) {
	t.Helper()
	if err := os.WriteFile(f, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func relink(t *testing.T, target, f string) {
	t.Helper()
	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, f); err != nil {
		t.Fatal(err)
	}
}

// tenantStore returns a new home and the store of tenant in it.
func tenantStore(t *testing.T, tenant string) (*secrets.Home, *secrets.Store) {
	t.Helper()
	home := secrets.OpenHome(t.TempDir())
	st, err := home.Tenant(tenant)
	if err != nil {
		t.Fatal(err)
	}
	return home, st
}

func TestNotFound(t *testing.T) {
	for _, tenant := range []string{"default", "acme"} {
		t.Run(tenant, func(t *testing.T) { testNotFound(t, tenant) })
	}
}

func testNotFound(t *testing.T, tenant string) {
	home, st := tenantStore(t, tenant) // the directory does not exist yet
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, secrets.ErrNotFound) || !errors.Is(err, wasmhost.ErrNotFound) {
			t.Errorf("%s: %v, want not found", what, err)
		}
	}
	_, _, err := st.Get("oauth/google")
	check("Get, no directory", err)
	check("Delete, no directory", st.Delete("oauth/google"))
	if names, err := st.List(); err != nil || len(names) != 0 {
		t.Errorf("List, no directory: %q %v", names, err)
	}
	if err := st.Set("oauth/google", tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, _, err = st.Get("oauth/github")
	check("Get, other name", err)
	_, _, err = st.Get("oauth")
	if !errors.Is(err, secrets.ErrInsecure) { // a directory, not a secret
		t.Errorf("Get of a directory: %v", err)
	}
	_, _, err = st.Get("oauth/google/x")
	check("Get below a secret", err)
	check("Delete of a directory", st.Delete("oauth"))
	_, _, err = home.OAuthToken(context.Background(), tenant, "github")
	check("OAuthToken", err)
}

func TestSetRefuses(t *testing.T) {
	st := newStore(t)
	if err := st.Set("oauth/google", tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token string
		want        error
	}{
		{"Bad", tok, secrets.ErrInvalidName},
		{"../x", tok, secrets.ErrInvalidName},
		{"x", "", secrets.ErrInvalidToken},
		{"x", tok + "\n", secrets.ErrInvalidToken},
		{"x", " " + tok, secrets.ErrInvalidToken},
		{"x", "a\x00b", secrets.ErrInvalidToken},
		{"x", "a\rb", secrets.ErrInvalidToken},
		{"x", "a\xffb", secrets.ErrInvalidToken},
		{"x", strings.Repeat("x", secrets.MaxTokenLen+1), secrets.ErrInvalidToken},
		{"oauth", tok, nil},                // a directory of secrets
		{"oauth/google/refresh", tok, nil}, // below a secret
	} {
		err := st.Set(tc.name, tc.token, time.Time{})
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("Set(%q, %.10q) = %v, want %v", tc.name, tc.token, err, tc.want)
		}
		if err != nil && tc.token != "" && strings.Contains(err.Error(), tc.token) {
			t.Errorf("Set(%q): the error quotes the value: %v", tc.name, err)
		}
	}
	if got, _, err := st.Get("oauth/google"); err != nil || got != tok {
		t.Fatalf("the existing secret changed: %q %v", got, err)
	}
}

func TestListSkipsOthers(t *testing.T) {
	st := newStore(t)
	for _, n := range []string{"b", "a/x", "a/y"} {
		if err := st.Set(n, tok, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// Leftovers that are not secrets: a temporary file, names no secret can
	// have, a symbolic link.
	for _, f := range []string{".#b.0123", "README.TXT", "Upper/z", "a/.#x.99"} {
		p := filepath.Join(st.Dir(), filepath.FromSlash(f))
		_ = os.MkdirAll(filepath.Dir(p), 0o700)
		write(t, p, "x")
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("b", filepath.Join(st.Dir(), "link")); err != nil {
			t.Fatal(err)
		}
	}
	names, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/x", "a/y", "b"}; !slices.Equal(names, want) {
		t.Fatalf("List = %q, want %q", names, want)
	}
}

func TestDelete(t *testing.T) {
	st := newStore(t)
	for _, n := range []string{"oauth/google", "oauth/github", "deep/er/one"} {
		if err := st.Set(n, tok, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"oauth/google", "deep/er/one"} {
		if err := st.Delete(n); err != nil {
			t.Fatalf("Delete(%s): %v", n, err)
		}
		if _, _, err := st.Get(n); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("Get after Delete(%s): %v", n, err)
		}
	}
	if err := st.Delete("oauth/google"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if err := st.Delete("Bad"); !errors.Is(err, secrets.ErrInvalidName) {
		t.Errorf("Delete(Bad): %v", err)
	}
	// Emptied directories go; the store's own directory and non-empty ones stay.
	if _, err := os.Stat(filepath.Join(st.Dir(), "deep")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deep/ is still there: %v", err)
	}
	if names, _ := st.List(); !slices.Equal(names, []string{"oauth/github"}) {
		t.Errorf("List = %q", names)
	}
	if err := st.Delete("oauth/github"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(st.Dir()); err != nil {
		t.Errorf("the store's directory went: %v", err)
	}
}

func TestOAuthToken(t *testing.T) {
	home, st := tenantStore(t, "acme")
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := st.Set("oauth/google", tok, exp); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, e, err := home.OAuthToken(ctx, "acme", "google")
	if err != nil || got != tok || !e.Equal(exp) {
		t.Fatalf("OAuthToken = %q %v %v", got, e, err)
	}
	for _, p := range []string{"", "Google", "../google", "google/../../x"} {
		if _, _, err := home.OAuthToken(ctx, "acme", p); !errors.Is(err, wasmhost.ErrBadRequest) {
			t.Errorf("OAuthToken(%q) = %v, want a bad request", p, err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := home.OAuthToken(cctx, "acme", "google"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestConcurrent: readers racing writers see one whole secret or another,
// never a part and never an error.
func TestConcurrent(t *testing.T) {
	st := newStore(t)
	if err := st.Set("oauth/google", "v0", time.Time{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				v := fmt.Sprintf("v%d-%d-%s", w, i, strings.Repeat("z", 4096))
				if err := st.Set("oauth/google", v, time.Time{}); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for range 200 {
				v, _, err := st.Get("oauth/google")
				if err != nil {
					errs <- err
					return
				}
				if v != "v0" && !strings.HasSuffix(v, strings.Repeat("z", 4096)) {
					errs <- fmt.Errorf("a torn read of %d bytes", len(v))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if names, _ := st.List(); !slices.Equal(names, []string{"oauth/google"}) {
		t.Errorf("leftovers: %q", names)
	}
}
