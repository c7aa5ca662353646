// Package event defines the events a run emits (node started and finished,
// log lines, host calls, stream data) and the sinks that consume them: the
// --trace JSONL writer, the journal, the live progress view.
package event

import (
	"encoding/json"
	"sync"
	"time"
)

// Kind names an event's kind as it appears in traces and the journal.
type Kind string

// The kinds of events.
const (
	RunStarted   Kind = "run_started"
	RunFinished  Kind = "run_finished"
	NodeStarted  Kind = "node_started"
	NodeFinished Kind = "node_finished"
	Log          Kind = "log"
	HostCall     Kind = "host_call"
	Stream       Kind = "stream"
)

// Event is one thing that happened in a run.
type Event struct {
	Time     time.Time     `json:"time"`
	Kind     Kind          `json:"event"`
	RunID    string        `json:"run_id"`
	Workflow string        `json:"workflow,omitempty"`
	Node     string        `json:"node,omitempty"`
	Type     string        `json:"type,omitempty"`
	Index    int           `json:"-"`
	Status   string        `json:"status,omitempty"`
	Duration time.Duration `json:"-"`
	Halted   bool          `json:"halted,omitempty"`
	Error    string        `json:"error,omitempty"`
	Level    string        `json:"level,omitempty"`
	Message  string        `json:"message,omitempty"`
	Op       string        `json:"op,omitempty"`
	Data     any           `json:"data,omitempty"`
}

// MarshalJSON adds duration_ms for finished events.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	if e.Kind != NodeFinished && e.Kind != RunFinished && e.Kind != HostCall {
		return json.Marshal(plain(e))
	}
	return json.Marshal(struct {
		plain
		DurationMS float64 `json:"duration_ms"`
	}{plain(e), float64(e.Duration.Microseconds()) / 1000})
}

// Sink consumes events. Emit is called from the goroutines that run nodes,
// so a Sink must be safe for concurrent use, and should be quick.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f.
func (f SinkFunc) Emit(e Event) { f(e) }

// Multi returns a Sink that emits to every non-nil sink in order, or nil when
// there is none.
func Multi(sinks ...Sink) Sink {
	var out multi
	for _, s := range sinks {
		if s != nil {
			out = append(out, s)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

type multi []Sink

func (m multi) Emit(e Event) {
	for _, s := range m {
		s.Emit(e)
	}
}

// Recorder is a Sink that keeps every event, for tests.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit records e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns a copy of the recorded events.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}
