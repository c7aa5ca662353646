// The ABI's host functions weft.log and weft.call, the operation router and
// its permission checks.

package wasmhost

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/value"
)

// Error codes of host call replies.
const (
	CodePermissionDenied = "permission_denied"
	CodeNotFound         = "not_found"
	CodeInvalidRequest   = "invalid_request"
	CodeUnknownOp        = "unknown_op"
	CodeLimitExceeded    = "limit_exceeded"
	CodeUnavailable      = "unavailable"
	CodeTimeout          = "timeout"
	CodeInternal         = "internal"
)

// opError is an error reply.
type opError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func opErr(code, format string, args ...any) *opError {
	return &opError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Op is a host operation: its permission check and its handler.
type Op struct {
	// Allowed reports whether the package (and node) may use the operation;
	// the string says what the manifest must declare when it may not.
	Allowed func(m *manifest.Manifest, n *manifest.Node, req json.RawMessage) (bool, string)
	Handle  func(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError)
}

// OpCall is what an operation's handler sees of the call in progress.
type OpCall struct {
	Manifest *manifest.Manifest
	Node     *manifest.Node
	Request  *CallRequest
	Caps     *Capabilities
	Package  *Package
}

// Scope is the cache and storage scope of the call: its tenant and package.
func (c *OpCall) Scope() Scope {
	return Scope{Tenant: c.Request.Context.Tenant, Package: c.Manifest.ID}
}

func permFlag(name string, get func(*manifest.Permissions) bool) func(*manifest.Manifest, *manifest.Node, json.RawMessage) (bool, string) {
	return func(m *manifest.Manifest, _ *manifest.Node, _ json.RawMessage) (bool, string) {
		return get(&m.Permissions), "[permissions] " + name + " = true"
	}
}

var always = func(*manifest.Manifest, *manifest.Node, json.RawMessage) (bool, string) { return true, "" }

// unavailable answers operations whose capability this host does not
// provide (yet), after their permission check.
func unavailable(op string) func(context.Context, *OpCall, json.RawMessage) (any, *opError) {
	return func(context.Context, *OpCall, json.RawMessage) (any, *opError) {
		return nil, opErr(CodeUnavailable, "%s is not available on this host", op)
	}
}

// ops is the operation router of ABI v1.
var ops = map[string]Op{
	"vars.get":       {permFlag("variables", func(p *manifest.Permissions) bool { return p.Variables }), varsGet},
	"vars.set":       {permFlag("variables", func(p *manifest.Permissions) bool { return p.Variables }), varsSet},
	"cache.get":      {permFlag("cache", func(p *manifest.Permissions) bool { return p.Cache }), unavailable("cache.get")},
	"cache.set":      {permFlag("cache", func(p *manifest.Permissions) bool { return p.Cache }), unavailable("cache.set")},
	"cache.delete":   {permFlag("cache", func(p *manifest.Permissions) bool { return p.Cache }), unavailable("cache.delete")},
	"state.get":      {permFlag("state", func(p *manifest.Permissions) bool { return p.State }), unavailable("state.get")},
	"state.set":      {permFlag("state", func(p *manifest.Permissions) bool { return p.State }), unavailable("state.set")},
	"storage.read":   {permFlag("storage", func(p *manifest.Permissions) bool { return p.Storage }), unavailable("storage.read")},
	"storage.write":  {permFlag("storage", func(p *manifest.Permissions) bool { return p.Storage }), unavailable("storage.write")},
	"storage.list":   {permFlag("storage", func(p *manifest.Permissions) bool { return p.Storage }), unavailable("storage.list")},
	"storage.delete": {permFlag("storage", func(p *manifest.Permissions) bool { return p.Storage }), unavailable("storage.delete")},
	"http.request":   {httpAllowed, unavailable("http.request")},
	"oauth.token":    {oauthAllowed, unavailable("oauth.token")},
	"stream.emit":    {always, streamEmit},
}

func httpAllowed(m *manifest.Manifest, _ *manifest.Node, _ json.RawMessage) (bool, string) {
	return len(m.Permissions.HTTP.AllowedHosts) > 0, "[permissions.http] allowed_hosts listing the host"
}

func oauthAllowed(m *manifest.Manifest, n *manifest.Node, req json.RawMessage) (bool, string) {
	var r struct {
		Provider string `json:"provider"`
	}
	_ = json.Unmarshal(req, &r)
	declared := slices.ContainsFunc(m.Permissions.OAuthScopes, func(s manifest.OAuthScope) bool { return s.Provider == r.Provider })
	return declared && slices.Contains(n.OAuthProviders, r.Provider),
		fmt.Sprintf("the node's oauth_providers listing %q and a [[permissions.oauth_scopes]] entry for it", r.Provider)
}

func varsGet(_ context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	var r struct {
		Name *string `json:"name"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Name == nil {
		return nil, opErr(CodeInvalidRequest, `vars.get takes {"name": string}`)
	}
	if c.Request.Vars == nil {
		return nil, opErr(CodeUnavailable, "this call has no blackboard")
	}
	v, ok := c.Request.Vars.Lookup(*r.Name)
	if !ok {
		return nil, nil
	}
	return v, nil
}

func varsSet(_ context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	var r struct {
		Name  *string         `json:"name"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Name == nil || *r.Name == "" || r.Value == nil {
		return nil, opErr(CodeInvalidRequest, `vars.set takes {"name": string, "value": any}`)
	}
	if c.Request.Vars == nil {
		return nil, opErr(CodeUnavailable, "this call has no blackboard")
	}
	v, err := value.FromJSON(r.Value)
	if err != nil {
		return nil, opErr(CodeInvalidRequest, "vars.set value: %v", err)
	}
	if err := c.Request.Vars.SetValue(*r.Name, v); err != nil {
		return nil, opErr(CodeInvalidRequest, "vars.set: %v", err)
	}
	return nil, nil
}

func streamEmit(_ context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	var r struct {
		Event *string         `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Event == nil {
		return nil, opErr(CodeInvalidRequest, `stream.emit takes {"event": string, "data": any}`)
	}
	var data any
	if len(r.Data) > 0 {
		v, err := value.FromJSON(r.Data)
		if err != nil {
			return nil, opErr(CodeInvalidRequest, "stream.emit data: %v", err)
		}
		data = v
	}
	if c.Request.Events != nil {
		c.Request.Events.Stream(*r.Event, data)
	}
	return nil, nil
}

// hostLog is weft.log(level, ptr, len).
func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	level, ptr, n := api.DecodeI32(stack[0]), api.DecodeU32(stack[1]), api.DecodeU32(stack[2])
	cs, _ := ctx.Value(callKey{}).(*callState)
	if cs == nil {
		lifecycleLog(ctx, mod, level, ptr, n) // weft_init, weft_cleanup: the host's log; else dropped
		return
	}
	if cs.logLines >= MaxLogLines || cs.logBytes >= MaxLogBytes {
		cs.logDropped++ // counted without reading the guest's memory
		return
	}
	read := min(n, MaxLogLine)
	data, ok := mod.Memory().Read(ptr, read)
	if !ok {
		panic(fmt.Errorf("weft.log: the line [%#x, +%d) is outside the module's memory", ptr, n))
	}
	msg := string(data)
	if n > read {
		msg = fmt.Sprintf("%s… [line cut: %d bytes in all]", truncUTF8(msg, MaxLogLine), n)
	}
	cs.logLines++
	cs.logBytes += len(msg)
	if cs.req.Events != nil {
		cs.req.Events.Log(guestLevel(level), msg)
	}
}

func guestLevel(l int32) slog.Level {
	switch l {
	case 0:
		return bt.LevelTrace
	case 1:
		return slog.LevelDebug
	case 2:
		return slog.LevelInfo
	case 3:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// hostCall is weft.call(op_ptr, op_len, req_ptr, req_len) -> i64.
func hostCall(ctx context.Context, mod api.Module, stack []uint64) {
	opPtr, opLen := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	reqPtr, reqLen := api.DecodeU32(stack[2]), api.DecodeU32(stack[3])
	cs, _ := ctx.Value(callKey{}).(*callState)
	if opLen > MaxOpName {
		stack[0] = writeReply(ctx, cs, mod, cs.report("", time.Now(), map[string]any{"error": opErr(CodeInvalidRequest, "operation name of %d bytes (limit %d)", opLen, MaxOpName)}))
		return
	}
	opb, ok := mod.Memory().Read(opPtr, opLen)
	if !ok {
		panic(fmt.Errorf("weft.call: the operation name [%#x, +%d) is outside the module's memory", opPtr, opLen))
	}
	op := string(opb)
	if reqLen > MaxHostCall {
		stack[0] = writeReply(ctx, cs, mod, cs.report(op, time.Now(), map[string]any{"error": opErr(CodeLimitExceeded, "%s: request of %d bytes (limit %d)", op, reqLen, MaxHostCall)}))
		return
	}
	reqb, ok := mod.Memory().Read(reqPtr, reqLen)
	if !ok {
		panic(fmt.Errorf("weft.call %s: the request [%#x, +%d) is outside the module's memory", op, reqPtr, reqLen))
	}
	if cs == nil {
		data, _ := json.Marshal(map[string]any{"error": opErr(CodeUnavailable, "%s: host calls are only possible inside weft_run", op)})
		stack[0] = writeReply(ctx, cs, mod, data)
		return
	}
	stack[0] = writeReply(ctx, cs, mod, cs.dispatch(ctx, op, append([]byte(nil), reqb...)))
}

// dispatch runs host operation op with its request JSON for the call in
// progress, through the rate limit, the router and the permission check,
// reports it to the call's events and returns the reply JSON. Both the
// WebAssembly import weft.call and the JavaScript node runtime come here.
func (cs *callState) dispatch(ctx context.Context, op string, reqb []byte) []byte {
	start := time.Now()
	if len(reqb) > MaxHostCall {
		return cs.report(op, start, map[string]any{"error": opErr(CodeLimitExceeded, "%s: request of %d bytes (limit %d)", op, len(reqb), MaxHostCall)})
	}
	reply := func() map[string]any {
		req := json.RawMessage(reqb)
		if oe := cs.pkg.hostCallLimit(op, cs.req.Context.Tenant); oe != nil {
			return map[string]any{"error": oe}
		}
		spec, ok := ops[op]
		if !ok {
			return map[string]any{"error": opErr(CodeUnknownOp, "unknown operation %q", op)}
		}
		if !json.Valid(req) {
			return map[string]any{"error": opErr(CodeInvalidRequest, "%s: the request is not JSON", op)}
		}
		if ok, need := spec.Allowed(cs.pkg.Manifest, cs.node, req); !ok {
			return map[string]any{"error": opErr(CodePermissionDenied, "%s is denied: the manifest must declare %s", op, need)}
		}
		v, oe := spec.Handle(ctx, &OpCall{Manifest: cs.pkg.Manifest, Node: cs.node, Request: cs.req,
			Caps: &cs.pkg.host.cfg.Capabilities, Package: cs.pkg}, req)
		if oe != nil {
			return map[string]any{"error": oe}
		}
		return map[string]any{"ok": v}
	}()
	return cs.report(op, start, reply)
}

// report encodes a reply within the size limit and tells the call's events
// about the operation.
func (cs *callState) report(op string, start time.Time, reply map[string]any) []byte {
	data, err := json.Marshal(reply)
	if err != nil {
		data, _ = json.Marshal(map[string]any{"error": opErr(CodeInternal, "%s: encoding the reply: %v", op, err)})
	}
	if len(data) > MaxHostCall {
		data, _ = json.Marshal(map[string]any{"error": opErr(CodeLimitExceeded, "%s: reply of %d bytes (limit %d)", op, len(data), MaxHostCall)})
	}
	if cs != nil && cs.req.Events != nil {
		code := ""
		if e, ok := reply["error"].(*opError); ok {
			code = e.Code
		}
		cs.req.Events.HostCall(op, time.Since(start), code)
	}
	return data
}

// writeReply puts a reply into a buffer from the guest's weft_alloc and
// returns ptr<<32|len, or 0 when the allocation failed.
func writeReply(ctx context.Context, cs *callState, mod api.Module, data []byte) uint64 {
	var alloc api.Function
	if cs != nil {
		alloc = cs.inst.allocHost
	} else {
		alloc = mod.ExportedFunction("weft_alloc")
	}
	if alloc == nil {
		return 0
	}
	var s [1]uint64
	s[0] = api.EncodeI32(int32(len(data)))
	if err := alloc.CallWithStack(ctx, s[:]); err != nil {
		panic(err) // a trap in weft_alloc: abort the node
	}
	ptr := api.DecodeU32(s[0])
	if ptr == 0 || !mod.Memory().Write(ptr, data) {
		return 0
	}
	return uint64(ptr)<<32 | uint64(uint32(len(data)))
}

var _ = strings.Join
