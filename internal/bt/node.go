// Nodes, behaviors and the tick: how the engine drives a tree.

package bt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// Behavior is what a node type implements: the node's logic between the
// engine and its children.
//
// Tick is called on every tick while the node runs. It returns Running to be
// ticked again, or Success or Failure to finish. A composite or decorator
// ticks its children with [Tick.Child] and halts them with [Tick.Halt].
//
// Halt is called when the node's parent stops it while it is Running (a
// ReactiveSequence whose condition failed, a Timeout that expired, a
// Parallel whose threshold was reached). It must stop the node's work and
// halt its running children, and leave the node ready to start afresh.
//
// A behavior that also implements [Resetter] or [Stateless] lets its tree
// be reused by the workflow's next run (see [Pool]); one that implements
// neither makes every run build its tree afresh.
type Behavior interface {
	Tick(t *Tick) Status
	Halt(t *Tick)
}

// Pos is a position in a workflow file.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as FILE:LINE:COL.
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Node is one node of an instantiated tree. Its status and error belong to
// the engine; its Behavior holds the node type's own state.
type Node struct {
	ID       string
	Type     string
	Name     string
	Pos      Pos
	Index    int // pre-order position in the tree, from 0 at the root
	Children []*Node
	Behavior Behavior

	status  Status
	started time.Time
	err     error
}

// Running reports whether the node is between its start and its finish.
func (n *Node) Running() bool { return n.status == Running }

// Err returns the error of the node's last failure, if it gave one.
func (n *Node) Err() error { return n.err }

// String names the node as errors do: `id (Type)`.
func (n *Node) String() string { return n.ID + " (" + n.Type + ")" }

// Tick is what a behavior gets on every tick: the context (cancelled when the
// node is halted or the run ends), the blackboard scope, and the run.
//
// A Tick is passed by pointer and must not be retained past the call, except
// through [Tick.Fork] or a copy made with [Tick.With].
type Tick struct {
	Ctx  context.Context
	BB   *Blackboard
	run  *Run
	wake chan struct{}
	node *Node
	// shared counts the ancestors that tick other nodes while this one
	// runs (see Exclusive); a Fork starts at zero.
	shared int
}

// Node returns the node being ticked.
func (t *Tick) Node() *Node { return t.node }

// Run returns the run this tick belongs to.
func (t *Tick) Run() *Run { return t.run }

// With returns a copy of t with another context and blackboard scope, for a
// decorator that gives its child a deadline (Timeout) or a scope (SubTree).
// The copy shares t's wake-up channel.
func (t *Tick) With(ctx context.Context, bb *Blackboard) Tick {
	c := *t
	c.Ctx, c.BB = ctx, bb
	return c
}

// Fork returns a Tick for driving a subtree on another goroutine with
// [Tick.Drive]; it has its own wake-up channel.
func (t *Tick) Fork(ctx context.Context) *Tick {
	return &Tick{Ctx: ctx, BB: t.BB, run: t.run, wake: make(chan struct{}, 1), node: t.node}
}

// Wake asks the loop driving this tick to tick again promptly, instead of at
// the next periodic tick. Safe from any goroutine.
func (t *Tick) Wake() { wake(t.wake) }

// Waker returns a function that wakes the driving loop, for goroutines that
// outlive the call.
func (t *Tick) Waker() func() {
	ch := t.wake
	return func() { wake(ch) }
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Fail records err as the reason the current node fails, and returns Failure.
func (t *Tick) Fail(err error) Status {
	if t.node != nil {
		t.node.err = err
	}
	return Failure
}

// Failf is Fail with a formatted error.
func (t *Tick) Failf(format string, args ...any) Status {
	return t.Fail(fmt.Errorf(format, args...))
}

// KeepFailure remembers the run's current failure reason and returns a
// function that restores it: for a node such as Recovery's finally branch
// whose own failure must not replace the reason recorded before it ran.
func (t *Tick) KeepFailure() (restore func()) {
	r := t.run
	r.mu.Lock()
	saved := r.failure
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		r.failure = saved
		r.mu.Unlock()
	}
}

