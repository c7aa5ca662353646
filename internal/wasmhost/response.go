// Reading the response JSON without reflection: it is on the path of every
// node call.

package wasmhost

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
)

// response checks the response JSON against ABI v1 and decodes its outputs
// against the node's output pins.
func (p *Package) response(view []byte, node *manifest.Node) (*Result, error) {
	if !utf8.Valid(view) {
		return nil, errors.New("the response is not UTF-8")
	}
	if !json.Valid(view) {
		var v any
		err := json.Unmarshal(view, &v) // for the message only
		return nil, fmt.Errorf("the response is not the ABI's JSON: %v (starts %q)", err, truncUTF8(string(view), 80))
	}
	// From here on the document is valid JSON, which the scanner relies on.
	i := skipWS(view, 0)
	if view[i] != '{' {
		return nil, fmt.Errorf("the response is not a JSON object (starts %q)", truncUTF8(string(view), 80))
	}
	var status, errRaw, outputs []byte
	err := eachMember(view, i, func(key, val []byte) error {
		switch string(key) {
		case "status":
			status = val
		case "error":
			errRaw = val
		case "outputs":
			outputs = val
		default:
			return fmt.Errorf("the response has an unknown field %q (fields: status, outputs, error)", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch string(status) {
	case `"failure"`:
		var msg string
		if errRaw == nil || json.Unmarshal(errRaw, &msg) != nil || msg == "" {
			return nil, errors.New(`a "failure" response must carry a non-empty "error" string`)
		}
		return &Result{Error: msg}, nil
	case `"success"`:
	case "":
		return nil, errors.New(`the response has no "status"`)
	default:
		return nil, fmt.Errorf(`the response's status is %s, expected "success" or "failure"`, truncUTF8(string(status), 40))
	}
	res := &Result{Success: true, Outputs: map[string]any{}}
	if outputs == nil || string(outputs) == "null" {
		return res, nil
	}
	if outputs[0] != '{' {
		return nil, errors.New(`the response's "outputs" is not an object`)
	}
	err = eachMember(outputs, 0, func(key, val []byte) error {
		spec := pin.Find(node.Outputs, string(key))
		if spec == nil {
			return fmt.Errorf("the node returned output %q, which is not a declared output pin (declared: %s)", key, pin.Names(node.Outputs))
		}
		v, err := spec.DecodeJSON(val)
		if err != nil {
			return err // "output pin NAME: expected ..., found ..."
		}
		res.Outputs[spec.Name] = v // the pin's own string: no copy of the key
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// eachMember calls fn with the (unquoted) key and the raw value of each
// member of the valid JSON object starting at b[i].
func eachMember(b []byte, i int, fn func(key, val []byte) error) error {
	i = skipWS(b, i+1) // past '{'
	for b[i] != '}' {
		end := scanString(b, i)
		key := b[i+1 : end-1]
		for _, c := range key {
			if c == '\\' {
				var s string
				if err := json.Unmarshal(b[i:end], &s); err != nil {
					return err
				}
				key = []byte(s)
				break
			}
		}
		i = skipWS(b, end)
		i = skipWS(b, i+1) // past ':'
		vend := scanValue(b, i)
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipWS(b, vend)
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return nil
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index after the string starting at b[i] == '"'.
func scanString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// scanValue returns the index after the value starting at b[i].
func scanValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = scanString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}
