// The scheduler of a tree ticked inside a Temporal workflow: the
// workflow's clock, its timers and its coroutines stand in for time.Now,
// time.AfterFunc and goroutines, so that replaying a history ticks the
// tree exactly as the first execution did.

package temporal

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/bt"
)

// scheduler implements weft.Scheduler over a workflow.Context. All its
// methods run on the workflow's coroutines, one at a time, so it needs no
// lock.
type scheduler struct {
	root workflow.Context // cancelled when the workflow is cancelled
	// dctx is root without its cancellation: timers and waits must go on
	// while the tree halts after a cancellation.
	dctx workflow.Context
	// cur is the context of the coroutine running now. A blocking call
	// (Await, a future's Get) must get the context of the coroutine that
	// makes it, as the SDK keeps each coroutine's state in its context:
	// a branch that awaited on the root's context would yield the root's
	// turn, not its own. Only one coroutine runs at a time, and each puts
	// its own context back when a blocking call returns to it.
	cur workflow.Context
	// pending counts the timers and activities in flight: while there are
	// some, a wait needs no periodic tick (one of them wakes the tree).
	pending int
	// cancelRun ends the run's context when the workflow is cancelled.
	cancelRun context.CancelFunc
	// checkpoints: this history's tree version continues loops as new;
	// every, when above 0, forces it every that many iterations; asked
	// counts the iteration boundaries of this run.
	checkpoints  bool
	every, asked int
}

var _ bt.Checkpointer = (*scheduler)(nil)

// ShouldCheckpoint is asked by a loop between two iterations: yes when
// Temporal suggests a continue-as-new (read from the workflow task's
// started event, so a replay gets the same answer) or every s.every.
func (s *scheduler) ShouldCheckpoint() bool {
	if !s.checkpoints {
		return false
	}
	s.asked++
	if s.every > 0 && s.asked >= s.every {
		return true
	}
	return workflow.GetInfo(s.root).GetContinueAsNewSuggested()
}

var _ weft.Scheduler = (*scheduler)(nil)

func newScheduler(root workflow.Context, cancelRun context.CancelFunc) *scheduler {
	dctx, _ := workflow.NewDisconnectedContext(root) // lives as long as the workflow
	return &scheduler{root: root, dctx: dctx, cur: dctx, cancelRun: cancelRun}
}

func (s *scheduler) Now() time.Time { return workflow.Now(s.root) }

func (s *scheduler) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	tctx, cancel := workflow.WithCancel(s.dctx)
	fut := workflow.NewTimer(tctx, d)
	s.pending++
	stopped, fired := false, false
	s.spawn(func(c workflow.Context) {
		err := fut.Get(c, nil)
		s.cur = c
		s.pending--
		if err == nil && !stopped {
			fired = true
			f()
		}
	})
	return func() bool {
		if stopped || fired {
			return false
		}
		stopped = true
		cancel()
		return true
	}
}

// deadlineCtx reports the run-clock deadline of a Timeout while its
// cancellation stays the embedded context's own (so that children of it
// are cancelled synchronously, never by a goroutine at a moment a replay
// could not reproduce).
type deadlineCtx struct {
	context.Context
	deadline time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.deadline, true }

func (s *scheduler) WithTimeout(parent context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(parent)
	stop := s.AfterFunc(d, func() { cancel(cause) })
	ctx := context.Context(cctx)
	if dl, ok := parent.Deadline(); !ok || s.Now().Add(d).Before(dl) {
		ctx = deadlineCtx{cctx, s.Now().Add(d)}
	}
	return ctx, func() {
		stop()
		cancel(context.Canceled)
	}
}

func (s *scheduler) Go(fn func()) (wait func()) {
	done := false
	s.spawn(func(workflow.Context) {
		defer func() { done = true }()
		fn()
	})
	return func() {
		s.await(func() bool { return done })
	}
}

// spawn starts a coroutine whose blocking calls use its own context.
func (s *scheduler) spawn(fn func(c workflow.Context)) {
	workflow.Go(s.dctx, func(c workflow.Context) {
		s.cur = c
		fn(c)
	})
}

// await blocks the running coroutine until cond holds.
func (s *scheduler) await(cond func() bool) {
	c := s.cur
	_ = workflow.Await(c, cond)
	s.cur = c
}

// awaitFor blocks the running coroutine until cond holds or d passes.
func (s *scheduler) awaitFor(d time.Duration, cond func() bool) {
	c := s.cur
	_, _ = workflow.AwaitWithTimeout(c, d, cond)
	s.cur = c
}

func (s *scheduler) Wait(ctx context.Context, wake <-chan struct{}, interval time.Duration) {
	ready := func() bool { return len(wake) > 0 || ctx.Err() != nil || s.root.Err() != nil }
	for !ready() {
		if s.pending > 0 {
			// Something in flight will wake a node; when the last of them
			// is done and nothing woke this loop, it ticks on the interval.
			s.await(func() bool { return ready() || s.pending == 0 })
			continue
		}
		// Nothing can wake the tree (a MockAction counting its ticks, a
		// RunningNode under a Timeout's timer is pending): tick again on
		// the run's interval, as an embedded run does.
		s.awaitFor(interval, ready)
		break
	}
	if s.root.Err() != nil {
		s.cancelRun()
	}
}
