// Conditional: an if/then/else of child nodes.

package composite

import (
	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Conditional", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 2, Max: 3, Names: []string{"condition", "then", "else (optional)"}},
		Summary:  "If the condition child succeeds, runs the then child, else the optional else child.",
		Description: "Ticks the first child, the condition. When it returns SUCCESS, the second " +
			"child (then) runs; when it returns FAILURE, the third child (else) runs, or the " +
			"Conditional fails if there is no else child. The Conditional's result is the result " +
			"of the branch that ran.\n\n" +
			"While the condition returns RUNNING, the Conditional returns RUNNING and ticks the " +
			"condition again on the next tick. Once a branch is chosen, the condition is not " +
			"ticked again: the branch is ticked until it finishes. The next run of the Conditional " +
			"evaluates the condition afresh. Halting the Conditional halts whichever child is running.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &conditional{children: c.Children, branch: -1}, nil },
	})
}

type conditional struct {
	children []*bt.Node
	branch   int // index of the chosen branch; -1 while the condition is undecided
}

var (
	_ bt.Behavior  = (*conditional)(nil)
	_ bt.Resetter  = (*conditional)(nil)
	_ bt.Resumable = (*conditional)(nil)
)

func (c *conditional) Tick(t *bt.Tick) bt.Status {
	if c.branch < 0 {
		switch t.Child(c.children[0]) {
		case bt.Running:
			return bt.Running
		case bt.Success:
			c.branch = 1
		default:
			if len(c.children) < 3 {
				return bt.Failure
			}
			c.branch = 2
		}
	}
	st := t.Child(c.children[c.branch])
	if st != bt.Running {
		c.branch = -1
	}
	return st
}

func (c *conditional) Halt(t *bt.Tick) {
	t.HaltAll(c.children)
	c.branch = -1
}

// Reset forgets the chosen branch.
func (c *conditional) Reset() { c.branch = -1 }

// Position saves the chosen branch.
func (c *conditional) Position() (any, bool) { return indexPos(c.branch, -1) }

// Resume takes back what Position saved.
func (c *conditional) Resume(pos any) error {
	return resumeIndex(pos, &c.branch, 1, len(c.children), "branch")
}
