// Async: the helper for leaves that wait (HTTP calls, timers, scripts) so
// that they return RUNNING instead of blocking their parent.

package bt

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Async runs one piece of work on its own goroutine while its node returns
// Running. The zero value is ready to use; it is owned by one node.
//
//	func (h *httpRequest) Tick(t *bt.Tick) bt.Status {
//		if !h.work.Started() {
//			h.work.Start(t, func(ctx context.Context) (bt.Status, error) { ... })
//		}
//		return h.work.Poll(t)
//	}
//	func (h *httpRequest) Halt(t *bt.Tick) { h.work.Stop() }
type Async struct {
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	st      Status
	err     error
	wg      sync.WaitGroup
}

// Started reports whether work is in flight or finished but not yet polled.
func (a *Async) Started() bool { return a.started }

// Start runs fn on a new goroutine with a context derived from t.Ctx that
// Stop cancels. When fn returns, the tick's driving loop is woken.
func (a *Async) Start(t *Tick, fn func(ctx context.Context) (Status, error)) {
	ctx, cancel := context.WithCancel(t.Ctx)
	a.started, a.cancel, a.done = true, cancel, make(chan struct{})
	a.st, a.err = Running, nil
	wakeFn := t.wake
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(a.done)
		defer wake(wakeFn)
		defer func() {
			if p := recover(); p != nil {
				a.st, a.err = Failure, fmt.Errorf("%w: panic in async work: %v\n%s", ErrInternal, p, debug.Stack())
			}
		}()
		a.st, a.err = fn(ctx)
	}()
}

// Poll returns Running while the work is in flight, else its status; a
// failure's error is recorded on the node. After a final status the Async is
// ready to Start again.
func (a *Async) Poll(t *Tick) Status {
	if !a.started {
		return Failure
	}
	select {
	case <-a.done:
	default:
		return Running
	}
	a.started = false
	a.cancel()
	st, err := a.st, a.err
	if st == Failure && err != nil {
		return t.Fail(err)
	}
	if st != Success && st != Failure {
		return t.Failf("%w: async work ended with status %v", ErrInternal, st)
	}
	return st
}

// Stop cancels work in flight and waits for its goroutine to return.
func (a *Async) Stop() {
	if a.cancel != nil {
		a.cancel()
		a.cancel = nil // nor keep the last run's context alive
	}
	a.wg.Wait()
	a.started = false
}
