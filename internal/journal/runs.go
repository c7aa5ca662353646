// Runs in the journal: recording their start and end, listing them, and
// reading one back with its events.

package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/value"
)

// StatusRunning is the status of a run between BeginRun and EndRun, and the
// one a run keeps forever if its process died.
const StatusRunning = "running"

// RunInfo describes one run.
type RunInfo struct {
	ID       string
	Workflow string
	File     string // the workflow file, as given on the command line
	Tenant   string
	// Status is StatusRunning until EndRun, then what EndRun recorded
	// (SUCCESS or FAILURE in practice).
	Status string
	Error  string
	// Started is when the run began; Finished is zero while it runs.
	Started, Finished time.Time
	// Inputs and Blackboard are canonical values (see package value) as
	// they come back from JSON: []byte and time.Time values read back as
	// strings. Blackboard is nil until EndRun records it.
	Inputs, Blackboard map[string]any
}

const runColumns = `id, workflow, file, tenant, status, error, started_ns, finished_ns, inputs, blackboard`

// insertRunSQL records a run's start (BeginRun's queued row).
const insertRunSQL = `INSERT INTO runs (id, workflow, file, tenant, status, started_ns, inputs, blackboard, owner)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertEndedSQL records a whole run whose start was still queued when it
// ended.
const insertEndedSQL = `INSERT INTO runs (id, workflow, file, tenant, status, started_ns, inputs, blackboard, owner, error, finished_ns)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// endRunSQL records a run's end.
const endRunSQL = `UPDATE runs SET status = ?, error = ?, blackboard = COALESCE(?, blackboard), finished_ns = ?
	WHERE id = ?`

// BeginRun records the start of run r with status StatusRunning.
//
//	err := j.BeginRun(ctx, journal.RunInfo{ID: id, Workflow: wf.ID, File: path, Inputs: in, Started: time.Now()})
//
// # Errors
//
// BeginRun fails if r.ID is empty or already recorded (or begun and not
// ended in this journal), if Inputs or Blackboard cannot be encoded as
// JSON, or if the database cannot be read.
//
// # Notes
//
//   - r.Status, r.Error and r.Finished are ignored; a zero r.Started means
//     now.
//   - The row is queued, like events (see the package doc): it is
//     committed with the run's first batch, at the latest by EndRun. If
//     another process records the same id meanwhile, the run's events are
//     not written and EndRun (and its sinks' Err) report why.
func (j *Journal) BeginRun(ctx context.Context, r RunInfo) error {
	if r.ID == "" {
		return errors.New("journal: begin run: empty run id")
	}
	if r.Started.IsZero() {
		r.Started = time.Now()
	}
	inputs, err := encodeMap(r.Inputs)
	if err != nil {
		return fmt.Errorf("journal: begin run %s: inputs: %w", r.ID, err)
	}
	bb, err := encodeMap(r.Blackboard)
	if err != nil {
		return fmt.Errorf("journal: begin run %s: blackboard: %w", r.ID, err)
	}
	j.mu.Lock()
	_, dup := j.runs[r.ID]
	j.mu.Unlock()
	if !dup {
		var one int
		switch err := j.runExists.QueryRowContext(ctx, r.ID).Scan(&one); {
		case err == nil:
			dup = true
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("journal: begin run %s: %w", r.ID, err)
		}
	}
	st := &runState{}
	b := &beginOp{r: r, inputs: inputs, bboard: bb, state: st}
	st.queued = b
	j.mu.Lock()
	if _, again := j.runs[r.ID]; again {
		dup = true
	}
	closed := j.closed
	if !dup && !closed {
		j.runs[r.ID] = st
	}
	j.mu.Unlock()
	switch {
	case dup:
		return fmt.Errorf("journal: begin run %s: a run with this id is already recorded", r.ID)
	case closed:
		return fmt.Errorf("journal: begin run %s: %w", r.ID, errClosed)
	}
	j.enqueue(op{begin: b})
	return nil
}

