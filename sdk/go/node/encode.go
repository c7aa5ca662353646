// This file encodes output values and responses by hand, byte for byte as
// encoding/json does (fuzz-tested against it): the value types a handler
// sets most (strings, numbers, booleans, bytes, times) never reach
// encoding/json's reflection; other values still go through json.Marshal.

package node

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// encodeValue is json.Marshal with fast paths for the common types.
func encodeValue(v any) ([]byte, error) {
	if b, err := encodeSlow(v); b != nil || err != nil {
		return b, err
	}
	return appendFast(nil, v), nil
}

// encodeSlow encodes v if appendFast does not handle it, or returns nil,
// nil. It may run v's own MarshalJSON.
func encodeSlow(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil, string, int64, int, int32, uint64, uint32, uint, bool, []byte:
		return nil, nil
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) { // else json.Marshal's error
			return nil, nil
		}
	case float32:
		if f := float64(x); !math.IsInf(f, 0) && !math.IsNaN(f) {
			return nil, nil
		}
	case time.Time:
		if b, err := x.MarshalJSON(); err == nil { // what json.Marshal calls; compact already
			return b, nil
		} // else json.Marshal's wrapping of the error
	}
	return json.Marshal(v)
}

// appendFast appends v, of a type encodeSlow leaves alone, as json.Marshal
// would encode it.
func appendFast(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint:
		return strconv.AppendUint(b, uint64(x), 10)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		return appendFloat(b, x, 64)
	case float32:
		return appendFloat(b, float64(x), 32)
	case []byte:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"')
	}
	return append(b, "null"...) // nil
}

// appendFloat appends f (finite) as encoding/json writes a float of bits
// bits: like ES6, without exponent between 1e-6 and 1e21.
func appendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' { // e-09 becomes e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// htmlSafe marks the ASCII bytes encoding/json writes as they are (it
// escapes <, > and & too).
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, exactly as encoding/json writes
// it: HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
