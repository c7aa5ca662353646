// Replay tests: histories that real runs of weft.Tree recorded on the
// in-process server replay with the SDK's replayer on a fresh worker (a
// new engine, so nothing is cached from the run); a changed tree is caught
// as non-determinism; and a run whose worker stopped mid-run finishes on a
// new worker, and its whole history replays on a third.

package temporal

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/weft-dev/weft"
)

// fetchHistory reads a workflow's whole history from the server.
func fetchHistory(t testing.TB, c client.Client, id string) *historypb.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

// countEvents counts a history's events of one type.
func countEvents(h *historypb.History, typ enumspb.EventType) int {
	n := 0
	for _, ev := range h.Events {
		if ev.GetEventType() == typ {
			n++
		}
	}
	return n
}

// replayWorker is a worker that is never started, with an engine of its
// own: a replay on it compiles the workflow afresh, as a worker on another
// machine would.
func replayWorker(t testing.TB, blobs Blobs) *Worker {
	t.Helper()
	w, err := NewWorker(server(t).GetDefaultClient(), WorkerOptions{Engine: engine(t), Blobs: blobs, TaskQueue: "replay-only"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func replay(t testing.TB, w *Worker, h *historypb.History) error {
	t.Helper()
	r, err := w.NewReplayer()
	if err != nil {
		t.Fatal(err)
	}
	return r.ReplayWorkflowHistory(nil, h)
}

// replayCases are the cases whose histories are replayed: every kind of
// command weft.Tree issues (activities, timers, cancellations of both,
// coroutines of Parallel) and the leaves that become activities.
var replayCases = []string{
	"parallel-strict", "parallel-any", "parallel-threshold-fails", "parallel-activities",
	"timeout-expires", "timeout-in-time", "timeout-halts-activity",
	"retry-then-success", "retry-gives-up", "delay", "reactive-sequence",
	"custom-node", "custom-node-bad-input", "for-each", "script-types",
	"javascript", "python", "log-message", "sub-tree-tree-id",
}

func caseNamed(t testing.TB, name string) wfCase {
	t.Helper()
	for _, tc := range cases {
		if tc.name == name {
			return tc
		}
	}
	t.Fatalf("no case %q in cases_test.go", name)
	return wfCase{}
}

func TestReplayCases(t *testing.T) {
	e := newEnv(t)
	rw := replayWorker(t, e.blobs)
	for _, name := range replayCases {
		tc := caseNamed(t, name)
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := e.runner.Run(ctx, tc.name+".yaml", []byte(tc.yaml), StartOptions{RunID: "replay-" + name + "-" + weft.NewRunID(), Inputs: tc.inputs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (%v), the case expects %s", res.Status, res.Err, tc.status)
			}
			h := fetchHistory(t, e.c, res.RunID)
			if last := h.Events[len(h.Events)-1].GetEventType(); last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
				t.Fatalf("the history ends with %s, not a completed workflow", last)
			}
			if err := replay(t, rw, h); err != nil {
				t.Fatalf("replay of %d events: %v", len(h.Events), err)
			}
		})
	}
}

// TestReplayDetectsChangedTree proves the replay above can fail: the
// history of a run whose first step is an activity, replayed with a source
// whose first step is a timer, is non-deterministic.
func TestReplayDetectsChangedTree(t *testing.T) {
	e := newEnv(t)
	tc := caseNamed(t, "custom-node")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := e.runner.Run(ctx, tc.name+".yaml", []byte(tc.yaml), StartOptions{Inputs: tc.inputs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "success" {
		t.Fatalf("status %s (%v)", res.Status, res.Err)
	}
	h := fetchHistory(t, e.c, res.RunID)
	rw := replayWorker(t, e.blobs)
	if err := replay(t, rw, h); err != nil {
		t.Fatalf("the unchanged history does not replay: %v", err)
	}

	// The same run, as if it had been started with another tree: a
	// WaitAction (a timer) now comes before the custom node (an activity).
	changed := []byte(`
type: Sequence
children:
  - {type: WaitAction, props: {waitMs: 10}}
  - {type: bench.reverse/reverse, id: rev, props: {s: "{{ word }}", outputs: {s: reversed}}}
  - {type: SetVariable, props: {key: again, value: "{{ reversed }}!"}}`)
	if _, err := e.blobs.Put(ctx, changed); err != nil {
		t.Fatal(err)
	}
	h2 := withSource(t, h, func(s *Source) {
		s.Inline, s.Digest = changed, Digest(changed)
	})
	err = replay(t, rw, h2)
	if err == nil {
		t.Fatal("a history replayed against a tree whose first step changed from an activity to a timer: no error")
	}
	if !strings.Contains(err.Error(), "TMPRL1100") && !strings.Contains(strings.ToLower(err.Error()), "nondetermin") {
		t.Fatalf("replay failed, but not as non-determinism: %v", err)
	}
	t.Logf("detected: %.300s", err)
}

// withSource returns a copy of h whose weft.Tree input names another
// source.
func withSource(t testing.TB, h *historypb.History, edit func(*Source)) *historypb.History {
	t.Helper()
	h = proto.Clone(h).(*historypb.History)
	attr := h.Events[0].GetWorkflowExecutionStartedEventAttributes()
	if attr == nil || len(attr.GetInput().GetPayloads()) != 1 {
		t.Fatalf("the history's first event is %s with no single input", h.Events[0].GetEventType())
	}
	dc := converter.GetDefaultDataConverter()
	var in TreeInput
	if err := dc.FromPayload(attr.Input.Payloads[0], &in); err != nil {
		t.Fatal(err)
	}
	edit(&in.Source)
	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	attr.Input.Payloads[0] = p
	return h
}

// TestReplayAcrossWorkerRestart stops the worker of a run while the run
// waits on a timer; a new worker (a fresh engine, the same blobs and task
// queue) finishes it, no step that had finished runs again, and the whole
// history, written by both, replays on a third worker.
func TestReplayAcrossWorkerRestart(t *testing.T) {
	srv := server(t)
	blobs := DirBlobs{Dir: t.TempDir()}
	queue := "q-restart-" + weft.NewRunID()
	// Each worker has a client of its own with its own identity, which the
	// history records on every task a worker took.
	newWorker := func(identity string) *Worker {
		c := srv.NewClientWithOptions(client.Options{Identity: identity})
		w, err := NewWorker(c, WorkerOptions{Engine: engine(t), Blobs: blobs, TaskQueue: queue})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		return w
	}
	src := []byte(`
type: Sequence
children:
  - {type: bench.reverse/reverse, id: before, props: {s: "{{ word }}", outputs: {s: first}}}
  - {type: WaitAction, id: wait, props: {waitMs: 800}}
  - {type: bench.reverse/reverse, id: after, props: {s: "{{ first }}", outputs: {s: second}}}`)
	w1 := newWorker("weft-worker-1")
	c := srv.GetDefaultClient()
	r := Runner{Client: c, Blobs: blobs, TaskQueue: queue}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := r.Start(ctx, "restart.yaml", src, StartOptions{Inputs: map[string]any{"word": "restart"}})
	if err != nil {
		t.Fatal(err)
	}

	// Stop the first worker once the run waits on its timer.
	for {
		h := fetchHistory(t, c, run.GetID())
		if countEvents(h, enumspb.EVENT_TYPE_TIMER_FIRED) > 0 {
			t.Fatal("the timer fired before the first worker could be stopped")
		}
		if countEvents(h, enumspb.EVENT_TYPE_TIMER_STARTED) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the run never started its timer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w1.Stop()
	stopped := time.Now()
	w2 := newWorker("weft-worker-2")
	defer w2.Stop()

	res, err := r.Result(ctx, run.GetID())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("finished %s after the first worker stopped", time.Since(stopped).Round(time.Millisecond))
	if res.Status != "success" || res.Blackboard["first"] != "tratser" || res.Blackboard["second"] != "restart" {
		t.Fatalf("result: status %s (%v), blackboard %v", res.Status, res.Err, res.Blackboard)
	}

	h := fetchHistory(t, c, run.GetID())
	if n := countEvents(h, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED); n != 2 {
		t.Errorf("%d activities scheduled, want 2 (one per custom node, none again)", n)
	}
	if n := countEvents(h, enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED); n != 2 {
		t.Errorf("%d activity attempts, want 2", n)
	}
	// Who did what: the first node and the timer on worker 1, the second
	// node and the end of the run on worker 2.
	var acts, tasksAfterTimer []string
	timerFired := false
	for _, ev := range h.Events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			acts = append(acts, ev.GetActivityTaskStartedEventAttributes().GetIdentity())
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			timerFired = true
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			if timerFired {
				tasksAfterTimer = append(tasksAfterTimer, ev.GetWorkflowTaskCompletedEventAttributes().GetIdentity())
			}
		}
	}
	if fmt.Sprint(acts) != "[weft-worker-1 weft-worker-2]" {
		t.Errorf("the two nodes ran on %v, want [weft-worker-1 weft-worker-2]", acts)
	}
	if len(tasksAfterTimer) == 0 {
		t.Error("no workflow task completed after the timer fired")
	}
	for _, id := range tasksAfterTimer {
		if id != "weft-worker-2" {
			t.Errorf("a workflow task after the restart ran on %s, want weft-worker-2 (all after timer: %v)", id, tasksAfterTimer)
		}
	}

	if err := replay(t, replayWorker(t, blobs), h); err != nil {
		t.Fatalf("replay of the history both workers wrote (%d events): %v", len(h.Events), err)
	}
}
