// Tests of typed JSON: every canonical kind comes back as it went, and bad
// data is an error that says what was found.

package value

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTypedRoundTrip(t *testing.T) {
	when := time.Date(2026, 12, 7, 20, 1, 2, 345678901, time.UTC)
	cases := []any{
		nil, true, false, int64(0), int64(-9007199254740993), int64(math.MaxInt64),
		1.0, -0.5, 1e300, math.Inf(1), math.Inf(-1), 0.1,
		"", "héllo \"quoted\" \u2028", []byte{}, []byte{0, 1, 255}, when,
		[]any{}, []any{int64(1), 1.0, "1", []byte("1")},
		map[string]any{}, map[string]any{"$t": "not a date", "$": int64(1), "a": map[string]any{"$b": "x"}},
		map[string]any{"nested": []any{map[string]any{"f": 2.0, "t": when}}},
	}
	for _, v := range cases {
		data, err := MarshalTyped(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		got, err := UnmarshalTyped(data)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%#v -> %s -> %#v", v, data, got)
		}
	}
	data, _ := MarshalTyped(math.NaN())
	if got, err := UnmarshalTyped(data); err != nil || !math.IsNaN(got.(float64)) {
		t.Errorf("NaN -> %s -> %v, %v", data, got, err)
	}
}

func TestTypedErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"$t":"yesterday"}`:   `$t`,
		`{"$b":1}`:             `$b: expected a string, found a number`,
		`{"$m":[1]}`:           `$m: expected an object, found an array`,
		`{"$x":"1"}`:           `unknown tag "$x"`,
		`99999999999999999999`: `out of range`,
		`{"a":1} 2`:            `unexpected data`,
		`{`:                    `typed JSON`,
		`{"k":{"$f":"many"}}`:  `"k": typed JSON: $f: "many" is not a float`,
	} {
		_, err := UnmarshalTyped([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error with %q", in, err, want)
		}
	}
	if _, err := MarshalTyped(map[string]any{"c": make(chan int)}); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("a channel: %v", err)
	}
}

// FuzzTyped: whatever decodes encodes back to the same value.
func FuzzTyped(f *testing.F) {
	for _, s := range []string{`null`, `{"$f":"1"}`, `{"$m":{"$t":1}}`, `[1,2.5,{"$b":"AAE="}]`, `{"a":{"$t":"2026-01-02T03:04:05Z"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalTyped(data)
		if err != nil {
			return
		}
		again, err := MarshalTyped(v)
		if err != nil {
			t.Fatalf("%s decoded to %#v, which does not encode: %v", data, v, err)
		}
		w, err := UnmarshalTyped(again)
		if err != nil {
			t.Fatalf("%s -> %s: %v", data, again, err)
		}
		if !Equal(v, w) && !hasNaN(v) {
			t.Fatalf("%s -> %#v -> %s -> %#v", data, v, again, w)
		}
	})
}

func hasNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return math.IsNaN(x)
	case []any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}
