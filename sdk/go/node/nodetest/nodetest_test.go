// Tests of the fake host: requests it sends, operations it answers, and
// responses it parses.

package nodetest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/sdk/go/node"
)

func init() {
	node.Handle("nt-context", func(c *node.Call) error {
		rc := c.Context()
		return c.SetOutput("ctx", []any{rc.Node, rc.RunID, rc.Workflow, rc.NodeInstance, rc.Tenant, rc.Attempt, !rc.Deadline.IsZero()})
	})
	node.Handle("nt-ops", func(c *node.Call) error {
		var out []string
		for _, op := range []string{"vars.get", "vars.set", "stream.emit", "cache.get", "http.request", "storage.read"} {
			var v any
			err := c.HostCall(op, map[string]any{"name": "x", "value": 1, "event": "e", "data": []int{1}}, &v)
			var he *node.HostError
			switch {
			case errors.As(err, &he):
				out = append(out, op+":"+he.Code)
			case err != nil:
				return err
			default:
				b, _ := json.Marshal(v)
				out = append(out, op+"="+string(b))
			}
		}
		c.Log(node.LevelWarn, "done")
		return c.SetOutput("out", out)
	})
	node.Handle("nt-fail", func(c *node.Call) error { return errors.New("no") })
}

func TestRunContext(t *testing.T) {
	h := &Host{}
	res, err := h.Run("nt-context", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Outputs["ctx"]), `["nt-context","test-run","test-workflow","nt-context","default",1,true]`; got != want {
		t.Errorf("default context = %s, want %s", got, want)
	}
	h.Context = node.RunContext{RunID: "r9", Workflow: "w", NodeInstance: "i", Tenant: "t", Attempt: 3, Deadline: time.Now()}
	res, err = h.Run("nt-context", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Outputs["ctx"]), `["nt-context","r9","w","i","t",3,true]`; got != want {
		t.Errorf("set context = %s, want %s", got, want)
	}
}

