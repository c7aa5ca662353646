// API tests over a real listener on 127.0.0.1, on SQLite and PostgreSQL:
// each endpoint's success, its error codes, the roles it refuses, and a
// second tenant that gets 404 for the first tenant's objects. Every
// request and reply is checked against the OpenAPI document.

package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
	"github.com/weft-dev/weft/internal/server/openapi/openapitest"
	"github.com/weft-dev/weft/internal/signing"
)

const bad = "X-Test-Invalid" // the request breaks the document on purpose

const helloYAML = `type: Sequence
id: hello
children:
  - type: SetVariable
    id: greet
    props:
      key: greeting
      value: "Hello, {{ who ?? 'world' }}!"
  - type: SetVariable
    id: count
    props:
      key: n
      value: 3
`

const slowYAML = `type: Sequence
id: slow
children:
  - type: WaitAction
    id: wait
    props:
      waitMs: 20000
`

const echoYAML = `type: Sequence
id: uses-echo
children:
  - type: test.cecho/add
    id: add
    props:
      a: 2
      b: 40
      outputKey: r
`

func TestRoutesMatchTheDocument(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0])
	openapitest.CheckRoutes(t, ts.srv.Routes())
	ts.expect("GET", "/api/v1/health", "", nil, 200)
	data := ts.expect("GET", "/api/v1/openapi.json", "", nil, 200)
	var doc map[string]any
	ts.decode(data, &doc)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
}

func TestAuthAndTenants(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		if again, _ := Bootstrap(t.Context(), ts.st); again != "" {
			t.Fatal("the admin token was made twice")
		}
		ts.expectError("GET", "/api/v1/tenants", "", nil, 401, api.CodeUnauthorized)
		ts.expectError("GET", "/api/v1/tenants", "weft_nope", nil, 401, api.CodeUnauthorized)
		acme := ts.tenant("acme", false)
		globex := ts.tenant("globex", false)
		ts.expectError("POST", "/api/v1/tenants", ts.admin, api.CreateTenant{ID: "acme"}, 409, api.CodeConflict)
		ts.expectError("POST", "/api/v1/tenants", ts.admin, api.CreateTenant{ID: "Bad Id"}, 400, api.CodeBadRequest, bad, "1")
		ts.expectError("POST", "/api/v1/tenants", ts.admin, `{"id":"x","nope":1}`, 400, api.CodeBadRequest, bad, "1", "Content-Type", "application/json")
		ts.expectError("POST", "/api/v1/tenants", ts.admin, `{"id":`, 400, api.CodeBadRequest, bad, "1", "Content-Type", "application/json")
		for _, tok := range []string{acme.owner, acme.developer, acme.runner, acme.viewer} {
			ts.expectError("POST", "/api/v1/tenants", tok, api.CreateTenant{ID: "x"}, 403, api.CodeForbidden)
			ts.expectError("GET", "/api/v1/tenants", tok, nil, 403, api.CodeForbidden)
		}
		var list api.List[api.Tenant]
		ts.decode(ts.expect("GET", "/api/v1/tenants", ts.admin, nil, 200), &list)
		if len(list.Items) != 2 {
			t.Fatalf("tenants: %+v", list.Items)
		}
		// An admin token is no tenant's: tenant routes refuse it.
		ts.expectError("GET", "/api/v1/workflows", ts.admin, nil, 403, api.CodeForbidden)

		// Tokens: an owner makes them for its own tenant only.
		var tok api.Token
		ts.decode(ts.expect("POST", "/api/v1/tenants/acme/tokens", acme.owner, api.CreateToken{Role: "viewer", Name: "v2"}, 201), &tok)
		if tok.Token == "" || tok.Role != "viewer" {
			t.Fatalf("token: %+v", tok)
		}
		ts.expectError("POST", "/api/v1/tenants/globex/tokens", acme.owner, api.CreateToken{Role: "viewer"}, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/tenants/nope/tokens", ts.admin, api.CreateToken{Role: "viewer"}, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/tenants/acme/tokens", acme.owner, api.CreateToken{Role: "god"}, 400, api.CodeBadRequest, bad, "1")
		ts.expectError("POST", "/api/v1/tenants/acme/tokens", acme.developer, api.CreateToken{Role: "viewer"}, 403, api.CodeForbidden)
		ts.expect("GET", "/api/v1/workflows", tok.Token, nil, 200)
		ts.expectError("DELETE", "/api/v1/tokens/"+tok.ID, globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("DELETE", "/api/v1/tokens/"+tok.ID, acme.developer, nil, 403, api.CodeForbidden)
		ts.expect("DELETE", "/api/v1/tokens/"+tok.ID, acme.owner, nil, 204)
		ts.expectError("GET", "/api/v1/workflows", tok.Token, nil, 401, api.CodeUnauthorized)
		ts.expectError("DELETE", "/api/v1/tokens/tok_nope", ts.admin, nil, 404, api.CodeNotFound)
	})
}

