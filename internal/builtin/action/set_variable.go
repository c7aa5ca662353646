// SetVariable: stores a value on the blackboard.

package action

import "github.com/weft-dev/weft/internal/bt"

func init() {
	register(&bt.Spec{
		Name: "SetVariable", Kind: bt.Leaf, Category: "utility", Children: none,
		Summary: "Stores `value` under `key` on the blackboard; returns SUCCESS.",
		Description: "Evaluates `value` and stores it under `key` in the current blackboard scope " +
			"(inside a SubTree, the subtree's scope). A value that is exactly one template keeps " +
			"the expression's type: `value: \"{{ count + 1 }}\"` stores an integer, " +
			"`value: \"{{ httpResponse.data }}\"` the decoded object; a string with text around the " +
			"template stores the interpolated text. Objects and arrays may hold templates in their " +
			"elements. A template error (such as a name that is not on the blackboard) makes the " +
			"node fail with that error.\n\n" +
			"@wayfarer-ai/btree mentions SetVariable only in its README and has no such node; " +
			"this one is weft's.",
		Props: []bt.PropSpec{
			{Name: "key", Type: bt.TypeKey, Required: true,
				Description: "Blackboard key to set."},
			{Name: "value", Type: bt.TypeAny, Required: true,
				Description: "The value to store (any type, may be null); templates are evaluated when the node runs."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &setVariable{key: c.Props.Get("key"), val: c.Props.Get("value")}, nil
		},
	})
}

type setVariable struct {
	key, val *bt.Prop
}

var (
	_ bt.Behavior  = (*setVariable)(nil)
	_ bt.Stateless = (*setVariable)(nil)
)

func (s *setVariable) Tick(t *bt.Tick) bt.Status {
	key, err := blackboardKey(t, s.key, "")
	if err != nil {
		return t.Fail(err)
	}
	v, err := s.val.Any(t)
	if err != nil {
		return t.Fail(err)
	}
	t.BB.Set(key, v)
	return bt.Success
}

func (s *setVariable) Halt(*bt.Tick) {}

// Stateless marks the node as having nothing to reset between runs: a SetVariable keeps no state.
func (*setVariable) Stateless() {}
