// Tests of Coerce, AppendJSON and DecodeJSON for every type and value type.

package pin

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/value"
)

var (
	when     = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	whenNano = time.Date(2025, 1, 2, 3, 4, 5, 120000000, time.UTC)
)

// sameValue is value equality that also checks the Go types, so that an
// int64 is not taken for a float64.
func sameValue(a, b any) bool {
	if value.TypeName(a) != value.TypeName(b) {
		return false
	}
	switch x := a.(type) {
	case []any:
		y := b.([]any)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y := b.(map[string]any)
		if len(x) != len(y) {
			return false
		}
		for k := range x {
			if _, ok := y[k]; !ok || !sameValue(x[k], y[k]) {
				return false
			}
		}
		return true
	case float64:
		return x == b.(float64) && math.Signbit(x) == math.Signbit(b.(float64))
	}
	return value.Equal(a, b)
}

// TestRoundTrip: a blackboard value is coerced, encoded to the exact JSON
// expected, and that JSON decodes back to the coerced value, for every type
// and value type.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		typ  Type
		vt   ValueType
		in   any    // blackboard value
		want any    // coerced
		json string // AppendJSON
	}{
		{Execution, Normal, nil, nil, `null`},
		{String, Normal, "héllo \"q\" \\ \n\t\x01 \u2028", "héllo \"q\" \\ \n\t\x01 \u2028", `"héllo \"q\" \\ \n\t\u0001 \u2028"`},
		{String, "", "", "", `""`},
		{Path, Normal, "reports/2025.csv", "reports/2025.csv", `"reports/2025.csv"`},
		{Integer, Normal, int64(42), int64(42), `42`},
		{Integer, Normal, int64(math.MaxInt64), int64(math.MaxInt64), `9223372036854775807`},
		{Integer, Normal, int64(math.MinInt64), int64(math.MinInt64), `-9223372036854775808`},
		{Integer, Normal, int64(1<<53 + 1), int64(1<<53 + 1), `9007199254740993`},
		{Integer, Normal, 3.0, int64(3), `3`},
		{Integer, Normal, -0.0, int64(0), `0`},
		{Integer, Normal, float64(-(1 << 63)), int64(math.MinInt64), `-9223372036854775808`},
		{Float, Normal, 1.5, 1.5, `1.5`},
		{Float, Normal, 2.0, 2.0, `2.0`},
		{Float, Normal, int64(7), 7.0, `7.0`},
		{Float, Normal, 1e21, 1e21, `1e+21`},
		{Float, Normal, 1e-7, 1e-7, `1e-7`},
		{Float, Normal, math.Copysign(0, -1), math.Copysign(0, -1), `-0.0`},
		{Float, Normal, math.MaxFloat64, math.MaxFloat64, `1.7976931348623157e+308`},
		{Boolean, Normal, true, true, `true`},
		{Boolean, Normal, false, false, `false`},
		{Date, Normal, when, when, `"2025-01-02T03:04:05Z"`},
		{Date, Normal, whenNano, whenNano, `"2025-01-02T03:04:05.12Z"`},
		{Date, Normal, "2025-01-02T04:04:05+01:00", when, `"2025-01-02T03:04:05Z"`},
		{Date, Normal, when.In(time.FixedZone("X", -5*3600)), when, `"2025-01-02T03:04:05Z"`},
		{Struct, Normal, map[string]any{"b": int64(1), "a": []any{"x", nil, true, 1.5}, "c": map[string]any{}},
			map[string]any{"b": int64(1), "a": []any{"x", nil, true, 1.5}, "c": map[string]any{}}, `{"a":["x",null,true,1.5],"b":1,"c":{}}`},
		{Bytes, Normal, []byte("hi\x00\xff"), []byte("hi\x00\xff"), `"aGkA/w=="`},
		{Bytes, Normal, "aGkA/w==", []byte("hi\x00\xff"), `"aGkA/w=="`},
		{Bytes, Normal, []byte{}, []byte{}, `""`},
		{Generic, Normal, map[string]any{"n": int64(math.MaxInt64), "f": 0.5, "l": []any{}},
			map[string]any{"n": int64(math.MaxInt64), "f": 0.5, "l": []any{}}, `{"f":0.5,"l":[],"n":9223372036854775807}`},
		{Generic, Normal, "plain", "plain", `"plain"`},
		{Generic, Normal, nil, nil, `null`},

		{Execution, Array, []any{nil}, []any{nil}, `[null]`},
		{String, Array, []any{"a", "a", "b"}, []any{"a", "a", "b"}, `["a","a","b"]`},
		{Integer, Array, []any{int64(1), 2.0, int64(math.MinInt64)}, []any{int64(1), int64(2), int64(math.MinInt64)}, `[1,2,-9223372036854775808]`},
		{Integer, Array, []any{}, []any{}, `[]`},
		{Float, Array, []any{int64(1), 2.5}, []any{1.0, 2.5}, `[1.0,2.5]`},
		{Boolean, Array, []any{true, false}, []any{true, false}, `[true,false]`},
		{Date, Array, []any{"2025-01-02T03:04:05Z", when}, []any{when, when}, `["2025-01-02T03:04:05Z","2025-01-02T03:04:05Z"]`},
		{Path, Array, []any{"a/b"}, []any{"a/b"}, `["a/b"]`},
		{Struct, Array, []any{map[string]any{"k": "v"}}, []any{map[string]any{"k": "v"}}, `[{"k":"v"}]`},
		{Bytes, Array, []any{"AQI=", []byte{3}}, []any{[]byte{1, 2}, []byte{3}}, `["AQI=","Aw=="]`},
		{Generic, Array, []any{int64(1), "x", nil}, []any{int64(1), "x", nil}, `[1,"x",null]`},

		{String, Set, []any{"a", "b"}, []any{"a", "b"}, `["a","b"]`},
		{Integer, Set, []any{int64(1 << 53), int64(1<<53 + 1)}, []any{int64(1 << 53), int64(1<<53 + 1)}, `[9007199254740992,9007199254740993]`},
		{Float, Set, []any{0.5, int64(1)}, []any{0.5, 1.0}, `[0.5,1.0]`},
		{Boolean, Set, []any{true, false}, []any{true, false}, `[true,false]`},
		{Date, Set, []any{when, whenNano}, []any{when, whenNano}, `["2025-01-02T03:04:05Z","2025-01-02T03:04:05.12Z"]`},
		{Bytes, Set, []any{[]byte{1}, []byte{2}}, []any{[]byte{1}, []byte{2}}, `["AQ==","Ag=="]`},
		{Struct, Set, []any{map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)}},
			[]any{map[string]any{"a": int64(1)}, map[string]any{"a": int64(2)}}, `[{"a":1},{"a":2}]`},
		{Generic, Set, []any{int64(1), "1", []any{int64(1)}}, []any{int64(1), "1", []any{int64(1)}}, `[1,"1",[1]]`},
		{Path, Set, []any{"a", "b"}, []any{"a", "b"}, `["a","b"]`},
		{Execution, Set, []any{nil}, []any{nil}, `[null]`},

		{String, Map, map[string]any{"b": "2", "a": "1"}, map[string]any{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
		{Integer, Map, map[string]any{"x": 1.0, "y": int64(-1)}, map[string]any{"x": int64(1), "y": int64(-1)}, `{"x":1,"y":-1}`},
		{Float, Map, map[string]any{"x": int64(1)}, map[string]any{"x": 1.0}, `{"x":1.0}`},
		{Boolean, Map, map[string]any{"\"q\"": true}, map[string]any{"\"q\"": true}, `{"\"q\"":true}`},
		{Date, Map, map[string]any{"d": "2025-01-02T03:04:05Z"}, map[string]any{"d": when}, `{"d":"2025-01-02T03:04:05Z"}`},
		{Bytes, Map, map[string]any{"b": "AQ=="}, map[string]any{"b": []byte{1}}, `{"b":"AQ=="}`},
		{Struct, Map, map[string]any{"s": map[string]any{}}, map[string]any{"s": map[string]any{}}, `{"s":{}}`},
		{Generic, Map, map[string]any{}, map[string]any{}, `{}`},
		{Path, Map, map[string]any{"p": "x"}, map[string]any{"p": "x"}, `{"p":"x"}`},
		{Execution, Map, map[string]any{"e": nil}, map[string]any{"e": nil}, `{"e":null}`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: tt.typ, ValueType: tt.vt}
		name := s.TypeName() + "/" + describe(tt.in)
		got, err := s.Coerce(tt.in)
		if err != nil {
			t.Errorf("%s: Coerce: %v", name, err)
			continue
		}
		if !sameValue(got, tt.want) {
			t.Errorf("%s: Coerce = %#v, want %#v", name, got, tt.want)
		}
		out, err := s.AppendJSON([]byte("prefix:"), got)
		if err != nil || string(out) != "prefix:"+tt.json {
			t.Errorf("%s: AppendJSON = %s, %v; want %s", name, out, err, tt.json)
			continue
		}
		if !json.Valid(out[len("prefix:"):]) {
			t.Errorf("%s: AppendJSON wrote invalid JSON %s", name, out)
		}
		back, err := s.DecodeJSON(out[len("prefix:"):])
		if err != nil {
			t.Errorf("%s: DecodeJSON(%s): %v", name, out, err)
			continue
		}
		if !sameValue(back, tt.want) {
			t.Errorf("%s: DecodeJSON(%s) = %#v, want %#v", name, out, back, tt.want)
		}
	}
}

