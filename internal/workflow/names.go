// Warnings about blackboard names: a template that reads a name no earlier
// node writes fails when it runs, unless the run's inputs give the name.
// Inputs are known only at run time, so these are warnings, never errors.
// What a node writes is known from its props: outputKey (or its type's
// default key, or a custom node's id), outputs, SetVariable's key,
// CounterAction's counterKey, ForEach's itemKey and indexKey, Script's
// assignments, and the outputs a SubTree copies back from its scope.

package workflow

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/suggest"
	"github.com/weft-dev/weft/internal/template"
	"github.com/weft-dev/weft/internal/value"
)

// nameCheck walks the tree in the order nodes run (pre-order: a node's
// props are evaluated before its children run, its results stored after),
// keeping the names written so far in a stack of blackboard scopes.
type nameCheck struct {
	scopes []map[string]bool
	// opaque: a node wrote names that cannot be known (a custom node may
	// set any variable; a key written with a template): names read after
	// it are not checked.
	opaque bool
	seen   map[string]bool // warnings already given, by position and name
	out    []Diagnostic
}

// nameWarnings returns the warnings about names the workflow reads before
// any node writes them, inputs aside.
func nameWarnings(root *bt.Def, inputs []string) []Diagnostic {
	given := map[string]bool{}
	for _, n := range inputs {
		given[n] = true
	}
	c := &nameCheck{scopes: []map[string]bool{given}, seen: map[string]bool{}}
	c.visit(root)
	return c.out
}

func (c *nameCheck) known(name string) bool {
	for _, s := range c.scopes {
		if s[name] {
			return true
		}
	}
	return false
}

func (c *nameCheck) write(name string) {
	if name != "" {
		c.scopes[len(c.scopes)-1][name] = true
	}
}

func (c *nameCheck) allKnown() []string {
	var out []string
	for _, s := range c.scopes {
		out = append(out, value.SortedKeys(s)...)
	}
	return out
}

// read warns when name is not known at p.
func (c *nameCheck) read(def *bt.Def, prop string, p bt.Pos, name string, how string) {
	if c.opaque || c.known(name) {
		return
	}
	key := fmt.Sprintf("%d:%d:%s", p.Line, p.Col, name)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	hint := ""
	if s := suggest.Nearest(name, c.allKnown()); s != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", s)
	}
	c.out = append(c.out, Diagnostic{Pos: p, Msg: fmt.Sprintf(
		"%s %q: prop %s %s %q, which no earlier node writes: unless the run's inputs give it (--input %s=...), the node fails%s",
		def.Type, def.ID, prop, how, name, name, hint)})
}

// literalKey is a key prop's name when it is written out; ok is false when
// it is a template (the name is known only at run time).
func literalKey(p *bt.Prop) (name string, set, ok bool) {
	if p == nil {
		return "", false, true
	}
	v, lit := p.Value.Literal()
	if !lit {
		return "", true, false
	}
	s, _ := v.(string)
	return s, true, true
}

// writeKey records the name prop p writes, or makes the check opaque when
// the name is a template.
func (c *nameCheck) writeKey(p *bt.Prop) {
	name, set, ok := literalKey(p)
	switch {
	case !ok:
		c.opaque = true
	case set:
		c.write(name)
	}
}

// keyReads are props that name a blackboard key the node reads and fails
// without.
var keyReads = map[string][]string{
	"ForEach":      {"collectionKey"},
	"RegexExtract": {"input"},
}

func (c *nameCheck) visit(def *bt.Def) {
	if def == nil || def.Spec == nil {
		return
	}
	// Reads: every template of the node's props, and the keys it reads.
	for _, name := range value.SortedKeys(def.Props) {
		p := def.Props[name]
		if !p.Set || p.Spec == nil || !p.Spec.Templated() || p.Value == nil {
			continue
		}
		for _, n := range template.Names(p.Value) {
			c.read(def, name, p.Pos, n, "reads")
		}
	}
	for _, prop := range keyReads[def.Spec.Name] {
		if n, set, ok := literalKey(def.Props[prop]); ok && set && n != "" {
			c.read(def, prop, def.Props[prop].Pos, n, "names")
		}
	}
	// Written before the children run.
	if def.Spec.Name == "ForEach" {
		c.writeKey(def.Props["itemKey"])
		c.writeKey(def.Props["indexKey"])
	}
	if def.Spec.Name == subTreeType {
		c.scopes = append(c.scopes, map[string]bool{})
		for _, ch := range def.Children {
			c.visit(ch)
		}
		inner := c.scopes[len(c.scopes)-1]
		c.scopes = c.scopes[:len(c.scopes)-1]
		if p := def.Props["outputs"]; p != nil {
			if v, ok := p.Value.Literal(); ok {
				m, _ := v.(map[string]any)
				for _, k := range value.SortedKeys(m) {
					if parent, ok := m[k].(string); ok && inner[k] {
						c.write(parent)
					}
				}
			}
		}
		return
	}
	for _, ch := range def.Children {
		c.visit(ch)
	}
	// Written when the node ends.
	switch def.Spec.Name {
	case "SetVariable":
		c.writeKey(def.Props["key"])
	case "CounterAction":
		c.writeKey(def.Props["counterKey"])
	case "Script":
		if p := def.Props["textContent"]; p != nil {
			if v, ok := p.Value.Literal(); ok {
				src, _ := v.(string)
				for _, n := range scriptAssignments(src) {
					c.write(n)
				}
			}
		}
	}
	c.writeResults(def)
	if def.Spec.Extra != nil {
		// A custom node may set any variable (vars.set).
		c.opaque = true
	}
}

// writeResults records where a node that produces a result stores it:
// outputKey, the pins of outputs, else its type's default key, else (a
// custom or Go node) its id.
func (c *nameCheck) writeResults(def *bt.Def) {
	if def.Spec.Prop("outputKey") == nil {
		return
	}
	outKey := def.Props["outputKey"]
	if outKey != nil && outKey.Set {
		c.writeKey(outKey)
	}
	outputs := def.Props["outputs"]
	if outputs != nil && outputs.Set {
		v, ok := outputs.Value.Literal()
		m, isMap := v.(map[string]any)
		if !ok || !isMap {
			c.opaque = true
			return
		}
		for _, k := range value.SortedKeys(m) {
			if s, ok := m[k].(string); ok {
				c.write(s)
			}
		}
	}
	if (outKey != nil && outKey.Set) || (outputs != nil && outputs.Set) {
		return
	}
	switch {
	case def.Spec.OutputKey != "":
		c.write(def.Spec.OutputKey)
	case def.Spec.Name == "PrintAction": // stores nothing without outputKey
	default:
		c.write(def.ID)
	}
}

// scriptAssignRE is the start of an assignment statement in a Script's
// textContent: a name and a single `=`.
var scriptAssignRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?:[^=]|$)`)

// scriptAssignments are the names a Script's statements may assign: the
// start of each line and of each part after a `;` (a `;` inside a string
// only adds names that are not written, which makes fewer warnings, never
// a false one).
func scriptAssignments(src string) []string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		for _, st := range strings.Split(line, ";") {
			if m := scriptAssignRE.FindStringSubmatch(st); m != nil {
				out = append(out, m[1])
			}
		}
	}
	return out
}
