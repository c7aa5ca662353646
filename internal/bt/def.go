// Definitions: a validated, compiled tree that can be instantiated many
// times, once per run.

package bt

import "fmt"

// Def is one node of a compiled workflow: its type's spec, its compiled
// props and its children. A Def is immutable and shared by every run of the
// workflow; [Def.Instantiate] makes the per-run nodes.
type Def struct {
	ID       string
	Type     string
	Name     string
	Pos      Pos
	Spec     *Spec
	Props    Props
	Children []*Def
}

// Instantiate builds a fresh tree of nodes from d.
//
// # Errors
//
// The first error of a node type's New, naming the node and its position.
func (d *Def) Instantiate(workflow string, svc *Services) (*Tree, error) {
	if svc == nil {
		svc = &Services{}
	}
	tr := &Tree{Workflow: workflow}
	root, err := d.build(tr, svc)
	if err != nil {
		return nil, err
	}
	tr.Root = root
	return tr, nil
}

func (d *Def) build(tr *Tree, svc *Services) (*Node, error) {
	n := &Node{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Index: len(tr.Nodes)}
	tr.Nodes = append(tr.Nodes, n)
	for _, c := range d.Children {
		cn, err := c.build(tr, svc)
		if err != nil {
			return nil, err
		}
		n.Children = append(n.Children, cn)
	}
	b, err := d.Spec.New(&Config{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Spec: d.Spec,
		Props: d.Props, Children: n.Children, Services: svc})
	if err != nil {
		return nil, fmt.Errorf("%s: node %q (%s): %w", d.Pos, d.ID, d.Type, err)
	}
	n.Behavior = b
	return n, nil
}

// Walk calls fn for d and every descendant, in pre-order.
func (d *Def) Walk(fn func(*Def)) {
	fn(d)
	for _, c := range d.Children {
		c.Walk(fn)
	}
}
