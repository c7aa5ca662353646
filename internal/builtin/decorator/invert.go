// Invert: swaps its child's SUCCESS and FAILURE.

package decorator

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "Invert", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Succeeds when its child fails and fails when it succeeds.",
		Description: "Ticks its child and inverts the result: the child's FAILURE makes the Invert " +
			"succeed, its SUCCESS makes the Invert fail (with the error `inverted: <child id> " +
			"succeeded`). RUNNING passes through. Halting the Invert halts its child.\n\n" +
			"Also known as Inverter (BehaviorTree.CPP) or Not.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &invert{child: c.Children[0]}, nil },
	})
}

type invert struct{ child *bt.Node }

var (
	_ bt.Behavior  = (*invert)(nil)
	_ bt.Stateless = (*invert)(nil)
)

func (d *invert) Tick(t *bt.Tick) bt.Status {
	switch t.Child(d.child) {
	case bt.Success:
		return t.Failf("inverted: %s succeeded", d.child.ID)
	case bt.Failure:
		return bt.Success
	}
	return bt.Running
}

func (d *invert) Halt(t *bt.Tick) { t.Halt(d.child) }

// Stateless marks the node as having nothing to reset between runs: an Invert keeps no state.
func (*invert) Stateless() {}
