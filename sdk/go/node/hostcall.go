// This file holds the host calls: the generic Call.HostCall over the import
// weft.call, the *HostError it returns, and the typed helpers of the
// blackboard and the stream (Vars, Stream); ops.go holds the others (Cache,
// State, HTTP, Storage, OAuth).

package node

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The error codes of host-call replies (ABI v1).
const (
	CodePermissionDenied = "permission_denied" // the manifest does not grant the operation
	CodeNotFound         = "not_found"
	CodeInvalidRequest   = "invalid_request"
	CodeUnknownOp        = "unknown_op" // the host does not know the operation
	CodeLimitExceeded    = "limit_exceeded"
	CodeUnavailable      = "unavailable"
	CodeTimeout          = "timeout"
	CodeInternal         = "internal"
)

// HostError is an error reply to a host call. Branch on Code:
//
//	var he *node.HostError
//	if errors.As(err, &he) && he.Code == node.CodePermissionDenied { ... }
type HostError struct {
	Op      string // the operation, e.g. "vars.get"
	Code    string // one of the Code constants (or a newer host's code)
	Message string // the host's explanation
}

func (e *HostError) Error() string {
	return fmt.Sprintf("host call %s: %s: %s", e.Op, e.Code, e.Message)
}

// maxHostCallBytes is the ABI's cap on a host-call request (a variable so
// tests can lower it).
var maxHostCallBytes = 16 << 20

// HostCall performs the host operation op with request req (encoded with
// encoding/json; nil sends {}) and decodes the reply's ok value into resp
// (nil discards it).
//
//	var v any
//	err := c.HostCall("cache.get", map[string]any{"key": "k"}, &v)
//
// # Errors
//
// A *HostError for an error reply: the operation is not permitted
// (CodePermissionDenied), unknown to this host (CodeUnknownOp), or failed.
// A *HostError with CodeLimitExceeded when the request is over 16 MiB or the
// host could not allocate the reply in the module's memory. ErrCallDone
// after the handler returned. Otherwise an error when req cannot be encoded
// or the ok value does not fit resp.
//
// # Notes
//
// An operation's permission comes from the package manifest; everything not
// declared there is denied. The reply's numbers decode exactly (UseNumber).
func (c *Call) HostCall(op string, req, resp any) error {
	if c.isDone() {
		return fmt.Errorf("host call %s: %w", op, ErrCallDone)
	}
	body := []byte("{}")
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("host call %s: encoding the request: %w", op, err)
		}
		body = b
	}
	if len(body) > maxHostCallBytes {
		return &HostError{Op: op, Code: CodeLimitExceeded,
			Message: fmt.Sprintf("request is %d bytes, the limit is %d", len(body), maxHostCallBytes)}
	}
	reply := c.host.Call(op, body)
	if reply == nil {
		return &HostError{Op: op, Code: CodeLimitExceeded,
			Message: "no reply: the host could not allocate the reply in the module's memory"}
	}
	ok, err := parseReply(op, reply)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := decodeJSON(ok, resp); err != nil {
		return fmt.Errorf("host call %s: decoding the reply: %w", op, err)
	}
	return nil
}

// parseReply splits a reply into its ok value or its *HostError.
func parseReply(op string, reply []byte) (json.RawMessage, error) {
	var r struct {
		OK    json.RawMessage `json:"ok"`
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := decodeJSON(reply, &r); err != nil {
		return nil, &HostError{Op: op, Code: CodeInternal, Message: "malformed reply: " + err.Error()}
	}
	switch {
	case r.Error != nil && r.OK == nil:
		code := r.Error.Code
		if code == "" {
			code = CodeInternal
		}
		return nil, &HostError{Op: op, Code: code, Message: r.Error.Message}
	case r.Error == nil && r.OK != nil:
		return r.OK, nil
	}
	return nil, &HostError{Op: op, Code: CodeInternal,
		Message: `malformed reply: expected exactly one of "ok" and "error"`}
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// Vars reads and writes the run's blackboard (operations vars.get and
// vars.set; manifest permission variables = true).
func (c *Call) Vars() Vars { return Vars{c} }

// Vars is the blackboard of the current run; see Call.Vars.
type Vars struct{ c *Call }

// Get decodes blackboard variable name into dst and reports whether it was
// set. A variable that is unset or null leaves dst untouched and returns
// false.
//
//	var greeting string
//	found, err := c.Vars().Get("greeting", &greeting)
//
// # Errors
//
// As HostCall; *HostError with CodePermissionDenied without the manifest's
// variables permission.
func (v Vars) Get(name string, dst any) (bool, error) {
	var raw json.RawMessage
	if err := v.c.HostCall("vars.get", map[string]any{"name": name}, &raw); err != nil {
		return false, err
	}
	if isNull(raw) {
		return false, nil
	}
	if dst == nil {
		return true, nil
	}
	if err := decodeJSON(raw, dst); err != nil {
		return true, fmt.Errorf("variable %q: %w", name, err)
	}
	return true, nil
}

// Set writes value (encoded with encoding/json) to blackboard variable name,
// where later nodes of the run can read it.
//
// # Errors
//
// As HostCall.
func (v Vars) Set(name string, value any) error {
	return v.c.HostCall("vars.set", map[string]any{"name": name, "value": value}, nil)
}

// Stream sends events to whoever follows the run live (operation
// stream.emit; always allowed).
func (c *Call) Stream() Stream { return Stream{c} }

// Stream is the live event stream of the current run; see Call.Stream.
type Stream struct{ c *Call }

// Emit sends one event named event with data (encoded with encoding/json).
//
//	err := c.Stream().Emit("progress", map[string]int{"done": 3, "total": 10})
//
// # Errors
//
// As HostCall.
func (s Stream) Emit(event string, data any) error {
	return s.c.HostCall("stream.emit", map[string]any{"event": event, "data": data}, nil)
}
