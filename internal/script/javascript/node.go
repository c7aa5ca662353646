// node.go: custom nodes written in TypeScript, run on the same pooled VMs
// and under the same limits as scripts, through noderuntime.js.

package javascript

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/quickjs"

	"github.com/weft-dev/weft/internal/script"
)

//go:embed noderuntime.js
var nodeRuntimeJS string

// nodeRuntime is noderuntime.js compiled once per process, as bootstrap is.
var nodeRuntime struct {
	once     sync.Once
	bytecode []byte
	err      error
}

// NodeScript is a node's bundle, checked and compiled once: a script whose
// value is a function that evaluates the module and returns its exports
// (see CompileNode).
type NodeScript struct {
	name     string
	bytecode []byte
	id       int64 // names the module in a VM's node runtime
}

// scriptIDs numbers NodeScripts.
var scriptIDs atomic.Int64

// maxModules bounds the modules one VM keeps evaluated.
const maxModules = 32

// CompileNode compiles the bundle of a node. source must be a script whose
// completion value is a function returning the module's exports, such as
// "(function () { ...; return exports; })"; name says where it comes from
// in errors.
//
//	ns, err := javascript.CompileNode("ts.greet/node.js", bundle)
//
// # Errors
//
// A *script.Error of kind script.ErrScript for a syntax error, or
// script.ErrSandbox when no VM could be made.
func CompileNode(name, source string) (*NodeScript, error) {
	js, err := quickjs.NewVM()
	if err != nil {
		return nil, &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	defer js.Close()
	bc, err := js.Compile(source, quickjs.EvalGlobal)
	if err != nil {
		var qe *quickjs.Error
		if errors.As(err, &qe) {
			return nil, &script.Error{Kind: script.ErrScript, Message: clip(name + ": " + qe.Error())}
		}
		return nil, &script.Error{Kind: script.ErrScript, Message: clip(name + ": " + err.Error())}
	}
	return &NodeScript{name: name, bytecode: bc, id: scriptIDs.Add(1)}, nil
}

// NodeCall is one call of a TypeScript node.
type NodeCall struct {
	// Tenant owns the call: VMs are never shared between tenants.
	Tenant string
	Script *NodeScript
	// Request is the call's request JSON, as ABI v1 gives a WebAssembly
	// node: {"abi", "node", "inputs", "context"}.
	Request string
	// Host answers a host operation: op and its request JSON in, the ABI
	// reply JSON ({"ok": ...} or {"error": {...}}) out.
	Host func(op, request string) string
	// BigMark, when not "", starts the strings that stand for integers a
	// double cannot hold, in Request and in host replies: the node sees
	// them as BigInts, and its BigInts go out as such strings.
	BigMark string
	// Log takes the node's log lines: level 0 trace .. 4 error.
	Log func(level int, msg string)
	// Fresh evaluates the module for this call alone (the manifest's
	// fresh_instance). Otherwise a VM evaluates it on its first call and
	// keeps it, as a WebAssembly instance is kept.
	Fresh bool
	// Timeout and Memory are the call's limits (0: the defaults of script).
	Timeout time.Duration
	Memory  int64
}

// Node runs one call of a node and returns its response JSON, as ABI v1
// has a WebAssembly node answer: {"status": "success", "outputs": {...}}
// or {"status": "failure", "error": "..."} when run threw or rejected.
//
//	resp, err := r.Node(ctx, &javascript.NodeCall{Tenant: "acme", Script: ns, Request: req, Host: host, Log: log})
//
// # Errors
//
// A *script.Error for what is not the node's own answer: script.ErrTimeout,
// script.ErrMemory, script.ErrScript (the module failed while loading, its
// default export is not a node, run's promise never settled),
// script.ErrResult (the outputs are not an object or not JSON),
// script.ErrSandbox; or ctx's error.
func (r *Runner) Node(ctx context.Context, c *NodeCall) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = script.DefaultTimeout
	}
	limit := c.Memory
	if limit <= 0 {
		limit = script.DefaultMemory
	}
	return onVM(r, c.Tenant, "the VM's global object could not be reset", func(v *vm) (string, bool, error) {
		return v.execNode(ctx, c, timeout, limit)
	})
}

// initNode evaluates noderuntime.js in v, once, with the host functions
// that reach the call in progress.
func (v *vm) initNode() error {
	if v.hasNode {
		return nil
	}
	if err := v.js.RegisterHostFunc("__weft_host", func(args []any) (any, error) {
		c := v.nodeCall
		if c == nil || len(args) != 2 {
			return `{"error":{"code":"unavailable","message":"host calls are only possible while the node runs"}}`, nil
		}
		op, _ := args[0].(string)
		req, _ := args[1].(string)
		return c.Host(op, req), nil
	}); err != nil {
		return err
	}
	if err := v.js.RegisterHostFunc("__weft_log", func(args []any) (any, error) {
		c := v.nodeCall
		if c == nil || c.Log == nil || len(args) != 2 {
			return nil, nil
		}
		level := 2
		switch l := args[0].(type) {
		case int64:
			level = int(l)
		case int:
			level = l
		case float64:
			level = int(l)
		}
		msg, _ := args[1].(string)
		c.Log(level, msg)
		return nil, nil
	}); err != nil {
		return err
	}
	nodeRuntime.once.Do(func() {
		js, err := quickjs.NewVM()
		if err != nil {
			nodeRuntime.err = err
			return
		}
		defer js.Close()
		nodeRuntime.bytecode, nodeRuntime.err = js.Compile(nodeRuntimeJS, quickjs.EvalGlobal)
	})
	if nodeRuntime.err != nil {
		return nodeRuntime.err
	}
	node, err := v.js.EvalBytecodeValue(nodeRuntime.bytecode)
	if err != nil {
		return err
	}
	v.node, v.hasNode = node, true
	return nil
}

