// Named trees: a workflow file may hold several YAML documents, separated by
// `---`. The first is the workflow; each other one is a tree registered
// under its root node's id, which a SubTree runs with `treeId: ID`, as
// @wayfarer-ai/btree's SubTree runs a tree of its registry. This file reads
// the documents, checks every treeId (unknown ids, cycles, the size the tree
// expands to) and links each referenced tree into its SubTree.

package workflow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/suggest"
)

// subTreeType is the node type whose treeId the loader links.
const subTreeType = "SubTree"

// maxExpandedNodes bounds the nodes of a workflow once every treeId is
// replaced by its tree, so that trees that each run another several times
// cannot make a tree of millions of nodes from a small file.
const maxExpandedNodes = 20_000

// parseDocuments reads every YAML document of data. ok is false, with the
// problem in d, when the YAML does not parse or holds no node.
func parseDocuments(file string, data []byte, d *diags) (docs []*yaml.Node, ok bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		doc := new(yaml.Node)
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			p := bt.Pos{File: file, Line: 1, Col: 1}
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
				if m[2] != "" {
					p.Col, _ = strconv.Atoi(m[2])
				}
				msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
				msg = strings.TrimPrefix(strings.TrimPrefix(msg, ":"), " ")
			}
			d.addAt(p, "invalid YAML: %s", msg)
			return nil, false
		}
		// A document of only comments, or an empty one after `---`,
		// defines nothing.
		if doc.Kind == 0 || len(doc.Content) == 0 || isEmptyNode(doc.Content[0]) {
			continue
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		d.addAt(bt.Pos{File: file, Line: 1, Col: 1}, "empty workflow: expected a node mapping with a type")
		return nil, false
	}
	return docs, true
}

// isEmptyNode reports whether n is the implicit null of a document with
// nothing in it (such as the one after a trailing `---`).
func isEmptyNode(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && n.Value == "" && n.Style == 0
}

// treeSet is the trees of a file and the SubTree nodes that name them.
type treeSet struct {
	byID map[string]*bt.Def // the documents after the first, by their root's id
	ids  []string           // those ids, in file order
	refs []treeRef          // every SubTree with a valid treeId, linked by linkTrees
}

// treeRef is one SubTree that runs the tree id.
type treeRef struct {
	def *bt.Def
	id  string
}

// namedTrees registers the documents after the first under their roots'
// ids, which they must have (an explicit one: a generated id could not be
// named). The first document's root, when its id is explicit, can be named
// too, but only from another tree: running itself is a cycle.
func (l *loader) namedTrees(docs []*yaml.Node, roots []*bt.Def) *treeSet {
	ts := &treeSet{byID: map[string]*bt.Def{}}
	for i, r := range roots {
		if r == nil {
			continue
		}
		if strings.HasPrefix(r.ID, "\x00") {
			if i > 0 {
				l.d.add(docs[i].Content[0], "the tree of document %d has no id: a tree after the file's first document is run by a SubTree's `treeId: ID`, so its root node needs `id: ID`", i+1)
			}
			continue
		}
		ts.byID[r.ID] = r
		if i > 0 {
			ts.ids = append(ts.ids, r.ID)
		}
	}
	return ts
}

// treeName names the tree of root in messages.
func treeName(root *bt.Def, main *bt.Def) string {
	if root == main && strings.HasPrefix(root.ID, "\x00") {
		return "(the workflow)"
	}
	return strconv.Quote(root.ID)
}

