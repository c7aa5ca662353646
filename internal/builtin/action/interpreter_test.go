// Tests of PythonInterpreter and JavaScriptInterpreter as nodes, with the
// real QuickJS runner: globals from the blackboard, the result under
// outputKey, failures, halting, load-time checks, and an engine without
// the language.

package action_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/script/javascript"
	"github.com/weft-dev/weft/internal/workflow"
)

func jsServices(t *testing.T) *bt.Services {
	r := javascript.New(javascript.Config{})
	t.Cleanup(func() { r.Close() })
	return &bt.Services{JavaScript: r}
}

func TestJavaScriptInterpreterNode(t *testing.T) {
	svc := jsServices(t)
	cases := []struct {
		name, src  string
		status     bt.Status
		key        string
		want       any
		errorParts []string
	}{
		{"default outputKey", "type: JavaScriptInterpreter\nid: j\nprops: {script: 'result = n * 2'}\n", bt.Success, "jsResult", int64(42), nil},
		{"outputKey and objects", "type: JavaScriptInterpreter\nid: j\nprops: {outputKey: out, script: 'result = {sum: xs.reduce((a, b) => a + b, 0), name: o.name}'}\n",
			bt.Success, "out", map[string]any{"sum": int64(6), "name": "ada"}, nil},
		{"no result stores {}", "type: JavaScriptInterpreter\nid: j\nprops: {script: 'let x = 1'}\n", bt.Success, "jsResult", map[string]any{}, nil},
		{"a null result stores null", "type: JavaScriptInterpreter\nid: j\nprops: {script: 'result = null'}\n", bt.Success, "jsResult", nil, nil},
		{"exception with line", "type: JavaScriptInterpreter\nid: j\nprops: {script: \"let a = 1\\nthrow new Error('boom')\"}\n", bt.Failure, "", nil, []string{"line 2", "boom"}},
		{"timeout", "type: JavaScriptInterpreter\nid: j\nprops: {timeout: 200ms, script: 'while(true){}'}\n", bt.Failure, "", nil, []string{"timed out"}},
		{"memory tier", "type: JavaScriptInterpreter\nid: j\nprops: {memory: minimal, script: 'let a = []; while (true) a.push(new Array(1e5).fill(1))'}\n", bt.Failure, "", nil, []string{"memory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, events, _ := run(t, c.src, opts{services: svc, inputs: map[string]any{"n": int64(21), "xs": []any{int64(1), int64(2), int64(3)}, "o": map[string]any{"name": "ada"}}})
			if res.Status != c.status {
				t.Fatalf("status %v, want %v (%v)", res.Status, c.status, res.Err)
			}
			if c.key != "" {
				got, ok := res.Blackboard[c.key]
				if !ok {
					t.Fatalf("%s not stored: %v", c.key, res.Blackboard)
				}
				if !equalJSON(got, c.want) {
					t.Errorf("%s = %#v, want %#v", c.key, got, c.want)
				}
			}
			for _, p := range c.errorParts {
				if msg := nodeErr(events, "j"); !strings.Contains(msg, p) {
					t.Errorf("error %q lacks %q", msg, p)
				}
			}
		})
	}
}

