// Coerce: from a blackboard value to the canonical value a pin carries, and
// the equality that keeps sets free of duplicates.

package pin

import (
	"bytes"
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/weft-dev/weft/internal/value"
)

// Coerce converts a canonical blackboard value to the canonical value for
// this pin, checking it against the pin's type.
//
//	v, err := (&pin.Spec{Name: "n", Type: pin.Integer}).Coerce(2.0) // int64(2)
//
// Conversions: integers from floats only when exact; floats from integers;
// dates from time.Time or RFC 3339 strings (kept as time.Time); bytes from
// []byte or a standard-base64 string. Arrays and sets take []any, maps and
// structs map[string]any; a set must hold no two equal elements; generic
// takes anything; execution takes only nil. A path must be a canonical
// relative storage path (see PathProblem), and a pin with ValidValues takes
// only those (each element, for arrays, sets and maps). A value that is
// already right is returned as is, without copying.
//
// # Errors
//
// A *MismatchError (wrapping ErrMismatch) such as
// `pin a: expected integer, found string "x"` or
// `pin tags[3]: duplicate set element "x" (same as [1])`,
// `pin mode: expected one of "fast", "slow", found string "medium"`.
func (s *Spec) Coerce(v any) (any, error) {
	c, err := s.coerce(v)
	if err == nil && s.checked() {
		if err := s.checkValues(c); err != nil {
			err.Pin = s.Name
			return nil, err
		}
	}
	return c, err
}

// coerce is Coerce without the checks of checkValues.
func (s *Spec) coerce(v any) (any, error) {
	switch s.ValueType {
	case "", Normal:
		c, _, err := coerceScalar(s.Type, v)
		if err != nil {
			err.Pin = s.Name
			return nil, err
		}
		return c, nil
	case Array, Set:
		list, ok := v.([]any)
		if !ok {
			return nil, &MismatchError{Pin: s.Name, Expected: s.expectedContainer(), Found: describe(v)}
		}
		out := list
		copied := false
		for i, e := range list {
			c, changed, err := coerceScalar(s.Type, e)
			if err != nil {
				err.Pin, err.Path = s.Name, indexPath(i)
				return nil, err
			}
			if changed {
				if !copied {
					out, copied = slices.Clone(list), true
				}
				out[i] = c
			}
		}
		if s.ValueType == Set {
			if i, j, dup := duplicate(out); dup {
				return nil, &MismatchError{Pin: s.Name, Path: indexPath(j),
					Found: "duplicate set element " + describe(out[j]) + " (same as " + indexPath(i) + ")"}
			}
		}
		return out, nil
	case Map:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &MismatchError{Pin: s.Name, Expected: s.expectedContainer(), Found: describe(v)}
		}
		var out map[string]any
		for k, e := range m {
			c, changed, err := coerceScalar(s.Type, e)
			if err != nil {
				return nil, s.firstMapError(m)
			}
			if changed {
				if out == nil {
					out = make(map[string]any, len(m))
					for k2, e2 := range m {
						out[k2] = e2
					}
				}
				out[k] = c
			}
		}
		if out == nil {
			return m, nil
		}
		return out, nil
	}
	return nil, &MismatchError{Pin: s.Name, Found: "unknown value type " + strconv.Quote(string(s.ValueType))}
}

// firstMapError reports the error of the smallest bad key, so that the
// message does not depend on map iteration order.
func (s *Spec) firstMapError(m map[string]any) error {
	for _, k := range value.SortedKeys(m) {
		if _, _, err := coerceScalar(s.Type, m[k]); err != nil {
			err.Pin, err.Path = s.Name, keyPath(k)
			return err
		}
	}
	return nil
}

