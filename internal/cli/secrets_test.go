package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/capability/secrets"
)

const cliToken = "gho_CLI-secret-value-91"

type cliResult struct {
	code           int
	stdout, stderr string
}

// weftCmd runs the command line with args and stdin in WEFT_HOME home.
func weftCmd(t *testing.T, home, stdin string, args ...string) cliResult {
	t.Helper()
	t.Setenv("WEFT_HOME", home)
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return cliResult{code, out.String(), errb.String()}
}

func TestSecretsCommands(t *testing.T) {
	home := t.TempDir()
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		args    []string
		stdin   string
		code    int
		stdout  string // a part of stdout
		stderr  string // a part of stderr
		noToken bool   // cliToken must appear in neither output
	}{
		{[]string{"secrets", "list"}, "", 0, "no secrets in " + filepath.Join(home, "secrets"), "", true},
		{[]string{"secrets", "set", "oauth/google", "--token", cliToken}, "", 0, "secret oauth/google saved (does not expire)", "", true},
		{[]string{"secrets", "set", "oauth/github", "--token", "-", "--expires", exp.Format(time.RFC3339)}, cliToken + "\r\n", 0,
			"secret oauth/github saved (expires " + exp.Format(time.RFC3339) + ")", "", true},
		{[]string{"secrets", "list"}, "", 0, "NAME          EXPIRES\noauth/github  " + exp.Format(time.RFC3339) + "\noauth/google  never\n", "", true},
		{[]string{"secrets", "list", "--output", "json"}, "", 0, `"name": "oauth/github",` + "\n" + `    "expires_at": "` + exp.Format(time.RFC3339) + `",`, "", true},
		{[]string{"secrets", "list", "--output", "yaml"}, "", 2, "", "--output: expected text or json", true},
		// Bad input: exit 2, and the value is never echoed.
		{[]string{"secrets", "set", "OAuth/Google", "--token", cliToken}, "", 2, "", `invalid secret name "OAuth/Google": character 'O'`, true},
		{[]string{"secrets", "set", "oauth/../x", "--token", cliToken}, "", 2, "", `segment ".." is not allowed`, true},
		{[]string{"secrets", "set", "oauth/google"}, "", 2, "", "--token is required", true},
		{[]string{"secrets", "set", "oauth/google", "--token", ""}, "", 2, "", "invalid secret value: empty", true},
		{[]string{"secrets", "set", "oauth/google", "--token", "-"}, "", 2, "", "stdin was empty", true},
		{[]string{"secrets", "set", "oauth/google", "--token", "-"}, cliToken + "\nsecond line", 2, "", "a control character at byte", true},
		{[]string{"secrets", "set", "oauth/google", "--token", "-"}, strings.Repeat("x", secrets.MaxTokenLen+10), 2, "", "the limit is", true},
		{[]string{"secrets", "set", "oauth/google", "--token", cliToken, "--expires", "tomorrow"}, "", 2, "", "--expires: expected an RFC 3339 time", true},
		{[]string{"secrets", "set", "oauth/google", "--token", cliToken, "--expires", "2001-01-01T00:00:00Z"}, "", 2, "", "is in the past", true},
		{[]string{"secrets", "set"}, "", 2, "", "expected one secret name", true},
		{[]string{"secrets", "set", "a", "b", "--token", cliToken}, "", 2, "", "expected one secret name", true},
		{[]string{"secrets", "delete", "oauth/nope"}, "", 2, "", "no secret named oauth/nope", true},
		{[]string{"secrets", "delete", "Bad"}, "", 2, "", "invalid secret name", true},
		{[]string{"secrets", "delete", "oauth/github"}, "", 0, "secret oauth/github deleted", "", true},
		{[]string{"secrets", "list"}, "", 0, "NAME          EXPIRES\noauth/google  never\n", "", true},
	} {
		r := weftCmd(t, home, tc.stdin, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("weft %q: exit %d (want %d)\nstdout %q (want a part %q)\nstderr %q (want a part %q)",
				tc.args, r.code, tc.code, r.stdout, tc.stdout, r.stderr, tc.stderr)
		}
		if tc.noToken && (strings.Contains(r.stdout, cliToken) || strings.Contains(r.stderr, cliToken)) {
			t.Errorf("weft %q printed the value:\n%s\n%s", tc.args, r.stdout, r.stderr)
		}
	}
	// What set stored is what oauth.token reads.
	got, _, err := secrets.OpenHome(home).OAuthToken(t.Context(), "default", "google")
	if err != nil || got != cliToken {
		t.Fatalf("stored %q, %v", got, err)
	}
}

