package action_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestCheckCondition(t *testing.T) {
	in := map[string]any{
		"n": int64(5), "f": 5.0, "half": 2.5, "s": "apple", "five": "5", "nil": nil, "t": true,
		"obj":   map[string]any{"a": []any{int64(1), "x"}},
		"limit": int64(3),
	}
	tests := []struct {
		name    string
		props   string
		want    bt.Status
		wantErr string
	}{
		{"== integers", `{key: n, value: 5}`, bt.Success, ""},
		{"== is the default operator", `{key: n, value: 6}`, bt.Failure, ""},
		{"== integer and float compare numerically", `{key: f, operator: "==", value: 5}`, bt.Success, ""},
		{"== 1.0 literal", `{key: n, operator: "==", value: 5.0}`, bt.Success, ""},
		{"== string and number differ", `{key: five, value: 5}`, bt.Failure, ""},
		{"== strings", `{key: s, value: apple}`, bt.Success, ""},
		{"== booleans", `{key: t, value: true}`, bt.Success, ""},
		{"== deep object", `{key: obj, value: {a: [1, x]}}`, bt.Success, ""},
		{"== object differs", `{key: obj, value: {a: [1, y]}}`, bt.Failure, ""},
		{"!= different", `{key: n, operator: "!=", value: 4}`, bt.Success, ""},
		{"!= equal", `{key: n, operator: "!=", value: 5.0}`, bt.Failure, ""},
		{"missing key == null", `{key: nope, value: null}`, bt.Success, ""},
		{"missing key and no value", `{key: nope}`, bt.Success, ""},
		{"missing key != 1", `{key: nope, operator: "!=", value: 1}`, bt.Success, ""},
		{"missing key == 1", `{key: nope, value: 1}`, bt.Failure, ""},
		{"null value == null", `{key: nil, value: null}`, bt.Success, ""},
		{"> numbers", `{key: n, operator: ">", value: 4.5}`, bt.Success, ""},
		{"> false", `{key: half, operator: ">", value: 3}`, bt.Failure, ""},
		{"< numbers", `{key: half, operator: "<", value: 3}`, bt.Success, ""},
		{">= equal", `{key: n, operator: ">=", value: 5}`, bt.Success, ""},
		{"<= equal float", `{key: n, operator: "<=", value: 5.0}`, bt.Success, ""},
		{"<= false", `{key: n, operator: "<=", value: 4}`, bt.Failure, ""},
		{"< strings lexicographic", `{key: s, operator: "<", value: banana}`, bt.Success, ""},
		{"> strings lexicographic", `{key: s, operator: ">", value: banana}`, bt.Failure, ""},
		{"templated value", `{key: n, operator: ">", value: "{{ limit + 1 }}"}`, bt.Success, ""},
		{"templated key", `{key: "{{ 'n' }}", value: 5}`, bt.Success, ""},
		{"ordering string and number fails", `{key: five, operator: ">", value: 4}`, bt.Failure,
			`"five"|a string|an integer`},
		{"ordering null fails", `{key: nil, operator: "<", value: 1}`, bt.Failure, `"nil"|null|an integer`},
		{"ordering a missing key fails", `{key: nope, operator: ">=", value: 1}`, bt.Failure,
			`"nope" is not on the blackboard`},
		{"template error fails", `{key: n, value: "{{ missing }}"}`, bt.Failure, `"missing"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: CheckCondition, id: c, props: "+tt.props+"}", opts{inputs: in})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "c"), tt.wantErr)
		})
	}
}

func TestCheckConditionLoadErrors(t *testing.T) {
	wantBuildErr(t, `{type: CheckCondition, props: {value: 1}}`, `missing required prop "key"`)
	wantBuildErr(t, `{type: CheckCondition, props: {key: a, operator: "=~"}}`, "operator")
}