// coerceScalar converts one value to type t; changed reports whether the
// result differs from v.
func coerceScalar(t Type, v any) (out any, changed bool, err *MismatchError) {
	switch t {
	case Generic:
		return v, false, nil
	case Execution:
		if v == nil {
			return nil, false, nil
		}
	case String, Path:
		if _, ok := v.(string); ok {
			return v, false, nil
		}
	case Integer:
		switch x := v.(type) {
		case int64:
			return v, false, nil
		case int:
			return int64(x), true, nil
		case float64:
			if i, ok := exactInt(x); ok {
				return i, true, nil
			}
		}
	case Float:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false, &MismatchError{Expected: "a finite float", Found: describe(v)}
			}
			return v, false, nil
		case int64:
			return float64(x), true, nil
		case int:
			return float64(x), true, nil
		}
	case Boolean:
		if _, ok := v.(bool); ok {
			return v, false, nil
		}
	case Date:
		switch x := v.(type) {
		case time.Time:
			if !dateInRange(x) {
				return nil, false, &MismatchError{Expected: "a date in years 0-9999", Found: describe(v)}
			}
			return v, false, nil
		case string:
			if d, ok := parseDate([]byte(x)); ok {
				return d, true, nil
			}
		}
	case Struct:
		if _, ok := v.(map[string]any); ok {
			return v, false, nil
		}
	case Bytes:
		switch x := v.(type) {
		case []byte:
			return v, false, nil
		case string:
			if b, err := base64.StdEncoding.DecodeString(x); err == nil {
				return b, true, nil
			}
			return nil, false, &MismatchError{Expected: expected(t), Found: describe(v) + " (not valid base64)"}
		}
	default:
		return nil, false, &MismatchError{Found: "unknown pin type " + strconv.Quote(string(t))}
	}
	return nil, false, &MismatchError{Expected: expected(t), Found: describe(v)}
}

// exactInt converts f to int64 when it is an integer in int64 range.
func exactInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false // NaN fails f != Trunc(f) too
	}
	return int64(f), true
}

// duplicate finds two equal elements of a set, returning their indexes
// (i < j, j the smallest such).
func duplicate(list []any) (i, j int, found bool) {
	if len(list) <= 8 {
		return duplicatePairwise(list)
	}
	seen := make(map[string]int, len(list))
	var buf []byte
	for j, e := range list {
		var ok bool
		if buf, ok = appendKey(buf[:0], e, 0); !ok {
			return duplicatePairwise(list)
		}
		if i, ok := seen[string(buf)]; ok {
			return i, j, true
		}
		seen[string(buf)] = j
	}
	return 0, 0, false
}

// duplicatePairwise is duplicate for values too deep to key.
func duplicatePairwise(list []any) (i, j int, found bool) {
	for j := 1; j < len(list); j++ {
		for i := 0; i < j; i++ {
			if equal(list[i], list[j]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// equal is the equality of set elements: value.Equal, except that integers
// compare exactly (value.Equal compares numbers as float64, which makes
// 2^53 and 2^53+1 equal); an integer equals a float only when the float is
// exactly that integer.
func equal(a, b any) bool { return equalDepth(a, b, 0) }

func equalDepth(a, b any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			i, ok := exactInt(y)
			return ok && i == x
		}
		return false
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case int64:
			i, ok := exactInt(x)
			return ok && i == y
		}
		return false
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDepth(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalDepth(xv, yv, depth+1) {
				return false
			}
		}
		return true
	}
	return value.Equal(a, b)
}

// appendKey appends a string that is the same for two values exactly when
// equal reports them equal, for hashing large sets. It fails for values
// nested deeper than maxDepth and for non-canonical Go values.
func appendKey(b []byte, v any, depth int) ([]byte, bool) {
	if depth > maxDepth {
		return b, false
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'n'), true
	case bool:
		if x {
			return append(b, 't'), true
		}
		return append(b, 'f'), true
	case int64:
		b = append(b, 'i')
		return append(strconv.AppendInt(b, x, 10), ';'), true
	case float64:
		if i, ok := exactInt(x); ok {
			b = append(b, 'i')
			return append(strconv.AppendInt(b, i, 10), ';'), true
		}
		b = append(b, 'g')
		return append(strconv.AppendFloat(b, x, 'g', -1, 64), ';'), true
	case string:
		return appendLenPrefixed(append(b, 's'), x), true
	case []byte:
		return appendLenPrefixed(append(b, 'b'), string(x)), true
	case time.Time:
		b = append(b, 'd')
		b = strconv.AppendInt(b, x.Unix(), 10)
		b = append(b, '.')
		return append(strconv.AppendInt(b, int64(x.Nanosecond()), 10), ';'), true
	case []any:
		b = append(b, '[')
		for _, e := range x {
			var ok bool
			if b, ok = appendKey(b, e, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		b = append(b, '{')
		for _, k := range value.SortedKeys(x) {
			b = appendLenPrefixed(b, k)
			var ok bool
			if b, ok = appendKey(b, x[k], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

func appendLenPrefixed(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}
