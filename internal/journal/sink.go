// The journal's event sink: each event of a run queued for the journal's
// next batch (see writer.go), committed at the latest by the run's EndRun.

package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/weft-dev/weft/internal/event"
)

// insertEventSQL gives each event the next sequence number of its run. The
// statement runs in a write transaction, so the number is computed under
// the write lock and is unique even with several sinks, or processes,
// writing events of the same run.
const insertEventSQL = `INSERT INTO events
	(run_id, seq, time_ns, kind, node, type, node_index, status, duration_ns, halted, error, level, message, op, data)
	VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE run_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// Sink is an event.Sink that records the events of one run in the journal.
// It is safe for concurrent use.
//
//	sink := j.Sink(runID)
//	res := tree.Run(ctx, bt.RunOptions{ID: runID, Sink: event.Multi(sink, trace)})
//	if err := sink.Err(); err != nil { ... }
//
// # Errors
//
// Emit cannot return an error; the first one is kept and returned by
// [Sink.Err]. Inserting fails, for instance, when BeginRun did not record
// the run (the events table references the runs table).
//
// # Notes
//
//   - Emit queues the event (see the package doc): it is committed with
//     the journal's next batch, at the latest flushInterval later, and
//     always by the run's EndRun, Flush or Err; only then does it survive
//     a crash of the process.
//   - Events get sequence numbers 1, 2, ... per run, in the order Emit was
//     called; GetRun returns them in that order.
//   - RunStarted and RunFinished events are not stored: BeginRun and EndRun
//     record the same facts in the runs table.
//   - Every event is stored under the sink's run id, whatever its RunID.
//   - Emit does not take the run's context: the events of a cancelled run
//     (its halts, its failure) are recorded too.
type Sink struct {
	j     *Journal
	runID string
	state *runState // the run's, if begun in this journal and not ended

	mu  sync.Mutex
	err error
}

// Sink returns a sink recording events of run runID, which BeginRun must
// have recorded.
func (j *Journal) Sink(runID string) *Sink {
	j.mu.Lock()
	st := j.runs[runID]
	j.mu.Unlock()
	return &Sink{j: j, runID: runID, state: st}
}

// Emit queues e, unless it is a RunStarted or RunFinished event.
func (s *Sink) Emit(e event.Event) {
	if e.Kind == event.RunStarted || e.Kind == event.RunFinished {
		return
	}
	var data any // NULL unless e has data
	if e.Data != nil {
		b, err := json.Marshal(e.Data)
		if err != nil {
			// Keep the event without its data rather than lose it.
			s.setErr(fmt.Errorf("journal: run %s: encode data of %s event of node %q: %w", s.runID, e.Kind, e.Node, err))
		} else {
			data = string(b)
		}
	}
	s.j.enqueue(op{sink: s, args: []any{
		s.runID, s.runID, nanos(e.Time), string(e.Kind), e.Node, e.Type, e.Index, e.Status,
		int64(e.Duration), e.Halted, e.Error, e.Level, e.Message, e.Op, data}})
}

func (s *Sink) setErr(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// Err commits the events queued so far (those of every sink of the
// journal) and returns the first error met while recording this sink's
// events, or nil: once it returns nil, every event emitted before the call
// is durable.
//
// # Errors
//
// The error wraps the driver's (or the JSON encoder's) error.
func (s *Sink) Err() error {
	// A failed commit is recorded on the sinks whose events it lost.
	_ = s.j.Flush(context.Background())
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