func TestWorkflows(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
		v1 := ts.putWorkflow(acme.developer, "hello", helloYAML)
		if v1.Version != 1 || v1.Source != helloYAML {
			t.Fatalf("v1: %+v", v1)
		}
		// The same bytes again: nothing new.
		resp, _ := ts.request("PUT", "/api/v1/workflows/hello", acme.developer, []byte(helloYAML), "Content-Type", "application/x-yaml")
		if resp.StatusCode != 200 {
			t.Fatalf("same bytes: %d", resp.StatusCode)
		}
		changed := helloYAML + "# a comment\n"
		if v2 := ts.putWorkflow(acme.developer, "hello", changed); v2.Version != 2 {
			t.Fatalf("v2: %+v", v2)
		}
		// Invalid: every problem, with lines.
		invalid := "type: Sequence\nid: broken\nchildren:\n  - type: Nope\n  - type: SetVariable\n    props: {}\n"
		e := ts.expectError("PUT", "/api/v1/workflows/broken", acme.developer, []byte(invalid), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")
		if len(e.Details) < 2 || e.Details[0].Line != 4 || e.Details[0].File != "broken.yaml" {
			t.Fatalf("details: %+v", e.Details)
		}
		e2 := ts.expectError("POST", "/api/v1/workflows/validate", acme.viewer, []byte(invalid), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")
		if len(e2.Details) != len(e.Details) {
			t.Fatalf("validate gave %d problems, PUT %d", len(e2.Details), len(e.Details))
		}
		var val api.Validation
		ts.decode(ts.expect("POST", "/api/v1/workflows/validate", acme.viewer, []byte(helloYAML), 200, "Content-Type", "application/x-yaml"), &val)
		if !val.Valid {
			t.Fatalf("validate: %+v", val)
		}
		ts.expectError("PUT", "/api/v1/workflows/hello", acme.runner, []byte(helloYAML), 403, api.CodeForbidden, "Content-Type", "application/x-yaml")
		ts.expectError("PUT", "/api/v1/workflows/hello", acme.viewer, []byte(helloYAML), 403, api.CodeForbidden, "Content-Type", "application/x-yaml")
		ts.expectError("PUT", "/api/v1/workflows/hello", acme.developer, []byte(helloYAML), 415, api.CodeMediaType, bad, "1", "Content-Type", "image/png")
		ts.expectError("PUT", "/api/v1/workflows/hello", acme.developer, []byte(strings.Repeat("#", 2<<20)), 413, api.CodeTooLarge, "Content-Type", "application/x-yaml")
		ts.expectError("PUT", "/api/v1/workflows/bad%20id", acme.developer, []byte(helloYAML), 400, api.CodeBadRequest, bad, "1", "Content-Type", "application/x-yaml")

		var got api.WorkflowReply
		ts.decode(ts.expect("GET", "/api/v1/workflows/hello?version=1", acme.viewer, nil, 200), &got)
		if got.Workflow.Source != helloYAML || got.Workflow.Version != 1 {
			t.Fatalf("version 1: %+v", got.Workflow)
		}
		ts.decode(ts.expect("GET", "/api/v1/workflows/hello", acme.viewer, nil, 200), &got)
		if got.Workflow.Version != 2 {
			t.Fatalf("newest: %+v", got.Workflow)
		}
		ts.expectError("GET", "/api/v1/workflows/hello?version=9", acme.viewer, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/workflows/hello?version=x", acme.viewer, nil, 400, api.CodeBadRequest, bad, "1")
		var vs api.List[api.WorkflowVersion]
		ts.decode(ts.expect("GET", "/api/v1/workflows/hello/versions", acme.viewer, nil, 200), &vs)
		if len(vs.Items) != 2 || vs.Items[0].Version != 2 {
			t.Fatalf("versions: %+v", vs.Items)
		}
		var wl api.List[api.Workflow]
		ts.decode(ts.expect("GET", "/api/v1/workflows", acme.viewer, nil, 200), &wl)
		if len(wl.Items) != 1 || wl.Items[0].LatestVersion != 2 {
			t.Fatalf("list: %+v", wl.Items)
		}
		// The other tenant sees none of it.
		ts.expectError("GET", "/api/v1/workflows/hello", globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/workflows/hello/versions", globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("DELETE", "/api/v1/workflows/hello", globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/workflows/hello/runs", globex.owner, api.StartRun{}, 404, api.CodeNotFound)
		ts.decode(ts.expect("GET", "/api/v1/workflows", globex.viewer, nil, 200), &wl)
		if len(wl.Items) != 0 {
			t.Fatalf("globex sees %+v", wl.Items)
		}
		// Archive: no new runs, history kept.
		ts.expectError("DELETE", "/api/v1/workflows/hello", acme.runner, nil, 403, api.CodeForbidden)
		ts.expect("DELETE", "/api/v1/workflows/hello", acme.developer, nil, 204)
		ts.expectError("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{}, 409, api.CodeConflict)
		ts.expect("GET", "/api/v1/workflows/hello?version=1", acme.viewer, nil, 200)
		ts.expectError("DELETE", "/api/v1/workflows/nope", acme.developer, nil, 404, api.CodeNotFound)
	})
}

func TestRuns(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
		ts.putWorkflow(acme.developer, "hello", helloYAML)
		ts.putWorkflow(acme.developer, "slow", slowYAML)

		run := ts.run(acme.runner, "hello", map[string]any{"who": "Ada"})
		if run.Status != "success" || run.Blackboard["greeting"] != "Hello, Ada!" || run.Version != 1 {
			t.Fatalf("run: %+v", run)
		}
		// Async, with an idempotency key twice.
		var a, a2 api.RunReply
		ts.decode(ts.expect("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{IdempotencyKey: "k1"}, 202), &a)
		ts.decode(ts.expect("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{IdempotencyKey: "k1"}, 200), &a2)
		if a.Run.ID != a2.Run.ID {
			t.Fatalf("idempotency key gave two runs: %s, %s", a.Run.ID, a2.Run.ID)
		}
		if got := ts.waitRun(acme.viewer, a.Run.ID); got.Status != "success" {
			t.Fatalf("async run: %+v", got)
		}
		ts.expectError("POST", "/api/v1/workflows/hello/runs", acme.viewer, api.StartRun{}, 403, api.CodeForbidden)
		ts.expectError("POST", "/api/v1/workflows/nope/runs", acme.runner, api.StartRun{}, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{Version: 7}, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/workflows/hello/runs", acme.runner, `{"inputs": 3}`, 400, api.CodeBadRequest, bad, "1", "Content-Type", "application/json")

		// Reading, for the tenant only.
		ts.expect("GET", "/api/v1/runs/"+run.ID, acme.viewer, nil, 200)
		ts.expectError("GET", "/api/v1/runs/"+run.ID, globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/runs/"+run.ID+"/events", globex.owner, nil, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/runs/"+run.ID+"/cancel", globex.owner, nil, 404, api.CodeNotFound)
		var rl api.List[api.Run]
		ts.decode(ts.expect("GET", "/api/v1/runs?workflow=hello&status=success", acme.viewer, nil, 200), &rl)
		if len(rl.Items) != 2 || rl.Items[0].CreatedAt.Before(rl.Items[1].CreatedAt) {
			t.Fatalf("runs: %+v", rl.Items)
		}
		ts.decode(ts.expect("GET", "/api/v1/runs", globex.viewer, nil, 200), &rl)
		if len(rl.Items) != 0 {
			t.Fatalf("globex sees runs: %+v", rl.Items)
		}
		ts.expectError("GET", "/api/v1/runs?status=weird", acme.viewer, nil, 400, api.CodeBadRequest, bad, "1")
		ts.expectError("GET", "/api/v1/runs?limit=0", acme.viewer, nil, 400, api.CodeBadRequest, bad, "1")
		for _, list := range []string{"/api/v1/runs", "/api/v1/workflows", "/api/v1/custom-nodes", "/api/v1/workflows/hello/versions"} {
			ts.expectError("GET", list+"?cursor=not-a-cursor", acme.viewer, nil, 400, api.CodeBadRequest)
		}
		ts.expectError("GET", "/api/v1/tenants?cursor=not-a-cursor", ts.admin, nil, 400, api.CodeBadRequest)
		// Pages.
		ts.decode(ts.expect("GET", "/api/v1/runs?limit=1", acme.viewer, nil, 200), &rl)
		if len(rl.Items) != 1 || rl.NextCursor == "" {
			t.Fatalf("page 1: %+v", rl)
		}
		var rl2 api.List[api.Run]
		ts.decode(ts.expect("GET", "/api/v1/runs?limit=1&cursor="+rl.NextCursor, acme.viewer, nil, 200), &rl2)
		if len(rl2.Items) != 1 || rl2.Items[0].ID == rl.Items[0].ID {
			t.Fatalf("page 2: %+v", rl2)
		}

		// Events, as JSON.
		var evs api.List[json.RawMessage]
		ts.decode(ts.expect("GET", "/api/v1/runs/"+run.ID+"/events", acme.viewer, nil, 200), &evs)
		if len(evs.Items) < 6 {
			t.Fatalf("events: %s", evs.Items)
		}
		for i, raw := range evs.Items {
			var e struct {
				Seq   int64  `json:"seq"`
				Event string `json:"event"`
			}
			json.Unmarshal(raw, &e)
			if e.Seq != int64(i+1) || e.Event == "" {
				t.Fatalf("event %d: %s", i, raw)
			}
		}

		// Cancel a long run; it halts and ends canceled.
		var slow api.RunReply
		ts.decode(ts.expect("POST", "/api/v1/workflows/slow/runs", acme.runner, api.StartRun{}, 202), &slow)
		waitStatus(t, ts, acme.viewer, slow.Run.ID, "running")
		ts.expectError("POST", "/api/v1/runs/"+slow.Run.ID+"/cancel", acme.viewer, nil, 403, api.CodeForbidden)
		var c api.RunReply
		ts.decode(ts.expect("POST", "/api/v1/runs/"+slow.Run.ID+"/cancel", acme.runner, nil, 200), &c)
		if c.Run.Status != "canceled" {
			t.Fatalf("canceled run: %+v", c.Run)
		}
		ts.expectError("POST", "/api/v1/runs/"+slow.Run.ID+"/cancel", acme.runner, nil, 409, api.CodeConflict)
		ts.expectError("GET", "/api/v1/runs/nope", acme.viewer, nil, 404, api.CodeNotFound)
	})
}

func waitStatus(t *testing.T, ts *testServer, token, id, status string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var r api.RunReply
		ts.decode(ts.expect("GET", "/api/v1/runs/"+id, token, nil, 200), &r)
		if r.Run.Status == status {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("run %s never %s", id, status)
}

func TestLiveEvents(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme := ts.tenant("acme", false)
		ts.putWorkflow(acme.developer, "steps", `type: Sequence
id: steps
children:
  - type: WaitAction
    id: w1
    props: {waitMs: 150}
  - type: WaitAction
    id: w2
    props: {waitMs: 150}
  - type: SetVariable
    id: done
    props: {key: done, value: true}
`)
		var r api.RunReply
		ts.decode(ts.expect("POST", "/api/v1/workflows/steps/runs", acme.runner, api.StartRun{}, 202), &r)
		ids, kinds := readStream(t, ts, acme.viewer, r.Run.ID, "")
		if kinds[len(kinds)-1] != "end" || len(ids) < 8 {
			t.Fatalf("stream: %v %v", ids, kinds)
		}
		for i, id := range ids {
			if id != fmt.Sprint(i+1) {
				t.Fatalf("ids: %v", ids)
			}
		}
		// Replay from Last-Event-ID.
		ids2, _ := readStream(t, ts, acme.viewer, r.Run.ID, "5")
		if len(ids2) != len(ids)-5 || ids2[0] != "6" {
			t.Fatalf("replay from 5: %v (all: %v)", ids2, ids)
		}
	})
}

// readStream reads a run's SSE stream to its end: the ids and event kinds.
func readStream(t *testing.T, ts *testServer, token, id, last string) (ids, kinds []string) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.url+"/api/v1/runs/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if last != "" {
		req.Header.Set("Last-Event-ID", last)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	buf := new(strings.Builder)
	tmp := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(tmp)
		buf.Write(tmp[:n])
		if err != nil {
			break
		}
	}
	for _, block := range strings.Split(buf.String(), "\n\n") {
		for _, line := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				ids = append(ids, v)
			}
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				kinds = append(kinds, v)
			}
		}
	}
	return ids, kinds
}

