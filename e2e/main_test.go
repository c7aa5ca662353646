// Package e2e runs the built `weft` binary the way users and scripts do,
// and checks its output and exit codes against ../shared/design/cli.md.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// weftBin is the binary under test, built once by TestMain.
var weftBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "weft-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	weftBin = filepath.Join(dir, "weft")
	build := exec.Command("go", "build", "-o", weftBin, "../cmd/weft")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building weft:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// weft runs the binary with args in the given WEFT_HOME.
func weft(t *testing.T, home string, args ...string) result {
	t.Helper()
	return weftWith(t, runOpts{home: home}, args...)
}

// runOpts are how weftWith runs the binary: its WEFT_HOME, working folder
// (default: this one), extra environment and stdin.
type runOpts struct {
	home, dir, stdin string
	env              []string
}

func weftWith(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	cmd := exec.Command(weftBin, args...)
	cmd.Dir = o.dir
	cmd.Env = append(append(os.Environ(), "WEFT_HOME="+o.home), o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running weft: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

// runJSON is the object `weft run --output json` prints.
type runJSON struct {
	RunID      string         `json:"run_id"`
	Status     string         `json:"status"`
	Blackboard map[string]any `json:"blackboard"`
	Error      *string        `json:"error"`
}

func parseRun(t *testing.T, r result) runJSON {
	t.Helper()
	var out runJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(r.stdout)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\nstdout: %s\nstderr: %s", err, r.stdout, r.stderr)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value: %s", r.stdout)
	}
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
