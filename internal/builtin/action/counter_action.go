// CounterAction: adds a number to a counter on the blackboard.

package action

import (
	"math"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "CounterAction", Kind: bt.Leaf, Category: "action", Children: none,
		Summary: "Adds `increment` to the number under `counterKey`; returns SUCCESS.",
		Description: "Reads the value under `counterKey` (a missing key or null counts as 0), adds " +
			"`increment` and stores the sum under the same key, in the current blackboard scope. " +
			"An integer counter stays an integer; a float counter stays a float. A counter holding " +
			"something other than a number (a string, an object...) makes the node fail with an " +
			"error naming the key and the type it found; so does an integer overflow.\n\n" +
			"Differences from @wayfarer-ai/btree: btree's `increment: 0` becomes 1 through " +
			"JavaScript's `||`; in weft 0 adds nothing. btree adds to whatever it finds (a string " +
			"counter is concatenated); weft fails instead.",
		Props: []bt.PropSpec{
			{Name: "counterKey", Type: bt.TypeKey, Default: "counter",
				Description: "Blackboard key of the counter."},
			{Name: "increment", Type: bt.TypeInteger, Default: int64(1),
				Description: "The amount to add; may be 0 or negative."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &counterAction{key: c.Props.Get("counterKey"), inc: c.Props.Get("increment")}, nil
		},
	})
}

type counterAction struct {
	key, inc *bt.Prop
}

var (
	_ bt.Behavior  = (*counterAction)(nil)
	_ bt.Stateless = (*counterAction)(nil)
)

func (c *counterAction) Tick(t *bt.Tick) bt.Status {
	key, err := blackboardKey(t, c.key, "counter")
	if err != nil {
		return t.Fail(err)
	}
	inc, err := c.inc.Int(t, 1)
	if err != nil {
		return t.Fail(err)
	}
	cur, _ := t.BB.Lookup(key)
	switch x := cur.(type) {
	case nil:
		t.BB.Set(key, inc)
	case int64:
		sum := x + inc
		if (inc > 0 && sum < x) || (inc < 0 && sum > x) {
			return t.Failf("counter %q overflows: %d + %d is out of the integer range", key, x, inc)
		}
		t.BB.Set(key, sum)
	case float64:
		sum := x + float64(inc)
		if math.IsInf(sum, 0) {
			return t.Failf("counter %q overflows", key)
		}
		t.BB.Set(key, sum)
	default:
		return t.Failf("counter %q holds %s, not a number", key, withArticle(value.TypeName(cur)))
	}
	return bt.Success
}

func (c *counterAction) Halt(*bt.Tick) {}

// Stateless marks the node as having nothing to reset between runs: a CounterAction keeps its count on the blackboard.
func (*counterAction) Stateless() {}
