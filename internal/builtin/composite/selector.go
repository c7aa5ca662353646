// Selector: ticks children in order until one succeeds (a Fallback).

package composite

import (
	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Selector", Kind: bt.Composite, Category: "composite", Children: oneOrMore,
		Summary: "Tries its children in order until one succeeds (a Fallback).",
		Description: "Ticks the children one after the other, like BehaviorTree.CPP's Fallback. " +
			"The first child that returns SUCCESS makes the Selector succeed, and the children " +
			"after it are not ticked. A child that returns FAILURE passes the turn to the next one; " +
			"when every child failed, the Selector fails.\n\n" +
			"The Selector has memory: a child that returns RUNNING makes the Selector return " +
			"RUNNING, and the next tick resumes at that child without re-trying the children that " +
			"already failed. Halting the Selector halts its running child, and its next run starts " +
			"again at the first child.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &selector{children: c.Children}, nil },
	})
}

type selector struct {
	children []*bt.Node
	current  int
}

var (
	_ bt.Behavior  = (*selector)(nil)
	_ bt.Resetter  = (*selector)(nil)
	_ bt.Resumable = (*selector)(nil)
)

func (s *selector) Tick(t *bt.Tick) bt.Status {
	for s.current < len(s.children) {
		switch t.Child(s.children[s.current]) {
		case bt.Running:
			return bt.Running
		case bt.Success:
			s.current = 0
			return bt.Success
		}
		s.current++
	}
	s.current = 0
	return bt.Failure
}

func (s *selector) Halt(t *bt.Tick) {
	t.HaltAll(s.children)
	s.current = 0
}

// Reset starts the next run at the first child.
func (s *selector) Reset() { s.current = 0 }

// Position saves the index of the current child.
func (s *selector) Position() (any, bool) { return indexPos(s.current, 0) }

// Resume takes back what Position saved.
func (s *selector) Resume(pos any) error {
	return resumeIndex(pos, &s.current, 0, len(s.children), "child")
}
