// Tests of the journal against real SQLite files: schema, run round trip,
// listing, id prefixes, concurrent sinks, and the insert benchmark.

package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// openTest opens a journal in a fresh temporary directory and closes it at
// the end of the test.
func openTest(t testing.TB) *Journal {
	t.Helper()
	j, err := Open(context.Background(), filepath.Join(t.TempDir(), "state", "weft.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := j.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return j
}

func begin(t testing.TB, j *Journal, r RunInfo) {
	t.Helper()
	if err := j.BeginRun(context.Background(), r); err != nil {
		t.Fatalf("BeginRun(%s): %v", r.ID, err)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "weft.db")
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode %v, want 0700", perm)
	}
	pragmas := []struct {
		name string
		want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "1"}, // NORMAL
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeoutMS)},
		{"user_version", fmt.Sprint(schemaVersion())},
	}
	for _, p := range pragmas {
		var got string
		if err := j.DB().QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", p.name, err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %s, want %s", p.name, got, p.want)
		}
	}
	if _, err := j.DB().ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if j2, err := Open(ctx, path); err == nil {
		j2.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	}
}

func TestOpenTwiceKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	begin(t, j, RunInfo{ID: "r1", Workflow: "wf"})
	// A second Open while the first is still open: the schema is there, no
	// migration runs again.
	j2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer j2.Close()
	j.Close()
	if _, _, err := j2.GetRun(ctx, "r1"); err != nil {
		t.Fatalf("GetRun after reopen: %v", err)
	}
}

func TestRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	t0 := time.Unix(1700000000, 123456789)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

	in := RunInfo{
		ID: "01RUN", Workflow: "deploy", File: "flows/deploy.yaml", Tenant: "acme",
		Started: t0,
		Inputs:  map[string]any{"env": "prod", "replicas": int64(3), "ratio": 0.5, "tags": []any{"a", int64(1)}, "opts": map[string]any{"dry": true, "none": nil}},
	}
	begin(t, j, in)

	events := []event.Event{
		{Time: at(1), Kind: event.NodeStarted, Node: "root", Type: "Sequence", Index: 0},
		{Time: at(2), Kind: event.NodeStarted, Node: "fetch", Type: "http.get", Index: 1},
		{Time: at(3), Kind: event.Log, Node: "fetch", Type: "http.get", Index: 1, Level: "info", Message: "GET https://x"},
		{Time: at(4), Kind: event.HostCall, Node: "fetch", Type: "http.get", Index: 1, Op: "http.request", Duration: 1500 * time.Microsecond,
			Data: map[string]any{"status": int64(200), "bytes": int64(1 << 40), "headers": []any{"a", "b"}}},
		{Time: at(5), Kind: event.Stream, Node: "fetch", Type: "http.get", Index: 1, Data: "chunk of text"},
		{Time: at(6), Kind: event.NodeFinished, Node: "fetch", Type: "http.get", Index: 1, Status: "FAILURE", Duration: 4 * time.Millisecond, Error: "HTTP 500"},
		{Time: at(7), Kind: event.NodeFinished, Node: "slow", Type: "Sleep", Index: 2, Status: "halted", Halted: true, Duration: time.Second},
		{Time: at(8), Kind: event.NodeFinished, Node: "root", Type: "Sequence", Index: 0, Status: "FAILURE", Duration: 7 * time.Millisecond},
	}
	sink := j.Sink(in.ID)
	sink.Emit(event.Event{Time: t0, Kind: event.RunStarted, RunID: in.ID})
	for _, e := range events {
		e.RunID, e.Workflow = in.ID, in.Workflow
		sink.Emit(e)
	}
	sink.Emit(event.Event{Time: at(9), Kind: event.RunFinished, RunID: in.ID, Status: "FAILURE"})
	if err := sink.Err(); err != nil {
		t.Fatalf("Sink.Err: %v", err)
	}

	// While running.
	run, _, err := j.GetRun(ctx, in.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	if run.Status != StatusRunning || !run.Finished.IsZero() || run.Blackboard != nil {
		t.Errorf("running run = %+v, want status running, zero Finished, nil Blackboard", run)
	}

	bb := map[string]any{"env": "prod", "count": int64(-7), "big": int64(9007199254740993)}
	if err := j.EndRun(ctx, in.ID, "FAILURE", "node fetch failed", bb, at(9)); err != nil {
		t.Fatalf("EndRun: %v", err)
	}
	run, got, err := j.GetRun(ctx, in.ID)
	if err != nil {
		t.Fatalf("GetRun: %v", err)
	}
	want := in
	want.Status, want.Error, want.Finished, want.Blackboard = "FAILURE", "node fetch failed", at(9), bb
	if !reflect.DeepEqual(*run, want) {
		t.Errorf("run:\n got %+v\nwant %+v", *run, want)
	}
	if len(got) != len(events) {
		t.Fatalf("got %d events, want %d (run_started/run_finished not stored)", len(got), len(events))
	}
	for i := range events {
		w := events[i]
		w.RunID, w.Workflow = in.ID, in.Workflow
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got[i], w)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	begin(t, j, RunInfo{ID: "r1"})

	if err := j.BeginRun(ctx, RunInfo{ID: "r1"}); err == nil {
		t.Error("BeginRun of a duplicate id succeeded")
	}
	if err := j.BeginRun(ctx, RunInfo{}); err == nil {
		t.Error("BeginRun without id succeeded")
	}
	if err := j.EndRun(ctx, "nope", "SUCCESS", "", nil, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Errorf("EndRun of unknown run: %v, want ErrNotFound", err)
	}

	s := j.Sink("unknown")
	s.Emit(event.Event{Kind: event.Log, Message: "x"})
	if s.Err() == nil {
		t.Error("Sink of a run never begun: Err() = nil, want a foreign key error")
	}

	s = j.Sink("r1")
	s.Emit(event.Event{Kind: event.Stream, Node: "n", Data: make(chan int)})
	if s.Err() == nil {
		t.Error("unencodable data: Err() = nil")
	}
	_, evs, err := j.GetRun(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Node != "n" || evs[0].Data != nil {
		t.Errorf("event with unencodable data: got %+v, want it kept without data", evs)
	}
}

func TestListRuns(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	t0 := time.Unix(1700000000, 0)
	// Started out of insertion order, to check the sort.
	seed := []struct {
		id, workflow string
		minute       int
		status       string // "" stays running
	}{
		{"r3", "build", 3, "SUCCESS"},
		{"r1", "build", 1, "FAILURE"},
		{"r5", "deploy", 5, ""},
		{"r2", "deploy", 2, "SUCCESS"},
		{"r4", "build", 4, ""},
	}
	for _, s := range seed {
		begin(t, j, RunInfo{ID: s.id, Workflow: s.workflow, Started: t0.Add(time.Duration(s.minute) * time.Minute)})
		if s.status != "" {
			if err := j.EndRun(ctx, s.id, s.status, "", nil, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name string
		o    ListOptions
		want []string
	}{
		{"all newest first", ListOptions{}, []string{"r5", "r4", "r3", "r2", "r1"}},
		{"limit", ListOptions{Limit: 2}, []string{"r5", "r4"}},
		{"workflow", ListOptions{Workflow: "build"}, []string{"r4", "r3", "r1"}},
		{"status", ListOptions{Status: "SUCCESS"}, []string{"r3", "r2"}},
		{"running", ListOptions{Status: StatusRunning}, []string{"r5", "r4"}},
		{"workflow and status and limit", ListOptions{Workflow: "build", Status: StatusRunning, Limit: 5}, []string{"r4"}},
		{"no match", ListOptions{Workflow: "nope"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs, err := j.ListRuns(ctx, tc.o)
			if err != nil {
				t.Fatalf("ListRuns: %v", err)
			}
			var ids []string
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("ListRuns(%+v) = %v, want %v", tc.o, ids, tc.want)
			}
		})
	}
}

func TestGetRunPrefix(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	for _, id := range []string{"01HAAA1", "01HAAA2", "01HBBB", "abc", "abcd"} {
		begin(t, j, RunInfo{ID: id, Workflow: "wf"})
	}
	tests := []struct {
		arg     string
		want    string // id found, when wantErr is nil
		wantErr error
	}{
		{"01HBBB", "01HBBB", nil},
		{"01HB", "01HBBB", nil},
		{"01HAAA2", "01HAAA2", nil},
		{"abc", "abc", nil}, // an exact id wins over the ids it prefixes
		{"abcd", "abcd", nil},
		{"ab", "", ErrAmbiguous},
		{"01HAAA", "", ErrAmbiguous},
		{"01", "", ErrAmbiguous},
		{"zz", "", ErrNotFound},
		{"01HAAA3", "", ErrNotFound},
		{"", "", ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			run, _, err := j.GetRun(ctx, tc.arg)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("GetRun(%q) error = %v, want %v", tc.arg, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetRun(%q): %v", tc.arg, err)
			}
			if run.ID != tc.want {
				t.Errorf("GetRun(%q) = %s, want %s", tc.arg, run.ID, tc.want)
			}
		})
	}
}

func TestConcurrentEmit(t *testing.T) {
	ctx := context.Background()
	j := openTest(t)
	const goroutines, perG = 8, 100
	begin(t, j, RunInfo{ID: "par", Workflow: "wf"})
	begin(t, j, RunInfo{ID: "other", Workflow: "wf"})
	sink := j.Sink("par")
	other := j.Sink("other") // a second run writing at the same time
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				sink.Emit(event.Event{Time: time.Now(), Kind: event.NodeFinished, Node: fmt.Sprintf("g%d", g), Index: i, Status: "SUCCESS"})
				if i%10 == 0 {
					other.Emit(event.Event{Time: time.Now(), Kind: event.Log, Message: "x"})
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(sink.Err(), other.Err()); err != nil {
		t.Fatalf("Sink.Err: %v", err)
	}

	var n, distinct, lo, hi int
	if err := j.DB().QueryRowContext(ctx,
		"SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM events WHERE run_id = 'par'").
		Scan(&n, &distinct, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if n != goroutines*perG || distinct != n || lo != 1 || hi != n {
		t.Errorf("events: count %d, distinct seq %d, seq %d..%d; want %d distinct, 1..%d", n, distinct, lo, hi, goroutines*perG, goroutines*perG)
	}
	_, evs, err := j.GetRun(ctx, "par")
	if err != nil {
		t.Fatal(err)
	}
	// Every event is there, and each goroutine's events are in its order.
	next := map[string]int{}
	for _, e := range evs {
		if e.Index != next[e.Node] {
			t.Fatalf("event %s #%d after #%d: lost or reordered", e.Node, e.Index, next[e.Node]-1)
		}
		next[e.Node]++
	}
	for g := range goroutines {
		if got := next[fmt.Sprintf("g%d", g)]; got != perG {
			t.Errorf("goroutine %d: %d events, want %d", g, got, perG)
		}
	}
	_, evs, err = j.GetRun(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if want := goroutines * perG / 10; len(evs) != want {
		t.Errorf("other run: %d events, want %d", len(evs), want)
	}
}

// BenchmarkEmit measures one node_finished event queued and, amortised,
// committed (Emit commits the queue each time it reaches maxQueued events;
// the timer may commit smaller batches). BenchmarkSinkEvents (bench_test.go)
// is the same with the last batch's commit timed too.
func BenchmarkEmit(b *testing.B) {
	j := openTest(b)
	begin(b, j, RunInfo{ID: "bench", Workflow: "wf"})
	sink := j.Sink("bench")
	e := event.Event{Time: time.Now(), Kind: event.NodeFinished, RunID: "bench", Workflow: "wf",
		Node: "fetch", Type: "http.get", Index: 3, Status: "SUCCESS", Duration: 1234 * time.Microsecond}
	for b.Loop() {
		sink.Emit(e)
	}
	if err := sink.Err(); err != nil {
		b.Fatal(err)
	}
}

// TestLiveRunsStayRunning: opening the journal again while the process
// that runs a run lives leaves the run running; a run of a process that is
// gone (here, a pid that cannot exist) is marked interrupted.
func TestLiveRunsStayRunning(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	j, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.BeginRun(ctx, RunInfo{ID: "live", Workflow: "w"}); err != nil {
		t.Fatal(err)
	}
	if err := j.BeginRun(ctx, RunInfo{ID: "gone", Workflow: "w"}); err != nil {
		t.Fatal(err)
	}
	// The starts are queued; commit them for the UPDATE and the other Open.
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := j.DB().ExecContext(ctx, `UPDATE runs SET owner = '2147483646:1' WHERE id = 'gone'`); err != nil {
		t.Fatal(err)
	}
	j2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for id, want := range map[string]string{"live": StatusRunning, "gone": StatusInterrupted} {
		r, _, err := j2.GetRun(ctx, id)
		if err != nil || r.Status != want {
			t.Errorf("%s: %+v %v; want %s", id, r, err, want)
		}
	}
}