// TestCoerceNoCopy: values that are already right are returned as they are.
func TestCoerceNoCopy(t *testing.T) {
	list := []any{int64(1), int64(2)}
	got, err := (&Spec{Name: "l", Type: Integer, ValueType: Array}).Coerce(list)
	if err != nil || &got.([]any)[0] != &list[0] {
		t.Fatalf("array copied or failed: %v", err)
	}
	mixed := []any{int64(1), 2.0}
	got, _ = (&Spec{Name: "l", Type: Integer, ValueType: Array}).Coerce(mixed)
	if &got.([]any)[0] == &mixed[0] || mixed[1] != 2.0 {
		t.Fatal("Coerce changed its argument instead of copying it")
	}
	m := map[string]any{"x": 1.0}
	got, _ = (&Spec{Name: "m", Type: Integer, ValueType: Map}).Coerce(m)
	if m["x"] != 1.0 || got.(map[string]any)["x"] != int64(1) {
		t.Fatal("Coerce changed its map argument")
	}
}

func TestCoerceErrors(t *testing.T) {
	tests := []struct {
		typ  Type
		vt   ValueType
		in   any
		want string
	}{
		{Integer, Normal, "x", `pin p: expected integer, found string "x"`},
		{Integer, Normal, 1.5, `pin p: expected integer, found float 1.5`},
		{Integer, Normal, 9.3e18, `pin p: expected integer, found float 9.3e+18`},
		{Integer, Normal, math.Pow(2, 63), `pin p: expected integer, found float 9.223372036854776e+18`},
		{Integer, Normal, math.NaN(), `pin p: expected integer, found float NaN`},
		{Integer, Normal, nil, `pin p: expected integer, found null`},
		{Float, Normal, math.Inf(1), `pin p: expected a finite float, found float +Inf`},
		{Float, Normal, "1.5", `pin p: expected float, found string "1.5"`},
		{String, Normal, int64(1), `pin p: expected string, found integer 1`},
		{String, Normal, []byte("x"), `pin p: expected string, found bytes (1 bytes)`},
		{Integer, Normal, strings.Repeat("é", 30), `pin p: expected integer, found string "` + strings.Repeat("é", 20) + `"...`},
		{Path, Normal, true, `pin p: expected path (string), found boolean true`},
		{Boolean, Normal, "true", `pin p: expected boolean, found string "true"`},
		{Date, Normal, "2025-01-02", `pin p: expected date (RFC 3339), found string "2025-01-02"`},
		{Date, Normal, "yesterday", `pin p: expected date (RFC 3339), found string "yesterday"`},
		{Date, Normal, int64(1700000000), `pin p: expected date (RFC 3339), found integer 1700000000`},
		{Bytes, Normal, "not base64!", `pin p: expected bytes (standard base64), found string "not base64!" (not valid base64)`},
		{Bytes, Normal, "aGk", `(not valid base64)`},
		{Bytes, Normal, int64(3), `pin p: expected bytes (standard base64), found integer 3`},
		{Struct, Normal, []any{}, `pin p: expected struct (object), found array (0 elements)`},
		{Execution, Normal, true, `pin p: expected execution (null), found boolean true`},
		{Integer, Array, int64(1), `pin p: expected array of integer, found integer 1`},
		{Integer, Array, []any{int64(1), "2"}, `pin p[1]: expected integer, found string "2"`},
		{Integer, Set, []any{int64(1), int64(2), 1.0}, `pin p[2]: duplicate set element integer 1 (same as [0])`},
		{String, Set, []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "c"}, `pin p[10]: duplicate set element string "c" (same as [2])`},
		{Generic, Set, []any{map[string]any{"a": []any{int64(1)}}, map[string]any{"a": []any{1.0}}}, `pin p[1]: duplicate set element`},
		{Integer, Set, map[string]any{}, `pin p: expected set of integer (array), found object (0 keys)`},
		{Integer, Map, []any{}, `pin p: expected map of integer (object), found array`},
		{Integer, Map, map[string]any{"b": "x", "a": "y", "c": int64(1)}, `pin p["a"]: expected integer, found string "y"`},
		{Type("decimal"), Normal, int64(1), `pin p: unknown pin type "decimal"`},
		{Integer, ValueType("list"), int64(1), `pin p: unknown value type "list"`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: tt.typ, ValueType: tt.vt}
		got, err := s.Coerce(tt.in)
		if err == nil {
			t.Errorf("%s: Coerce(%#v) = %#v, want error %q", s.TypeName(), tt.in, got, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Coerce(%#v) error %q, want %q", s.TypeName(), tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: error %v does not wrap ErrMismatch", s.TypeName(), err)
		}
	}
}

// TestSetEqualityIsExact: value.Equal compares numbers as float64; sets must
// not: 2^53 and 2^53+1 are different integers, in small and large sets.
func TestSetEqualityIsExact(t *testing.T) {
	s := &Spec{Name: "s", Type: Integer, ValueType: Set}
	big := []any{int64(1 << 53), int64(1<<53 + 1)}
	for i := range 10 {
		big = append(big, int64(i))
	}
	for _, list := range [][]any{big[:2], big} {
		if _, err := s.Coerce(list); err != nil {
			t.Errorf("%d elements: %v", len(list), err)
		}
	}
	g := &Spec{Name: "g", Type: Generic, ValueType: Set}
	mixed := []any{int64(1<<53 + 1), float64(1 << 53)}
	for i := range 10 {
		mixed = append(mixed, "s"+string(rune('a'+i)))
	}
	if _, err := g.Coerce(mixed); err != nil {
		t.Errorf("2^53+1 and 2^53 (float) taken as equal: %v", err)
	}
	dups := append([]any{}, mixed...)
	dups = append(dups, float64(1<<53+1)) // == int64(1<<53+1)? No: the float rounds to 2^53.
	if _, err := g.Coerce(dups); err == nil || !strings.Contains(err.Error(), "same as [1]") {
		t.Errorf("float 2^53 duplicate not found: %v", err)
	}
	// Keys must not collide for different values.
	distinct := []any{"a", []byte("a"), []any{"a"}, map[string]any{"a": nil}, int64(1), 1.5, "1", true, nil, when}
	if i, j, dup := duplicate(distinct); dup {
		t.Errorf("distinct values %v and %v reported equal", distinct[i], distinct[j])
	}
}

func TestAppendJSONErrors(t *testing.T) {
	tests := []struct {
		typ  Type
		vt   ValueType
		in   any
		want string
	}{
		{Float, Normal, math.NaN(), "float NaN has no JSON form"},
		{Float, Normal, math.Inf(-1), "float -Inf has no JSON form"},
		{Generic, Normal, map[string]any{"a": []any{int64(1), math.Inf(1)}}, `["a"][1]: float +Inf has no JSON form`},
		{Date, Normal, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "outside years 0-9999"},
		{Date, Normal, time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), "outside years 0-9999"},
		{Integer, Normal, "3", `expected integer, found string "3"`},
		{Integer, Array, []any{int64(1), 2.5}, `[1]: expected integer, found float 2.5`},
		{Integer, Array, "x", `expected array of integer, found string`},
		{String, Map, map[string]any{"k": int64(1)}, `["k"]: expected string, found integer 1`},
		{Generic, Normal, struct{}{}, "a Go struct {} is not a canonical value"},
		{Generic, Normal, int32(3), "a Go int32 is not a canonical value"},
		{Type("x"), Normal, nil, `unknown pin type "x"`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: tt.typ, ValueType: tt.vt}
		out, err := s.AppendJSON(nil, tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrEncode) {
			t.Errorf("%s: AppendJSON(%#v) = %s, %v; want error %q", s.TypeName(), tt.in, out, err, tt.want)
		}
	}
	// A cyclic value is stopped by the depth limit, not a stack overflow.
	cyc := []any{nil}
	cyc[0] = cyc
	if _, err := (&Spec{Name: "c", Type: Generic}).AppendJSON(nil, cyc); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("cyclic value: %v", err)
	}
}

