// Tests of the JSONL trace writer: concurrent emitters, flushing, errors.

package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTraceWriterConcurrent(t *testing.T) {
	const goroutines, perG = 8, 250
	var buf bytes.Buffer // not safe for concurrent use: the race detector checks the locking
	tw := NewTraceWriter(&buf)

	kinds := []Kind{NodeStarted, NodeFinished, Log, HostCall}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				tw.Emit(Event{
					Time:     time.Unix(1700000000, int64(i)),
					Kind:     kinds[i%len(kinds)],
					RunID:    "run1",
					Node:     fmt.Sprintf("g%d-%d", g, i),
					Status:   "SUCCESS",
					Duration: time.Duration(i) * time.Millisecond,
					Message:  strings.Repeat("x", 100), // long enough to make torn lines likely if unlocked
				})
			}
		})
	}
	wg.Wait()
	if err := tw.Err(); err != nil {
		t.Fatalf("Err() = %v", err)
	}

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != goroutines*perG {
		t.Fatalf("got %d lines, want %d", len(lines), goroutines*perG)
	}
	seen := map[string]bool{}
	for n, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", n+1, err, line)
		}
		node, _ := m["node"].(string)
		if seen[node] {
			t.Fatalf("line %d: node %q written twice", n+1, node)
		}
		seen[node] = true
		var g, i int
		if _, err := fmt.Sscanf(node, "g%d-%d", &g, &i); err != nil {
			t.Fatalf("line %d: bad node %q", n+1, node)
		}
		d, has := m["duration_ms"]
		switch Kind(m["event"].(string)) {
		case NodeFinished, HostCall:
			if !has {
				t.Fatalf("line %d: %s without duration_ms: %s", n+1, m["event"], line)
			}
			if d != float64(i) {
				t.Errorf("line %d: duration_ms = %v, want %d", n+1, d, i)
			}
		default:
			if has {
				t.Errorf("line %d: %s has duration_ms: %s", n+1, m["event"], line)
			}
		}
	}
}

func TestTraceWriterFlushesBufio(t *testing.T) {
	var under bytes.Buffer
	tw := NewTraceWriter(bufio.NewWriterSize(&under, 1<<16))
	tw.Emit(Event{Kind: NodeFinished, RunID: "r", Node: "a", Duration: 1500 * time.Microsecond})
	got := under.String()
	if !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("underlying writer holds %q, want one flushed line", got)
	}
	if !strings.Contains(got, `"duration_ms":1.5`) {
		t.Errorf("line %q lacks duration_ms 1.5", got)
	}
}

// failWriter fails every write after the first ok ones.
type failWriter struct {
	ok, writes int
	buf        bytes.Buffer
}

var errDisk = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.ok {
		return 0, errDisk
	}
	return w.buf.Write(p)
}

func TestTraceWriterErrors(t *testing.T) {
	good := Event{Kind: Log, RunID: "r", Message: "hi"}
	bad := Event{Kind: Stream, RunID: "r", Data: make(chan int)}
	tests := []struct {
		name      string
		ok        int     // writes that succeed
		events    []Event // emitted in order
		wantIs    error   // nil: only require a non-nil error
		wantLines int
		wantTries int // Write calls made
	}{
		{"write error stops writing", 1, []Event{good, good, good}, errDisk, 1, 2},
		{"encode error skips one event", 10, []Event{good, bad, good}, nil, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &failWriter{ok: tc.ok}
			tw := NewTraceWriter(w)
			for _, e := range tc.events {
				tw.Emit(e)
			}
			err := tw.Err()
			if err == nil {
				t.Fatal("Err() = nil, want an error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Err() = %v, want it to wrap %v", err, tc.wantIs)
			}
			if n := strings.Count(w.buf.String(), "\n"); n != tc.wantLines {
				t.Errorf("%d lines written, want %d", n, tc.wantLines)
			}
			if w.writes != tc.wantTries {
				t.Errorf("%d Write calls, want %d", w.writes, tc.wantTries)
			}
		})
	}
}
