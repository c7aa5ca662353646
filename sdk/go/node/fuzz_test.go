// Fuzz tests of the request parser (against encoding/json as the
// reference) and of Serve as a whole (never a panic, always an ABI-shaped
// response).

package node

import (
	"encoding/json"
	"math"
	"testing"
	"time"
	"unicode/utf8"
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
		if err := eachMember(string(b), "request", func(k, v string) error {
			got[k] = v
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
		for i, in := range r.Inputs {
			if i > 0 && r.Inputs[i-1].name >= in.name {
				t.Fatalf("parseRequest(%q).Inputs not sorted and unique: %q", b, r.Inputs)
			}
			if v, ok := inputs[in.name]; !ok || in.raw != string(v) {
				t.Fatalf("parseRequest(%q).Inputs[%q] = %s, encoding/json %s", b, in.name, in.raw, v)
			}
		}
		// The context, field by field as encoding/json reads it (names
		// case-sensitive: into a map first).
		var ctx map[string]json.RawMessage
		if raw, ok := ref["context"]; ok && json.Unmarshal(raw, &ctx) != nil {
			t.Fatalf("parseRequest(%q) accepted context %s", b, raw)
		}
		str := func(k string) string {
			var p *string
			if raw, ok := ctx[k]; ok && json.Unmarshal(raw, &p) != nil {
				t.Fatalf("parseRequest(%q) accepted context.%s %s", b, k, raw)
			}
			if p == nil {
				return ""
			}
			return *p
		}
		num := func(k string) int64 {
			var p *int64
			if raw, ok := ctx[k]; ok && json.Unmarshal(raw, &p) != nil {
				t.Fatalf("parseRequest(%q) accepted context.%s %s", b, k, raw)
			}
			if p == nil {
				return 0
			}
			return *p
		}
		want := RunContext{Node: node, RunID: str("run_id"), Workflow: str("workflow"),
			NodeInstance: str("node_instance"), Tenant: str("tenant"), Attempt: int(num("attempt"))}
		if ms := num("deadline_unix_ms"); ms != 0 {
			want.Deadline = time.UnixMilli(ms).UTC()
		}
		if r.Context != want {
			t.Fatalf("parseRequest(%q).Context = %+v, encoding/json %+v", b, r.Context, want)
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

// FuzzValidJSON holds the request scanner to json.Valid: it accepts
// exactly what encoding/json accepts.
func FuzzValidJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{`0`, `-0.5e+7`, `01`, `1.`, `.5`, `-`, `1e`, `1E-0`, `"\u12"`, `"\u12g4"`, `"\x"`,
		"\"\x01\"", `[1,]`, `{"a":1,}`, `[,]`, `{"a"}`, `{1:2}`, ` true `, `tru`, `nul`, `[]]`, "\"\x7f\xff\"", `"\/"`,
		`{"a":[{"b":[]}]}`, `[1 2]`, `{"a":1 "b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(string(b)), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", b, got, want)
		}
	})
}

// FuzzStringCodec holds unquote to encoding/json's decoding of a string
// and appendString to its encoding.
func FuzzStringCodec(f *testing.F) {
	for _, s := range []string{"", "plain", `h\u00e9`, `\ud83d\ude00`, `\ud83d`, `\ude00x`, `\ud83d\u0041`,
		`\ud83d\ud83d\ude00`, `\\\"\/\b\f\n\r\t`, "\xff\xfe", "é\xc3", "<&>", "\u2028\u2029", "\x7f\x00", "a\tb\"c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(enc) {
			t.Fatalf("appendString(%q) = %s, json.Marshal %s", s, got, enc)
		}
		// s as the body of a JSON string: decode it when it is valid.
		quoted := `"` + s + `"`
		var want string
		if json.Unmarshal([]byte(quoted), &want) != nil {
			if validJSON(quoted) {
				t.Fatalf("validJSON(%q) accepts what encoding/json rejects", quoted)
			}
			return
		}
		if got, ok := stringValue(quoted); !ok || got != want {
			t.Fatalf("stringValue(%q) = %q, %v; encoding/json %q", quoted, got, ok, want)
		}
	})
}

// FuzzEncodeValue holds the fast paths of encodeValue to json.Marshal.
func FuzzEncodeValue(f *testing.F) {
	for _, x := range []float64{0, 1, -1.5, 1e-7, 1e-6, 1e20, 1e21, 123456789e-20, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1} {
		f.Add(math.Float64bits(x), int64(x), []byte("x"), "s")
	}
	f.Fuzz(func(t *testing.T, bits uint64, i int64, by []byte, s string) {
		fl := math.Float64frombits(bits)
		for _, v := range []any{fl, float32(fl), i, int(i), int32(i), uint64(i), uint32(i), uint(i), i%2 == 0, by, []byte(nil), s, nil} {
			got, gerr := encodeValue(v)
			want, werr := json.Marshal(v)
			if string(got) != string(want) || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("encodeValue(%T %v) = %s, %v; json.Marshal %s, %v", v, v, got, gerr, want, werr)
			}
		}
		if !utf8.ValidString(string(appendString(nil, s))) {
			t.Fatalf("appendString(%q) is not valid UTF-8", s)
		}
	})
}
