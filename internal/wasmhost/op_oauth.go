// The oauth.token operation on Capabilities.Secrets: an OAuth access token
// of the calling run's tenant for a provider that the node lists and the
// package declared, and a line in the run log for every grant and every
// refusal, never the token.

package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

func init() {
	ops["oauth.token"] = Op{ops["oauth.token"].Allowed, oauthToken}
}

// oauthReply is the ok value of oauth.token.
type oauthReply struct {
	AccessToken string `json:"access_token"`
	ExpiresAt   string `json:"expires_at,omitempty"` // RFC 3339, UTC; absent: no known expiry
}

// oauthToken answers oauth.token {"provider": s} with {"access_token": s,
// "expires_at": s?}. The router has checked that the node lists the
// provider in oauth_providers and the package declares it in
// [[permissions.oauth_scopes]]. The token is the one of the call's tenant
// (CallContext.Tenant, "" meaning "default"): Secrets is asked for that
// tenant's token only, so a tenant's node never gets another tenant's.
//
// # Errors
//
// invalid_request for a request without a provider string or with a
// provider that cannot name a secret; unavailable without a secret store,
// for an expired token and for a store that fails (the run log and the
// host's logger get the store's error); not_found when the store has no
// token for the provider for this tenant (even if another tenant has one);
// timeout when the call's deadline passed.
//
// # Notes
//
// The token goes into the reply and nowhere else: the router's host_call
// event carries the operation and the error code, and the run-log line
// written here names the provider and the expiry (the run journal files it
// under the node). A Secrets
// implementation must keep its tokens out of its error messages (package
// secrets does), since they reach the run log.
func oauthToken(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	var r struct {
		Provider *string `json:"provider"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Provider == nil || *r.Provider == "" {
		return nil, opErr(CodeInvalidRequest, `oauth.token takes {"provider": string}`)
	}
	p := *r.Provider
	tenant := c.tenant()
	if c.Caps == nil || c.Caps.Secrets == nil {
		oauthNote(ctx, c, slog.LevelWarn, "oauth.token: provider %q refused: this host has no secret store", p)
		return nil, opErr(CodeUnavailable, "oauth.token is not available on this host (no secret store)")
	}
	token, exp, err := c.Caps.Secrets.OAuthToken(ctx, tenant, p)
	if err == nil && token == "" {
		err = errors.New("the secret store returned an empty token")
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		oauthNote(ctx, c, slog.LevelWarn, "oauth.token: provider %q refused: no token stored on this host for tenant %q", p, tenant)
		return nil, opErr(CodeNotFound, "oauth.token: this host has no token for provider %q "+
			"(the operator stores one with: weft secrets set %soauth/%s --token -)", p, tenantFlag(tenant), p)
	case errors.Is(err, ErrBadRequest):
		oauthNote(ctx, c, slog.LevelWarn, "oauth.token: provider %q refused: %v", p, err)
		return nil, opErr(CodeInvalidRequest, "oauth.token: provider %q cannot name a token on this host: %v", p, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), ctx.Err() != nil:
		return nil, opErr(CodeTimeout, "oauth.token: the call ended before the token for provider %q was read", p)
	case errors.Is(err, ErrLimitExceeded):
		oauthNote(ctx, c, slog.LevelWarn, "oauth.token: provider %q refused: %v", p, err)
		return nil, capErr("oauth.token", err)
	default:
		oauthNote(ctx, c, slog.LevelError, "oauth.token: provider %q refused: the secret store failed: %v", p, err)
		if c.Package != nil && c.Package.host != nil {
			c.Package.host.log.Warn("oauth.token: the secret store failed", "package", c.Manifest.ID, "tenant", tenant, "provider", p, "err", err)
		}
		return nil, opErr(CodeUnavailable, "oauth.token: the token for provider %q cannot be read on this host (the run log says why)", p)
	}
	out := oauthReply{AccessToken: token}
	if !exp.IsZero() {
		out.ExpiresAt = exp.UTC().Format(time.RFC3339)
		if !time.Now().Before(exp) {
			oauthNote(ctx, c, slog.LevelWarn, "oauth.token: provider %q refused: its token expired at %s", p, out.ExpiresAt)
			return nil, opErr(CodeUnavailable, "oauth.token: the token for provider %q expired at %s "+
				"(the operator renews it with: weft secrets set %soauth/%s --token -)", p, out.ExpiresAt, tenantFlag(tenant), p)
		}
	}
	until := "no known expiry"
	if out.ExpiresAt != "" {
		until = "expires " + out.ExpiresAt
	}
	oauthNote(ctx, c, slog.LevelInfo, "oauth.token: granted the token for provider %q (%s)", p, until)
	return out, nil
}

// tenant returns the tenant of the call: its run's, "default" when unset.
func (c *OpCall) tenant() string {
	if c.Request == nil || c.Request.Context.Tenant == "" {
		return "default"
	}
	return c.Request.Context.Tenant
}

// tenantFlag returns the `weft secrets set` flag that names tenant, with a
// space after it; nothing for the default tenant.
func tenantFlag(tenant string) string {
	if tenant == "default" {
		return ""
	}
	return "--tenant " + tenant + " "
}

// oauthNote writes a line to the run log of the call, under the call's cap
// on log lines. format and args must never carry a token.
func oauthNote(ctx context.Context, c *OpCall, level slog.Level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if cs, ok := ctx.Value(callKey{}).(*callState); ok {
		cs.log(level, msg)
		return
	}
	if c.Request != nil && c.Request.Events != nil {
		c.Request.Events.Log(level, msg)
	}
}
