// TypeScript custom nodes through the API: uploaded as source, compiled by
// the server, reviewed, activated, run, upgraded and rolled back, never
// seen by another tenant; bad source and bad nodes fail clearly and the
// server lives on; the seed's Slack and Jira examples run against a local
// HTTP server.

package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
)

const tsGreet = `import { node } from "weft";

export default node({
  description: "Greets",
  inputs: { name: { type: "string", required: true } },
  outputs: { greeting: "string" },
  permissions: { timeout: "quick", variables: true },
  async run(ctx, input) {
    const n = await ctx.vars.get("count");
    ctx.log.info("greeting " + input.name);
    return { greeting: "VERSION " + input.name + " " + n };
  },
});
`

const tsGreetYAML = "type: Sequence\nid: greet-flow\nchildren:\n  - type: SetVariable\n    props: {key: count, value: 3}\n  - type: Greet\n    id: g\n    props: {name: Ada}\n"

func tsUpload(name, version, src string) api.TypeScriptUpload {
	return api.TypeScriptUpload{Name: name, Version: version, Description: "a node", SourceCode: src}
}

func (ts *testServer) uploadTS(token string, up api.TypeScriptUpload, want int) api.CustomNode {
	ts.t.Helper()
	var r api.CustomNodeReply
	ts.decode(ts.expect("POST", "/api/v1/custom-nodes", token, up, want), &r)
	return r.CustomNode
}

