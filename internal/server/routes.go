// The API's routes: one table of method, path, role and handler, served
// by chi under /api/v1, with a panic guard, request timeouts and the
// webhook receiver at /hooks/{trigger_id}.

package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/server/openapi"
)

// route is one API operation.
type route struct {
	method, path string
	h            http.HandlerFunc
	// long: a stream or a waiting run, not bound by the request timeout.
	long bool
}

func (s *Server) table() []route {
	const (
		viewer    = db.RoleViewer
		runner    = db.RoleRunner
		developer = db.RoleDeveloper
		owner     = db.RoleOwner
		admin     = db.RoleAdmin
	)
	b := api.Base
	return []route{
		{method: "GET", path: b + "/health", h: s.serve(s.health)},
		{method: "GET", path: b + "/openapi.json", h: s.serve(s.openapiDoc)},
		{method: "POST", path: b + "/tenants", h: s.auth(admin, s.createTenant)},
		{method: "GET", path: b + "/tenants", h: s.auth(admin, s.listTenants)},
		{method: "POST", path: b + "/tenants/{tenant}/tokens", h: s.auth(roleAdminOrOwner, s.createToken)},
		{method: "DELETE", path: b + "/tokens/{id}", h: s.auth(roleAdminOrOwner, s.revokeToken)},

		{method: "POST", path: b + "/custom-nodes", h: s.auth(developer, s.uploadCustomNode)},
		{method: "GET", path: b + "/custom-nodes", h: s.auth(viewer, s.listCustomNodes)},
		{method: "GET", path: b + "/custom-nodes/{id}", h: s.auth(viewer, s.getCustomNode)},
		{method: "POST", path: b + "/custom-nodes/{id}/activate", h: s.auth(developer, s.activateCustomNode)},
		{method: "POST", path: b + "/custom-nodes/{id}/deprecate", h: s.auth(developer, s.deprecateCustomNode)},
		{method: "POST", path: b + "/packages/{package}/rollback", h: s.auth(developer, s.rollbackPackage)},
		{method: "GET", path: b + "/trusted-keys", h: s.auth(viewer, s.listTrustedKeys)},
		{method: "POST", path: b + "/trusted-keys", h: s.auth(owner, s.addTrustedKey)},
		{method: "DELETE", path: b + "/trusted-keys/{id}", h: s.auth(owner, s.deleteTrustedKey)},

		{method: "GET", path: b + "/nodes", h: s.auth(viewer, s.listNodes)},
		{method: "GET", path: b + "/nodes/{type}", h: s.auth(viewer, s.getNode)},

		{method: "POST", path: b + "/workflows/validate", h: s.auth(viewer, s.validateWorkflow)},
		{method: "PUT", path: b + "/workflows/{id}", h: s.auth(developer, s.putWorkflow)},
		{method: "GET", path: b + "/workflows", h: s.auth(viewer, s.listWorkflows)},
		{method: "GET", path: b + "/workflows/{id}", h: s.auth(viewer, s.getWorkflow)},
		{method: "GET", path: b + "/workflows/{id}/versions", h: s.auth(viewer, s.listWorkflowVersions)},
		{method: "DELETE", path: b + "/workflows/{id}", h: s.auth(developer, s.archiveWorkflow)},

		{method: "POST", path: b + "/workflows/{id}/runs", h: s.auth(runner, s.startRun), long: true},
		{method: "GET", path: b + "/runs", h: s.auth(viewer, s.listRuns)},
		{method: "GET", path: b + "/runs/{id}", h: s.auth(viewer, s.getRun)},
		{method: "POST", path: b + "/runs/{id}/cancel", h: s.auth(runner, s.cancelRun)},
		{method: "GET", path: b + "/runs/{id}/events", h: s.auth(viewer, s.runEvents), long: true},

		{method: "PUT", path: b + "/secrets/{name}", h: s.auth(owner, s.putSecret)},
		{method: "GET", path: b + "/secrets", h: s.auth(owner, s.listSecrets)},
		{method: "DELETE", path: b + "/secrets/{name}", h: s.auth(owner, s.deleteSecret)},

		{method: "POST", path: b + "/workflows/{id}/triggers", h: s.auth(developer, s.createTrigger)},
		{method: "GET", path: b + "/workflows/{id}/triggers", h: s.auth(viewer, s.listTriggers)},
		{method: "DELETE", path: b + "/triggers/{id}", h: s.auth(developer, s.deleteTrigger)},
		{method: "POST", path: "/hooks/{trigger_id}", h: s.serve(s.webhook)},
	}
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, securityHeaders)
	r.NotFound(s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, api.CodeNotFound, "no route %s %s (the API is under %s; see %s/openapi.json)", r.Method, r.URL.Path, api.Base, api.Base)
	}))
	r.MethodNotAllowed(s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusMethodNotAllowed, api.CodeMethod, "%s is not allowed on %s", r.Method, r.URL.Path)
	}))
	for _, rt := range s.table() {
		h := rt.h
		if !rt.long {
			h = s.withTimeout(h)
		}
		// Secret names hold slashes (oauth/google), custom node types one
		// (com.example.math/add): the last parameter takes the rest.
		path := strings.Replace(rt.path, "/secrets/{name}", "/secrets/*", 1)
		path = strings.Replace(path, "/nodes/{type}", "/nodes/*", 1)
		r.Method(rt.method, path, h)
	}
	return r
}