func TestRateLimit(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0], func(c *Config) { c.TenantRate, c.TenantBurst = 1, 2 })
	acme := ts.tenant("acme", false)
	ts.putWorkflow(acme.developer, "hello", helloYAML)
	ts.expect("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{}, 202)
	ts.expect("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{}, 202)
	resp, data := ts.request("POST", "/api/v1/workflows/hello/runs", acme.runner, api.StartRun{})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third run: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), data)
	}
	// Another tenant has its own bucket.
	globex := ts.tenant("globex", false)
	ts.putWorkflow(globex.developer, "hello", helloYAML)
	ts.expect("POST", "/api/v1/workflows/hello/runs", globex.runner, api.StartRun{}, 202)
}

func TestCustomNodes(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
		p1 := echoPackage(t, "1.0.0", "")
		n1 := ts.upload(acme.developer, p1, 201)
		if n1.Status != "draft" || n1.Package != "test.cecho" || len(n1.Review.Permissions) == 0 || len(n1.Nodes) != 2 {
			t.Fatalf("upload: %+v", n1)
		}
		if again := ts.upload(acme.developer, p1, 200); again.ID != n1.ID {
			t.Fatalf("the same bytes again made a new version: %s", again.ID)
		}
		// Immutable: other bytes under the same version.
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, echoPackage(t, "1.0.0", "cache = true\n"), 409, api.CodeConflict, "Content-Type", "application/octet-stream")
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, []byte("not a package"), 422, api.CodeInvalid, "Content-Type", "application/octet-stream")
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, api.TypeScriptUpload{Name: "x", Version: "1.0.0", SourceCode: "export default 1"}, 422, api.CodeInvalid)
		ts.expectError("POST", "/api/v1/custom-nodes", acme.runner, p1, 403, api.CodeForbidden, "Content-Type", "application/octet-stream")

		// A draft is not usable yet.
		ts.expectError("PUT", "/api/v1/workflows/uses-echo", acme.developer, []byte(echoYAML), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")
		ts.expectError("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", globex.developer, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/custom-nodes/"+n1.ID, globex.viewer, nil, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", acme.runner, nil, 403, api.CodeForbidden)
		var act api.CustomNodeReply
		ts.decode(ts.expect("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", acme.developer, nil, 200), &act)
		if act.CustomNode.Status != "active" {
			t.Fatalf("activate: %+v", act.CustomNode)
		}
		ts.expectError("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", acme.developer, nil, 409, api.CodeConflict)
		wf := ts.putWorkflow(acme.developer, "uses-echo", echoYAML)
		if wf.Packages["test.cecho/add"].Version != "1.0.0" {
			t.Fatalf("pins: %+v", wf.Packages)
		}
		run := ts.run(acme.runner, "uses-echo", nil)
		if run.Status != "success" || fmt.Sprint(run.Blackboard["r"]) != "map[sum:42]" || run.Packages["test.cecho/add"].Version != "1.0.0" {
			t.Fatalf("run: %+v", run)
		}
		// The other tenant cannot use it.
		ts.expectError("PUT", "/api/v1/workflows/uses-echo", globex.developer, []byte(echoYAML), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")

		// 1.1.0 asks for more: the review says so; activating it is hot.
		n2 := ts.upload(acme.developer, echoPackage(t, "1.1.0", "cache = true\n"), 201)
		if n2.Review.Upgrade != "1.0.0" || len(n2.Review.NewPermissions) != 1 || !strings.Contains(n2.Review.NewPermissions[0], "cache") {
			t.Fatalf("upgrade review: %+v", n2.Review)
		}
		ts.expect("POST", "/api/v1/custom-nodes/"+n2.ID+"/activate", acme.developer, nil, 200)
		if run := ts.run(acme.runner, "uses-echo", nil); run.Packages["test.cecho/add"].Version != "1.1.0" {
			t.Fatalf("after activating 1.1.0: %+v", run.Packages)
		}
		var got api.CustomNodeReply
		ts.decode(ts.expect("GET", "/api/v1/custom-nodes/"+n1.ID, acme.viewer, nil, 200), &got)
		if got.CustomNode.Status != "inactive" {
			t.Fatalf("1.0.0 after 1.1.0: %s", got.CustomNode.Status)
		}
		// Roll back.
		ts.expectError("POST", "/api/v1/packages/test.cecho/rollback", globex.developer, nil, 404, api.CodeNotFound)
		var rb api.CustomNodeReply
		ts.decode(ts.expect("POST", "/api/v1/packages/test.cecho/rollback", acme.developer, nil, 200), &rb)
		if rb.CustomNode.Version != "1.0.0" || rb.CustomNode.Status != "active" {
			t.Fatalf("rollback: %+v", rb.CustomNode)
		}
		if run := ts.run(acme.runner, "uses-echo", nil); run.Packages["test.cecho/add"].Version != "1.0.0" {
			t.Fatalf("after rollback: %+v", run.Packages)
		}
		ts.expectError("POST", "/api/v1/packages/test.cecho/rollback", acme.developer, nil, 409, api.CodeConflict)
		// Deprecate: still runs.
		ts.expectError("POST", "/api/v1/custom-nodes/"+n2.ID+"/deprecate", acme.developer, nil, 409, api.CodeConflict)
		ts.expectError("POST", "/api/v1/custom-nodes/"+n1.ID+"/deprecate", globex.developer, nil, 404, api.CodeNotFound)
		ts.decode(ts.expect("POST", "/api/v1/custom-nodes/"+n1.ID+"/deprecate", acme.developer, map[string]any{"message": "use 2.x"}, 200), &got)
		if got.CustomNode.Status != "deprecated" {
			t.Fatalf("deprecate: %+v", got.CustomNode)
		}
		if run := ts.run(acme.runner, "uses-echo", nil); run.Status != "success" {
			t.Fatalf("deprecated run: %+v", run)
		}
		// Lists and the catalog.
		var cl api.List[api.CustomNode]
		ts.decode(ts.expect("GET", "/api/v1/custom-nodes?package=test.cecho", acme.viewer, nil, 200), &cl)
		if len(cl.Items) != 2 {
			t.Fatalf("custom nodes: %+v", cl.Items)
		}
		ts.decode(ts.expect("GET", "/api/v1/custom-nodes?status=draft", acme.viewer, nil, 200), &cl)
		if len(cl.Items) != 0 {
			t.Fatalf("drafts: %+v", cl.Items)
		}
		ts.decode(ts.expect("GET", "/api/v1/custom-nodes", globex.viewer, nil, 200), &cl)
		if len(cl.Items) != 0 {
			t.Fatalf("globex sees %+v", cl.Items)
		}
		var nodes api.List[api.NodeType]
		ts.decode(ts.expect("GET", "/api/v1/nodes", acme.viewer, nil, 200), &nodes)
		found := false
		for _, n := range nodes.Items {
			found = found || n.Type == "test.cecho/add"
		}
		if !found || len(nodes.Items) < 20 {
			t.Fatalf("catalog: %d types, custom found %v", len(nodes.Items), found)
		}
		ts.expect("GET", "/api/v1/nodes/test.cecho%2Fadd", acme.viewer, nil, 200)
		ts.expect("GET", "/api/v1/nodes/Sequence", acme.viewer, nil, 200)
		ts.expectError("GET", "/api/v1/nodes/test.cecho%2Fadd", globex.viewer, nil, 404, api.CodeNotFound)
		ts.expectError("GET", "/api/v1/nodes/Nope", acme.viewer, nil, 404, api.CodeNotFound)
	})
}