// EndRun records the end of run id: its final status, error text (empty on
// success), final blackboard and finish time, in one transaction with
// everything queued before (the run's start and events among them), and
// with the ends of other runs that end at the same time.
//
//	err := j.EndRun(ctx, id, res.Status.String(), errText, res.Blackboard, time.Now())
//
// # Errors
//
// EndRun fails with an error wrapping ErrNotFound if BeginRun did not
// record id; with the reason if its start could not be recorded; if the
// blackboard cannot be encoded, or if the transaction fails.
//
// # Notes
//
//   - A nil blackboard keeps the one recorded before, if any; a zero
//     finished means now.
//   - Once it returns nil, the run and the events emitted before the call
//     survive a crash of the process.
//   - The write is not cancelled with ctx (it may carry other runs' rows).
func (j *Journal) EndRun(ctx context.Context, id, status, errText string, blackboard map[string]any, finished time.Time) error {
	if finished.IsZero() {
		finished = time.Now()
	}
	bb, err := encodeMap(blackboard)
	if err != nil {
		return fmt.Errorf("journal: end run %s: blackboard: %w", id, err)
	}
	j.mu.Lock()
	st := j.runs[id]
	j.mu.Unlock()
	e := &endOp{id: id, state: st, status: status, errText: errText, bboard: bb, finished: finished, done: make(chan struct{})}
	j.enqueue(op{end: e})
	// Group commit: whoever holds writeMu commits every end queued so far;
	// one that finds its end committed meanwhile has nothing to do.
	j.writeMu.Lock()
	select {
	case <-e.done:
	default:
		_ = j.flushLocked(ctx) // its error is e.err too
	}
	j.writeMu.Unlock()
	<-e.done
	j.mu.Lock()
	if st != nil && j.runs[id] == st {
		delete(j.runs, id)
	}
	j.mu.Unlock()
	return e.err
}

// ListOptions select the runs ListRuns returns.
type ListOptions struct {
	Limit    int    // at most this many runs; 0 or less: all
	Workflow string // only runs of this workflow, if not empty
	Status   string // only runs with this status, if not empty
}

// ListRuns returns the runs selected by o, newest (latest Started) first.
//
//	runs, err := j.ListRuns(ctx, journal.ListOptions{Limit: 20, Status: journal.StatusRunning})
//
// # Errors
//
// The query's error, or a corrupt JSON column.
func (j *Journal) ListRuns(ctx context.Context, o ListOptions) ([]RunInfo, error) {
	j.flushForRead(ctx)
	var where []string
	var args []any
	if o.Workflow != "" {
		where = append(where, "workflow = ?")
		args = append(args, o.Workflow)
	}
	if o.Status != "" {
		where = append(where, "status = ?")
		args = append(args, o.Status)
	}
	q := "SELECT " + runColumns + " FROM runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_ns DESC, id DESC"
	if o.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, o.Limit)
	}
	runs, err := j.queryRuns(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("journal: list runs: %w", err)
	}
	return runs, nil
}

