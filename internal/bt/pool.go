// Tree pools: instances of one compiled tree kept between runs, reset, so
// that a run does not build the whole tree again.

package bt

import (
	"runtime"
	"sync"
	"time"
)

// Resetter is implemented by a behavior that can be made ready for a new,
// unrelated run. Reset is called once a run of its tree has ended cleanly
// (see [Tree.Reset]), with every node idle, before the tree is run again:
// it must clear what the behavior keeps from one start to the next within a
// run (a MemorySequence's position, a RunOnce's remembered result) and drop
// every reference to the run's data (its blackboard values, its tick, its
// results), so that the next run cannot tell the tree was used before.
//
// A behavior with no state at all implements [Stateless] instead. A tree
// with any behavior that implements neither is never reused: a [Pool]
// builds a new instance for every run.
type Resetter interface {
	Reset()
}

// Stateless is implemented, instead of [Resetter], by a behavior that keeps
// no state of its own: its fields are set by its type's New and never
// change, so a reused tree has nothing of it to reset (and does not spend a
// call on it).
type Stateless interface {
	Stateless()
}

// prepare records which behaviors the tree resets, and whether it can be
// reset at all. Trees from [Def.Instantiate] are prepared when built.
func (tr *Tree) prepare() {
	tr.resetters = tr.resetters[:0]
	tr.resettable = true
	for _, n := range tr.Nodes {
		switch b := n.Behavior.(type) {
		case Resetter:
			tr.resetters = append(tr.resetters, b)
		case Stateless:
		default:
			tr.resettable = false
			tr.resetters = nil
			tr.prepared = true
			return
		}
	}
	tr.prepared = true
}

// Resettable reports whether every behavior of the tree implements
// [Resetter] or [Stateless], so that [Tree.Reset] can make the tree ready
// for a new run.
func (tr *Tree) Resettable() bool {
	if !tr.prepared {
		tr.prepare()
	}
	return tr.resettable
}

// Reset makes the tree ready for a new run and reports whether it could.
// It can when the tree is [Tree.Resettable], its last run ended cleanly (it
// was not cancelled, no node panicked or broke the engine's contract) and
// every node is idle: then the engine's state of every node (its last
// error, its start time) is cleared and every [Resetter]'s Reset is
// called. Otherwise it reports false, and the tree must not be run again.
//
// Reset must not be called while the tree runs.
func (tr *Tree) Reset() bool {
	if !tr.Resettable() || !tr.clean {
		return false
	}
	tr.clean = false
	for _, n := range tr.Nodes {
		if n.status != Idle {
			return false
		}
		// Most nodes did not fail and have nothing to clear: read first.
		if n.err != nil {
			n.err = nil
		}
		if !n.started.IsZero() {
			n.started = time.Time{}
		}
	}
	for _, r := range tr.resetters {
		r.Reset()
	}
	return true
}

// Pool keeps instances of one compiled tree for its runs: [Pool.Get]
// returns an idle instance or builds one, [Pool.Put] takes it back after
// the run if [Tree.Reset] could make it ready for the next. Each instance is
// used by one run at a time, so concurrent runs each get their own.
//
// A Pool keeps at most a fixed number of idle instances (by default twice
// GOMAXPROCS, at least 4): reuse saves CPU time, and no more runs than that
// tick at once; more concurrent runs, waiting on I/O, build their own and
// the surplus is dropped when they end. The idle instances stay until the
// Pool is dropped, unlike a sync.Pool's, which a collection empties.
type Pool struct {
	def      *Def
	workflow string
	svc      *Services
	max      int

	mu    sync.Mutex
	idle  []*Tree
	never bool // the tree is not resettable: do not keep instances

	built int // instances built, for tests
}

// NewPool returns a pool of instances of d, built as [Def.Instantiate]
// does. keep bounds the idle instances kept; 0 means the default.
func NewPool(d *Def, workflow string, svc *Services, keep int) *Pool {
	if keep <= 0 {
		keep = max(4, 2*runtime.GOMAXPROCS(0))
	}
	return &Pool{def: d, workflow: workflow, svc: svc, max: keep}
}

// Get returns an instance of the tree that no run is using: an idle one
// reset by Put, or a new one.
//
// # Errors
//
// As [Def.Instantiate].
func (p *Pool) Get() (*Tree, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		tr := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return tr, nil
	}
	p.built++
	p.mu.Unlock()
	return p.def.Instantiate(p.workflow, p.svc)
}

// Put takes back an instance from Get once its run has returned. It keeps
// it for a later run when [Tree.Reset] made it ready and the pool is not
// full; otherwise the instance is dropped (a cancelled, panicked or
// unresettable tree is never run again).
func (p *Pool) Put(tr *Tree) {
	if tr == nil {
		return
	}
	p.mu.Lock()
	skip := p.never || len(p.idle) >= p.max
	p.mu.Unlock()
	if skip {
		return
	}
	if !tr.Resettable() {
		p.mu.Lock()
		p.never = true
		p.mu.Unlock()
		return
	}
	if !tr.Reset() {
		return
	}
	p.mu.Lock()
	if len(p.idle) < p.max {
		p.idle = append(p.idle, tr)
	}
	p.mu.Unlock()
}

// Built returns how many instances the pool has built so far.
func (p *Pool) Built() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.built
}

// Idle returns how many reset instances wait for a run.
func (p *Pool) Idle() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}
