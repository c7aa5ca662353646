// RunOnce: runs its child the first time only, then replays its result.

package decorator

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "RunOnce", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Runs its child once per run; later starts return the remembered result.",
		Description: "The first time the RunOnce starts, it runs its child to completion, passing " +
			"RUNNING through, and remembers the child's final status. Every later start in the " +
			"same run (inside a Repeat, a While or a ForEach, for example) returns that status " +
			"at once without ticking the child.\n\n" +
			"The remembered status may be FAILURE: a RunOnce whose child failed keeps failing, " +
			"with the error `<child id> already ran and failed: <the child's error>`.\n\n" +
			"Halting the RunOnce while the child is still running halts the child and remembers " +
			"nothing, so the next start runs the child again. The memory lasts for one run of " +
			"the workflow; a new run starts afresh.\n\n" +
			"This follows @wayfarer-ai/btree, which replays the cached status (its docs say " +
			"\"then always return success\", its code replays failures too). BehaviorTree.CPP's " +
			"RunOnce has a `then_skip` port instead; it is not supported.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &runOnce{child: c.Children[0]}, nil },
	})
}

type runOnce struct {
	child *bt.Node

	done bool      // the child has finished once
	st   bt.Status // its status then
	err  error     // and its error, when it failed
}

var (
	_ bt.Behavior  = (*runOnce)(nil)
	_ bt.Resetter  = (*runOnce)(nil)
	_ bt.Resumable = (*runOnce)(nil)
)

func (d *runOnce) Tick(t *bt.Tick) bt.Status {
	if d.done {
		if d.st == bt.Failure {
			return t.Fail(fmt.Errorf("%s already ran and failed: %w", d.child.ID, d.err))
		}
		return d.st
	}
	st := t.Child(d.child)
	if st == bt.Running {
		return bt.Running
	}
	d.done, d.st = true, st
	if st == bt.Failure {
		d.err = childErr(d.child)
	}
	return st
}

// Halt halts a first run still in progress; a remembered result is kept.
func (d *runOnce) Halt(t *bt.Tick) { t.Halt(d.child) }

// Reset forgets the remembered result: it lasts one run of the workflow.
func (d *runOnce) Reset() { d.done, d.st, d.err = false, bt.Idle, nil }

// Position blocks checkpoints once a result is remembered (its error is
// not carried); before that there is nothing to save.
func (d *runOnce) Position() (any, bool) { return nil, !d.done }

// Resume has nothing to take back.
func (d *runOnce) Resume(any) error { return nil }