func TestTypeScriptNodes(t *testing.T) {
	forBackends(t, func(t *testing.T, b dbtest.Backend) {
		ts := newTestServer(t, b)
		acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
		v1 := strings.Replace(tsGreet, "VERSION", "v1", 1)
		n1 := ts.uploadTS(acme.developer, tsUpload("Greet", "1.0.0", v1), 201)
		if n1.Status != "draft" || n1.Package != "ts.Greet" || n1.Kind != "typescript" || len(n1.Nodes) != 1 || n1.Nodes[0].Type != "Greet" ||
			n1.Sources["src/node.ts"] != v1 || !strings.Contains(strings.Join(n1.Review.Permissions, "\n"), "blackboard") {
			t.Fatalf("upload: %+v", n1)
		}
		if again := ts.uploadTS(acme.developer, tsUpload("Greet", "1.0.0", v1), 200); again.ID != n1.ID {
			t.Fatalf("the same source again made a new version: %s", again.ID)
		}
		ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, tsUpload("Greet", "1.0.0", v1+"\n// changed\n"), 409, api.CodeConflict)
		ts.expectError("POST", "/api/v1/custom-nodes", acme.runner, tsUpload("Greet", "1.0.0", v1), 403, api.CodeForbidden)

		// A draft runs nowhere; globex sees nothing of it.
		ts.expectError("PUT", "/api/v1/workflows/greet-flow", acme.developer, []byte(tsGreetYAML), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")
		ts.expectError("GET", "/api/v1/custom-nodes/"+n1.ID, globex.viewer, nil, 404, api.CodeNotFound)
		ts.expectError("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", globex.developer, nil, 404, api.CodeNotFound)
		ts.expect("POST", "/api/v1/custom-nodes/"+n1.ID+"/activate", acme.developer, nil, 200)

		ts.putWorkflow(acme.developer, "greet-flow", tsGreetYAML)
		run := ts.run(acme.runner, "greet-flow", nil)
		if run.Status != "success" || fmt.Sprint(run.Blackboard["g"]) != "map[greeting:v1 Ada 3]" || run.Packages["Greet"].Version != "1.0.0" {
			t.Fatalf("run: %+v", run)
		}
		var evs api.List[api.RunEvent]
		ts.decode(ts.expect("GET", "/api/v1/runs/"+run.ID+"/events", acme.viewer, nil, 200), &evs)
		logged := false
		for _, e := range evs.Items {
			logged = logged || strings.Contains(string(e), `"greeting Ada"`)
		}
		if !logged {
			t.Fatalf("the node's log line is not among the run's events: %+v", evs.Items)
		}
		// The qualified name works too.
		ts.putWorkflow(acme.developer, "greet-qualified", strings.Replace(tsGreetYAML, "type: Greet", "type: ts.Greet/Greet@1.0.0", 1))
		if run := ts.run(acme.runner, "greet-qualified", nil); run.Status != "success" {
			t.Fatalf("qualified: %+v", run)
		}
		// The other tenant can neither see the type nor use it.
		ts.expectError("GET", "/api/v1/nodes/Greet", globex.viewer, nil, 404, api.CodeNotFound)
		ts.expect("GET", "/api/v1/nodes/Greet", acme.viewer, nil, 200)
		ts.expectError("PUT", "/api/v1/workflows/greet-flow", globex.developer, []byte(tsGreetYAML), 422, api.CodeInvalid, "Content-Type", "application/x-yaml")
		ts.expectError("POST", "/api/v1/workflows/greet-flow/runs", globex.runner, api.StartRun{Wait: true}, 404, api.CodeNotFound)

		// 1.1.0, activated hot, then rolled back.
		v2 := strings.Replace(strings.Replace(tsGreet, "VERSION", "v2", 1), "variables: true", "variables: true, cache: true", 1)
		n2 := ts.uploadTS(acme.developer, tsUpload("Greet", "1.1.0", v2), 201)
		if n2.Review.Upgrade != "1.0.0" || len(n2.Review.NewPermissions) != 1 || !strings.Contains(n2.Review.NewPermissions[0], "cache") {
			t.Fatalf("upgrade review: %+v", n2.Review)
		}
		ts.expect("POST", "/api/v1/custom-nodes/"+n2.ID+"/activate", acme.developer, nil, 200)
		if run := ts.run(acme.runner, "greet-flow", nil); fmt.Sprint(run.Blackboard["g"]) != "map[greeting:v2 Ada 3]" {
			t.Fatalf("after 1.1.0: %+v", run)
		}
		ts.expectError("POST", "/api/v1/packages/ts.Greet/rollback", globex.developer, nil, 404, api.CodeNotFound)
		var rb api.CustomNodeReply
		ts.decode(ts.expect("POST", "/api/v1/packages/ts.Greet/rollback", acme.developer, nil, 200), &rb)
		if rb.CustomNode.Version != "1.0.0" || rb.CustomNode.Status != "active" {
			t.Fatalf("rollback: %+v", rb.CustomNode)
		}
		if run := ts.run(acme.runner, "greet-flow", nil); fmt.Sprint(run.Blackboard["g"]) != "map[greeting:v1 Ada 3]" || run.Packages["Greet"].Version != "1.0.0" {
			t.Fatalf("after rollback: %+v", run)
		}
	})
}

// TestTypeScriptBadSource: 422 with esbuild's file:line:col, every hostile
// import refused, and a schema that disagrees with the node.
func TestTypeScriptBadSource(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0])
	acme := ts.tenant("acme", false)
	e := ts.expectError("POST", "/api/v1/custom-nodes", acme.developer,
		tsUpload("Bad", "1.0.0", "import { node } from \"weft\";\nexport default node({\n  run() { return {; }\n});\n"), 422, api.CodeInvalid)
	if len(e.Details) == 0 || e.Details[0].File != "node.ts" || e.Details[0].Line != 3 || e.Details[0].Col == 0 || !strings.Contains(e.Message, "node.ts:3:") {
		t.Fatalf("syntax error: %+v", e)
	}
	for _, imp := range []string{"/etc/passwd", "../../../etc/passwd", "node:fs", "./data.json", "data:text/javascript,export default 1"} {
		e := ts.expectError("POST", "/api/v1/custom-nodes", acme.developer,
			tsUpload("Bad", "1.0.0", "import x from \""+imp+"\";\nimport { node } from \"weft\";\nexport default node({run() { return {x: String(x)}; }});\n"), 422, api.CodeInvalid)
		if len(e.Details) == 0 || e.Details[0].Line != 1 || !strings.Contains(e.Message, "not allowed") || strings.Contains(e.Message, "root:") {
			t.Fatalf("import %s: %+v", imp, e)
		}
	}
	// (A name outside the pattern is refused by the document's own check,
	// which the test transport applies to requests; tsnode's tests cover
	// the server's.)
	up := tsUpload("Greet", "1.0.0", tsGreet)
	up.Schema = json.RawMessage(`{"inputs": {"name": "integer"}, "outputs": {"greeting": "string"}}`)
	if e := ts.expectError("POST", "/api/v1/custom-nodes", acme.developer, up, 422, api.CodeInvalid); !strings.Contains(e.Message, "schema.inputs.name") {
		t.Fatalf("schema: %+v", e)
	}
	up.Schema = json.RawMessage(`{"inputs": {"name": {"type": "string"}}, "outputs": {"greeting": "string"}}`)
	ts.uploadTS(acme.developer, up, 201)
	// Nothing was stored for the refused uploads.
	var cl api.List[api.CustomNode]
	ts.decode(ts.expect("GET", "/api/v1/custom-nodes", acme.viewer, nil, 200), &cl)
	if len(cl.Items) != 1 {
		t.Fatalf("versions: %+v", cl.Items)
	}
}

