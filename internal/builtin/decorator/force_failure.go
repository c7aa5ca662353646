// ForceFailure: fails whatever its child returns once it finishes.

package decorator

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "ForceFailure", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Fails when its child finishes, whether the child succeeded or failed.",
		Description: "Ticks its child; when the child finishes, with SUCCESS or FAILURE, the " +
			"ForceFailure fails. RUNNING passes through. When the child failed, the failure " +
			"(and its error) is the child's; when it succeeded, the ForceFailure fails with the " +
			"error `forced failure: <child id> succeeded`. Halting the ForceFailure halts its " +
			"child.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &forceFailure{child: c.Children[0]}, nil },
	})
}

type forceFailure struct{ child *bt.Node }

var (
	_ bt.Behavior  = (*forceFailure)(nil)
	_ bt.Stateless = (*forceFailure)(nil)
)

func (d *forceFailure) Tick(t *bt.Tick) bt.Status {
	switch t.Child(d.child) {
	case bt.Running:
		return bt.Running
	case bt.Success:
		return t.Failf("forced failure: %s succeeded", d.child.ID)
	}
	return bt.Failure
}

func (d *forceFailure) Halt(t *bt.Tick) { t.Halt(d.child) }

// Stateless marks the node as having nothing to reset between runs: a ForceFailure keeps no state.
func (*forceFailure) Stateless() {}
