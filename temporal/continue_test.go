// Continue-as-new of long loops (issue 12): a Repeat, While or
// KeepRunningUntilFailure stops at an iteration boundary when Temporal
// suggests it (or every CheckpointEvery iterations) and the same run goes
// on in a fresh history, with its blackboard and the tree's position.

package temporal

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/weft-dev/weft"
)

// startTree starts a weft.Tree run of src as Runner.Start does, with a
// CheckpointEvery that Runner does not set.
func startTree(t *testing.T, e *env, src string, every int) client.WorkflowRun {
	t.Helper()
	ctx := context.Background()
	digest, err := e.blobs.Put(ctx, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	in, err := packValue(ctx, e.blobs, map[string]any{"n": int64(0)}, InlineLimit)
	if err != nil {
		t.Fatal(err)
	}
	id := weft.NewRunID()
	run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: e.runner.TaskQueue}, WorkflowName,
		TreeInput{Source: Source{Name: "loop.yaml", Digest: digest, Inline: []byte(src), Tenant: "default"}, RunID: id, Inputs: in, CheckpointEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// chain counts the runs of a workflow id that continued as new, from the
// first one on, and returns it with the last run's status.
func chain(t *testing.T, e *env, id, runID string) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for {
		n++
		iter := e.c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		var next string
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		if next == "" {
			return n
		}
		runID = next
	}
}

func TestContinueAsNewEvery(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, yaml, key string
		want            int64
	}{
		{"repeat", `
type: Sequence
children:
  - type: Repeat
    props: {numCycles: 30}
    children:
      - type: Sequence
        children:
          - {type: CounterAction, props: {counterKey: n}}
          - {type: WaitAction, props: {waitMs: 1}}
  - {type: SetVariable, props: {key: after, value: "{{ n }}"}}`, "after", 30},
		{"while", `
type: While
props: {maxIterations: 100}
children:
  - {type: CheckCondition, props: {key: n, operator: "<", value: 25}}
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: n}}
      - {type: bench.reverse/reverse, props: {s: "ab", outputs: {s: r}}}`, "n", 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			run := startTree(t, e, tc.yaml, 10)
			res, err := e.runner.Result(ctx, run.GetID())
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != "success" || res.Blackboard[tc.key] != tc.want {
				t.Fatalf("status %s (%v), %s = %#v, want %d", res.Status, res.Err, tc.key, res.Blackboard[tc.key], tc.want)
			}
			if n := chain(t, e, run.GetID(), run.GetRunID()); n < 3 {
				t.Errorf("%d runs in the chain, expected at least 3 (one every 10 iterations)", n)
			}
		})
	}
}

// TestContinueAsNewSuggested runs a 10,000-iteration Repeat whose every
// 50th cycle runs a node activity (6 history events each), so that
// Temporal itself suggests continuing as new (the test server suggests it
// after 400 events, see server) several times in one run.
func TestContinueAsNewSuggested(t *testing.T) {
	mod := 50
	if s := os.Getenv("WEFT_CAN_MOD"); s != "" {
		mod, _ = strconv.Atoi(s)
	}
	e := newEnv(t)
	src := `
type: Repeat
props: {numCycles: 10000}
children:
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: n}}
      - type: ForceSuccess
        children:
          - type: Sequence
            children:
              - {type: Script, props: {textContent: "m = n % ` + strconv.Itoa(mod) + `"}}
              - {type: CheckCondition, props: {key: m, operator: "==", value: 0}}
              - {type: bench.reverse/reverse, props: {s: "ab", outputs: {s: r}}}`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	run := startTree(t, e, src, 0)
	res, err := e.runner.Result(ctx, run.GetID())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if res.Status != "success" || res.Blackboard["n"] != int64(10000) {
		t.Fatalf("status %s (%v), n = %#v, want 10000", res.Status, res.Err, res.Blackboard["n"])
	}
	n := chain(t, e, run.GetID(), run.GetRunID())
	if n < 2 {
		t.Errorf("the run never continued as new (%d run)", n)
	}
	t.Logf("10,000 cycles in %v, %d runs in the chain", took, n)
}
