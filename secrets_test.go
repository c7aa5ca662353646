// Tests of Config.Secrets and of the default per-tenant secret files: a
// custom node's oauth.token gets the token of its run's tenant, never
// another's.

package weft_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/capability/secrets"
)

// tokenFlow asks the hostcall fixture for the google token and puts the
// raw reply in "tok".
const tokenFlow = `
type: test.hostcall/call
id: token
props: {op: oauth.token, req: {provider: google}, outputs: {reply: tok}}
`

// tenantTokens is a SecretSource holding one google token per tenant, that
// records which tenants were asked.
type tenantTokens struct {
	tokens map[string]string
	mu     sync.Mutex
	asked  []string
}

func (s *tenantTokens) OAuthToken(_ context.Context, tenant, provider string) (string, time.Time, error) {
	s.mu.Lock()
	s.asked = append(s.asked, tenant+"/"+provider)
	s.mu.Unlock()
	if tok, ok := s.tokens[tenant]; ok && provider == "google" {
		return tok, time.Time{}, nil
	}
	return "", time.Time{}, fmt.Errorf("tenant %s, provider %s: %w", tenant, provider, weft.ErrSecretNotFound)
}

// secretsEngine returns an engine with cfg (Home set by the caller) and
// the hostcall fixture package added.
func secretsEngine(t *testing.T, cfg weft.Config) *weft.Engine {
	t.Helper()
	eng, err := weft.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	if _, err := eng.AddPackage(context.Background(), filepath.Join("internal", "wasmhost", "testdata", "pkgs", "hostcall")); err != nil {
		t.Fatal(err)
	}
	return eng
}

// tokenReply runs tokenFlow as tenant ("" for the default) and returns the
// oauth.token reply, as JSON.
func tokenReply(t *testing.T, eng *weft.Engine, tenant string) string {
	t.Helper()
	ctx := context.Background()
	wf, err := eng.LoadWith(ctx, "token.yaml", []byte(tokenFlow), weft.LoadOptions{Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "success" {
		t.Fatalf("tenant %q: run %s: %v", tenant, res.Status, res.Err)
	}
	b, err := json.Marshal(res.Blackboard["tok"])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConfigSecrets: a custom Config.Secrets is consulted with the run's
// tenant ("default" for a run that names none), each tenant's run of the
// same node gets that tenant's token, and a tenant the source has no token
// for gets not_found. The files under Home are not consulted.
func TestConfigSecrets(t *testing.T) {
	home := t.TempDir()
	// A token in the files of tenant gamma, which the source does not have:
	// with Config.Secrets set, it must not be handed out.
	gamma, err := secrets.OpenHome(home).Tenant("gamma")
	if err != nil {
		t.Fatal(err)
	}
	if err := gamma.Set("oauth/google", "FILE-token-of-gamma", time.Time{}); err != nil {
		t.Fatal(err)
	}
	src := &tenantTokens{tokens: map[string]string{"acme": "TOKEN-of-acme-1", "beta": "TOKEN-of-beta-2"}}
	eng := secretsEngine(t, weft.Config{Home: home, Secrets: src})
	for tenant, want := range map[string]string{
		"acme": `{"ok":{"access_token":"TOKEN-of-acme-1"}}`,
		"beta": `{"ok":{"access_token":"TOKEN-of-beta-2"}}`,
	} {
		if got := tokenReply(t, eng, tenant); got != want {
			t.Errorf("tenant %s: reply %s, want %s", tenant, got, want)
		}
	}
	for _, tenant := range []string{"gamma", ""} {
		got := tokenReply(t, eng, tenant)
		if !strings.Contains(got, `"code":"not_found"`) || strings.Contains(got, "TOKEN-of") || strings.Contains(got, "FILE-token") {
			t.Errorf("tenant %q: reply %s, want not_found", tenant, got)
		}
	}
	src.mu.Lock()
	asked := slices.Clone(src.asked)
	src.mu.Unlock()
	slices.Sort(asked)
	if want := []string{"acme/google", "beta/google", "default/google", "gamma/google"}; !slices.Equal(asked, want) {
		t.Errorf("Config.Secrets was asked for %q, want %q", asked, want)
	}
}

// TestDefaultSecretsPerTenant: without Config.Secrets, oauth.token reads
// the run's tenant's files under Home: the default tenant's in the layout
// of before tenants (HOME/secrets), the others' in HOME/tenants/T/secrets.
func TestDefaultSecretsPerTenant(t *testing.T) {
	home := t.TempDir()
	if err := secrets.Open(filepath.Join(home, "secrets")).Set("oauth/google", "FILE-of-default", time.Time{}); err != nil {
		t.Fatal(err)
	}
	acme, err := secrets.OpenHome(home).Tenant("acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := acme.Set("oauth/google", "FILE-of-acme", time.Time{}); err != nil {
		t.Fatal(err)
	}
	eng := secretsEngine(t, weft.Config{Home: home})
	for tenant, want := range map[string]string{
		"":        `{"ok":{"access_token":"FILE-of-default"}}`,
		"default": `{"ok":{"access_token":"FILE-of-default"}}`,
		"acme":    `{"ok":{"access_token":"FILE-of-acme"}}`,
	} {
		if got := tokenReply(t, eng, tenant); got != want {
			t.Errorf("tenant %q: reply %s, want %s", tenant, got, want)
		}
	}
	got := tokenReply(t, eng, "beta")
	if !strings.Contains(got, `"code":"not_found"`) || strings.Contains(got, "FILE-of") ||
		!strings.Contains(got, "weft secrets set --tenant beta oauth/google --token -") {
		t.Errorf("tenant beta: reply %s, want not_found with the command that stores its token", got)
	}
}
