// Package customnode makes the nodes of a WebAssembly package into node
// types of the engine: a bt.Spec per manifest node, whose props are the
// node's input pins plus the common props, and whose behavior calls the
// node through the wasm host without blocking the tree.
package customnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// Common props every custom node takes besides its input pins.
var commonProps = []bt.PropSpec{
	{Name: "timeout", Type: bt.TypeDuration, Description: "Limit of one call, capped by the package's timeout tier."},
	{Name: "outputKey", Type: bt.TypeKey, Description: "Blackboard key that receives the node's whole outputs object (default: the node's id)."},
	{Name: "outputs", Type: bt.TypeObject, Description: "Output pins to store under chosen blackboard names: {PIN: NAME}."},
}

// TypeName is the node type of a package's node: PACKAGE_ID/NODE_ID, or
// NAME for the node of a TypeScript node's package ts.NAME (api-v1.md),
// which workflows may also write ts.NAME/NAME.
func TypeName(m *manifest.Manifest, n *manifest.Node) string {
	if m.Script != "" && m.ID == manifest.TypeScriptPrefix+n.ID {
		return n.ID
	}
	return m.ID + "/" + n.ID
}

// Spec returns the node type of node n of pkg.
func Spec(pkg *wasmhost.Package, n *manifest.Node) *bt.Spec {
	m := pkg.Manifest
	s := &bt.Spec{
		Name: TypeName(m, n), Kind: bt.Leaf, Category: n.Category, Children: bt.Children{},
		Summary:     firstNonEmpty(n.Description, n.Name, "Custom node "+n.ID+" of "+m.ID),
		Description: fmt.Sprintf("From package %s %s (%s).", m.ID, m.Version, firstNonEmpty(m.Name, m.ID)),
		Doc:         n, // pin types, valid values and scores for `weft nodes show`
	}
	if s.Category == "" {
		s.Category = "custom"
	}
	for _, p := range n.Inputs {
		desc := p.Description
		if desc == "" {
			desc = "Input pin."
		}
		ps := bt.PropSpec{Name: p.Name, Type: bt.TypeAny, Required: p.Required && !p.HasDefault,
			Description: fmt.Sprintf("%s (%s)", desc, pinType(&p))}
		if p.HasDefault {
			ps.Default = p.Default
		}
		s.Props = append(s.Props, ps)
	}
	s.Props = append(s.Props, commonProps...)
	s.New = func(c *bt.Config) (bt.Behavior, error) { return newNode(pkg, n, c) }
	return s
}

// pinType describes a pin's type for its prop's description: "string",
// "array of integer", with its valid values when it has some.
func pinType(p *pin.Spec) string {
	if p.ValidValues != nil {
		return p.TypeName() + ", one of " + p.ValidValuesText()
	}
	return p.TypeName()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

type node struct {
	pkg     *wasmhost.Package
	mn      *manifest.Node
	id      string
	inputs  []*bt.Prop
	timeout *bt.Prop
	outKey  *bt.Prop
	outputs map[string]string // pin -> blackboard name

	work    bt.Async
	req     wasmhost.CallRequest // the call in progress (see request)
	res     *wasmhost.Result
	cut     bool // a call here ended with its context: Running until halted
	attempt int
}

var _ bt.Behavior = (*node)(nil)

func newNode(pkg *wasmhost.Package, mn *manifest.Node, c *bt.Config) (*node, error) {
	n := &node{pkg: pkg, mn: mn, id: c.ID, timeout: c.Props.Get("timeout"), outKey: c.Props.Get("outputKey")}
	for i := range mn.Inputs {
		p := &mn.Inputs[i]
		prop := c.Props.Get(p.Name)
		if prop == nil {
			continue
		}
		if lit, ok := prop.Value.Literal(); ok {
			if _, err := p.Coerce(lit); err != nil {
				msg := stripPin(err, p.Name)
				if me, ok := err.(*pin.MismatchError); ok && me.Path != "" {
					// "prop i: element [1]: expected ...": the loader finds
					// the prop by its name before the first ':'.
					msg = fmt.Errorf("element %s: %w", me.Path, stripPin(err, p.Name+me.Path))
				}
				return nil, fmt.Errorf("prop %s: %w", p.Name, msg)
			}
		}
		n.inputs = append(n.inputs, prop)
	}
	if o := c.Props.Get("outputs"); o != nil {
		lit, ok := o.Value.Literal()
		if !ok {
			return nil, errors.New("prop outputs: expected a literal map of output pins to blackboard names, found a template")
		}
		n.outputs = map[string]string{}
		for pinName, name := range lit.(map[string]any) {
			s, ok := name.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("prop outputs: pin %s: expected a blackboard name, found %v", pinName, name)
			}
			if pin.Find(mn.Outputs, pinName) == nil {
				return nil, fmt.Errorf("prop outputs: %s has no output pin %q (outputs: %s)", TypeName(pkg.Manifest, mn), pinName, pin.Names(mn.Outputs))
			}
			n.outputs[pinName] = s
		}
	}
	return n, nil
}

