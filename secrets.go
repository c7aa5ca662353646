// Secrets: where custom nodes' oauth.token finds the OAuth tokens of the
// run's tenant (Config.Secrets).

package weft

import (
	"context"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// SecretSource gives custom nodes the OAuth tokens of their own tenant.
//
// The engine calls it from the host operation oauth.token, after the
// permission checks (the node lists the provider and its package declares
// it), with the tenant of the calling run: RunOptions.Tenant, or the tenant
// the workflow was loaded for, "default" when neither names one; never "".
// An implementation must answer from that tenant's secrets only. It is
// called from many runs at once.
//
// The default, when Config.Secrets is nil, is the files that
// `weft secrets set [--tenant T]` writes under Config.Home:
// HOME/secrets for the default tenant, HOME/tenants/T/secrets for tenant T.
type SecretSource interface {
	// OAuthToken returns tenant's token for provider (the secret oauth/PROVIDER);
	// an error wrapping ErrSecretNotFound when there is none.
	//
	// A zero expiresAt means no known expiry; the node is refused a token
	// whose expiresAt has passed (unavailable). Any other error is answered
	// unavailable and written to the run log and the engine's logger, so it
	// must never quote a token; the token itself reaches only the node.
	OAuthToken(ctx context.Context, tenant, provider string) (token string, expiresAt time.Time, err error)
}

// ErrSecretNotFound is what a SecretSource wraps when the tenant has no
// token for the provider; the node gets the error code not_found.
var ErrSecretNotFound = wasmhost.ErrNotFound

// A SecretSource is the WebAssembly host's Secrets as it is.
var _ wasmhost.Secrets = SecretSource(nil)
