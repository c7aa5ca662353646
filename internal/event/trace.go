// The --trace sink: every event of a run written as one JSON line, as it
// happens, so that a trace file is complete up to the moment a process died.

package event

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// TraceWriter is a Sink that writes each event to an io.Writer as one line of
// JSON (JSONL), in the form of [Event.MarshalJSON].
//
//	tw := event.NewTraceWriter(f)
//	res := tree.Run(ctx, bt.RunOptions{Sink: tw})
//	if err := tw.Err(); err != nil { ... }
//
// # Errors
//
// Emit cannot return an error; the first one is kept and returned by
// [TraceWriter.Err].
//
// # Notes
//
//   - Emit is safe for concurrent use: lines are never interleaved.
//   - Each line is handed to the writer in a single Write call before Emit
//     returns. When the writer has a Flush() error method (a *bufio.Writer),
//     it is flushed after every line, so no event sits in a user-space buffer
//     when the process dies.
//   - After a write or flush error, later events are dropped: a short write
//     would otherwise leave a partial line for the next one to be glued to.
//   - An event whose Data cannot be encoded is skipped (and its error kept);
//     later events are still written.
//   - The writer is not closed by the TraceWriter; its owner closes it.
type TraceWriter struct {
	w     io.Writer
	flush func() error // nil unless w can be flushed

	mu     sync.Mutex
	err    error
	failed bool // a write or flush failed; write nothing more
}

// flusher is implemented by *bufio.Writer and other buffering writers.
type flusher interface {
	Flush() error
}

// NewTraceWriter returns a TraceWriter that writes to w.
//
//	tw := event.NewTraceWriter(bufio.NewWriter(f))
func NewTraceWriter(w io.Writer) *TraceWriter {
	t := &TraceWriter{w: w}
	if f, ok := w.(flusher); ok {
		t.flush = f.Flush
	}
	return t
}

// Emit writes e as one JSON line.
func (t *TraceWriter) Emit(e Event) {
	line, err := json.Marshal(e) // outside the lock: encoding is the slow part
	if err != nil {
		t.mu.Lock()
		t.setErr(fmt.Errorf("trace: encode %s event of node %q: %w", e.Kind, e.Node, err))
		t.mu.Unlock()
		return
	}
	line = append(line, '\n')

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failed {
		return
	}
	if _, err := t.w.Write(line); err != nil {
		t.failed = true
		t.setErr(fmt.Errorf("trace: write: %w", err))
		return
	}
	if t.flush != nil {
		if err := t.flush(); err != nil {
			t.failed = true
			t.setErr(fmt.Errorf("trace: flush: %w", err))
		}
	}
}

// setErr keeps err unless an error is already kept. t.mu must be held.
func (t *TraceWriter) setErr(err error) {
	if t.err == nil {
		t.err = err
	}
}

// Err returns the first error met while encoding or writing events, or nil.
//
// # Errors
//
// The error wraps the writer's (or the JSON encoder's) error.
func (t *TraceWriter) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