// stripPin turns "pin a: expected ..." into "expected ...", since the
// message already names the prop.
func stripPin(err error, name string) error {
	msg, ok := strings.CutPrefix(err.Error(), "pin "+name+": ")
	if !ok {
		return err
	}
	return errors.New(msg)
}

func (n *node) Tick(t *bt.Tick) bt.Status {
	if n.cut {
		if t.Ctx.Err() != nil {
			return bt.Running // still waiting to be halted
		}
		n.cut = false
	}
	if !n.work.Started() {
		req, err := n.request(t)
		if err != nil {
			return t.Fail(err)
		}
		n.attempt++
		req.Context.Attempt = n.attempt
		n.res = nil
		if t.Exclusive() {
			// Nothing else needs this goroutine until the call ends, and the
			// call ends when t.Ctx does (its deadline or cancellation stops
			// the guest): call it here, without a goroutine and the two
			// hand-offs between threads that one costs.
			st, err := n.call(t.Ctx, req)
			if err != nil && t.Ctx.Err() != nil {
				// Stopped because whoever gave it the context (a Timeout, a
				// Parallel, the run) ended it: that one halts the node next,
				// as it would have halted a call on a goroutine.
				n.cut = true
				return bt.Running
			}
			if err != nil {
				return t.Fail(err)
			}
			n.store(t)
			return st
		}
		n.work.Start(t, func(ctx context.Context) (bt.Status, error) { return n.call(ctx, req) })
	}
	st := n.work.Poll(t)
	if st == bt.Success {
		n.store(t)
	}
	return st
}

// call runs the node once: Success with n.res set, or Failure with why.
func (n *node) call(ctx context.Context, req *wasmhost.CallRequest) (bt.Status, error) {
	res, err := n.pkg.Call(ctx, req)
	if err != nil {
		return bt.Failure, err
	}
	n.res = res
	if !res.Success {
		return bt.Failure, errors.New(res.Error)
	}
	return bt.Success, nil
}

func (n *node) Halt(*bt.Tick) {
	n.work.Stop()
	n.cut = false
}

// request fills the node's one CallRequest for the call about to start: a
// node makes one call at a time, and the host reads the request only
// during the call, so it and its inputs map are reused.
func (n *node) request(t *bt.Tick) (*wasmhost.CallRequest, error) {
	if n.req.Inputs == nil {
		n.req.Inputs = make(map[string]any, len(n.inputs))
	}
	inputs := n.req.Inputs
	clear(inputs)
	for _, p := range n.inputs {
		v, err := p.Eval(t)
		if err != nil {
			return nil, err
		}
		inputs[p.Name] = v
	}
	timeout, err := n.timeout.Duration(t, 0)
	if err != nil {
		return nil, err
	}
	r := t.Run()
	n.req = wasmhost.CallRequest{
		Node: n.mn.ID, Inputs: inputs, Timeout: timeout,
		Context: wasmhost.CallContext{RunID: r.ID, Workflow: r.Workflow, NodeInstance: n.id, Tenant: r.TenantOrDefault()},
		Vars:    t.BB,
		Events:  events{emit: t.Emitter()},
	}
	return &n.req, nil
}

// store writes the outputs to the blackboard: the whole object under
// outputKey (default: the node's id), or single pins as `outputs` says.
func (n *node) store(t *bt.Tick) {
	outs := n.res.Outputs
	if n.outputs != nil {
		for pinName, name := range n.outputs {
			if v, ok := outs[pinName]; ok {
				t.BB.Set(name, v)
			}
		}
		if n.outKey == nil {
			return
		}
	}
	key, _ := n.outKey.String(t, n.id)
	t.BB.Set(key, outs) // the call's own map, made for this result alone
}

// events adapts the wasm host's reports to run events.
type events struct{ emit func(event.Event) }

func (e events) Log(level slog.Level, msg string) {
	e.emit(event.Event{Kind: event.Log, Level: bt.LevelName(level), Message: msg})
}

func (e events) HostCall(op string, d time.Duration, code string) {
	e.emit(event.Event{Kind: event.HostCall, Op: op, Duration: d, Error: code})
}

func (e events) Stream(name string, data any) {
	e.emit(event.Event{Kind: event.Stream, Message: name, Data: data})
}
