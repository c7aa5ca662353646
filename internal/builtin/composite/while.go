// While: runs its body again and again while its condition succeeds.

package composite

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "While", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 2, Max: 2, Names: []string{"condition", "body"}},
		Summary:  "Runs its body child repeatedly while its condition child succeeds.",
		Description: "Each iteration ticks the first child, the condition. When the condition " +
			"returns FAILURE, the loop is over and the While succeeds (so a condition that fails at " +
			"once gives SUCCESS without running the body). When it returns SUCCESS, the second child, " +
			"the body, runs: a body FAILURE makes the While fail, a body SUCCESS starts the next " +
			"iteration.\n\n" +
			"A condition or body that returns RUNNING makes the While return RUNNING; the next tick " +
			"resumes the child that was running (the condition is not re-checked while the body " +
			"runs). Iterations that finish at once all run within the same tick.\n\n" +
			"The body runs at most `maxIterations` times: when the condition still succeeds after " +
			"that many iterations, the While fails with an error saying the limit was reached. " +
			"(@wayfarer-ai/btree fails as soon as the last allowed iteration ends, without checking " +
			"the condition once more, so a loop that needs exactly `maxIterations` iterations fails " +
			"there and succeeds here.) Halting the While halts the running child and resets the count.",
		Props: []bt.PropSpec{
			{Name: "maxIterations", Type: bt.TypeInteger, Default: int64(1000),
				Description: "Most times the body may run (a positive integer); the While fails if the condition still succeeds after that."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			p := c.Props.Get("maxIterations")
			if v, ok := literalInt(p); ok && v <= 0 {
				return nil, fmt.Errorf("prop maxIterations: must be a positive integer, found %d", v)
			}
			return &while{condition: c.Children[0], body: c.Children[1], children: c.Children, maxIterations: p}, nil
		},
	})
}

type while struct {
	condition, body *bt.Node
	children        []*bt.Node
	maxIterations   *bt.Prop

	// While running:
	active     bool
	limit      int64 // maxIterations for this run
	iterations int64 // bodies that succeeded
	inBody     bool  // the condition succeeded and the body is under way
}

var (
	_ bt.Behavior  = (*while)(nil)
	_ bt.Resetter  = (*while)(nil)
	_ bt.Resumable = (*while)(nil)
)

func (w *while) Tick(t *bt.Tick) bt.Status {
	if !w.active {
		limit, err := w.maxIterations.Int(t, 1000)
		if err != nil {
			return t.Fail(err)
		}
		if limit <= 0 {
			return t.Failf("prop maxIterations: must be a positive integer, found %d", limit)
		}
		w.active, w.limit, w.iterations, w.inBody = true, limit, 0, false
	}
	for {
		if !w.inBody {
			switch t.Child(w.condition) {
			case bt.Running:
				return bt.Running
			case bt.Failure:
				w.reset()
				return bt.Success
			}
			if w.iterations >= w.limit {
				limit := w.limit
				w.reset()
				return t.Failf("maxIterations (%d) reached and the condition still succeeds", limit)
			}
			w.inBody = true
		}
		switch t.Child(w.body) {
		case bt.Running:
			return bt.Running
		case bt.Failure:
			w.reset()
			return bt.Failure
		}
		w.iterations++
		w.inBody = false
		if t.Checkpoint() { // a durable run continues as new here
			return bt.Running
		}
	}
}

func (w *while) reset() {
	w.active, w.iterations, w.inBody = false, 0, false
}

func (w *while) Halt(t *bt.Tick) {
	t.HaltAll(w.children)
	w.reset()
}

// Reset clears the iteration count.
func (w *while) Reset() {
	w.reset()
	w.limit = 0
}

// Position saves the limit, the iterations done and whether the body runs.
func (w *while) Position() (any, bool) {
	if !w.active {
		return nil, true
	}
	in := int64(0)
	if w.inBody {
		in = 1
	}
	return bt.IntsPos(w.limit, w.iterations, in), true
}

// Resume takes back what Position saved.
func (w *while) Resume(pos any) error {
	if pos == nil {
		return nil
	}
	v, err := bt.PosInts(pos, 3)
	if err != nil {
		return err
	}
	w.active, w.limit, w.iterations, w.inBody = true, v[0], v[1], v[2] == 1
	return nil
}
