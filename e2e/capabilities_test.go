package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var hostcallPkg, _ = filepath.Abs("../internal/wasmhost/testdata/pkgs/hostcall")

// TestHostCapabilities runs custom-node host operations through the binary:
// cache and storage round trips, a stateful counter that survives process
// restarts, stream events in the trace, and an OAuth token from the secret
// store that never appears in any output, trace or journal.
func TestHostCapabilities(t *testing.T) {
	dir := t.TempDir()
	const token = "ya29.SECRET-TOKEN-must-not-leak"
	if r := weft(t, dir, "secrets", "set", "oauth/google", "--token", token); r.code != 0 {
		t.Fatalf("secrets set: exit %d %s", r.code, r.stderr)
	}
	f := writeFile(t, dir, "caps.yaml", `
type: Sequence
id: caps
children:
  - type: test.hostcall/call
    id: put
    props: {op: cache.set, req: {key: greeting, value: {n: 9007199254740993}}}
  - type: test.hostcall/call
    id: get
    props: {op: cache.get, req: {key: greeting}, outputs: {reply: cached}}
  - type: test.hostcall/call
    id: counter
    props: {op: "{{ stateOp }}", req: "{{ stateReq }}", outputs: {reply: before}}
  - type: test.hostcall/call
    id: write_file
    props: {op: storage.write, req: {path: notes/a.txt, data_base64: aGVsbG8=}}
  - type: test.hostcall/call
    id: read_file
    props: {op: storage.read, req: {path: notes/a.txt}, outputs: {reply: file}}
  - type: test.hostcall/call
    id: escape
    props: {op: storage.read, req: {path: ../../../../etc/passwd}, outputs: {reply: escaped}}
  - type: test.hostcall/call
    id: progress
    props: {op: stream.emit, req: {event: progress, data: {pct: 50}}}
  - type: test.hostcall/call
    id: token
    props: {op: oauth.token, req: {provider: google}, outputs: {reply: tok}}
`)
	var stdout []string
	for run := 1; run <= 2; run++ {
		trace := filepath.Join(dir, "trace.jsonl")
		// State is per workflow and node instance: the same node "counter"
		// writes in the first process and reads in the second.
		stateOp, stateReq := `stateOp="state.set"`, `stateReq={"key":"runs","value":41}`
		if run == 2 {
			stateOp, stateReq = `stateOp="state.get"`, `stateReq={"key":"runs"}`
		}
		r := weft(t, dir, "run", f, "--package", hostcallPkg, "--output", "json", "--trace", trace,
			"--input", stateOp, "--input", stateReq)
		if r.code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", run, r.code, r.stdout, r.stderr)
		}
		out := parseRun(t, r)
		bb := out.Blackboard
		js := func(k string) string { b, _ := json.Marshal(bb[k]); return string(b) }
		if js("cached") != `{"ok":{"n":9007199254740993}}` {
			t.Errorf("cache: %s", js("cached"))
		}
		wantBefore := `{"ok":null}` // the reply of state.set
		if run == 2 {
			wantBefore = `{"ok":41}` // written by the first process
		}
		if js("before") != wantBefore {
			t.Errorf("run %d: state before = %s, want %s", run, js("before"), wantBefore)
		}
		if js("file") != `{"ok":{"data_base64":"aGVsbG8="}}` {
			t.Errorf("storage: %s", js("file"))
		}
		if !strings.Contains(js("escaped"), `"error"`) {
			t.Errorf("a storage escape was not refused: %s", js("escaped"))
		}
		traceData, _ := os.ReadFile(trace)
		if !strings.Contains(string(traceData), `"event":"stream"`) {
			t.Errorf("no stream event in the trace")
		}
		if !strings.Contains(js("tok"), `"access_token"`) {
			t.Errorf("oauth.token: %s", js("tok"))
		}
		// The token reached the node (it is on the blackboard, where the
		// workflow put it), but no trace event carries it.
		if strings.Contains(string(traceData), token) {
			t.Errorf("the token appears in the trace")
		}
		stdout = append(stdout, r.stderr)
	}
	for _, s := range stdout {
		if strings.Contains(s, token) {
			t.Error("the token appears on stderr")
		}
	}
	if r := weft(t, dir, "secrets", "list"); strings.Contains(r.stdout, token) || !strings.Contains(r.stdout, "oauth/google") {
		t.Errorf("secrets list: %s", r.stdout)
	}
	// The journal records the grant as a host call, without the token.
	r := weft(t, dir, "runs", "list", "--output", "json")
	var runs []map[string]any
	json.Unmarshal([]byte(r.stdout), &runs)
	if len(runs) != 2 {
		t.Fatalf("runs: %s", r.stdout)
	}
	r = weft(t, dir, "runs", "show", runs[0]["run_id"].(string), "--output", "json")
	if !strings.Contains(r.stdout, `"op": "oauth.token"`) {
		t.Errorf("the journal lacks the oauth.token host call")
	}
	events := r.stdout[strings.Index(r.stdout, `"events"`):]
	if strings.Contains(events, token) {
		t.Errorf("the token appears in the journal's events")
	}
}
