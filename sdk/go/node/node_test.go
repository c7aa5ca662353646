// Tests of request parsing, dispatch, response building, the typed getters
// and setters, and host calls, all on the host (no wasm).

package node

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeHost records log lines and answers host calls from a table.
type fakeHost struct {
	mu      sync.Mutex
	lines   []string
	calls   []string // "op request"
	replies map[string]string
}

func (h *fakeHost) Log(level Level, line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, level.String()+": "+line)
}

func (h *fakeHost) Call(op string, req []byte) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, op+" "+string(req))
	r, ok := h.replies[op]
	if !ok {
		return []byte(`{"error":{"code":"unknown_op","message":"unknown operation ` + op + `"}}`)
	}
	if r == "NIL" {
		return nil
	}
	return []byte(r)
}

func req(node, inputs string) []byte {
	return []byte(`{"abi":1,"node":"` + node + `","inputs":` + inputs +
		`,"context":{"run_id":"r1","workflow":"wf","node_instance":"step","tenant":"t1","attempt":2,"deadline_unix_ms":1763790000000}}`)
}

// Handlers used by the tests; ids start with "t-" so they cannot clash with
// examples.
func init() {
	Handle("t-add", func(c *Call) error {
		a, err := c.Int("a")
		if err != nil {
			return err
		}
		b, err := c.IntOr("b", 0)
		if err != nil {
			return err
		}
		return c.SetOutput("sum", a+b)
	})
	Handle("t-fail", func(c *Call) error { return errors.New("divisor must not be zero") })
	Handle("t-empty-error", func(c *Call) error { return errors.New("") })
	Handle("t-panic", func(c *Call) error { panic("boom") })
	Handle("t-panic-error", func(c *Call) error { panic(errors.New("bad state")) })
	Handle("t-nil-map", func(c *Call) error {
		var m map[string]int
		m["x"] = 1 // a runtime error panic
		return nil
	})
	Handle("t-nan", func(c *Call) error {
		_ = c.SetOutput("x", math.NaN()) // error ignored on purpose: must still fail
		return nil
	})
	Handle("t-nothing", func(c *Call) error { return nil })
	Handle("t-kinds", func(c *Call) error {
		for _, kv := range []struct {
			name string
			v    any
		}{
			{"int", int64(math.MaxInt64)},
			{"neg", math.MinInt64},
			{"float", 1.5},
			{"bytes", []byte{0, 1, 2, 255}},
			{"time", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)},
			{"null", nil},
			{"str", "a\"<b>\u00e9"},
			{"bool", true},
			{"struct", struct {
				A int    `json:"a"`
				B string `json:"b"`
			}{1, "x"}},
			{"array", []int64{1, 2}},
			{"map", map[string]int{"z": 1, "a": 2}},
			{"raw", json.RawMessage(`{"k":12345678901234567890}`)},
			{"k\"ey", 1},
		} {
			if err := c.SetOutput(kv.name, kv.v); err != nil {
				return err
			}
		}
		return nil
	})
	Handle("t-context", func(c *Call) error {
		b, err := json.Marshal(c.Context())
		if err != nil {
			return err
		}
		return c.SetOutput("ctx", json.RawMessage(b))
	})
	Handle("t-log", func(c *Call) error {
		c.Log(LevelWarn, "plain")
		c.Infof("n=%d", 3)
		c.Debugf("d")
		c.Warnf("w")
		c.Logf(LevelError, "e%s", "!")
		return nil
	})
}

