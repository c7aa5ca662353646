// Package bttest helps test node types: load a YAML tree against a
// registry, run it, and look at its events.
//
//	res, events := bttest.Run(t, builtin.Registry(), src, map[string]any{"n": int64(3)})
package bttest

import (
	"context"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/workflow"
)

// Load compiles src against reg and instantiates it, failing the test on
// error.
func Load(t testing.TB, reg *bt.Registry, src string) *bt.Tree {
	t.Helper()
	wf, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: reg})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	tr, err := wf.Root.Instantiate(wf.ID, nil)
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return tr
}

// LoadErr returns the error of loading src against reg (nil if it loads).
func LoadErr(reg *bt.Registry, src string) error {
	_, err := workflow.Load("test.yaml", []byte(src), workflow.Options{Registry: reg})
	return err
}

// Run loads and runs src with inputs, with a 10 s safety timeout and a 5 ms
// tick interval, and returns the result and every event.
func Run(t testing.TB, reg *bt.Registry, src string, inputs map[string]any) (*bt.Result, []event.Event) {
	t.Helper()
	return RunTree(t, Load(t, reg, src), inputs)
}

// RunTree runs an instantiated tree like Run.
func RunTree(t testing.TB, tr *bt.Tree, inputs map[string]any) (*bt.Result, []event.Event) {
	t.Helper()
	rec := &event.Recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := tr.Run(ctx, bt.RunOptions{ID: "test-run", Inputs: inputs, Sink: rec, TickInterval: 5 * time.Millisecond})
	return res, rec.Events()
}

// Finishes returns, in order, "id:status" for every node_finished event.
func Finishes(events []event.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == event.NodeFinished {
			out = append(out, e.Node+":"+e.Status)
		}
	}
	return out
}

// Count returns how many times node id finished with status ("success",
// "failure" or "halted").
func Count(events []event.Event, id, status string) int {
	n := 0
	for _, e := range events {
		if e.Kind == event.NodeFinished && e.Node == id && e.Status == status {
			n++
		}
	}
	return n
}

// Logs returns the messages of the log events of node id.
func Logs(events []event.Event, id string) []string {
	var out []string
	for _, e := range events {
		if e.Kind == event.Log && e.Node == id {
			out = append(out, e.Message)
		}
	}
	return out
}
