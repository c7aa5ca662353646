// node_test.go: TypeScript nodes' calls through noderuntime.js, with
// hand-written bundles (the compiler's own output is tested in tsnode).

package javascript

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// bundle wraps module code the way the compiler does: exports in, a
// function returning them out.
func bundle(body string) string {
	return "(function () {\nvar exports = {};\n" + body + "\nreturn exports;\n})"
}

const request = `{"abi":1,"node":"n","inputs":{"a":2,"name":"x"},"context":{"run_id":"r1","workflow":"w","node_instance":"i","tenant":"acme","attempt":1,"deadline_unix_ms":0}}`

type hostRec struct {
	ops  []string
	logs []string
}

func (h *hostRec) call(op, req string) string {
	h.ops = append(h.ops, op+" "+req)
	switch op {
	case "vars.get":
		return `{"ok":41}`
	case "http.request":
		return `{"ok":{"status":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}}`
	}
	return `{"error":{"code":"permission_denied","message":"` + op + ` is denied"}}`
}

func runNode(t *testing.T, r *Runner, body string) (string, *hostRec, error) {
	t.Helper()
	return runNodeFor(t, r, body, 2*time.Second)
}

// runNodeFor is runNode with another timeout: filling the memory limit
// under the race detector on a loaded machine can take longer than 2 s.
func runNodeFor(t *testing.T, r *Runner, body string, timeout time.Duration) (string, *hostRec, error) {
	t.Helper()
	ns, err := CompileNode("test/node.js", bundle(body))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	h := &hostRec{}
	out, err := r.Node(context.Background(), &NodeCall{Tenant: "acme", Script: ns, Request: request,
		Host: h.call, Log: func(l int, m string) { h.logs = append(h.logs, m) }, Timeout: timeout, Memory: 16 << 20})
	return out, h, err
}