func TestServe(t *testing.T) {
	tests := []struct {
		name string
		req  string
		want string // exact response JSON
	}{
		{"add", string(req("t-add", `{"a":1,"b":2}`)),
			`{"status":"success","outputs":{"sum":3}}`},
		{"add exact beyond 2^53", string(req("t-add", `{"a":9007199254740993,"b":0}`)),
			`{"status":"success","outputs":{"sum":9007199254740993}}`},
		{"add default b", string(req("t-add", `{"a":-5}`)),
			`{"status":"success","outputs":{"sum":-5}}`},
		{"add missing a", string(req("t-add", `{}`)),
			`{"status":"failure","error":"missing input \"a\""}`},
		{"add a is a string", string(req("t-add", `{"a":"1"}`)),
			`{"status":"failure","error":"input \"a\": wrong input type: expected integer, found string \"1\""}`},
		{"add a has a fraction", string(req("t-add", `{"a":1.5}`)),
			`{"status":"failure","error":"input \"a\": wrong input type: expected integer, found number 1.5"}`},
		{"add a over int64", string(req("t-add", `{"a":9223372036854775808}`)),
			`{"status":"failure","error":"input \"a\": wrong input type: expected integer in int64 range, found number 9223372036854775808"}`},
		{"business failure", string(req("t-fail", `{}`)),
			`{"status":"failure","error":"divisor must not be zero"}`},
		{"empty error text", string(req("t-empty-error", `{}`)),
			`{"status":"failure","error":"node failed (its error has no message)"}`},
		{"panic string", string(req("t-panic", `{}`)),
			`{"status":"failure","error":"panic: boom"}`},
		{"panic error", string(req("t-panic-error", `{}`)),
			`{"status":"failure","error":"panic: bad state"}`},
		{"runtime error panic", string(req("t-nil-map", `{}`)),
			`{"status":"failure","error":"panic: assignment to entry in nil map"}`},
		{"unencodable output fails even if ignored", string(req("t-nan", `{}`)),
			`{"status":"failure","error":"output \"x\": json: unsupported value: NaN"}`},
		{"no outputs", string(req("t-nothing", `{}`)),
			`{"status":"success","outputs":{}}`},
		{"inputs null", `{"abi":1,"node":"t-nothing","inputs":null}`,
			`{"status":"success","outputs":{}}`},
		{"inputs and context absent", `{"abi":1,"node":"t-nothing"}`,
			`{"status":"success","outputs":{}}`},
		{"unknown fields ignored", `{"abi":1,"node":"t-nothing","future":[1,{"x":"}"}],"context":{"new":true}}`,
			`{"status":"success","outputs":{}}`},
		{"output kinds", string(req("t-kinds", `{}`)),
			`{"status":"success","outputs":{"array":[1,2],"bool":true,"bytes":"AAEC/w==","float":1.5,"int":9223372036854775807,` +
				`"k\"ey":1,"map":{"a":2,"z":1},"neg":-9223372036854775808,"null":null,"raw":{"k":12345678901234567890},` +
				`"str":"a\"\u003cb\u003e` + "\u00e9" + `","struct":{"a":1,"b":"x"},"time":"2025-01-02T03:04:05Z"}}`},
		{"unknown node", string(req("nope", `{}`)),
			`{"status":"failure","error":"unknown node \"nope\": this module implements ` + strings.Join(registered(), ", ") + `"}`},
		{"not JSON", `{"abi":1,`,
			`{"status":"failure","error":"bad request: not valid JSON: unexpected end of JSON input"}`},
		{"trailing data", `{"abi":1,"node":"t-nothing"} {}`,
			`{"status":"failure","error":"bad request: not valid JSON: invalid character '{' after top-level value"}`},
		{"not an object", `[1]`,
			`{"status":"failure","error":"bad request: request: expected an object, found array [1]"}`},
		{"abi missing", `{"node":"t-nothing"}`,
			`{"status":"failure","error":"bad request: field \"abi\" is missing, expected 1"}`},
		{"abi 2", `{"abi":2,"node":"t-nothing"}`,
			`{"status":"failure","error":"bad request: field \"abi\": expected 1, found number 2"}`},
		{"abi string", `{"abi":"1","node":"t-nothing"}`,
			`{"status":"failure","error":"bad request: field \"abi\": expected 1, found string \"1\""}`},
		{"node missing", `{"abi":1}`,
			`{"status":"failure","error":"bad request: field \"node\" is missing"}`},
		{"node not a string", `{"abi":1,"node":7}`,
			`{"status":"failure","error":"bad request: field \"node\": expected a string, found number 7"}`},
		{"node escaped", `{"abi":1,"node":"t-noth\u0069ng"}`,
			`{"status":"success","outputs":{}}`},
		{"inputs not an object", `{"abi":1,"node":"t-nothing","inputs":[]}`,
			`{"status":"failure","error":"bad request: field \"inputs\": expected an object, found array []"}`},
		{"context attempt not an integer", `{"abi":1,"node":"t-nothing","context":{"attempt":"2"}}`,
			`{"status":"failure","error":"bad request: field \"context.attempt\": expected an integer, found string \"2\""}`},
		{"context tenant not a string", `{"abi":1,"node":"t-nothing","context":{"tenant":{}}}`,
			`{"status":"failure","error":"bad request: field \"context.tenant\": expected a string, found object {}"}`},
		{"context", string(req("t-context", `{}`)),
			`{"status":"success","outputs":{"ctx":{"Node":"t-context","RunID":"r1","Workflow":"wf","NodeInstance":"step","Tenant":"t1","Attempt":2,"Deadline":"2025-11-22T05:40:00Z"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Serve(&fakeHost{}, []byte(tt.req)))
			if got != tt.want {
				t.Errorf("Serve(%s)\n got %s\nwant %s", tt.req, got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("response is not valid JSON: %s", got)
			}
		})
	}
}

func registered() []string {
	_, ids := lookup("\x00no such node")
	return ids
}

func TestServePanicLogsStack(t *testing.T) {
	h := &fakeHost{}
	Serve(h, req("t-panic", `{}`))
	if len(h.lines) != 1 || !strings.HasPrefix(h.lines[0], `error: panic in node "t-panic": boom`) ||
		!strings.Contains(h.lines[0], "goroutine") {
		t.Fatalf("panic log lines = %q, want one error line with the stack", h.lines)
	}
}

func TestServeNilHost(t *testing.T) {
	if got := string(Serve(nil, req("t-log", `{}`))); got != `{"status":"success","outputs":{}}` {
		t.Fatalf("Serve(nil host) = %s", got)
	}
}

func TestLog(t *testing.T) {
	h := &fakeHost{}
	Serve(h, req("t-log", `{}`))
	want := []string{"warn: plain", "info: n=3", "debug: d", "warn: w", "error: e!"}
	if !reflect.DeepEqual(h.lines, want) {
		t.Fatalf("log lines = %q, want %q", h.lines, want)
	}
	if got := Level(9).String(); got != "level(9)" {
		t.Errorf("Level(9).String() = %q", got)
	}
	if got := LevelTrace.String(); got != "trace" {
		t.Errorf("LevelTrace.String() = %q", got)
	}
}

func TestHandleRejectsMisuse(t *testing.T) {
	for _, tt := range []struct {
		name string
		id   string
		h    Handler
		want string
	}{
		{"empty id", "", func(*Call) error { return nil }, "empty node id"},
		{"nil handler", "t-x", nil, "nil handler"},
		{"twice", "t-add", func(*Call) error { return nil }, "registered twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(p.(string), tt.want) {
					t.Fatalf("Handle panicked with %v, want %q", p, tt.want)
				}
			}()
			Handle(tt.id, tt.h)
		})
	}
}

// call builds a Call over inputs for getter tests.
func call(t *testing.T, inputs string) *Call {
	t.Helper()
	r, err := parseRequest(req("t-nothing", inputs))
	if err != nil {
		t.Fatal(err)
	}
	return newCall(&fakeHost{}, r)
}

func TestGetters(t *testing.T) {
	c := call(t, `{"i":-42,"big":9223372036854775807,"f":2.5,"fi":3,"fbig":1e400,"s":"h\u00e9","b":true,"bf":false,
		"by":"AAEC/w==","bybad":"!!","d":"2025-01-01T10:00:00.5+02:00","dbad":"2025-01-01","n":null,
		"o":{"k":[1,12345678901234567890]},"arr":[1,2,3]}`)
	tests := []struct {
		name    string
		get     func() (any, error)
		want    any
		wantErr error
		errText string
	}{
		{"Int", func() (any, error) { return c.Int("i") }, int64(-42), nil, ""},
		{"Int max", func() (any, error) { return c.Int("big") }, int64(math.MaxInt64), nil, ""},
		{"Int of float", func() (any, error) { return c.Int("f") }, nil, ErrInputType, `input "f": wrong input type: expected integer, found number 2.5`},
		{"Int of null", func() (any, error) { return c.Int("n") }, nil, ErrInputType, `expected integer, found null`},
		{"Int missing", func() (any, error) { return c.Int("zz") }, nil, ErrMissingInput, `missing input "zz"`},
		{"IntOr missing", func() (any, error) { return c.IntOr("zz", 7) }, int64(7), nil, ""},
		{"IntOr present", func() (any, error) { return c.IntOr("i", 7) }, int64(-42), nil, ""},
		{"IntOr wrong type", func() (any, error) { return c.IntOr("s", 7) }, nil, ErrInputType, ""},
		{"Float", func() (any, error) { return c.Float("f") }, 2.5, nil, ""},
		{"Float of integer", func() (any, error) { return c.Float("fi") }, 3.0, nil, ""},
		{"Float overflow", func() (any, error) { return c.Float("fbig") }, nil, ErrInputType, "float64 range"},
		{"Float of string", func() (any, error) { return c.Float("s") }, nil, ErrInputType, "expected number"},
		{"FloatOr missing", func() (any, error) { return c.FloatOr("zz", 0.5) }, 0.5, nil, ""},
		{"String", func() (any, error) { return c.String("s") }, "h\u00e9", nil, ""},
		{"String of number", func() (any, error) { return c.String("i") }, nil, ErrInputType, "expected string, found number -42"},
		{"StringOr missing", func() (any, error) { return c.StringOr("zz", "d") }, "d", nil, ""},
		{"Bool", func() (any, error) { return c.Bool("b") }, true, nil, ""},
		{"Bool false", func() (any, error) { return c.Bool("bf") }, false, nil, ""},
		{"Bool of string", func() (any, error) { return c.Bool("s") }, nil, ErrInputType, ""},
		{"BoolOr missing", func() (any, error) { return c.BoolOr("zz", true) }, true, nil, ""},
		{"Bytes", func() (any, error) { return c.Bytes("by") }, []byte{0, 1, 2, 255}, nil, ""},
		{"Bytes bad base64", func() (any, error) { return c.Bytes("bybad") }, nil, ErrInputType, "standard base64"},
		{"Bytes of number", func() (any, error) { return c.Bytes("i") }, nil, ErrInputType, "base64 string"},
		{"Bytes missing", func() (any, error) { return c.Bytes("zz") }, nil, ErrMissingInput, ""},
		{"Time", func() (any, error) { return c.Time("d") },
			time.Date(2025, 1, 1, 8, 0, 0, 5e8, time.UTC), nil, ""},
		{"Time not RFC 3339", func() (any, error) { return c.Time("dbad") }, nil, ErrInputType, "RFC 3339"},
		{"Time of number", func() (any, error) { return c.Time("i") }, nil, ErrInputType, "RFC 3339"},
		{"Time missing", func() (any, error) { return c.Time("zz") }, nil, ErrMissingInput, ""},
		{"Decode generic keeps integers exact", func() (any, error) {
			var v any
			err := c.Decode("o", &v)
			return v, err
		}, map[string]any{"k": []any{json.Number("1"), json.Number("12345678901234567890")}}, nil, ""},
		{"Decode array", func() (any, error) {
			var v []int
			err := c.Decode("arr", &v)
			return v, err
		}, []int{1, 2, 3}, nil, ""},
		{"Decode mismatch", func() (any, error) {
			var v []string
			err := c.Decode("arr", &v)
			return v, err
		}, nil, ErrInputType, `input "arr": wrong input type: json: cannot unmarshal number`},
		{"Decode missing", func() (any, error) {
			var v any
			return nil, c.Decode("zz", &v)
		}, nil, ErrMissingInput, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tm, ok := got.(time.Time); ok {
				if !tm.Equal(tt.want.(time.Time)) {
					t.Fatalf("got %v, want %v", tm, tt.want)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if !c.Has("n") || c.Has("zz") {
		t.Errorf("Has: null input must be present, absent input absent")
	}
	if got := c.Inputs(); len(got) != 15 || got[0] != "arr" {
		t.Errorf("Inputs() = %q", got)
	}
}

func TestDescribeTruncatesAtRuneBoundary(t *testing.T) {
	raw := `"` + strings.Repeat("é", 30) + `"` // 2-byte runes: byte 40 is mid-rune
	got := describe(raw)
	if !strings.HasPrefix(got, `string "é`) || !strings.HasSuffix(got, "é...") || !utf8.ValidString(got) {
		t.Fatalf("describe = %q, want a cut on a rune boundary", got)
	}
}

func TestHostCall(t *testing.T) {
	h := &fakeHost{replies: map[string]string{
		"vars.get":    `{"ok":{"n":12345678901234567890}}`,
		"vars.set":    `{"ok":null}`,
		"stream.emit": `{"ok":null}`,
		"cache.get":   `{"error":{"code":"permission_denied","message":"cache is not declared"}}`,
		"bad.shape":   `{"ok":1,"error":{"code":"x"}}`,
		"bad.json":    `{"ok":`,
		"no.reply":    "NIL",
		"no.code":     `{"error":{"message":"?"}}`,
	}}
	r, _ := parseRequest(req("t-nothing", `{}`))
	c := newCall(h, r)

	var v map[string]any
	found, err := c.Vars().Get("x", &v)
	if err != nil || !found || v["n"] != json.Number("12345678901234567890") {
		t.Fatalf("Vars.Get = %v, %v, %#v", found, err, v)
	}
	if err := c.Vars().Set("y", []int{1}); err != nil {
		t.Fatalf("Vars.Set: %v", err)
	}
	if err := c.Stream().Emit("progress", map[string]int{"done": 1}); err != nil {
		t.Fatalf("Stream.Emit: %v", err)
	}
	wantCalls := []string{
		`vars.get {"name":"x"}`,
		`vars.set {"name":"y","value":[1]}`,
		`stream.emit {"data":{"done":1},"event":"progress"}`,
	}
	if !reflect.DeepEqual(h.calls, wantCalls) {
		t.Fatalf("calls = %q, want %q", h.calls, wantCalls)
	}

	for _, tt := range []struct {
		op       string
		req      any
		wantCode string
		wantText string
	}{
		{"cache.get", map[string]string{"key": "k"}, CodePermissionDenied, "host call cache.get: permission_denied: cache is not declared"},
		{"unknown.op", nil, CodeUnknownOp, "unknown operation unknown.op"},
		{"bad.shape", nil, CodeInternal, `exactly one of "ok" and "error"`},
		{"bad.json", nil, CodeInternal, "malformed reply"},
		{"no.reply", nil, CodeLimitExceeded, "no reply"},
		{"no.code", nil, CodeInternal, "?"},
		{"vars.set", strings.Repeat("x", 100), CodeLimitExceeded, "request is 102 bytes, the limit is 64"},
	} {
		t.Run(tt.op, func(t *testing.T) {
			defer func(n int) { maxHostCallBytes = n }(maxHostCallBytes)
			maxHostCallBytes = 64
			err := c.HostCall(tt.op, tt.req, nil)
			var he *HostError
			if !errors.As(err, &he) || he.Code != tt.wantCode || he.Op != tt.op || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("HostCall(%s) = %v, want code %s with %q", tt.op, err, tt.wantCode, tt.wantText)
			}
		})
	}

	if err := c.HostCall("vars.set", math.Inf(1), nil); err == nil || !strings.Contains(err.Error(), "encoding the request") {
		t.Errorf("HostCall with an unencodable request = %v", err)
	}
	var s string
	if err := c.HostCall("vars.get", nil, &s); err == nil || !strings.Contains(err.Error(), "decoding the reply") {
		t.Errorf("HostCall decoding an object into a string = %v", err)
	}
	if h.calls[len(h.calls)-1] != "vars.get {}" {
		t.Errorf("nil request sent as %q, want {}", h.calls[len(h.calls)-1])
	}
	h.replies["vars.get"] = `{"ok":null}`
	s = "unchanged"
	if found, err := c.Vars().Get("x", &s); found || err != nil || s != "unchanged" {
		t.Errorf("Vars.Get of null = %v, %v, %q", found, err, s)
	}
	h.replies["vars.get"] = `{"ok":5}`
	if found, err := c.Vars().Get("x", &s); !found || err == nil || !strings.Contains(err.Error(), `variable "x"`) {
		t.Errorf("Vars.Get of a number into a string = %v, %v", found, err)
	}
}

