// The command line with the Temporal engine (cmd/weft), as users run it:
// `weft worker` processes polling the in-process server, `weft run
// --temporal` giving the same output and exit codes as an embedded run,
// and a run that survives the SIGKILL of the worker it was running on.

package temporal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

var weftBin struct {
	once sync.Once
	path string
	err  error
}

// weftBinary builds cmd/weft once for the package's tests.
func weftBinary(t *testing.T) string {
	t.Helper()
	weftBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "weft-temporal-bin")
		if err != nil {
			weftBin.err = err
			return
		}
		weftBin.path = filepath.Join(dir, "weft")
		out, err := exec.Command("go", "build", "-o", weftBin.path, "./cmd/weft").CombinedOutput()
		if err != nil {
			weftBin.err = fmt.Errorf("go build ./cmd/weft: %v\n%s", err, out)
		}
	})
	if weftBin.err != nil {
		t.Fatal(weftBin.err)
	}
	return weftBin.path
}

// cliEnv is what the processes of one test share: the server's address,
// its namespace, a task queue and the blob store.
type cliEnv struct {
	bin, addr, ns, queue, blobs, pkg string
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	srv := server(t)
	pkg, err := filepath.Abs(filepath.Join("testdata", "pkgs", "reverse"))
	if err != nil {
		t.Fatal(err)
	}
	return &cliEnv{bin: weftBinary(t), addr: srv.GetFrontendHostPort(), ns: srv.GetDefaultNamespace(),
		queue: "cli-" + filepath.Base(t.TempDir()), blobs: t.TempDir(), pkg: pkg}
}

func (c *cliEnv) cmd(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(os.Environ(), "WEFT_HOME="+t.TempDir(), "WEFT_TEMPORAL_BLOBS="+c.blobs, "NO_COLOR=1")
	return cmd
}

func (c *cliEnv) flags() []string {
	return []string{"--temporal", c.addr, "--namespace", c.ns, "--task-queue", c.queue, "--package", c.pkg}
}

// startWorker starts a `weft worker` process; it is killed at the end of
// the test if it still runs.
func (c *cliEnv) startWorker(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := c.cmd(t, append([]string{"worker"}, c.flags()...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("worker %d stderr:\n%s", cmd.Process.Pid, stderr.String())
		}
	})
	return cmd
}

type cliResult struct {
	code           int
	stdout, stderr string
}

