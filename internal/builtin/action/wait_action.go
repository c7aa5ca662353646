// WaitAction: a leaf that waits for a time, returning RUNNING meanwhile.

package action

import (
	"fmt"
	"math"
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "WaitAction", Kind: bt.Leaf, Category: "action", Children: none,
		Summary: "Returns RUNNING until `waitMs` milliseconds have passed, then SUCCESS.",
		Description: "The wait starts when the node starts (its first tick). Until `waitMs` have " +
			"elapsed the node returns RUNNING, without blocking its parent or its siblings; the " +
			"engine ticks it again as soon as the time is up. Halting the node (a Timeout that " +
			"expires, a ReactiveSequence whose condition fails) cancels the wait, and the next " +
			"activation waits afresh.\n\n" +
			"Differences from @wayfarer-ai/btree: btree's `waitMs: 0` becomes 1000 through " +
			"JavaScript's `||`; in weft 0 succeeds on the first tick. btree also returns RUNNING on " +
			"the first tick whatever the wait, and runs a workflow for one tick only, so a wait " +
			"there never completes within a run; weft keeps ticking until it does.",
		Props: []bt.PropSpec{
			{Name: "waitMs", Type: bt.TypeInteger, Default: int64(1000),
				Description: "How long to wait, in milliseconds (0 or more)."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			if n, ok := literalInt(c.Props.Get("waitMs")); ok && (n < 0 || n > maxWaitMs) {
				return nil, fmt.Errorf("prop waitMs: must be between 0 and %d, found %d", maxWaitMs, n)
			}
			return &waitAction{ms: c.Props.Get("waitMs")}, nil
		},
	})
}

// maxWaitMs is the longest wait a time.Duration holds.
const maxWaitMs = math.MaxInt64 / int64(time.Millisecond)

type waitAction struct {
	ms *bt.Prop

	until time.Time // zero when idle
	timer func() bool
}

var (
	_ bt.Behavior = (*waitAction)(nil)
	_ bt.Resetter = (*waitAction)(nil)
)

func (w *waitAction) Tick(t *bt.Tick) bt.Status {
	if w.until.IsZero() {
		ms, err := w.ms.Int(t, 1000)
		if err != nil {
			return t.Fail(err)
		}
		if ms < 0 || ms > maxWaitMs {
			return t.Failf("prop waitMs: must be between 0 and %d, found %d", maxWaitMs, ms)
		}
		if ms == 0 {
			return bt.Success
		}
		d := time.Duration(ms) * time.Millisecond
		w.until = t.Now().Add(d)
		w.timer = t.WakeAfter(d)
		return bt.Running
	}
	if t.Now().Before(w.until) {
		return bt.Running
	}
	w.reset()
	return bt.Success
}

func (w *waitAction) Halt(*bt.Tick) { w.reset() }

func (w *waitAction) reset() {
	if w.timer != nil {
		w.timer()
		w.timer = nil
	}
	w.until = time.Time{}
}

// Reset stops the timer and forgets the wait.
func (w *waitAction) Reset() { w.reset() }
