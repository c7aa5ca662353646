package action_test

import (
	"reflect"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestSetVariable(t *testing.T) {
	in := map[string]any{"a": int64(2), "resp": map[string]any{"data": []any{int64(1), int64(2)}}}
	tests := []struct {
		name    string
		props   string
		want    bt.Status
		key     string
		value   any
		wantErr string
	}{
		{"string", `{key: x, value: hello}`, bt.Success, "x", "hello", ""},
		{"integer", `{key: x, value: 42}`, bt.Success, "x", int64(42), ""},
		{"null", `{key: x, value: null}`, bt.Success, "x", nil, ""},
		{"whole template keeps its type", `{key: x, value: "{{ a + 1 }}"}`, bt.Success, "x", int64(3), ""},
		{"whole template object", `{key: x, value: "{{ resp.data }}"}`, bt.Success, "x", []any{int64(1), int64(2)}, ""},
		{"interpolation gives text", `{key: x, value: "a={{ a }}"}`, bt.Success, "x", "a=2", ""},
		{"templates inside objects", `{key: x, value: {n: "{{ a * 10 }}", list: ["{{ a }}", b]}}`, bt.Success, "x",
			map[string]any{"n": int64(20), "list": []any{int64(2), "b"}}, ""},
		{"overwrites", `{key: a, value: 5}`, bt.Success, "a", int64(5), ""},
		{"templated key", `{key: "{{ 'k' + string(a) }}", value: true}`, bt.Success, "k2", true, ""},
		{"missing name fails", `{key: x, value: "{{ nope }}"}`, bt.Failure, "", nil, `"nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: SetVariable, id: s, props: "+tt.props+"}", opts{inputs: in})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "s"), tt.wantErr)
			if tt.key != "" {
				got, ok := res.Blackboard[tt.key]
				if !ok || !reflect.DeepEqual(got, tt.value) {
					t.Fatalf("blackboard[%s] = %#v, want %#v", tt.key, got, tt.value)
				}
			}
		})
	}
}

func TestSetVariableLoadErrors(t *testing.T) {
	wantBuildErr(t, `{type: SetVariable, props: {value: 1}}`, `missing required prop "key"`)
	wantBuildErr(t, `{type: SetVariable, props: {key: x}}`, `missing required prop "value"`)
}