// execNode is exec for a node call.
func (v *vm) execNode(ctx context.Context, c *NodeCall, timeout time.Duration, limit int64) (res string, keep bool, err error) {
	defer func() {
		v.nodeCall = nil
		if p := recover(); p != nil {
			res, keep, err = "", false, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the JavaScript engine failed: %v", p)}
		}
	}()
	if err := v.initNode(); err != nil {
		return "", false, &script.Error{Kind: script.ErrSandbox, Message: "node runtime: " + err.Error()}
	}
	r := v.begin(ctx, "", timeout, limit)
	defer r.end()
	if err := r.stopped(); err != nil {
		return "", true, err
	}
	v.nodeCall = c
	v.out = c.Log // console.* goes to the node's log, as ctx.log does
	defer func() { v.out = nil }()

	if err := v.js.SetEvalTimeout(timeout); err != nil {
		return "", false, &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	id := c.Script.id
	var out string
	if c.Fresh || !v.loaded[id] {
		factory, err := v.js.EvalBytecodeValue(c.Script.bytecode)
		if err != nil {
			return "", false, r.escaped(err)
		}
		if c.Fresh {
			id = 0
		} else if len(v.loaded) >= maxModules {
			for old := range v.loaded { // any one: a VM rarely serves so many
				if _, err := r.callFn(v.node, "forget", old); err != nil {
					factory.Free()
					return "", false, err
				}
				delete(v.loaded, old)
				break
			}
		}
		out, err = r.callFn(v.node, "start", id, factory, c.Request, c.BigMark)
		factory.Free()
		if err != nil {
			return "", false, err
		}
		if id != 0 && !strings.HasPrefix(out, "e") {
			if v.loaded == nil {
				v.loaded = map[int64]bool{}
			}
			v.loaded[id] = true
		}
	} else {
		var err error
		if out, err = r.callFn(v.node, "start", id, nil, c.Request, c.BigMark); err != nil {
			return "", false, err
		}
	}
	if err := r.drain(); err != nil {
		return "", false, err
	}
	if out == "p" {
		if out, err = r.callFn(v.node, "finish"); err != nil {
			return "", false, err
		}
	}
	var fail error
	switch {
	case strings.HasPrefix(out, "r"):
		res = out[1:]
	case strings.HasPrefix(out, "e"):
		fail = r.failure(out)
	default:
		fail = &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the node runtime answered %.100q", out)}
	}
	clean, err := r.call("clean")
	if err != nil {
		return "", false, err
	}
	keep = clean == "" && !errors.Is(fail, script.ErrMemory)
	if fail != nil {
		return "", keep, fail
	}
	return res, keep, nil
}

// DescribeNode evaluates a node's module on a VM of its own, with no host
// operations, and returns the declaration its default export makes, as
// JSON: {name, description, category, inputs, outputs, permissions}.
//
//	decl, err := javascript.DescribeNode(ctx, ns, time.Second, 32<<20)
//
// # Errors
//
// As Runner.Node: the module failed while loading (script.ErrScript), its
// default export is not a node, the declaration holds what JSON cannot
// (script.ErrResult), it ran out of time or memory.
func DescribeNode(ctx context.Context, ns *NodeScript, timeout time.Duration, limit int64) (res string, err error) {
	// A VM without bootstrap.js, thrown away after: nothing runs on it
	// later, so there is no global object to reset or built-in to protect.
	js, err := quickjs.NewVM()
	if err != nil {
		return "", &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	v := &vm{js: js, bare: true}
	defer v.close()
	defer func() {
		if p := recover(); p != nil {
			res, err = "", &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the JavaScript engine failed: %v", p)}
		}
	}()
	if err := v.initNode(); err != nil {
		return "", &script.Error{Kind: script.ErrSandbox, Message: "node runtime: " + err.Error()}
	}
	r := v.begin(ctx, "", timeout, limit)
	defer r.end()
	if err := v.js.SetEvalTimeout(timeout); err != nil {
		return "", &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	factory, err := v.js.EvalBytecodeValue(ns.bytecode)
	if err != nil {
		return "", r.escaped(err)
	}
	out, err := r.callFn(v.node, "describe", factory)
	factory.Free()
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(out, "r") {
		return out[1:], nil
	}
	return "", r.failure(out)
}

// Syntax compiles a JavaScriptInterpreter script without running it, as
// the node would evaluate it (global code), and reports its syntax error:
// the script's line and column (1-based) and the message. ok is true when
// it compiles. No VM of a pool is used.
func Syntax(src string) (line, col int, msg string, ok bool) {
	js, err := quickjs.NewVM()
	if err != nil {
		return 0, 0, "", true // no engine, no verdict: the run will say
	}
	defer js.Close()
	if _, err := js.Compile(src, quickjs.EvalGlobal); err == nil {
		return 0, 0, "", true
	} else {
		var qe *quickjs.Error
		text := err.Error()
		if errors.As(err, &qe) {
			text = qe.Name + ": " + qe.Message
			line, col = positionOf(qe.Stack)
		}
		return line, col, clip(text), false
	}
}

// positionOf reads "LINE:COL" from the first frame of a stack that has it.
func positionOf(stack string) (line, col int) {
	for _, l := range strings.Split(stack, "\n") {
		i := strings.LastIndex(l, ":")
		if i < 0 {
			continue
		}
		j := strings.LastIndex(l[:i], ":")
		if j < 0 {
			continue
		}
		c := leadingInt(l[i+1:])
		n := leadingInt(l[j+1:])
		if n > 0 {
			return n, c
		}
	}
	return 0, 0
}
