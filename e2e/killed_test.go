// A run whose process is killed with SIGKILL does not stay "running" for
// ever: the next weft command that opens the journal marks it interrupted.

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKilledRunIsInterrupted(t *testing.T) {
	home, dir := t.TempDir(), t.TempDir()
	f := writeFile(t, dir, "long.yaml", "type: WaitAction\nid: wait\nprops: {waitMs: 60000}\n")
	cmd := exec.Command(weftBin, "run", f)
	cmd.Env = append(os.Environ(), "WEFT_HOME="+home)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the journal has it running.
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := weft(t, home, "runs", "list", "--status", "running")
		if strings.Contains(r.stdout, " wait ") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the run never showed as running: %s %s", r.stdout, r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	r := weft(t, home, "runs", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "interrupted") || strings.Contains(r.stdout, "running") {
		t.Fatalf("after kill -9: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = weft(t, home, "runs", "list", "--output", "json")
	if !strings.Contains(r.stdout, "ended without finishing it") {
		t.Fatalf("no reason in %s", r.stdout)
	}
}
