// Schedulers: how a run's time passes, how it waits between ticks and how
// Parallel's branches run. An embedded run uses the machine's clock and
// goroutines; a durable run (the temporal module) uses a Temporal
// workflow's clock, timers and coroutines, so that the same tree ticks the
// same way when its history is replayed.

package bt

import (
	"context"
	"time"
)

// Scheduler is what a run asks whenever it reads the clock, waits or
// starts a branch. Every node that needs one of these goes through its
// [Tick] (t.Now, t.WakeAfter, t.WithTimeout, t.Go), never through package
// time or a go statement, so that a run under another scheduler is
// deterministic.
//
// A Scheduler is used by one run at a time from the goroutines (or
// coroutines) that it started itself.
type Scheduler interface {
	// Now returns the run's current time.
	Now() time.Time
	// AfterFunc calls f after d, unless stop is called first; stop reports
	// whether it stopped the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
	// WithTimeout returns a child of parent that ends after d with cause.
	WithTimeout(parent context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc)
	// Go runs fn concurrently; wait returns after fn has returned.
	Go(fn func()) (wait func())
	// Wait returns when wake has a value, ctx ends or interval passes
	// (when nothing else can wake the run).
	Wait(ctx context.Context, wake <-chan struct{}, interval time.Duration)
}

// RealTime is the scheduler of an embedded run: the machine's clock and
// goroutines.
type RealTime struct{}

var _ Scheduler = RealTime{}

// Now returns time.Now().
func (RealTime) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (RealTime) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// WithTimeout is context.WithTimeoutCause.
func (RealTime) WithTimeout(parent context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(parent, d, cause)
}

// Go runs fn on a new goroutine.
func (RealTime) Go(fn func()) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	return func() { <-done }
}

// Wait selects on wake, ctx and a timer of interval.
func (RealTime) Wait(ctx context.Context, wake <-chan struct{}, interval time.Duration) {
	timer := time.NewTimer(interval)
	defer timer.Stop()
	select {
	case <-wake:
	case <-timer.C:
	case <-ctx.Done():
	}
}

// Now returns the run's current time (its scheduler's clock).
func (t *Tick) Now() time.Time { return t.run.sched.Now() }

// WakeAfter wakes the loop driving this tick after d, unless stop is called
// first: for nodes that wait (Delay, WaitAction, Retry's back-off).
//
//	n.due = t.Now().Add(d)
//	n.stop = t.WakeAfter(d)
func (t *Tick) WakeAfter(d time.Duration) (stop func() bool) {
	return t.run.sched.AfterFunc(d, t.Waker())
}

// WithTimeout returns a child of t.Ctx that ends after d with cause, on
// the run's clock.
func (t *Tick) WithTimeout(d time.Duration, cause error) (context.Context, context.CancelFunc) {
	return t.run.sched.WithTimeout(t.Ctx, d, cause)
}

// Go runs fn concurrently under the run's scheduler, for a composite whose
// children run at the same time (Parallel); wait returns after fn returned.
func (t *Tick) Go(fn func()) (wait func()) { return t.run.sched.Go(fn) }

// Scheduler returns the run's scheduler.
func (r *Run) Scheduler() Scheduler { return r.sched }

// SetScheduler makes the run use s instead of the machine's clock and
// goroutines; it must be called before the run starts.
func (r *Run) SetScheduler(s Scheduler) {
	if s == nil {
		s = RealTime{}
	}
	r.sched = s
}