func TestSecretsListJSON(t *testing.T) {
	home := t.TempDir()
	st := defaultStore(t, home)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if err := st.Set("b", cliToken, exp); err != nil {
		t.Fatal(err)
	}
	if err := st.Set("a", cliToken, time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := weftCmd(t, home, "", "secrets", "list", "--output", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 0 {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stdout)
	}
	want := `[{"expired":false,"name":"a"},{"expired":false,"expires_at":"` + exp.Format(time.RFC3339) + `","name":"b"}]`
	if got, _ := json.Marshal(rows); string(got) != want {
		t.Fatalf("list\n%s\nwant\n%s", got, want)
	}
}

// TestSecretsListUnreadable: a secret whose file others may read is listed
// as unreadable, with the reason and the fix on stderr, and never shown.
func TestSecretsListUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits on Windows")
	}
	home := t.TempDir()
	st := defaultStore(t, home)
	if err := st.Set("oauth/google", cliToken, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Set("oauth/old", cliToken, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(home, "secrets", "oauth", "google"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := weftCmd(t, home, "", "secrets", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "oauth/google  unreadable (see below)") ||
		!strings.Contains(r.stdout, "(expired)") ||
		!strings.Contains(r.stderr, "permissions 0644, wider than 0600") || !strings.Contains(r.stderr, "chmod 600 ") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, cliToken) {
		t.Fatal("the value was printed")
	}
}

// defaultStore returns the default tenant's store in home.
func defaultStore(t *testing.T, home string) *secrets.Store {
	t.Helper()
	st, err := secrets.OpenHome(home).Tenant("default")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSecretsTenant: --tenant sets, lists and deletes one tenant's secrets
// (HOME/tenants/T/secrets), the default tenant's stay where they were
// (HOME/secrets), each tenant's oauth.token reads only its own, and a tenant
// name that could leave the home is refused.
func TestSecretsTenant(t *testing.T) {
	home := t.TempDir()
	const tokA, tokDefault = "gho_TENANT-a-value-1", "gho_DEFAULT-value-2"
	for _, tc := range []struct {
		args           []string
		stdin          string
		code           int
		stdout, stderr string // parts
	}{
		{[]string{"secrets", "list", "--tenant", "acme"}, "", 0,
			"no secrets for tenant acme in " + filepath.Join(home, "tenants", "acme", "secrets") +
				" (add one with: weft secrets set --tenant acme NAME --token -)", ""},
		{[]string{"secrets", "set", "oauth/google", "--tenant", "acme", "--token", "-"}, tokA + "\n", 0,
			"secret oauth/google saved for tenant acme (does not expire)", ""},
		{[]string{"secrets", "set", "oauth/google", "--token", tokDefault}, "", 0, "secret oauth/google saved (does not expire)", ""},
		{[]string{"secrets", "set", "oauth/github", "--tenant", "default", "--token", tokDefault}, "", 0, "secret oauth/github saved (does not expire)", ""},
		{[]string{"secrets", "list", "--tenant", "acme"}, "", 0, "NAME          EXPIRES\noauth/google  never\n", ""},
		{[]string{"secrets", "list"}, "", 0, "NAME          EXPIRES\noauth/github  never\noauth/google  never\n", ""},
		{[]string{"secrets", "list", "--tenant", "other"}, "", 0, "no secrets for tenant other in", ""},
		{[]string{"secrets", "delete", "oauth/github", "--tenant", "acme"}, "", 2, "",
			"no secret named oauth/github for tenant acme (see 'weft secrets list --tenant acme')"},
		{[]string{"secrets", "delete", "oauth/nope"}, "", 2, "", "no secret named oauth/nope (see 'weft secrets list')"},
		// Tenant names that could leave the home, or that packages could
		// not have: exit 2, nothing written.
		{[]string{"secrets", "set", "oauth/google", "--tenant", "../../x", "--token", tokA}, "", 2, "", "--tenant: invalid tenant name"},
		{[]string{"secrets", "set", "oauth/google", "--tenant", "a/b", "--token", tokA}, "", 2, "", "invalid tenant name"},
		{[]string{"secrets", "list", "--tenant", ".."}, "", 2, "", "invalid tenant name"},
		{[]string{"secrets", "delete", "oauth/google", "--tenant", "Acme"}, "", 2, "", "invalid tenant name"},
	} {
		r := weftCmd(t, home, tc.stdin, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("weft %q: exit %d (want %d)\nstdout %q (want a part %q)\nstderr %q (want a part %q)",
				tc.args, r.code, tc.code, r.stdout, tc.stdout, r.stderr, tc.stderr)
		}
		if out := r.stdout + r.stderr; strings.Contains(out, tokA) || strings.Contains(out, tokDefault) {
			t.Errorf("weft %q printed a value:\n%s", tc.args, out)
		}
	}
	// The files are where the layout says, and nothing escaped the home.
	for _, f := range []string{"tenants/acme/secrets/oauth/google", "secrets/oauth/google", "secrets/oauth/github"} {
		if _, err := os.Stat(filepath.Join(home, filepath.FromSlash(f))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(home), "x")); err == nil {
		t.Error("a tenant name escaped the home")
	}
	// Each tenant's oauth.token gets its own token; a tenant without one
	// gets not found.
	sh := secrets.OpenHome(home)
	for tenant, want := range map[string]string{"acme": tokA, "default": tokDefault} {
		if got, _, err := sh.OAuthToken(t.Context(), tenant, "google"); err != nil || got != want {
			t.Errorf("tenant %s: %q, %v; want %q", tenant, got, err, want)
		}
	}
	if _, _, err := sh.OAuthToken(t.Context(), "acme", "github"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("acme got the default tenant's github token: %v", err)
	}
	// Delete with --tenant removes that tenant's secret only.
	if r := weftCmd(t, home, "", "secrets", "delete", "oauth/google", "--tenant", "acme"); r.code != 0 ||
		!strings.Contains(r.stdout, "secret oauth/google deleted for tenant acme") {
		t.Fatalf("delete: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if _, _, err := sh.OAuthToken(t.Context(), "acme", "google"); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("acme after delete: %v", err)
	}
	if got, _, err := sh.OAuthToken(t.Context(), "default", "google"); err != nil || got != tokDefault {
		t.Errorf("the default tenant's token after acme's delete: %q, %v", got, err)
	}
	// Help says where the tenants' secrets are.
	if r := weftCmd(t, home, "", "secrets", "--help"); !strings.Contains(r.stdout, "$WEFT_HOME/tenants/T/secrets") {
		t.Errorf("help: %s", r.stdout)
	}
	if r := weftCmd(t, home, "", "secrets", "set", "--help"); !strings.Contains(r.stdout, "--tenant") {
		t.Errorf("set --help: %s", r.stdout)
	}
}
