// Package workflow reads workflow files (YAML behavior trees), validates
// them against a registry of node types, and compiles them into [bt.Def]
// trees that can be run many times.
//
//	wf, err := workflow.Load("flow.yaml", data, workflow.Options{Registry: reg})
//	// err is a *workflow.Errors listing every problem as FILE:LINE:COL: message
//	tree, err := wf.Root.Instantiate(wf.ID, services)
//
// The format is the one of ../shared/design/workflow-format.md: every node is
// `{type, id?, name?, props?, children?}`.
package workflow

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/template"
)

// Resolver finds the spec of a node type the registry does not hold: custom
// nodes named PACKAGE_ID/NODE_ID[@VERSION], and TypeScript nodes named
// NAME[@VERSION]. It returns ErrUnknownType when it does not know the name.
type Resolver func(typeName string) (*bt.Spec, error)

// ErrUnknownType is what a Resolver returns for a name it does not know.
var ErrUnknownType = errors.New("unknown node type")

// Options configure loading.
type Options struct {
	Registry *bt.Registry
	Resolver Resolver // optional
	// Syntax, when set, checks the source of a prop in a language
	// (bt.PropSpec.Language): nil when it compiles, else the script's line
	// and column (1-based; 0 when unknown) and the compiler's message. The
	// loader reports it at the YAML file's line and column.
	Syntax func(language, src string) *SyntaxError
	// Services, when set, are what the nodes' New sees while the loader
	// checks them (bt.Def.CheckWith): the engine's, with its limits.
	Services *bt.Services
}

// SyntaxError is a script's syntax error, in the script's own lines.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

// Workflow is a loaded, validated, compiled workflow file.
type Workflow struct {
	File string
	ID   string // the root node's id, else the file's base name
	// Root is the workflow's tree (the file's first document), with every
	// SubTree's treeId linked: the named tree's root is its child.
	Root *bt.Def
	// Trees are the ids of the file's other documents, the trees SubTree
	// nodes may run by treeId, in file order.
	Trees []string

	unused []Diagnostic // the trees never run, for Lint
}

// Lint returns the warnings about the workflow, in file order: what may
// fail at run time but need not, and does not make the workflow invalid. A
// template reading a name that no earlier node writes and that is not among
// inputs (the names the run's inputs will give, when known) fails unless
// the inputs give it; a tree of the file that no SubTree runs is dead code.
func (w *Workflow) Lint(inputs []string) []Diagnostic {
	out := append([]Diagnostic(nil), w.unused...)
	out = append(out, nameWarnings(w.Root, inputs)...)
	sortDiagnostics(out)
	return out
}

// Diagnostic is one problem in a workflow file.
type Diagnostic struct {
	Pos bt.Pos
	Msg string
}

func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Msg }

// Errors is every problem found in a file, in file order. It is the error
// type Load returns for bad input.
type Errors struct {
	List []Diagnostic
}

