package secrets_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/store"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// TestTenantLayout: the default tenant's secrets stay where they were before
// there were tenants (HOME/secrets, so that existing users keep theirs);
// every other tenant's are under HOME/tenants/T/secrets, with directories
// 0700 and files 0600 all the way down.
func TestTenantLayout(t *testing.T) {
	dir := t.TempDir()
	// A secret written the way the store wrote them before tenants.
	if err := secrets.Open(filepath.Join(dir, "secrets")).Set("oauth/google", "old-"+tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	home := secrets.OpenHome(dir)
	if home.Dir() != dir {
		t.Errorf("Dir = %q, want %q", home.Dir(), dir)
	}
	for tenant, want := range map[string]string{
		"":        filepath.Join(dir, "secrets"),
		"default": filepath.Join(dir, "secrets"),
		"acme":    filepath.Join(dir, "tenants", "acme", "secrets"),
		"b_2-x":   filepath.Join(dir, "tenants", "b_2-x", "secrets"),
	} {
		st, err := home.Tenant(tenant)
		if err != nil || st.Dir() != want {
			t.Errorf("Tenant(%q) = %v, %v; want the store in %s", tenant, st, err, want)
		}
	}
	ctx := context.Background()
	for _, tenant := range []string{"", "default"} {
		if got, _, err := home.OAuthToken(ctx, tenant, "google"); err != nil || got != "old-"+tok {
			t.Errorf("OAuthToken(%q) of the old layout = %q, %v", tenant, got, err)
		}
	}
	acme, _ := home.Tenant("acme")
	if err := acme.Set("oauth/google", tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tenants", "acme", "secrets", "oauth", "google")); err != nil {
		t.Fatalf("the tenant's secret is not where the layout says: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	for p, want := range map[string]fs.FileMode{
		"tenants": 0o700, "tenants/acme": 0o700, "tenants/acme/secrets": 0o700,
		"tenants/acme/secrets/oauth": 0o700, "tenants/acme/secrets/oauth/google": 0o600,
	} {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

// TestTenantIsolation: two tenants store different tokens for the same
// provider; each gets its own, a third gets not_found, and neither lists,
// reads or deletes the other's.
func TestTenantIsolation(t *testing.T) {
	home := secrets.OpenHome(t.TempDir())
	ctx := context.Background()
	tokens := map[string]string{"default": "tok-of-default", "tenant-a": "tok-of-a", "tenant-b": "tok-of-b"}
	for tenant, v := range tokens {
		st, err := home.Tenant(tenant)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Set("oauth/google", v, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := home.Tenant("tenant-b")
	if err := b.Set("oauth/github", "gh-of-b", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for tenant, want := range tokens {
		if got, _, err := home.OAuthToken(ctx, tenant, "google"); err != nil || got != want {
			t.Errorf("tenant %s got %q, %v; want %q", tenant, got, err, want)
		}
	}
	// Only tenant-b has a github token: the others get not found.
	for _, tenant := range []string{"default", "", "tenant-a", "tenant-c"} {
		got, _, err := home.OAuthToken(ctx, tenant, "github")
		if !errors.Is(err, secrets.ErrNotFound) || !errors.Is(err, wasmhost.ErrNotFound) {
			t.Errorf("tenant %q: github = %q, %v; want not found", tenant, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "gh-of-b") {
			t.Errorf("the error quotes another tenant's token: %v", err)
		}
	}
	a, _ := home.Tenant("tenant-a")
	if names, err := a.List(); err != nil || !slices.Equal(names, []string{"oauth/google"}) {
		t.Errorf("tenant-a lists %q, %v", names, err)
	}
	def, _ := home.Tenant("default")
	// The default tenant's directory holds the others' (HOME/tenants is
	// beside HOME/secrets, not in it): its list is its own.
	if names, err := def.List(); err != nil || !slices.Equal(names, []string{"oauth/google"}) {
		t.Errorf("default lists %q, %v", names, err)
	}
	if err := a.Delete("oauth/github"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("tenant-a deleted tenant-b's secret: %v", err)
	}
	if err := a.Delete("oauth/google"); err != nil {
		t.Fatal(err)
	}
	for tenant, want := range map[string]string{"default": "tok-of-default", "tenant-b": "tok-of-b"} {
		if got, _, err := home.OAuthToken(ctx, tenant, "google"); err != nil || got != want {
			t.Errorf("after tenant-a's delete, tenant %s got %q, %v", tenant, got, err)
		}
	}
	if _, _, err := home.OAuthToken(ctx, "tenant-a", "google"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("tenant-a after its delete: %v", err)
	}
}

// TestInvalidTenant: a tenant name that could leave the home, or that the
// package store would refuse, never names a store, and nothing is created.
func TestInvalidTenant(t *testing.T) {
	dir := t.TempDir()
	home := secrets.OpenHome(dir)
	for _, tenant := range []string{"..", ".", "../x", "a/b", "/etc", `a\b`, "a/../../x", "Acme", "-a", "_a",
		"a b", "a\x00", "é", strings.Repeat("a", 65), "tenants/../.."} {
		st, err := home.Tenant(tenant)
		if !errors.Is(err, secrets.ErrInvalidTenant) {
			t.Errorf("Tenant(%q) = %v, %v; want ErrInvalidTenant", tenant, st, err)
		}
		// Not a bad request of the node: the host passed the tenant.
		if errors.Is(err, wasmhost.ErrBadRequest) || errors.Is(err, wasmhost.ErrNotFound) {
			t.Errorf("Tenant(%q): %v must not wrap ErrBadRequest or ErrNotFound", tenant, err)
		}
		if _, _, err := home.OAuthToken(context.Background(), tenant, "google"); !errors.Is(err, secrets.ErrInvalidTenant) {
			t.Errorf("OAuthToken(%q, google) = %v; want ErrInvalidTenant", tenant, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the home is not empty: %v", ents)
	}
	// The rule is the package store's: what one accepts, the other does.
	for _, tenant := range []string{"a", "acme", "0", "a-b_c", strings.Repeat("a", 64), "A", "a.b", "a/b", ""} {
		_, err := home.Tenant(tenant)
		want := store.CheckTenant(tenant) == nil || tenant == ""
		if (err == nil) != want {
			t.Errorf("Tenant(%q) = %v, but store.CheckTenant says ok=%v", tenant, err, want)
		}
	}
}

// TestTenantStoreStaysInHome: a tenant's directory that is a symbolic link
// out of the home is refused, for reading and for writing, and nothing is
// written outside.
func TestTenantStoreStaysInHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links")
	}
	dir, outside := t.TempDir(), t.TempDir()
	if err := secrets.Open(filepath.Join(outside, "secrets")).Set("oauth/google", tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tenants"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "tenants", "acme")); err != nil {
		t.Fatal(err)
	}
	home := secrets.OpenHome(dir)
	got, _, err := home.OAuthToken(context.Background(), "acme", "google")
	if err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("OAuthToken through a link out of the home = %q, %v; want a refusal", got, err)
	}
	if err != nil && strings.Contains(err.Error(), tok) {
		t.Errorf("the error quotes the token: %v", err)
	}
	st, _ := home.Tenant("acme")
	if err := st.Set("oauth/github", tok, time.Time{}); err == nil {
		t.Error("Set wrote through a link out of the home")
	}
	if names, err := st.List(); err == nil || len(names) != 0 {
		t.Errorf("List through a link out of the home = %q, %v", names, err)
	}
	if _, err := os.Stat(filepath.Join(outside, "secrets", "oauth", "github")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a secret was written outside the home: %v", err)
	}
}