func TestNodeCalls(t *testing.T) {
	r := New(Config{PoolSize: 1})
	defer r.Close()
	tests := []struct {
		name, body, want string
		kind             error
	}{
		{"sync outputs", `exports.default = {run(ctx, input) { return {b: input.a * 2, who: ctx.run.tenant}; }};`,
			`{"status":"success","outputs":{"b":4,"who":"acme"}}`, nil},
		{"async with host calls", `exports.default = {async run(ctx, input) {
			const v = await ctx.vars.get("x"); ctx.log.info("got " + v);
			const r = await ctx.http.request({url: "https://x.test/", method: "POST", body: {a: 1}});
			return {v: v + 1, ok: r.json().ok, status: r.status}; }};`,
			`{"status":"success","outputs":{"v":42,"ok":true,"status":200}}`, nil},
		{"no outputs", `exports.default = {run() {}};`, `{"status":"success","outputs":{}}`, nil},
		{"thrown error is a failure", `exports.default = {run() { throw new Error("divisor must not be zero"); }};`,
			`{"status":"failure","error":"divisor must not be zero"}`, nil},
		{"rejected promise is a failure", `exports.default = {async run() { await null; throw new TypeError("bad"); }};`,
			`{"status":"failure","error":"TypeError: bad"}`, nil},
		{"denied host call uncaught", `exports.default = {async run(ctx) { await ctx.cache.get("k"); }};`,
			`{"status":"failure","error":"permission_denied: cache.get is denied"}`, nil},
		{"denied host call caught", `exports.default = {async run(ctx) { try { await ctx.state.get("k"); } catch (e) { return {code: e.code, name: e.name, op: e.op}; } }};`,
			`{"status":"success","outputs":{"code":"permission_denied","name":"HostError","op":"state.get"}}`, nil},
		{"outputs not an object", `exports.default = {run() { return 3; }};`, "", script.ErrResult},
		{"function in outputs", `exports.default = {run() { return {f() {}}; }};`, "", script.ErrResult},
		{"not a node", `exports.default = 1;`, "", script.ErrScript},
		{"module throws", `throw new Error("boom");`, "", script.ErrScript},
		{"never settles", `exports.default = {run() { return new Promise(() => {}); }};`, "", script.ErrScript},
		{"loops", `exports.default = {run() { for (;;) {} }};`, "", script.ErrTimeout},
		{"allocates without bound", `exports.default = {run() { const a = []; for (;;) a.push("x".repeat(1 << 20) + a.length); }};`, "", script.ErrMemory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			timeout := 2 * time.Second
			if tc.kind == script.ErrMemory {
				timeout = time.Minute // the limit, not the clock, must stop it
			}
			out, _, err := runNodeFor(t, r, tc.body, timeout)
			if tc.kind != nil {
				if !errors.Is(err, tc.kind) {
					t.Fatalf("got %q, %v; want a %v error", out, err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			_ = json.Unmarshal([]byte(out), &got)
			_ = json.Unmarshal([]byte(tc.want), &want)
			if g, _ := json.Marshal(got); string(g) != mustJSON(want) {
				t.Fatalf("got %s\nwant %s", out, tc.want)
			}
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestNodeModuleScope: global assignments of one call are never seen by
// the next on the same VM; the module's own scope is kept across calls (as
// a WebAssembly instance's memory is), unless the call asks for a fresh
// module.
func TestNodeModuleScope(t *testing.T) {
	for _, fresh := range []bool{false, true} {
		r := New(Config{PoolSize: 1})
		ns, err := CompileNode("test/node.js", bundle(`let n = 0; exports.default = {run() { n++; globalThis.leak = (globalThis.leak || 0) + 1; return {n, leak: globalThis.leak}; }};`))
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			out, err := r.Node(context.Background(), &NodeCall{Tenant: "acme", Script: ns, Request: request, Fresh: fresh,
				Host: (&hostRec{}).call, Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			n := i
			if fresh {
				n = 1
			}
			if want := fmt.Sprintf(`{"status":"success","outputs":{"n":%d,"leak":1}}`, n); out != want {
				t.Fatalf("fresh %v, call %d: %s, want %s", fresh, i, out, want)
			}
		}
		if made := r.made.Load(); made != 1 {
			t.Fatalf("%d VMs made, want 1 (the same VM reused)", made)
		}
		r.Close()
	}
}

func TestNodeHostFunctionsHidden(t *testing.T) {
	r := New(Config{PoolSize: 1})
	defer r.Close()
	out, _, err := runNode(t, r, `exports.default = {run() { return {h: typeof __weft_host, l: typeof globalThis.__weft_log}; }};`)
	if err != nil {
		t.Fatal(err)
	}
	if out != `{"status":"success","outputs":{"h":"undefined","l":"undefined"}}` {
		t.Fatal(out)
	}
}

// TestNodeBuiltinsStayPristine: a node that tries to change a built-in
// changes nothing that its next call, or another node's, sees.
func TestNodeBuiltinsStayPristine(t *testing.T) {
	r := New(Config{PoolSize: 1})
	defer r.Close()
	evil := `exports.default = {run() {
		try { Array.prototype.leak = 1; } catch (e) {}
		try { JSON.stringify = () => "{}"; } catch (e) {}
		try { Object.defineProperty(Object.prototype, "leak2", {value: 2}); } catch (e) {}
		return {a: [].leak === undefined, b: ({}).leak2 === undefined, c: JSON.stringify([1]) === "[1]"};
	}};`
	for i := 0; i < 2; i++ {
		for _, body := range []string{evil, `exports.default = {run() { return {a: [].leak === undefined, b: ({}).leak2 === undefined, c: JSON.stringify([1]) === "[1]"}; }};`} {
			out, _, err := runNode(t, r, body)
			if err != nil || out != `{"status":"success","outputs":{"a":true,"b":true,"c":true}}` {
				t.Fatalf("call %d: %s %v", i, out, err)
			}
		}
	}
	if made := r.made.Load(); made != 1 {
		t.Fatalf("%d VMs made, want 1", made)
	}
}
