package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/wasmtest"
)

// TestGoSDKExample runs the Go SDK's example package, built from source
// with the real Go toolchain, through the binary.
func TestGoSDKExample(t *testing.T) {
	pkg := wasmtest.GoExample(t)
	dir := t.TempDir()
	f := writeFile(t, dir, "math.yaml", `
type: Sequence
id: math
children:
  - type: com.example.math/add
    id: sum
    props: {a: "{{ x }}", b: 9007199254740000}
  - type: com.example.math/greet
    id: hello
    props: {}
  - type: com.example.math/divide
    id: half
    props: {a: 7, b: 2}
`)
	r := weft(t, dir, "run", f, "--package", pkg, "--input", "x=3", "--input", "name=Ada", "--output", "json", "--trace", dir+"/t.jsonl")
	if r.code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stdout, r.stderr)
	}
	out := parseRun(t, r)
	sum, _ := json.Marshal(out.Blackboard["sum"])
	half, _ := json.Marshal(out.Blackboard["half"])
	if string(sum) != `{"sum":9007199254740003}` || !strings.Contains(string(half), "3.5") {
		t.Fatalf("blackboard: %v", out.Blackboard)
	}
	t.Logf("blackboard: %v\nstderr: %s", out.Blackboard, r.stderr)

	// A business failure fails the run with the node's message.
	f2 := writeFile(t, dir, "div0.yaml", "type: com.example.math/divide\nid: d\nprops: {a: 1, b: 0}\n")
	r = weft(t, dir, "run", f2, "--package", pkg, "--output", "json")
	out = parseRun(t, r)
	if r.code != 1 || out.Error == nil || !strings.Contains(*out.Error, "divisor must not be zero") {
		t.Fatalf("exit %d %+v", r.code, out)
	}
}

// TestGoSDKStatefulCounter: a Go SDK node keeps its count in state.* across
// runs, each a new weft process, and one node instance never sees
// another's count.
func TestGoSDKStatefulCounter(t *testing.T) {
	pkg := wasmtest.GoExample(t)
	dir := t.TempDir()
	f := writeFile(t, dir, "count.yaml", `
type: Sequence
id: counting
children:
  - type: com.example.math/counter
    id: tally
    props: {by: 2}
  - type: com.example.math/counter
    id: other
`)
	for run := int64(1); run <= 3; run++ {
		r := weft(t, dir, "run", f, "--package", pkg, "--output", "json")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d %s", run, r.code, r.stderr)
		}
		out := parseRun(t, r)
		tally, _ := json.Marshal(out.Blackboard["tally"])
		other, _ := json.Marshal(out.Blackboard["other"])
		if string(tally) != fmt.Sprintf(`{"count":%d}`, 2*run) || string(other) != fmt.Sprintf(`{"count":%d}`, run) {
			t.Fatalf("run %d: tally %s other %s", run, tally, other)
		}
	}
}

// TestGoSDKHostHelpers: a Go SDK node uses storage, HTTP and OAuth through
// the SDK's typed helpers against the real host; what the manifest does
// not allow answers permission_denied.
func TestGoSDKHostHelpers(t *testing.T) {
	pkg := wasmtest.GoExample(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fetched "+r.URL.Path) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	dir := t.TempDir()
	f := writeFile(t, dir, "notes.yaml", `
type: Sequence
children:
  - type: com.example.math/notes
    id: allowed
    props: {text: "a note", url: "http://localhost:`+port+`/page"}
  - type: com.example.math/notes
    id: denied
    props: {url: "http://127.0.0.1:`+port+`/page"}
`)
	run := func() map[string]any {
		r := weft(t, dir, "run", f, "--package", pkg, "--output", "json")
		if r.code != 0 {
			t.Fatalf("exit %d %s", r.code, r.stderr)
		}
		return parseRun(t, r).Blackboard
	}
	bb := run()
	allowed, denied := bb["allowed"].(map[string]any), bb["denied"].(map[string]any)
	if allowed["stored"] != "a note" || allowed["fetched"] != "fetched /page" || allowed["token"] != "not_found" {
		t.Fatalf("allowed: %v", allowed)
	}
	if denied["fetched"] != "permission_denied" {
		t.Fatalf("an unlisted host: %v", denied)
	}
	if r := weft(t, dir, "secrets", "set", "oauth/google", "--token", "tok-123456"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if got := run()["allowed"].(map[string]any)["token"]; got != "a token of 10 bytes" {
		t.Fatalf("token: %v", got)
	}
}
