// KeepRunningUntilFailure: restarts its child after every success until it fails.

package decorator

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "KeepRunningUntilFailure", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Runs its child again and again until it fails; then succeeds.",
		Description: "Ticks its child. When the child succeeds, the KeepRunningUntilFailure " +
			"returns RUNNING and starts the child afresh on the next tick; when the child fails, " +
			"it **succeeds**. While the child is RUNNING it returns RUNNING.\n\n" +
			"One cycle runs per tick: the engine re-ticks a RUNNING tree at its tick interval " +
			"(20 ms by default) or sooner when something wakes it, so this node suits polling " +
			"loops (\"keep checking until the condition no longer holds\"). For a counted loop of " +
			"quick steps, use Repeat, which runs cycles back to back. Put it under a Timeout to " +
			"bound how long it may poll. Halting it halts its child.\n\n" +
			"Difference from BehaviorTree.CPP: there the node returns FAILURE when its child " +
			"fails. weft follows @wayfarer-ai/btree, whose files must run unchanged: the " +
			"child's failure ends the loop with SUCCESS. Wrap it in ForceFailure (or Invert) to " +
			"get BehaviorTree.CPP's result.",
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &keepRunningUntilFailure{child: c.Children[0]}, nil
		},
	})
}

type keepRunningUntilFailure struct{ child *bt.Node }

var (
	_ bt.Behavior  = (*keepRunningUntilFailure)(nil)
	_ bt.Stateless = (*keepRunningUntilFailure)(nil)
)

func (d *keepRunningUntilFailure) Tick(t *bt.Tick) bt.Status {
	if t.Child(d.child) == bt.Failure {
		return bt.Success
	}
	// SUCCESS: the child is idle again, and the next tick starts it afresh
	// (in a durable run, perhaps in the next run of a continue-as-new:
	// the node keeps no state, so a checkpoint needs none of it).
	t.Checkpoint()
	return bt.Running
}

func (d *keepRunningUntilFailure) Halt(t *bt.Tick) { t.Halt(d.child) }

// Stateless marks the node as having nothing to reset between runs: a KeepRunningUntilFailure keeps no state.
func (*keepRunningUntilFailure) Stateless() {}
