package wasmhost_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/capability/cache"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// storesHost returns a host with caps, closed at the end of the test.
func storesHost(t testing.TB, caps wasmhost.Capabilities) *wasmhost.Host {
	t.Helper()
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: t.TempDir(), Capabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// storesCall calls op with req through the hostcall fixture pkg under the
// call context cc and returns the raw reply as JSON text.
func storesCall(t testing.TB, pkg *wasmhost.Package, cc wasmhost.CallContext, op string, req any) string {
	t.Helper()
	inputs := map[string]any{"op": op}
	if req != nil {
		inputs["req"] = req
	}
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call", Inputs: inputs, Context: cc})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Fatalf("%s: the fixture failed: %s", op, res.Error)
	}
	return jsonText(res.Outputs["reply"])
}

var (
	ccT1 = wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n1", Tenant: "t1"}
	ccT2 = wasmhost.CallContext{RunID: "r2", Workflow: "w", NodeInstance: "n1", Tenant: "t2"}
)

type step struct {
	cc   wasmhost.CallContext
	op   string
	req  any
	want string
}

func runSteps(t *testing.T, pkg *wasmhost.Package, steps []step) {
	t.Helper()
	for i, s := range steps {
		if got := storesCall(t, pkg, s.cc, s.op, s.req); got != s.want {
			t.Errorf("step %d: %s %s as %s/%s/%s: %s, want %s", i, s.op, jsonText(s.req),
				s.cc.Tenant, s.cc.Workflow, s.cc.NodeInstance, got, s.want)
		}
	}
}

// TestCacheOps: round trips, and one cache for all calls of a tenant and
// package, whatever their run, workflow or node instance, but not across
// tenants.
func TestCacheOps(t *testing.T) {
	for name, c := range caches(t, 0) {
		t.Run(name, func(t *testing.T) { testCacheOps(t, c) })
	}
}

// caches returns an empty cache of each kind, with cap max per package.
func caches(t *testing.T, max int64) map[string]wasmhost.Cache {
	sq, err := cache.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "cache.db"), max)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	return map[string]wasmhost.Cache{"memory": cache.New(max), "sqlite": sq}
}

func testCacheOps(t *testing.T, c wasmhost.Cache) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{Cache: c}), "hostcall")
	other := wasmhost.CallContext{RunID: "r9", Workflow: "w9", NodeInstance: "n9", Tenant: "t1"}
	obj := map[string]any{"a": []any{int64(1), "x"}, "big": int64(9007199254740993)}
	runSteps(t, pkg, []step{
		{ccT1, "cache.get", map[string]any{"key": "k"}, `{"ok":null}`},
		{ccT1, "cache.set", map[string]any{"key": "k", "value": obj}, `{"ok":null}`},
		{ccT1, "cache.get", map[string]any{"key": "k"}, `{"ok":{"a":[1,"x"],"big":9007199254740993}}`},
		{other, "cache.get", map[string]any{"key": "k"}, `{"ok":{"a":[1,"x"],"big":9007199254740993}}`},
		{ccT2, "cache.get", map[string]any{"key": "k"}, `{"ok":null}`},
		{ccT2, "cache.set", map[string]any{"key": "k", "value": "t2's"}, `{"ok":null}`},
		{ccT2, "cache.get", map[string]any{"key": "k"}, `{"ok":"t2's"}`},
		{other, "cache.set", map[string]any{"key": "k", "value": int64(2), "ttl_ms": int64(3_600_000)}, `{"ok":null}`},
		{ccT1, "cache.get", map[string]any{"key": "k"}, `{"ok":2}`},
		{ccT1, "cache.set", map[string]any{"key": "n", "value": nil, "ttl_ms": nil}, `{"ok":null}`},
		{ccT1, "cache.delete", map[string]any{"key": "k"}, `{"ok":null}`},
		{ccT1, "cache.delete", map[string]any{"key": "never"}, `{"ok":null}`},
		{ccT1, "cache.get", map[string]any{"key": "k"}, `{"ok":null}`},
		{ccT2, "cache.get", map[string]any{"key": "k"}, `{"ok":"t2's"}`},
	})
}

// TestCacheTTL: an entry is there until its ttl and gone after it.
func TestCacheTTL(t *testing.T) {
	for name, c := range caches(t, 0) {
		t.Run(name, func(t *testing.T) { testCacheTTL(t, c) })
	}
}

func testCacheTTL(t *testing.T, c wasmhost.Cache) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{Cache: c}), "hostcall")
	const ttl = 300 * time.Millisecond
	set := time.Now()
	if got := storesCall(t, pkg, ccT1, "cache.set", map[string]any{"key": "k", "value": "v", "ttl_ms": ttl.Milliseconds()}); got != `{"ok":null}` {
		t.Fatal(got)
	}
	if got := storesCall(t, pkg, ccT1, "cache.set", map[string]any{"key": "keep", "value": "v"}); got != `{"ok":null}` {
		t.Fatal(got)
	}
	first := true
	for deadline := time.Now().Add(10 * time.Second); ; {
		before := time.Now()
		got := storesCall(t, pkg, ccT1, "cache.get", map[string]any{"key": "k"})
		if got == `{"ok":null}` {
			if before.Sub(set) < ttl {
				t.Fatalf("gone %v after the set, before its ttl of %v", before.Sub(set), ttl)
			}
			if first {
				t.Logf("the first read came after the ttl (%v): a slow machine", before.Sub(set))
			}
			break
		}
		if got != `{"ok":"v"}` {
			t.Fatalf("get: %s", got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still there %v after a ttl of %v", time.Since(set), ttl)
		}
		first = false
		time.Sleep(10 * time.Millisecond)
	}
	if got := storesCall(t, pkg, ccT1, "cache.get", map[string]any{"key": "keep"}); got != `{"ok":"v"}` {
		t.Errorf("an entry without ttl: %s", got)
	}
}

