// This file holds the platform-independent core of weft_run: the handler
// registry, request parsing, dispatch with panic recovery, and response
// building. The wasm glue (wasm_wasip1.go) only moves bytes in and out.

package node

import (
	"fmt"
	"runtime/debug"
	"slices"
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
	return serve(h, string(req), nil) // a copy: names and inputs are substrings of it
}

// serve is Serve on a request the caller will never change, appending the
// response to dst.
func serve(h Host, req string, dst []byte) []byte {
	if h == nil {
		h = noHost{}
	}
	c := &Call{host: h}
	if err := c.req.parse(req); err != nil {
		return failure(dst, err.Error())
	}
	c.init()
	handler, known := lookup(c.req.Node)
	if handler == nil {
		list := "none"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return failure(dst, fmt.Sprintf("unknown node %q: this module implements %s", c.req.Node, list))
	}
	err := c.invoke(handler)
	outputs, out, outErr := c.finish()
	if err != nil {
		return failure(dst, errorText(err))
	}
	if outErr != nil {
		return failure(dst, outErr.Error())
	}
	return success(dst, outputs, out)
}

// invoke runs the handler, turning a panic into an error.
func (c *Call) invoke(h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.host.Log(LevelError, fmt.Sprintf("panic in node %q: %v\n%s", c.req.Context.Node, p, debug.Stack()))
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

// success appends {"status":"success","outputs":{...}} to dst, by hand: every value
// is already compact JSON from SetOutput, and keys are sorted so the bytes
// are deterministic.
func success(dst []byte, outputs []output, out []byte) []byte {
	if len(outputs) <= 12 { // insertion sort: no allocation, fast for a few
		for i := 1; i < len(outputs); i++ {
			for j := i; j > 0 && outputs[j].name < outputs[j-1].name; j-- {
				outputs[j], outputs[j-1] = outputs[j-1], outputs[j]
			}
		}
	} else {
		slices.SortFunc(outputs, func(a, b output) int { return strings.Compare(a.name, b.name) })
	}
	size := 34
	for _, o := range outputs {
		size += len(o.name) + o.end - o.off + 4
	}
	b := slices.Grow(dst, size)
	b = append(b, `{"status":"success","outputs":{`...)
	for i, o := range outputs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, o.name)
		b = append(b, ':')
		b = append(b, out[o.off:o.end]...)
	}
	return append(b, "}}"...)
}

// failure appends {"status":"failure","error":msg} to dst, as json.Marshal
// would write it.
func failure(dst []byte, msg string) []byte {
	b := slices.Grow(dst, len(msg)+32)
	b = append(b, `{"status":"failure","error":`...)
	b = appendString(b, msg)
	return append(b, '}')
}

// noHost is the host of Serve(nil, ...).
type noHost struct{}

func (noHost) Log(Level, string) {}

func (noHost) Call(string, []byte) []byte {
	return []byte(`{"error":{"code":"unavailable","message":"no host"}}`)
}
