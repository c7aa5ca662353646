package wasmhost_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// TestHostileLoad: modules that break the ABI or the limits are refused at
// load, each with an error that says why.
func TestHostileLoad(t *testing.T) {
	h := newHost(t)
	tests := []struct{ pkg, want string }{
		{"badabi", "weft_abi_version returned 2"},
		{"badimport", `unexpected import env.`},
		{"command", "exports _start and not _initialize"},
		{"noexport", `missing export "weft_run"`},
		{"tablebomb", "table"},
		{"tablehuge", "table 0: initial size"},
		{"memhuge", "memory"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			_, err := loadErr(h, tt.pkg)
			if err == nil {
				t.Fatal("loaded")
			}
			if !errors.Is(err, wasmhost.ErrInvalidModule) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant ErrInvalidModule containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "test."+tt.pkg) {
				t.Fatalf("err does not name the package: %v", err)
			}
			t.Log(err)
		})
	}
}

// TestHostileCall: nodes that trap, spin, overflow or answer garbage fail
// with a clear error; the process survives, memory stays bounded, and a
// normal node runs right after.
func TestHostileCall(t *testing.T) {
	h := newHost(t)
	normal := load(t, h, "cecho")
	tests := []struct {
		pkg, node string
		timeout   time.Duration
		want      string
	}{
		{"spin", "run", 300 * time.Millisecond, "timed out after 300ms"},
		{"slow", "run", 300 * time.Millisecond, "timed out after 300ms"},
		{"sleeper", "run", 300 * time.Millisecond, "timed out after 300ms"},
		{"recurse", "run", 0, "trapped"},
		{"unreachable", "run", 0, "trapped: wasm error: unreachable"},
		{"badptr", "run", 0, "outside the module's memory"},
		{"notjson", "run", 0, "not the ABI's JSON"},
		{"undeclared", "run", 0, "not a declared output pin"},
		{"wrongtype", "run", 0, "expected integer"},
		{"alloczero", "run", 0, "weft_alloc(" /* ...) returned 0 */},
		{"bigresponse", "run", 0, "over the limit of 67108864"},
		{"bigresponsestd", "run", 0, "over the limit of 16777216"},
		{"membomb", "run", 0, ""},
		{"badcall", "run", 0, "outside the module's memory"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			pkg := load(t, h, tt.pkg)
			start := time.Now()
			res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: tt.node, Timeout: tt.timeout,
				Context: wasmhost.CallContext{Tenant: "t"}})
			elapsed := time.Since(start)
			var ce *wasmhost.CallError
			switch {
			case tt.want == "": // membomb: its own failure or a trap, never a crash
				if err == nil && res.Success {
					t.Fatalf("the memory bomb succeeded: %+v", res)
				}
			case !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("res %+v err = %v\nwant a CallError containing %q", res, err, tt.want)
			case !strings.Contains(err.Error(), "package test."+tt.pkg+"@1.0.0 node "+tt.node):
				t.Fatalf("err does not name the package and node: %v", err)
			}
			if tt.timeout > 0 && elapsed > tt.timeout+2*time.Second {
				t.Fatalf("a %v timeout took %v", tt.timeout, elapsed)
			}
			t.Logf("%v (%v)", err, elapsed.Round(time.Millisecond))
			// A normal node runs fine right after.
			if res, err := call(t, normal, "add", map[string]any{"a": int64(1), "b": int64(2)}); err != nil || res.Outputs["sum"] != int64(3) {
				t.Fatalf("normal node after %s: %+v %v", tt.pkg, res, err)
			}
		})
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapInuse > 1<<30 {
		t.Fatalf("heap in use %d MiB after the hostile set", ms.HeapInuse>>20)
	}
}

// TestLogLines: a million log lines keep 10,000 and count the rest.
func TestLogLines(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "loglines")
	rec := &recorder{}
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "run", Events: rec, Context: wasmhost.CallContext{Tenant: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	if len(rec.logs) != wasmhost.MaxLogLines+1 {
		t.Fatalf("%d log lines kept, want %d and a summary", len(rec.logs), wasmhost.MaxLogLines)
	}
	if last := rec.logs[len(rec.logs)-1]; !strings.Contains(last, "990000 more log lines were dropped") {
		t.Fatalf("summary %q", last)
	}
}

// TestSpinDoesNotFreezeTheProcess: while a guest spins until its timeout,
// other goroutines (a ticker, a parallel node call, the garbage collector)
// keep running.
func TestSpinDoesNotFreezeTheProcess(t *testing.T) {
	h := newHost(t)
	spin := load(t, h, "spin")
	normal := load(t, h, "cecho")
	const timeout = 1500 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := spin.Call(context.Background(), &wasmhost.CallRequest{Node: "run", Timeout: timeout, Context: wasmhost.CallContext{Tenant: "t"}})
		done <- err
	}()
	// Give the guest time to start spinning.
	time.Sleep(100 * time.Millisecond)

	var ticks atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				ticks.Add(1)
			case <-stop:
				return
			}
		}
	}()
	gcStart := time.Now()
	runtime.GC()
	gcTook := time.Since(gcStart)
	calls := 0
	for time.Since(gcStart) < 500*time.Millisecond {
		if res, err := call(t, normal, "add", map[string]any{"a": int64(calls), "b": int64(1)}); err != nil || res.Outputs["sum"] != int64(calls+1) {
			t.Fatalf("parallel call: %+v %v", res, err)
		}
		calls++
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-done:
		t.Fatalf("the spinning guest ended early: %v", err)
	default:
	}
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("spin: %v", err)
	}
	t.Logf("while spinning: GC took %v, %d ticks in ~500ms, %d parallel calls", gcTook, ticks.Load(), calls)
	if gcTook > 400*time.Millisecond {
		t.Errorf("a garbage collection took %v while a guest spun", gcTook)
	}
	if ticks.Load() < 10 {
		t.Errorf("the ticker ticked %d times in ~500ms", ticks.Load())
	}
	if calls < 10 {
		t.Errorf("only %d parallel calls", calls)
	}
}

