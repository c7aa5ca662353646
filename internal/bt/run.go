// Runs: a tree ticked to completion, with its events and its result.

package bt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// DefaultTickInterval is how often a RUNNING tree is ticked when nothing
// wakes it earlier.
const DefaultTickInterval = 20 * time.Millisecond

// Run is one execution of a tree.
type Run struct {
	ID       string
	Workflow string
	Tenant   string

	sink     event.Sink
	interval time.Duration
	sched    Scheduler

	mu       sync.Mutex
	failure  error // the latest reason a leaf (or a node with its own error) failed
	internal error
	broken   bool // a node broke the engine's contract (an invalid status): its tree is not reused

	// For checkpoints (resume.go): the tree, its root scope, when the run
	// (the first of its chain) started, and the checkpoint once taken.
	tree       *Tree
	bb         *Blackboard
	started    time.Time
	checkpoint *Checkpoint
}

// NewRun returns a run that emits to sink (which may be nil).
func NewRun(id, workflow, tenant string, sink event.Sink) *Run {
	return &Run{ID: id, Workflow: workflow, Tenant: tenant, sink: sink, interval: DefaultTickInterval, sched: RealTime{}}
}

// TenantOrDefault returns the run's tenant, "default" when it has none
// (or when r is nil).
func (r *Run) TenantOrDefault() string {
	if r == nil || r.Tenant == "" {
		return "default"
	}
	return r.Tenant
}

// Sink returns the run's event sink, or nil.
func (r *Run) Sink() event.Sink { return r.sink }

// NodeError is the reason a run failed: the node that failed and why.
type NodeError struct {
	Node *Node
	Err  error
}

