package wasmhost_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// askedSecrets is a Secrets that records the tenant of every question and
// passes it on.
type askedSecrets struct {
	wasmhost.Secrets
	mu      sync.Mutex
	tenants []string
}

func (a *askedSecrets) OAuthToken(ctx context.Context, tenant, provider string) (string, time.Time, error) {
	a.mu.Lock()
	a.tenants = append(a.tenants, tenant)
	a.mu.Unlock()
	return a.Secrets.OAuthToken(ctx, tenant, provider)
}

// TestOAuthTokenPerTenant: tenants A and B store different tokens for the
// same provider in one secret home; runs of the same node of the same
// loaded package (through the hostcall fixture module) get each its own
// tenant's token, one after the other and all at once; a tenant with no
// token, and the default tenant, get not_found although others have one.
func TestOAuthTokenPerTenant(t *testing.T) {
	const tokA, tokB = "ya29.TOKEN-of-tenant-a-1111", "ya29.TOKEN-of-tenant-b-2222"
	home, a := tenantSecrets(t, "tenant-a")
	b, err := home.Tenant("tenant-b")
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	if err := a.Set("oauth/google", tokA, exp); err != nil {
		t.Fatal(err)
	}
	if err := b.Set("oauth/google", tokB, time.Time{}); err != nil {
		t.Fatal(err)
	}
	asked := &askedSecrets{Secrets: home}
	pkg := load(t, oauthHost(t, wasmhost.Capabilities{Secrets: asked}, nil), "hostcall")
	google := map[string]any{"provider": "google"}
	want := map[string]string{
		"tenant-a": `{"ok":{"access_token":"` + tokA + `","expires_at":"` + exp.Format(time.RFC3339) + `"}}`,
		"tenant-b": `{"ok":{"access_token":"` + tokB + `"}}`,
	}
	for range 2 {
		for _, tenant := range []string{"tenant-a", "tenant-b"} {
			if got := oauthCallAs(t, pkg, &everything{}, tenant, "oauth.token", google); got != want[tenant] {
				t.Errorf("tenant %s: reply %s\nwant %s", tenant, got, want[tenant])
			}
		}
	}
	// A tenant without a token, and the default tenant (CallContext.Tenant
	// ""), get not_found, with the command that would store theirs.
	for tenant, hint := range map[string]string{
		"tenant-c": "weft secrets set --tenant tenant-c oauth/google --token -",
		"":         "weft secrets set oauth/google --token -",
	} {
		rec := &everything{}
		got := oauthCallAs(t, pkg, rec, tenant, "oauth.token", google)
		if !strings.Contains(got, `"code":"not_found"`) || !strings.Contains(got, hint) {
			t.Errorf("tenant %q: reply %s\nwant not_found saying %q", tenant, got, hint)
		}
		if strings.Contains(got, tokA) || strings.Contains(got, tokB) || strings.Contains(rec.all.String(), "TOKEN-of") {
			t.Errorf("tenant %q got another tenant's token: %s\n%s", tenant, got, rec.all.String())
		}
	}
	wantAsked := []string{"tenant-a", "tenant-b", "tenant-a", "tenant-b"}
	asked.mu.Lock()
	got := slices.Clone(asked.tenants)
	asked.mu.Unlock()
	if len(got) != 6 || !slices.Equal(got[:4], wantAsked) || !slices.Contains(got[4:], "tenant-c") || !slices.Contains(got[4:], "default") {
		t.Errorf("the store was asked for tenants %q, want %q then tenant-c and default", got, wantAsked)
	}

	// All at once: instances of both tenants run side by side, and no
	// reply ever carries the other tenant's token.
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := range 32 {
		tenant := []string{"tenant-a", "tenant-b"}[i%2]
		wg.Go(func() {
			res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call", Events: &everything{},
				Inputs:  map[string]any{"op": "oauth.token", "req": google},
				Context: wasmhost.CallContext{RunID: "r2", Tenant: tenant, Workflow: "w", NodeInstance: "n1"}})
			if err != nil {
				errs <- tenant + ": " + err.Error()
			} else if got := jsonText(res.Outputs["reply"]); got != want[tenant] {
				errs <- tenant + ": " + got
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	// A tenant that cannot name a directory (a host bug, not the node's
	// request) reads nothing: unavailable, with the reason in the run log.
	for _, tenant := range []string{"../tenant-a", "tenants/tenant-a", "Tenant-A"} {
		rec := &everything{}
		got := oauthCallAs(t, pkg, rec, tenant, "oauth.token", google)
		if !strings.Contains(got, `"code":"unavailable"`) || strings.Contains(got, "TOKEN-of") {
			t.Errorf("tenant %q: reply %s, want unavailable", tenant, got)
		}
		if !strings.Contains(rec.all.String(), "invalid tenant name") {
			t.Errorf("tenant %q: the run log does not say why:\n%s", tenant, rec.all.String())
		}
	}
}
