// Fuzz tests of the request parser (against encoding/json as the
// reference) and of Serve as a whole (never a panic, always an ABI-shaped
// response).

package node

import (
	"bytes"
	"encoding/json"
	"testing"
)

var fuzzSeeds = []string{
	`{"abi":1,"node":"t-add","inputs":{"a":1,"b":2},"context":{"run_id":"r","attempt":1,"deadline_unix_ms":1}}`,
	`{"abi":1,"node":"t-getall","inputs":{"s":"x","i":-0,"f":1e-7,"b":false,"n":null,"o":{"a":[1,"]"]},"d":"2025-01-01T00:00:00Z","by":"AA=="}}`,
	`{"abi":1,"node":"t-getall","inputs":{"\u00e9":"\ud83d\ude00","k\"":"\\\"}"}}`,
	`{"abi":1,"node":"t-getall","inputs":{"x":"\xff"}}`,
	`{"abi":1,"node":"t-panic","inputs":{}}`,
	`{"abi":1,"abi":2,"node":"t-nothing","node":"t-add"}`,
	`{"abi":1.0,"node":"t-nothing"}`,
	`{"context":{"tenant":null,"attempt":null},"abi":1,"node":"t-nothing","inputs":null}`,
	` [ ] `, `"x"`, `{`, ``, `{"abi":1,"node":"t-nothing"}x`,
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRequest(b)
		var ref map[string]json.RawMessage
		refErr := json.Unmarshal(b, &ref)
		if refErr != nil || ref == nil {
			if err == nil {
				t.Fatalf("parseRequest accepted %q, which encoding/json rejects as an object: %v", b, refErr)
			}
			return
		}
		// The scanner must split the object exactly as encoding/json does.
		got := map[string]string{}
		if err := eachMember(b, "request", func(k, v []byte) error {
			got[string(k)] = string(v)
			return nil
		}); err != nil {
			t.Fatalf("eachMember(%q): %v", b, err)
		}
		if len(got) != len(ref) {
			t.Fatalf("eachMember(%q) found %d members, encoding/json %d", b, len(got), len(ref))
		}
		for k, v := range ref {
			if got[k] != string(v) {
				t.Fatalf("eachMember(%q)[%q] = %q, encoding/json %q", b, k, got[k], v)
			}
		}
		if err != nil {
			return
		}
		var node string
		if json.Unmarshal(ref["node"], &node) != nil || node != r.Node {
			t.Fatalf("parseRequest(%q).Node = %q, encoding/json %q", b, r.Node, node)
		}
		var inputs map[string]json.RawMessage
		if raw, ok := ref["inputs"]; ok && json.Unmarshal(raw, &inputs) != nil {
			t.Fatalf("parseRequest(%q) accepted inputs %s", b, raw)
		}
		if len(inputs) != len(r.Inputs) {
			t.Fatalf("parseRequest(%q) has %d inputs, encoding/json %d", b, len(r.Inputs), len(inputs))
		}
		for k, v := range inputs {
			if !bytes.Equal(r.Inputs[k], v) {
				t.Fatalf("parseRequest(%q).Inputs[%q] = %s, encoding/json %s", b, k, r.Inputs[k], v)
			}
		}
	})
}

func init() {
	// t-getall reads every input with every getter and echoes what it read.
	Handle("t-getall", func(c *Call) error {
		for _, name := range c.Inputs() {
			if v, err := c.Int(name); err == nil {
				_ = c.SetOutput(name+".int", v)
			}
			if v, err := c.Float(name); err == nil {
				_ = c.SetOutput(name+".float", v)
			}
			if v, err := c.String(name); err == nil {
				_ = c.SetOutput(name+".string", v)
			}
			if v, err := c.Bool(name); err == nil {
				_ = c.SetOutput(name+".bool", v)
			}
			if v, err := c.Bytes(name); err == nil {
				_ = c.SetOutput(name+".bytes", v)
			}
			if v, err := c.Time(name); err == nil {
				_ = c.SetOutput(name+".time", v)
			}
			var g any
			if err := c.Decode(name, &g); err == nil {
				_ = c.SetOutput(name+".any", g)
			}
		}
		return nil
	})
}

func FuzzServe(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp := Serve(&fakeHost{}, b)
		var r struct {
			Status  string                     `json:"status"`
			Outputs map[string]json.RawMessage `json:"outputs"`
			Error   *string                    `json:"error"`
		}
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatalf("Serve(%q) = %q: not JSON: %v", b, resp, err)
		}
		switch {
		case r.Status == "success" && r.Outputs != nil && r.Error == nil:
		case r.Status == "failure" && r.Outputs == nil && r.Error != nil && *r.Error != "":
		default:
			t.Fatalf("Serve(%q) = %s: not an ABI response", b, resp)
		}
	})
}
