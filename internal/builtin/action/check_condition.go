// CheckCondition: compares a blackboard value with a given value.

package action

import (
	"errors"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "CheckCondition", Kind: bt.Leaf, Category: "condition", Children: none,
		Summary: "Compares the value under `key` with `value`: SUCCESS when the comparison holds, else FAILURE.",
		Description: "Looks up `key` on the blackboard (a flat name: `cart.items` is the key " +
			"\"cart.items\", not a path) and compares it with `value` using `operator`.\n\n" +
			"- `==` and `!=` compare deeply, with no type coercion except between numbers: " +
			"`1 == 1.0` holds, `\"5\" == 5` does not. A key that is not on the blackboard counts " +
			"as null, so `value: null` (or no `value`) tests whether the key is unset or null.\n" +
			"- `>`, `<`, `>=`, `<=` compare two numbers numerically or two strings " +
			"lexicographically (byte order). Any other pair of types, or a key that is not on the " +
			"blackboard, makes the node fail with an error naming the types or the key.\n\n" +
			"When the comparison is false the node returns FAILURE without an error, as a " +
			"condition does.\n\n" +
			"Differences from @wayfarer-ai/btree: btree compares with JavaScript's `===` and " +
			"relational operators, so `1 == 1.0` also holds there, but ordering mixed types " +
			"coerces silently (`\"10\" > 9` is true, `null < 1` is true); weft reports an error instead.",
		Props: []bt.PropSpec{
			{Name: "key", Type: bt.TypeKey, Required: true,
				Description: "Blackboard key of the value to test."},
			{Name: "operator", Type: bt.TypeString, Default: "==", Enum: []string{"==", "!=", ">", "<", ">=", "<="},
				Description: "The comparison."},
			{Name: "value", Type: bt.TypeAny,
				Description: "The value to compare with (any type; `\"{{ expr }}\"` gives a typed value). Null when absent."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &checkCondition{key: c.Props.Get("key"), op: c.Props.Get("operator"), val: c.Props.Get("value")}, nil
		},
	})
}

type checkCondition struct {
	key, op, val *bt.Prop
}

var (
	_ bt.Behavior  = (*checkCondition)(nil)
	_ bt.Stateless = (*checkCondition)(nil)
)

func (c *checkCondition) Tick(t *bt.Tick) bt.Status {
	key, err := blackboardKey(t, c.key, "")
	if err != nil {
		return t.Fail(err)
	}
	op, err := c.op.String(t, "==")
	if err != nil {
		return t.Fail(err)
	}
	want, err := c.val.Any(t)
	if err != nil {
		return t.Fail(err)
	}
	got, found := t.BB.Lookup(key)
	var ok bool
	switch op {
	case "==":
		ok = value.Equal(got, want)
	case "!=":
		ok = !value.Equal(got, want)
	case ">", "<", ">=", "<=":
		if !found {
			return t.Failf("%q is not on the blackboard: cannot compare it with %s", key, op)
		}
		cmp, err := compare(got, want)
		if err != nil {
			return t.Failf("cannot compare %q (%s) %s value (%s): %w", key, withArticle(value.TypeName(got)), op,
				withArticle(value.TypeName(want)), err)
		}
		switch op {
		case ">":
			ok = cmp > 0
		case "<":
			ok = cmp < 0
		case ">=":
			ok = cmp >= 0
		default:
			ok = cmp <= 0
		}
	default:
		return t.Failf("prop operator: expected one of ==, !=, >, <, >=, <=, found %q", op)
	}
	if ok {
		return bt.Success
	}
	return bt.Failure
}

func (c *checkCondition) Halt(*bt.Tick) {}

// compare orders two numbers or two strings: -1, 0 or 1.
func compare(a, b any) (int, error) {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			}
			return 0, nil
		}
	}
	if x, ok := value.AsFloat(a); ok {
		if y, ok := value.AsFloat(b); ok {
			switch {
			case x < y:
				return -1, nil
			case x > y:
				return 1, nil
			case x == y:
				return 0, nil
			}
			return 0, errors.New("NaN has no order")
		}
	}
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	}
	return 0, errors.New("only two numbers or two strings can be ordered")
}

// Stateless marks the node as having nothing to reset between runs: a CheckCondition keeps no state.
func (*checkCondition) Stateless() {}
