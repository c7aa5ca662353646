package wasmhost_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft/internal/capability/state"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// openState opens a state store in a new journal file, closed at the end of
// the test.
func openState(t testing.TB) *state.Store {
	t.Helper()
	j, err := journal.Open(context.Background(), filepath.Join(t.TempDir(), "weft.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	st, err := state.New(context.Background(), j.DB())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStateOps: round trips, keyed by tenant, workflow and node instance.
func TestStateOps(t *testing.T) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{State: openState(t)}), "hostcall")
	n1 := ccT1
	n1again := wasmhost.CallContext{RunID: "r7", Workflow: "w", NodeInstance: "n1", Tenant: "t1", Attempt: 2}
	n2 := wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n2", Tenant: "t1"}
	w2 := wasmhost.CallContext{RunID: "r1", Workflow: "w2", NodeInstance: "n1", Tenant: "t1"}
	t2 := ccT2
	runSteps(t, pkg, []step{
		{n1, "state.get", map[string]any{"key": "count"}, `{"ok":null}`},
		{n1, "state.set", map[string]any{"key": "count", "value": int64(1)}, `{"ok":null}`},
		{n1, "state.get", map[string]any{"key": "count"}, `{"ok":1}`},
		{n1again, "state.get", map[string]any{"key": "count"}, `{"ok":1}`}, // another run, same node instance
		{n2, "state.get", map[string]any{"key": "count"}, `{"ok":null}`},
		{w2, "state.get", map[string]any{"key": "count"}, `{"ok":null}`},
		{t2, "state.get", map[string]any{"key": "count"}, `{"ok":null}`},
		{n2, "state.set", map[string]any{"key": "count", "value": map[string]any{"n": int64(9223372036854775807)}}, `{"ok":null}`},
		{n2, "state.get", map[string]any{"key": "count"}, `{"ok":{"n":9223372036854775807}}`},
		{n1, "state.get", map[string]any{"key": "count"}, `{"ok":1}`},
		{n1, "state.get", map[string]any{"key": "other"}, `{"ok":null}`},
		{n1, "state.set", map[string]any{"key": "count", "value": nil}, `{"ok":null}`},
		{n1, "state.get", map[string]any{"key": "count"}, `{"ok":null}`},
	})
}

// TestStateCounterRestart: a stateful counter keeps counting across runs
// and across a restart: host and database closed, the same SQLite file
// reopened under a new host.
func TestStateCounterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "weft.db")
	count := 0
	for life := range 3 {
		j, err := journal.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := state.New(ctx, j.DB())
		if err != nil {
			t.Fatal(err)
		}
		h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: t.TempDir(), Capabilities: wasmhost.Capabilities{State: st}})
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := loadErr(h, "hostcall")
		if err != nil {
			t.Fatal(err)
		}
		for run := range 2 {
			// What a counter node does: read, add one, write.
			got := storesCall(t, pkg, ccT1, "state.get", map[string]any{"key": "count"})
			var reply struct{ OK *int }
			if err := json.Unmarshal([]byte(got), &reply); err != nil {
				t.Fatalf("life %d run %d: %s: %v", life, run, got, err)
			}
			n := 0
			if reply.OK != nil {
				n = *reply.OK
			}
			if n != count {
				t.Fatalf("life %d run %d: the counter reads %d, want %d", life, run, n, count)
			}
			count++
			if got := storesCall(t, pkg, ccT1, "state.set", map[string]any{"key": "count", "value": int64(count)}); got != `{"ok":null}` {
				t.Fatalf("life %d run %d: set: %s", life, run, got)
			}
		}
		pkg.Close(ctx)
		if err := h.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if count != 6 {
		t.Fatalf("count %d", count)
	}
}
