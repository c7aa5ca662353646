// Replaying recorded weft.Tree histories with the SDK's replayer: the check
// that a weft (or workflow source) about to be deployed still ticks the
// runs already in flight the way their histories recorded.

package temporal

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// RegisterReplayer adds weft.Tree to a replayer. Unlike Register it adds
// no activity: a replay runs none, it only checks that the tree issues the
// commands (activities, timers) that the history recorded, in its order.
//
// The worker needs the Blobs the run used (a source not inline in the
// history, inputs or results stored by reference) and an Engine with the
// run's packages; it need not be started.
func (w *Worker) RegisterReplayer(r worker.WorkflowReplayer) {
	r.RegisterWorkflowWithOptions(w.tree, workflow.RegisterOptions{Name: WorkflowName})
}

// NewReplayer returns a replayer with weft.Tree registered.
//
//	r, _ := w.NewReplayer()
//	err := r.ReplayWorkflowHistory(nil, history) // nil: the same commands as recorded
//
// Its deadlock detection is off: a replay's first task compiles the
// workflow (scripts are syntax-checked in their sandboxes), which can take
// longer than the SDK's fixed 1 s budget, and a replayer, unlike a worker
// (taskCPULimit), cannot be given a longer one.
//
// # Errors
//
// The SDK's, for options it rejects (none are set that it could).
func (w *Worker) NewReplayer() (worker.WorkflowReplayer, error) {
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DisableDeadlockDetection: true})
	if err != nil {
		return nil, err
	}
	w.RegisterReplayer(r)
	return r, nil
}
