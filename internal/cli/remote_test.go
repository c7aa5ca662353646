package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/remote/remotetest"
	"github.com/weft-dev/weft/internal/wasmtest"
)

type remoteResult struct {
	code           int
	stdout, stderr string
}

// remoteWeft runs the command line against server s (WEFT_SERVER and
// WEFT_TOKEN set; an empty WEFT_HOME so that nothing local is used).
func remoteWeft(t *testing.T, s *remotetest.Server, token string, args ...string) remoteResult {
	t.Helper()
	t.Setenv("WEFT_HOME", t.TempDir())
	t.Setenv("WEFT_SERVER", s.URL)
	t.Setenv("WEFT_TOKEN", token)
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return remoteResult{code, out.String(), errb.String()}
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const remoteHello = `type: Sequence
id: hello
children:
  - type: SetVariable
    id: set-name
    props:
      key: name
      value: "{{ who ?? 'world' }}"
  - type: SetVariable
    id: set-n
    props:
      key: n
      value: 9007199254740993
  - type: LogMessage
    id: say
    props:
      message: "hi {{ name }}"
`

type runOut struct {
	RunID      string         `json:"run_id"`
	Status     string         `json:"status"`
	Blackboard map[string]any `json:"blackboard"`
	Error      *string        `json:"error"`
}

func parseRunOut(t *testing.T, r remoteResult) runOut {
	t.Helper()
	var out runOut
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON object (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return out
}

func TestRemoteRun(t *testing.T) {
	s := remotetest.Start(t)
	dir := t.TempDir()
	file := writeTestFile(t, dir, "my hello.yaml", remoteHello)

	r := remoteWeft(t, s, s.Token, "remote", "run", file, "--input", "who=Ada", "--output", "json", "--trace", filepath.Join(dir, "t.jsonl"))
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	out := parseRunOut(t, r)
	if out.Status != "success" || out.RunID == "" || out.Blackboard["name"] != "Ada" || out.Error != nil {
		t.Fatalf("result: %+v", out)
	}
	if n, _ := json.Marshal(out.Blackboard["n"]); string(n) != "9007199254740993" {
		t.Errorf("n = %s", n)
	}
	for _, want := range []string{"✔ success set-name (SetVariable) in ", "INFO  say: hi Ada", "of my-hello (version 1)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	trace, err := os.ReadFile(filepath.Join(dir, "t.jsonl"))
	if err != nil || !strings.Contains(string(trace), `"event":"node_finished"`) {
		t.Errorf("trace: %s %v", trace, err)
	}

	// `weft run` with --server delegates, text by default; the same bytes
	// are the same version.
	t.Setenv("WEFT_SERVER", "")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"run", file, "--server", s.URL, "--input", "who=Bob"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "✔ SUCCESS  run ") || !strings.Contains(stdout.String(), `name = "Bob"`) ||
		!strings.Contains(stderr.String(), "(version 1)") {
		t.Fatalf("weft run --server: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}

	// Flags that mean nothing on a server are refused.
	r = remoteWeft(t, s, s.Token, "run", file, "--tenant", "other")
	if r.code != 2 || !strings.Contains(r.stderr, "--tenant: not available with --server") {
		t.Fatalf("--tenant with a server: exit %d: %s", r.code, r.stderr)
	}

	// --id, and --no-wait.
	r = remoteWeft(t, s, s.Token, "remote", "run", file, "--id", "greeter", "--no-wait", "--output", "json")
	if out := parseRunOut(t, r); r.code != 0 || out.RunID == "" {
		t.Fatalf("--no-wait: exit %d %+v %s", r.code, out, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "run", file, "--id", "-bad id")
	if r.code != 2 || !strings.Contains(r.stderr, "--id: expected") {
		t.Fatalf("a bad --id: exit %d %s", r.code, r.stderr)
	}
}

func TestRemoteRunFailsAndInvalid(t *testing.T) {
	s := remotetest.Start(t)
	dir := t.TempDir()
	failing := writeTestFile(t, dir, "failing.yaml", `type: Sequence
id: root
children:
  - type: SetVariable
    id: first
    props: {key: a, value: 1}
  - type: ForceFailure
    id: nope
    children:
      - type: SetVariable
        props: {key: b, value: 2}
`)
	r := remoteWeft(t, s, s.Token, "remote", "run", failing, "--output", "json")
	out := parseRunOut(t, r)
	if r.code != 1 || out.Status != "failure" || out.Error == nil || *out.Error == "" {
		t.Fatalf("a failing run: exit %d %+v\n%s", r.code, out, r.stderr)
	}
	if !strings.Contains(r.stderr, "✘ failure nope (ForceFailure)") {
		t.Errorf("stderr: %s", r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "run", failing)
	if r.code != 1 || !strings.Contains(r.stdout, "✘ FAILURE") || !strings.Contains(r.stderr, "weft: "+failing+": ") {
		t.Fatalf("text: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	invalid := writeTestFile(t, dir, "invalid.yaml", "type: Sequense\nid: x\nchildren:\n  - type: SetVariable\n    props: {key: a, valu: 1}\n")
	r = remoteWeft(t, s, s.Token, "remote", "run", invalid)
	if r.code != 2 || r.stdout != "" {
		t.Fatalf("an invalid workflow: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	pos := regexp.MustCompile(`^` + regexp.QuoteMeta(invalid) + `:\d+:\d+: `)
	if len(lines) < 2 {
		t.Fatalf("expected every problem: %s", r.stderr)
	}
	for _, l := range lines {
		if !pos.MatchString(l) {
			t.Errorf("not FILE:LINE:COL: message: %q", l)
		}
	}
	if !strings.Contains(lines[0], invalid+":1:7: ") || !strings.Contains(r.stderr, `"Sequence"`) {
		t.Errorf("first problem: %s", r.stderr)
	}

	r = remoteWeft(t, s, s.Token, "remote", "run", filepath.Join(dir, "missing.yaml"))
	if r.code != 2 || !strings.Contains(r.stderr, "missing.yaml") {
		t.Fatalf("a missing file: exit %d %s", r.code, r.stderr)
	}
}

func TestRemoteAuthAndReach(t *testing.T) {
	s := remotetest.Start(t)
	file := writeTestFile(t, t.TempDir(), "hello.yaml", remoteHello)

	r := remoteWeft(t, s, "weft_bogus", "remote", "run", file)
	if r.code != 2 || !strings.Contains(r.stderr, "401") || !strings.Contains(r.stderr, "WEFT_TOKEN") || !strings.Contains(r.stderr, "refused the token in WEFT_TOKEN") {
		t.Fatalf("a bad token: exit %d: %s", r.code, r.stderr)
	}
	r = remoteWeft(t, s, "", "runs", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "401") || !strings.Contains(r.stderr, "no token was sent") || !strings.Contains(r.stderr, "WEFT_TOKEN") {
		t.Fatalf("no token: exit %d: %s", r.code, r.stderr)
	}
	// --token-file wins over WEFT_TOKEN.
	tf := writeTestFile(t, t.TempDir(), "token", s.Token+"\n")
	r = remoteWeft(t, s, "weft_bogus", "remote", "runs", "list", "--token-file", tf)
	if r.code != 0 || !strings.Contains(r.stdout, "RUN ID") {
		t.Fatalf("--token-file: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	viewer := s.NewToken(t, "viewer")
	r = remoteWeft(t, s, viewer, "remote", "run", file)
	if r.code != 2 || !strings.Contains(r.stderr, "403") {
		t.Fatalf("a viewer runs: exit %d: %s", r.code, r.stderr)
	}

	// A server that is not there exits 3 and says so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	r = remoteWeft(t, s, s.Token, "remote", "run", file, "--server", gone)
	if r.code != 3 || !strings.Contains(r.stderr, "cannot reach the weft server at "+gone) || strings.Contains(r.stderr, "a bug in weft") {
		t.Fatalf("no server: exit %d: %s", r.code, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "health", "--server", "ftp://x")
	if r.code != 2 || !strings.Contains(r.stderr, "expected the server's URL") {
		t.Fatalf("a bad URL: exit %d: %s", r.code, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "health")
	if r.code != 0 || !strings.Contains(r.stdout, ": ok (weft ") {
		t.Fatalf("health: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	// --server="" works locally even with WEFT_SERVER set.
	r = remoteWeft(t, s, s.Token, "validate", file, "--server=")
	if r.code != 0 || !strings.Contains(r.stdout, file+": valid") {
		t.Fatalf("local validate: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestRemoteValidate(t *testing.T) {
	s := remotetest.Start(t)
	dir := t.TempDir()
	good := writeTestFile(t, dir, "good.yaml", remoteHello)
	bad := writeTestFile(t, dir, "bad.yaml", "type: Sequence\nid: x\nchildren:\n  - type: WaitAction\n    props: {waitMs: soon}\n")
	r := remoteWeft(t, s, s.Token, "remote", "validate", good)
	if r.code != 0 || r.stdout != good+": valid\n" {
		t.Fatalf("valid: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "validate", good, bad)
	if r.code != 2 || r.stdout != good+": valid\n" || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(bad)+`:5:\d+: .*waitMs`).MatchString(r.stderr) {
		t.Fatalf("invalid: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "validate", good, "--server=")
	if r.code != 2 || !strings.Contains(r.stderr, "no server") {
		t.Fatalf("remote without a server: exit %d %s", r.code, r.stderr)
	}
}

func TestRemotePkgInstall(t *testing.T) {
	dir := wasmtest.CEcho(t)
	s := remotetest.Start(t)
	r := remoteWeft(t, s, s.Token, "remote", "pkg", "install", dir)
	if r.code != 0 {
		t.Fatalf("install: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"test.cecho (C echo (test fixture)) 1.0.0", "  status  draft", "  warning: ", "  it asks for:\n    - ", "weft remote pkg activate cn_"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the review lacks %q:\n%s", want, r.stdout)
		}
	}
	id := regexp.MustCompile(`id +(cn_[0-9a-f]+)`).FindStringSubmatch(r.stdout)
	if id == nil {
		t.Fatalf("no id in %s", r.stdout)
	}

	flowDir := t.TempDir()
	flow := writeTestFile(t, flowDir, "math.yaml", "type: test.cecho/add\nid: sum\nprops: {a: \"{{ x }}\", b: 9007199254740000}\n")
	r = remoteWeft(t, s, s.Token, "run", flow, "--input", "x=3", "--output", "json")
	if r.code != 2 || !strings.Contains(r.stderr, flow+":1:") {
		t.Fatalf("a draft is not usable: exit %d %s", r.code, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "pkg", "activate", id[1])
	if r.code != 0 || !strings.Contains(r.stdout, "test.cecho 1.0.0 ("+id[1]+") is active") {
		t.Fatalf("activate: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "run", flow, "--input", "x=3", "--output", "json")
	out := parseRunOut(t, r)
	if sum, _ := json.Marshal(out.Blackboard["sum"]); r.code != 0 || string(sum) != `{"sum":9007199254740003}` {
		t.Fatalf("run with the package: exit %d %+v %s", r.code, out, r.stderr)
	}

	// `weft pkg install FILE.weftpkg` with a server uploads the same
	// version: the server has it already.
	data, err := weft.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTestFile(t, t.TempDir(), "math.weftpkg", string(data))
	r = remoteWeft(t, s, s.Token, "pkg", "install", file)
	if r.code != 0 || !strings.Contains(r.stdout, "id      "+id[1]) || !strings.Contains(r.stdout, "status  active") {
		t.Fatalf("pkg install --server: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "pkg", "install", file, "--require-signature")
	if r.code != 2 || !strings.Contains(r.stderr, "not signed") {
		t.Fatalf("--require-signature: exit %d %s", r.code, r.stderr)
	}
	bad := writeTestFile(t, t.TempDir(), "bad.weftpkg", "not a package")
	r = remoteWeft(t, s, s.Token, "remote", "pkg", "install", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.weftpkg") {
		t.Fatalf("a bad package: exit %d %s", r.code, r.stderr)
	}
}

func TestRemoteRunsListShow(t *testing.T) {
	s := remotetest.Start(t)
	dir := t.TempDir()
	hello := writeTestFile(t, dir, "hello.yaml", remoteHello)
	failing := writeTestFile(t, dir, "failing.yaml", "type: ForceFailure\nid: nope\nchildren:\n  - type: SetVariable\n    props: {key: a, value: 1}\n")
	ok := parseRunOut(t, remoteWeft(t, s, s.Token, "remote", "run", hello, "--output", "json"))
	bad := parseRunOut(t, remoteWeft(t, s, s.Token, "remote", "run", failing, "--output", "json"))

	r := remoteWeft(t, s, s.Token, "remote", "runs", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "RUN ID") || !strings.HasPrefix(lines[1], bad.RunID) || !strings.Contains(lines[2], "success") {
		t.Fatalf("list: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "runs", "list", "--status", "failure", "--output", "json")
	var runs []struct{ ID, Workflow, Status string }
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || r.code != 0 || len(runs) != 1 || runs[0].ID != bad.RunID || runs[0].Workflow != "failing" {
		t.Fatalf("list --status failure: exit %d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "runs", "list", "--workflow", "hello", "--limit", "1", "--output", "json")
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 || runs[0].ID != ok.RunID {
		t.Fatalf("list --workflow hello: %v %s", err, r.stdout)
	}
	r = remoteWeft(t, s, s.Token, "remote", "runs", "list", "--status", "weird")
	if r.code != 2 || !strings.Contains(r.stderr, "400") {
		t.Fatalf("a bad status: exit %d %s", r.code, r.stderr)
	}

	r = remoteWeft(t, s, s.Token, "remote", "runs", "show", ok.RunID)
	if r.code != 0 || !strings.Contains(r.stdout, "status    success") || !strings.Contains(r.stdout, `name = "world"`) || strings.Contains(r.stdout, "events:") {
		t.Fatalf("show: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "remote", "runs", "show", bad.RunID, "--events")
	if r.code != 0 || !strings.Contains(r.stdout, "events:") || !regexp.MustCompile(`node_finished +nope +ForceFailure +failure in `).MatchString(r.stdout) {
		t.Fatalf("show --events: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// `weft runs show` with a server shows the events, as it does locally.
	r = remoteWeft(t, s, s.Token, "runs", "show", ok.RunID, "--output", "json")
	var shown struct {
		ID     string
		Status string
		Events []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || shown.ID != ok.RunID || len(shown.Events) == 0 || shown.Events[0]["event"] == nil {
		t.Fatalf("runs show --output json: %v %s %s", err, r.stdout, r.stderr)
	}
	r = remoteWeft(t, s, s.Token, "runs", "show", "no-such-run")
	if r.code != 2 || !strings.Contains(r.stderr, "404") {
		t.Fatalf("an unknown run: exit %d %s", r.code, r.stderr)
	}
}

func TestWorkflowID(t *testing.T) {
	for in, want := range map[string]string{
		"flows/hello.yaml":       "hello",
		"my flow.yml":            "my-flow",
		".hidden.yaml":           "hidden",
		"naïve.v2.yaml":          "na-ve.v2",
		"___.yaml":               "workflow",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		got := workflowID(in)
		if got != want || !workflowIDRe.MatchString(got) {
			t.Errorf("workflowID(%q) = %q, want %q", in, got, want)
		}
	}
}
