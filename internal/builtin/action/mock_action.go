// MockAction: a test leaf that runs for a number of ticks, then returns a
// chosen status.

package action

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "MockAction", Kind: bt.Leaf, Category: "test", Children: none,
		Summary: "Returns RUNNING for a number of ticks, then a chosen status.",
		Description: "Counts the ticks of each activation. The first `ticksBeforeComplete - 1` ticks " +
			"return RUNNING; the next one returns `returnStatus` and ends the activation, so the next " +
			"tick starts counting again. With the default `ticksBeforeComplete: 1` the node finishes " +
			"on its first tick. Halting the node resets the count. With `returnStatus: RUNNING` the " +
			"node keeps running until halted.\n\n" +
			"Differences from @wayfarer-ai/btree: btree returns any other `returnStatus` string raw, " +
			"which its parents then reject; weft accepts `SUCCESS`, `FAILURE` and `RUNNING` in upper " +
			"or lower case and rejects anything else when the workflow loads. btree turns " +
			"`ticksBeforeComplete: 0` into 1 through JavaScript's `||`; weft rejects values below 1.",
		Props: []bt.PropSpec{
			{Name: "returnStatus", Type: bt.TypeString, Default: "SUCCESS",
				Enum:        []string{"SUCCESS", "FAILURE", "RUNNING", "success", "failure", "running"},
				Description: "The status to return once the ticks are counted."},
			{Name: "ticksBeforeComplete", Type: bt.TypeInteger, Default: int64(1),
				Description: "On which tick of an activation the node finishes (at least 1); the ticks before return RUNNING."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			if n, ok := literalInt(c.Props.Get("ticksBeforeComplete")); ok && n < 1 {
				return nil, fmt.Errorf("prop ticksBeforeComplete: must be at least 1, found %d", n)
			}
			return &mockAction{status: c.Props.Get("returnStatus"), ticks: c.Props.Get("ticksBeforeComplete")}, nil
		},
	})
}

type mockAction struct {
	status, ticks *bt.Prop

	count int64 // ticks of the current activation so far
	want  int64 // ticks the current activation lasts
	ret   bt.Status
}

var (
	_ bt.Behavior = (*mockAction)(nil)
	_ bt.Resetter = (*mockAction)(nil)
)

func (m *mockAction) Tick(t *bt.Tick) bt.Status {
	if m.count == 0 {
		s, err := m.status.String(t, "SUCCESS")
		if err != nil {
			return t.Fail(err)
		}
		if m.ret, err = parseStatus("returnStatus", s, true); err != nil {
			return t.Fail(err)
		}
		if m.want, err = m.ticks.Int(t, 1); err != nil {
			return t.Fail(err)
		}
		if m.want < 1 {
			return t.Failf("prop ticksBeforeComplete: must be at least 1, found %d", m.want)
		}
	}
	m.count++
	if m.count < m.want {
		return bt.Running
	}
	m.count = 0
	return m.ret
}

func (m *mockAction) Halt(*bt.Tick) { m.count = 0 }

// Reset starts the next activation's count afresh.
func (m *mockAction) Reset() { m.count, m.want, m.ret = 0, 0, bt.Idle }
