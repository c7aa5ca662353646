// Sequence: ticks children in order until one fails.

package composite

import (
	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Sequence", Kind: bt.Composite, Category: "composite", Children: oneOrMore,
		Summary: "Runs its children in order; fails as soon as one fails.",
		Description: "Ticks the children one after the other. A child that returns RUNNING makes the " +
			"Sequence return RUNNING, and the next tick resumes at that child. The first FAILURE " +
			"makes the Sequence fail; when every child succeeded it succeeds.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &sequence{children: c.Children}, nil },
	})
}

type sequence struct {
	children []*bt.Node
	current  int
}

var (
	_ bt.Behavior  = (*sequence)(nil)
	_ bt.Resetter  = (*sequence)(nil)
	_ bt.Resumable = (*sequence)(nil)
)

func (s *sequence) Tick(t *bt.Tick) bt.Status {
	for s.current < len(s.children) {
		switch t.Child(s.children[s.current]) {
		case bt.Running:
			return bt.Running
		case bt.Failure:
			s.current = 0
			return bt.Failure
		}
		s.current++
	}
	s.current = 0
	return bt.Success
}

func (s *sequence) Halt(t *bt.Tick) {
	t.HaltAll(s.children)
	s.current = 0
}

// Reset starts the next run at the first child.
func (s *sequence) Reset() { s.current = 0 }

// Position saves the index of the current child.
func (s *sequence) Position() (any, bool) { return indexPos(s.current, 0) }

// Resume takes back what Position saved.
func (s *sequence) Resume(pos any) error {
	return resumeIndex(pos, &s.current, 0, len(s.children), "child")
}