// TestAppendJSONStrings checks string escaping against encoding/json.
func TestAppendJSONStrings(t *testing.T) {
	s := &Spec{Name: "s", Type: String}
	for _, in := range []string{"", "plain", "q\"b\\s", "\x00\x1f\x7f", "\u2028\u2029", "日本語", "bad\xffutf8\xc3", "<&>"} {
		out, err := s.AppendJSON(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Errorf("%q: AppendJSON wrote %s, not JSON: %v", in, out, err)
			continue
		}
		want := strings.ToValidUTF8(in, "\uFFFD")
		if in == "bad\xffutf8\xc3" {
			want = "bad\uFFFDutf8\uFFFD"
		}
		if back != want {
			t.Errorf("%q: round trip through encoding/json = %q, want %q", in, back, want)
		}
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		typ  Type
		vt   ValueType
		in   string
		want string
	}{
		{Integer, Normal, `"3"`, `output pin p: expected integer, found string "3"`},
		{Integer, Normal, `1.0`, `output pin p: expected integer, found float 1.0`},
		{Integer, Normal, `1e3`, `output pin p: expected integer, found float 1e3`},
		{Integer, Normal, `9223372036854775808`, `output pin p: expected integer, found integer 9223372036854775808 (outside the int64 range)`},
		{Integer, Normal, `-9223372036854775809`, `(outside the int64 range)`},
		{Integer, Normal, `99999999999999999999`, `(outside the int64 range)`},
		{Integer, Normal, `null`, `output pin p: expected integer, found null`},
		{Integer, Normal, `[1]`, `output pin p: expected integer, found array (1 elements)`},
		{Integer, Normal, `{"a":1}`, `output pin p: expected integer, found object (1 keys)`},
		{Integer, Normal, `01`, `invalid JSON at offset 1: unexpected data after the value`},
		{Integer, Normal, `-`, `invalid JSON at offset 1: invalid number`},
		{Integer, Normal, `+1`, `invalid JSON at offset 0: unexpected '+' at the start of a value`},
		{Integer, Normal, ``, `invalid JSON at offset 0: unexpected end of input`},
		{Integer, Normal, `  `, `unexpected end of input`},
		{Integer, Normal, `1 2`, `unexpected data after the value`},
		{Float, Normal, `1e400`, `output pin p: expected float, found number 1e400 (outside the float64 range)`},
		{Float, Normal, `NaN`, `invalid JSON`},
		{Float, Normal, `1.`, `a digit must follow '.'`},
		{Float, Normal, `1e`, `a digit must follow the exponent`},
		{Float, Normal, `true`, `expected float, found boolean true`},
		{Boolean, Normal, `tru`, `invalid literal (expected true)`},
		{Boolean, Normal, `1`, `expected boolean, found integer 1`},
		{Execution, Normal, `0`, `expected execution (null), found integer 0`},
		{String, Normal, `"abc`, `unterminated string`},
		{String, Normal, "\"a\x01\"", `control character in string`},
		{String, Normal, "\"a\xff\"", `invalid JSON at offset 2: invalid UTF-8 in string`},
		{String, Normal, "\"\\q\"", `invalid escape: 'q' after a backslash`},
		{String, Normal, "\"\\u12G4\"", `invalid \u escape`},
		{String, Normal, "\"\\n\xff\"", `invalid UTF-8 in string`},
		{String, Normal, `1`, `expected string, found integer 1`},
		{Path, Normal, `{}`, `expected path (string), found object (0 keys)`},
		{Date, Normal, `"2025-13-01T00:00:00Z"`, `expected date (RFC 3339), found string "2025-13-01T00:00:00Z"`},
		{Date, Normal, `"2025-01-01"`, `expected date (RFC 3339), found string "2025-01-01"`},
		{Date, Normal, `1700000000`, `expected date (RFC 3339), found integer 1700000000`},
		{Bytes, Normal, `"aGk"`, `expected bytes (standard base64), found string "aGk" (not valid base64)`},
		{Bytes, Normal, `"aGk_"`, `(not valid base64)`},
		{Bytes, Normal, `[1,2]`, `expected bytes (standard base64), found array (2 elements)`},
		{Struct, Normal, `[]`, `expected struct (object), found array (0 elements)`},
		{Struct, Normal, `{"a":1,"a":2}`, `output pin p["a"]: duplicate object key`},
		{Struct, Normal, `{"a":1,}`, `expected a string key, found '}'`},
		{Struct, Normal, `{"a" 1}`, `expected ':' after object key`},
		{Struct, Normal, `{"a":1`, `unexpected end of input`},
		{Struct, Normal, `{"a":[1,]}`, `output pin p["a"][1]: invalid JSON at offset 8: unexpected ']' at the start of a value`},
		{Generic, Normal, `[1 2]`, `expected ',' or ']', found '2'`},
		{Generic, Normal, strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `nested more than 10000 levels deep`},
		{Integer, Array, `{}`, `output pin p: expected array of integer, found object (0 keys)`},
		{Integer, Array, `[1,"x"]`, `output pin p[1]: expected integer, found string "x"`},
		{Integer, Array, `[1,2.5]`, `output pin p[1]: expected integer, found float 2.5`},
		{Integer, Set, `[1,2,1]`, `output pin p[2]: duplicate set element integer 1 (same as [0])`},
		{Date, Set, `["2025-01-02T03:04:05Z","2025-01-02T04:04:05+01:00"]`, `output pin p[1]: duplicate set element date`},
		{String, Set, `"a"`, `expected set of string (array), found string "a"`},
		{Integer, Map, `[]`, `expected map of integer (object), found array`},
		{Integer, Map, `{"a":1,"b":"2"}`, `output pin p["b"]: expected integer, found string "2"`},
		{Integer, Map, `{"a":1,"a":1}`, `output pin p["a"]: duplicate object key`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: tt.typ, ValueType: tt.vt}
		got, err := s.DecodeJSON([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: DecodeJSON(%.40s) = %#v, want error %q", s.TypeName(), tt.in, got, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: DecodeJSON(%.40s) error %q, want %q", s.TypeName(), tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: error %v does not wrap ErrMismatch", s.TypeName(), err)
		}
	}
}

// TestDecodeJSONValues: inputs the encoder never writes but guests may.
func TestDecodeJSONValues(t *testing.T) {
	tests := []struct {
		typ  Type
		vt   ValueType
		in   string
		want any
	}{
		{Integer, Normal, " \t\n 5 \r\n", int64(5)},
		{Integer, Normal, `-0`, int64(0)},
		{Integer, Normal, `9007199254740993`, int64(1<<53 + 1)},
		{Float, Normal, `3`, 3.0},
		{Float, Normal, `-1.5E-3`, -0.0015},
		{Float, Normal, `1e-400`, 0.0},
		{Float, Normal, `9007199254740993`, float64(1 << 53)},
		{String, Normal, `"\u00e9\ud83d\ude00\/\b\f"`, "é😀/\b\f"},
		{String, Normal, `"\ud800x"`, "\uFFFDx"},
		{String, Normal, `"\udc00\ud800"`, "\uFFFD\uFFFD"},
		{String, Normal, `"a\"b"`, `a"b`},
		{Date, Normal, `"2025-01-02T04:04:05.5+01:00"`, when.Add(500 * time.Millisecond)},
		{Bytes, Normal, `"aG\/k"`, []byte{0x68, 0x6f, 0xe4}},
		{Generic, Normal, `{"big":9223372036854775807,"over":9223372036854775808,"f":1.0,"neg":-9223372036854775808}`,
			map[string]any{"big": int64(math.MaxInt64), "over": 9223372036854775808.0, "f": 1.0, "neg": int64(math.MinInt64)}},
		{Generic, Normal, `[[],{},[{}]]`, []any{[]any{}, map[string]any{}, []any{map[string]any{}}}},
		{Struct, Normal, `{ "a" : [ 1 , true , null ] }`, map[string]any{"a": []any{int64(1), true, nil}}},
		{Generic, Set, `[1, 1.5, "1"]`, []any{int64(1), 1.5, "1"}},
		{Integer, Array, ` [ ] `, []any{}},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: tt.typ, ValueType: tt.vt}
		got, err := s.DecodeJSON([]byte(tt.in))
		if err != nil || !sameValue(got, tt.want) {
			t.Errorf("%s: DecodeJSON(%s) = %#v, %v; want %#v", s.TypeName(), tt.in, got, err, tt.want)
		}
	}
	// Decoded strings and bytes must not alias the input buffer, which the
	// host reuses.
	buf := []byte(`"abc"`)
	v, _ := (&Spec{Name: "s", Type: Bytes}).DecodeJSON([]byte(`"YWJj"`))
	s, _ := (&Spec{Name: "s", Type: String}).DecodeJSON(buf)
	copy(buf, `"xyz"`)
	if s != "abc" || string(v.([]byte)) != "abc" {
		t.Errorf("decoded values alias the input: %q %q", s, v)
	}
}

