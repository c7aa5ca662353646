// The call path: pins in, request JSON into the guest, weft_run, the
// response out and checked, pins out.

package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
)

// CallRequest is one invocation of a custom node.
type CallRequest struct {
	Node string
	// Inputs are canonical values (package value) by input pin name; the
	// host checks and encodes them against the pins. Declared defaults are
	// applied for pins that are absent.
	Inputs map[string]any
	// Timeout is the node's own limit; the package's tier caps it, and the
	// context's deadline applies too. Zero: the tier's.
	Timeout time.Duration
	Context CallContext
	// Vars is the run's blackboard as the node sees it (vars.*); nil
	// answers vars.* with "unavailable".
	Vars Vars
	// Events receives the node's log lines, host calls and stream events;
	// nil drops them.
	Events Events
}

// CallContext is the "context" object of the request JSON.
type CallContext struct {
	RunID, Workflow, NodeInstance, Tenant string
	Attempt                               int
}

// Vars is the blackboard scope a node reads and writes through vars.*.
type Vars interface {
	Lookup(name string) (any, bool)
	SetValue(name string, v any) error
}

// Events receives what a node reports while it runs.
type Events interface {
	Log(level slog.Level, msg string)
	HostCall(op string, d time.Duration, errCode string)
	Stream(event string, data any)
}

// Result is a node's own answer: success with outputs, or a business
// failure with its message.
type Result struct {
	Success bool
	Outputs map[string]any
	Error   string
}

// CallError is a call that did not get a valid answer from the node: a
// trap, a timeout, a limit, or a response that breaks the ABI.
type CallError struct {
	Package, Version, Node string
	Reason                 string
	Err                    error // context.DeadlineExceeded for timeouts, else nil
}

func (e *CallError) Error() string {
	return fmt.Sprintf("package %s@%s node %s: %s", e.Package, e.Version, e.Node, e.Reason)
}

func (e *CallError) Unwrap() error { return e.Err }

// callState is the call in progress: the context the guest runs under
// (host functions find the call through it) and what the host functions
// count.
//
// For an instrumented module it also carries the call's deadline itself,
// checked at each yield, which spares every call a timer; a module on
// wazero's fallback runtime gets a real context.WithTimeout below it.
type callState struct {
	context.Context
	deadline     time.Time
	lastGosched  time.Time
	pkg          *Package
	node         *manifest.Node
	inst         *instance
	req          *CallRequest
	logLines     int
	logBytes     int
	logDropped   int
	stdioBytes   int
	stdioDropped int
}

type callKey struct{}

// Value returns the callState itself for callKey.
func (cs *callState) Value(key any) any {
	if key == (callKey{}) {
		return cs
	}
	return cs.Context.Value(key)
}

// Deadline is the sooner of the call's and the parent's.
func (cs *callState) Deadline() (time.Time, bool) {
	if d, ok := cs.Context.Deadline(); ok && d.Before(cs.deadline) {
		return d, true
	}
	return cs.deadline, true
}

