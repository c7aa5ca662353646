// AppendJSON: the ABI's JSON encoding of a pin value, written by hand for
// speed and exactness (int64 never goes through float64).

package pin

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects, in both directions, as
// encoding/json does.
const maxDepth = 10000

// ErrEncode is wrapped by the errors of AppendJSON: a value that has no ABI
// JSON form.
var ErrEncode = errors.New("value has no ABI JSON form")

// AppendJSON appends the ABI v1 JSON encoding of v, a value already coerced
// for this pin (see Coerce), to dst.
//
//	buf, err = s.AppendJSON(buf, int64(9007199254740993)) // 9007199254740993
//
// Integers are written exactly; floats in the shortest form that reads back
// the same, with ".0" kept on integral values so that they stay floats;
// bytes in standard base64; dates in RFC 3339, in UTC, with fractional
// seconds only when not zero; strings escaped as JSON requires (invalid
// UTF-8 becomes U+FFFD); object keys sorted.
//
// # Errors
//
// An error wrapping ErrEncode, naming where in the value: NaN or infinite
// floats, a date outside years 0-9999, a value whose Go type does not match
// the pin (a value that was not coerced), nesting deeper than 10000. The
// error does not name the pin: callers add it. On error, dst may hold part
// of the value.
func (s *Spec) AppendJSON(dst []byte, v any) ([]byte, error) {
	var err *encodeError
	switch s.ValueType {
	case "", Normal:
		dst, err = appendScalar(dst, s.Type, v)
	case Array, Set:
		list, ok := v.([]any)
		if !ok {
			return dst, &encodeError{msg: "expected " + s.expectedContainer() + ", found " + describe(v)}
		}
		dst = append(dst, '[')
		for i, e := range list {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendScalar(dst, s.Type, e); err != nil {
				err.path = indexPath(i) + err.path
				return dst, err
			}
		}
		dst = append(dst, ']')
	case Map:
		m, ok := v.(map[string]any)
		if !ok {
			return dst, &encodeError{msg: "expected " + s.expectedContainer() + ", found " + describe(v)}
		}
		dst, err = appendObject(dst, m, s.Type, 0)
	default:
		err = &encodeError{msg: "unknown value type " + strconv.Quote(string(s.ValueType))}
	}
	if err != nil {
		return dst, err
	}
	return dst, nil
}

// encodeError is AppendJSON's error; path grows as the error unwinds.
type encodeError struct {
	path string
	msg  string
}

func (e *encodeError) Error() string {
	if e.path != "" {
		return e.path + ": " + e.msg
	}
	return e.msg
}

func (e *encodeError) Unwrap() error { return ErrEncode }

// appendScalar appends one value of type t.
func appendScalar(dst []byte, t Type, v any) ([]byte, *encodeError) {
	switch t {
	case Generic:
		return appendAny(dst, v, 0)
	case Execution:
		if v == nil {
			return append(dst, "null"...), nil
		}
	case String, Path:
		if x, ok := v.(string); ok {
			return appendString(dst, x), nil
		}
	case Integer:
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(dst, x, 10), nil
		case int:
			return strconv.AppendInt(dst, int64(x), 10), nil
		}
	case Float:
		switch x := v.(type) {
		case float64:
			return appendFloat(dst, x)
		case int64:
			return appendFloat(dst, float64(x))
		}
	case Boolean:
		if x, ok := v.(bool); ok {
			return strconv.AppendBool(dst, x), nil
		}
	case Date:
		if x, ok := v.(time.Time); ok {
			return appendTime(dst, x)
		}
	case Struct:
		if x, ok := v.(map[string]any); ok {
			return appendObject(dst, x, Generic, 0)
		}
	case Bytes:
		if x, ok := v.([]byte); ok {
			return appendBytes(dst, x), nil
		}
	default:
		return dst, &encodeError{msg: "unknown pin type " + strconv.Quote(string(t))}
	}
	return dst, &encodeError{msg: "expected " + expected(t) + ", found " + describe(v)}
}

// appendAny appends any canonical value.
func appendAny(dst []byte, v any, depth int) ([]byte, *encodeError) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float64:
		return appendFloat(dst, x)
	case string:
		return appendString(dst, x), nil
	case []byte:
		return appendBytes(dst, x), nil
	case time.Time:
		return appendTime(dst, x)
	case []any:
		if depth >= maxDepth {
			return dst, &encodeError{msg: "nested more than 10000 levels deep"}
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err *encodeError
			if dst, err = appendAny(dst, e, depth+1); err != nil {
				err.path = indexPath(i) + err.path
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		if depth >= maxDepth {
			return dst, &encodeError{msg: "nested more than 10000 levels deep"}
		}
		return appendObject(dst, x, Generic, depth+1)
	}
	return dst, &encodeError{msg: fmt.Sprintf("a Go %T is not a canonical value", v)}
}

// appendObject appends m with sorted keys, each value as type t (Generic:
// any value, at nesting depth).
func appendObject(dst []byte, m map[string]any, t Type, depth int) ([]byte, *encodeError) {
	dst = append(dst, '{')
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err *encodeError
		if t == Generic {
			dst, err = appendAny(dst, m[k], depth)
		} else {
			dst, err = appendScalar(dst, t, m[k])
		}
		if err != nil {
			err.path = keyPath(k) + err.path
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendFloat writes f as encoding/json does (ES6 number formatting), plus
// ".0" on integral values written without exponent.
func appendFloat(dst []byte, f float64) ([]byte, *encodeError) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, &encodeError{msg: "float " + strconv.FormatFloat(f, 'g', -1, 64) + " has no JSON form"}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
		return dst, nil
	}
	for _, c := range dst[start:] {
		if c == '.' {
			return dst, nil
		}
	}
	return append(dst, ".0"...), nil
}

// appendTime writes t in RFC 3339, UTC.
func appendTime(dst []byte, t time.Time) ([]byte, *encodeError) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, &encodeError{msg: "date " + t.String() + " is outside years 0-9999, which RFC 3339 cannot write"}
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

func appendBytes(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string: '"', '\\' and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped (as
// encoding/json does, for JavaScript readers).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
