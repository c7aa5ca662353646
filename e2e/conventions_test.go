// The command line's conventions: - for stdin, weft version, Ctrl-C exits
// 130, and a text summary that does not HTML-escape.

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestCLIConventions(t *testing.T) {
	home := t.TempDir()
	r := weftWith(t, runOpts{home: home, stdin: "type: SetVariable\nid: s\nprops: {key: x, value: \"a > b & <c>\"}\n"}, "run", "-")
	if r.code != 0 || !strings.Contains(r.stdout, `x = "a > b & <c>"`) {
		t.Fatalf("run -: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := weftWith(t, runOpts{home: home, stdin: "type: Nope\n"}, "validate", "-"); r.code != 2 || !strings.Contains(r.stderr, "stdin:1:7: unknown node type \"Nope\"") {
		t.Fatalf("validate -: exit %d %s", r.code, r.stderr)
	}
	dir := t.TempDir()
	f := writeFile(t, dir, "s.yaml", "type: SuccessNode\nid: ok\n")
	if r := weftWith(t, runOpts{home: home, stdin: `{"n": 4}`}, "run", f, "--inputs", "-", "--output", "json"); r.code != 0 || !strings.Contains(r.stdout, `"n":4`) {
		t.Fatalf("--inputs -: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := weftWith(t, runOpts{home: home, stdin: `{"a": 1}`}, "run", "-", "--inputs", "-"); r.code != 2 || !strings.Contains(r.stderr, "stdin was read already") {
		t.Fatalf("two -: exit %d %s", r.code, r.stderr)
	}
	if r := weft(t, home, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "weft ") {
		t.Fatalf("version: %d %q", r.code, r.stdout)
	}
	// Ctrl-C: the run halts and weft exits 130.
	long := writeFile(t, dir, "long.yaml", "type: WaitAction\nid: w\nprops: {waitMs: 30000}\n")
	cmd := exec.Command(weftBin, "run", long)
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("weft did not stop on Ctrl-C")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d after Ctrl-C, want 130", code)
	}
}