// Err reports the parent's end, or DeadlineExceeded once the call's own
// deadline passed.
func (cs *callState) Err() error {
	if err := cs.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(cs.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

func (cs *callState) log(level slog.Level, msg string) {
	if cs.logLines >= MaxLogLines || cs.logBytes >= MaxLogBytes {
		cs.logDropped++
		return
	}
	cs.logLines++
	cs.logBytes += len(msg)
	if len(msg) > MaxLogLine {
		msg = fmt.Sprintf("%s… [line cut: %d bytes in all]", truncUTF8(msg, MaxLogLine), len(msg))
	}
	if cs.req.Events != nil {
		cs.req.Events.Log(level, msg)
	}
}

// logSummary logs how many lines the call's caps dropped, if any.
func (cs *callState) logSummary() {
	if cs.logDropped > 0 {
		cs.logLines, cs.logBytes = 0, 0 // let the summary through
		cs.log(slog.LevelWarn, fmt.Sprintf("%d more log lines were dropped (limits per call: %d lines, %d bytes)", cs.logDropped, MaxLogLines, MaxLogBytes))
	}
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Call runs node req.Node once.
//
// # Errors
//
// A *CallError for a trap, a timeout, a limit or a response that breaks
// ABI v1, naming the package, the node and the reason; the instance that
// failed is discarded. Bad inputs are a *CallError too. A node's own
// business failure is not an error: it is a Result with Success false.
func (p *Package) Call(ctx context.Context, req *CallRequest) (*Result, error) {
	m := p.Manifest
	fail := func(err error, format string, args ...any) (*Result, error) {
		return nil, &CallError{Package: m.ID, Version: m.Version, Node: req.Node, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	node := m.Node(req.Node)
	mod := p.byNode[req.Node]
	if node == nil || mod == nil {
		return fail(nil, "the package has no node %q", req.Node)
	}

	timeout := p.timeout
	if req.Timeout > 0 && req.Timeout < timeout {
		timeout = req.Timeout
	}
	now := time.Now()
	deadline := now.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	body, err := p.request((*bufp)[:0], node, req, deadline)
	*bufp = body[:0]
	if err != nil {
		return fail(nil, "%v", err)
	}
	if len(body) > MaxRequest {
		return fail(nil, "the request is %d bytes, over the limit of %d", len(body), MaxRequest)
	}

	if mod.script != nil {
		return p.callScript(ctx, mod, node, req, body, now, timeout)
	}
	if !mod.instrumented {
		// wazero's context checks need the deadline on a real context.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	inst, pl, err := p.acquire(ctx, req.Context.Tenant, mod)
	if err != nil {
		return fail(ctxErr(ctx, err), "%v", err) // DeadlineExceeded when weft_init timed out
	}
	// lastGosched starts now: a call shorter than goschedEvery never yields
	// the processor.
	cs := &callState{Context: ctx, deadline: now.Add(timeout), lastGosched: now, pkg: p, node: node, inst: inst, req: req}
	inst.cur = cs
	defer p.release(ctx, inst, pl)
	ctx = cs
	res, reason, cerr := p.invoke(ctx, inst, body, timeout)
	inst.stdio.flush(cs)
	cs.logSummary()
	if cs.stdioDropped > 0 {
		cs.log(slog.LevelWarn, fmt.Sprintf("%d bytes of stdout/stderr were dropped (limit %d per call)", cs.stdioDropped, MaxStdio))
	}
	if reason != "" {
		inst.broken = true
		return fail(cerr, "%s", reason)
	}
	return res, nil
}

// invoke writes the request, runs weft_run and reads the response. A
// non-empty reason is a failure that breaks the instance.
func (p *Package) invoke(ctx context.Context, inst *instance, body []byte, timeout time.Duration) (*Result, string, error) {
	stack := inst.stack[:]
	stack[0] = api.EncodeI32(int32(len(body)))
	if err := inst.alloc.CallWithStack(ctx, stack); err != nil {
		return nil, "weft_alloc failed: " + describeTrap(ctx, err, timeout), ctxErr(ctx, err)
	}
	ptr := api.DecodeU32(stack[0])
	if ptr == 0 {
		return nil, fmt.Sprintf("weft_alloc(%d) returned 0 (out of memory)", len(body)), nil
	}
	if !inst.mem.Write(ptr, body) {
		p.freeBuffer(ctx, inst, ptr, len(body))
		return nil, fmt.Sprintf("weft_alloc(%d) returned %#x, outside the module's memory", len(body), ptr), nil
	}
	stack[0], stack[1] = api.EncodeU32(ptr), api.EncodeI32(int32(len(body)))
	if err := inst.run.CallWithStack(ctx, stack); err != nil {
		return nil, describeTrap(ctx, err, timeout), ctxErr(ctx, err)
	}
	if err := ctx.Err(); err != nil {
		// It returned, but after its deadline (or its cancellation).
		return nil, describeTrap(ctx, err, timeout), ctxErr(ctx, err)
	}
	packed := stack[0]
	if packed == 0 {
		return nil, "weft_run returned 0 (no response)", nil
	}
	outPtr, outLen := uint32(packed>>32), uint32(packed)
	if int(outLen) > p.respCap {
		return nil, fmt.Sprintf("the response is %d bytes, over the limit of %d for the %s memory tier", outLen, p.respCap, p.Manifest.Permissions.Memory), nil
	}
	view, ok := inst.mem.Read(outPtr, outLen)
	if !ok {
		return nil, fmt.Sprintf("the response [%#x, %#x) is outside the module's memory (%d bytes)", outPtr, uint64(outPtr)+uint64(outLen), inst.mem.Size()), nil
	}
	res, err := p.response(view, inst.cur.node)
	if err != nil {
		return nil, err.Error(), nil
	}
	return res, "", nil
}

// freeBuffer gives back a request buffer that never reached weft_run.
func (p *Package) freeBuffer(ctx context.Context, inst *instance, ptr uint32, n int) {
	if inst.free == nil {
		return
	}
	stack := inst.stack[:]
	stack[0], stack[1] = api.EncodeU32(ptr), api.EncodeI32(int32(n))
	_ = inst.free.CallWithStack(ctx, stack)
}

// request builds the request JSON.
func (p *Package) request(b []byte, node *manifest.Node, req *CallRequest, deadline time.Time) ([]byte, error) {
	b = append(b, `{"abi":1,"node":`...)
	b = strconv.AppendQuote(b, node.ID)
	b = append(b, `,"inputs":{`...)
	first := true
	for i := range node.Inputs {
		pin := &node.Inputs[i]
		v, ok := req.Inputs[pin.Name]
		if !ok {
			if !pin.HasDefault {
				if pin.Required {
					return b, fmt.Errorf("input pin %s is required and has no value", pin.Name)
				}
				continue
			}
			v = pin.Default
		}
		c, err := pin.Coerce(v)
		if err != nil {
			return b, fmt.Errorf("input %w", err)
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, pin.Name)
		b = append(b, ':')
		if b, err = pin.AppendJSON(b, c); err != nil {
			return b, fmt.Errorf("input pin %s: %w", pin.Name, err)
		}
	}
	for name := range req.Inputs {
		if pin.Find(node.Inputs, name) == nil {
			return b, fmt.Errorf("node %s has no input pin %q", node.ID, name)
		}
	}
	c := &req.Context
	b = append(b, `},"context":{"run_id":`...)
	b = appendJSONString(b, c.RunID)
	b = append(b, `,"workflow":`...)
	b = appendJSONString(b, c.Workflow)
	b = append(b, `,"node_instance":`...)
	b = appendJSONString(b, c.NodeInstance)
	b = append(b, `,"tenant":`...)
	b = appendJSONString(b, c.Tenant)
	b = append(b, `,"attempt":`...)
	b = strconv.AppendInt(b, int64(max(c.Attempt, 1)), 10)
	b = append(b, `,"deadline_unix_ms":`...)
	b = strconv.AppendInt(b, deadline.UnixMilli(), 10)
	b = append(b, "}}"...)
	return b, nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			data, _ := json.Marshal(s)
			return append(b, data...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// describeTrap turns an error from a guest call into a reason.
func describeTrap(ctx context.Context, err error, timeout time.Duration) string {
	var exit *sys.ExitError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %v", timeout)
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return "cancelled"
	case errors.As(err, &exit):
		return fmt.Sprintf("the module exited with code %d", exit.ExitCode())
	}
	return "trapped: " + strings.TrimSuffix(firstLine(err.Error()), " (recovered by wazero)")
}

func ctxErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		return context.Canceled
	}
	return nil
}

func truncUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