// TestDecodeAgreesWithValueFromJSON: for generic pins, DecodeJSON reads what
// value.FromJSON (encoding/json based) reads.
func TestDecodeAgreesWithValueFromJSON(t *testing.T) {
	g := &Spec{Name: "g", Type: Generic}
	for _, in := range []string{`0`, `-12`, `1.25`, `1e2`, `"x\u0041"`, `[1,[2,{"a":null}]]`, `{"z":true,"a":false}`,
		`18446744073709551616`, `-9223372036854775808`, `1E+2`, `0.000001`, `123456789012345678901234567890`} {
		want, err := value.FromJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.DecodeJSON([]byte(in))
		if err != nil || !sameValue(got, want) {
			t.Errorf("DecodeJSON(%s) = %#v, %v; value.FromJSON = %#v", in, got, err, want)
		}
	}
}

func TestValid(t *testing.T) {
	for _, ty := range strings.Split(TypeNames, ", ") {
		if !Type(ty).Valid() {
			t.Errorf("%s not valid", ty)
		}
	}
	for _, vt := range strings.Split(ValueTypeNames, ", ") {
		if !ValueType(vt).Valid() {
			t.Errorf("%s not valid", vt)
		}
	}
	if Type("int").Valid() || Type("").Valid() || ValueType("list").Valid() || !ValueType("").Valid() {
		t.Error("Valid accepts a wrong name or refuses the empty value type")
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: refused
	}{
		{"2025-01-02T03:04:05Z", when},
		{"2025-01-02t03:04:05z", when},
		{"2025-01-02T03:04:05.12Z", whenNano},
		{"2025-01-02T03:04:05.1200000001Z", whenNano},
		{"2025-01-02T04:34:05+01:30", when},
		{"2025-01-01T22:04:05-05:00", when},
		{"2024-02-29T00:00:00Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59.999999999Z", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"2025-01-02T3:04:05Z", time.Time{}},
		{"2025-01-02 03:04:05Z", time.Time{}},
		{"2025-01-02T03:04:05", time.Time{}},
		{"2025-01-02T03:04:05.Z", time.Time{}},
		{"2025-01-02T03:04:05+0100", time.Time{}},
		{"2025-01-02T03:04:05+24:00", time.Time{}},
		{"2025-02-29T00:00:00Z", time.Time{}},
		{"2025-04-31T00:00:00Z", time.Time{}},
		{"2025-13-01T00:00:00Z", time.Time{}},
		{"2025-00-01T00:00:00Z", time.Time{}},
		{"2025-01-00T00:00:00Z", time.Time{}},
		{"2025-01-01T24:00:00Z", time.Time{}},
		{"2025-01-01T23:60:00Z", time.Time{}},
		{"2016-12-31T23:59:60Z", time.Time{}},
		{"0000-01-01T00:00:00+01:00", time.Time{}}, // year -1 in UTC
		{"9999-12-31T23:59:59-01:00", time.Time{}}, // year 10000 in UTC
		{"+2025-01-01T00:00:00Z", time.Time{}},
		{"2025-01-02", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseDate([]byte(tt.in))
		if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	if _, err := (&Spec{Name: "d", Type: Date}).Coerce(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("Coerce accepted a date RFC 3339 cannot write")
	}
}