// checkTreeRefs finds every SubTree's treeId and reports what cannot be
// linked: a treeId with a child too, not written out, naming no tree of the
// file, or making a cycle; and a workflow too large once expanded.
func (l *loader) checkTreeRefs(roots []*bt.Def, ts *treeSet) {
	main := roots[0]
	edges := map[*bt.Def][]treeRef{} // a tree's root -> the trees it runs
	for _, r := range roots {
		if r == nil {
			continue
		}
		r.Walk(func(def *bt.Def) {
			if def.Spec == nil || def.Spec.Name != subTreeType {
				return
			}
			p := def.Props["treeId"]
			if p == nil || !p.Set {
				return
			}
			v, lit := p.Value.Literal()
			id, isStr := v.(string)
			switch {
			case !lit || !isStr:
				l.d.addAt(p.Pos, "%s %q: prop treeId: expected the id of a tree of this file, written out without templates, found %v", def.Type, def.ID, p.Raw)
				return
			case id == "":
				l.d.addAt(p.Pos, "%s %q: prop treeId: expected the id of a tree of this file, found an empty string", def.Type, def.ID)
				return
			case len(def.Children) > 0:
				l.d.addAt(p.Pos, "%s %q: takes either treeId or one child under children, not both", def.Type, def.ID)
				return
			}
			if _, ok := ts.byID[id]; !ok {
				l.d.addAt(p.Pos, "%s %q: treeId %q: no tree of this file has that id (%s)%s", def.Type, def.ID, id, treeList(ts), treeHint(id, ts))
				return
			}
			edges[r] = append(edges[r], treeRef{def: def, id: id})
			ts.refs = append(ts.refs, treeRef{def: def, id: id})
		})
	}
	if l.reportCycles(roots, ts, edges) {
		return
	}
	// Sizes: a tree's nodes plus, for each SubTree naming a tree, that
	// tree's size. Saturated above the limit; the graph has no cycle now.
	size := map[*bt.Def]int{}
	var sizeOf func(r *bt.Def) int
	sizeOf = func(r *bt.Def) int {
		if n, ok := size[r]; ok {
			return n
		}
		n := 0
		r.Walk(func(*bt.Def) { n++ })
		for _, e := range edges[r] {
			n = min(n+sizeOf(ts.byID[e.id]), maxExpandedNodes+1)
		}
		size[r] = n
		return n
	}
	if main != nil && sizeOf(main) > maxExpandedNodes {
		l.d.addAt(main.Pos, "the workflow has more than %d nodes once each SubTree's treeId is replaced by its tree: run fewer trees, or each fewer times", maxExpandedNodes)
	}
}

// reportCycles reports every treeId that closes a cycle of trees, at that
// SubTree, with the cycle's tree ids; it returns whether there was one.
func (l *loader) reportCycles(roots []*bt.Def, ts *treeSet, edges map[*bt.Def][]treeRef) bool {
	const (
		white = iota
		grey
		black
	)
	color := map[*bt.Def]int{}
	var stack []*bt.Def
	found := false
	var visit func(r *bt.Def)
	visit = func(r *bt.Def) {
		color[r] = grey
		stack = append(stack, r)
		for _, e := range edges[r] {
			t := ts.byID[e.id]
			switch color[t] {
			case white:
				visit(t)
			case grey:
				found = true
				var names []string
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i] == t {
						for _, s := range stack[i:] {
							names = append(names, treeName(s, roots[0]))
						}
						break
					}
				}
				names = append(names, strconv.Quote(e.id))
				p := e.def.Props["treeId"].Pos
				if len(names) == 2 {
					l.d.addAt(p, "%s %q: treeId %q is the tree this SubTree is in: a tree must not run itself", e.def.Type, e.def.ID, e.id)
				} else {
					l.d.addAt(p, "%s %q: treeId %q makes a cycle of trees (%s): a tree must not run itself, directly or through other trees", e.def.Type, e.def.ID, e.id, strings.Join(names, " -> "))
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[r] = black
	}
	for _, r := range roots {
		if r != nil && color[r] == white {
			visit(r)
		}
	}
	return found
}

func treeList(ts *treeSet) string {
	if len(ts.ids) == 0 {
		return "it has no other documents: write the tree after `---`, with `id: ID` on its root node"
	}
	q := make([]string, len(ts.ids))
	for i, id := range ts.ids {
		q[i] = strconv.Quote(id)
	}
	return "its trees: " + strings.Join(q, ", ")
}

func treeHint(id string, ts *treeSet) string {
	if s := suggest.Nearest(id, ts.ids); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// linkTrees makes each referenced tree the child of the SubTree that names
// it. A tree named by several SubTree nodes is shared between them: a Def
// is immutable, and every instance of the workflow builds nodes of its own
// for each place the tree runs.
func (l *loader) linkTrees(ts *treeSet) {
	for _, r := range ts.refs {
		r.def.Children = []*bt.Def{ts.byID[r.id]}
	}
}

// unusedTrees are the ids of the trees the workflow never runs.
func unusedTrees(root *bt.Def, ts *treeSet) []string {
	used := map[*bt.Def]bool{}
	var mark func(d *bt.Def)
	mark = func(d *bt.Def) {
		if used[d] {
			return
		}
		used[d] = true
		for _, c := range d.Children {
			mark(c)
		}
	}
	mark(root)
	var out []string
	for _, id := range ts.ids {
		if !used[ts.byID[id]] {
			out = append(out, id)
		}
	}
	return out
}
