// Tests of the example nodes, run on the host with `go test` against the
// SDK's fake host (no wasm needed).

package main

import (
	"strings"
	"testing"

	"github.com/weft-dev/weft/sdk/go/node/nodetest"
)

func TestNodes(t *testing.T) {
	tests := []struct {
		name   string
		node   string
		inputs map[string]any
		want   string // the response JSON
	}{
		{"add", "add", map[string]any{"a": 1, "b": 2}, `{"status":"success","outputs":{"sum":3}}`},
		{"add exact", "add", map[string]any{"a": int64(1) << 62, "b": 1}, `{"status":"success","outputs":{"sum":4611686018427387905}}`},
		{"add defaults", "add", nil, `{"status":"success","outputs":{"sum":0}}`},
		{"add overflow", "add", map[string]any{"a": int64(1<<63 - 1), "b": 1}, `{"status":"failure","error":"integer overflow"}`},
		{"add wrong type", "add", map[string]any{"a": "x"}, `{"status":"failure","error":"input \"a\": wrong input type: expected integer, found string \"x\""}`},
		{"divide", "divide", map[string]any{"a": 1, "b": 4}, `{"status":"success","outputs":{"quotient":0.25}}`},
		{"divide by zero", "divide", map[string]any{"a": 1, "b": 0}, `{"status":"failure","error":"divisor must not be zero"}`},
		{"echo", "echo", map[string]any{
			"exec": nil, "s": "é", "i": int64(-1) << 63, "f": 0.5, "b": false, "d": "2025-01-01T00:00:00Z",
			"p": "dir/file", "st": map[string]any{"n": 12345678901234567}, "by": "AAE=", "g": []any{1, "x"}, "ia": []int{3, 2},
		}, `{"status":"success","outputs":{"b":false,"by":"AAE=","d":"2025-01-01T00:00:00Z","exec":null,"f":0.5,` +
			`"g":[1,"x"],"i":-9223372036854775808,"ia":[3,2],"p":"dir/file","s":"é","st":{"n":12345678901234567}}}`},
		{"echo bad date", "echo", map[string]any{"d": "yesterday"}, `{"status":"failure","error":"input \"d\": wrong input type: expected RFC 3339 date string, found string \"yesterday\""}`},
		{"greet", "greet", map[string]any{"name": "Ada"}, `{"status":"success","outputs":{"message":"Hello, Ada!"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := (&nodetest.Host{}).Run(tt.node, tt.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Raw) != tt.want {
				t.Errorf("%s(%v)\n got %s\nwant %s", tt.node, tt.inputs, res.Raw, tt.want)
			}
		})
	}
}

func TestGreetUsesTheBlackboard(t *testing.T) {
	h := &nodetest.Host{Vars: map[string]any{"greeting": "Howdy"}}
	res, err := h.Run("greet", nil)
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	if err := res.Output("message", &msg); err != nil || msg != "Howdy, world!" {
		t.Fatalf("message = %q, %v", msg, err)
	}
	if h.Vars["last_greeting"] != "Howdy, world!" {
		t.Errorf("last_greeting = %v", h.Vars["last_greeting"])
	}
	if logs := h.Logs(); len(logs) != 1 || !strings.HasPrefix(logs[0].Text, "greeting world (run test-run") {
		t.Errorf("logs = %+v", logs)
	}

	h = &nodetest.Host{Denied: []string{"vars.get", "vars.set"}} // a manifest without variables = true
	res, err = h.Run("greet", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "failure" || !strings.Contains(res.Error, "permission_denied") {
		t.Errorf("greet without the variables permission = %s", res.Raw)
	}
}
