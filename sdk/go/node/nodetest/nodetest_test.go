// Tests of the fake host: requests it sends, operations it answers, and
// responses it parses.

package nodetest

import (
	"encoding/json"
	"errors"
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

	h = &Host{} // unknown operation, nil Vars
	res, err = h.Run("nt-ops", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Output("out", &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out, " "); !strings.Contains(got, "vars.get=null") || !strings.Contains(got, "cache.get:unknown_op") {
		t.Errorf("zero Host operations = %s", got)
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
