// ReactiveSequence: a Sequence that re-checks its earlier children on every
// tick and halts a running later child when one of them no longer succeeds.

package composite

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "ReactiveSequence", Kind: bt.Composite, Category: "composite", Children: oneOrMore,
		Summary: "A Sequence that re-ticks its children from the first on every tick.",
		Description: "Ticks the children in order, like Sequence, but every tick starts again at the " +
			"first child instead of resuming at the child that was RUNNING. Its typical use is a " +
			"condition guarding a long action: the condition is checked again on every tick while " +
			"the action runs.\n\n" +
			"When a child returns FAILURE, the ReactiveSequence fails; when a child returns RUNNING, " +
			"it returns RUNNING; when every child succeeded, it succeeds. In the first two cases, a " +
			"later child that was RUNNING from an earlier tick is halted: its work stops (its " +
			"context is cancelled) and it starts afresh the next time it is reached. Children that " +
			"succeeded are ticked again (they restart) on the next tick.\n\n" +
			"@wayfarer-ai/btree never halts the later child, which keeps running; here it is halted, " +
			"as in BehaviorTree.CPP.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &reactiveSequence{children: c.Children}, nil },
	})
}

type reactiveSequence struct {
	children []*bt.Node
}

var (
	_ bt.Behavior  = (*reactiveSequence)(nil)
	_ bt.Stateless = (*reactiveSequence)(nil)
)

func (s *reactiveSequence) Tick(t *bt.Tick) bt.Status {
	// Its children are re-ticked while a later one runs: none of them may
	// keep this goroutine for the length of a call (bt.Tick.Exclusive).
	t.EnterShared()
	defer t.LeaveShared()
	for i, c := range s.children {
		if st := t.Child(c); st != bt.Success {
			// A later child running from an earlier tick no longer runs.
			t.HaltAll(s.children[i+1:])
			return st
		}
	}
	return bt.Success
}

func (s *reactiveSequence) Halt(t *bt.Tick) { t.HaltAll(s.children) }

// Stateless marks the node as having nothing to reset between runs: a ReactiveSequence keeps no state between ticks.
func (*reactiveSequence) Stateless() {}
