// writer.go: the journal's batched writes. Run starts, events and run ends
// are queued in memory and written together, in one transaction, when a
// run ends (EndRun waits for it), when a short timer fires, when the queue
// is long, on Flush, Sink.Err, a read of this journal, and Close. A short
// run costs one commit instead of one per event, and runs ending at the
// same time share one (group commit).

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// flushInterval is how long a queued write waits at most before the timer
// commits it: the window in which a crash of the process can lose it, and
// how late another process's readers may see a running run's events.
// Tests shorten or lengthen it.
var flushInterval = 25 * time.Millisecond

// maxQueued is the queue length at which the queuing call commits the
// queue itself instead of waiting for the timer (memory stays bounded and a
// flood of events is written in batches of this size).
var maxQueued = 512

// errClosed is recorded for writes queued after Close.
var errClosed = errors.New("journal: closed")

// op is one queued write: a run's start (begin set), a run's end (end
// set), or an event (sink and args set).
type op struct {
	begin *beginOp
	end   *endOp
	sink  *Sink
	args  []any // insertEventSQL's arguments for an event
}

type beginOp struct {
	r              RunInfo
	inputs, bboard any
	state          *runState
	// end is set when the run's end is in the same batch: the run's row is
	// then inserted as ended, with no UPDATE after.
	end *endOp
}

// endOp is a queued EndRun, which waits on done.
type endOp struct {
	id              string
	state           *runState // nil for a run not begun in this journal
	status, errText string
	bboard          any // NULL keeps the blackboard recorded at the start
	finished        time.Time

	merged bool  // written by its run's begin op
	err    error // set before done is closed
	done   chan struct{}
}

// runState is what the journal knows of a run begun in this process and
// not yet ended. Its fields are guarded by Journal.writeMu.
type runState struct {
	// queued is the run's start while it is queued, nil once committed.
	queued *beginOp
	// err is why its start could not be recorded, once a flush tried: its
	// events are then not written (they would land on a run of the same id
	// written by someone else) and EndRun reports err.
	err error
}

// enqueue queues o and arms the timer, or commits the queue now when it is
// long.
func (j *Journal) enqueue(o op) {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		switch {
		case o.sink != nil:
			o.sink.setErr(fmt.Errorf("journal: run %s: event after Close: %w", o.sink.runID, errClosed))
		case o.end != nil:
			o.end.err = fmt.Errorf("journal: end run %s: %w", o.end.id, errClosed)
			close(o.end.done)
		}
		return
	}
	j.queue = append(j.queue, o)
	n := len(j.queue)
	if n == 1 {
		if j.timer == nil {
			j.timer = time.AfterFunc(flushInterval, j.timerFlush)
		} else {
			j.timer.Reset(flushInterval)
		}
	}
	j.mu.Unlock()
	if n >= maxQueued {
		j.Flush(context.Background())
	}
}

func (j *Journal) timerFlush() {
	// Errors are recorded on the sinks (and the runs) they concern.
	_ = j.Flush(context.Background())
}

// Flush commits every queued write in one transaction. After it returns,
// they survive a crash of the process.
//
//	sink.Emit(e)
//	err := j.Flush(ctx) // e is durable now
//
// # Errors
//
// Beginning or committing the transaction failed (for instance, another
// process held the database's write lock longer than the busy timeout):
// the queued writes are then lost, and the error is also recorded on the
// sinks and runs they belong to. A write that fails on its own (an event of
// a run never begun) is recorded on its sink or run, not returned.
//
// # Notes
//
// The commit is not cancelled with ctx: the batch holds other callers'
// writes too.
func (j *Journal) Flush(ctx context.Context) error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	return j.flushLocked(ctx)
}

// flushLocked commits the queue. j.writeMu must be held.
func (j *Journal) flushLocked(ctx context.Context) error {
	j.mu.Lock()
	ops := j.queue
	j.queue = j.spare[:0]
	j.spare = nil
	j.mu.Unlock()
	if len(ops) == 0 {
		j.recycle(ops)
		return nil
	}
	err := j.commit(context.WithoutCancel(ctx), ops)
	for _, o := range ops {
		if err != nil {
			j.fail(o, err)
		}
		if e := o.end; e != nil {
			close(e.done)
		}
	}
	j.recycle(ops)
	return err
}

