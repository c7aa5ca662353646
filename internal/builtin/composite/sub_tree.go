// SubTree: runs its child (written inline, or the tree of the file its
// treeId names, which the loader links as the child) in a child blackboard
// scope and copies chosen names back to the parent scope.

package composite

import (
	"fmt"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "SubTree", Kind: bt.Composite, Category: "composite",
		Children: bt.Children{Min: 0, Max: 1, Names: []string{"subtree"}},
		Summary:  "Runs a subtree (its child, or the tree of the file named by treeId) in its own blackboard scope; only the names listed in outputs come back.",
		Description: "Runs a subtree and gives it a blackboard scope of its own for the time it runs. " +
			"The subtree is either one child written inline under `children`, or, as in " +
			"@wayfarer-ai/btree, the tree registered under `treeId`: another document of the same " +
			"file (documents are separated by `---`) whose root node has that id. Reads fall " +
			"through to the enclosing scope, so the subtree sees everything its parent sees; writes " +
			"stay in the subtree's scope and are dropped when it ends, except the names listed in " +
			"`outputs`.\n\n" +
			"When the subtree finishes, with SUCCESS or FAILURE, each entry `inner: parent` of " +
			"`outputs` whose inner name the subtree wrote is copied to the enclosing scope under the " +
			"parent name; names the subtree did not write are skipped, leaving the parent's value " +
			"unchanged. Then the SubTree returns the subtree's result. Nothing is copied when the " +
			"SubTree is halted. Every run starts with a fresh, empty scope.\n\n" +
			"A `treeId` that no document of the file defines, and trees that reference themselves " +
			"through `treeId` (directly or through other trees), are errors when the workflow loads. " +
			"Differences from @wayfarer-ai/btree: btree's registry holds trees registered in code, " +
			"from any file; weft's holds the documents of the workflow's own file. `outputs` is " +
			"weft's own: btree's SubTree copies nothing back.",
		Props: []bt.PropSpec{
			{Name: "treeId", Type: bt.TypeString,
				Description: "The id of the tree to run: the root node's id of another document of this file. Written out, without templates; not together with `children`."},
			{Name: "outputs", Type: bt.TypeObject,
				Description: "Names to copy back to the enclosing scope when the subtree finishes: a map of inner name to parent name, such as `{result: orderResult}`."},
		},
		New: newSubTree,
	})
}

// output is one name copied back to the parent scope.
type output struct{ inner, parent string }

func newSubTree(c *bt.Config) (bt.Behavior, error) {
	if len(c.Children) == 0 {
		// The loader links a treeId's tree as the child; checking the
		// workflow before that sees none.
		if p := c.Props.Get("treeId"); p == nil {
			return nil, fmt.Errorf("takes one child under children, or a treeId naming another tree of the file; found neither")
		}
		s := &subTree{}
		return s, s.setOutputs(c)
	}
	s := &subTree{child: c.Children[0]}
	return s, s.setOutputs(c)
}

// setOutputs reads the outputs prop.
func (s *subTree) setOutputs(c *bt.Config) error {
	p := c.Props.Get("outputs")
	if p == nil {
		return nil
	}
	v, ok := p.Value.Literal()
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		return fmt.Errorf("prop outputs: expected a map of inner names to parent names, without templates")
	}
	for _, inner := range value.SortedKeys(m) {
		if inner == "" {
			return fmt.Errorf("prop outputs: an inner name must not be empty")
		}
		parent, ok := m[inner].(string)
		if !ok || parent == "" {
			return fmt.Errorf("prop outputs: %q: expected a parent blackboard name (a non-empty string), found %s %s",
				inner, value.TypeName(m[inner]), value.Text(m[inner]))
		}
		s.outputs = append(s.outputs, output{inner, parent})
	}
	return nil
}

type subTree struct {
	child   *bt.Node
	outputs []output

	// While running: the child's tick, on the child scope.
	tt *bt.Tick
}

var (
	_ bt.Behavior = (*subTree)(nil)
	_ bt.Resetter = (*subTree)(nil)
)

func (s *subTree) Tick(t *bt.Tick) bt.Status {
	if s.child == nil {
		return t.Fail(fmt.Errorf("%w: SubTree %s: its treeId's tree was never linked (load the workflow with workflow.Load)", bt.ErrInternal, t.Node().ID))
	}
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

// Reset drops the child's tick and its scope.
func (s *subTree) Reset() { s.tt = nil }
