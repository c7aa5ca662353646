// The workflow version's tree: node types, kinds and the ids run events
// carry, generated ones included.

package server

import (
	"testing"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db/dbtest"
)

func TestWorkflowTree(t *testing.T) {
	ts := newTestServer(t, dbtest.Backends()[0])
	acme, globex := ts.tenant("acme", false), ts.tenant("globex", false)
	ts.putWorkflow(acme.developer, "tree", "type: Sequence\nid: root\nchildren:\n  - type: Retry\n    props: {maxAttempts: 2}\n    children:\n      - type: SuccessNode\n        id: ok\n  - type: LogMessage\n    name: Say\n    props: {message: hi}\n")
	var r api.WorkflowReply
	ts.decode(ts.expect("GET", "/api/v1/workflows/tree", acme.viewer, nil, 200), &r)
	tr := r.Workflow.Tree
	if tr == nil || tr.ID != "root" || tr.Kind != "composite" || len(tr.Children) != 2 {
		t.Fatalf("tree %+v", tr)
	}
	retry, log := tr.Children[0], tr.Children[1]
	if retry.Kind != "decorator" || retry.ID != "retry-2" || len(retry.Children) != 1 || retry.Children[0].ID != "ok" || retry.Children[0].Kind != "leaf" ||
		log.Name != "Say" || log.Type != "LogMessage" || log.Line != 9 || log.ID != "logmessage-4" {
		t.Fatalf("children %+v", tr.Children)
	}
	// A run's events name the same ids.
	run := ts.run(acme.runner, "tree", nil)
	var evs api.List[api.RunEvent]
	ts.decode(ts.expect("GET", "/api/v1/runs/"+run.ID+"/events", acme.viewer, nil, 200), &evs)
	seen := map[string]bool{}
	for _, e := range evs.Items {
		var ev struct{ Node string }
		ts.decode(e, &ev)
		seen[ev.Node] = true
	}
	for _, id := range []string{"root", "retry-2", "ok", log.ID} {
		if !seen[id] {
			t.Errorf("no event of node %s: %v", id, seen)
		}
	}
	ts.expectError("GET", "/api/v1/workflows/tree", globex.viewer, nil, 404, api.CodeNotFound)
}
