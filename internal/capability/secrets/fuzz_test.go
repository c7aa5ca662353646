package secrets_test

import (
	"bytes"
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/capability/secrets"
)

// FuzzValidName: a valid name is a clean relative path that cannot leave
// the store, and every refusal wraps ErrInvalidName.
func FuzzValidName(f *testing.F) {
	for _, s := range []string{"oauth/google", "../x", "a//b", "/a", "a/.", "...", "A", "a/b/c", "é", ".#x.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := secrets.ValidName(name)
		if err != nil {
			if !errors.Is(err, secrets.ErrInvalidName) {
				t.Fatalf("ValidName(%q) = %v without ErrInvalidName", name, err)
			}
			return
		}
		if path.Clean(name) != name || path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") ||
			strings.Contains(name, "#") || strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("ValidName accepted %q", name)
		}
	})
}

// FuzzDecode: any file content decodes or fails with ErrCorrupt, and the
// error never quotes it; what Encode writes decodes back.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"token":"t"}`, `{"token":"t","expires_at":"2030-01-01T00:00:00Z"}`, `{"token":`, `null`, `[]`,
		`{"token":"t","expires_at":"SECRETSECRET"}`, `{"token":"\u0000"}`, "SECRETSECRET"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, exp, err := secrets.Decode(data)
		if err != nil {
			if !errors.Is(err, secrets.ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			if len(data) >= 8 && bytes.Contains([]byte(err.Error()), data) {
				t.Fatalf("the error %q quotes the file", err)
			}
			return
		}
		if tok == "" {
			t.Fatal("an empty token decoded")
		}
		again, err := secrets.Encode(tok, exp)
		if err != nil {
			t.Fatal(err)
		}
		tok2, exp2, err := secrets.Decode(again)
		if err != nil || tok2 != tok || !exp2.Equal(exp) {
			t.Fatalf("round trip: %q %v %v, want %q %v", tok2, exp2, err, tok, exp)
		}
	})
}

// FuzzTenant: a tenant name either is refused with ErrInvalidTenant or
// names a store directly below HOME/tenants (HOME/secrets for the default
// tenant), never anywhere else.
func FuzzTenant(f *testing.F) {
	for _, s := range []string{"default", "", "acme", "..", "../x", "a/b", "/", `a\b`, "A", "a..b", "tenants", "secrets", "-"} {
		f.Add(s)
	}
	home := secrets.OpenHome(filepath.Join("weft", "home"))
	f.Fuzz(func(t *testing.T, tenant string) {
		st, err := home.Tenant(tenant)
		if err != nil {
			if !errors.Is(err, secrets.ErrInvalidTenant) {
				t.Fatalf("Tenant(%q) = %v without ErrInvalidTenant", tenant, err)
			}
			return
		}
		want := filepath.Join("weft", "home", "tenants", tenant, "secrets")
		if tenant == "" || tenant == "default" {
			want = filepath.Join("weft", "home", "secrets")
		}
		if st.Dir() != want || strings.ContainsAny(tenant, "/\\.\x00") {
			t.Fatalf("Tenant(%q) is the store in %q, want %q", tenant, st.Dir(), want)
		}
	})
}
