// weft.Node: the activity that runs one leaf of a tree (a custom node, a
// script, an HTTP request, a log sink) in a worker, under the same sandbox
// and limits as an embedded run, heartbeating while it works.

package temporal

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/weft-dev/weft"
)

func (w *Worker) node(ctx context.Context, in NodeInput) (*NodeOutput, error) {
	wf, err := w.workflowFor(ctx, in.Source)
	if err != nil {
		return nil, classify(err)
	}
	bb, err := in.Blackboard.unpackMap(ctx, w.o.Blobs)
	if err != nil {
		return nil, err // a blob store that failed: retry
	}
	// Heartbeats tell Temporal this worker is alive, and bring a
	// cancellation (the tree halted the node) into ctx.
	hbCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		every := w.o.HeartbeatTimeout / 3
		if every <= 0 {
			every = time.Second
		}
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-tk.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	res, err := wf.RunLeaf(ctx, weft.RunOptions{ID: in.RunID, Tenant: in.Source.Tenant},
		weft.LeafCall{Node: in.Node, ID: in.ID, Type: in.Type, Blackboard: bb})
	if err != nil {
		return nil, classify(err)
	}
	set, err := packValue(ctx, w.o.Blobs, res.Set, InlineLimit)
	if err != nil {
		return nil, err
	}
	return &NodeOutput{Status: res.Status, Error: res.Error, Set: set, Deleted: res.Deleted, Logs: res.Logs}, nil
}

// classify makes bad input a non-retryable error (retrying cannot mend
// it) and leaves everything else retryable (the worker's own faults).
func classify(err error) error {
	if errors.Is(err, weft.ErrInvalid) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "weft.Invalid", err)
	}
	return err
}
