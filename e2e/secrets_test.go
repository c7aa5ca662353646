package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsPerTenant: through the binary, two tenants store different
// tokens for the same provider with `weft secrets set --tenant`; each
// tenant's run of the same custom node (the hostcall fixture) gets its own
// token only, and a tenant without one, like the default tenant here, gets
// not_found although others have one. The files are where the layout says.
func TestSecretsPerTenant(t *testing.T) {
	dir := t.TempDir()
	tokens := map[string]string{"acme": "ya29.TOKEN-of-acme-e2e", "beta": "ya29.TOKEN-of-beta-e2e"}
	for tenant, tok := range tokens {
		if r := weft(t, dir, "secrets", "set", "oauth/google", "--tenant", tenant, "--token", tok); r.code != 0 ||
			!strings.Contains(r.stdout, "saved for tenant "+tenant) {
			t.Fatalf("secrets set --tenant %s: exit %d %s %s", tenant, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "tenants", tenant, "secrets", "oauth", "google")); err != nil {
			t.Fatalf("tenant %s's secret file: %v", tenant, err)
		}
	}
	f := writeFile(t, dir, "token.yaml", `
type: test.hostcall/call
id: token
props: {op: oauth.token, req: {provider: google}, outputs: {reply: tok}}
`)
	run := func(tenant string) (reply string, all string) {
		t.Helper()
		args := []string{"run", f, "--package", hostcallPkg, "--output", "json", "--trace", filepath.Join(dir, "trace-"+tenant+".jsonl")}
		if tenant != "" {
			args = append(args, "--tenant", tenant)
		}
		r := weft(t, dir, args...)
		if r.code != 0 {
			t.Fatalf("run --tenant %q: exit %d\n%s\n%s", tenant, r.code, r.stdout, r.stderr)
		}
		b, _ := json.Marshal(parseRun(t, r).Blackboard["tok"])
		trace, _ := os.ReadFile(filepath.Join(dir, "trace-"+tenant+".jsonl"))
		return string(b), r.stdout + r.stderr + string(trace)
	}
	for tenant, tok := range tokens {
		reply, all := run(tenant)
		if want := `{"ok":{"access_token":"` + tok + `"}}`; reply != want {
			t.Errorf("tenant %s: reply %s, want %s", tenant, reply, want)
		}
		for other, otherTok := range tokens {
			if other != tenant && strings.Contains(all, otherTok) {
				t.Errorf("tenant %s's run shows tenant %s's token:\n%s", tenant, other, all)
			}
		}
	}
	for _, tenant := range []string{"gamma", ""} {
		reply, all := run(tenant)
		if !strings.Contains(reply, `"code":"not_found"`) {
			t.Errorf("tenant %q: reply %s, want not_found", tenant, reply)
		}
		if strings.Contains(all, "TOKEN-of") {
			t.Errorf("tenant %q's run shows another tenant's token:\n%s", tenant, all)
		}
	}
	// Each tenant lists its own; the default tenant has none.
	if r := weft(t, dir, "secrets", "list", "--tenant", "acme"); r.code != 0 || !strings.Contains(r.stdout, "oauth/google") {
		t.Errorf("secrets list --tenant acme: %s %s", r.stdout, r.stderr)
	}
	if r := weft(t, dir, "secrets", "list"); r.code != 0 || !strings.Contains(r.stdout, "no secrets in") {
		t.Errorf("secrets list: %s %s", r.stdout, r.stderr)
	}
}
