package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const okFlow = `
type: Sequence
id: ok-flow
children:
  - type: SuccessNode
    id: first
  - type: SuccessNode
    id: second
`

const failFlow = `
type: Sequence
id: fail-flow
children:
  - type: SuccessNode
    id: first
  - type: FailureNode
    id: broken-step
`

func TestRunSuccessJSON(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "ok.yaml", okFlow)
	r := weft(t, dir, "run", f, "--output", "json", "--input", "n=3", "--input", "ok=true",
		"--input", `s="x"`, "--input", "word=hello", "--input", "obj={\"a\":[1,2]}", "--input", "big=9007199254740993")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
	}
	out := parseRun(t, r)
	if out.Status != "success" || out.RunID == "" || out.Error != nil {
		t.Fatalf("unexpected result %+v", out)
	}
	want := map[string]string{"n": "3", "ok": "true", "s": `"x"`, "word": `"hello"`, "obj": `{"a":[1,2]}`, "big": "9007199254740993"}
	for k, w := range want {
		got, _ := json.Marshal(out.Blackboard[k])
		if string(got) != w {
			t.Errorf("blackboard[%s] = %s, want %s", k, got, w)
		}
	}
}

func TestRunFailureExit1(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "fail.yaml", failFlow)
	r := weft(t, dir, "run", f, "--output", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", r.code, r.stderr)
	}
	out := parseRun(t, r)
	if out.Status != "failure" || out.Error == nil || !strings.Contains(*out.Error, "broken-step") {
		t.Fatalf("result %+v: the error must name the failing node", out)
	}
	// Text mode: the summary on stdout, the reason on stderr.
	r = weft(t, dir, "run", f)
	if r.code != 1 || !strings.Contains(r.stdout, "FAILURE") || !strings.Contains(r.stderr, "broken-step") {
		t.Fatalf("text mode: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

var diagLine = regexp.MustCompile(`^[^:]+\.yaml:\d+:\d+: .+`)

func TestInvalidWorkflowExit2(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "bad.yaml", `
type: Sequense
children:
  - type: SuccessNode
    id: a
  - type: SuccessNode
    id: a
`)
	for _, args := range [][]string{{"run", f}, {"run", f, "--output", "json"}, {"validate", f}} {
		r := weft(t, dir, args...)
		if r.code != 2 {
			t.Fatalf("%v: exit %d, want 2", args, r.code)
		}
		if r.stdout != "" && args[0] == "run" {
			t.Fatalf("%v: stdout must stay empty on bad input: %q", args, r.stdout)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 2 {
			t.Fatalf("%v: want both problems reported, got:\n%s", args, r.stderr)
		}
		for _, l := range lines {
			if !diagLine.MatchString(l) {
				t.Errorf("%v: %q is not FILE:LINE:COL: message", args, l)
			}
		}
		if !strings.Contains(r.stderr, `bad.yaml:2:7: unknown node type "Sequense" (did you mean "Sequence"?)`) ||
			!strings.Contains(r.stderr, `bad.yaml:7:9: duplicate id "a"`) {
			t.Fatalf("%v: stderr:\n%s", args, r.stderr)
		}
	}
}

func TestValidateSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	ok := writeFile(t, dir, "ok.yaml", okFlow)
	bad := writeFile(t, dir, "bad.yaml", "type: SuccessNode\nprops: {x: 1}\n")
	r := weft(t, dir, "validate", ok, bad)
	if r.code != 2 || !strings.Contains(r.stdout, "ok.yaml: valid") || !strings.Contains(r.stderr, `bad.yaml:2:9: SuccessNode has no prop "x"`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if r := weft(t, dir, "validate", ok); r.code != 0 {
		t.Fatalf("valid file: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, dir, "validate", filepath.Join(dir, "missing.yaml")); r.code != 2 || !strings.Contains(r.stderr, "missing.yaml") {
		t.Fatalf("missing file: exit %d %s", r.code, r.stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"run"}, {"bogus"}, {"run", "x.yaml", "--nope"}, {"run", "x.yaml", "--output", "xml"},
		{"nodes", "show", "Sequnce"}, {"run", "x.yaml", "--input", "novalue"}} {
		r := weft(t, dir, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %s)", args, r.code, r.stderr)
		}
		if strings.TrimSpace(r.stderr) == "" {
			t.Errorf("%v: no message", args)
		}
	}
	r := weft(t, dir, "nodes", "show", "Sequnce")
	if !strings.Contains(r.stderr, `did you mean "Sequence"`) {
		t.Errorf("no suggestion: %s", r.stderr)
	}
}

func TestInputsFile(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "ok.yaml", okFlow)
	in := writeFile(t, dir, "in.json", `{"a": 1, "b": {"c": "d"}}`)
	r := weft(t, dir, "run", f, "--inputs", in, "--input", "a=2", "--output", "json")
	out := parseRun(t, r)
	if a, _ := json.Marshal(out.Blackboard["a"]); string(a) != "2" {
		t.Fatalf("--input must override --inputs: a = %s", a)
	}
	if b, _ := json.Marshal(out.Blackboard["b"]); string(b) != `{"c":"d"}` {
		t.Fatalf("b = %s", b)
	}
	bad := writeFile(t, dir, "bad.json", `[1]`)
	if r := weft(t, dir, "run", f, "--inputs", bad); r.code != 2 || !strings.Contains(r.stderr, "bad.json") {
		t.Fatalf("array inputs file: exit %d %s", r.code, r.stderr)
	}
}

func TestTraceAndJournal(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "fail.yaml", failFlow)
	trace := filepath.Join(dir, "trace.jsonl")
	r := weft(t, dir, "run", f, "--output", "json", "--trace", trace)
	out := parseRun(t, r)

	file, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	kinds := map[string]int{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		if ev["run_id"] != out.RunID {
			t.Fatalf("trace event of another run: %v", ev)
		}
		kinds[ev["event"].(string)]++
		if ev["event"] == "node_finished" {
			if _, ok := ev["duration_ms"]; !ok {
				t.Fatalf("node_finished without duration: %v", ev)
			}
			if ev["node"] == "broken-step" && ev["status"] != "failure" {
				t.Fatalf("broken-step finished %v", ev["status"])
			}
		}
	}
	if kinds["node_started"] != 3 || kinds["node_finished"] != 3 || kinds["run_finished"] != 1 {
		t.Fatalf("trace kinds %v", kinds)
	}

	// The journal has the run, with the same node events.
	r = weft(t, dir, "runs", "show", out.RunID[:10], "--output", "json")
	if r.code != 0 {
		t.Fatalf("runs show: exit %d %s", r.code, r.stderr)
	}
	var shown struct {
		RunID  string           `json:"run_id"`
		Status string           `json:"status"`
		Error  string           `json:"error"`
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.RunID != out.RunID || shown.Status != "failure" || !strings.Contains(shown.Error, "broken-step") || len(shown.Events) != 6 {
		t.Fatalf("runs show: %+v", shown)
	}
	r = weft(t, dir, "runs", "list", "--output", "json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0]["run_id"] != out.RunID {
		t.Fatalf("runs list: %v %s", err, r.stdout)
	}
	// Another WEFT_HOME sees nothing.
	r = weft(t, t.TempDir(), "runs", "list", "--output", "json")
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("a fresh WEFT_HOME sees runs: %s", r.stdout)
	}
	if r := weft(t, dir, "runs", "show", "nope"); r.code != 2 {
		t.Fatalf("unknown run: exit %d", r.code)
	}
}

