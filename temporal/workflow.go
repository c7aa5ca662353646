// weft.Tree: the workflow type that ticks a weft tree deterministically
// inside Temporal. Built-in composites, decorators and pure leaves tick
// here; every other leaf is a weft.Node activity; Delay, Timeout,
// WaitAction and Retry's back-off are Temporal timers; Parallel's
// branches are workflow coroutines.

package temporal

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/weft-dev/weft"
)

// treeVersion guards changes of how weft.Tree ticks a tree
// (workflow.GetVersion): a change that would tick an old history
// differently raises it and keeps the old way for histories that recorded
// the old version.
//
// Version 2 continues long loops as new (checkpoints): a version-1
// history, recorded by a weft that never did, replays without them.
const treeVersion = 2

// minTreeVersion is the oldest tree version this worker still replays.
const minTreeVersion = 1

// Source names a workflow's source: its digest, and the text itself when
// it is small enough for the history (else workers read it from Blobs).
type Source struct {
	Name   string     `json:"name"`
	Digest string     `json:"digest"`
	Inline []byte     `json:"inline,omitempty"`
	Tenant string     `json:"tenant"`
	Lock   *weft.Lock `json:"lock,omitempty"`
}

// TreeInput is weft.Tree's argument.
type TreeInput struct {
	Source Source `json:"source"`
	RunID  string `json:"run_id"`
	Inputs Value  `json:"inputs"`
	// Resume, in a run continued as new, is the checkpoint
	// (weft.Checkpoint's Value) where the previous run stopped; Inputs
	// are then unused.
	Resume *Value `json:"resume,omitempty"`
	// Dropped, in a run continued as new, counts the events of the runs
	// before it, so that EventsQuery's indices go on across the chain.
	Dropped int `json:"dropped,omitempty"`
	// CheckpointEvery, when above 0, continues the run as new every that
	// many loop iterations even before Temporal suggests it: for tests,
	// and to keep a run's histories short. It carries over to the next run.
	CheckpointEvery int `json:"checkpoint_every,omitempty"`
}

