// ForceSuccess: succeeds whatever its child returns once it finishes.

package decorator

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "ForceSuccess", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Succeeds when its child finishes, whether the child succeeded or failed.",
		Description: "Ticks its child; when the child finishes, with SUCCESS or FAILURE, the " +
			"ForceSuccess succeeds. RUNNING passes through. Use it for steps whose failure must " +
			"not stop a Sequence; the child's failure still shows in the trace. Halting the " +
			"ForceSuccess halts its child.\n\n" +
			"To also log the failure as a warning, use SoftAssert.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &forceSuccess{child: c.Children[0]}, nil },
	})
}

type forceSuccess struct{ child *bt.Node }

var (
	_ bt.Behavior  = (*forceSuccess)(nil)
	_ bt.Stateless = (*forceSuccess)(nil)
)

func (d *forceSuccess) Tick(t *bt.Tick) bt.Status {
	if t.Child(d.child) == bt.Running {
		return bt.Running
	}
	return bt.Success
}

func (d *forceSuccess) Halt(t *bt.Tick) { t.Halt(d.child) }

// Stateless marks the node as having nothing to reset between runs: a ForceSuccess keeps no state.
func (*forceSuccess) Stateless() {}