// Log emits a log line from the current node into the run's events.
func (t *Tick) Log(level slog.Level, msg string) {
	t.run.log(t.node, level, msg)
}

// LevelName names a log level as events carry it: trace, debug, info,
// warn, error.
func LevelName(l slog.Level) string { return levelName(l) }

// Emit sends an event of the current node to the run's sink, filling in the
// run and node fields.
func (t *Tick) Emit(e event.Event) {
	if t.run.sink != nil {
		t.Emitter()(e)
	}
}

// Emitter returns a function that emits events of the current node from
// any goroutine, for work that outlives the tick (see Async).
func (t *Tick) Emitter() func(event.Event) {
	r, n := t.run, t.node
	return func(e event.Event) {
		if r.sink == nil {
			return
		}
		if e.Time.IsZero() {
			e.Time = r.sched.Now()
		}
		e.RunID, e.Workflow = r.ID, r.Workflow
		if n != nil {
			e.Node, e.Type, e.Index = n.ID, n.Type, n.Index
		}
		r.sink.Emit(e)
	}
}

// Child ticks n once: it starts n if it was idle, calls its behavior, and
// finishes it if it returned Success or Failure, after which n is idle again
// and its next tick starts it afresh.
func (t *Tick) Child(n *Node) Status {
	r := t.run
	if n.status != Running {
		n.status = Running
		n.err = nil
		if r.sink != nil {
			n.started = r.sched.Now()
			r.sink.Emit(event.Event{Time: n.started, Kind: event.NodeStarted, RunID: r.ID, Workflow: r.Workflow,
				Node: n.ID, Type: n.Type, Index: n.Index})
		}
	}
	parent := t.node
	t.node = n
	st := n.Behavior.Tick(t)
	t.node = parent
	if st != Running {
		if st != Success && st != Failure {
			r.markBroken()
			st = t.Fail(fmt.Errorf("%w: node %s returned status %v", ErrInternal, n, st))
		}
		n.status = Idle
		// A node that fails because its context was cancelled (a halted
		// Parallel sibling) is not why the run failed.
		if st == Failure && t.Ctx.Err() == nil {
			r.noteFailure(n)
		}
		if r.sink != nil {
			r.finished(n, st, false)
		}
	}
	return st
}

// Halt stops n if it is running: its behavior halts its own work and its
// children, and n becomes idle. Halting an idle node does nothing.
func (t *Tick) Halt(n *Node) {
	if n.status != Running {
		return
	}
	parent := t.node
	t.node = n
	n.Behavior.Halt(t)
	t.node = parent
	n.status = Idle
	if t.run.sink != nil {
		t.run.finished(n, Idle, true)
	}
}

// HaltAll halts every running node of nodes.
func (t *Tick) HaltAll(nodes []*Node) {
	for _, c := range nodes {
		t.Halt(c)
	}
}

// Drive ticks n until it finishes, waiting between ticks for a wake-up or
// the run's tick interval. When t.Ctx ends first, it halts n and returns
// Failure. A panic in a node becomes a Failure whose error wraps
// ErrInternal and names the node.
func (t *Tick) Drive(n *Node) (st Status) {
	defer func() {
		if p := recover(); p != nil {
			at := n
			if t.node != nil {
				at = t.node
			}
			err := fmt.Errorf("%w: node %s panicked: %v\n%s", ErrInternal, at, p, debug.Stack())
			t.run.setInternal(err)
			st = Failure
		}
	}()
	for {
		st = t.Child(n)
		if st != Running || t.run.checkpoint != nil {
			return st // finished, or stopped at a checkpoint (resume.go)
		}
		t.run.sched.Wait(t.Ctx, t.wake, t.run.interval)
		select { // the wake-up is spent
		case <-t.wake:
		default:
		}
		// A wake-up and the end of the context can arrive together; the
		// context wins, so a cancelled node is halted, not ticked again.
		if t.Ctx.Err() != nil {
			t.Halt(n)
			return Failure
		}
	}
}

// ErrInternal marks errors that are bugs in weft rather than bad input or a
// failing workflow.
var ErrInternal = errors.New("internal error")
