// fuzz_test.go: the JSON boundary. Any JSON value passed as a global comes
// back through `result = x` as the same value, numbers as int64 when they
// are integers that fit and float64 otherwise.
//
//	go test -run '^$' -fuzz FuzzGlobals -fuzztime 1m ./internal/script/javascript/
//
// The corpus kept under testdata/fuzz/FuzzGlobals runs with every go test.

package javascript

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

func FuzzGlobals(f *testing.F) {
	for _, seed := range []string{
		`null`, `true`, `0`, `-0`, `-0.0`, `1.5`, `1e21`, `1e-7`, `9007199254740993`,
		`9223372036854775807`, `-9223372036854775808`, `18446744073709551616`, `5e-324`,
		`""`, `"h\u00e9llo \ud83d\ude00"`, `"\u0000\u2028\ud800"`, `"<script>&"`,
		`[]`, `{}`, `[1, "a", null, [true, {"b": 2.5}]]`, `{"__proto__": {"x": 1}, "": 0, "0": 1}`,
		`{"toJSON": "not a function", "constructor": 1}`,
	} {
		f.Add(seed)
	}
	r := New(Config{})
	f.Cleanup(func() { r.Close() })
	f.Fuzz(func(t *testing.T, data string) {
		dec := json.NewDecoder(strings.NewReader(data))
		dec.UseNumber()
		var in any
		if dec.Decode(&in) != nil || dec.More() || depth(in) > 64 {
			t.Skip()
		}
		in, ok := fuzzNumbers(in)
		if !ok {
			t.Skip() // a number out of float64's range
		}
		res, err := r.Run(context.Background(), script.Request{Tenant: "fuzz", Source: "result = x",
			Globals: map[string]any{"x": in}, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		checkTypes(t, res)
		if got, want := asFloats(res), asFloats(in); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: got %#v, want %#v", data, res, in)
		}
	})
}

// fuzzNumbers turns json.Numbers into int64 or float64 as Go callers pass
// them; ok is false for a number float64 cannot hold.
func fuzzNumbers(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case []any:
		for i, e := range x {
			var ok bool
			if x[i], ok = fuzzNumbers(e); !ok {
				return nil, false
			}
		}
	case map[string]any:
		for k, e := range x {
			var ok bool
			if x[k], ok = fuzzNumbers(e); !ok {
				return nil, false
			}
		}
	}
	return v, true
}

// checkTypes fails t unless every number in v is an int64, or a float64
// that is not an integer in int64's range.
func checkTypes(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil, bool, string, int64:
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
			t.Fatalf("integer %v came out as float64", x)
		}
	case []any:
		for _, e := range x {
			checkTypes(t, e)
		}
	case map[string]any:
		for _, e := range x {
			checkTypes(t, e)
		}
	default:
		t.Fatalf("%T in the result", v)
	}
}

// asFloats returns a copy of v with every number a float64, as the VM
// holds them.
func asFloats(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = asFloats(e)
		}
		return c
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[k] = asFloats(e)
		}
		return c
	}
	return v
}

func depth(v any) int {
	d := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d = max(d, depth(e))
		}
	case map[string]any:
		for _, e := range x {
			d = max(d, depth(e))
		}
	default:
		return 0
	}
	return d + 1
}