func TestApprovalAndSignatures(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b, func(c *Config) { c.RequireSignatures = true })
		acme := ts.tenant("acme", true)
		globex := ts.tenant("globex", false)
		pub, sec, err := signing.GenerateKey("")
		if err != nil {
			t.Fatal(err)
		}
		pkg := echoPackage(t, "1.0.0", "")
		sig, err := signing.Sign(sec, "", pkg, "")
		if err != nil {
			t.Fatal(err)
		}
		sigHdr := base64.StdEncoding.EncodeToString(sig)
		// Unsigned, or signed by a key the tenant does not trust: refused.
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, pkg, 422, api.CodeInvalid, "Content-Type", "application/octet-stream")
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, pkg, 422, api.CodeInvalid, "Content-Type", "application/octet-stream", SignatureHeader, sigHdr)
		ts.expectError("POST", "/api/v1/trusted-keys", acme.developer, map[string]any{"public_key": string(pub)}, 403, api.CodeForbidden)
		ts.expectError("POST", "/api/v1/trusted-keys", acme.owner, map[string]any{"public_key": "nope"}, 400, api.CodeBadRequest, bad, "1")
		var key api.TrustedKey
		ts.decode(ts.expect("POST", "/api/v1/trusted-keys", acme.owner, map[string]any{"public_key": string(pub), "comment": "ci"}, 201), &key)
		var keys api.List[api.TrustedKey]
		ts.decode(ts.expect("GET", "/api/v1/trusted-keys", globex.viewer, nil, 200), &keys)
		if len(keys.Items) != 0 {
			t.Fatalf("globex sees acme's keys: %+v", keys.Items)
		}
		// Globex does not trust acme's key.
		ts.expectError("POST", "/api/v1/custom-nodes", globex.developer, pkg, 422, api.CodeInvalid, "Content-Type", "application/octet-stream", SignatureHeader, sigHdr)
		var r api.CustomNodeReply
		ts.decode(ts.expect("POST", "/api/v1/custom-nodes", acme.developer, pkg, 201, "Content-Type", "application/octet-stream", SignatureHeader, sigHdr), &r)
		if r.CustomNode.Signer != key.ID {
			t.Fatalf("signer %q, want %q", r.CustomNode.Signer, key.ID)
		}
		// The tenant requires approval: a developer may not activate.
		ts.expectError("POST", "/api/v1/custom-nodes/"+r.CustomNode.ID+"/activate", acme.developer, nil, 403, api.CodeForbidden)
		ts.expect("POST", "/api/v1/custom-nodes/"+r.CustomNode.ID+"/activate", acme.owner, nil, 200)
		ts.expectError("DELETE", "/api/v1/trusted-keys/"+key.ID, globex.owner, nil, 404, api.CodeNotFound)
		ts.expect("DELETE", "/api/v1/trusted-keys/"+key.ID, acme.owner, nil, 204)
	})
}

