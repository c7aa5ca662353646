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
)

// scheduler implements weft.Scheduler over a workflow.Context. All its
// methods run on the workflow's coroutines, one at a time, so it needs no
// lock.
type scheduler struct {
	root workflow.Context // cancelled when the workflow is cancelled
	// dctx is root without its cancellation: timers and waits must go on
	// while the tree halts after a cancellation.
	dctx workflow.Context
	// pending counts the timers and activities in flight: while there are
	// some, a wait needs no periodic tick (one of them wakes the tree).
	pending int
	// cancelRun ends the run's context when the workflow is cancelled.
	cancelRun context.CancelFunc
}

var _ weft.Scheduler = (*scheduler)(nil)

func newScheduler(root workflow.Context, cancelRun context.CancelFunc) *scheduler {
	dctx, _ := workflow.NewDisconnectedContext(root) // lives as long as the workflow
	return &scheduler{root: root, dctx: dctx, cancelRun: cancelRun}
}

func (s *scheduler) Now() time.Time { return workflow.Now(s.root) }

func (s *scheduler) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	tctx, cancel := workflow.WithCancel(s.dctx)
	fut := workflow.NewTimer(tctx, d)
	s.pending++
	stopped, fired := false, false
	workflow.Go(s.dctx, func(c workflow.Context) {
		err := fut.Get(c, nil)
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
	workflow.Go(s.dctx, func(workflow.Context) {
		defer func() { done = true }()
		fn()
	})
	return func() {
		_ = workflow.Await(s.dctx, func() bool { return done })
	}
}

func (s *scheduler) Wait(ctx context.Context, wake <-chan struct{}, interval time.Duration) {
	ready := func() bool { return len(wake) > 0 || ctx.Err() != nil || s.root.Err() != nil }
	for !ready() {
		if s.pending > 0 {
			// Something in flight will wake a node; when the last of them
			// is done and nothing woke this loop, it ticks on the interval.
			_ = workflow.Await(s.dctx, func() bool { return ready() || s.pending == 0 })
			continue
		}
		// Nothing can wake the tree (a MockAction counting its ticks, a
		// RunningNode under a Timeout's timer is pending): tick again on
		// the run's interval, as an embedded run does.
		_, _ = workflow.AwaitWithTimeout(s.dctx, interval, ready)
		break
	}
	if s.root.Err() != nil {
		s.cancelRun()
	}
}