func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, d := range e.List {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

type diags struct {
	file string
	list []Diagnostic
}

func (d *diags) add(n *yaml.Node, format string, args ...any) {
	d.addAt(d.pos(n), format, args...)
}

func (d *diags) addAt(p bt.Pos, format string, args ...any) {
	d.list = append(d.list, Diagnostic{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *diags) pos(n *yaml.Node) bt.Pos {
	if n == nil {
		return bt.Pos{File: d.file, Line: 1, Col: 1}
	}
	return bt.Pos{File: d.file, Line: max(n.Line, 1), Col: max(n.Column, 1)}
}

func (d *diags) err() error {
	if len(d.list) == 0 {
		return nil
	}
	sortDiagnostics(d.list)
	return &Errors{List: d.list}
}

// sortDiagnostics puts a file's diagnostics in file order.
func sortDiagnostics(list []Diagnostic) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Pos, list[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// nodeKeys are the keys a node mapping may have.
var nodeKeys = []string{"type", "id", "name", "props", "children"}

var yamlLineRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?`)

// Load parses, validates and compiles a workflow file. file names the file
// in error messages.
//
// # Errors
//
// A *Errors holding every problem found: YAML syntax, unknown node types
// (with the nearest known name), child counts, duplicate ids, missing or
// unknown props, literal props of the wrong type, and templates that do not
// compile.
func Load(file string, data []byte, opts Options) (*Workflow, error) {
	d := &diags{file: file}
	docs, ok := parseDocuments(file, data, d)
	if !ok {
		return nil, d.err()
	}
	l := &loader{d: d, opts: opts, conv: &converter{d: d}, ids: map[string]bt.Pos{}, bad: map[*bt.Def]bool{}, renamed: map[string]string{},
		lines: strings.Split(string(data), "\n")}
	// Every document is a tree: the first is the workflow, the others the
	// trees SubTree nodes name by their root's id (treeId).
	var roots []*bt.Def
	for i, doc := range docs {
		path := ""
		if i > 0 {
			path = fmt.Sprintf("#%d/", i)
		}
		roots = append(roots, l.node(doc.Content[0], path))
	}
	root := roots[0]
	if root == nil {
		return nil, d.err()
	}
	wf := &Workflow{File: file, Root: root, ID: root.ID}
	if strings.HasPrefix(root.ID, "\x00") {
		wf.ID = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	trees := l.namedTrees(docs, roots)
	l.assignIDs(roots)
	l.checkTreeRefs(roots, trees)
	// Messages written before the ids were generated name the node by its
	// placeholder: name it by its id now.
	for i := range d.list {
		for old, id := range l.renamed {
			d.list[i].Msg = strings.ReplaceAll(d.list[i].Msg, strconv.Quote(old), strconv.Quote(id))
		}
	}
	// Every problem at once: what only a node type's New sees is checked
	// too, for every node the loader did not refuse already.
	var buildErrs []bt.BuildError
	for _, r := range roots {
		if r != nil {
			buildErrs = append(buildErrs, r.CheckWith(l.opts.Services, func(def *bt.Def) bool { return l.bad[def] })...)
		}
	}
	for _, e := range buildErrs {
		at := e.Def.Pos
		// Point at the prop the error is about, when it says which.
		if rest, ok := strings.CutPrefix(e.Err.Error(), "prop "); ok {
			if name, _, ok := strings.Cut(rest, ":"); ok {
				if p := e.Def.Props[name]; p != nil && p.Set {
					at = p.Pos
				}
			}
		}
		d.addAt(at, "%s %q: %v", e.Def.Type, e.Def.ID, e.Err)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	l.linkTrees(trees)
	wf.Trees = trees.ids
	for _, id := range unusedTrees(root, trees) {
		wf.unused = append(wf.unused, Diagnostic{Pos: trees.byID[id].Pos,
			Msg: fmt.Sprintf("tree %q is never run: no SubTree of the workflow names it in treeId", id)})
	}
	return wf, nil
}

type loader struct {
	d    *diags
	opts Options
	conv *converter
	ids  map[string]bt.Pos
	// generated ids are assigned after explicit ones are known, so that a
	// generated id never takes a name the author chose.
	unnamed []*bt.Def
	// bad are the nodes with problems of their own (their Spec's New is not
	// called); renamed maps each placeholder id to the id generated for it.
	bad     map[*bt.Def]bool
	renamed map[string]string
	lines   []string // the file's lines, for scriptPos
}

func (l *loader) node(n *yaml.Node, path string) *bt.Def {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		l.d.add(n, "expected a node (a mapping with type and optional id, name, props, children), found a %s", kindName(n))
		return nil
	}
	def := &bt.Def{Pos: l.d.pos(n)}
	start := len(l.d.list)
	var mid, afterChildren int
	defer func() {
		if (mid-start)+(len(l.d.list)-afterChildren) > 0 || def.Spec == nil {
			l.bad[def] = true
		}
	}()
	fields := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.d.add(k, "expected a key, found a %s", kindName(k))
			continue
		}
		if _, dup := fields[k.Value]; dup {
			l.d.add(k, "duplicate key %q", k.Value)
			continue
		}
		if !contains(nodeKeys, k.Value) {
			hint := ""
			if s := bt.Nearest(k.Value, nodeKeys); s != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			l.d.add(k, "unknown key %q in node: expected one of type, id, name, props, children%s", k.Value, hint)
			continue
		}
		fields[k.Value], keys[k.Value] = v, k
	}

	// type
	tn, ok := fields["type"]
	switch {
	case !ok:
		l.d.add(n, "node has no type: expected `type: NodeType`")
	case tn.Kind != yaml.ScalarNode || tn.ShortTag() != "!!str" || tn.Value == "":
		l.d.add(tn, "expected a node type name, found a %s", kindName(tn))
	default:
		def.Type = tn.Value
		def.Spec = l.resolve(tn)
	}
	// id and name
	if v, ok := fields["id"]; ok {
		if s, good := l.scalarString(v, "id"); good {
			if s == "" {
				l.d.add(v, "id must not be empty")
			} else if first, dup := l.ids[s]; dup {
				l.d.add(v, "duplicate id %q: first used at %d:%d", s, first.Line, first.Col)
			} else {
				l.ids[s] = l.d.pos(v)
				def.ID = s
			}
		}
	}
	if def.ID == "" {
		l.unnamed = append(l.unnamed, def)
		def.ID = "\x00" + path // placeholder, replaced by assignIDs
	}
	if v, ok := fields["name"]; ok {
		def.Name, _ = l.scalarString(v, "name")
	}
	// children
	var childNodes []*yaml.Node
	childrenPos := n
	if v, ok := fields["children"]; ok {
		childrenPos = keys["children"]
		switch v.Kind {
		case yaml.SequenceNode:
			childNodes = v.Content
		case yaml.ScalarNode:
			if v.ShortTag() != "!!null" {
				l.d.add(v, "children: expected a list of nodes, found a %s", kindName(v))
			}
		default:
			l.d.add(v, "children: expected a list of nodes, found a %s", kindName(v))
		}
	}
	mid = len(l.d.list)
	for i, c := range childNodes {
		if cd := l.node(c, fmt.Sprintf("%s%d.", path, i)); cd != nil {
			def.Children = append(def.Children, cd)
		} else {
			// Its New would see fewer children than the YAML has.
			defer func() { l.bad[def] = true }()
		}
	}
	afterChildren = len(l.d.list)
	if def.Spec != nil {
		l.checkChildren(def, len(childNodes), childrenPos)
		l.props(def, fields["props"], keys["props"])
	} else if v, ok := fields["props"]; ok && v.Kind != yaml.MappingNode && v.ShortTag() != "!!null" {
		l.d.add(v, "props: expected a mapping of prop names to values, found a %s", kindName(v))
	}
	return def
}

func (l *loader) scalarString(v *yaml.Node, field string) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		l.d.add(v, "%s: expected a string, found a %s", field, kindName(v))
		return "", false
	}
	return v.Value, true
}

func (l *loader) resolve(tn *yaml.Node) *bt.Spec {
	name := tn.Value
	reg := l.opts.Registry
	if reg != nil {
		if s, ok := reg.Lookup(name); ok {
			return s
		}
	}
	// PACKAGE/NODE, or a bare name that may be a TypeScript node's
	// (NAME[@VERSION], package ts.NAME): only the resolver knows them.
	if l.opts.Resolver != nil {
		s, err := l.opts.Resolver(name)
		if err == nil {
			return s
		}
		if !errors.Is(err, ErrUnknownType) {
			l.d.add(tn, "node type %q: %v", name, err)
			return nil
		}
	}
	if strings.Contains(name, "/") {
		l.d.add(tn, "unknown node type %q: no installed or --package package provides it", name)
		return nil
	}
	hint := ""
	if reg != nil {
		if s := reg.Suggest(name); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	l.d.add(tn, "unknown node type %q%s", name, hint)
	return nil
}

func (l *loader) checkChildren(def *bt.Def, n int, at *yaml.Node) {
	c := def.Spec.Children
	if n >= c.Min && (c.Max < 0 || n <= c.Max) {
		return
	}
	roles := ""
	if len(c.Names) > 0 {
		roles = " (" + strings.Join(c.Names, ", ") + ")"
	}
	l.d.add(at, "%s takes %s%s, found %d", def.Type, def.Spec.ChildRule(), roles, n)
}

func (l *loader) props(def *bt.Def, v, key *yaml.Node) {
	def.Props = bt.Props{}
	given := map[string]bool{} // written, even if invalid: not "missing"
	spec := def.Spec
	if v != nil && !(v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.MappingNode {
			l.d.add(v, "props: expected a mapping of prop names to values, found a %s", kindName(v))
			return
		}
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, pv := v.Content[i], v.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				l.d.add(k, "expected a prop name, found a %s", kindName(k))
				continue
			}
			if given[k.Value] {
				l.d.add(k, "duplicate prop %q", k.Value)
				continue
			}
			given[k.Value] = true
			ps := spec.Prop(k.Value)
			if ps == nil {
				l.d.add(k, "%s has no prop %q%s", def.Type, k.Value, propHint(spec, k.Value))
				continue
			}
			raw, ok := l.conv.toValue(pv, 0)
			if !ok {
				continue
			}
			p := &bt.Prop{Name: k.Value, Spec: ps, Raw: raw, Pos: l.d.pos(pv), Set: true}
			if p.Value, ok = l.compileProp(def, ps, raw, pv); ok {
				def.Props[k.Value] = p
				if src, isStr := raw.(string); isStr && ps.Language != "" && l.opts.Syntax != nil {
					if se := l.opts.Syntax(ps.Language, src); se != nil {
						l.d.addAt(l.scriptPos(pv, se), "prop %s: %s syntax error: %s (line %d of the script)", k.Value, languageName(ps.Language), se.Msg, se.Line)
					}
				}
			}
		}
	}
	for i := range spec.Props {
		ps := &spec.Props[i]
		if given[ps.Name] {
			continue
		}
		if ps.Required {
			at := def.Pos
			if key != nil {
				at = l.d.pos(key)
			}
			l.d.addAt(at, "%s %q: missing required prop %q (%s)", def.Type, displayID(def), ps.Name, ps.Type)
			continue
		}
		if ps.Default != nil {
			def.Props[ps.Name] = &bt.Prop{Name: ps.Name, Spec: ps, Value: template.Literal(ps.Default), Raw: ps.Default, Pos: def.Pos}
		}
	}
}

// scriptPos is where in the YAML file a script's syntax error is: in a
// block scalar (script: |) the script's line L is L lines below the
// indicator, its column the line's indentation plus the script's; in a
// one-line scalar, after the quote that opens it.
func (l *loader) scriptPos(v *yaml.Node, se *SyntaxError) bt.Pos {
	p := l.d.pos(v)
	line, col := max(se.Line, 1), max(se.Col, 1)
	switch v.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		p.Line += line
		indent := 0
		if p.Line-1 < len(l.lines) {
			text := l.lines[p.Line-1]
			indent = len(text) - len(strings.TrimLeft(text, " "))
		}
		p.Col = indent + col
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		p.Line += line - 1
		if line == 1 {
			p.Col += col
		}
	default:
		p.Line += line - 1
		if line == 1 {
			p.Col += col - 1
		}
	}
	return p
}

func languageName(lang string) string {
	switch lang {
	case "python":
		return "Python"
	case "javascript":
		return "JavaScript"
	}
	return lang
}

// displayID names a node in a message: by its id, or by its placeholder,
// which Load replaces with the generated id.
func displayID(def *bt.Def) string { return def.ID }

func propHint(spec *bt.Spec, name string) string {
	names := make([]string, len(spec.Props))
	for i, p := range spec.Props {
		names[i] = p.Name
	}
	if s := bt.Nearest(name, names); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(names) == 0 {
		return ": it takes no props"
	}
	return ": expected one of " + strings.Join(names, ", ")
}

// compileProp type-checks a literal prop and compiles templates in it.
func (l *loader) compileProp(def *bt.Def, ps *bt.PropSpec, raw any, at *yaml.Node) (template.Value, bool) {
	if len(ps.Enum) > 0 {
		if s, ok := raw.(string); ok && !template.HasTemplate(s) && !contains(ps.Enum, s) {
			l.d.add(at, "prop %s: expected one of %s, found %q", ps.Name, strings.Join(ps.Enum, ", "), s)
			return nil, false
		}
	}
	if !ps.Templated() {
		if _, err := bt.Coerce(ps.Type, raw); err != nil {
			l.d.add(at, "prop %s: %v", ps.Name, err)
			return nil, false
		}
		return template.Literal(raw), true
	}
	v, err := template.Compile(raw)
	if err != nil {
		p := l.d.pos(at)
		var se *template.SyntaxError
		if errors.As(err, &se) && at.Kind == yaml.ScalarNode && at.Line > 0 && !strings.Contains(at.Value, "\n") {
			switch at.Style {
			case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
				p.Col += 1 + se.Offset
			case 0:
				p.Col += se.Offset
			}
		}
		l.d.addAt(p, "prop %s: %v", ps.Name, err)
		return nil, false
	}
	if lit, ok := v.Literal(); ok {
		c, err := bt.Coerce(ps.Type, lit)
		if err != nil {
			l.d.add(at, "prop %s: %v", ps.Name, err)
			return nil, false
		}
		if ps.Type != bt.TypeDuration && ps.Type != bt.TypeNumber {
			return template.Literal(c), true
		}
	}
	return v, true
}

// assignIDs gives nodes without an id one made of their type and position:
// the lower-cased type and the node's 1-based pre-order number, such as
// "sequence-1" or "printaction-3"; a number is skipped when an author took it.
func (l *loader) assignIDs(roots []*bt.Def) {
	i := 0
	for _, root := range roots {
		if root != nil {
			root.Walk(func(d *bt.Def) { l.assignID(d, &i) })
		}
	}
}

func (l *loader) assignID(d *bt.Def, counter *int) {
	*counter++
	i := *counter
	if !strings.HasPrefix(d.ID, "\x00") {
		return
	}
	base := strings.ToLower(strings.ReplaceAll(d.Type, "/", "."))
	if base == "" {
		base = "node"
	}
	id := fmt.Sprintf("%s-%d", base, i)
	for n := 2; ; n++ {
		if _, taken := l.ids[id]; !taken {
			break
		}
		id = fmt.Sprintf("%s-%d-%d", base, i, n)
	}
	l.ids[id] = d.Pos
	l.renamed[d.ID] = id
	d.ID = id
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