func (c *cliEnv) run(t *testing.T, ctx context.Context, args ...string) cliResult {
	t.Helper()
	cmd := c.cmd(t, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		cmd.Process.Kill()
		<-done
		t.Fatalf("weft %s did not end: %v\nstderr:\n%s", strings.Join(args, " "), ctx.Err(), stderr.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// jsonResult is `weft run --output json`'s object without its run id.
func jsonResult(t *testing.T, r cliResult) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	delete(m, "run_id")
	return m
}

func TestCLIRunOnTemporal(t *testing.T) {
	c := newCLIEnv(t)
	c.startWorker(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml string
		code       int
	}{
		{"custom-node", "type: Sequence\nchildren:\n  - {type: bench.reverse/reverse, props: {s: \"{{ word }}\", outputs: {s: reversed}}}\n" +
			"  - {type: LogMessage, props: {message: \"reversed {{ reversed }}\"}}\n", 0},
		{"fails", "type: Sequence\nchildren:\n  - {type: SetVariable, props: {key: a, value: 1}}\n  - {type: FailureNode, id: nope}\n", 1},
		{"python", "type: PythonInterpreter\nprops:\n  outputKey: py\n  script: \"result = {'w': word.upper()}\"\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			f := filepath.Join(dir, tc.name+".yaml")
			if err := os.WriteFile(f, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			embedded := c.run(t, ctx, "run", "--no-journal", "--output", "json", "--package", c.pkg, "--input", "word=durable", f)
			trace := filepath.Join(dir, tc.name+".trace")
			durable := c.run(t, ctx, append(append([]string{"run", "--output", "json", "--input", "word=durable", "--trace", trace}, c.flags()...), f)...)
			if durable.code != tc.code || embedded.code != tc.code {
				t.Fatalf("exit codes: temporal %d, embedded %d, want %d\ntemporal stderr:\n%s", durable.code, embedded.code, tc.code, durable.stderr)
			}
			if got, want := jsonResult(t, durable), jsonResult(t, embedded); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("result:\ntemporal %v\nembedded %v", got, want)
			}
			if strings.Contains(tc.yaml, "LogMessage") && !strings.Contains(durable.stderr, "reversed elbarud") {
				t.Errorf("the log line is not on stderr:\n%s", durable.stderr)
			}
			data, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(data, []byte(`"event":"run_finished"`)) + bytes.Count(data, []byte(`"kind":"run_finished"`)); n != 1 {
				t.Errorf("--trace has %d run_finished records, want 1:\n%s", n, data)
			}
		})
	}
}

func TestCLIWithoutTheEngine(t *testing.T) {
	c := newCLIEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	r := c.run(t, ctx, "worker")
	if r.code != 2 || !strings.Contains(r.stderr, "--temporal HOST:PORT is required") {
		t.Errorf("weft worker without --temporal: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run(t, ctx, "serve", "--engine", "temporal")
	if r.code != 2 || !strings.Contains(r.stderr, "--temporal HOST:PORT is required") {
		t.Errorf("weft serve --engine temporal without --temporal: exit %d, stderr %q", r.code, r.stderr)
	}
}

// stepServer counts the requests of each step of a workflow, and holds
// the first request of one step until the test lets it go.
type stepServer struct {
	mu     sync.Mutex
	hits   map[int]int
	holdAt int
	held   chan struct{} // closed when the held step's first request arrived
	url    string
}

func newStepServer(t *testing.T, holdAt int) *stepServer {
	s := &stepServer{hits: map[int]int{}, holdAt: holdAt, held: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/step/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.hits[n]++
		first := s.hits[n] == 1
		s.mu.Unlock()
		if n == s.holdAt && first {
			close(s.held)
			<-r.Context().Done() // until its worker dies
			return
		}
		w.Header()["Date"] = nil
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"step": %d}`, n)
	})}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	s.url = "http://" + ln.Addr().String()
	return s
}

// TestFailoverAfterSIGKILL: a 20-step workflow (HTTP steps, a custom node,
// Python) starts on worker A; in the middle of step 11, A is killed with
// SIGKILL and worker B finishes the run with the result an embedded run
// gives, and no step that had finished runs again.
func TestFailoverAfterSIGKILL(t *testing.T) {
	c := newCLIEnv(t)
	const steps, killAt = 20, 11
	var y strings.Builder
	y.WriteString("type: Sequence\nid: twenty\nchildren:\n")
	for i := 1; i <= steps; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&y, "  - {type: PythonInterpreter, id: py%d, props: {outputKey: py%d, script: \"result = n * %d\"}}\n", i, i, i)
		case 2:
			fmt.Fprintf(&y, "  - {type: bench.reverse/reverse, id: rev%d, props: {s: \"step%d\", outputs: {s: rev%d}}}\n", i, i, i)
		default:
			fmt.Fprintf(&y, "  - {type: HttpRequest, id: get%d, props: {url: \"{{ base }}/step/%d\", outputKey: h%d}}\n", i, i, i)
		}
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "twenty.yaml")
	if err := os.WriteFile(f, []byte(y.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	embSrv := newStepServer(t, -1)
	embedded := c.run(t, ctx, "run", "--no-journal", "--output", "json", "--package", c.pkg, "--input", "n=3", "--input", "base="+embSrv.url, f)
	if embedded.code != 0 {
		t.Fatalf("embedded run: exit %d\n%s", embedded.code, embedded.stderr)
	}

	srv := newStepServer(t, killAt)
	a := c.startWorker(t)
	res := make(chan cliResult, 1)
	go func() {
		res <- c.run(t, ctx, append(append([]string{"run", "--output", "json", "--input", "n=3", "--input", "base=" + srv.url}, c.flags()...), f)...)
	}()
	select {
	case <-srv.held:
	case r := <-res:
		t.Fatalf("the run ended before step %d: exit %d\n%s", killAt, r.code, r.stderr)
	case <-ctx.Done():
		t.Fatal("step 11 never started")
	}
	c.startWorker(t) // B
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var durable cliResult
	select {
	case durable = <-res:
	case <-ctx.Done():
		t.Fatal("the run did not finish on worker B")
	}
	if durable.code != 0 {
		t.Fatalf("run on Temporal: exit %d\n%s", durable.code, durable.stderr)
	}
	got, want := jsonResult(t, durable), jsonResult(t, embedded)
	for _, m := range []map[string]any{got, want} { // the servers' addresses differ
		delete(m["blackboard"].(map[string]any), "base")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("result:\ntemporal %v\nembedded %v", got, want)
	}
	srv.mu.Lock()
	for i := 1; i <= steps; i++ {
		if i%5 == 0 || i%5 == 2 {
			continue
		}
		n := srv.hits[i]
		switch {
		case i == killAt && n != 2:
			t.Errorf("step %d (in flight when its worker died): %d requests, want 2", i, n)
		case i != killAt && n != 1:
			t.Errorf("step %d: %d requests, want 1", i, n)
		}
	}
	srv.mu.Unlock()

	// Every step is one activity, scheduled once; only the step in flight
	// had a second attempt.
	var out struct {
		RunID string `json:"run_id"`
	}
	json.Unmarshal([]byte(durable.stdout), &out)
	it := server(t).GetDefaultClient().GetWorkflowHistory(ctx, out.RunID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	scheduled, completed, retried := 0, 0, 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			completed++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if ev.GetActivityTaskStartedEventAttributes().GetAttempt() > 1 {
				retried++
			}
		}
	}
	if scheduled != steps || completed != steps || retried != 1 {
		t.Errorf("history: %d activities scheduled, %d completed, %d retried; want %d, %d, 1", scheduled, completed, retried, steps, steps)
	}
}
