// `weft run --package DIR --watch` while the node's author edits: a source
// edit is rebuilt and run; an edit of the workflow runs again without a
// rebuild.

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWatchRebuildsEditedSources(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(t.TempDir(), "hello")
	if r := weft(t, home, "node", "init", "--lang", "c", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	example := filepath.Join(dir, "example.yaml")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, weftBin, "run", example, "--package", dir, "--watch", "--output", "json")
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	stdout, _ := cmd.StdoutPipe()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	dec := json.NewDecoder(stdout)
	next := func() string {
		t.Helper()
		var out runJSON
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("reading a run: %v\n%s", err, stderr.String())
		}
		g, _ := out.Blackboard["greet"].(map[string]any)
		s, _ := g["greeting"].(string)
		return s
	}
	if got := next(); got != "Hello, weft!" {
		t.Fatalf("first run: %q\n%s", got, stderr.String())
	}
	builds := strings.Count(stderr.String(), "building")
	// Edit the source: rebuilt, and the new code runs.
	src := filepath.Join(dir, "node.c")
	data, _ := os.ReadFile(src)
	time.Sleep(20 * time.Millisecond)
	os.WriteFile(src, bytes.Replace(data, []byte(`"Hello, %s!"`), []byte(`"Howdy, %s!"`), 1), 0o644)
	if got := next(); got != "Howdy, weft!" {
		t.Fatalf("after editing node.c: %q\n%s", got, stderr.String())
	}
	if n := strings.Count(stderr.String(), "building"); n != builds+1 {
		t.Fatalf("%d builds after the source edit, want %d\n%s", n, builds+1, stderr.String())
	}
	// Edit the workflow: runs again, no rebuild.
	wf, _ := os.ReadFile(example)
	os.WriteFile(example, bytes.Replace(wf, []byte(`name: "weft"`), []byte(`name: "you"`), 1), 0o644)
	if got := next(); got != "Howdy, you!" {
		t.Fatalf("after editing example.yaml: %q\n%s", got, stderr.String())
	}
	if n := strings.Count(stderr.String(), "building"); n != builds+1 {
		t.Fatalf("editing the workflow rebuilt the module\n%s", stderr.String())
	}
}
