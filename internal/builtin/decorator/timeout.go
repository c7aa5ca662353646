// Timeout: fails and halts its child when the child runs longer than a limit.

package decorator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Timeout", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Fails, and halts its child, when the child runs longer than `timeoutMs`.",
		Description: "Starts its child with a deadline `timeoutMs` milliseconds away and passes the " +
			"child's status through while the deadline has not passed. The deadline is checked " +
			"on every tick, and the tree is woken when it comes, so a child that is still " +
			"RUNNING at the deadline is halted (its work is cancelled, its trace shows `halted`) " +
			"promptly and the Timeout fails with the error `timed out after <timeoutMs>ms`.\n\n" +
			"The child's context carries the deadline too: a child blocked in one long call " +
			"that honours cancellation (an HTTP request, a script) is cancelled at the " +
			"deadline, and when it then fails the Timeout reports the timeout as the reason. A " +
			"child that finishes before the deadline, successfully or not, decides the result: " +
			"its failures pass through unchanged.\n\n" +
			"The clock starts when the Timeout starts and is not reset while the child runs; " +
			"each new start of the Timeout gets a fresh deadline.\n\n" +
			"`timeoutMs` must be greater than 0; a literal that is not is rejected when the " +
			"workflow is loaded, a template that evaluates to one fails the node.\n\n" +
			"Differences from @wayfarer-ai/btree: outside Temporal, btree only notices the " +
			"deadline when the tree is ticked again, and cannot interrupt a child blocked inside " +
			"one tick; weft wakes the tree at the deadline and cancels the child's context. " +
			"`timeoutMs` is a whole number of milliseconds here (btree also accepts fractions).",
		Props: []bt.PropSpec{
			{Name: "timeoutMs", Type: bt.TypeInteger, Required: true,
				Description: "The time limit in milliseconds, counted from the start of the Timeout; greater than 0."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			p := c.Props.Get("timeoutMs")
			if err := checkInt(p, positive); err != nil {
				return nil, err
			}
			return &timeout{child: c.Children[0], limit: p}, nil
		},
	})
}

type timeout struct {
	child *bt.Node
	limit *bt.Prop

	// While running:
	active   bool
	ms       int64
	deadline time.Time
	ctx      context.Context // the child's context, ending at the deadline
	cancel   context.CancelFunc
	timer    func() bool // wakes the tree at the deadline
}

var (
	_ bt.Behavior = (*timeout)(nil)
	_ bt.Resetter = (*timeout)(nil)
)

// errDeadline is the cause of the child's context ending at the deadline.
var errDeadline = errors.New("timeout deadline")

// TimeoutError is the error of a Timeout node whose child ran too long. It
// matches context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	Limit time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %dms", e.Limit.Milliseconds())
}

// Unwrap returns context.DeadlineExceeded.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

func (d *timeout) Tick(t *bt.Tick) bt.Status {
	if !d.active {
		ms, err := intProp(t, d.limit, 0, positive)
		if err != nil {
			return t.Fail(err)
		}
		limit := millis(float64(ms))
		d.active, d.ms = true, ms
		d.ctx, d.cancel = t.WithTimeout(limit, errDeadline)
		// The deadline is taken before the timer is set, so that when the
		// timer wakes the tree the deadline has passed.
		d.deadline = t.Now().Add(limit)
		d.timer = t.WakeAfter(limit)
	}
	tt := t.With(d.ctx, t.BB)
	if d.expired(t) {
		tt.Halt(d.child)
		return d.timedOut(t)
	}
	st := tt.Child(d.child)
	switch st {
	case bt.Running:
		return bt.Running
	case bt.Failure:
		if d.expired(t) {
			return d.timedOut(t)
		}
	}
	d.stop()
	return st
}

func (d *timeout) expired(t *bt.Tick) bool {
	return !t.Now().Before(d.deadline) || errors.Is(context.Cause(d.ctx), errDeadline)
}

func (d *timeout) timedOut(t *bt.Tick) bt.Status {
	limit := millis(float64(d.ms))
	d.stop()
	return t.Fail(&TimeoutError{Limit: limit})
}

// stop releases the timer and the context and forgets the run.
func (d *timeout) stop() {
	stopTimer(&d.timer)
	if d.cancel != nil {
		d.cancel()
	}
	d.active, d.ctx, d.cancel = false, nil, nil
}

func (d *timeout) Halt(t *bt.Tick) {
	if d.active {
		tt := t.With(d.ctx, t.BB)
		tt.Halt(d.child)
	} else {
		t.Halt(d.child)
	}
	d.stop()
}

// Reset releases the timer and the child's context.
func (d *timeout) Reset() {
	d.stop()
	d.ms, d.deadline = 0, time.Time{}
}