// TestCacheCap: a set that would bring the package's cache over its cap is
// limit_exceeded, and leaves the cache as it was.
func TestCacheCap(t *testing.T) {
	for name, c := range caches(t, 32) {
		t.Run(name, func(t *testing.T) { testCacheCap(t, c) })
	}
}

func testCacheCap(t *testing.T, c wasmhost.Cache) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{Cache: c}), "hostcall")
	long := strings.Repeat("x", 20)
	// The reply of a refused set names the code; its message is free.
	steps := []struct {
		cc   wasmhost.CallContext
		op   string
		req  map[string]any
		want string
	}{
		{ccT1, "cache.set", map[string]any{"key": "a", "value": long}, `{"ok":null}`}, // "a" and "xx…x": 23 of 32 bytes
		{ccT1, "cache.set", map[string]any{"key": "b", "value": long}, `"code":"limit_exceeded"`},
		{ccT1, "cache.get", map[string]any{"key": "b"}, `{"ok":null}`},
		{ccT1, "cache.get", map[string]any{"key": "a"}, `{"ok":"` + long + `"}`},
		{ccT2, "cache.set", map[string]any{"key": "b", "value": long}, `{"ok":null}`},
		{ccT1, "cache.set", map[string]any{"key": "c", "value": strings.Repeat("y", 40)}, `"code":"limit_exceeded"`},
		{ccT1, "cache.delete", map[string]any{"key": "a"}, `{"ok":null}`},
		{ccT1, "cache.set", map[string]any{"key": "b", "value": long}, `{"ok":null}`},
	}
	for i, s := range steps {
		if got := storesCall(t, pkg, s.cc, s.op, s.req); !strings.Contains(got, s.want) {
			t.Errorf("step %d: %s %s: %s, want %s", i, s.op, jsonText(s.req), got, s.want)
		}
	}
}

// TestStoreRequests: malformed requests of cache.* and state.* are
// invalid_request naming the field.
func TestStoreRequests(t *testing.T) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{Cache: cache.New(0), State: openState(t)}), "hostcall")
	long := strings.Repeat("k", 1025)
	tests := []struct {
		op   string
		req  any
		want string // in the message
	}{
		{"cache.get", map[string]any{}, "key is missing"},
		{"cache.get", map[string]any{"key": nil}, "key is missing"},
		{"cache.get", map[string]any{"key": int64(1)}, "key must be a string"},
		{"cache.get", map[string]any{"key": ""}, "key must not be empty"},
		{"cache.get", map[string]any{"key": long}, "key of 1025 bytes"},
		{"cache.get", []any{"key"}, `cache.get takes {\"key\": string}`},
		{"cache.get", "key", `cache.get takes`},
		{"cache.delete", map[string]any{"name": "k"}, "key is missing"},
		{"cache.set", map[string]any{"key": "k"}, "value is missing"},
		{"cache.set", map[string]any{"value": int64(1)}, "key is missing"},
		{"cache.set", map[string]any{"key": "k", "value": int64(1), "ttl_ms": int64(-1)}, "ttl_ms must be"},
		{"cache.set", map[string]any{"key": "k", "value": int64(1), "ttl_ms": 1.5}, "ttl_ms must be"},
		{"cache.set", map[string]any{"key": "k", "value": int64(1), "ttl_ms": "100"}, "ttl_ms must be"},
		{"cache.set", map[string]any{"key": "k", "value": int64(1), "ttl_ms": int64(9223372036855)}, "ttl_ms must be"},
		{"cache.set", nil, "key is missing"}, // the fixture sends {}
		{"state.get", map[string]any{}, "key is missing"},
		{"state.get", map[string]any{"key": true}, "key must be a string"},
		{"state.set", map[string]any{"key": "k"}, "value is missing"},
		{"state.set", map[string]any{"key": "", "value": int64(1)}, "key must not be empty"},
		{"state.set", []any{}, `state.set takes {\"key\": string, \"value\": any}`},
	}
	for _, tt := range tests {
		got := storesCall(t, pkg, ccT1, tt.op, tt.req)
		if !strings.Contains(got, `"code":"invalid_request"`) || !strings.Contains(got, tt.want) {
			t.Errorf("%s %s: %s, want invalid_request with %q", tt.op, jsonText(tt.req), got, tt.want)
		}
	}
}

// TestStoresUnavailable: without a store, permitted operations answer
// unavailable.
func TestStoresUnavailable(t *testing.T) {
	pkg := load(t, storesHost(t, wasmhost.Capabilities{}), "hostcall")
	for _, op := range []string{"cache.get", "cache.set", "cache.delete", "state.get", "state.set"} {
		if got := storesCall(t, pkg, ccT1, op, map[string]any{"key": "k", "value": int64(1)}); !strings.Contains(got, `"code":"unavailable"`) {
			t.Errorf("%s: %s", op, got)
		}
	}
}