func TestVarsPermission(t *testing.T) {
	h := newHost(t)
	bb := &vars{m: map[string]any{"in": map[string]any{"x": int64(9007199254740993)}}}
	rec := &recorder{}
	for _, tt := range []struct {
		pkg, get, set string
	}{
		{"vars", `{"ok":{"x":9007199254740993}}`, `{"ok":null}`},
		{"varsdenied", `permission_denied`, `permission_denied`},
	} {
		pkg := load(t, h, tt.pkg)
		res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "roundtrip", Vars: bb, Events: rec, Context: wasmhost.CallContext{Tenant: "t"}})
		if err != nil {
			t.Fatal(err)
		}
		get, set := jsonText(res.Outputs["get"]), jsonText(res.Outputs["set"])
		if !strings.Contains(get, tt.get) || !strings.Contains(set, tt.set) {
			t.Fatalf("%s: get %s set %s", tt.pkg, get, set)
		}
	}
	if v, _ := bb.Lookup("out"); jsonText(v) != `{"x":9007199254740993}` {
		t.Fatalf("vars.set wrote %v", v)
	}
	if len(rec.calls) != 4 || rec.calls[0] != "vars.get:" || rec.calls[3] != "vars.set:permission_denied" {
		t.Fatalf("host call events %v", rec.calls)
	}
}

// TestTenantsNeverShareInstances: a tenant's warm instance keeps its module
// globals; another tenant starts from a fresh instance.
func TestTenantsNeverShareInstances(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "globals")
	inc := func(tenant string) int64 {
		res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "inc", Context: wasmhost.CallContext{Tenant: tenant}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Outputs["count"].(int64)
	}
	for i := int64(1); i <= 5; i++ {
		if got := inc("a"); got != i {
			t.Fatalf("tenant a call %d: count %d", i, got)
		}
	}
	if got := inc("b"); got != 1 {
		t.Fatalf("tenant b saw count %d: it shares tenant a's instance", got)
	}
	if got := inc("a"); got != 6 {
		t.Fatalf("tenant a's warm instance was lost: count %d", got)
	}
}

// TestConcurrentTenants: 1,000 concurrent calls across 10 tenants. Each
// instance counts 1, 2, 3...; an instance shared by two tenants would give
// one of them a count whose predecessors it never saw.
func TestConcurrentTenants(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "globals")
	const tenants, perTenant = 10, 100
	var mu sync.Mutex
	seen := map[string]map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, tenants*perTenant)
	for i := range tenants * perTenant {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := string(rune('a' + i%tenants))
			res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "inc", Context: wasmhost.CallContext{Tenant: tenant}})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			if seen[tenant] == nil {
				seen[tenant] = map[int64]int{}
			}
			seen[tenant][res.Outputs["count"].(int64)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for tenant, counts := range seen {
		total := 0
		for v, n := range counts {
			total += n
			if v > 1 && counts[v-1] < n {
				t.Fatalf("tenant %s saw count %d %d times but %d only %d times: an instance served another tenant", tenant, v, n, v-1, counts[v-1])
			}
		}
		if total != perTenant {
			t.Fatalf("tenant %s: %d results", tenant, total)
		}
	}
}

func TestFreshInstancePerCall(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "globals")
	pkg.Manifest.FreshInstance = true
	for range 3 {
		res, err := call(t, pkg, "inc", nil)
		if err != nil || res.Outputs["count"] != int64(1) {
			t.Fatalf("fresh instance: %+v %v", res, err)
		}
	}
}

// TestLogBytes: long lines are cut at 16 KiB, and a call keeps at most
// MaxLogBytes of log text, counting the rest.
func TestLogBytes(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "loglines")
	rec := &recorder{}
	_, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "run", Events: rec,
		Inputs: map[string]any{"count": int64(200), "len": int64(100_000)}, Context: wasmhost.CallContext{Tenant: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, l := range rec.logs[:len(rec.logs)-1] {
		total += len(l)
		if !strings.Contains(l, "line cut: 100000 bytes in all") {
			t.Fatalf("a 100,000-byte line was not cut: %d bytes", len(l))
		}
	}
	if total > wasmhost.MaxLogBytes+wasmhost.MaxLogLine+200 {
		t.Fatalf("%d bytes of log kept", total)
	}
	if last := rec.logs[len(rec.logs)-1]; !strings.Contains(last, "more log lines were dropped") {
		t.Fatalf("no summary: %q", last)
	}
}