func TestOperations(t *testing.T) {
	h := &Host{
		Vars:   map[string]any{"x": "hello"},
		Denied: []string{"http.request"},
		Ops: map[string]func(json.RawMessage) (any, error){
			"cache.get":    func(req json.RawMessage) (any, error) { return map[string]int{"hit": 1}, nil },
			"storage.read": func(json.RawMessage) (any, error) { return nil, errors.New("disk on fire") },
		},
	}
	res, err := h.Run("nt-ops", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := res.Output("out", &out); err != nil {
		t.Fatal(err)
	}
	want := `vars.get="hello" vars.set=null stream.emit=null cache.get={"hit":1} http.request:permission_denied storage.read:internal`
	if got := strings.Join(out, " "); got != want {
		t.Errorf("operations:\n got %s\nwant %s", got, want)
	}
	if v, ok := h.Vars["x"].(json.Number); !ok || v != "1" {
		t.Errorf("vars.set stored %#v, want json.Number(1)", h.Vars["x"])
	}
	if ev := h.Events(); len(ev) != 1 || ev[0].Name != "e" || string(ev[0].Data) != "[1]" {
		t.Errorf("events = %+v", ev)
	}
	if l := h.Logs(); len(l) != 1 || l[0] != (Line{node.LevelWarn, "done"}) {
		t.Errorf("logs = %+v", l)
	}

	h = &Host{} // the built-in fakes on nil maps; the request has no key, no path
	res, err = h.Run("nt-ops", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Output("out", &out); err != nil {
		t.Fatal(err)
	}
	want = `vars.get=null vars.set=null stream.emit=null cache.get:invalid_request http.request:unavailable storage.read:invalid_request`
	if got := strings.Join(out, " "); got != want {
		t.Errorf("zero Host operations:\n got %s\nwant %s", got, want)
	}
}

func TestResult(t *testing.T) {
	h := &Host{}
	res, err := h.Run("nt-fail", nil)
	if err != nil || res.Status != "failure" || res.Error != "no" {
		t.Fatalf("Run(nt-fail) = %+v, %v", res, err)
	}
	if err := res.Output("x", new(int)); err == nil || !strings.Contains(err.Error(), `no output "x"`) {
		t.Errorf("Output of a failed run = %v", err)
	}
	if _, err := h.Run("nt-fail", map[string]any{"bad": make(chan int)}); err == nil || !strings.Contains(err.Error(), `input "bad"`) {
		t.Errorf("Run with an unencodable input = %v", err)
	}
	for _, bad := range []string{`nope`, `{"status":"success"}`, `{"status":"failure","error":"x","outputs":{}}`, `{"status":"maybe"}`} {
		if _, err := parseResponse([]byte(bad)); err == nil {
			t.Errorf("parseResponse(%s) accepted a malformed response", bad)
		}
	}
	res, err = parseResponse([]byte(`{"status":"success","outputs":{"n":12345678901234567890}}`))
	if err != nil {
		t.Fatal(err)
	}
	var n any
	if err := res.Output("n", &n); err != nil || n != json.Number("12345678901234567890") {
		t.Errorf("Output decoded %#v, %v; want an exact json.Number", n, err)
	}
	var s string
	if err := res.Output("n", &s); err == nil {
		t.Errorf("Output of a number into a string succeeded")
	}
}

func init() {
	// nt-call sends input op with input req and outputs the ok value, or
	// "!code: message".
	node.Handle("nt-call", func(c *node.Call) error {
		op, err := c.String("op")
		if err != nil {
			return err
		}
		var req, v any
		if err := c.Decode("req", &req); err != nil {
			return err
		}
		err = c.HostCall(op, req, &v)
		var he *node.HostError
		if errors.As(err, &he) {
			return c.SetOutput("reply", "!"+he.Code+": "+he.Message)
		}
		if err != nil {
			return err
		}
		return c.SetOutput("reply", v)
	})
}

// TestFakeOperations: the fake cache, state, storage, tokens and HTTP check
// requests and answer as a real host does.
func TestFakeOperations(t *testing.T) {
	h := &Host{
		Tokens: map[string]node.OAuthToken{
			"google": {AccessToken: "g", ExpiresAt: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
			"github": {AccessToken: "h"},
			"old":    {AccessToken: "o", ExpiresAt: time.Now().Add(-time.Second)},
		},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Add("X-Seen", r.Method+" "+r.URL.String()+" "+r.Header.Get("X-In"))
			w.Header().Add("X-Seen", r.RequestURI)
			if r.URL.Path == "/bin" {
				w.Write([]byte{0xff, 0})
				return
			}
			w.WriteHeader(http.StatusTeapot)
			w.Write(body)
		}),
	}
	steps := []struct {
		op   string
		req  any
		want string
	}{
		{"cache.get", map[string]any{"key": "k"}, `null`},
		{"cache.set", map[string]any{"key": "k", "value": 9007199254740993, "ttl_ms": 1500}, `null`},
		{"cache.get", map[string]any{"key": "k"}, `9007199254740993`},
		{"cache.set", map[string]any{"key": "k", "value": "v", "ttl_ms": -1}, `"!invalid_request: cache.set: ttl_ms must be a whole number of milliseconds from 0, not -1"`},
		{"cache.get", map[string]any{}, `"!invalid_request: cache.get: key is missing"`},
		{"cache.get", map[string]any{"key": ""}, `"!invalid_request: cache.get: key must not be empty"`},
		{"cache.get", map[string]any{"key": strings.Repeat("k", 1025)}, `"!invalid_request: cache.get: key of 1025 bytes (at most 1024)"`},
		{"cache.set", map[string]any{"key": "k"}, `"!invalid_request: cache.set: value is missing"`},
		{"state.set", map[string]any{"key": "n", "value": 1}, `null`},
		{"state.get", map[string]any{"key": "n"}, `1`},
		{"state.set", map[string]any{"key": "n", "value": nil}, `null`},
		{"state.get", map[string]any{"key": "n"}, `null`},
		{"storage.write", map[string]any{"path": "a/b.txt", "data_base64": "aGk="}, `null`},
		{"storage.write", map[string]any{"path": "ab.txt", "data_base64": ""}, `null`},
		{"storage.list", map[string]any{}, `["a/b.txt","ab.txt"]`},
		{"storage.list", map[string]any{"prefix": "a/"}, `["a/b.txt"]`},
		{"storage.read", map[string]any{"path": "a/b.txt"}, `{"data_base64":"aGk="}`},
		{"storage.read", map[string]any{"path": "nope"}, `"!not_found: storage.read: no file \"nope\""`},
		{"storage.delete", map[string]any{"path": "nope"}, `null`},
		{"storage.delete", map[string]any{"path": "a/b.txt"}, `null`},
		{"storage.list", map[string]any{}, `["ab.txt"]`},
		{"storage.write", map[string]any{"path": "x", "data_base64": "!"}, `"!invalid_request: storage.write: data_base64: illegal base64 data at input byte 0"`},
		{"storage.write", map[string]any{"path": "x"}, `"!invalid_request: storage.write takes {\"path\": string, \"data_base64\": string}"`},
		{"storage.read", map[string]any{}, `"!invalid_request: storage.read takes {\"path\": string}"`},
		{"oauth.token", map[string]any{"provider": "google"}, `{"access_token":"g","expires_at":"2100-01-01T00:00:00Z"}`},
		{"oauth.token", map[string]any{"provider": "github"}, `{"access_token":"h"}`},
		{"oauth.token", map[string]any{"provider": "old"}, `"!unavailable: the token for provider old has expired"`},
		{"oauth.token", map[string]any{"provider": "nope"}, `"!not_found: nodetest.Host.Tokens has no token for provider nope"`},
		{"oauth.token", map[string]any{}, `"!invalid_request: oauth.token takes {\"provider\": string}"`},
		{"http.request", map[string]any{"method": "PUT", "url": "https://api.test/x?q=1", "headers": map[string]string{"X-In": "in"}, "body": "hello"},
			`{"body":"hello","headers":{"x-seen":"PUT https://api.test/x?q=1 in, /x?q=1"},"status":418}`},
		{"http.request", map[string]any{"method": "POST", "url": "http://api.test/y", "body_base64": "AP8="},
			`{"body":"","body_base64":"AP8=","headers":{"x-seen":"POST http://api.test/y , /y"},"status":418}`},
		{"http.request", map[string]any{"method": "GET", "url": "http://api.test/bin"},
			`{"body":"","body_base64":"/wA=","headers":{"content-type":"application/octet-stream","x-seen":"GET http://api.test/bin , /bin"},"status":200}`},
		{"http.request", map[string]any{"method": "GET", "url": "ftp://api.test/"}, `"!permission_denied: http.request: \"ftp://api.test/\" is not an http or https URL"`},
		{"http.request", map[string]any{"method": "BAD METHOD", "url": "http://api.test/"}, `"!invalid_request: http.request: net/http: invalid method \"BAD METHOD\""`},
		{"http.request", map[string]any{"url": "http://api.test/"}, `"!invalid_request: http.request: method and url are required"`},
		{"http.request", map[string]any{"method": "GET", "url": "http://api.test/", "body": "a", "body_base64": "YQ=="}, `"!invalid_request: http.request: give body or body_base64, not both"`},
	}
	for _, s := range steps {
		res, err := h.Run("nt-call", map[string]any{"op": s.op, "req": s.req})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(res.Outputs["reply"]); got != s.want {
			t.Errorf("%s %v\n got %s\nwant %s", s.op, s.req, got, s.want)
		}
	}
	if got := h.CacheTTL["k"]; got != 1500*time.Millisecond {
		t.Errorf("CacheTTL = %v", got)
	}
	for _, p := range []string{"/abs", "a/../b", "../a", "..", "./a", "a//b", "a/", `a\b`, "a\x00b", "",
		strings.Repeat("a/", 512) + "b", "a/" + strings.Repeat("b", 256)} {
		res, _ := h.Run("nt-call", map[string]any{"op": "storage.write", "req": map[string]any{"path": p, "data_base64": ""}})
		if got := string(res.Outputs["reply"]); !strings.HasPrefix(got, `"!invalid_request: storage.write: `) {
			t.Errorf("path %q: %s", p, got)
		}
	}
	h.HTTP = nil
	res, _ := h.Run("nt-call", map[string]any{"op": "http.request", "req": map[string]any{"method": "GET", "url": "http://a/"}})
	if got := string(res.Outputs["reply"]); got != `"!unavailable: nodetest.Host.HTTP is nil"` {
		t.Errorf("nil HTTP: %s", got)
	}
	h.Denied = []string{"oauth.token"}
	res, _ = h.Run("nt-call", map[string]any{"op": "oauth.token", "req": map[string]any{"provider": "google"}})
	if got := string(res.Outputs["reply"]); got != `"!permission_denied: oauth.token is not permitted"` {
		t.Errorf("denied: %s", got)
	}
}
