package state_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/weft-dev/weft/internal/capability/state"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/wasmhost"
)

var ctx = context.Background()

func open(t *testing.T, path string) (*journal.Journal, *state.Store) {
	t.Helper()
	j, err := journal.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := state.New(ctx, j.DB())
	if err != nil {
		j.Close()
		t.Fatal(err)
	}
	return j, st
}

func get(t *testing.T, st *state.Store, k wasmhost.StateKey) string {
	t.Helper()
	v, ok, err := st.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(v)
}

func TestKeys(t *testing.T) {
	j, st := open(t, filepath.Join(t.TempDir(), "weft.db"))
	defer j.Close()
	base := wasmhost.StateKey{Tenant: "t", Package: "p", Workflow: "w", NodeInstance: "n", Key: "k"}
	if err := st.Set(ctx, base, json.RawMessage(`{"count":1}`)); err != nil {
		t.Fatal(err)
	}
	others := map[string]func(*wasmhost.StateKey){
		"tenant":        func(k *wasmhost.StateKey) { k.Tenant = "t2" },
		"package":       func(k *wasmhost.StateKey) { k.Package = "p2" },
		"workflow":      func(k *wasmhost.StateKey) { k.Workflow = "w2" },
		"node instance": func(k *wasmhost.StateKey) { k.NodeInstance = "n2" },
		"key":           func(k *wasmhost.StateKey) { k.Key = "k2" },
	}
	for name, change := range others {
		k := base
		change(&k)
		if got := get(t, st, k); got != "<none>" {
			t.Errorf("another %s sees %s", name, got)
		}
		if err := st.Set(ctx, k, json.RawMessage(`"`+name+`"`)); err != nil {
			t.Fatal(err)
		}
	}
	if got := get(t, st, base); got != `{"count":1}` {
		t.Errorf("base = %s after writes to other keys", got)
	}
	if err := st.Set(ctx, base, json.RawMessage(`[1, 2]`)); err != nil {
		t.Fatal(err)
	}
	if got := get(t, st, base); got != `[1, 2]` {
		t.Errorf("overwritten = %s", got)
	}
	if err := st.Set(ctx, base, json.RawMessage(`{`)); !errors.Is(err, wasmhost.ErrBadRequest) {
		t.Errorf("not JSON: %v", err)
	}
	if _, err := state.New(ctx, nil); err == nil {
		t.Error("nil database accepted")
	}
}

// TestRestart: values survive closing and reopening the database file, and
// New on an existing table keeps it.
func TestRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.db")
	k := wasmhost.StateKey{Tenant: "t", Package: "p", Workflow: "w", NodeInstance: "n", Key: "count"}
	for want := 1; want <= 3; want++ {
		j, st := open(t, path)
		n := 0
		if v, ok, err := st.Get(ctx, k); err != nil {
			t.Fatal(err)
		} else if ok {
			if err := json.Unmarshal(v, &n); err != nil {
				t.Fatal(err)
			}
		}
		if n != want-1 {
			t.Fatalf("opening %d: count %d, want %d", want, n, want-1)
		}
		if err := st.Set(ctx, k, json.RawMessage(fmt.Sprint(n+1))); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrent(t *testing.T) {
	j, st := open(t, filepath.Join(t.TempDir(), "weft.db"))
	defer j.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				k := wasmhost.StateKey{Tenant: "t", Package: "p", Workflow: "w", NodeInstance: fmt.Sprint("n", g), Key: "k"}
				if err := st.Set(ctx, k, json.RawMessage(fmt.Sprint(i))); err != nil {
					errs <- err
				}
				if _, _, err := st.Get(ctx, k); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for g := range 8 {
		k := wasmhost.StateKey{Tenant: "t", Package: "p", Workflow: "w", NodeInstance: fmt.Sprint("n", g), Key: "k"}
		if got := get(t, st, k); got != "49" {
			t.Errorf("n%d = %s", g, got)
		}
	}
}

func TestCanceled(t *testing.T) {
	j, st := open(t, filepath.Join(t.TempDir(), "weft.db"))
	defer j.Close()
	c, cancel := context.WithCancel(ctx)
	cancel()
	k := wasmhost.StateKey{Key: "k"}
	if _, _, err := st.Get(c, k); !errors.Is(err, context.Canceled) {
		t.Errorf("get: %v", err)
	}
	if err := st.Set(c, k, json.RawMessage(`1`)); !errors.Is(err, context.Canceled) {
		t.Errorf("set: %v", err)
	}
}