func TestNodesListAndShow(t *testing.T) {
	dir := t.TempDir()
	r := weft(t, dir, "nodes", "list", "--output", "json")
	var specs []struct {
		Type  string `json:"type"`
		Props []struct {
			Name string `json:"name"`
		} `json:"props"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &specs); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	names := map[string]bool{}
	for _, s := range specs {
		names[s.Type] = true
	}
	for _, want := range standardNodes {
		if !names[want] {
			t.Errorf("nodes list lacks %s", want)
		}
	}
	r = weft(t, dir, "nodes", "show", "Sequence")
	if r.code != 0 || !strings.Contains(r.stdout, "Sequence (composite") {
		t.Fatalf("nodes show: %d %s", r.code, r.stdout)
	}
}

// standardNodes are the 32 nodes of registerStandardNodes() plus weft's
// Retry, HttpRequest and SetVariable.
var standardNodes = []string{
	"Sequence", "Selector", "Parallel", "Conditional", "ForEach", "While", "Recovery", "ReactiveSequence", "MemorySequence", "SubTree",
	"Timeout", "Delay", "Repeat", "Invert", "ForceSuccess", "ForceFailure", "RunOnce", "KeepRunningUntilFailure", "Precondition", "SoftAssert",
	"PrintAction", "MockAction", "SuccessNode", "FailureNode", "RunningNode", "CounterAction", "CheckCondition", "AlwaysCondition", "WaitAction",
	"Script", "LogMessage", "RegexExtract",
	"Retry", "HttpRequest", "SetVariable",
}

// TestOperatorHTTPPolicy: WEFT_HTTP_PUBLIC_ONLY keeps HttpRequest off
// loopback.
func TestOperatorHTTPPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	dir := t.TempDir()
	f := writeFile(t, dir, "h.yaml", "type: HttpRequest\nid: call\nprops: {url: \""+srv.URL+"\"}\n")
	if r := weft(t, dir, "run", f); r.code != 0 {
		t.Fatalf("default policy: exit %d %s", r.code, r.stderr)
	}
	cmd := exec.Command(weftBin, "run", f, "--output", "json")
	cmd.Env = append(os.Environ(), "WEFT_HOME="+dir, "WEFT_HTTP_PUBLIC_ONLY=1")
	out, _ := cmd.Output()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "not a public address") {
		t.Fatalf("public only: exit %d %s", cmd.ProcessState.ExitCode(), out)
	}
}
