// This file parses the request JSON of weft_run. encoding/json's reflection
// was 80% of a warm call inside wasm, so the request is checked with
// json.Valid and then split by a small scanner that only finds value spans;
// inputs stay raw JSON until a getter reads them.

package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// request is the request JSON of ABI v1.
type request struct {
	Node    string
	Inputs  map[string]json.RawMessage
	Context RunContext
}

// errBadRequest marks a request the SDK could not understand.
var errBadRequest = errors.New("bad request")

// parseRequest decodes and checks a request:
//
//	{"abi":1,"node":"add","inputs":{...},"context":{...}}
//
// # Errors
//
// errBadRequest, saying which field is wrong, for anything that is not
// valid JSON of that shape. Unknown fields are ignored; a repeated field
// keeps its last value, as encoding/json does.
func parseRequest(b []byte) (*request, error) {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v) // for its position-bearing message
		return nil, fmt.Errorf("%w: not valid JSON: %w", errBadRequest, err)
	}
	r := &request{Inputs: map[string]json.RawMessage{}}
	var abi, node []byte
	err := eachMember(b, "request", func(key, val []byte) error {
		switch string(key) {
		case "abi":
			abi = val
		case "node":
			node = val
		case "inputs":
			if isNullSpan(val) {
				clear(r.Inputs)
				return nil
			}
			inputs := map[string]json.RawMessage{}
			if err := eachMember(val, `field "inputs"`, func(k, v []byte) error {
				inputs[string(k)] = v
				return nil
			}); err != nil {
				return err
			}
			r.Inputs = inputs
		case "context":
			if isNullSpan(val) {
				r.Context = RunContext{}
				return nil
			}
			var rc RunContext
			if err := eachMember(val, `field "context"`, rc.set); err != nil {
				return err
			}
			r.Context = rc
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if abi == nil {
		return nil, fmt.Errorf("%w: field \"abi\" is missing, expected %d", errBadRequest, ABIVersion)
	}
	if v, err := strconv.ParseInt(string(abi), 10, 64); err != nil || v != ABIVersion {
		return nil, fmt.Errorf("%w: field \"abi\": expected %d, found %s", errBadRequest, ABIVersion, describe(abi))
	}
	if node == nil {
		return nil, fmt.Errorf("%w: field \"node\" is missing", errBadRequest)
	}
	n, ok := stringSpan(node)
	if !ok {
		return nil, fmt.Errorf("%w: field \"node\": expected a string, found %s", errBadRequest, describe(node))
	}
	r.Node = string(n)
	r.Context.Node = r.Node
	return r, nil
}

// set stores one member of the request's "context" object.
func (rc *RunContext) set(key, val []byte) error {
	var ok bool
	var n int64
	want := "a string"
	switch string(key) {
	case "run_id":
		rc.RunID, ok = stringOrNull(val)
	case "workflow":
		rc.Workflow, ok = stringOrNull(val)
	case "node_instance":
		rc.NodeInstance, ok = stringOrNull(val)
	case "tenant":
		rc.Tenant, ok = stringOrNull(val)
	case "attempt":
		want = "an integer"
		n, ok = intOrNull(val)
		rc.Attempt = int(n)
	case "deadline_unix_ms":
		want = "an integer"
		if n, ok = intOrNull(val); ok {
			rc.Deadline = time.Time{}
			if n != 0 {
				rc.Deadline = time.UnixMilli(n).UTC()
			}
		}
	default:
		return nil
	}
	if !ok {
		return fmt.Errorf("field \"context.%s\": expected %s, found %s", key, want, describe(val))
	}
	return nil
}

func stringOrNull(val []byte) (string, bool) {
	if isNullSpan(val) {
		return "", true
	}
	s, ok := stringSpan(val)
	return string(s), ok
}

func intOrNull(val []byte) (int64, bool) {
	if isNullSpan(val) {
		return 0, true
	}
	n, err := strconv.ParseInt(string(val), 10, 64)
	return n, err == nil
}

func isNullSpan(b []byte) bool { return string(b) == "null" }

// stringSpan decodes the JSON string b (a span json.Valid accepted). A
// string without escapes is returned as a sub-slice of b, without copying.
func stringSpan(b []byte) ([]byte, bool) {
	if len(b) < 2 || b[0] != '"' {
		return nil, false
	}
	body := b[1 : len(b)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return body, true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil { // escapes; invalid UTF-8 becomes U+FFFD
		return nil, false
	}
	return []byte(s), true
}

// eachMember calls fn with each key and raw value of the JSON object b, in
// order. b must be valid JSON (json.Valid); what names b in errors.
func eachMember(b []byte, what string, fn func(key, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%s: expected an object, found %s", what, describe(b))
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		end := skipValue(b, i) // the key
		key, ok := stringSpan(b[i:end])
		if !ok {
			return fmt.Errorf("%s: malformed key %s", what, describe(b[i:end]))
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		end = skipValue(b, i)
		if err := fn(key, b[i:end:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // the comma
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i]. b must be
// valid JSON, so only strings need care (brackets inside them).
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return i
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipValue(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
