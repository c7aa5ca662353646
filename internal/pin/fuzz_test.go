// Fuzzing DecodeJSON: it must never panic, accept only valid JSON, and what
// it accepts must encode and decode back to the same value.

package pin

import (
	"encoding/json"
	"testing"
)

var fuzzSpecs = func() []*Spec {
	var specs []*Spec
	for _, ty := range []Type{Execution, String, Integer, Float, Boolean, Date, Path, Struct, Bytes, Generic} {
		for _, vt := range []ValueType{Normal, Array, Map, Set} {
			specs = append(specs, &Spec{Name: "f", Type: ty, ValueType: vt})
		}
	}
	// Pins with valid values.
	for _, vs := range []struct {
		ty     Type
		values []any
	}{{String, []any{"a", "b"}}, {Integer, []any{int64(1), int64(2)}}, {Path, []any{"x/y"}}} {
		for _, vt := range []ValueType{Normal, Array, Map, Set} {
			s := &Spec{Name: "f", Type: vs.ty, ValueType: vt}
			if err := s.SetValidValues(vs.values); err != nil {
				panic(err)
			}
			specs = append(specs, s)
		}
	}
	return specs
}()

func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{`1`, `-9223372036854775808`, `9223372036854775808`, `1.5e3`, `"x"`, `"\ud83d\ude00"`,
		`"2025-01-02T03:04:05.5+01:00"`, `"aGk="`, `null`, `true`, `[1,2,1]`, `{"a":{"b":[null]}}`, `{"a":1,"a":2}`,
		`["a","b"]`, `[[[]]]`, `"\u0000"`, `"\ud800"`, "\"\xff\"", `01`, `1.`, `-`, ` [ 1 , 2 ] `} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		s := fuzzSpecs[int(which)%len(fuzzSpecs)]
		v, err := s.DecodeJSON(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("%s: accepted invalid JSON %q as %#v", s.TypeName(), data, v)
		}
		c, err := s.Coerce(v)
		if err != nil {
			t.Fatalf("%s: decoded %#v does not coerce: %v", s.TypeName(), v, err)
		}
		out, err := s.AppendJSON(nil, c)
		if err != nil {
			t.Fatalf("%s: decoded %#v does not encode: %v", s.TypeName(), v, err)
		}
		back, err := s.DecodeJSON(out)
		if err != nil {
			t.Fatalf("%s: re-encoded %s does not decode: %v", s.TypeName(), out, err)
		}
		if !equal(v, back) {
			t.Fatalf("%s: %q -> %#v -> %s -> %#v", s.TypeName(), data, v, out, back)
		}
	})
}