func (j *Journal) commit(ctx context.Context, ops []op) (err error) {
	// A run whose start and end are both in this batch is inserted ended.
	// Its start is before its end in the queue, so its state's queued
	// start is in this batch exactly when it is not nil here.
	for _, o := range ops {
		if e := o.end; e != nil && e.state != nil && e.state.queued != nil {
			e.state.queued.end = e
			e.merged = true
		}
	}
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: write: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var insertRun, insertEvent *sql.Stmt
	for _, o := range ops {
		switch {
		case o.begin != nil:
			b := o.begin
			b.state.queued = nil
			r := b.r
			var err error
			if e := b.end; e != nil {
				bb := e.bboard
				if bb == nil {
					bb = b.bboard
				}
				_, err = tx.StmtContext(ctx, j.insertEnded).ExecContext(ctx, r.ID, r.Workflow, r.File, r.Tenant, e.status,
					nanos(r.Started), b.inputs, bb, thisProcess, e.errText, nanos(e.finished))
			} else {
				if insertRun == nil {
					insertRun = tx.StmtContext(ctx, j.insertRun)
				}
				_, err = insertRun.ExecContext(ctx, r.ID, r.Workflow, r.File, r.Tenant, StatusRunning,
					nanos(r.Started), b.inputs, b.bboard, thisProcess)
			}
			if err != nil {
				b.state.err = fmt.Errorf("journal: begin run %s: %w", r.ID, err)
			}
		case o.end != nil:
			j.writeEnd(ctx, tx, o.end)
		default:
			if st := o.sink.state; st != nil && st.err != nil {
				o.sink.setErr(fmt.Errorf("journal: run %s: event not recorded: %w", o.sink.runID, st.err))
				continue
			}
			if insertEvent == nil {
				insertEvent = tx.StmtContext(ctx, j.insertEvent)
			}
			if _, err := insertEvent.ExecContext(ctx, o.args...); err != nil {
				o.sink.setErr(fmt.Errorf("journal: run %s: insert %s event of node %q: %w", o.sink.runID, o.args[3], o.args[4], err))
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: write: %w", err)
	}
	return nil
}

// writeEnd records the end e in tx, or sets e.err to why it cannot. A
// failed statement leaves the transaction, and the other writes of the
// batch, as they were.
func (j *Journal) writeEnd(ctx context.Context, tx *sql.Tx, e *endOp) {
	if st := e.state; st != nil && st.err != nil {
		e.err = fmt.Errorf("journal: end run %s: %w", e.id, st.err)
		return
	}
	if e.merged {
		return // written with the run's start
	}
	res, err := tx.StmtContext(ctx, j.endRun).ExecContext(ctx, e.status, e.errText, e.bboard, nanos(e.finished), e.id)
	if err != nil {
		e.err = fmt.Errorf("journal: end run %s: %w", e.id, err)
		return
	}
	switch n, err := res.RowsAffected(); {
	case err != nil:
		e.err = fmt.Errorf("journal: end run %s: %w", e.id, err)
	case n == 0:
		e.err = fmt.Errorf("journal: end run %s: %w", e.id, ErrNotFound)
	}
}

// fail records err on the sink or run of o, whose write was lost.
func (j *Journal) fail(o op, err error) {
	switch {
	case o.begin != nil:
		if o.begin.state.err == nil {
			o.begin.state.err = fmt.Errorf("journal: begin run %s: %w", o.begin.r.ID, err)
		}
	case o.end != nil:
		o.end.err = fmt.Errorf("journal: end run %s: %w", o.end.id, err)
	default:
		o.sink.setErr(fmt.Errorf("journal: run %s: %s event of node %q lost: %w", o.sink.runID, o.args[3], o.args[4], err))
	}
}

// recycle keeps ops' array for the next queue.
func (j *Journal) recycle(ops []op) {
	clear(ops)
	j.mu.Lock()
	if j.spare == nil {
		j.spare = ops[:0]
	}
	j.mu.Unlock()
}
