// SoftAssert: turns its child's failure into a warning and a success.

package decorator

import (
	"log/slog"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "SoftAssert", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Succeeds even when its child fails, logging the failure as a warning.",
		Description: "Ticks its child and passes SUCCESS and RUNNING through. When the child fails, " +
			"the SoftAssert logs a warning `soft assertion failed: <child id>: <the child's " +
			"error>` (without the error part when no error is known) and succeeds, so that " +
			"the workflow goes on. The warnings show in the run's log and trace. Halting the " +
			"SoftAssert halts its child.\n\n" +
			"It is ForceSuccess with a warning. @wayfarer-ai/btree keeps the failures in a list " +
			"on the node instead (`Soft assertion failed: <child name>`), which a YAML workflow " +
			"cannot read; weft logs them.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &softAssert{child: c.Children[0]}, nil },
	})
}

type softAssert struct{ child *bt.Node }

var (
	_ bt.Behavior  = (*softAssert)(nil)
	_ bt.Stateless = (*softAssert)(nil)
)

func (d *softAssert) Tick(t *bt.Tick) bt.Status {
	st := t.Child(d.child)
	if st != bt.Failure {
		return st
	}
	msg := "soft assertion failed: " + d.child.ID
	if err := failReason(d.child); err != nil {
		msg += ": " + err.Error()
	}
	t.Log(slog.LevelWarn, msg)
	return bt.Success
}

func (d *softAssert) Halt(t *bt.Tick) { t.Halt(d.child) }

// Stateless marks the node as having nothing to reset between runs: a SoftAssert keeps no state.
func (*softAssert) Stateless() {}
