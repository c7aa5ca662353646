// `weft serve --engine temporal`: the server starts and cancels runs on
// Temporal, and reads their status and events back into its own API.

package temporal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// api calls the server's HTTP API and decodes its JSON answer.
func api(t *testing.T, base, token, method, path, ctype string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

func TestServeOnTemporal(t *testing.T) {
	c := newCLIEnv(t)
	c.startWorker(t)
	cmd := c.cmd(t, "serve", "--engine", "temporal", "--temporal", c.addr, "--namespace", c.ns, "--task-queue", c.queue,
		"--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "server.db"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("weft serve stderr:\n%s", stderr.String())
		}
	})
	var admin, base string
	sc := bufio.NewScanner(stdout)
	for base == "" && sc.Scan() {
		line := sc.Text()
		if tok, ok := strings.CutPrefix(line, "admin token (shown once, keep it): "); ok {
			admin = tok
		}
		if u, ok := strings.CutPrefix(line, "listening on "); ok {
			base = u + "/api/v1"
		}
	}
	if base == "" || admin == "" {
		t.Fatalf("weft serve printed no address or admin token:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, stdout)

	if code := api(t, base, admin, "POST", "/tenants", "application/json", []byte(`{"id":"acme","name":"Acme"}`), nil); code != 201 {
		t.Fatalf("create tenant: %d", code)
	}
	var tok struct{ Token string }
	if code := api(t, base, admin, "POST", "/tenants/acme/tokens", "application/json", []byte(`{"role":"developer","name":"dev"}`), &tok); code != 201 {
		t.Fatalf("create token: %d", code)
	}
	put := func(id, yaml string) {
		if code := api(t, base, tok.Token, "PUT", "/workflows/"+id, "application/x-yaml", []byte(yaml), nil); code != 201 {
			t.Fatalf("PUT workflow %s: %d", id, code)
		}
	}
	put("hello", "type: Sequence\nchildren:\n  - {type: SetVariable, props: {key: greeting, value: \"hello {{ who }}\"}}\n"+
		"  - {type: JavaScriptInterpreter, props: {outputKey: js, script: \"result = greeting.length\"}}\n")
	put("slow", "type: Sequence\nchildren:\n  - {type: WaitAction, props: {waitMs: 600000}}\n  - {type: SetVariable, props: {key: never, value: true}}\n")

	type run struct {
		ID         string         `json:"id"`
		Status     string         `json:"status"`
		Blackboard map[string]any `json:"blackboard"`
		Error      string         `json:"error"`
	}
	var started struct{ Run run }
	if code := api(t, base, tok.Token, "POST", "/workflows/hello/runs", "application/json", []byte(`{"inputs":{"who":"temporal"},"wait":true}`), &started); code != 200 {
		t.Fatalf("start a run: %d %+v", code, started)
	}
	if r := started.Run; r.Status != "success" || r.Blackboard["greeting"] != "hello temporal" || r.Blackboard["js"] != float64(len("hello temporal")) {
		t.Fatalf("run: %+v", r)
	}
	var events struct{ Items []map[string]any }
	api(t, base, tok.Token, "GET", "/runs/"+started.Run.ID+"/events", "", nil, &events)
	kinds := map[string]int{}
	for _, e := range events.Items {
		if k, ok := e["event"].(string); ok {
			kinds[k]++
		}
	}
	if kinds["run_finished"] != 1 || kinds["node_finished"] < 3 {
		t.Errorf("events read back from Temporal: %v", kinds)
	}
	// The run is Temporal's: its workflow id is the run's id.
	tc := server(t).GetDefaultClient()
	desc, err := tc.DescribeWorkflowExecution(t.Context(), started.Run.ID, "")
	if err != nil {
		t.Fatalf("the run is not on Temporal: %v", err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("Temporal status %v", st)
	}

	// Cancel through the API is Temporal cancellation; the tree halts.
	var slow struct{ Run run }
	if code := api(t, base, tok.Token, "POST", "/workflows/slow/runs", "application/json", []byte(`{}`), &slow); code != 202 {
		t.Fatalf("start the slow run: %d", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := tc.DescribeWorkflowExecution(t.Context(), slow.Run.ID, ""); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the slow run never reached Temporal")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := api(t, base, tok.Token, "POST", "/runs/"+slow.Run.ID+"/cancel", "application/json", nil, nil); code >= 300 {
		t.Fatalf("cancel: %d", code)
	}
	var got run
	for {
		var reply struct{ Run run }
		api(t, base, tok.Token, "GET", "/runs/"+slow.Run.ID, "", nil, &reply)
		got = reply.Run
		if got.Status != "queued" && got.Status != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled run did not end: %+v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.Status != "canceled" || got.Blackboard["never"] != nil {
		t.Errorf("cancelled run: %+v", got)
	}
	desc, err = tc.DescribeWorkflowExecution(t.Context(), slow.Run.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		t.Errorf("Temporal status of the cancelled run: %v", st)
	}
	// Another tenant does not see Temporal's runs either.
	var other struct{ Token string }
	api(t, base, admin, "POST", "/tenants", "application/json", []byte(`{"id":"other","name":"Other"}`), nil)
	api(t, base, admin, "POST", "/tenants/other/tokens", "application/json", []byte(`{"role":"viewer","name":"v"}`), &other)
	if code := api(t, base, other.Token, "GET", "/runs/"+started.Run.ID, "", nil, nil); code != 404 {
		t.Errorf("another tenant's run: %d, want 404", code)
	}
}
