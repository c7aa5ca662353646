// SubTree with treeId, as @wayfarer-ai/btree files use it: the documents of
// one file after the first are trees registered under their roots' ids;
// `weft run` runs them in scopes of their own, and `weft validate` reports
// unknown ids and cycles. And the warnings `weft validate` gives for names
// no earlier node writes, which never refuse a workflow (neither the
// command line nor the server).

package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/api"
)

// btreeFile is the shape of btree's docs ("Use SubTrees for Reusability"):
// the two files common-validation.yaml and main-workflow.yaml, concatenated
// with `---`, the referenced tree after the workflow.
const btreeFile = `type: Sequence
id: api-endpoint
children:
  - type: SubTree
    id: validation
    props:
      treeId: "common-validation"
      outputs: {verdict: verdict}
  - type: SubTree
    id: validation-again
    props:
      treeId: "common-validation"
  - type: PrintAction
    id: process
    props: {message: "request {{ request }}: {{ verdict }}", outputKey: processed}
---
type: Sequence
id: common-validation
children:
  - {type: SetVariable, id: check-auth, props: {key: verdict, value: "ok for {{ request }}"}}
  - {type: CounterAction, id: count-checks, props: {counterKey: checks}}
`

func TestSubTreeTreeIDRuns(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "main-workflow.yaml", btreeFile)
	home := t.TempDir()
	r := weft(t, home, "run", f, "--input", "request=r1", "--output", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	out := parseRun(t, r)
	if out.Status != "success" {
		t.Fatalf("status %s: %+v", out.Status, out)
	}
	if got := out.Blackboard["processed"]; got != "request r1: ok for r1" {
		t.Errorf("processed = %v", got)
	}
	// Each run of the tree has a scope of its own, dropped when it ends:
	// the counter starts afresh each time and never reaches the workflow.
	if _, ok := out.Blackboard["checks"]; ok {
		t.Errorf("a write inside the named tree leaked out: %v", out.Blackboard)
	}
	if v := out.Blackboard["verdict"]; v != "ok for r1" {
		t.Errorf("verdict (an output) = %v", v)
	}
	// The tree's nodes ran twice, one instance per SubTree, in the journal.
	show := weft(t, home, "runs", "show", out.RunID, "--output", "json")
	if show.code != 0 {
		t.Fatalf("runs show: exit %d: %s", show.code, show.stderr)
	}
	if n := strings.Count(show.stdout, `"check-auth"`); n < 2 {
		t.Errorf("check-auth appears %d times in the run's events, want it run twice:\n%s", n, show.stdout)
	}
	// The input the runs give is no warning once validate is told of it.
	if v := weft(t, home, "validate", f, "--input", "request"); v.code != 0 || v.stderr != "" {
		t.Errorf("validate --input request: exit %d, stderr %q", v.code, v.stderr)
	}
	in := writeFile(t, dir, "in.json", `{"request": "r9"}`)
	if v := weft(t, home, "validate", "--inputs", in, f); v.code != 0 || v.stderr != "" {
		t.Errorf("validate --inputs: exit %d, stderr %q", v.code, v.stderr)
	}
	if v := weft(t, home, "validate", f); v.code != 0 || !strings.Contains(v.stderr, `main-workflow.yaml:20:70: warning: SetVariable "check-auth": prop value reads "request", which no earlier node writes`) {
		t.Errorf("validate without the input: exit %d, stderr %q", v.code, v.stderr)
	}
}

func TestSubTreeTreeIDValidate(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "bad.yaml", `type: Sequence
id: main
children:
  - type: SubTree
    id: call-missing
    props: {treeId: comon-validation}
  - type: SubTree
    id: call-loop
    props: {treeId: loop-a}
---
type: SuccessNode
id: common-validation
---
type: SubTree
id: loop-a
props: {treeId: loop-b}
---
type: Sequence
id: loop-b
children:
  - type: SubTree
    id: back-to-a
    props: {treeId: loop-a}
`)
	r := weft(t, t.TempDir(), "validate", f)
	if r.code != 2 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`bad.yaml:6:21: SubTree "call-missing": treeId "comon-validation": no tree of this file has that id (its trees: "common-validation", "loop-a", "loop-b") (did you mean "common-validation"?)`,
		`bad.yaml:23:21: SubTree "back-to-a": treeId "loop-a" makes a cycle of trees ("loop-a" -> "loop-b" -> "loop-a"): a tree must not run itself, directly or through other trees`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stderr)
		}
	}
	// A cycle is refused before anything runs.
	if run := weft(t, t.TempDir(), "run", f); run.code != 2 || !strings.Contains(run.stderr, "makes a cycle of trees") {
		t.Errorf("run: exit %d\n%s", run.code, run.stderr)
	}
}

const warnFile = `type: Sequence
id: greet
children:
  - {type: SetVariable, id: set-user, props: {key: user, value: ann}}
  - {type: PrintAction, id: hello, props: {message: "hello {{ usr }} from {{ city }}", outputKey: said}}
---
{type: SuccessNode, id: spare}
`

func TestValidateWarnsOfUnwrittenNames(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "warn.yaml", warnFile)
	home := t.TempDir()
	r := weft(t, home, "validate", f)
	if r.code != 0 {
		t.Fatalf("warnings only: exit %d, want 0\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "warn.yaml: valid") {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, want := range []string{
		`warn.yaml:5:53: warning: PrintAction "hello": prop message reads "usr", which no earlier node writes: unless the run's inputs give it (--input usr=...), the node fails (did you mean "user"?)`,
		`warn.yaml:5:53: warning: PrintAction "hello": prop message reads "city", which no earlier node writes`,
		`warn.yaml:7:1: warning: tree "spare" is never run: no SubTree of the workflow names it in treeId`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stderr)
		}
	}
	// The names may come from the run's inputs: the run is allowed.
	run := weft(t, home, "run", f, "--input", "usr=bob", "--input", "city=Oslo", "--output", "json")
	if run.code != 0 {
		t.Fatalf("run: exit %d\n%s", run.code, run.stderr)
	}
	if got := parseRun(t, run).Blackboard["said"]; got != "hello bob from Oslo" {
		t.Errorf("said = %v", got)
	}
}

// TestServerAcceptsWorkflowsWithWarnings: the API has no place for these
// warnings; a workflow that has only warnings is valid there.
func TestServerAcceptsWorkflowsWithWarnings(t *testing.T) {
	home := t.TempDir()
	srv := startServe(t, home, freeAddr(t))
	token := srv.tenantToken(t, "acme", "developer")
	var v api.Validation
	decode(t, srv.must(t, "POST", "/api/v1/workflows/validate", token, yamlBody(warnFile), http.StatusOK), &v)
	if !v.Valid || len(v.Problems) != 0 || len(v.Warnings) != 0 {
		t.Errorf("validate reply %+v", v)
	}
	srv.putWorkflow(t, token, "greet", warnFile)
	// And a file with named trees is stored and run by the server too.
	srv.putWorkflow(t, token, "api-endpoint", btreeFile)
	run := srv.startRun(t, token, "api-endpoint", map[string]any{"request": "r2"})
	ended := srv.waitEnded(t, token, []string{run.ID}, 60e9)
	if got := ended[run.ID]; got.Status != "success" {
		data, _ := json.Marshal(got)
		t.Fatalf("run %s", data)
	}
}
