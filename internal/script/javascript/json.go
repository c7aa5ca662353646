// json.go: the JSON boundary between Go and the VM: the globals go in as
// one JSON object, the result comes out as JSON text.

package javascript

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// encodeGlobals returns globals as the text of one JSON object.
//
// # Errors
//
// A value encoding/json cannot encode, such as NaN, a channel or a cycle,
// named by its key.
func encodeGlobals(globals map[string]any) (string, error) {
	if len(globals) == 0 {
		return "{}", nil
	}
	b := make([]byte, 0, 64*len(globals))
	b = append(b, '{')
	for k, v := range globals {
		if len(b) > 1 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k) // a string always encodes
		b = append(b, kb...)
		b = append(b, ':')
		vb, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("javascript: global %q cannot be passed to the script as JSON: %w", k, err)
		}
		b = append(b, vb...)
	}
	b = append(b, '}')
	return string(b), nil
}

// decodeResult decodes the JSON text of a result: numbers become int64
// when they are integers in int64's range, float64 otherwise.
//
// # Errors
//
// s is not one JSON value; JSON.stringify does not write such text.
func decodeResult(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the result's JSON cannot be decoded: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the result's JSON has text after its value")
	}
	return numbers(v), nil
}

// numbers replaces the json.Numbers in v, in place.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		// JSON.stringify writes finite numbers only, and integers of 1e21
		// and more with an exponent; -2^63 comes out as -9223372036854776000.
		f, _ := strconv.ParseFloat(string(x), 64)
		if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
			return int64(f)
		}
		return f
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	}
	return v
}
