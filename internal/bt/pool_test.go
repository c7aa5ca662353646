// Tests of tree pools and Tree.Reset: which runs give their tree back, and
// what a reused tree forgets.

package bt

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// def is a node definition whose type builds behaviors with mk.
func def(id string, mk func(c *Config) Behavior, children ...*Def) *Def {
	return &Def{ID: id, Type: "T" + id, Spec: &Spec{Name: "T" + id, New: func(c *Config) (Behavior, error) { return mk(c), nil }},
		Children: children}
}

// rseq is a resettable sequence that counts its resets.
type rseq struct {
	seq
	resets int
}

func (s *rseq) Reset() { s.i = 0; s.resets++ }

func newRseq(c *Config) Behavior { return &rseq{seq: seq{kids: c.Children}} }

// memo is a resettable leaf with memory across starts within a run: it
// fails the first time, with an error, and succeeds after that, until it is
// reset.
type memo struct{ seen bool }

func (m *memo) Tick(t *Tick) Status {
	if !m.seen {
		m.seen = true
		return t.Fail(errors.New("first time"))
	}
	return Success
}
func (m *memo) Halt(*Tick) {}
func (m *memo) Reset()     { m.seen = false }

// ok is a stateless leaf that succeeds.
type ok struct{}

func (ok) Tick(*Tick) Status { return Success }
func (ok) Halt(*Tick)        {}
func (ok) Stateless()        {}

// forever is a resettable leaf that runs until halted.
type forever struct{ halts int }

func (f *forever) Tick(*Tick) Status { return Running }
func (f *forever) Halt(*Tick)        { f.halts++ }
func (f *forever) Reset()            {}

type resettablePanic struct{ panicky }

func (resettablePanic) Reset() {}

// badStatus returns a status that is not one.
type badStatus struct{}

func (badStatus) Tick(*Tick) Status { return Status(42) }
func (badStatus) Halt(*Tick)        {}
func (badStatus) Stateless()        {}

// swallow ticks its child once and succeeds whatever it returned, even
// RUNNING: a buggy decorator that leaves its child running.
type swallow struct{ child *Node }

func (s *swallow) Tick(t *Tick) Status { t.Child(s.child); return Success }
func (s *swallow) Halt(t *Tick)        { t.Halt(s.child) }
func (s *swallow) Reset()              {}

func newSwallow(c *Config) Behavior { return &swallow{child: c.Children[0]} }

func run(t *testing.T, p *Pool, ctx context.Context) (*Tree, *Result) {
	t.Helper()
	tr, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	res := tr.Run(ctx, RunOptions{ID: "r", TickInterval: time.Millisecond})
	p.Put(tr)
	return tr, res
}

func TestPoolReusesACleanTreeReset(t *testing.T) {
	p := NewPool(def("root", newRseq,
		def("m", func(*Config) Behavior { return &memo{} }),
		def("ok", func(*Config) Behavior { return ok{} })), "w", nil, 0)
	ctx := context.Background()

	// The first run fails at m (first time); the failure is a clean end.
	tr1, res := run(t, p, ctx)
	if res.Status != Failure {
		t.Fatalf("first run: %v", res.Status)
	}
	if p.Idle() != 1 {
		t.Fatalf("idle %d after a clean failure, want 1", p.Idle())
	}
	// The reset cleared m's memory and error: the second run fails at m
	// again, as a fresh tree would.
	if m := tr1.Nodes[1]; m.Err() != nil || m.Behavior.(*memo).seen {
		t.Fatalf("m not reset: err %v", m.Err())
	}
	tr2, res := run(t, p, ctx)
	if tr2 != tr1 || res.Status != Failure || p.Built() != 1 {
		t.Fatalf("second run: same tree %v, status %v, built %d", tr2 == tr1, res.Status, p.Built())
	}
	if r := tr1.Root.Behavior.(*rseq).resets; r != 2 {
		t.Fatalf("root reset %d times, want 2", r)
	}
}

func TestPoolDropsTreesOfUncleanRuns(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    *Def
		ctx  func() (context.Context, context.CancelFunc)
		want Status
	}{
		{"cancelled", def("root", newRseq, def("f", func(*Config) Behavior { return &forever{} })),
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 20*time.Millisecond)
			}, Failure},
		{"panicked", def("root", newRseq, def("p", func(*Config) Behavior { return resettablePanic{} })), nil, Failure},
		// The bad status is swallowed and the run succeeds; its tree is
		// still not trusted.
		{"broken contract", def("root", newSwallow, def("b", func(*Config) Behavior { return badStatus{} })), nil, Success},
		// A node left running by its parent is never reused.
		{"left running", def("root", newSwallow, def("f", func(*Config) Behavior { return &forever{} })), nil, Success},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool(tc.d, "w", nil, 0)
			ctx := context.Background()
			if tc.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tc.ctx()
				defer cancel()
			}
			tr, res := run(t, p, ctx)
			if res.Status != tc.want {
				t.Fatalf("status %v (%v), want %v", res.Status, res.Err, tc.want)
			}
			if p.Idle() != 0 || tr.Reset() {
				t.Fatalf("the tree was kept (idle %d)", p.Idle())
			}
			tr2, err := p.Get()
			if err != nil {
				t.Fatal(err)
			}
			if tr2 == tr || p.Built() != 2 {
				t.Fatalf("the next run would reuse the tree (built %d)", p.Built())
			}
		})
	}
}

// A tree with a behavior that is neither a Resetter nor Stateless is never
// kept: every run builds its own.
func TestPoolNeverKeepsAnUnresettableTree(t *testing.T) {
	p := NewPool(def("root", newRseq, def("s", func(*Config) Behavior { return &script{statuses: []Status{Success}} })), "w", nil, 0)
	for range 3 {
		tr, res := run(t, p, context.Background())
		if res.Status != Success || tr.Resettable() {
			t.Fatalf("status %v, resettable %v", res.Status, tr.Resettable())
		}
	}
	if p.Built() != 3 || p.Idle() != 0 {
		t.Fatalf("built %d, idle %d; want 3 and 0", p.Built(), p.Idle())
	}
}

// exclusive fails if two runs tick the same instance at once.
type exclusive struct {
	busy  atomic.Bool
	ticks int // plain, so that the race detector sees shared use
}

func (e *exclusive) Tick(t *Tick) Status {
	if !e.busy.CompareAndSwap(false, true) {
		return t.Fail(errors.New("instance shared by two runs"))
	}
	e.ticks++
	time.Sleep(100 * time.Microsecond)
	e.busy.Store(false)
	return Success
}
func (e *exclusive) Halt(*Tick) {}
func (e *exclusive) Reset()     { e.ticks = 0 }

func TestPoolConcurrentRunsGetTheirOwnTrees(t *testing.T) {
	const keep = 3
	p := NewPool(def("root", newRseq,
		def("a", func(*Config) Behavior { return &exclusive{} }),
		def("b", func(*Config) Behavior { return &exclusive{} })), "w", nil, keep)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				tr, err := p.Get()
				if err != nil {
					errs <- err
					return
				}
				res := tr.Run(context.Background(), RunOptions{})
				if res.Status != Success {
					errs <- res.Err
				}
				if n := tr.Nodes[1].Behavior.(*exclusive).ticks; n != 1 {
					errs <- errors.New("a reused instance was not reset")
				}
				p.Put(tr)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if p.Idle() > keep || p.Built() >= 200 {
		t.Fatalf("idle %d (at most %d), built %d for 200 runs", p.Idle(), keep, p.Built())
	}
}
