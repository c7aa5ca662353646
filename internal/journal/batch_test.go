// Tests of the batched writes: what another process sees of a running run
// and when, the queue's size threshold, an EndRun that commits the run's
// start, events and end at once, a run id recorded meanwhile by another
// process, runs ending together, and events after Close.

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// openPair opens two journals on one file: w writes, r reads as another
// process would (its own connections; it has nothing queued to flush).
func openPair(t *testing.T) (w, r *Journal) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "weft.db")
	var js [2]*Journal
	for i := range js {
		j, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := j.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		js[i] = j
	}
	return js[0], js[1]
}

// countEvents is how many events of run id are committed, and the run's
// status ("" when the run is not committed).
func countEvents(t *testing.T, j *Journal, id string) (status string, n int) {
	t.Helper()
	ctx := context.Background()
	if err := j.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE run_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	err := j.DB().QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return status, n
}

// setFlush sets flushInterval and maxQueued for one test.
func setFlush(t *testing.T, interval time.Duration, queued int) {
	oldI, oldQ := flushInterval, maxQueued
	flushInterval, maxQueued = interval, queued
	t.Cleanup(func() { flushInterval, maxQueued = oldI, oldQ })
}

// TestRunningRunVisible: another process sees a running run and its
// events within the flush interval, without anyone flushing; the queued
// rows are not committed at once (else the batching is gone).
func TestRunningRunVisible(t *testing.T) {
	setFlush(t, 200*time.Millisecond, 512)
	w, r := openPair(t)
	ctx := context.Background()
	begin(t, w, RunInfo{ID: "live", Workflow: "wf"})
	sink := w.Sink("live")
	for i := range 3 {
		sink.Emit(event.Event{Time: time.Now(), Kind: event.NodeFinished, Node: "n", Index: i, Status: "SUCCESS"})
	}
	start := time.Now()
	if status, n := countEvents(t, r, "live"); status != "" || n != 0 {
		t.Fatalf("right after Emit: status %q, %d events committed; want them queued", status, n)
	}
	for {
		status, n := countEvents(t, r, "live")
		if status == StatusRunning && n == 3 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("after %v: status %q, %d events; want running, 3", time.Since(start), status, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And the reader's own API lists it running.
	runs, err := r.ListRuns(ctx, ListOptions{Status: StatusRunning})
	if err != nil || len(runs) != 1 || runs[0].ID != "live" {
		t.Fatalf("ListRuns running: %v, %v", runs, err)
	}
	if err := sink.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestQueueThreshold: maxQueued rows are committed by the call that queues
// the last of them, timer or not.
func TestQueueThreshold(t *testing.T) {
	setFlush(t, time.Hour, 64)
	w, r := openPair(t)
	begin(t, w, RunInfo{ID: "flood", Workflow: "wf"}) // one queued row
	sink := w.Sink("flood")
	for i := range 63 {
		sink.Emit(event.Event{Kind: event.Log, Message: "x", Index: i})
	}
	if status, n := countEvents(t, r, "flood"); status != StatusRunning || n != 63 {
		t.Fatalf("after 64 queued rows: status %q, %d events; want running, 63", status, n)
	}
	sink.Emit(event.Event{Kind: event.Log, Message: "y"})
	if _, n := countEvents(t, r, "flood"); n != 63 {
		t.Fatalf("the 65th row: %d events committed, want it queued (63)", n)
	}
	if err := sink.Err(); err != nil {
		t.Fatal(err)
	}
	if _, n := countEvents(t, r, "flood"); n != 64 {
		t.Fatalf("after Err: %d events, want 64", n)
	}
}

// TestEndRunCommitsAll: EndRun commits the run's queued start, its events
// and its end together: another process sees all of it as soon as EndRun
// returns, and nothing of it before.
func TestEndRunCommitsAll(t *testing.T) {
	setFlush(t, time.Hour, 512)
	w, r := openPair(t)
	ctx := context.Background()
	in := map[string]any{"x": int64(1)}
	begin(t, w, RunInfo{ID: "short", Workflow: "wf", Inputs: in, Blackboard: map[string]any{"seed": true}})
	sink := w.Sink("short")
	sink.Emit(event.Event{Kind: event.NodeStarted, Node: "a"})
	sink.Emit(event.Event{Kind: event.NodeFinished, Node: "a", Status: "SUCCESS"})
	if status, n := countEvents(t, r, "short"); status != "" || n != 0 {
		t.Fatalf("before EndRun: status %q, %d events; want nothing committed", status, n)
	}
	// A nil blackboard at the end keeps the one recorded at the start,
	// as when the start was committed first.
	if err := w.EndRun(ctx, "short", "success", "", nil, time.Unix(1700000001, 0)); err != nil {
		t.Fatal(err)
	}
	run, evs, err := r.GetRun(ctx, "short")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "success" || !run.Finished.Equal(time.Unix(1700000001, 0)) || run.Inputs["x"] != int64(1) || run.Blackboard["seed"] != true || len(evs) != 2 {
		t.Fatalf("after EndRun: %+v, %d events", run, len(evs))
	}
	if err := sink.Err(); err != nil {
		t.Fatal(err)
	}
	// The id is free in this journal again, and taken in the database.
	if err := w.BeginRun(ctx, RunInfo{ID: "short"}); err == nil {
		t.Error("BeginRun of an id in the database succeeded")
	}
}

// TestIDTakenMeanwhile: a run whose start is queued while another process
// records the same id: its events are not added to the other run, and
// EndRun and the sink's Err say why.
func TestIDTakenMeanwhile(t *testing.T) {
	setFlush(t, time.Hour, 512)
	w, other := openPair(t)
	ctx := context.Background()
	begin(t, w, RunInfo{ID: "dup", Workflow: "mine"})
	sink := w.Sink("dup")
	sink.Emit(event.Event{Kind: event.Log, Message: "mine"})

	begin(t, other, RunInfo{ID: "dup", Workflow: "theirs"})
	if err := other.EndRun(ctx, "dup", "success", "", nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := w.EndRun(ctx, "dup", "failure", "", nil, time.Time{}); err == nil {
		t.Error("EndRun of a run whose id was taken: nil error")
	}
	if err := sink.Err(); err == nil {
		t.Error("sink of a run whose id was taken: Err() = nil")
	}
	run, evs, err := other.GetRun(ctx, "dup")
	if err != nil {
		t.Fatal(err)
	}
	if run.Workflow != "theirs" || run.Status != "success" || len(evs) != 0 {
		t.Errorf("the other run: %+v, %d events; want theirs, success, none of mine", run, len(evs))
	}
}

// TestCloseCommitsQueue: Close commits what is queued; an event after it
// is reported lost, not dropped silently.
func TestCloseCommitsQueue(t *testing.T) {
	setFlush(t, time.Hour, 512)
	path := filepath.Join(t.TempDir(), "weft.db")
	ctx := context.Background()
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	begin(t, j, RunInfo{ID: "c", Workflow: "wf"})
	sink := j.Sink("c")
	sink.Emit(event.Event{Kind: event.Log, Message: "before"})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	sink.Emit(event.Event{Kind: event.Log, Message: "after"})
	if err := sink.Err(); !errors.Is(err, errClosed) {
		t.Errorf("event after Close: Err() = %v, want errClosed", err)
	}
	j, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, evs, err := j.GetRun(ctx, "c")
	if err != nil || len(evs) != 1 || evs[0].Message != "before" {
		t.Errorf("after reopening: %+v, %v; want the one event queued before Close", evs, err)
	}
}

// TestConcurrentEnds: runs ending at the same time (their ends committed
// together, in any grouping) each get their own status and all their
// events, in order.
func TestConcurrentEnds(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	const runs, perRun = 16, 5
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for r := range runs {
		wg.Go(func() {
			id := fmt.Sprintf("r%02d", r)
			if err := j.BeginRun(ctx, RunInfo{ID: id, Workflow: "wf"}); err != nil {
				errs <- err
				return
			}
			sink := j.Sink(id)
			for i := range perRun {
				sink.Emit(event.Event{Kind: event.NodeFinished, Node: id, Index: i, Status: "SUCCESS"})
			}
			if err := j.EndRun(ctx, id, fmt.Sprintf("done-%d", r), "", map[string]any{"r": int64(r)}, time.Time{}); err != nil {
				errs <- err
			}
			if err := sink.Err(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for r := range runs {
		id := fmt.Sprintf("r%02d", r)
		run, evs, err := j.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != fmt.Sprintf("done-%d", r) || run.Blackboard["r"] != int64(r) || len(evs) != perRun {
			t.Fatalf("%s: %+v, %d events", id, run, len(evs))
		}
		for i, e := range evs {
			if e.Node != id || e.Index != i {
				t.Fatalf("%s: event %d is %s #%d", id, i, e.Node, e.Index)
			}
		}
	}
}