func TestSecrets(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
		ts.expect("PUT", "/api/v1/secrets/oauth/google", acme.owner, api.PutSecret{Value: "acme-token"}, 204)
		ts.expect("PUT", "/api/v1/secrets/oauth/google", globex.owner, api.PutSecret{Value: "globex-token"}, 204)
		ts.expectError("PUT", "/api/v1/secrets/oauth/google", acme.developer, api.PutSecret{Value: "x"}, 403, api.CodeForbidden)
		ts.expectError("GET", "/api/v1/secrets", acme.developer, nil, 403, api.CodeForbidden)
		ts.expectError("PUT", "/api/v1/secrets/oauth/google", acme.owner, api.PutSecret{}, 400, api.CodeBadRequest, bad, "1")
		ts.expectError("PUT", "/api/v1/secrets/..%2Fx", acme.owner, api.PutSecret{Value: "x"}, 400, api.CodeBadRequest, bad, "1")
		data := ts.expect("GET", "/api/v1/secrets", acme.owner, nil, 200)
		if strings.Contains(string(data), "acme-token") || !strings.Contains(string(data), "oauth/google") {
			t.Fatalf("secrets list: %s", data)
		}
		// Each tenant's nodes get that tenant's token only.
		src := Secrets(ts.st)
		for tenant, want := range map[string]string{"acme": "acme-token", "globex": "globex-token"} {
			got, _, err := src.OAuthToken(t.Context(), tenant, "google")
			if err != nil || got != want {
				t.Fatalf("%s: %q %v", tenant, got, err)
			}
		}
		if _, _, err := src.OAuthToken(t.Context(), "initech", "google"); err == nil {
			t.Fatal("a tenant without the secret got one")
		}
		ts.expect("DELETE", "/api/v1/secrets/oauth/google", acme.owner, nil, 204)
		ts.expectError("DELETE", "/api/v1/secrets/oauth/google", acme.owner, nil, 404, api.CodeNotFound)
		if got, _, err := src.OAuthToken(t.Context(), "globex", "google"); err != nil || got != "globex-token" {
			t.Fatalf("globex after acme's delete: %q %v", got, err)
		}
	})
}

