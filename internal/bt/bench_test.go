// Engine overhead benchmarks. See docs/performance.md for figures and the
// command that reproduces them.

package bt

import (
	"context"
	"testing"
)

// benchBehavior is a variable, so the compiler cannot devirtualize the
// baseline's interface call away.
var benchBehavior Behavior = noop{}

type noop struct{}

func (noop) Tick(*Tick) Status { return Success }
func (noop) Halt(*Tick)        {}

func newTick() *Tick {
	r := NewRun("bench", "bench", "default", nil)
	return &Tick{Ctx: context.Background(), BB: NewBlackboard(nil), run: r, wake: make(chan struct{}, 1)}
}

// BenchmarkBaselineDirectCall is the floor: the no-op behavior called
// directly through its interface, with no engine around it.
func BenchmarkBaselineDirectCall(b *testing.B) {
	beh := benchBehavior
	t := newTick()
	b.ReportAllocs()
	for b.Loop() {
		beh.Tick(t)
	}
}

// BenchmarkTickNoopLeaf is one engine tick of a no-op leaf: start, tick,
// finish, through Tick.Child.
func BenchmarkTickNoopLeaf(b *testing.B) {
	n := &Node{ID: "n", Type: "Noop", Behavior: noop{}}
	t := newTick()
	b.ReportAllocs()
	for b.Loop() {
		t.Child(n)
	}
}

// BenchmarkTree1000 ticks a 1,000-node tree once per iteration: a root
// sequence of 9 sequences of 110 no-op leaves each. ns/node is the engine's
// cost per node tick.
func BenchmarkTree1000(b *testing.B) {
	root := &Node{ID: "root", Type: "Seq"}
	for i := range 9 {
		s := &Node{ID: "s", Type: "Seq"}
		for range 110 {
			s.Children = append(s.Children, &Node{ID: "leaf", Type: "Noop", Behavior: noop{}})
		}
		s.Behavior = &seq{kids: s.Children}
		root.Children = append(root.Children, s)
		_ = i
	}
	root.Behavior = &seq{kids: root.Children}
	tr := tree(root)
	if len(tr.Nodes) != 1000 {
		b.Fatalf("tree has %d nodes", len(tr.Nodes))
	}
	t := newTick()
	b.ReportAllocs()
	for b.Loop() {
		if t.Child(root) != Success {
			b.Fatal("tree failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/node")
}