// Routes lists every routed operation, for the test that holds them
// against the OpenAPI document.
func (s *Server) Routes() []openapi.Route {
	var out []openapi.Route
	for _, rt := range s.table() {
		out = append(out, openapi.Route{Method: rt.method, Path: rt.path})
	}
	return out
}

// restParam is a parameter routed as the rest of the path.
func restParam(r *http.Request) (string, error) {
	v, err := url.PathUnescape(chi.URLParam(r, "*"))
	if err != nil {
		return "", badRequest("the path: %v", err)
	}
	return v, nil
}

func (s *Server) withTimeout(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		h(w, r.WithContext(ctx))
	}
}

// recoverer answers a panic with a 500 that says it is a bug, and logs it
// with its stack.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving a request (a bug in weft)", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(r.URL.Path, api.Base) || strings.HasPrefix(r.URL.Path, "/hooks/") {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, api.Health{Status: "ok", Version: weft.Version})
	return nil
}

func (s *Server) openapiDoc(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapi.Document)
	return nil
}

// ---- tenants and tokens (admin) ----

func tenantJSON(t *db.Tenant) api.Tenant {
	return api.Tenant{ID: t.ID, Name: t.Name, RequireApproval: t.RequireApproval, HTTPAllowPrivate: t.HTTPAllowPrivate, CreatedAt: t.CreatedAt}
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request) error {
	var req api.CreateTenant
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	t, err := CreateTenant(r.Context(), s.st, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, api.TenantReply{Tenant: tenantJSON(t)})
	return nil
}

func (s *Server) listTenants(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	list, next, err := s.st.ListTenants(r.Context(), p)
	if err != nil {
		return storeErr(err, "cursor", p.Cursor)
	}
	out := api.List[api.Tenant]{Items: []api.Tenant{}, NextCursor: next}
	for _, t := range list {
		out.Items = append(out.Items, tenantJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	tenant := chi.URLParam(r, "tenant")
	if p.role == db.RoleOwner && p.tenant != tenant {
		return notFound("tenant", tenant)
	}
	var req api.CreateToken
	if err := s.decodeJSON(w, r, &req, false); err != nil {
		return err
	}
	t, err := CreateToken(r.Context(), s.st, tenant, req.Role, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p := caller(r)
	id := chi.URLParam(r, "id")
	t, err := s.st.GetToken(r.Context(), id)
	if err != nil {
		return storeErr(err, "token", id)
	}
	if p.role == db.RoleOwner && t.Tenant != p.tenant {
		return notFound("token", id)
	}
	if err := s.st.RevokeToken(r.Context(), id, nowUTC()); err != nil {
		return storeErr(err, "token", id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
