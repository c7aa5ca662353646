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
	tr, errs := d.instantiate(workflow, svc)
	if len(errs) > 0 {
		e := errs[0]
		return nil, fmt.Errorf("%s: node %q (%s): %w", e.Def.Pos, e.Def.ID, e.Def.Type, e.Err)
	}
	return tr, nil
}

// BuildError is a node type's New refusing a node's configuration.
type BuildError struct {
	Def *Def
	Err error
}

// Check builds every node once and returns every refusal, so that problems
// only a node type's New can see (a regular expression, a script, a
// threshold against the number of children) are reported when the
// workflow loads, all at once.
func (d *Def) Check() []BuildError { return d.CheckSkipping(nil) }

// CheckSkipping is Check without calling New for the nodes skip picks
// (their children are still checked): the loader's, whose configuration it
// has already refused, so that New never sees what it may assume is there.
func (d *Def) CheckSkipping(skip func(*Def) bool) []BuildError { return d.CheckWith(nil, skip) }

// CheckWith is CheckSkipping with the services the tree will run with
// (nil: none), so that New can check what depends on the operator's
// settings (the interpreters' maximum timeout).
func (d *Def) CheckWith(svc *Services, skip func(*Def) bool) []BuildError {
	if svc == nil {
		svc = &Services{}
	}
	var errs []BuildError
	tr := &Tree{}
	d.check(tr, svc, skip, &errs)
	return errs
}

func (d *Def) check(tr *Tree, svc *Services, skip func(*Def) bool, errs *[]BuildError) *Node {
	n := &Node{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Index: len(tr.Nodes)}
	tr.Nodes = append(tr.Nodes, n)
	for _, c := range d.Children {
		n.Children = append(n.Children, c.check(tr, svc, skip, errs))
	}
	if d.Spec == nil || (skip != nil && skip(d)) {
		return n
	}
	b, err := d.Spec.New(&Config{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Spec: d.Spec,
		Props: d.Props, Children: n.Children, Services: svc})
	if err != nil {
		*errs = append(*errs, BuildError{Def: d, Err: err})
	}
	n.Behavior = b
	return n
}

func (d *Def) instantiate(workflow string, svc *Services) (*Tree, []BuildError) {
	if svc == nil {
		svc = &Services{}
	}
	tr := &Tree{Workflow: workflow}
	var errs []BuildError
	tr.Root = d.build(tr, svc, &errs)
	if len(errs) == 0 {
		tr.prepare()
	}
	return tr, errs
}

func (d *Def) build(tr *Tree, svc *Services, errs *[]BuildError) *Node {
	n := &Node{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Index: len(tr.Nodes)}
	tr.Nodes = append(tr.Nodes, n)
	for _, c := range d.Children {
		n.Children = append(n.Children, c.build(tr, svc, errs))
	}
	b, err := d.Spec.New(&Config{ID: d.ID, Type: d.Type, Name: d.Name, Pos: d.Pos, Spec: d.Spec,
		Props: d.Props, Children: n.Children, Services: svc})
	if err != nil {
		*errs = append(*errs, BuildError{Def: d, Err: err})
	}
	n.Behavior = b
	return n
}

// Walk calls fn for d and every descendant, in pre-order.
func (d *Def) Walk(fn func(*Def)) {
	fn(d)
	for _, c := range d.Children {
		c.Walk(fn)
	}
}
