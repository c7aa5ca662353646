// Problems and node types of workflows, as plain values for programs that
// show them (the server's 422 replies, editors): where each problem is,
// and which node types a workflow uses.

package weft

import (
	"errors"
	"sort"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/tsnode"
	"github.com/weft-dev/weft/internal/workflow"
)

// Problem is one problem of an invalid workflow, as `weft validate` prints
// it: FILE:LINE:COL: Message.
type Problem struct {
	File      string
	Line, Col int
	Message   string
}

// Problems returns every problem an error from loading a workflow (or from
// BuildTypeScript) lists, in order; an error that is not a list of problems is one Problem with its
// text and no position.
//
//	if _, err := eng.Load("flow.yaml", src); err != nil {
//		for _, p := range weft.Problems(err) { fmt.Println(p.Line, p.Message) }
//	}
func Problems(err error) []Problem {
	if err == nil {
		return nil
	}
	var list *workflow.Errors
	if errors.As(err, &list) {
		out := make([]Problem, 0, len(list.List))
		for _, d := range list.List {
			out = append(out, Problem{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Message: d.Msg})
		}
		return out
	}
	var ts *tsnode.Error
	if errors.As(err, &ts) {
		out := make([]Problem, 0, len(ts.Problems))
		for _, p := range ts.Problems {
			msg := p.Msg
			if p.Field != "" {
				msg = p.Field + ": " + msg
			}
			out = append(out, Problem{File: p.File, Line: p.Line, Col: p.Column, Message: msg})
		}
		return out
	}
	return []Problem{{Message: err.Error()}}
}

// Lint returns what may fail a run of a valid workflow but need not, as
// `weft validate` prints it (FILE:LINE:COL: warning: Message), in file
// order: a template reading a name that no earlier node writes and that is
// not among inputs (the names the run's inputs give, when known), a tree of
// the file that no SubTree runs. Unlike [Workflow.Warnings] these say
// nothing about packages, and the server does not report them.
//
//	for _, p := range wf.Lint("orderId") { fmt.Printf("%s:%d:%d: warning: %s\n", p.File, p.Line, p.Col, p.Message) }
func (w *Workflow) Lint(inputs ...string) []Problem {
	list := w.wf.Lint(inputs)
	out := make([]Problem, 0, len(list))
	for _, d := range list {
		out = append(out, Problem{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Message: d.Msg})
	}
	return out
}

// NodeTypes returns the node types the workflow uses, sorted, each once.
func (w *Workflow) NodeTypes() []string {
	seen := map[string]bool{}
	w.wf.Root.Walk(func(d *bt.Def) { seen[d.Type] = true })
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// sideEffects are the built-in node types that reach outside the run.
// Custom nodes (any type the built-in registry does not hold) may too; PythonInterpreter and
// JavaScriptInterpreter run without network or files, so they do not.
var sideEffects = map[string]bool{"HttpRequest": true}

// Rerunnable reports whether running the workflow again from the start
// cannot repeat an effect outside the run: none of its nodes sends a
// request or is a custom node. Inline scripts run sandboxed without
// network or files, so they count as free of side effects.
func (w *Workflow) Rerunnable() bool {
	for _, t := range w.NodeTypes() {
		// A type the built-in registry does not hold is a custom node's:
		// PACKAGE/NODE, or a TypeScript node's bare NAME. A Go node
		// (RegisterNode) is in the registry but may do anything.
		w.eng.pkgMu.RLock()
		goNode := w.eng.goNodes[t]
		w.eng.pkgMu.RUnlock()
		if _, known := w.eng.reg.Lookup(t); sideEffects[t] || !known || goNode {
			return false
		}
	}
	return true
}

// TreeNode is one node of a workflow's tree, as tools draw it.
type TreeNode struct {
	// Type is the node type as the workflow names it; ID the node's id in
	// run events (generated when the workflow gives none); Name its
	// optional display name.
	Type, ID, Name string
	// Kind is "composite", "decorator" or "leaf".
	Kind string
	// Line is the node's line in the workflow file.
	Line     int
	Children []TreeNode
}

// Tree returns the workflow's tree: each node's type, id and kind, and its
// children, in order.
//
//	for _, c := range wf.Tree().Children { fmt.Println(c.ID, c.Type) }
func (w *Workflow) Tree() TreeNode { return treeOf(w.wf.Root) }

func treeOf(d *bt.Def) TreeNode {
	t := TreeNode{Type: d.Type, ID: d.ID, Name: d.Name, Line: d.Pos.Line, Kind: "leaf"}
	if d.Spec != nil {
		t.Kind = string(d.Spec.Kind)
	}
	for _, c := range d.Children {
		t.Children = append(t.Children, treeOf(c))
	}
	return t
}