func TestHTTPRequestRefusesPrivateAddresses(t *testing.T) {
	hits := 0
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer local.Close()
	ts := newTestServer(t, dbtest.Backends()[0])
	acme := ts.tenant("acme", false)
	ts.putWorkflow(acme.developer, "probe", "type: HttpRequest\nid: probe\nprops:\n  url: "+local.URL+"/x\n")
	run := ts.run(acme.runner, "probe", nil)
	if run.Status != "failure" || !strings.Contains(run.Error, "not a public address") || hits != 0 {
		t.Fatalf("probe: %+v (hits %d)", run, hits)
	}
	// A tenant the admin allows reaches it.
	ts.expect("POST", "/api/v1/tenants", ts.admin, api.CreateTenant{ID: "lab", HTTPAllowPrivate: true}, 201)
	tok, err := CreateToken(t.Context(), ts.st, "lab", db.RoleDeveloper, "")
	if err != nil {
		t.Fatal(err)
	}
	ts.putWorkflow(tok.Token, "probe", "type: HttpRequest\nid: probe\nprops:\n  url: "+local.URL+"/x\n")
	if run := ts.run(tok.Token, "probe", nil); run.Status != "success" || hits != 1 {
		t.Fatalf("lab probe: %+v (hits %d)", run, hits)
	}
}

