package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestDesignDocExample runs the design doc's example workflow, verbatim,
// numpy in its sandboxed PythonInterpreter included, against a local server
// and checks that the POST carries stats as an object.
func TestDesignDocExample(t *testing.T) {
	if doc, err := os.ReadFile("../../shared/design/workflow-format.md"); err == nil {
		ours, _ := os.ReadFile("testdata/design-example.yaml")
		body := string(ours)[strings.Index(string(ours), "type: Sequence"):]
		if !strings.Contains(string(doc), body) {
			t.Fatal("testdata/design-example.yaml is no longer the design doc's example verbatim")
		}
	}
	var mu sync.Mutex
	var posted []byte
	var postedType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/data":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `[{"value": 1}, {"value": 2}, {"value": 3}, {"value": 4}]`)
		case r.Method == "POST" && r.URL.Path == "/results":
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			posted, postedType = body, r.Header.Get("Content-Type")
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	src, err := os.ReadFile("testdata/design-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := writeFile(t, dir, "example.yaml", strings.ReplaceAll(string(src), "https://api.example.com", srv.URL))
	r := weft(t, dir, "run", f, "--output", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	out := parseRun(t, r)
	if out.Status != "success" {
		t.Fatalf("status %s: %v", out.Status, out.Error)
	}

	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(postedType, "application/json") {
		t.Fatalf("POST content type %q", postedType)
	}
	var body map[string]any
	if err := json.Unmarshal(posted, &body); err != nil {
		t.Fatalf("POST body %q: %v", posted, err)
	}
	stats, ok := body["stats"].(map[string]any)
	if !ok {
		t.Fatalf("stats is %T, want an object: %s", body["stats"], posted)
	}
	std, _ := stats["std"].(float64)
	if stats["mean"] != 2.5 || stats["count"] != float64(4) || std < 1.1180 || std > 1.1181 {
		t.Fatalf("stats %v, want mean 2.5, std 1.118, count 4", stats)
	}
	// The response of the first call is on the blackboard as {status, headers, data}.
	resp := out.Blackboard["httpResponse"].(map[string]any)
	if resp["status"] == nil || resp["headers"] == nil || resp["data"] == nil {
		t.Fatalf("httpResponse %v", resp)
	}
}
