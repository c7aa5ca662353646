// The crash test: a child process records a run that it ends, and events
// of another run, some committed by Sink.Err and the rest by the flush
// timer, then dies without closing the journal; the parent finds the ended
// run with its status and events, every event of the other run, and that
// run marked interrupted.

package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// crashEnv, when set, makes TestCrashKeepsEvents the child: it names the
// database to write.
const crashEnv = "WEFT_JOURNAL_CRASH_DB"

const (
	crashRun = "01CRASH" // never ended
	endedRun = "01ENDED" // ended just before the crash
)

// crashEvents are what the child emits before dying.
func crashEvents() []event.Event {
	t0 := time.Unix(1700000000, 0)
	var evs []event.Event
	for i := range 25 {
		node := fmt.Sprintf("n%d", i)
		evs = append(evs,
			event.Event{Time: t0.Add(time.Duration(2*i) * time.Millisecond), Kind: event.NodeStarted, Node: node, Type: "Task", Index: i},
			event.Event{Time: t0.Add(time.Duration(2*i+1) * time.Millisecond), Kind: event.NodeFinished, Node: node, Type: "Task", Index: i,
				Status: "SUCCESS", Duration: time.Millisecond, Data: map[string]any{"i": int64(i)}})
	}
	return evs
}

func TestCrashKeepsEvents(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path) // never returns
	}

	path := filepath.Join(t.TempDir(), "weft.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsEvents$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child: err %v, want exit status 1; output:\n%s", err, out)
	}
	want := crashEvents()
	if !strings.Contains(string(out), fmt.Sprintf("EMITTED %d", len(want))) {
		t.Fatalf("child did not report its events; output:\n%s", out)
	}
	// The child died without closing: its WAL was never checkpointed away.
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL file after the crash (was the journal closed?): %v", err)
	}

	j, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after crash: %v", err)
	}
	defer j.Close()
	run, got, err := j.GetRun(context.Background(), crashRun)
	if err != nil {
		t.Fatalf("GetRun after crash: %v", err)
	}
	// Its process is gone: the reopened journal says so rather than
	// showing it running for ever.
	if run.Status != StatusInterrupted || run.Finished.IsZero() || !strings.Contains(run.Error, "ended without finishing it") {
		t.Errorf("run after crash: status %q, finished %v, error %q; want interrupted, a time, why", run.Status, run.Finished, run.Error)
	}
	if len(got) != len(want) {
		t.Fatalf("%d events after crash, want %d", len(got), len(want))
	}
	// EndRun committed the whole of the ended run, start to end.
	ended, evs, err := j.GetRun(context.Background(), endedRun)
	if err != nil {
		t.Fatalf("GetRun of the ended run: %v", err)
	}
	if ended.Status != "success" || ended.Finished.IsZero() || len(evs) != 2 || evs[1].Kind != event.NodeFinished {
		t.Errorf("ended run after crash: %+v with %d events; want success, finished, its 2 events", ended, len(evs))
	}
	for i := range want {
		want[i].RunID, want[i].Workflow = crashRun, "crashy"
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// crashChild records, in the journal at path, a run that it ends, then the
// first half of crashEvents (committed by Sink.Err) and the second half
// (left to the flush timer), then exits with status 1 without closing
// anything. Any other failure exits with status 3.
func crashChild(path string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	j, err := Open(ctx, path)
	if err != nil {
		fail(err)
	}

	if err := j.BeginRun(ctx, RunInfo{ID: endedRun, Workflow: "short"}); err != nil {
		fail(err)
	}
	short := j.Sink(endedRun)
	short.Emit(event.Event{Kind: event.NodeStarted, Node: "a"})
	short.Emit(event.Event{Kind: event.NodeFinished, Node: "a", Status: "SUCCESS"})
	if err := j.EndRun(ctx, endedRun, "success", "", nil, time.Time{}); err != nil {
		fail(err)
	}

	if err := j.BeginRun(ctx, RunInfo{ID: crashRun, Workflow: "crashy", Started: time.Unix(1700000000, 0)}); err != nil {
		fail(err)
	}
	sink := j.Sink(crashRun)
	evs := crashEvents()
	half := len(evs) / 2
	for _, e := range evs[:half] {
		sink.Emit(e)
	}
	if err := sink.Err(); err != nil {
		fail(err)
	}
	for _, e := range evs[half:] {
		sink.Emit(e)
	}
	// Nothing flushes these but the timer (DB() reads do not flush).
	for deadline := time.Now().Add(5 * time.Second); ; {
		var n int
		if err := j.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE run_id = ?`, crashRun).Scan(&n); err != nil {
			fail(err)
		}
		if n == len(evs) {
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("%d events committed 5 s after the last Emit, want %d", n, len(evs)))
		}
		time.Sleep(flushInterval / 2)
	}
	fmt.Printf("EMITTED %d\n", len(evs))
	os.Exit(1)
}