func TestInternalErrorsSayTheyAreBugs(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0])
	acme := ts.tenant("acme", false)
	// Break the database under the server: every reply that needs it is a 500.
	dir := t.TempDir()
	os.Remove(filepath.Join(dir, "x"))
	ts.st.Close()
	resp, data := ts.request("GET", "/api/v1/workflows", acme.viewer, nil)
	var e api.ErrorBody
	json.Unmarshal(data, &e)
	if resp.StatusCode != 500 || e.Error.Code != api.CodeInternal || !strings.Contains(e.Error.Message, "a bug in weft") {
		t.Fatalf("reply: %d %s", resp.StatusCode, data)
	}
	if !strings.Contains(ts.logText(), "internal error (a bug in weft)") {
		t.Fatalf("not logged: %s", ts.logText())
	}
}

func TestTenantConcurrency(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0], func(c *Config) { c.TenantConcurrency = 1 })
	acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
	short := "type: WaitAction\nid: w\nprops: {waitMs: 300}\n"
	ts.putWorkflow(acme.developer, "w", short)
	ts.putWorkflow(globex.developer, "w", short)
	var ids []string
	for i := 0; i < 3; i++ {
		var r api.RunReply
		ts.decode(ts.expect("POST", "/api/v1/workflows/w/runs", acme.runner, api.StartRun{}, 202), &r)
		ids = append(ids, r.Run.ID)
	}
	// Acme's bound does not hold globex back.
	var g api.RunReply
	ts.decode(ts.expect("POST", "/api/v1/workflows/w/runs", globex.runner, api.StartRun{}, 202), &g)
	if g.Run.Status != "running" {
		t.Fatalf("globex's run waits behind acme's: %s", g.Run.Status)
	}
	// At most one of acme's runs executes at a time.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var rl api.List[api.Run]
		ts.decode(ts.expect("GET", "/api/v1/runs?status=running&workflow=w", acme.viewer, nil, 200), &rl)
		if len(rl.Items) > 1 {
			t.Fatalf("%d of acme's runs run at once, bound 1", len(rl.Items))
		}
		done := 0
		for _, id := range ids {
			var r api.RunReply
			ts.decode(ts.expect("GET", "/api/v1/runs/"+id, acme.viewer, nil, 200), &r)
			if r.Run.Status == "success" {
				done++
			}
		}
		if done == len(ids) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("acme's runs did not all finish")
}
