// Starting and following runs on Temporal: what `weft run --temporal` and
// the server's Temporal engine use.

package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/value"
)

// Runner starts weft runs on a Temporal task queue that weft workers
// poll.
type Runner struct {
	Client    client.Client
	Blobs     Blobs
	TaskQueue string
}

// StartOptions configure one run.
type StartOptions struct {
	// RunID is the run's id and its Temporal workflow id; default a new
	// ULID.
	RunID string
	// Tenant whose packages the workflow uses; default "default".
	Tenant string
	// Lock pins the custom node types to package digests; a worker loads
	// exactly those.
	Lock *weft.Lock
	// Inputs seed the blackboard.
	Inputs map[string]any
}

// Start puts the workflow's source in the blob store and starts a
// weft.Tree run of it.
//
// # Errors
//
// Inputs with no JSON form, a blob store or Temporal that failed.
func (r *Runner) Start(ctx context.Context, name string, src []byte, o StartOptions) (client.WorkflowRun, error) {
	if o.RunID == "" {
		o.RunID = weft.NewRunID()
	}
	if o.Tenant == "" {
		o.Tenant = "default"
	}
	digest, err := r.Blobs.Put(ctx, src)
	if err != nil {
		return nil, err
	}
	s := Source{Name: name, Digest: digest, Tenant: o.Tenant, Lock: o.Lock}
	if len(src) <= InlineLimit {
		s.Inline = src
	}
	inputs, err := normalize(o.Inputs)
	if err != nil {
		return nil, err
	}
	in, err := packValue(ctx, r.Blobs, inputs, InlineLimit)
	if err != nil {
		return nil, err
	}
	return r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: o.RunID, TaskQueue: r.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, WorkflowName, TreeInput{Source: s, RunID: o.RunID, Inputs: in})
}

// ErrCanceled is the error of a run that was cancelled.
var ErrCanceled = errors.New("run cancelled")

// Result waits for a run to end and returns it as an embedded run's
// Result.
//
// # Errors
//
// ErrCanceled for a cancelled run; the workflow's failure (a worker that
// could not load the workflow, a weft version it does not run).
func (r *Runner) Result(ctx context.Context, runID string) (*weft.Result, error) {
	var out TreeOutput
	err := r.Client.GetWorkflow(ctx, runID, "").Get(ctx, &out)
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return nil, fmt.Errorf("%w: %s", ErrCanceled, runID)
	}
	if err != nil {
		return nil, err
	}
	bb, err := out.Blackboard.unpackMap(ctx, r.Blobs)
	if err != nil {
		return nil, err
	}
	res := &weft.Result{RunID: out.RunID, Status: out.Status, Blackboard: bb, Duration: time.Duration(out.DurationMs) * time.Millisecond}
	if out.Error != "" {
		res.Err = errors.New(out.Error)
	}
	return res, nil
}

// Run starts a run, passes its events to events (when set) as they are
// recorded, and returns its result. When ctx ends first, the run is
// cancelled on Temporal (its tree halts there) and Run returns once it
// has ended, with a failed Result whose error is ctx's cause.
//
// # Errors
//
// As Start and Result.
func (r *Runner) Run(ctx context.Context, name string, src []byte, o StartOptions, events func(weft.Event)) (*weft.Result, error) {
	run, err := r.Start(ctx, name, src, o)
	if err != nil {
		return nil, err
	}
	id := run.GetID()
	wait := context.WithoutCancel(ctx) // the result is read even after a cancel
	done := make(chan struct{})
	var res *weft.Result
	var rerr error
	go func() {
		defer close(done)
		res, rerr = r.Result(wait, id)
	}()
	next := 0
	tk := time.NewTicker(100 * time.Millisecond)
	defer tk.Stop()
	ctxDone := ctx.Done()
	for {
		select {
		case <-done:
			if events != nil {
				r.follow(wait, id, &next, events) // the last events
			}
			if errors.Is(rerr, ErrCanceled) && ctx.Err() != nil {
				return &weft.Result{RunID: id, Status: "failure", Err: context.Cause(ctx)}, nil
			}
			return res, rerr
		case <-ctxDone:
			ctxDone = nil
			if err := r.Cancel(wait, id); err != nil {
				return nil, fmt.Errorf("cancelling run %s: %w", id, err)
			}
		case <-tk.C:
			if events != nil {
				r.follow(wait, id, &next, events)
			}
		}
	}
}

// RunWorkflow runs a loaded workflow on Temporal as wf.Run would run it in
// this process: the same source, the package digests it resolved (its
// Lock), the same options. It is what `weft run --temporal` and `weft serve
// --engine temporal` run through.
//
//	res, err := runner.RunWorkflow(ctx, wf, weft.RunOptions{Inputs: in, Events: print})
//
// # Errors
//
// As Run. A run id that Temporal already has attaches to that run (a
// server that took over another's run follows it instead of starting it
// again).
func (r *Runner) RunWorkflow(ctx context.Context, wf *weft.Workflow, o weft.RunOptions) (*weft.Result, error) {
	tenant := o.Tenant
	if tenant == "" {
		tenant = wf.Tenant()
	}
	name := wf.File()
	if name == "" {
		name = wf.ID()
	}
	var lock *weft.Lock
	if len(wf.Packages()) > 0 {
		lock = wf.Lock()
	}
	return r.Run(ctx, name, wf.Source(), StartOptions{RunID: o.ID, Tenant: tenant, Lock: lock, Inputs: o.Inputs}, o.Events)
}

// follow asks a run for its events from *next on.
func (r *Runner) follow(ctx context.Context, id string, next *int, events func(weft.Event)) {
	v, err := r.Client.QueryWorkflow(ctx, id, "", EventsQuery, *next)
	if err != nil {
		return // not started yet, or between tasks: ask again
	}
	var page EventsPage
	if v.Get(&page) != nil {
		return
	}
	for _, e := range page.Events {
		events(e)
	}
	*next = page.Next
}

// Cancel asks Temporal to cancel a run; its tree is halted.
func (r *Runner) Cancel(ctx context.Context, runID string) error {
	return r.Client.CancelWorkflow(ctx, runID, "")
}

func normalize(in map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for k, v := range in {
		n, err := value.Normalize(v)
		if err != nil {
			return nil, fmt.Errorf("%w: input %q: %w", weft.ErrInvalid, k, err)
		}
		out[k] = n
	}
	return out, nil
}
