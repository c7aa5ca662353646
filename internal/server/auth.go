// Who is asking: bearer tokens (stored by their SHA-256 only), the five
// roles, and the tenant that is always the token's. Also the operations
// that `weft admin` runs offline on the same database: the first start's
// admin token, tenants and tokens.

package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// principal is the caller of a request.
type principal struct {
	token  *db.Token
	tenant string // "" for admin
	role   string
}

func (p *principal) name() string {
	if p.token.Name != "" {
		return p.token.Name
	}
	return p.token.ID
}

type ctxKey struct{}

func caller(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

// rank orders the tenant roles: each may do what the ones below it may.
var rank = map[string]int{db.RoleViewer: 1, db.RoleRunner: 2, db.RoleDeveloper: 3, db.RoleOwner: 4}

// HashToken returns how a token's secret text is stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// authenticate finds the token of the request; nil without a valid one.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return nil, nil
	}
	t, err := s.st.TokenByHash(r.Context(), HashToken(strings.TrimSpace(secret)))
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &principal{token: t, tenant: t.Tenant, role: t.Role}, nil
}

// auth wraps a handler that needs a token of at least role min in its
// tenant ("admin" for admin only; "adminOrOwner" checked by the handler).
func (s *Server) auth(min string, h handler) http.HandlerFunc {
	return s.serve(func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if p == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="weft"`)
			return errorf(http.StatusUnauthorized, api.CodeUnauthorized, "no valid token: send Authorization: Bearer TOKEN (tokens are made with `weft admin token create`)")
		}
		switch {
		case min == db.RoleAdmin && p.role != db.RoleAdmin:
			return forbidden("this needs an admin token; yours has role %s", p.role)
		case min == roleAdminOrOwner:
			if p.role != db.RoleAdmin && p.role != db.RoleOwner {
				return forbidden("this needs an admin token or the tenant's owner; yours has role %s", p.role)
			}
		case min != db.RoleAdmin && p.role == db.RoleAdmin:
			return forbidden("an admin token belongs to no tenant; use a token of the tenant (make one with POST /api/v1/tenants/{tenant}/tokens)")
		case min != db.RoleAdmin && rank[p.role] < rank[min]:
			return forbidden("this needs role %s or above; your token has role %s", min, p.role)
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, p))
		return h(w, r)
	})
}

const roleAdminOrOwner = "admin-or-owner"

var (
	tenantRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	roles    = []string{db.RoleOwner, db.RoleDeveloper, db.RoleRunner, db.RoleViewer}
)

// CreateTenant creates a tenant (for the API and `weft admin tenant create`).
//
// # Errors
//
// An invalid id (lowercase letters, digits, '-' and '_', at most 63), or
// db.ErrExists.
func CreateTenant(ctx context.Context, st db.Store, t api.CreateTenant) (*db.Tenant, error) {
	if !tenantRe.MatchString(t.ID) {
		return nil, badRequest("tenant id: expected lowercase letters, digits, '-' and '_' (at most 63, starting with a letter or digit), found %q", t.ID)
	}
	if len(t.Name) > 200 {
		return nil, badRequest("name: at most 200 characters, found %d", len(t.Name))
	}
	if t.Name == "" {
		t.Name = t.ID
	}
	row := &db.Tenant{ID: t.ID, Name: t.Name, RequireApproval: t.RequireApproval, HTTPAllowPrivate: t.HTTPAllowPrivate, CreatedAt: time.Now().UTC()}
	if err := st.CreateTenant(ctx, row); err != nil {
		return nil, storeErr(err, "tenant", t.ID)
	}
	return row, nil
}

// CreateToken makes a token for tenant (or an admin token with tenant ""
// and role admin) and returns it with its secret, shown this once.
//
// # Errors
//
// An unknown role or tenant.
func CreateToken(ctx context.Context, st db.Store, tenant, role, name string) (*api.Token, error) {
	if tenant == "" {
		if role != db.RoleAdmin {
			return nil, badRequest("role: a token without a tenant is an admin token; found role %q", role)
		}
	} else {
		if !slices.Contains(roles, role) {
			return nil, badRequest("role: expected one of %s, found %q", strings.Join(roles, ", "), role)
		}
		if _, err := st.GetTenant(ctx, tenant); err != nil {
			return nil, storeErr(err, "tenant", tenant)
		}
	}
	if len(name) > 200 {
		return nil, badRequest("name: at most 200 characters, found %d", len(name))
	}
	secret := "weft_" + randomHex(24)
	t := &db.Token{ID: "tok_" + randomHex(8), Hash: HashToken(secret), Tenant: tenant, Role: role, Name: name, CreatedAt: time.Now().UTC()}
	if err := st.CreateToken(ctx, t); err != nil {
		return nil, fmt.Errorf("storing the token: %w", err)
	}
	return &api.Token{ID: t.ID, Token: secret, Role: role, Tenant: tenant, Name: name, CreatedAt: t.CreatedAt}, nil
}

// Bootstrap makes the admin token of a fresh database and returns its
// secret; on every later call (by any process) it returns "".
func Bootstrap(ctx context.Context, st db.Store) (string, error) {
	won, err := st.SetMetaIfAbsent(ctx, "bootstrap", time.Now().UTC().Format(time.RFC3339))
	if err != nil || !won {
		return "", err
	}
	t, err := CreateToken(ctx, st, "", db.RoleAdmin, "first start")
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// PrivateAllowed returns the engine's per-tenant HTTP policy for a server:
// whether a tenant was created with http_allow_private. Answers are cached
// for a few seconds.
func PrivateAllowed(st db.Store) func(tenant string) bool {
	type entry struct {
		ok bool
		at time.Time
	}
	var mu sync.Mutex
	cache := map[string]entry{}
	return func(tenant string) bool {
		mu.Lock()
		e, hit := cache[tenant]
		mu.Unlock()
		if hit && time.Since(e.at) < 5*time.Second {
			return e.ok
		}
		t, err := st.GetTenant(context.Background(), tenant)
		ok := err == nil && t.HTTPAllowPrivate
		mu.Lock()
		cache[tenant] = entry{ok, time.Now()}
		mu.Unlock()
		return ok
	}
}
