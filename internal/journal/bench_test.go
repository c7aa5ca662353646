// Benchmarks of the journal's writes that compare with baselines measured in
// the same run: events through a Sink (made durable by Sink.Err), the same
// INSERTs committed one by one and all in one explicit transaction, and a
// whole small run (begin, events, end).

package journal

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/event"
)

// benchEvent is a typical node_finished event.
var benchEvent = event.Event{Time: time.Unix(1700000000, 0), Kind: event.NodeFinished, RunID: "bench", Workflow: "wf",
	Node: "fetch", Type: "http.get", Index: 3, Status: "SUCCESS", Duration: 1234 * time.Microsecond}

// beginBench records run "bench" and makes sure it is committed (Sink.Err
// commits what is queued).
func beginBench(b *testing.B, j *Journal) {
	begin(b, j, RunInfo{ID: "bench", Workflow: "wf"})
	if err := j.Sink("bench").Err(); err != nil {
		b.Fatal(err)
	}
}

// insertArgs are insertEventSQL's arguments for benchEvent in run runID.
func insertArgs(runID string) []any {
	e := benchEvent
	return []any{runID, runID, nanos(e.Time), string(e.Kind), e.Node, e.Type, e.Index, e.Status,
		int64(e.Duration), e.Halted, e.Error, e.Level, e.Message, e.Op, nil}
}

// BenchmarkSinkEvents: per event, b.N events through a Sink, durable at the
// end (Sink.Err returns once they are committed).
func BenchmarkSinkEvents(b *testing.B) {
	j := openTest(b)
	beginBench(b, j)
	sink := j.Sink("bench")
	b.ResetTimer()
	for range b.N {
		sink.Emit(benchEvent)
	}
	if err := sink.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkInsertCommitEach: the baseline of a commit per event, the same
// INSERT each in its own autocommit statement.
func BenchmarkInsertCommitEach(b *testing.B) {
	ctx := context.Background()
	j := openTest(b)
	beginBench(b, j)
	stmt, err := j.DB().PrepareContext(ctx, insertEventSQL)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	args := insertArgs("bench")
	b.ResetTimer()
	for range b.N {
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertOneTx: the baseline of the same INSERTs all in one
// explicit transaction, committed at the end.
func BenchmarkInsertOneTx(b *testing.B) {
	ctx := context.Background()
	j := openTest(b)
	beginBench(b, j)
	args := insertArgs("bench")
	b.ResetTimer()
	tx, err := j.DB().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.PrepareContext(ctx, insertEventSQL)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJournalRun: one whole run as Workflow.Run records it: BeginRun,
// a node's two events, EndRun (after which all of it is durable).
func BenchmarkJournalRun(b *testing.B) {
	ctx := context.Background()
	j := openTest(b)
	bb := map[string]any{"add": map[string]any{"sum": int64(42)}}
	started := benchEvent
	started.Kind, started.Status, started.Duration = event.NodeStarted, "", 0
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := "run-" + strconv.Itoa(i)
		if err := j.BeginRun(ctx, RunInfo{ID: id, Workflow: "wf", Inputs: map[string]any{}}); err != nil {
			b.Fatal(err)
		}
		sink := j.Sink(id)
		sink.Emit(started)
		sink.Emit(benchEvent)
		if err := j.EndRun(ctx, id, "success", "", bb, time.Time{}); err != nil {
			b.Fatal(err)
		}
		if err := sink.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
