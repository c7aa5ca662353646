// Go-native node types: an embedder registers a leaf written in Go, as
// Temporal registers an activity, and workflows use it by its type name
// like a built-in.

package weft

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/weft-dev/weft/internal/bt"
)

// NodeType is a leaf node type written in Go, for Engine.RegisterNode.
//
//	err := eng.RegisterNode(weft.NodeType{
//		Type:  "acme.Greet",
//		Props: []weft.Prop{{Name: "name", Type: "string", Required: true}},
//		Run: func(ctx context.Context, in weft.NodeInput) (map[string]any, error) {
//			return map[string]any{"greeting": "Hello, " + in.String("name")}, nil
//		},
//	})
type NodeType struct {
	// Type is the name workflows use: letters, digits, '.', '_' and '-',
	// starting with a letter, and no built-in's name.
	Type string
	// Category and Summary are shown by `weft nodes list`; Description by
	// `weft nodes show`. Category defaults to "custom".
	Category, Summary, Description string
	// Props are what the node takes, checked and converted when the
	// workflow loads. Every node also takes outputKey: where its outputs go
	// on the blackboard (default: the node's id).
	Props []Prop
	// Outputs, when given, are the output pins: shown in the node's docs,
	// and the only keys Run may return (another fails the node, naming it).
	// Their Required and Default are not used.
	Outputs []Prop
	// Run does the node's work. Its outputs are stored on the blackboard
	// under outputKey as one object; an error fails the node with its
	// message. Run runs on a goroutine of its own and may block: the tree
	// keeps ticking, and ctx ends when the node is halted or the run ends.
	Run func(ctx context.Context, in NodeInput) (map[string]any, error)
}

// Prop is one prop of a NodeType.
type Prop struct {
	Name string
	// Type is one of string, integer, number, boolean, duration, object,
	// array, any (templates such as "{{ user.name }}" are allowed in all).
	Type        string
	Required    bool
	Default     any
	Description string
}

// NodeInput is the props of one call of a Go node, evaluated against the
// blackboard: strings, int64, float64, bool, time.Duration (durations),
// map[string]any and []any.
type NodeInput map[string]any

// String returns prop name as a string, "" when it is absent or not one.
func (in NodeInput) String(name string) string {
	s, _ := in[name].(string)
	return s
}

var nodeTypeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,127}$`)

var propTypes = map[string]bt.PropType{"string": bt.TypeString, "integer": bt.TypeInteger, "number": bt.TypeNumber,
	"boolean": bt.TypeBoolean, "duration": bt.TypeDuration, "object": bt.TypeObject, "array": bt.TypeArray, "any": bt.TypeAny}

// RegisterNode adds a Go node type to the engine, for the workflows loaded
// afterwards.
//
// # Errors
//
// ErrInvalid: a bad or taken type name, a prop of an unknown type, no Run.
//
// # Notes
//
// A Go node may reach anything its code does: a server counts a workflow
// that uses one as having side effects (never rerun after a crash), as it
// does for custom nodes.
func (e *Engine) RegisterNode(t NodeType) error {
	bad := func(format string, args ...any) error {
		return &invalidError{fmt.Errorf("RegisterNode %q: "+format, append([]any{t.Type}, args...)...)}
	}
	if !nodeTypeRE.MatchString(t.Type) {
		return bad("expected a type name of letters, digits, '.', '_' and '-' starting with a letter")
	}
	if t.Run == nil {
		return bad("Run is nil")
	}
	spec := &bt.Spec{Name: t.Type, Kind: bt.Leaf, Category: t.Category, Summary: t.Summary, Description: t.Description, Children: bt.Children{}}
	if spec.Category == "" {
		spec.Category = "custom"
	}
	if spec.Summary == "" {
		spec.Summary = "Go node " + t.Type + "."
	}
	for _, p := range t.Props {
		pt, ok := propTypes[p.Type]
		if !ok {
			return bad("prop %s: expected a type of string, integer, number, boolean, duration, object, array or any, found %q", p.Name, p.Type)
		}
		if p.Name == "outputKey" {
			return bad("prop outputKey is every node's own")
		}
		spec.Props = append(spec.Props, bt.PropSpec{Name: p.Name, Type: pt, Required: p.Required, Default: p.Default, Description: p.Description})
	}
	spec.Props = append(spec.Props, bt.PropSpec{Name: "outputKey", Type: bt.TypeKey, Description: "Blackboard key of the node's outputs (default: the node's id)."})
	var outputs map[string]bool
	if len(t.Outputs) > 0 {
		outputs = map[string]bool{}
		doc := "\n\nOutputs:"
		for _, o := range t.Outputs {
			if _, ok := propTypes[o.Type]; !ok {
				return bad("output %s: expected a type of string, integer, number, boolean, duration, object, array or any, found %q", o.Name, o.Type)
			}
			outputs[o.Name] = true
			doc += fmt.Sprintf("\n- %s (%s) %s", o.Name, o.Type, o.Description)
		}
		spec.Description += doc
	}
	run := t.Run
	spec.New = func(c *bt.Config) (bt.Behavior, error) {
		n := &goNode{run: run, id: c.ID, outKey: c.Props.Get("outputKey"), outputs: outputs}
		for _, p := range t.Props {
			if prop := c.Props.Get(p.Name); prop != nil {
				n.props = append(n.props, prop)
			}
		}
		return n, nil
	}
	e.pkgMu.Lock()
	defer e.pkgMu.Unlock()
	if err := e.reg.Register(spec); err != nil {
		return bad("%v", err)
	}
	if e.goNodes == nil {
		e.goNodes = map[string]bool{}
	}
	e.goNodes[t.Type] = true
	return nil
}

// goNode is a Go node in a tree.
type goNode struct {
	run     func(context.Context, NodeInput) (map[string]any, error)
	id      string
	props   []*bt.Prop
	outKey  *bt.Prop
	outputs map[string]bool // nil: any

	work bt.Async
	out  map[string]any
}

var _ bt.Behavior = (*goNode)(nil)

func (n *goNode) Tick(t *bt.Tick) bt.Status {
	if !n.work.Started() {
		in := NodeInput{}
		for _, p := range n.props {
			v, err := p.Eval(t)
			if err != nil {
				return t.Fail(err)
			}
			in[p.Name] = v
		}
		n.out = nil
		n.work.Start(t, func(ctx context.Context) (bt.Status, error) {
			out, err := n.run(ctx, in)
			if err != nil {
				return bt.Failure, err
			}
			if out == nil {
				out = map[string]any{}
			}
			for k := range out {
				if n.outputs != nil && !n.outputs[k] {
					return bt.Failure, fmt.Errorf("Run returned output %q, which the node type does not declare", k)
				}
			}
			n.out = out
			return bt.Success, nil
		})
	}
	st := n.work.Poll(t)
	if st == bt.Success {
		key, err := n.outKey.String(t, n.id)
		if err != nil {
			return t.Fail(err)
		}
		if err := t.BB.SetValue(key, n.out); err != nil {
			return t.Fail(errors.New("the outputs cannot be stored: " + err.Error()))
		}
	}
	return st
}

func (n *goNode) Halt(*bt.Tick) { n.work.Stop() }
