// Fuzzing every request body parser of the API through the real handler:
// whatever the body, the reply is a well-formed answer below 500 (a 500
// would be a bug), never a panic.

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// bodyRoutes are the operations that parse a request body, with the
// content type they are sent and who sends them.
var bodyRoutes = []struct {
	method, path, contentType, role string
}{
	{"POST", "/api/v1/tenants", "application/json", "admin"},
	{"POST", "/api/v1/tenants/acme/tokens", "application/json", "admin"},
	{"POST", "/api/v1/custom-nodes", "application/json", "developer"},
	{"POST", "/api/v1/custom-nodes", "application/octet-stream", "developer"},
	{"PUT", "/api/v1/workflows/fz", "application/x-yaml", "developer"},
	{"POST", "/api/v1/workflows/validate", "application/x-yaml", "developer"},
	{"POST", "/api/v1/workflows/hello/runs", "application/json", "developer"},
	{"PUT", "/api/v1/secrets/oauth/fz", "application/json", "owner"},
	{"POST", "/api/v1/trusted-keys", "application/json", "owner"},
	{"POST", "/api/v1/packages/test.cecho/rollback", "application/json", "developer"},
}

func FuzzRequestBodies(f *testing.F) {
	ctx := context.Background()
	st, err := db.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	eng, err := weft.New(ctx, weft.Config{Home: f.TempDir(), NoJournal: true, Secrets: Secrets(st)})
	if err != nil {
		f.Fatal(err)
	}
	defer eng.Close()
	srv, err := New(ctx, Config{Store: st, Engine: eng, SingleServer: true, TenantRate: 1e9, TenantBurst: 1 << 30})
	if err != nil {
		f.Fatal(err)
	}
	srv.Start(ctx)
	defer srv.Shutdown(ctx)
	admin, _ := Bootstrap(ctx, st)
	CreateTenant(ctx, st, api.CreateTenant{ID: "acme"})
	tokens := map[string]string{"admin": admin}
	for _, role := range []string{"owner", "developer"} {
		t, _ := CreateToken(ctx, st, "acme", role, role)
		tokens[role] = t.Token
	}
	h := srv.Handler()
	send := func(i int, body []byte) *httptest.ResponseRecorder {
		rt := bodyRoutes[i]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", rt.contentType)
		req.Header.Set("Authorization", "Bearer "+tokens[rt.role])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := send(4, []byte(helloYAML)); w.Code != 201 {
		f.Fatalf("seeding: %d %s", w.Code, w.Body)
	}
	send(4, []byte(helloYAML)) // the workflow "fz"
	req := httptest.NewRequest("PUT", "/api/v1/workflows/hello", bytes.NewReader([]byte(helloYAML)))
	req.Header.Set("Content-Type", "application/x-yaml")
	req.Header.Set("Authorization", "Bearer "+tokens["developer"])
	h.ServeHTTP(httptest.NewRecorder(), req)

	seeds := []string{`{}`, `{"id":"x"}`, `{"role":"viewer"}`, `{"inputs":{"a":1},"wait":false}`, `{"value":"v"}`,
		`{"name":"n","version":"1.0.0","sourceCode":"x"}`, "type: Sequence\nchildren: []\n", `[`, `null`, "\x1f\x8b\x08",
		`{"public_key":"untrusted comment: x\nRWQ"}`, `{"inputs":{"a":1e400}}`, `{"idempotency_key":"` + string(bytes.Repeat([]byte("k"), 300)) + `"}`}
	for i := range bodyRoutes {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		i := int(which) % len(bodyRoutes)
		w := send(i, body)
		if w.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", bodyRoutes[i].method, bodyRoutes[i].path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e api.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s: error reply is not the envelope: %s", bodyRoutes[i].method, bodyRoutes[i].path, w.Body)
			}
		}
		if w.Code == http.StatusOK || w.Code == http.StatusCreated || w.Code == http.StatusAccepted {
			if w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("reply type %q", w.Header().Get("Content-Type"))
			}
		}
	})
}