// TestTypeScriptNodesThatMisbehave: each fails its run with a clear error,
// and the server goes on serving the next.
func TestTypeScriptNodesThatMisbehave(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0])
	acme := ts.tenant("acme", false)
	tests := []struct{ name, run, want string }{
		{"Loops", `run() { for (;;) {} }`, "timed out"},
		{"Allocates", `run() { const a = []; for (;;) a.push("x".repeat(1 << 20) + a.length); }`, "memory limit"},
		{"Throws", `run() { throw new Error("no such customer"); }`, "no such customer"},
		{"WrongType", `run() { return {out: "not a number"}; }`, "out"},
		{"Undeclared", `async run(ctx) { await ctx.http.request({url: "https://example.com/"}); return {out: 1}; }`, "permission_denied"},
		{"NotJSON", `run() { return {out: () => 1}; }`, "function"},
	}
	for _, tc := range tests {
		src := "import { node } from \"weft\";\nexport default node({outputs: {out: \"integer\"}, permissions: {timeout: \"quick\", memory: \"minimal\"},\n  " + tc.run + "});\n"
		n := ts.uploadTS(acme.developer, tsUpload(tc.name, "1.0.0", src), 201)
		ts.expect("POST", "/api/v1/custom-nodes/"+n.ID+"/activate", acme.developer, nil, 200)
		timeout := "300ms"
		if tc.name == "Allocates" {
			timeout = "5s" // copying megabytes is slow under the race detector
		}
		ts.putWorkflow(acme.developer, "wf-"+strings.ToLower(tc.name), "type: "+tc.name+"\nid: n\nprops:\n  timeout: "+timeout+"\n")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := ts.run(acme.runner, "wf-"+strings.ToLower(tc.name), nil)
			if run.Status != "failure" || !strings.Contains(run.Error, tc.want) {
				t.Fatalf("run: status %s, error %q; want a failure with %q", run.Status, run.Error, tc.want)
			}
			ts.expect("GET", "/api/v1/health", "", nil, 200)
		})
	}
}

// examplesDir is the repository's examples/typescript.
func examplesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "examples", "typescript")
}

// exampleSource reads an example's node.ts, with its allowed hosts pointed
// at the test's local server: a loopback address a tenant with private
// HTTP allowed may reach, instead of slack.com or *.atlassian.net.
func exampleSource(t *testing.T, name, host string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir(), name, "node.ts"))
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "allowed_hosts: [\""+host+"\"] }", "allowed_hosts: [\"127.0.0.1\"], allow_private: true }", 1)
	if src == string(b) {
		t.Fatalf("%s: no allowed_hosts [%q] to point at the test server", name, host)
	}
	return src
}

