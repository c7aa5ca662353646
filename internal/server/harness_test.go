// The test harness of the server: a real server over a real listener on
// 127.0.0.1, on SQLite or PostgreSQL, whose every request and reply is
// checked against the OpenAPI document; tenants with a token per role;
// and real packages built from the host's C fixture.

package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
	"github.com/weft-dev/weft/internal/server/openapi/openapitest"
)

type testServer struct {
	t      *testing.T
	url    string
	st     db.Store
	srv    *Server
	eng    *weft.Engine
	client *http.Client
	admin  string
	logs   *lockedWriter
}

// logText is what the server logged so far.
func (ts *testServer) logText() string {
	ts.logs.mu.Lock()
	defer ts.logs.mu.Unlock()
	return ts.logs.w.(*bytes.Buffer).String()
}

// tenantTokens are a tenant's tokens, one per role.
type tenantTokens struct {
	id                               string
	owner, developer, runner, viewer string
}

func forBackends(t *testing.T, fn func(t *testing.T, b dbtest.Backend)) {
	for _, b := range dbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// newTestServer starts a server on a new database of backend b.
func newTestServer(t *testing.T, b dbtest.Backend, opts ...func(*Config)) *testServer {
	t.Helper()
	dsn := b.NewDSN(t)
	return startServer(t, dsn, opts...)
}

func startServer(t *testing.T, dsn string, opts ...func(*Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedWriter{w: &bytes.Buffer{}}
	logger := slogTo(logs)
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true, Secrets: Secrets(st), Logger: logger,
		HTTP: weft.HTTPPolicy{PublicOnly: true, PrivateAllowed: PrivateAllowed(st)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Engine: eng, Logger: logger, SingleServer: !strings.HasPrefix(dsn, "postgres"),
		Poll: 50 * time.Millisecond, Lease: 2 * time.Second, TenantRate: 1000, TenantBurst: 1000}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	ts := &testServer{t: t, url: "http://" + ln.Addr().String(), st: st, srv: srv, eng: eng, logs: logs,
		client: &http.Client{Transport: openapitest.Transport(t, http.DefaultTransport), Timeout: 60 * time.Second}}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		srv.Shutdown(sctx)
		eng.Close()
		st.Close()
	})
	token, err := Bootstrap(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ts.admin = token
	return ts
}

// tenant creates a tenant through the API and a token for each role.
func (ts *testServer) tenant(id string, requireApproval bool) *tenantTokens {
	ts.t.Helper()
	ts.expect("POST", "/api/v1/tenants", ts.admin, api.CreateTenant{ID: id, RequireApproval: requireApproval}, 201)
	tt := &tenantTokens{id: id}
	for _, r := range []struct {
		role string
		to   *string
	}{{"owner", &tt.owner}, {"developer", &tt.developer}, {"runner", &tt.runner}, {"viewer", &tt.viewer}} {
		var tok api.Token
		ts.decode(ts.expect("POST", "/api/v1/tenants/"+id+"/tokens", ts.admin, api.CreateToken{Role: r.role, Name: id + "-" + r.role}, 201), &tok)
		*r.to = tok.Token
	}
	return tt
}

// request is one request: a body of []byte is sent as it is (with the
// content type of the header "Content-Type"), anything else as JSON.
func (ts *testServer) request(method, path, token string, body any, hdr ...string) (*http.Response, []byte) {
	ts.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp, data
}

// expect sends a request and fails the test unless the status is want.
func (ts *testServer) expect(method, path, token string, body any, want int, hdr ...string) []byte {
	ts.t.Helper()
	resp, data := ts.request(method, path, token, body, hdr...)
	if resp.StatusCode != want {
		ts.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	return data
}

// expectError checks an error reply's status and code.
func (ts *testServer) expectError(method, path, token string, body any, status int, code string, hdr ...string) api.Error {
	ts.t.Helper()
	data := ts.expect(method, path, token, body, status, hdr...)
	var e api.ErrorBody
	ts.decode(data, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		ts.t.Fatalf("%s %s: error %+v, want code %s with a message", method, path, e.Error, code)
	}
	return e.Error
}

func (ts *testServer) decode(data []byte, v any) {
	ts.t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		ts.t.Fatalf("decoding %s: %v", data, err)
	}
}

// putWorkflow stores a workflow version and returns it.
func (ts *testServer) putWorkflow(token, id, yaml string) api.WorkflowVersion {
	ts.t.Helper()
	resp, data := ts.request("PUT", "/api/v1/workflows/"+id, token, []byte(yaml), "Content-Type", "application/x-yaml")
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		ts.t.Fatalf("PUT workflow %s: %d %s", id, resp.StatusCode, data)
	}
	var r api.WorkflowReply
	ts.decode(data, &r)
	return r.Workflow
}

// run starts a run and waits for it.
func (ts *testServer) run(token, workflow string, inputs map[string]any) api.Run {
	ts.t.Helper()
	var r api.RunReply
	ts.decode(ts.expect("POST", "/api/v1/workflows/"+workflow+"/runs", token, api.StartRun{Inputs: inputs, Wait: true}, 200), &r)
	return r.Run
}

// waitRun polls a run until it has ended.
func (ts *testServer) waitRun(token, id string) api.Run {
	ts.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r api.RunReply
		ts.decode(ts.expect("GET", "/api/v1/runs/"+id, token, nil, 200), &r)
		if db.Ended(r.Run.Status) {
			return r.Run
		}
		if time.Now().After(deadline) {
			ts.t.Fatalf("run %s still %s after 60s", id, r.Run.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fixture returns the folder of a wasmhost test fixture package.
func fixture(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "wasmhost", "testdata", "pkgs", name)
}

// echoPackage builds the C echo fixture as package test.cecho at version,
// with the extra permission lines appended to [permissions].
func echoPackage(t testing.TB, version string, extraPermissions string) []byte {
	t.Helper()
	src := fixture("cecho")
	dir := t.TempDir()
	wasm, err := os.ReadFile(filepath.Join(src, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(src, "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(m), `version = "1.0.0"`, `version = "`+version+`"`, 1)
	text = strings.Replace(text, "[build]\ncommand = \"../../build.sh cecho\"\n", "", 1)
	text = strings.Replace(text, "timeout = \"quick\"\n", "timeout = \"quick\"\n"+extraPermissions, 1)
	os.WriteFile(filepath.Join(dir, "echo.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.toml"), []byte(text), 0o644)
	data, err := weft.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// upload uploads a package and returns the custom node version.
func (ts *testServer) upload(token string, pkg []byte, want int) api.CustomNode {
	ts.t.Helper()
	var r api.CustomNodeReply
	ts.decode(ts.expect("POST", "/api/v1/custom-nodes", token, pkg, want, "Content-Type", "application/octet-stream"), &r)
	return r.CustomNode
}