func TestCallDone(t *testing.T) {
	h := &fakeHost{replies: map[string]string{"vars.get": `{"ok":1}`}}
	var kept *Call
	Handle("t-leak", func(c *Call) error { kept = c; return nil })
	Serve(h, req("t-leak", `{}`))
	if err := kept.HostCall("vars.get", nil, nil); !errors.Is(err, ErrCallDone) {
		t.Errorf("HostCall after the handler returned = %v, want ErrCallDone", err)
	}
	if err := kept.SetOutput("x", 1); !errors.Is(err, ErrCallDone) {
		t.Errorf("SetOutput after the handler returned = %v, want ErrCallDone", err)
	}
	kept.Log(LevelInfo, "late")
	if len(h.calls) != 0 || len(h.lines) != 0 {
		t.Errorf("a finished call reached the host: calls %q, lines %q", h.calls, h.lines)
	}
}

func TestEachMemberMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "a":2 } `, `{"\u0061":"x","a\"b":{"}":"{"}}`,
		`{"k":"\\","l":"\\\""}`, `{"e":-1.5e+3,"t":true,"f":false,"n":null}`,
	} {
		got := map[string]string{}
		if err := eachMember(in, "test", func(k, v string) error {
			got[k] = v
			return nil
		}); err != nil {
			t.Fatalf("eachMember(%s): %v", in, err)
		}
		var ref map[string]json.RawMessage
		if err := json.Unmarshal([]byte(in), &ref); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for k, v := range ref {
			want[k] = string(v)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("eachMember(%s) = %q, encoding/json gives %q", in, got, want)
		}
	}
}
