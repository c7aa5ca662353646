// Retry: runs its child again after a failure, with a delay that may grow.

package decorator

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "Retry", Kind: bt.Decorator, Category: "decorator", Children: exactlyOne,
		Summary: "Runs its child again when it fails, up to `maxAttempts` times, waiting between attempts.",
		Description: "Starts its child. When the child succeeds, the Retry succeeds. When it " +
			"fails and fewer than `maxAttempts` attempts have been made, the Retry logs the " +
			"failure (at info level: `attempt 1 of 3 failed: <error>; retrying in 200ms`), " +
			"waits, returning RUNNING, and starts the child afresh. When the last attempt fails " +
			"too, the Retry fails with the error `gave up after <n> attempts: <the last " +
			"attempt's error>`. While the child is RUNNING the Retry returns RUNNING.\n\n" +
			"When the child is a decorator (a Timeout, say) passing on a failure from below, the " +
			"error names the node below that failed: `gave up after 3 attempts: fetch " +
			"(HttpRequest): <its error>`. When it is a composite with several children, the " +
			"error only says that the composite failed; the trace shows which child did.\n\n" +
			"The wait before the first retry is `delayMs`; after each retry it is multiplied by " +
			"`backoff`. With `delayMs: 100, backoff: 2` the waits are 100 ms, 200 ms, 400 ms, and " +
			"so on. The tree is woken when a wait is over, so waits are not rounded up to the " +
			"tick interval. With no delay, a child that fails at once is retried within the same " +
			"tick.\n\n" +
			"`maxAttempts` counts every attempt, the first included: `maxAttempts: 1` never " +
			"retries. The props are evaluated once, when the Retry starts. `maxAttempts` must be " +
			"1 or more, `delayMs` 0 or more, `backoff` 1 or more; literals that are not are " +
			"rejected when the workflow is loaded, templates that evaluate to one fail the " +
			"node.\n\n" +
			"Halting the Retry halts the child or cancels the wait, and resets the attempt " +
			"count: the next start begins with attempt 1.\n\n" +
			"@wayfarer-ai/btree has this node as `RetryUntilSuccessful` (props `maxAttempts`, " +
			"`retryDelay`) but does not register it; weft accepts `retryDelay` as another name " +
			"for `delayMs` so that such props carry over (setting both is an error). Unlike " +
			"btree, which makes one attempt per tick, attempts without a delay follow each other " +
			"in the same tick. BehaviorTree.CPP calls it RetryUntilSuccessful with `num_attempts`.",
		Props: []bt.PropSpec{
			{Name: "maxAttempts", Type: bt.TypeInteger, Default: int64(3),
				Description: "How many attempts to make in all, the first included; 1 or more."},
			{Name: "delayMs", Type: bt.TypeInteger, Default: int64(0),
				Description: "The wait before the first retry, in milliseconds; 0 or more."},
			{Name: "backoff", Type: bt.TypeNumber, Default: float64(1),
				Description: "What each wait is multiplied by to give the next one; 1 or more (1: every wait is `delayMs`)."},
			{Name: "retryDelay", Type: bt.TypeInteger,
				Description: "Another name for `delayMs` (@wayfarer-ai/btree's RetryUntilSuccessful); set one or the other."},
		},
		New: newRetry,
	})
}

func newRetry(c *bt.Config) (bt.Behavior, error) {
	r := &retry{child: c.Children[0], attempts: c.Props.Get("maxAttempts"),
		delay: c.Props.Get("delayMs"), backoff: c.Props.Get("backoff")}
	if alias := c.Props.Get("retryDelay"); alias != nil {
		if r.delay != nil && r.delay.Set {
			return nil, errors.New("props delayMs and retryDelay: set only one (retryDelay is another name for delayMs)")
		}
		r.delay = alias
	}
	if err := checkInt(r.attempts, atLeastOne); err != nil {
		return nil, err
	}
	if err := checkInt(r.delay, nonNegative); err != nil {
		return nil, err
	}
	if v, ok := literal(r.backoff, bt.TypeNumber); ok {
		if err := checkBackoff(r.backoff.Name, v); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func atLeastOne(name string, v int64) error {
	if v < 1 {
		return fmt.Errorf("prop %s: must be 1 or more, found %d", name, v)
	}
	return nil
}

func checkBackoff(name string, v any) error {
	f := toFloat(v)
	if !(f >= 1) || math.IsInf(f, 0) {
		return fmt.Errorf("prop %s: must be a number 1 or more, found %v", name, v)
	}
	return nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

type retry struct {
	child                    *bt.Node
	attempts, delay, backoff *bt.Prop

	// While running:
	active  bool
	max     int64
	wait    time.Duration // the wait before the next retry
	factor  float64
	failed  int64 // attempts that failed so far
	waiting bool  // between a failure and the next attempt
	due     time.Time
	timer   func() bool // wakes the tree when the wait is over
}

var (
	_ bt.Behavior = (*retry)(nil)
	_ bt.Resetter = (*retry)(nil)
)

// start evaluates the props for this run of the node.
func (r *retry) start(t *bt.Tick) error {
	n, err := intProp(t, r.attempts, 3, atLeastOne)
	if err != nil {
		return err
	}
	ms, err := intProp(t, r.delay, 0, nonNegative)
	if err != nil {
		return err
	}
	factor, err := r.backoff.Float(t, 1)
	if err != nil {
		return err
	}
	if r.backoff != nil {
		if err := checkBackoff(r.backoff.Name, factor); err != nil {
			return err
		}
	}
	r.active, r.max, r.wait, r.factor, r.failed = true, n, millis(float64(ms)), factor, 0
	return nil
}

func (r *retry) Tick(t *bt.Tick) bt.Status {
	if !r.active {
		if err := r.start(t); err != nil {
			return t.Fail(err)
		}
	}
	if r.waiting {
		if t.Now().Before(r.due) {
			return bt.Running
		}
		r.waiting = false
		stopTimer(&r.timer)
	}
	for i := 0; ; i++ {
		if i == syncCycles {
			yield(t)
			return bt.Running
		}
		switch t.Child(r.child) {
		case bt.Running:
			return bt.Running
		case bt.Success:
			r.reset()
			return bt.Success
		}
		r.failed++
		err := childErr(r.child)
		if r.failed >= r.max {
			n := r.failed
			r.reset()
			return t.Fail(fmt.Errorf("gave up after %d %s: %w", n, plural(n, "attempt", "attempts"), err))
		}
		wait := r.wait
		r.wait = millis(float64(r.wait) * r.factor / float64(time.Millisecond))
		t.Log(slog.LevelInfo, fmt.Sprintf("attempt %d of %d failed: %v; retrying in %v", r.failed, r.max, err, wait))
		if wait > 0 {
			r.waiting, r.due = true, t.Now().Add(wait)
			r.timer = t.WakeAfter(wait)
			return bt.Running
		}
	}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (r *retry) reset() {
	stopTimer(&r.timer)
	r.active, r.waiting, r.failed, r.due = false, false, 0, time.Time{}
}

func (r *retry) Halt(t *bt.Tick) {
	t.Halt(r.child)
	r.reset()
}

// Reset stops the timer and clears the attempt count and the waits.
func (r *retry) Reset() {
	r.reset()
	r.max, r.wait, r.factor = 0, 0, 0
}