func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !equalJSON(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func TestInterpreterHaltStopsScript(t *testing.T) {
	svc := jsServices(t)
	src := "type: Timeout\nprops: {timeoutMs: 150}\nchildren:\n  - type: JavaScriptInterpreter\n    id: j\n    props: {timeout: 30s, script: 'while(true){}'}\n"
	start := time.Now()
	res, _, _ := run(t, src, opts{services: svc})
	if res.Status != bt.Failure || time.Since(start) > 3*time.Second {
		t.Errorf("status %v after %s", res.Status, time.Since(start))
	}
	// The runner is healthy afterwards.
	res, _, _ = run(t, "type: JavaScriptInterpreter\nprops: {script: 'result = 1'}\n", opts{services: svc, ctx: context.Background()})
	if res.Status != bt.Success {
		t.Errorf("next run: %v", res.Err)
	}
}

func TestInterpreterChecks(t *testing.T) {
	wantBuildErr(t, "type: PythonInterpreter\nprops: {script: '  '}\n", "script", "empty")
	wantBuildErr(t, "type: JavaScriptInterpreter\nprops: {script: x, memory: huge}\n", "memory", "huge")
	res, events, _ := run(t, "type: PythonInterpreter\nid: p\nprops: {script: 'result = 1'}\n", opts{services: &bt.Services{}})
	if res.Status != bt.Failure || !strings.Contains(nodeErr(events, "p"), "not available") {
		t.Errorf("without a Python runner: %v %q", res.Status, nodeErr(events, "p"))
	}
}

// TestInterpreterTimeoutBound: a timeout over the operator's maximum (5
// minutes unless set) is refused when the workflow loads, at the prop's
// line, naming the node and the maximum; a templated one when it runs.
func TestInterpreterTimeoutBound(t *testing.T) {
	cases := []struct {
		name, timeout string
		max           time.Duration
		want          []string // parts of the load error; nil: loads
	}{
		{"default maximum", "10m", 0, []string{"test.yaml:4:12:", `PythonInterpreter "p"`, "prop timeout", "10m0s", "maximum of 5m0s"}},
		{"milliseconds", "300001", 0, []string{"test.yaml:4:12:", "5m0.001s", "maximum of 5m0s"}},
		{"at the maximum", "5m", 0, nil},
		{"operator's maximum", "2m", time.Minute, []string{"test.yaml:4:12:", `PythonInterpreter "p"`, "2m0s", "maximum of 1m0s"}},
		{"under the operator's maximum", "30s", time.Minute, nil},
		{"operator's larger maximum", "20m", time.Hour, nil},
		{"not positive", "0s", 0, []string{"test.yaml:4:12:", "positive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "type: PythonInterpreter\nid: p\nprops:\n  timeout: \"" + c.timeout + "\"\n  script: 'result = 1'\n"
			_, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: registry(newTickLog()),
				Services: &bt.Services{MaxScriptTimeout: c.max}})
			if c.want == nil {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded, want an error with %q", c.want)
			}
			for _, p := range c.want {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q lacks %q", err, p)
				}
			}
		})
	}
	// A templated timeout is checked when the node runs.
	svc := jsServices(t)
	svc.MaxScriptTimeout = time.Minute
	res, events, _ := run(t, "type: JavaScriptInterpreter\nid: j\nprops: {timeout: '{{ t }}', script: 'result = 1'}\n",
		opts{services: svc, inputs: map[string]any{"t": "2m"}})
	if res.Status != bt.Failure || !strings.Contains(nodeErr(events, "j"), "maximum of 1m0s") {
		t.Errorf("templated timeout over the maximum: %v %q", res.Status, nodeErr(events, "j"))
	}
}

// TestScriptOutputReachesTheRun: console.* lines are the node's log events,
// capped per run, with what was dropped counted.
func TestScriptOutputReachesTheRun(t *testing.T) {
	svc := jsServices(t)
	_, events, _ := run(t, "type: JavaScriptInterpreter\nid: j\nprops: {script: \"console.log('hello', n); console.error('bad'); result = 1\"}\n",
		opts{services: svc, inputs: map[string]any{"n": int64(2)}})
	if got := strings.Join(logs(events, "j"), "|"); !strings.Contains(got, "hello 2") || !strings.Contains(got, "bad") {
		t.Fatalf("logs %q", got)
	}
	var levels []string
	for _, e := range events {
		if e.Kind == "log" && e.Node == "j" && (e.Message == "hello 2" || e.Message == "bad") {
			levels = append(levels, e.Level)
		}
	}
	if strings.Join(levels, ",") != "info,error" {
		t.Fatalf("levels %v", levels)
	}
	_, events, _ = run(t, "type: JavaScriptInterpreter\nid: j\nprops: {script: \"for (let i = 0; i < 10005; i++) console.log('line ' + i); result = 1\"}\n", opts{services: svc})
	l := logs(events, "j")
	if n := len(l); n < 10000 || n > 10003 || !strings.Contains(strings.Join(l, "|"), "more lines of script output were dropped") {
		t.Fatalf("%d lines, last %q", n, l[len(l)-1])
	}
}
