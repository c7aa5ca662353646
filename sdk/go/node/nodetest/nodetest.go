// Package nodetest runs nodes written with package node inside `go test`,
// on any platform, against a fake host: an in-memory blackboard, recorded
// log lines and stream events, and pluggable host operations.
//
//	func TestAdd(t *testing.T) {
//		h := &nodetest.Host{}
//		res, err := h.Run("add", map[string]any{"a": 1, "b": 2})
//		if err != nil { t.Fatal(err) }
//		var sum int64
//		if err := res.Output("sum", &sum); err != nil || sum != 3 { t.Fatalf(...) }
//	}
//
// The handlers under test are the ones registered with node.Handle, so a
// test in the node's own package (package main for a node module) sees
// exactly what the module runs.
package nodetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/weft-dev/weft/sdk/go/node"
)

// Host is a fake weft host. The zero value works: an empty blackboard,
// every operation permitted, stream events recorded.
//
// # Notes
//
// Operations: vars.get and vars.set use Vars; stream.emit is recorded; an
// operation in Denied answers permission_denied (as a real host does for a
// permission the manifest lacks); an operation in Ops is answered by its
// function; anything else answers unknown_op.
type Host struct {
	// Vars is the run's blackboard. Values the node writes are stored
	// decoded from JSON, numbers as json.Number.
	Vars map[string]any
	// Denied lists operations answered with permission_denied.
	Denied []string
	// Ops answers further operations (or replaces the built-in ones). A
	// returned *node.HostError becomes an error reply with its code; any
	// other error becomes code "internal".
	Ops map[string]func(req json.RawMessage) (any, error)
	// Context is sent with each request. Empty fields get defaults: run id
	// "test-run", workflow "test-workflow", node instance = node id,
	// tenant "default", attempt 1, deadline 30 s from now.
	Context node.RunContext

	mu     sync.Mutex
	logs   []Line
	events []Event
}

// Line is one log line a node wrote.
type Line struct {
	Level node.Level
	Text  string
}

// Event is one stream event a node emitted.
type Event struct {
	Name string
	Data json.RawMessage
}

// Result is a node's response.
type Result struct {
	Status  string                     // "success" or "failure"
	Outputs map[string]json.RawMessage // on success
	Error   string                     // on failure
	Raw     []byte                     // the response JSON as the node wrote it
}

// Output decodes output name into v (numbers into an `any` as json.Number).
//
// # Errors
//
// When the node did not set the output or it does not fit v.
func (r *Result) Output(name string, v any) error {
	raw, ok := r.Outputs[name]
	if !ok {
		return fmt.Errorf("nodetest: no output %q (status %s, outputs %s)", name, r.Status, r.Raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("nodetest: output %q = %s: %w", name, raw, err)
	}
	return nil
}

// Run calls the handler registered for nodeID with inputs (each encoded
// with encoding/json) through node.Serve, as the module's weft_run would.
//
// # Errors
//
// When an input cannot be encoded or the response is not a valid ABI
// response (which would be a bug of package node). A node's FAILURE is not
// an error: it is a Result with Status "failure".
func (h *Host) Run(nodeID string, inputs map[string]any) (*Result, error) {
	in := make(map[string]json.RawMessage, len(inputs))
	for k, v := range inputs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("nodetest: input %q: %w", k, err)
		}
		in[k] = b
	}
	ctx := h.Context
	ctx.Node = nodeID
	req := map[string]any{
		"abi":    node.ABIVersion,
		"node":   nodeID,
		"inputs": in,
		"context": map[string]any{
			"run_id":           or(ctx.RunID, "test-run"),
			"workflow":         or(ctx.Workflow, "test-workflow"),
			"node_instance":    or(ctx.NodeInstance, nodeID),
			"tenant":           or(ctx.Tenant, "default"),
			"attempt":          max(ctx.Attempt, 1),
			"deadline_unix_ms": deadline(ctx.Deadline).UnixMilli(),
		},
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("nodetest: encoding the request: %w", err)
	}
	return parseResponse(node.Serve(h, b))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func deadline(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().Add(30 * time.Second)
	}
	return t
}

func parseResponse(b []byte) (*Result, error) {
	var r struct {
		Status  string                     `json:"status"`
		Outputs map[string]json.RawMessage `json:"outputs"`
		Error   *string                    `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("nodetest: response is not JSON: %w: %s", err, b)
	}
	res := &Result{Status: r.Status, Outputs: r.Outputs, Raw: b}
	switch {
	case r.Status == "success" && r.Outputs != nil && r.Error == nil:
	case r.Status == "failure" && r.Error != nil && r.Outputs == nil:
		res.Error = *r.Error
	default:
		return nil, fmt.Errorf("nodetest: response has not the ABI's shape: %s", b)
	}
	return res, nil
}

// Logs returns the lines logged so far.
func (h *Host) Logs() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.logs)
}

// Events returns the stream events emitted so far.
func (h *Host) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

// Log implements node.Host: it records the line.
func (h *Host) Log(level node.Level, line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = append(h.logs, Line{level, line})
}

// Call implements node.Host: it answers op as the type's doc describes.
func (h *Host) Call(op string, req []byte) []byte {
	v, err := h.answer(op, req)
	if err != nil {
		var he *node.HostError
		if !errors.As(err, &he) {
			he = &node.HostError{Code: node.CodeInternal, Message: err.Error()}
		}
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": he.Code, "message": he.Message}})
		return b
	}
	b, err := json.Marshal(map[string]any{"ok": v})
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": map[string]string{"code": node.CodeInternal, "message": err.Error()}})
	}
	return b
}

func (h *Host) answer(op string, req []byte) (any, error) {
	if slices.Contains(h.Denied, op) {
		return nil, &node.HostError{Code: node.CodePermissionDenied, Message: op + " is not permitted"}
	}
	if f, ok := h.Ops[op]; ok {
		return f(req)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var r struct {
		Name  string          `json:"name"`
		Value json.RawMessage `json:"value"`
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, &node.HostError{Code: node.CodeInvalidRequest, Message: err.Error()}
	}
	switch op {
	case "vars.get":
		return h.Vars[r.Name], nil
	case "vars.set":
		var v any
		dec := json.NewDecoder(bytes.NewReader(r.Value))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, &node.HostError{Code: node.CodeInvalidRequest, Message: "value: " + err.Error()}
		}
		if h.Vars == nil {
			h.Vars = map[string]any{}
		}
		h.Vars[r.Name] = v
		return nil, nil
	case "stream.emit":
		h.events = append(h.events, Event{r.Event, r.Data})
		return nil, nil
	}
	return nil, &node.HostError{Code: node.CodeUnknownOp, Message: "nodetest knows no operation " + op}
}