// TreeOutput is weft.Tree's result. A tree that ran and failed is a
// completed workflow whose Status is "failure", as an embedded run's
// Result is not an error.
type TreeOutput struct {
	RunID      string `json:"run_id"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	Blackboard Value  `json:"blackboard"`
	// DurationMs is the run's duration on the workflow's clock.
	DurationMs int64 `json:"duration_ms"`
}

// NodeInput is weft.Node's argument: which leaf of which workflow, on
// what blackboard.
type NodeInput struct {
	Source     Source `json:"source"` // without Inline: workers share Blobs
	RunID      string `json:"run_id"`
	Node       int    `json:"node"`
	ID         string `json:"id"`
	Type       string `json:"type"`
	Blackboard Value  `json:"blackboard"`
}

// NodeOutput is weft.Node's result.
type NodeOutput struct {
	Status  string         `json:"status"`
	Error   string         `json:"error,omitempty"`
	Set     Value          `json:"set"`
	Deleted []string       `json:"deleted,omitempty"`
	Logs    []weft.LeafLog `json:"logs,omitempty"`
}

// maxEvents is how many events a run keeps for EventsQuery.
const maxEvents = 100_000

func (w *Worker) tree(ctx workflow.Context, in TreeInput) (*TreeOutput, error) {
	v := workflow.GetVersion(ctx, "weft.Tree", workflow.DefaultVersion, treeVersion)
	if v < minTreeVersion || v > treeVersion {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("this history was recorded by a weft whose tree version was %d; this worker runs %d to %d", v, minTreeVersion, treeVersion), "weft.Version", nil)
	}
	runID := in.RunID
	if runID == "" {
		runID = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	bg := context.Background()
	wf, err := w.workflowFor(bg, in.Source)
	if err != nil {
		if errors.Is(err, weft.ErrInvalid) {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "weft.Invalid", nil)
		}
		panic(err) // not this history's fault: fail the task, retry it (perhaps elsewhere)
	}
	var inputs map[string]any
	var resume *weft.Checkpoint
	if in.Resume != nil {
		cv, err := in.Resume.unpack(bg, w.o.Blobs)
		if err != nil {
			panic(fmt.Errorf("run %s: checkpoint: %w", runID, err))
		}
		if resume, err = weft.CheckpointFromValue(cv); err != nil {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "weft.Invalid", nil)
		}
	} else if inputs, err = in.Inputs.unpackMap(bg, w.o.Blobs); err != nil {
		panic(fmt.Errorf("run %s: inputs: %w", runID, err))
	}
	var events []weft.Event
	dropped := in.Dropped
	if err := workflow.SetQueryHandler(ctx, EventsQuery, func(from int) (EventsPage, error) {
		return eventsPage(events, dropped, from), nil
	}); err != nil {
		return nil, err
	}
	runCtx, cancelRun := context.WithCancel(bg)
	defer cancelRun()
	s := newScheduler(ctx, cancelRun)
	s.checkpoints = v >= 2
	s.every = in.CheckpointEvery
	leaves := &activityLeaves{w: w, s: s, src: in.Source, runID: runID}
	leaves.src.Inline = nil
	res, err := wf.RunDurable(runCtx, weft.RunOptions{ID: runID, Tenant: in.Source.Tenant, Inputs: inputs,
		Events: func(e weft.Event) {
			if len(events) == maxEvents {
				events = events[1:]
				dropped++
			}
			events = append(events, e)
		}},
		weft.DurableOptions{Scheduler: s, Leaves: leaves, Resume: resume})
	if err != nil {
		if errors.Is(err, weft.ErrInvalid) {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), "weft.Invalid", nil)
		}
		return nil, err
	}
	var cp *weft.Checkpoint
	if errors.As(res.Err, &cp) && ctx.Err() == nil {
		// A long loop stopped at an iteration boundary: the same run goes
		// on in a fresh history, from the checkpoint (big blackboards by
		// reference).
		v, err := packValue(bg, w.o.Blobs, cp.Value(), InlineLimit)
		if err != nil {
			panic(fmt.Errorf("run %s: storing the checkpoint: %w", runID, err))
		}
		next := in
		next.RunID, next.Inputs, next.Resume, next.Dropped = runID, Value{}, &v, dropped+len(events)
		return nil, workflow.NewContinueAsNewError(ctx, WorkflowName, next)
	}
	if ctx.Err() != nil {
		return nil, temporal.NewCanceledError(res.Err.Error())
	}
	bb, err := packValue(bg, w.o.Blobs, res.Blackboard, InlineLimit)
	if err != nil {
		panic(fmt.Errorf("run %s: storing the blackboard: %w", runID, err))
	}
	out := &TreeOutput{RunID: runID, Status: res.Status, Blackboard: bb, DurationMs: res.Duration.Milliseconds()}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	return out, nil
}

// EventsPage is EventsQuery's answer: the events from an index on.
type EventsPage struct {
	Events []weft.Event `json:"events"`
	// Next is the index to ask from next time.
	Next int `json:"next"`
	// Dropped counts the oldest events no longer kept.
	Dropped int `json:"dropped,omitempty"`
}

func eventsPage(events []weft.Event, dropped, from int) EventsPage {
	i := from - dropped
	if i < 0 {
		i = 0
	}
	if i > len(events) {
		i = len(events)
	}
	return EventsPage{Events: append([]weft.Event(nil), events[i:]...), Next: dropped + len(events), Dropped: dropped}
}

// activityLeaves runs a durable run's I/O leaves as weft.Node activities.
type activityLeaves struct {
	w     *Worker
	s     *scheduler
	src   Source
	runID string
}

var _ weft.Leaves = (*activityLeaves)(nil)

func (a *activityLeaves) Start(_ context.Context, call weft.LeafCall, done func(weft.LeafResult)) (cancel func()) {
	bg := context.Background()
	bb, err := packValue(bg, a.w.o.Blobs, call.Blackboard, InlineLimit)
	if err != nil {
		panic(fmt.Errorf("run %s: node %s: storing its blackboard: %w", a.runID, call.ID, err))
	}
	actx, cancelAct := workflow.WithCancel(a.s.dctx)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{
		StartToCloseTimeout: a.w.o.ActivityTimeout,
		HeartbeatTimeout:    a.w.o.HeartbeatTimeout,
		Summary:             call.ID + " (" + call.Type + ")",
		RetryPolicy: &temporal.RetryPolicy{
			// Temporal retries the worker's own faults (a worker that died,
			// a package store that failed); the node's failures are results
			// and the tree's Retry decorator is the author's.
			NonRetryableErrorTypes: []string{"weft.Invalid"},
		},
	})
	fut := workflow.ExecuteActivity(actx, ActivityName, NodeInput{Source: a.src, RunID: a.runID,
		Node: call.Node, ID: call.ID, Type: call.Type, Blackboard: bb})
	a.s.pending++
	a.s.spawn(func(c workflow.Context) {
		var out NodeOutput
		err := fut.Get(c, &out)
		a.s.cur = c
		a.s.pending--
		var canceled *temporal.CanceledError
		if errors.As(err, &canceled) {
			return // halted: the tree no longer waits for it
		}
		if err != nil {
			done(weft.LeafResult{Status: "failure", Error: activityError(err)})
			return
		}
		set, err := out.Set.unpackMap(bg, a.w.o.Blobs)
		if err != nil {
			panic(fmt.Errorf("run %s: node %s: reading its values: %w", a.runID, call.ID, err))
		}
		done(weft.LeafResult{Status: out.Status, Error: out.Error, Set: set, Deleted: out.Deleted, Logs: out.Logs})
	})
	return cancelAct
}

// activityError is the message of an activity that failed for good: the
// application error's own message, not the SDK's wrapping.
func activityError(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}
