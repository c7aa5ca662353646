// Capabilities: the services behind the host operations that reach beyond
// one call (cache, state, storage, OAuth tokens, HTTP), as interfaces so
// that an operator can back them with shared systems later.

package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Capabilities are the services behind the host operations. A nil field
// answers its operations with "unavailable" (after the permission check).
type Capabilities struct {
	Cache   Cache
	State   State
	Storage Storage
	Secrets Secrets
	// HTTPTransport, if set, wraps the guarded transport of http.request
	// (tests use it to observe requests); the guard stays in front of it.
	HTTPTransport func(http.RoundTripper) http.RoundTripper
	// HostCallsPerSecond limits weft.call per tenant and package; the
	// excess is answered with limit_exceeded. Zero: no limit.
	HostCallsPerSecond float64
	// HostCallBurst is how many calls may come at once before the rate
	// applies. Zero: max(1, HostCallsPerSecond).
	HostCallBurst int
}

// Scope is whose cache or storage an operation touches: one tenant's, for
// one package.
type Scope struct{ Tenant, Package string }

// Cache is the store behind cache.*: values shared by all runs of one
// tenant for one package, with optional time to live.
type Cache interface {
	Get(ctx context.Context, s Scope, key string) (value json.RawMessage, ok bool, err error)
	Set(ctx context.Context, s Scope, key string, value json.RawMessage, ttl time.Duration) error
	Delete(ctx context.Context, s Scope, key string) error
}

// StateKey names one value of state.*: persistent per tenant, workflow and
// node instance (and package).
type StateKey struct{ Tenant, Package, Workflow, NodeInstance, Key string }

// State is the store behind state.*.
type State interface {
	Get(ctx context.Context, k StateKey) (value json.RawMessage, ok bool, err error)
	Set(ctx context.Context, k StateKey, value json.RawMessage) error
}

// Storage is the store behind storage.*: a directory per tenant and
// package; paths are relative and cannot leave it.
type Storage interface {
	Read(ctx context.Context, s Scope, path string) ([]byte, error)
	Write(ctx context.Context, s Scope, path string, data []byte) error
	List(ctx context.Context, s Scope, prefix string) ([]string, error)
	Delete(ctx context.Context, s Scope, path string) error
}

// Secrets gives OAuth tokens to oauth.token, each tenant its own.
type Secrets interface {
	// OAuthToken returns tenant's token for provider, and when it expires
	// (zero: no known expiry). tenant is the calling run's tenant, never ""
	// (the default tenant is "default"); an implementation must answer
	// from that tenant's secrets only, and an error wrapping ErrNotFound
	// when tenant has no token for provider, whatever other tenants have.
	// Its errors must never quote a token: they reach the run log.
	OAuthToken(ctx context.Context, tenant, provider string) (token string, expiresAt time.Time, err error)
}

// Errors that capability implementations return, mapped to reply codes.
var (
	ErrNotFound      = errors.New("not found")       // not_found
	ErrLimitExceeded = errors.New("limit exceeded")  // limit_exceeded
	ErrBadRequest    = errors.New("invalid request") // invalid_request
)

// capErr turns a capability's error into an error reply.
func capErr(op string, err error) *opError {
	switch {
	case errors.Is(err, ErrNotFound):
		return opErr(CodeNotFound, "%s: %v", op, err)
	case errors.Is(err, ErrLimitExceeded):
		return opErr(CodeLimitExceeded, "%s: %v", op, err)
	case errors.Is(err, ErrBadRequest):
		return opErr(CodeInvalidRequest, "%s: %v", op, err)
	case errors.Is(err, context.DeadlineExceeded):
		return opErr(CodeTimeout, "%s: %v", op, err)
	}
	return opErr(CodeInternal, "%s: %v", op, err)
}
