// Typed JSON: canonical values in JSON that keep their kind, for values
// that leave the process and must come back as they were (a durable run's
// blackboard in a Temporal history). Plain JSON would turn a float 1.0
// into the integer 1, bytes and dates into strings.

package value

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Typed JSON marks what plain JSON cannot tell apart:
//
//	float64 whole or not finite  {"$f":"1"}  (other floats are numbers with . or e)
//	[]byte                       {"$b":"base64"}
//	time.Time                    {"$t":"RFC 3339 with nanoseconds"}
//	map with a key starting $    {"$m":{...}}
//
// Everything else is plain JSON; integers are numbers without . or e.
const (
	typedFloat = "$f"
	typedBytes = "$b"
	typedTime  = "$t"
	typedMap   = "$m"
)

// MarshalTyped encodes a canonical value as typed JSON.
//
//	data, err := value.MarshalTyped(bb) // UnmarshalTyped(data) gives bb back
//
// # Errors
//
// A value that is not canonical (see Normalize).
func MarshalTyped(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writeTyped(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeTyped(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if math.IsInf(x, 0) || math.IsNaN(x) || !strings.ContainsAny(s, ".e") {
			wrapString(b, typedFloat, s)
		} else {
			b.WriteString(s)
		}
	case string:
		writeString(b, x)
	case []byte:
		wrapString(b, typedBytes, base64.StdEncoding.EncodeToString(x))
	case time.Time:
		wrapString(b, typedTime, x.Format(time.RFC3339Nano))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeTyped(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := SortedKeys(x)
		wrap := false
		for _, k := range keys {
			if strings.HasPrefix(k, "$") {
				wrap = true
				break
			}
		}
		if wrap {
			b.WriteString(`{"` + typedMap + `":`)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeTyped(b, x[k]); err != nil {
				return fmt.Errorf("%q: %w", k, err)
			}
		}
		b.WriteByte('}')
		if wrap {
			b.WriteByte('}')
		}
	default:
		return fmt.Errorf("a %T is not a canonical value", v)
	}
	return nil
}

func wrapString(b *bytes.Buffer, tag, s string) {
	b.WriteString(`{"` + tag + `":`)
	writeString(b, s)
	b.WriteByte('}')
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// UnmarshalTyped decodes what MarshalTyped wrote.
//
// # Errors
//
// Data that is not JSON, or a typed member whose value is not of its form
// ({"$t":"yesterday"}).
func UnmarshalTyped(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("typed JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("typed JSON: unexpected data after the value at offset %d", dec.InputOffset())
	}
	return fromTyped(v)
}

func fromTyped(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("typed JSON: float %s: %w", s, err)
			}
			return f, nil
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("typed JSON: integer %s out of range", s)
		}
		return i, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			d, err := fromTyped(e)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for tag, inner := range x {
				if strings.HasPrefix(tag, "$") {
					return fromTag(tag, inner)
				}
			}
		}
		return fromMap(x)
	}
	return v, nil // nil, bool, string
}

func fromMap(x map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(x))
	for k, e := range x {
		d, err := fromTyped(e)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		out[k] = d
	}
	return out, nil
}

func fromTag(tag string, inner any) (any, error) {
	if tag == typedMap {
		m, ok := inner.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("typed JSON: %s: expected an object, found %s", tag, jsonKind(inner))
		}
		return fromMap(m)
	}
	s, ok := inner.(string)
	if !ok {
		return nil, fmt.Errorf("typed JSON: %s: expected a string, found %s", tag, jsonKind(inner))
	}
	switch tag {
	case typedFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("typed JSON: %s: %q is not a float", tag, s)
		}
		return f, nil
	case typedBytes:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("typed JSON: %s: %w", tag, err)
		}
		return b, nil
	case typedTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("typed JSON: %s: %w", tag, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("typed JSON: unknown tag %q (a map with a key starting with $ is written inside %q)", tag, typedMap)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}
