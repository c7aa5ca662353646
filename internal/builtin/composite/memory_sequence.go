// MemorySequence: a Sequence that, after a failure, resumes at the failed
// child instead of re-running the children that already succeeded.

package composite

import (
	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "MemorySequence", Kind: bt.Composite, Category: "composite", Children: oneOrMore,
		Summary: "A Sequence that remembers which children succeeded, across failures.",
		Description: "Ticks the children in order, like Sequence: RUNNING makes it return RUNNING " +
			"and resume at that child, the first FAILURE makes it fail, and it succeeds when every " +
			"child succeeded.\n\n" +
			"The difference is what happens after a failure: the MemorySequence remembers the " +
			"children that already succeeded, and its next run (for example the next attempt of a " +
			"Retry) skips them and starts at the child that failed. This suits steps that must not " +
			"run twice, such as sending a message. The memory is kept when the MemorySequence is " +
			"halted, and cleared once the whole sequence succeeded, so that its next run starts " +
			"again at the first child.\n\n" +
			"@wayfarer-ai/btree never clears the memory, so after one success every later run " +
			"succeeds at once without ticking any child; here a run after a success starts afresh.",
		New: func(c *bt.Config) (bt.Behavior, error) { return &memorySequence{children: c.Children}, nil },
	})
}

type memorySequence struct {
	children []*bt.Node
	// current is the first child that has not succeeded: the children
	// before it are skipped, across runs, until the whole sequence succeeds.
	current int
}

var (
	_ bt.Behavior  = (*memorySequence)(nil)
	_ bt.Resetter  = (*memorySequence)(nil)
	_ bt.Resumable = (*memorySequence)(nil)
)

func (s *memorySequence) Tick(t *bt.Tick) bt.Status {
	for s.current < len(s.children) {
		switch t.Child(s.children[s.current]) {
		case bt.Running:
			return bt.Running
		case bt.Failure:
			return bt.Failure // remember: the next run resumes here
		}
		s.current++
	}
	s.current = 0
	return bt.Success
}

// Halt halts the running child and keeps the memory.
func (s *memorySequence) Halt(t *bt.Tick) { t.HaltAll(s.children) }

// Reset clears the memory: a new run starts at the first child.
func (s *memorySequence) Reset() { s.current = 0 }

// Position saves the index of the current child.
func (s *memorySequence) Position() (any, bool) { return indexPos(s.current, 0) }

// Resume takes back what Position saved.
func (s *memorySequence) Resume(pos any) error {
	return resumeIndex(pos, &s.current, 0, len(s.children), "child")
}