func (e *NodeError) Error() string {
	return fmt.Sprintf("node %q (%s) failed: %v", e.Node.ID, e.Node.Type, e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// errReturnedFailure is the reason of a leaf that failed without saying why.
var errReturnedFailure = errors.New("returned FAILURE")

func (r *Run) noteFailure(n *Node) {
	err := n.err
	if err == nil {
		if len(n.Children) > 0 {
			return // a composite or decorator passing on its child's failure
		}
		err = errReturnedFailure
	}
	r.mu.Lock()
	r.failure = &NodeError{Node: n, Err: err}
	r.mu.Unlock()
}

func (r *Run) setInternal(err error) {
	r.mu.Lock()
	if r.internal == nil {
		r.internal = err
	}
	r.mu.Unlock()
}

// markBroken records that a node broke the engine's contract, so that the
// tree is not reset and reused (see [Tree.Reset]) even if the run goes on.
func (r *Run) markBroken() {
	r.mu.Lock()
	r.broken = true
	r.mu.Unlock()
}

func (r *Run) finished(n *Node, st Status, halted bool) {
	e := event.Event{Time: r.sched.Now(), Kind: event.NodeFinished, RunID: r.ID, Workflow: r.Workflow,
		Node: n.ID, Type: n.Type, Index: n.Index, Status: st.String(), Halted: halted}
	if halted {
		e.Status = "halted"
	}
	if !n.started.IsZero() {
		e.Duration = e.Time.Sub(n.started)
	}
	if st == Failure && n.err != nil {
		e.Error = n.err.Error()
	}
	r.sink.Emit(e)
}

func (r *Run) log(n *Node, level slog.Level, msg string) {
	if r.sink == nil {
		return
	}
	e := event.Event{Time: r.sched.Now(), Kind: event.Log, RunID: r.ID, Workflow: r.Workflow,
		Level: levelName(level), Message: msg}
	if n != nil {
		e.Node, e.Type, e.Index = n.ID, n.Type, n.Index
	}
	r.sink.Emit(e)
}

func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "trace"
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}

// LevelTrace is the level below debug that guest logs may use.
const LevelTrace = slog.LevelDebug - 4

// Tree is an instantiated behavior tree, ready to run once at a time. After
// a run, [Tree.Reset] makes it ready for another (see [Pool]).
type Tree struct {
	Workflow string
	Root     *Node
	Nodes    []*Node // every node, in pre-order (Node.Index)

	prepared   bool       // resettable and resetters are known
	resettable bool       // every behavior is a Resetter
	resetters  []Resetter // the behaviors, in Nodes order, when resettable
	clean      bool       // the last run ended without a cancellation, a panic or a broken contract
}

// RunOptions configure one run.
type RunOptions struct {
	ID           string
	Tenant       string
	Inputs       map[string]any // canonical values; see package value
	Sink         event.Sink
	TickInterval time.Duration // default DefaultTickInterval
	Scheduler    Scheduler     // default RealTime
	// Resume continues the run a checkpoint stopped: its blackboard
	// replaces Inputs, and its nodes' states are restored before the
	// first tick. No RunStarted is emitted: the run goes on.
	Resume *Checkpoint
}

// Result is what a run ends with.
type Result struct {
	RunID      string
	Status     Status // Success or Failure
	Blackboard map[string]any
	// Err is why the run failed: a *NodeError naming the node, the context's
	// error, or an error wrapping ErrInternal. Nil on success.
	Err      error
	Started  time.Time
	Duration time.Duration
	// Checkpoint is set (and is Err, Status Running) when the run stopped
	// at a checkpoint to be resumed.
	Checkpoint *Checkpoint
}

// Run ticks the tree until its root finishes or ctx ends, and returns the
// result. It emits RunStarted and RunFinished around the node events.
func (tr *Tree) Run(ctx context.Context, opts RunOptions) *Result {
	r := NewRun(opts.ID, tr.Workflow, opts.Tenant, opts.Sink)
	if opts.TickInterval > 0 {
		r.interval = opts.TickInterval
	}
	r.SetScheduler(opts.Scheduler)
	if cp := opts.Resume; cp != nil {
		if err := tr.restore(cp); err != nil {
			tr.clean = false
			return &Result{RunID: r.ID, Status: Failure, Err: err}
		}
		r.started = cp.Started
		return tr.RunWith(ctx, r, NewBlackboard(cp.Blackboard))
	}
	return tr.RunWith(ctx, r, NewBlackboard(opts.Inputs))
}

// RunWith runs the tree as run r on blackboard bb.
func (tr *Tree) RunWith(ctx context.Context, r *Run, bb *Blackboard) *Result {
	start := r.sched.Now()
	resumed := !r.started.IsZero()
	if resumed {
		start = r.started
	} else {
		r.started = start
	}
	r.tree, r.bb = tr, bb
	if r.sink != nil && !resumed {
		r.sink.Emit(event.Event{Time: start, Kind: event.RunStarted, RunID: r.ID, Workflow: r.Workflow})
	}
	tr.clean = false
	t := &Tick{Ctx: ctx, BB: bb, run: r, wake: make(chan struct{}, 1)}
	st := t.Drive(tr.Root)
	res := &Result{RunID: r.ID, Status: st, Blackboard: bb.Local(), Started: start, Duration: r.sched.Now().Sub(start)}
	r.mu.Lock()
	tr.clean = ctx.Err() == nil && r.internal == nil && !r.broken
	r.mu.Unlock()
	if st == Running && r.checkpoint != nil {
		// Stopped to be resumed elsewhere: no RunFinished, and the tree,
		// whose nodes are still running, is not reused.
		tr.clean = false
		res.Err, res.Checkpoint = r.checkpoint, r.checkpoint
		return res
	}
	if st == Failure {
		r.mu.Lock()
		switch {
		case r.internal != nil:
			res.Err = r.internal
		case ctx.Err() != nil:
			res.Err = fmt.Errorf("run stopped: %w", context.Cause(ctx))
		case r.failure != nil:
			res.Err = r.failure
		default:
			res.Err = fmt.Errorf("root %s returned FAILURE", tr.Root)
		}
		r.mu.Unlock()
	}
	if r.sink != nil {
		e := event.Event{Time: r.sched.Now(), Kind: event.RunFinished, RunID: r.ID, Workflow: r.Workflow,
			Status: st.String(), Duration: res.Duration}
		if res.Err != nil {
			e.Error = res.Err.Error()
		}
		r.sink.Emit(e)
	}
	return res
}
