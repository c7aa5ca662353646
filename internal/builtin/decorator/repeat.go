// Repeat: runs its child a number of times, or forever, while it succeeds.

package decorator

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Repeat", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Runs its child `numCycles` times (-1: forever); fails as soon as the child fails.",
		Description: "Starts its child, and each time the child succeeds starts it again, until it " +
			"has succeeded `numCycles` times: then the Repeat succeeds. The first FAILURE of " +
			"the child makes the Repeat fail at once (the failure is the child's). While the " +
			"child is RUNNING the Repeat returns RUNNING.\n\n" +
			"`numCycles: -1` repeats forever, as in BehaviorTree.CPP: the Repeat then only ends " +
			"when the child fails, or when it is halted (by a Timeout, for example) or the run " +
			"is cancelled. Any other value must be greater than 0; a literal that is not is " +
			"rejected when the workflow is loaded, a template that evaluates to one fails the " +
			"node. The count is evaluated once, when the Repeat starts.\n\n" +
			"Cycles whose child finishes at once run within the same tick, so a Repeat of a " +
			"quick child does not take one tick interval per cycle. To keep a long or endless " +
			"loop from holding the engine, the Repeat returns RUNNING after every 1000 " +
			"consecutive cycles completed in one tick and is ticked again at once.\n\n" +
			"Halting the Repeat halts its child and resets the count: the next start counts " +
			"from zero.\n\n" +
			"Differences from @wayfarer-ai/btree: btree runs one cycle per tick and returns " +
			"RUNNING between cycles (so a single-tick btree run of `numCycles: 3` ends " +
			"RUNNING); weft runs the cycles back to back and returns the final result. btree " +
			"has no `-1`.",
		Props: []bt.PropSpec{
			{Name: "numCycles", Type: bt.TypeInteger, Required: true,
				Description: "How many successful cycles make the Repeat succeed; greater than 0, or -1 to repeat until the child fails."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			p := c.Props.Get("numCycles")
			if err := checkInt(p, cycles); err != nil {
				return nil, err
			}
			return &repeat{child: c.Children[0], cycles: p}, nil
		},
	})
}

func cycles(name string, v int64) error {
	if v <= 0 && v != -1 {
		return fmt.Errorf("prop %s: must be greater than 0, or -1 for forever, found %d", name, v)
	}
	return nil
}

type repeat struct {
	child  *bt.Node
	cycles *bt.Prop

	// While running:
	active bool
	n      int64 // cycles to run; -1: forever
	done   int64 // cycles completed
}

var (
	_ bt.Behavior  = (*repeat)(nil)
	_ bt.Resetter  = (*repeat)(nil)
	_ bt.Resumable = (*repeat)(nil)
)

func (r *repeat) Tick(t *bt.Tick) bt.Status {
	if !r.active {
		n, err := intProp(t, r.cycles, 0, cycles)
		if err != nil {
			return t.Fail(err)
		}
		r.active, r.n, r.done = true, n, 0
	}
	for i := 0; ; i++ {
		if i == syncCycles {
			yield(t)
			return bt.Running
		}
		switch t.Child(r.child) {
		case bt.Running:
			return bt.Running
		case bt.Failure:
			r.reset()
			return bt.Failure
		}
		r.done++
		if r.n > 0 && r.done >= r.n {
			r.reset()
			return bt.Success
		}
		if t.Checkpoint() { // a durable run continues as new here
			return bt.Running
		}
	}
}

func (r *repeat) reset() { r.active, r.n, r.done = false, 0, 0 }

func (r *repeat) Halt(t *bt.Tick) {
	t.Halt(r.child)
	r.reset()
}

// Reset clears the cycle count.
func (r *repeat) Reset() { r.reset() }

// Position saves the cycles to run and the cycles done.
func (r *repeat) Position() (any, bool) {
	if !r.active {
		return nil, true
	}
	return bt.IntsPos(r.n, r.done), true
}

// Resume takes back what Position saved.
func (r *repeat) Resume(pos any) error {
	if pos == nil {
		return nil
	}
	v, err := bt.PosInts(pos, 2)
	if err != nil {
		return err
	}
	r.active, r.n, r.done = true, v[0], v[1]
	return nil
}
