// SubTree: runs its child in a child blackboard scope and copies chosen
// names back to the parent scope.

package composite

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "SubTree", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 1, Max: 1, Names: []string{"subtree"}},
		Summary:  "Runs its child in its own blackboard scope; only the names listed in outputs come back.",
		Description: "Wraps one child, written inline under `children`, and gives it a blackboard " +
			"scope of its own for the time it runs. Reads fall through to the enclosing scope, so " +
			"the subtree sees everything its parent sees; writes stay in the subtree's scope and are " +
			"dropped when it ends, except the names listed in `outputs`.\n\n" +
			"When the child finishes, with SUCCESS or FAILURE, each entry `inner: parent` of " +
			"`outputs` whose inner name the subtree wrote is copied to the enclosing scope under the " +
			"parent name; names the subtree did not write are skipped, leaving the parent's value " +
			"unchanged. Then the SubTree returns the child's result. Nothing is copied when the " +
			"SubTree is halted. Every run starts with a fresh, empty scope.\n\n" +
			"@wayfarer-ai/btree's SubTree instead references a tree registered in code through a " +
			"`treeId` prop, and has no outputs; weft does not support `treeId`: write the subtree " +
			"inline under `children`.",
		Props: []bt.PropSpec{
			{Name: "outputs", Type: bt.TypeObject,
				Description: "Names to copy back to the enclosing scope when the child finishes: a map of inner name to parent name, such as `{result: orderResult}`."},
		},
		New: newSubTree,
	})
}

// output is one name copied back to the parent scope.
type output struct{ inner, parent string }

func newSubTree(c *bt.Config) (bt.Behavior, error) {
	s := &subTree{child: c.Children[0]}
	p := c.Props.Get("outputs")
	if p == nil {
		return s, nil
	}
	v, ok := p.Value.Literal()
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		return nil, fmt.Errorf("prop outputs: expected a map of inner names to parent names, without templates")
	}
	for _, inner := range value.SortedKeys(m) {
		if inner == "" {
			return nil, fmt.Errorf("prop outputs: an inner name must not be empty")
		}
		parent, ok := m[inner].(string)
		if !ok || parent == "" {
			return nil, fmt.Errorf("prop outputs: %q: expected a parent blackboard name (a non-empty string), found %s %s",
				inner, value.TypeName(m[inner]), value.Text(m[inner]))
		}
		s.outputs = append(s.outputs, output{inner, parent})
	}
	return s, nil
}

type subTree struct {
	child   *bt.Node
	outputs []output

	// While running: the child's tick, on the child scope.
	tt *bt.Tick
}

var _ bt.Behavior = (*subTree)(nil)

func (s *subTree) Tick(t *bt.Tick) bt.Status {
	if s.tt == nil {
		tt := t.With(t.Ctx, t.BB.Scope())
		s.tt = &tt
	}
	st := s.tt.Child(s.child)
	if st == bt.Running {
		return bt.Running
	}
	local := s.tt.BB.Local()
	s.tt = nil
	for _, o := range s.outputs {
		if v, ok := local[o.inner]; ok {
			t.BB.Set(o.parent, v)
		}
	}
	return st
}

func (s *subTree) Halt(*bt.Tick) {
	if s.tt != nil {
		s.tt.Halt(s.child)
		s.tt = nil
	}
}
