package wasmhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// recorder collects what a node reports.
type recorder struct {
	mu      sync.Mutex
	logs    []string
	calls   []string
	streams []string
}

func (r *recorder) Log(level slog.Level, msg string) {
	r.mu.Lock()
	r.logs = append(r.logs, level.String()+" "+msg)
	r.mu.Unlock()
}
func (r *recorder) HostCall(op string, _ time.Duration, code string) {
	r.mu.Lock()
	r.calls = append(r.calls, op+":"+code)
	r.mu.Unlock()
}
func (r *recorder) Stream(ev string, _ any) {
	r.mu.Lock()
	r.streams = append(r.streams, ev)
	r.mu.Unlock()
}

func newHost(t testing.TB) *wasmhost.Host {
	t.Helper()
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

// load loads testdata/pkgs/NAME.
func load(t testing.TB, h *wasmhost.Host, name string) *wasmhost.Package {
	t.Helper()
	pkg, err := loadErr(h, name)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	t.Cleanup(func() { pkg.Close(context.Background()) })
	return pkg
}

func loadErr(h *wasmhost.Host, name string) (*wasmhost.Package, error) {
	p, err := pkgfile.Load(filepath.Join("testdata", "pkgs", name))
	if err != nil {
		return nil, err
	}
	return h.Load(context.Background(), p)
}

func call(t testing.TB, pkg *wasmhost.Package, node string, inputs map[string]any) (*wasmhost.Result, error) {
	t.Helper()
	return pkg.Call(context.Background(), &wasmhost.CallRequest{Node: node, Inputs: inputs,
		Context: wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n1", Tenant: "t1"}})
}

func TestAdd(t *testing.T) {
	h := newHost(t)
	pkg := load(t, h, "cecho")
	for range 3 {
		res, err := call(t, pkg, "add", map[string]any{"a": int64(9007199254740993), "b": int64(2)})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Success || res.Outputs["sum"] != int64(9007199254740995) {
			t.Fatalf("result %+v", res)
		}
	}
	if !pkg.Instrumented() {
		t.Fatal("the C module was not instrumented")
	}
}

var _ = errors.Is
var _ = strings.Contains

type vars struct {
	mu sync.Mutex
	m  map[string]any
}

func (v *vars) Lookup(name string) (any, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.m[name]
	return x, ok
}

func (v *vars) SetValue(name string, x any) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m[name] = x
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestABIExample runs the C example of abi-v1.md, built with its command.
func TestABIExample(t *testing.T) {
	pkg := load(t, newHost(t), "abiexample")
	rec := &recorder{}
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "hello", Events: rec, Context: wasmhost.CallContext{Tenant: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success || res.Outputs["greeting"] != "hi" {
		t.Fatalf("result %+v", res)
	}
	if len(rec.logs) != 1 || rec.logs[0] != "INFO hello from C" {
		t.Fatalf("logs %q", rec.logs)
	}
}

// hostcall calls op with req through the hostcall fixture package pkg and
// returns the raw reply as JSON text.
func hostcall(t testing.TB, pkg *wasmhost.Package, op string, req any, v wasmhost.Vars) string {
	t.Helper()
	inputs := map[string]any{"op": op}
	if req != nil {
		inputs["req"] = req
	}
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call", Inputs: inputs, Vars: v,
		Context: wasmhost.CallContext{Tenant: "t1", Workflow: "w", NodeInstance: "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	return jsonText(res.Outputs["reply"])
}

// TestOperationsPermissions: every operation of ABI v1 is denied unless the
// manifest declares it; unknown operations are unknown_op; none traps.
func TestOperationsPermissions(t *testing.T) {
	h := newHost(t)
	none := load(t, h, "hostcallnone")
	all := load(t, h, "hostcall")
	bb := &vars{m: map[string]any{}}
	ops := []struct {
		op  string
		req any
	}{
		{"vars.get", map[string]any{"name": "x"}},
		{"vars.set", map[string]any{"name": "x", "value": int64(1)}},
		{"cache.get", map[string]any{"key": "k"}},
		{"cache.set", map[string]any{"key": "k", "value": int64(1)}},
		{"cache.delete", map[string]any{"key": "k"}},
		{"state.get", map[string]any{"key": "k"}},
		{"state.set", map[string]any{"key": "k", "value": int64(1)}},
		{"storage.read", map[string]any{"path": "a.txt"}},
		{"storage.write", map[string]any{"path": "a.txt", "data_base64": "aGk="}},
		{"storage.list", map[string]any{}},
		{"storage.delete", map[string]any{"path": "a.txt"}},
		{"http.request", map[string]any{"method": "GET", "url": "http://127.0.0.1:1/"}},
		{"oauth.token", map[string]any{"provider": "google"}},
	}
	for _, o := range ops {
		if got := hostcall(t, none, o.op, o.req, bb); !strings.Contains(got, `"code":"permission_denied"`) {
			t.Errorf("%s without permission: %s", o.op, got)
		}
		if got := hostcall(t, all, o.op, o.req, bb); strings.Contains(got, "permission_denied") {
			t.Errorf("%s with permission: %s", o.op, got)
		}
	}
	if got := hostcall(t, all, "nope.nothing", map[string]any{}, bb); !strings.Contains(got, `"code":"unknown_op"`) {
		t.Errorf("unknown op: %s", got)
	}
	if got := hostcall(t, all, "oauth.token", map[string]any{"provider": "github"}, bb); !strings.Contains(got, "permission_denied") {
		t.Errorf("a provider the node does not list: %s", got)
	}
	if got := hostcall(t, none, "stream.emit", map[string]any{"event": "progress", "data": int64(50)}, bb); got != `{"ok":null}` {
		t.Errorf("stream.emit is always allowed: %s", got)
	}
}
