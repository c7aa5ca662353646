package value

import (
	"math"
	"testing"
	"time"
)

func TestFromJSONKeepsIntegersExact(t *testing.T) {
	v, err := FromJSON([]byte(`{"big": 9223372036854775807, "neg": -9223372036854775808, "f": 1.5, "e": 1e3, "huge": 1e400, "list": [1, "x", null, true]}`))
	if err == nil {
		t.Fatalf("1e400 must not parse silently: %v", v)
	}
	v, err = FromJSON([]byte(`{"big": 9223372036854775807, "neg": -9223372036854775808, "f": 1.5, "e": 1e3, "list": [1, "x", null, true]}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["big"] != int64(math.MaxInt64) || m["neg"] != int64(math.MinInt64) {
		t.Fatalf("int64 extremes: %v %v", m["big"], m["neg"])
	}
	if m["f"] != 1.5 || m["e"] != float64(1000) {
		t.Fatalf("floats: %v %v", m["f"], m["e"])
	}
	if l := m["list"].([]any); l[0] != int64(1) || l[1] != "x" || l[2] != nil || l[3] != true {
		t.Fatalf("list: %v", l)
	}
	if _, err := FromJSON([]byte(`{} {}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func TestNormalize(t *testing.T) {
	type S struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	tests := []struct {
		in   any
		want any
	}{
		{int(3), int64(3)},
		{uint8(7), int64(7)},
		{float32(1.5), 1.5},
		{[]string{"a"}, []any{"a"}},
		{map[string]int{"x": 1}, map[string]any{"x": int64(1)}},
		{S{A: 1, B: "z"}, map[string]any{"a": int64(1), "b": "z"}},
		{&S{A: 2}, map[string]any{"a": int64(2), "b": ""}},
		{[]int{1, 2}, []any{int64(1), int64(2)}},
		{uint64(math.MaxUint64), float64(math.MaxUint64)},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.in)
		if err != nil || !Equal(got, tt.want) || TypeName(got) != TypeName(tt.want) {
			t.Errorf("Normalize(%#v) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []any{make(chan int), func() {}, map[int]string{1: "a"}, complex(1, 2)} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%T) accepted", bad)
		}
	}
}

func TestTextTruthyEqual(t *testing.T) {
	when := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	texts := map[string]any{"null": nil, "x": "x", "3": int64(3), "2.5": 2.5, "true": true,
		`{"a":[1]}`: map[string]any{"a": []any{int64(1)}}, "2025-01-01T00:00:00Z": when}
	for want, v := range texts {
		if got := Text(v); got != want {
			t.Errorf("Text(%#v) = %q, want %q", v, got, want)
		}
	}
	for _, v := range []any{nil, false, int64(0), 0.0, "", []any{}, map[string]any{}} {
		if Truthy(v) {
			t.Errorf("Truthy(%#v) = true", v)
		}
	}
	for _, v := range []any{true, int64(1), "false", []any{nil}, when} {
		if !Truthy(v) {
			t.Errorf("Truthy(%#v) = false", v)
		}
	}
	if Equal(int64(1<<53), int64(1<<53+1)) {
		t.Error("Equal must compare integers exactly")
	}
	if !Equal(int64(1), 1.0) || Equal(int64(1), "1") || !Equal([]any{int64(1)}, []any{1.0}) || Equal(map[string]any{"a": nil}, map[string]any{"b": nil}) {
		t.Error("Equal")
	}
}