func TestSeedExamplesSlackAndJira(t *testing.T) {
	var mu sync.Mutex
	var got []string // method path auth body
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/chat.postMessage":
			var m map[string]any
			json.Unmarshal(body, &m)
			if m["channel"] == "#nowhere" {
				io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
				return
			}
			io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1700000000.000100"}`)
		case "/rest/api/3/issue":
			w.WriteHeader(201)
			io.WriteString(w, `{"id":"10001","key":"OPS-7","self":"x"}`)
		default:
			w.WriteHeader(404)
		}
	}))
	defer local.Close()
	ts := newTestServer(t, dbtest.Backends()[0])
	ts.expect("POST", "/api/v1/tenants", ts.admin, api.CreateTenant{ID: "acme", HTTPAllowPrivate: true}, 201)
	var owner, dev api.Token
	ts.decode(ts.expect("POST", "/api/v1/tenants/acme/tokens", ts.admin, api.CreateToken{Role: "owner"}, 201), &owner)
	ts.decode(ts.expect("POST", "/api/v1/tenants/acme/tokens", ts.admin, api.CreateToken{Role: "developer"}, 201), &dev)
	ts.expect("PUT", "/api/v1/secrets/oauth/slack", owner.Token, api.PutSecret{Value: "xoxb-test"}, 204)
	ts.expect("PUT", "/api/v1/secrets/oauth/jira", owner.Token, api.PutSecret{Value: "jira-test"}, 204)

	for _, ex := range []struct{ dir, name, host string }{
		{"send-slack-message", "SendSlackMessage", "slack.com"},
		{"create-jira-ticket", "CreateJiraTicket", "*.atlassian.net"},
	} {
		n := ts.uploadTS(dev.Token, tsUpload(ex.name, "1.0.0", exampleSource(t, ex.dir, ex.host)), 201)
		if !strings.Contains(strings.Join(n.Review.Permissions, "\n"), "127.0.0.1") {
			t.Fatalf("%s review: %+v", ex.name, n.Review.Permissions)
		}
		ts.expect("POST", "/api/v1/custom-nodes/"+n.ID+"/activate", dev.Token, nil, 200)
	}
	yaml := fmt.Sprintf(`type: Sequence
id: notify
children:
  - type: CreateJiraTicket
    id: ticket
    props: {baseUrl: %q, project: OPS, summary: "Disk full", description: "on db-1"}
  - type: SendSlackMessage
    id: slack
    props: {channel: "#ops", message: "Filed {{ticket.key}}", apiBase: %q}
`, local.URL, local.URL+"/api")
	ts.putWorkflow(dev.Token, "notify", yaml)
	run := ts.run(dev.Token, "notify", nil)
	if run.Status != "success" {
		t.Fatalf("run: %+v", run)
	}
	ticket, _ := run.Blackboard["ticket"].(map[string]any)
	slack, _ := run.Blackboard["slack"].(map[string]any)
	if ticket["key"] != "OPS-7" || ticket["url"] != local.URL+"/browse/OPS-7" || slack["sent"] != true || slack["ts"] != "1700000000.000100" {
		t.Fatalf("blackboard: %+v", run.Blackboard)
	}
	mu.Lock()
	if len(got) != 2 || !strings.HasPrefix(got[0], "POST /rest/api/3/issue Bearer jira-test ") || !strings.Contains(got[0], `"key":"OPS"`) ||
		got[1] != `POST /api/chat.postMessage Bearer xoxb-test {"channel":"#ops","text":"Filed OPS-7"}` {
		t.Fatalf("requests: %q", got)
	}
	mu.Unlock()
	// Slack's own error fails the node with Slack's code.
	ts.putWorkflow(dev.Token, "notify-nowhere", fmt.Sprintf("type: SendSlackMessage\nid: s\nprops: {channel: \"#nowhere\", message: hi, apiBase: %q}\n", local.URL+"/api"))
	if run := ts.run(dev.Token, "notify-nowhere", nil); run.Status != "failure" || !strings.Contains(run.Error, "channel_not_found") {
		t.Fatalf("nowhere: %+v", run)
	}
}
