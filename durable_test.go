// Tests of the durable-run seam on the machine's own clock: a tree whose
// I/O leaves go through Leaves (here RunLeaf on a goroutine) ends as the
// same workflow run embedded.

package weft_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/weft-dev/weft"
)

// goLeaves runs each leaf with RunLeaf on a goroutine of its own.
type goLeaves struct {
	wf    *weft.Workflow
	calls int
}

func (g *goLeaves) Start(ctx context.Context, call weft.LeafCall, done func(weft.LeafResult)) func() {
	g.calls++
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		res, err := g.wf.RunLeaf(ctx, weft.RunOptions{}, call)
		if err != nil {
			res = weft.LeafResult{Status: "failure", Error: err.Error()}
		}
		done(res)
	}()
	return cancel
}

func TestRunDurableMatchesRun(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range []struct {
		name, yaml string
		leaves     int // leaves handed to Leaves
	}{
		{"inline only", `
type: Sequence
children:
  - {type: SetVariable, props: {key: a, value: 1.0}}
  - {type: Script, props: {textContent: "b = a * 2"}}`, 0},
		{"javascript and log", `
type: Sequence
children:
  - {type: JavaScriptInterpreter, props: {outputKey: js, script: "result = {n: 2, f: 0.5}"}}
  - {type: LogMessage, props: {message: "js is {{ js.n }}"}}
  - {type: SetVariable, props: {key: after, value: "{{ js.n + 1 }}"}}`, 2},
		{"failing leaf", `
type: Sequence
children:
  - {type: SetVariable, props: {key: a, value: 1}}
  - {type: JavaScriptInterpreter, id: boom, props: {script: "throw new Error('boom')"}}`, 1},
		{"leaf in a scope", `
type: SubTree
props: {outputs: {r: r}}
children:
  - {type: JavaScriptInterpreter, props: {outputKey: r, script: "result = 7"}}`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wf, err := eng.Load(tc.name+".yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			want, err := wf.Run(ctx, weft.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			g := &goLeaves{wf: wf}
			got, err := wf.RunDurable(ctx, weft.RunOptions{}, weft.DurableOptions{Leaves: g})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status || !reflect.DeepEqual(got.Blackboard, want.Blackboard) {
				t.Errorf("durable %s %#v, embedded %s %#v", got.Status, got.Blackboard, want.Status, want.Blackboard)
			}
			if (got.Err == nil) != (want.Err == nil) || (got.Err != nil && got.Err.Error() != want.Err.Error()) {
				t.Errorf("durable error %v, embedded %v", got.Err, want.Err)
			}
			if g.calls != tc.leaves {
				t.Errorf("%d leaves went through Leaves, want %d", g.calls, tc.leaves)
			}
		})
	}
	wf, _ := eng.Load("x.yaml", []byte("type: SuccessNode"))
	if _, err := wf.RunLeaf(ctx, weft.RunOptions{}, weft.LeafCall{Node: 3}); err == nil {
		t.Error("RunLeaf of a node that is not there: no error")
	}
	if _, err := wf.RunDurable(ctx, weft.RunOptions{}, weft.DurableOptions{}); err == nil {
		t.Error("RunDurable without Leaves: no error")
	}
}

// everyN is the machine's scheduler asking for a checkpoint at every nth
// loop iteration boundary: the continue-as-new of a durable engine,
// without one.
type everyN struct {
	weft.Scheduler
	n, asked int
}

func (s *everyN) ShouldCheckpoint() bool {
	s.asked++
	return s.asked%s.n == 0
}

// TestRunDurableCheckpoints runs loops in a chain of runs, each resumed
// from the previous one's checkpoint (through its Value, as a durable
// engine carries it), and expects what one embedded run gives.
func TestRunDurableCheckpoints(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range []struct {
		name, yaml string
		minRuns    int
	}{
		{"repeat in a sequence", `
type: Sequence
children:
  - {type: SetVariable, props: {key: before, value: 1}}
  - type: Repeat
    props: {numCycles: 25}
    children:
      - type: Sequence
        children:
          - {type: CounterAction, props: {counterKey: n}}
          - {type: JavaScriptInterpreter, props: {outputKey: js, script: "result = 1"}}
  - {type: SetVariable, props: {key: after, value: "{{ n }}"}}`, 5},
		{"while", `
type: While
props: {maxIterations: 100}
children:
  - {type: CheckCondition, props: {key: n, operator: "<", value: 12}}
  - {type: CounterAction, props: {counterKey: n}}`, 3},
		{"keep running until failure", `
type: KeepRunningUntilFailure
children:
  - type: Sequence
    children:
      - {type: CounterAction, props: {counterKey: n}}
      - {type: CheckCondition, props: {key: n, operator: "<", value: 9}}`, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wf, err := eng.Load("loop.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			want, err := wf.Run(ctx, weft.RunOptions{Inputs: map[string]any{"n": 0}})
			if err != nil {
				t.Fatal(err)
			}
			var resume *weft.Checkpoint
			runs := 0
			var got *weft.Result
			for {
				runs++
				if runs > 100 {
					t.Fatal("no end after 100 runs")
				}
				got, err = wf.RunDurable(ctx, weft.RunOptions{Inputs: map[string]any{"n": 0}},
					weft.DurableOptions{Scheduler: &everyN{Scheduler: weft.RealTime(), n: 4}, Leaves: &goLeaves{wf: wf}, Resume: resume})
				if err != nil {
					t.Fatal(err)
				}
				var cp *weft.Checkpoint
				if !errors.As(got.Err, &cp) {
					break
				}
				if got.Status != "running" || !errors.Is(got.Err, weft.ErrCheckpoint) {
					t.Fatalf("checkpointed run: status %s, err %v", got.Status, got.Err)
				}
				if resume, err = weft.CheckpointFromValue(cp.Value()); err != nil {
					t.Fatal(err)
				}
			}
			if runs < tc.minRuns {
				t.Errorf("%d runs, expected at least %d (checkpoints were not taken)", runs, tc.minRuns)
			}
			if got.Status != want.Status || !reflect.DeepEqual(got.Blackboard, want.Blackboard) {
				t.Errorf("after %d runs: %s %v\nembedded: %s %v", runs, got.Status, got.Blackboard, want.Status, want.Blackboard)
			}
		})
	}
}

func TestRunDurableBadCheckpoint(t *testing.T) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	wf, err := eng.Load("x.yaml", []byte("type: SetVariable\nprops: {key: a, value: 1}"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := weft.CheckpointFromValue("nope"); !errors.Is(err, weft.ErrInvalid) {
		t.Errorf("a string as a checkpoint: %v", err)
	}
	cp := &weft.Checkpoint{Blackboard: map[string]any{}, Nodes: []weft.NodeState{{Index: 7, Type: "Repeat"}}}
	_, err = wf.RunDurable(ctx, weft.RunOptions{}, weft.DurableOptions{Leaves: &goLeaves{wf: wf}, Resume: cp})
	if !errors.Is(err, weft.ErrInvalid) {
		t.Errorf("a checkpoint of another tree: %v", err)
	}
}
