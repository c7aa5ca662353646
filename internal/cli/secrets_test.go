package cli

import (
	"bytes"
	"encoding/json"
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
	got, _, err := secrets.OpenHome(home).OAuthToken(t.Context(), "google")
	if err != nil || got != cliToken {
		t.Fatalf("stored %q, %v", got, err)
	}
}

func TestSecretsListJSON(t *testing.T) {
	home := t.TempDir()
	st := secrets.OpenHome(home)
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
	st := secrets.OpenHome(home)
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
