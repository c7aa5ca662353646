// Tests of the lifecycle hooks weft_init and weft_cleanup (lifecycle.go),
// with the WAT fixtures initconfig, initconfigfresh, initfail, inittrap,
// initspin, cleanupspin, runtrap and badinit.

package wasmhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/wasmhost"
)

// hostLog records the host's log: message and attributes, one string each.
type hostLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *hostLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *hostLog) Handle(_ context.Context, r slog.Record) error {
	s := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	return nil
}
func (l *hostLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *hostLog) WithGroup(string) slog.Handler      { return l }

// matching returns the lines containing every one of subs.
func (l *hostLog) matching(subs ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
next:
	for _, s := range l.lines {
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

func lifecycleHost(t *testing.T, cfg wasmhost.Config) (*wasmhost.Host, *hostLog) {
	t.Helper()
	l := &hostLog{}
	cfg.Logger = slog.New(l)
	cfg.CacheDir = t.TempDir()
	h, err := wasmhost.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h, l
}

func callTenant(pkg *wasmhost.Package, tenant string) (*wasmhost.Result, error) {
	return pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "run", Context: wasmhost.CallContext{Tenant: tenant}})
}

// TestInitGetsConfig: weft_init runs once per instance, before its first
// call, with {"abi":1,"config":<the operator's config of the package>}.
func TestInitGetsConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  map[string]map[string]any
		want string
	}{
		{"configured", map[string]map[string]any{
			"test.initconfig": {"api_key": "k-123", "retries": 3, "nested": map[string]any{"on": true}},
			"test.other":      {"api_key": "not this one"},
		}, `{"abi":1,"config":{"api_key":"k-123","nested":{"on":true},"retries":3}}`},
		{"no entry", nil, `{"abi":1,"config":{}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := lifecycleHost(t, wasmhost.Config{PackageConfig: tc.cfg})
			pkg := load(t, h, "initconfig")
			for _, tenant := range []string{"a", "a", "a", "b", "a"} {
				res, err := callTenant(pkg, tenant)
				if err != nil {
					t.Fatal(err)
				}
				if !res.Success || res.Outputs["inits"] != int64(1) {
					t.Fatalf("tenant %s: %+v: weft_init should have run exactly once on this instance", tenant, res)
				}
				got, _ := json.Marshal(res.Outputs["init"])
				if string(got) != tc.want {
					t.Fatalf("weft_init got %s, want %s", got, tc.want)
				}
			}
		})
	}
}

// TestInitFails: a weft_init that reports failure, traps or spins leaves
// the instance unusable; the call fails naming the package and weft_init,
// and the next call tries a fresh instance (and fails the same way).
func TestInitFails(t *testing.T) {
	for _, tc := range []struct {
		pkg, reason string
		timeout     bool
	}{
		{"initfail", "weft_init failed: no api_key in the config", false},
		{"inittrap", "weft_init failed: trapped: wasm error: unreachable", false},
		{"initspin", "weft_init failed: timed out after 5s", true},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			t.Parallel()
			h, _ := lifecycleHost(t, wasmhost.Config{})
			pkg := load(t, h, tc.pkg)
			calls := 2
			if tc.timeout {
				calls = 1
			}
			for range calls {
				start := time.Now()
				res, err := callTenant(pkg, "t")
				took := time.Since(start)
				var ce *wasmhost.CallError
				if !errors.As(err, &ce) {
					t.Fatalf("got %+v, %v; want a *CallError", res, err)
				}
				want := "package test." + tc.pkg + "@1.0.0 node run: " + tc.reason
				if err.Error() != want {
					t.Fatalf("error\n  %s\nwant\n  %s", err, want)
				}
				if got := errors.Is(err, context.DeadlineExceeded); got != tc.timeout {
					t.Fatalf("errors.Is(err, DeadlineExceeded) = %v", got)
				}
				if tc.timeout && (took < 5*time.Second || took > 8*time.Second) {
					t.Fatalf("the spinning weft_init was stopped after %v, want the 5 s tier", took)
				}
			}
		})
	}
}

// TestCleanup: weft_cleanup runs when the host discards a healthy
// instance (Package.Close, or after each call with fresh_instance), and
// its weft.log lines reach the host's log.
func TestCleanup(t *testing.T) {
	t.Run("close", func(t *testing.T) {
		h, l := lifecycleHost(t, wasmhost.Config{})
		pkg := load(t, h, "initconfig")
		for range 3 {
			if _, err := callTenant(pkg, "a"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := callTenant(pkg, "b"); err != nil {
			t.Fatal(err)
		}
		if got := l.matching("weft_cleanup ran"); len(got) != 0 {
			t.Fatalf("weft_cleanup ran before the instances were discarded: %q", got)
		}
		pkg.Close(context.Background())
		for _, want := range []string{"weft_cleanup ran after 3 calls", "weft_cleanup ran after 1 calls"} {
			got := l.matching(want, "package=test.initconfig", "phase=weft_cleanup", "INFO")
			if len(got) != 1 {
				t.Fatalf("host log has %d lines %q, want 1; all: %q", len(got), want, l.lines)
			}
		}
	})
	t.Run("fresh instance", func(t *testing.T) {
		h, l := lifecycleHost(t, wasmhost.Config{})
		pkg := load(t, h, "initconfigfresh")
		for i := range 3 {
			res, err := callTenant(pkg, "a")
			if err != nil {
				t.Fatal(err)
			}
			if res.Outputs["inits"] != int64(1) {
				t.Fatalf("call %d: %+v", i, res)
			}
			if got := l.matching("weft_cleanup ran after 1 calls"); len(got) != i+1 {
				t.Fatalf("after call %d: %d cleanups logged", i+1, len(got))
			}
		}
	})
	t.Run("not after a trap", func(t *testing.T) {
		h, l := lifecycleHost(t, wasmhost.Config{})
		pkg := load(t, h, "runtrap")
		if _, err := callTenant(pkg, "a"); err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("want a trap, got %v", err)
		}
		pkg.Close(context.Background())
		if got := l.matching("weft_cleanup ran"); len(got) != 0 {
			t.Fatalf("weft_cleanup ran on a trapped instance: %q", got)
		}
	})
}

// TestCleanupBounded: a spinning weft_cleanup is stopped at the timeout
// tier; the failure is logged, not raised.
func TestCleanupBounded(t *testing.T) {
	h, l := lifecycleHost(t, wasmhost.Config{})
	pkg := load(t, h, "cleanupspin")
	if _, err := callTenant(pkg, "a"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pkg.Close(context.Background())
	if took := time.Since(start); took < 5*time.Second || took > 8*time.Second {
		t.Fatalf("Close took %v, want the 5 s tier", took)
	}
	if got := l.matching("WARN weft_cleanup failed: timed out after 5s", "package=test.cleanupspin"); len(got) != 1 {
		t.Fatalf("host log: %q", l.lines)
	}
}

// TestLifecycleSignatures: hooks with the wrong signatures are refused at
// load, each named.
func TestLifecycleSignatures(t *testing.T) {
	h, _ := lifecycleHost(t, wasmhost.Config{})
	_, err := loadErr(h, "badinit")
	if !errors.Is(err, wasmhost.ErrInvalidModule) {
		t.Fatalf("got %v, want ErrInvalidModule", err)
	}
	for _, want := range []string{
		`export "weft_init" has signature () -> (i32), expected (i32, i32) -> (i64)`,
		`export "weft_cleanup" has signature (i32) -> (), expected () -> ()`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\ndoes not say %s", err, want)
		}
	}
}

// TestPackageConfigNotJSON: an operator config that cannot be JSON is
// refused at load, naming the package.
func TestPackageConfigNotJSON(t *testing.T) {
	h, _ := lifecycleHost(t, wasmhost.Config{PackageConfig: map[string]map[string]any{"test.initconfig": {"f": func() {}}}})
	_, err := loadErr(h, "initconfig")
	if err == nil || !strings.Contains(err.Error(), "test.initconfig@1.0.0") || !strings.Contains(err.Error(), "PackageConfig") {
		t.Fatalf("got %v", err)
	}
}
