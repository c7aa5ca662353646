// Delay: waits a fixed time before starting its child.

package decorator

import (
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Delay", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Waits `delayMs` milliseconds, then runs its child.",
		Description: "When it starts, the Delay returns RUNNING for `delayMs` milliseconds without " +
			"ticking its child (the tree is woken when the time is up, so the wait is not " +
			"rounded up to the tick interval). Then it starts the child and passes the child's " +
			"status through; a child that returns RUNNING is ticked again on the next tick " +
			"without any further delay. With `delayMs: 0` the child is ticked at once, in the " +
			"same tick.\n\n" +
			"The wait happens once per start of the Delay: when the Delay finishes (its child " +
			"finished) or is halted, the next start waits again. Halting the Delay during the " +
			"wait cancels it; halting it later halts the child.\n\n" +
			"`delayMs` must be 0 or more; a literal that is not is rejected when the workflow is " +
			"loaded, a template that evaluates to one fails the node.\n\n" +
			"Differences from @wayfarer-ai/btree: the semantics are those of btree's standalone " +
			"mode. `delayMs` is a whole number of milliseconds here (btree also accepts " +
			"fractions).",
		Props: []bt.PropSpec{
			{Name: "delayMs", Type: bt.TypeInteger, Required: true,
				Description: "How long to wait before starting the child, in milliseconds; 0 or more."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			p := c.Props.Get("delayMs")
			if err := checkInt(p, nonNegative); err != nil {
				return nil, err
			}
			return &delay{child: c.Children[0], wait: p}, nil
		},
	})
}

type delay struct {
	child *bt.Node
	wait  *bt.Prop

	// While running:
	active  bool
	started bool // the wait is over and the child has been started
	due     time.Time
	timer   func() bool // wakes the tree when the wait is over
}

var (
	_ bt.Behavior = (*delay)(nil)
	_ bt.Resetter = (*delay)(nil)
)

func (d *delay) Tick(t *bt.Tick) bt.Status {
	if !d.active {
		ms, err := intProp(t, d.wait, 0, nonNegative)
		if err != nil {
			return t.Fail(err)
		}
		d.active = true
		if ms > 0 {
			w := millis(float64(ms))
			d.due = t.Now().Add(w)
			d.timer = t.WakeAfter(w)
		} else {
			d.started = true
		}
	}
	if !d.started {
		if t.Now().Before(d.due) {
			return bt.Running
		}
		d.started = true
		stopTimer(&d.timer)
	}
	st := t.Child(d.child)
	if st != bt.Running {
		d.reset()
	}
	return st
}

func (d *delay) reset() {
	stopTimer(&d.timer)
	d.active, d.started, d.due = false, false, time.Time{}
}

func (d *delay) Halt(t *bt.Tick) {
	t.Halt(d.child)
	d.reset()
}

// Reset stops the timer and forgets the wait.
func (d *delay) Reset() { d.reset() }
