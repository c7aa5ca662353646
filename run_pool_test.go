// Tests of tree reuse by Workflow.Run: a run on a reused tree starts as
// fresh as on a new one, concurrent runs never share a tree, and a
// cancelled run's tree is never run again. An internal test, to see the
// workflow's pool.

package weft

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmtest"
)

func poolEngine(t *testing.T) *Engine {
	t.Helper()
	eng, err := New(context.Background(), Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// stateful keeps state in every kind of built-in that has some: a Retry's
// attempts, a RunOnce's remembered result, a Repeat's cycles, a ForEach's
// index, a MemorySequence's position (left mid-way by a failed run), and
// reads a value only the first run's inputs hold.
const stateful = `
type: Sequence
id: root
children:
  - type: Retry
    id: retry
    props: {maxAttempts: 3}
    children:
      - type: Sequence
        children:
          - {type: CounterAction, props: {counterKey: tries}}
          - {type: CheckCondition, props: {key: tries, operator: ">=", value: "{{ need }}"}}
  - type: RunOnce
    children:
      - {type: SetVariable, props: {key: once, value: "{{ who }}"}}
  - type: Repeat
    props: {numCycles: 2}
    children:
      - {type: CounterAction, props: {counterKey: reps}}
  - type: ForEach
    props: {collectionKey: items, itemKey: item, indexKey: idx}
    children:
      - {type: CounterAction, props: {counterKey: seen}}
  - type: SetVariable
    props: {key: saw, value: "{{ secret ?? \"nothing\" }}"}
  - type: MemorySequence
    id: mem
    children:
      - {type: CounterAction, props: {counterKey: before}}
      - {type: CheckCondition, id: gate, props: {key: pass, value: true}}
`

func TestReusedTreeStartsFresh(t *testing.T) {
	eng := poolEngine(t)
	wf, err := eng.Load("stateful.yaml", []byte(stateful))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Run 1 fails at the MemorySequence's gate, which then remembers that
	// its first child succeeded; the failure is a clean end, so the tree is
	// kept.
	r1, err := wf.Run(ctx, RunOptions{Inputs: map[string]any{"need": 2, "who": "ada", "pass": false,
		"items": []any{"a", "b", "c"}, "secret": "s3cret"}})
	if err != nil || r1.Status != "failure" || !strings.Contains(r1.Err.Error(), `"gate"`) {
		t.Fatalf("run 1: %v %v %v", err, r1.Status, r1.Err)
	}
	if wf.trees.Idle() != 1 {
		t.Fatalf("the tree of a run that failed cleanly was not kept (idle %d)", wf.trees.Idle())
	}

	for i, who := range []string{"bob", "cy", "di"} {
		var logs []string
		var mu sync.Mutex
		res, err := wf.Run(ctx, RunOptions{ID: fmt.Sprintf("run-%d", i+2),
			Inputs: map[string]any{"need": 3, "who": who, "pass": true, "items": []any{"x"}},
			Events: func(e Event) {
				if e.Kind == "log" && e.Node == "retry" {
					mu.Lock()
					logs = append(logs, e.Message)
					mu.Unlock()
				}
			}})
		if err != nil || res.Status != "success" {
			t.Fatalf("run %d: %v %v %v", i+2, err, res.Status, res.Err)
		}
		bb := res.Blackboard
		want := map[string]any{
			"tries":  int64(3),  // three attempts, counted from 1
			"once":   who,       // the RunOnce ran its child again
			"reps":   int64(2),  // two cycles, counted from 0
			"seen":   int64(1),  // this run's one item
			"idx":    int64(0),  // at index 0
			"saw":    "nothing", // run 1's secret is gone
			"before": int64(1),  // the MemorySequence started at its first child
			"item":   "x",
		}
		for k, v := range want {
			if bb[k] != v {
				t.Errorf("run %d: %s = %#v, want %#v (blackboard %v)", i+2, k, bb[k], v, bb)
			}
		}
		if _, ok := bb["secret"]; ok {
			t.Errorf("run %d: the blackboard holds run 1's secret", i+2)
		}
		if len(logs) != 2 || !strings.HasPrefix(logs[0], "attempt 1 of 3 failed") || !strings.HasPrefix(logs[1], "attempt 2 of 3 failed") {
			t.Errorf("run %d: the Retry's logs %q, want attempts 1 and 2 of 3", i+2, logs)
		}
	}
	if wf.trees.Built() != 1 {
		t.Fatalf("built %d trees for 4 runs, want 1 (reused)", wf.trees.Built())
	}
}

// A custom node counts its attempts within a run (a Retry calls it again):
// a reused tree starts again at attempt 1, with this run's id and inputs.
func TestReusedTreeCustomNodeAttempts(t *testing.T) {
	eng := poolEngine(t)
	ctx := context.Background()
	if _, err := eng.AddPackage(ctx, wasmtest.GoExample(t)); err != nil {
		t.Fatal(err)
	}
	wf, err := eng.Load("attempts.yaml", []byte(`
type: Retry
props: {maxAttempts: 2}
children:
  - type: Sequence
    children:
      - {type: com.example.math/greet, id: hello, props: {name: "{{ who }}"}}
      - {type: FailureNode}
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, who := range []string{"ada", "bob", "cy"} {
		var logs []string
		var mu sync.Mutex
		id := fmt.Sprintf("run-%d", i+1)
		res, err := wf.Run(ctx, RunOptions{ID: id, Inputs: map[string]any{"who": who},
			Events: func(e Event) {
				if e.Kind == "log" && e.Node == "hello" {
					mu.Lock()
					logs = append(logs, e.Message)
					mu.Unlock()
				}
			}})
		if err != nil || res.Status != "failure" {
			t.Fatalf("run %d: %v %v", i+1, err, res)
		}
		want := []string{
			fmt.Sprintf("greeting %s (run %s, attempt 1)", who, id),
			fmt.Sprintf("greeting %s (run %s, attempt 2)", who, id),
		}
		if !slices.Equal(logs, want) {
			t.Fatalf("run %d: logs %q, want %q", i+1, logs, want)
		}
	}
	if wf.trees.Built() != 1 {
		t.Fatalf("built %d trees for 3 runs, want 1 (reused)", wf.trees.Built())
	}
}

// Many runs of one Workflow at once each get a tree of their own: every
// result is its own inputs' (run it with -race).
func TestConcurrentRunsAreIndependent(t *testing.T) {
	eng := poolEngine(t)
	wf, err := eng.Load("concurrent.yaml", []byte(`
type: Sequence
children:
  - type: Parallel
    children:
      - {type: SetVariable, props: {key: a, value: "{{ n * 2 }}"}}
      - type: Sequence
        children:
          - {type: WaitAction, props: {waitMs: 1}}
          - {type: SetVariable, props: {key: b, value: "{{ n + 1 }}"}}
  - type: ForEach
    props: {collectionKey: items, itemKey: item}
    children:
      - {type: CounterAction, props: {counterKey: count}}
  - type: SubTree
    props: {outputs: {inner: out}}
    children:
      - {type: SetVariable, props: {key: inner, value: "{{ name }}"}}
  - type: MemorySequence
    children:
      - {type: CounterAction, props: {counterKey: before}}
      - {type: CheckCondition, props: {key: pass, value: true}}
`))
	if err != nil {
		t.Fatal(err)
	}
	const workers, runs = 8, 30
	var wg sync.WaitGroup
	errs := make(chan error, workers*runs)
	for w := range workers {
		wg.Go(func() {
			for i := range runs {
				n := int64(w*1000 + i)
				items := make([]any, i%4)
				pass := i%3 != 0
				name := fmt.Sprintf("w%d-%d", w, i)
				res, err := wf.Run(context.Background(), RunOptions{
					Inputs: map[string]any{"n": n, "items": items, "name": name, "pass": pass}})
				if err != nil {
					errs <- err
					continue
				}
				wantStatus := "success"
				if !pass {
					wantStatus = "failure"
				}
				bb := res.Blackboard
				var count any
				if len(items) > 0 {
					count = int64(len(items))
				}
				if res.Status != wantStatus || bb["a"] != n*2 || bb["b"] != n+1 || bb["count"] != count ||
					bb["out"] != name || bb["before"] != int64(1) {
					errs <- fmt.Errorf("%s: status %s (want %s), blackboard %v", name, res.Status, wantStatus, bb)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b := wf.trees.Built(); b > workers*runs/2 {
		t.Errorf("built %d trees for %d runs: trees are not reused", b, workers*runs)
	}
}

// A cancelled run's tree (halted mid-way) is dropped; the next run builds
// a new one, which a clean run then gives back.
func TestCancelledRunTreeIsNotReused(t *testing.T) {
	eng := poolEngine(t)
	wf, err := eng.Load("wait.yaml", []byte(`
type: Sequence
children:
  - {type: SetVariable, props: {key: x, value: "{{ n }}"}}
  - {type: WaitAction, props: {waitMs: "{{ wait }}"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res, err := wf.Run(ctx, RunOptions{Inputs: map[string]any{"n": 1, "wait": 60_000}})
	if err != nil || res.Status != "failure" || !errors.Is(res.Err, context.DeadlineExceeded) {
		t.Fatalf("cancelled run: %v %v", err, res)
	}
	if wf.trees.Idle() != 0 {
		t.Fatal("the cancelled run's tree was kept")
	}
	for i := range 2 {
		res, err := wf.Run(context.Background(), RunOptions{Inputs: map[string]any{"n": 2, "wait": 0}})
		if err != nil || res.Status != "success" || res.Blackboard["x"] != int64(2) {
			t.Fatalf("run %d: %v %v", i, err, res)
		}
	}
	if wf.trees.Built() != 2 || wf.trees.Idle() != 1 {
		t.Fatalf("built %d, idle %d; want 2 (the cancelled run's and one reused) and 1", wf.trees.Built(), wf.trees.Idle())
	}
}