// GetRun returns the run whose id is idOrPrefix, or else the only run whose
// id starts with it, and the run's events in the order they were emitted.
//
//	run, events, err := j.GetRun(ctx, "01J9Z")
//
// # Errors
//
// An error wrapping ErrNotFound when no run matches (or idOrPrefix is
// empty), ErrAmbiguous when several do, or the query's error.
//
// # Notes
//
// Events get RunID and Workflow from the run. Event.Data reads back as
// decoded JSON in the canonical form of package value (integers int64).
func (j *Journal) GetRun(ctx context.Context, idOrPrefix string) (*RunInfo, []event.Event, error) {
	if idOrPrefix == "" {
		return nil, nil, fmt.Errorf("journal: get run: empty id: %w", ErrNotFound)
	}
	j.flushForRead(ctx)
	runs, err := j.queryRuns(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", idOrPrefix)
	if err == nil && len(runs) == 0 {
		// The ids starting with the prefix are the ids in [prefix, prefix+"\xff"):
		// 0xff is above every byte of UTF-8 text, and the range uses the index.
		runs, err = j.queryRuns(ctx,
			"SELECT "+runColumns+" FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT 3",
			idOrPrefix, idOrPrefix+"\xff")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("journal: get run %s: %w", idOrPrefix, err)
	}
	switch len(runs) {
	case 0:
		return nil, nil, fmt.Errorf("journal: run %s: %w", idOrPrefix, ErrNotFound)
	case 1:
	default:
		ids := make([]string, 0, len(runs))
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		if len(runs) > 2 {
			ids = append(ids[:2], "...")
		}
		return nil, nil, fmt.Errorf("journal: run %s: %w: matches %s", idOrPrefix, ErrAmbiguous, strings.Join(ids, ", "))
	}
	run := &runs[0]
	events, err := j.events(ctx, run)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: get run %s: %w", run.ID, err)
	}
	return run, events, nil
}

// flushForRead commits what is queued, so that a read through j sees it.
// A failed commit is recorded on the sinks and runs it concerns; the read
// goes on with what is committed.
func (j *Journal) flushForRead(ctx context.Context) {
	j.mu.Lock()
	n := len(j.queue)
	j.mu.Unlock()
	if n > 0 {
		_ = j.Flush(ctx)
	}
}

func (j *Journal) queryRuns(ctx context.Context, q string, args ...any) ([]RunInfo, error) {
	rows, err := j.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []RunInfo
	for rows.Next() {
		var r RunInfo
		var started, finished sql.NullInt64
		var inputs, bb sql.NullString
		if err := rows.Scan(&r.ID, &r.Workflow, &r.File, &r.Tenant, &r.Status, &r.Error,
			&started, &finished, &inputs, &bb); err != nil {
			return nil, err
		}
		r.Started, r.Finished = fromNanos(started), fromNanos(finished)
		if r.Inputs, err = decodeMap(inputs); err != nil {
			return nil, fmt.Errorf("run %s: inputs: %w", r.ID, err)
		}
		if r.Blackboard, err = decodeMap(bb); err != nil {
			return nil, fmt.Errorf("run %s: blackboard: %w", r.ID, err)
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

func (j *Journal) events(ctx context.Context, run *RunInfo) ([]event.Event, error) {
	rows, err := j.db.QueryContext(ctx,
		`SELECT seq, time_ns, kind, node, type, node_index, status, duration_ns, halted, error, level, message, op, data
		 FROM events WHERE run_id = ? ORDER BY seq`, run.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []event.Event
	for rows.Next() {
		var (
			seq  int64
			tm   sql.NullInt64
			kind string
			data sql.NullString
			dur  int64
		)
		e := event.Event{RunID: run.ID, Workflow: run.Workflow}
		if err := rows.Scan(&seq, &tm, &kind, &e.Node, &e.Type, &e.Index, &e.Status, &dur, &e.Halted,
			&e.Error, &e.Level, &e.Message, &e.Op, &data); err != nil {
			return nil, err
		}
		e.Time, e.Kind, e.Duration = fromNanos(tm), event.Kind(kind), time.Duration(dur)
		if data.Valid {
			if e.Data, err = value.FromJSON([]byte(data.String)); err != nil {
				return nil, fmt.Errorf("event %d: data: %w", seq, err)
			}
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// nanos is t as unix nanoseconds, or NULL for the zero time.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64)
}

// encodeMap is m as JSON text, or NULL for a nil map.
func encodeMap(m map[string]any) (any, error) {
	if m == nil {
		return nil, nil
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return string(data), nil
}

func decodeMap(s sql.NullString) (map[string]any, error) {
	if !s.Valid {
		return nil, nil
	}
	v, err := value.FromJSON([]byte(s.String))
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("JSON is a %s, not an object", value.TypeName(v))
	}
	return m, nil
}
