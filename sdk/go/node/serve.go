// This file holds the platform-independent core of weft_run: the handler
// registry, request parsing, dispatch with panic recovery, and response
// building. The wasm glue (wasm_wasip1.go) only moves bytes in and out.

package node

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
)

// ABIVersion is the version of weft's node ABI this package implements; the
// module's weft_abi_version export returns it.
const ABIVersion = 1

// Handler runs one node call. It returns nil for SUCCESS; an error makes the
// node's result FAILURE with the error's text as the message.
type Handler func(c *Call) error

// Level is the severity of a log line, as weft.log numbers it.
type Level int32

// The log levels of the ABI.
const (
	LevelTrace Level = 0
	LevelDebug Level = 1
	LevelInfo  Level = 2
	LevelWarn  Level = 3
	LevelError Level = 4
)

// String returns the level's lower-case name, or "level(N)".
func (l Level) String() string {
	switch l {
	case LevelTrace:
		return "trace"
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelWarn:
		return "warn"
	case LevelError:
		return "error"
	}
	return fmt.Sprintf("level(%d)", int32(l))
}

// Host is what a node reaches outside itself: the run log (import weft.log)
// and the generic host call (import weft.call). Inside a wasm module the
// package supplies the real host; tests supply a fake (see package
// nodetest).
type Host interface {
	// Log writes one line to the run log.
	Log(level Level, line string)
	// Call performs the host operation op with the JSON request req and
	// returns the JSON reply ({"ok": ...} or {"error": {...}}), or nil when
	// the host could not deliver one (weft.call returned 0).
	Call(op string, req []byte) []byte
}

var registry = struct {
	sync.RWMutex
	handlers map[string]Handler
}{handlers: map[string]Handler{}}

// Handle registers h as the handler of the node whose manifest id is id.
//
//	func init() { node.Handle("add", add) }
//
// # Notes
//
// Call it from an init function: the module's _initialize runs package
// initialisation, and the host calls weft_run only afterwards. Registering
// an empty id, a nil handler or the same id twice is a programming error and
// panics (at module initialisation, so the package fails to load with the
// message instead of misbehaving later).
func Handle(id string, h Handler) {
	if id == "" {
		panic("node.Handle: empty node id")
	}
	if h == nil {
		panic(fmt.Sprintf("node.Handle(%q): nil handler", id))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.handlers[id]; dup {
		panic(fmt.Sprintf("node.Handle(%q): node registered twice", id))
	}
	registry.handlers[id] = h
}

func lookup(id string) (Handler, []string) {
	registry.RLock()
	defer registry.RUnlock()
	if h, ok := registry.handlers[id]; ok {
		return h, nil
	}
	ids := make([]string, 0, len(registry.handlers))
	for k := range registry.handlers {
		ids = append(ids, k)
	}
	sort.Strings(ids)
	return nil, ids
}

// RunContext describes the call being run: which node, in which run of which
// workflow, for which tenant, and until when.
type RunContext struct {
	Node         string    // node id from the manifest, as dispatched
	RunID        string    // the workflow run's id
	Workflow     string    // the workflow's name
	NodeInstance string    // the id of this node in the workflow's tree
	Tenant       string    // the tenant the run belongs to
	Attempt      int       // 1 for the first attempt, 2 for the first retry, ...
	Deadline     time.Time // when the host stops the call; zero if none was sent
}

// Serve runs one request against the registered handlers and returns the
// response JSON. The module's weft_run calls it with the real host; tests
// call it with a fake one.
//
//	resp := node.Serve(fake, []byte(`{"abi":1,"node":"add","inputs":{"a":1,"b":2},"context":{}}`))
//
// # Errors
//
// Serve never fails and never panics: a request it cannot parse, an unknown
// node id, a handler's error, a handler's panic and an output that cannot be
// encoded all become {"status":"failure","error":...}.
//
// # Notes
//
// A nil host drops log lines and answers every host call with an
// "unavailable" error.
func Serve(h Host, req []byte) []byte {
	if h == nil {
		h = noHost{}
	}
	r, err := parseRequest(req)
	if err != nil {
		return failure(err.Error())
	}
	handler, known := lookup(r.Node)
	if handler == nil {
		list := "none"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return failure(fmt.Sprintf("unknown node %q: this module implements %s", r.Node, list))
	}
	c := newCall(h, r)
	err = c.invoke(handler)
	outputs, outErr := c.finish()
	if err != nil {
		return failure(errorText(err))
	}
	if outErr != nil {
		return failure(outErr.Error())
	}
	return success(outputs)
}

// invoke runs the handler, turning a panic into an error.
func (c *Call) invoke(h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.host.Log(LevelError, fmt.Sprintf("panic in node %q: %v\n%s", c.ctx.Node, p, debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(c)
}

func errorText(err error) string {
	if s := err.Error(); s != "" {
		return s
	}
	return "node failed (its error has no message)"
}

// success builds {"status":"success","outputs":{...}} by hand: every value
// is already compact JSON from SetOutput, and keys are sorted so the bytes
// are deterministic.
func success(outputs map[string]json.RawMessage) []byte {
	names := make([]string, 0, len(outputs))
	size := 40
	for k, v := range outputs {
		names = append(names, k)
		size += len(k) + len(v) + 4
	}
	sort.Strings(names)
	b := make([]byte, 0, size)
	b = append(b, `{"status":"success","outputs":{`...)
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = append(b, outputs[k]...)
	}
	return append(b, "}}"...)
}

// appendJSONString appends s as a JSON string, as encoding/json writes it
// (invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func failure(msg string) []byte {
	b, _ := json.Marshal(struct { // a struct of two strings always encodes
		Status string `json:"status"`
		Error  string `json:"error"`
	}{"failure", msg})
	return b
}

// noHost is the host of Serve(nil, ...).
type noHost struct{}

func (noHost) Log(Level, string) {}

func (noHost) Call(string, []byte) []byte {
	return []byte(`{"error":{"code":"unavailable","message":"no host"}}`)
}
