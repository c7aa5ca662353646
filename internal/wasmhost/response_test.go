package wasmhost

import (
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pin"
)

var testNode = &manifest.Node{ID: "n", Outputs: []pin.Spec{
	{Name: "sum", Type: pin.Type("integer"), ValueType: pin.ValueType("normal")},
	{Name: "obj", Type: pin.Type("generic"), ValueType: pin.ValueType("normal")},
}}

func TestResponse(t *testing.T) {
	p := &Package{}
	tests := []struct {
		in, err string
		sum     any
	}{
		{`{"status":"success","outputs":{"sum":9007199254740993}}`, "", int64(9007199254740993)},
		{` { "outputs" : { "obj" : {"a":[1,"}"]} , "sum": -1 } , "status" : "success" } `, "", int64(-1)},
		{`{"status":"success"}`, "", nil},
		{`{"status":"success","outputs":null}`, "", nil},
		{`{"status":"failure","error":"boom"}`, "", nil},
		{`{"status":"failure"}`, `must carry a non-empty "error"`, nil},
		{`{"status":"failure","error":""}`, `must carry a non-empty "error"`, nil},
		{`{"status":"ok"}`, `status is "ok"`, nil},
		{`{"outputs":{}}`, `no "status"`, nil},
		{`{"status":"success","extra":1}`, `unknown field "extra"`, nil},
		{`{"status":"success","outputs":{"nope":1}}`, `output "nope", which is not a declared output pin (declared: sum, obj)`, nil},
		{`{"status":"success","outputs":{"sum":"x"}}`, `output pin sum: expected integer`, nil},
		{`{"status":"success","outputs":[1]}`, `"outputs" is not an object`, nil},
		{`{"status":"success","outputs":{"s\u0075m":2}}`, "", int64(2)},
		{`[1]`, "not a JSON object", nil},
		{`{"status":"success"`, "not the ABI's JSON", nil},
		{"\xff", "not UTF-8", nil},
		{`{"status":"success"} x`, "not the ABI's JSON", nil},
	}
	for _, tt := range tests {
		res, err := p.response([]byte(tt.in), testNode)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if tt.sum != nil && res.Outputs["sum"] != tt.sum {
			t.Errorf("%s: sum %v", tt.in, res.Outputs["sum"])
		}
	}
}

func FuzzResponse(f *testing.F) {
	f.Add([]byte(`{"status":"success","outputs":{"sum":1,"obj":{"a":"}"}}}`))
	f.Add([]byte(`{"status":"failure","error":"x"}`))
	f.Add([]byte(`{"st\u0061tus":"success"}`))
	p := &Package{}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := p.response(b, testNode)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
	})
}
