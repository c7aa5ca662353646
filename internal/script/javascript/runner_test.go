// runner_test.go: behaviour of the JavaScript runner: values in and out,
// errors and their lines, limits, isolation between runs and tenants, the
// pool, and concurrency (run with -race).

package javascript

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// newRunner returns a Runner closed when the test ends.
func newRunner(t testing.TB, cfg Config) *Runner {
	t.Helper()
	r := New(cfg)
	t.Cleanup(func() { r.Close() })
	return r
}

// run runs src for tenant with a generous timeout.
func run(t testing.TB, r *Runner, tenant, src string, globals map[string]any) (any, error) {
	t.Helper()
	return r.Run(context.Background(), script.Request{Tenant: tenant, Source: src, Globals: globals, Timeout: 10 * time.Second})
}

// mustRun is run that fails the test on an error.
func mustRun(t testing.TB, r *Runner, tenant, src string, globals map[string]any) any {
	t.Helper()
	res, err := run(t, r, tenant, src, globals)
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	return res
}

// scriptError returns err as a *script.Error, failing the test if it is
// not one of kind.
func scriptError(t testing.TB, err error, kind error) *script.Error {
	t.Helper()
	var se *script.Error
	if !errors.As(err, &se) {
		t.Fatalf("want a *script.Error of kind %v, got %T %v", kind, err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("want kind %v, got %v", kind, err)
	}
	return se
}

func TestGlobalsRoundTrip(t *testing.T) {
	r := newRunner(t, Config{})
	tests := []struct {
		name string
		in   any
		want any // nil means want == in
	}{
		{"nil", nil, nil},
		{"true", true, nil},
		{"false", false, nil},
		{"zero", int64(0), nil},
		{"negative int", int64(-5), nil},
		{"int32 max", int64(math.MaxInt32), nil},
		{"int past int32", int64(1) << 40, nil},
		{"int at 2^53", int64(1) << 53, nil},
		{"int past 2^53 loses precision", int64(1)<<53 + 1, int64(1) << 53},
		{"float", 2.5, nil},
		{"negative float", -0.25, nil},
		{"tiny float", 5e-324, nil},
		{"huge float", 1e300, nil},
		{"integral float comes back int", 3.0, int64(3)},
		{"empty string", "", nil},
		{"string", "héllo ✓ 𝄞", nil},
		{"control characters", "a\x00b\n\t\"\\</script>", nil},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "a\ufffdb"},
		{"empty array", []any{}, nil},
		{"array", []any{int64(1), 2.5, "x", nil, true, []any{int64(2)}}, nil},
		{"empty object", map[string]any{}, nil},
		{"object", map[string]any{"a": int64(1), "b": map[string]any{"c": []any{"d", 1.5}}, "": "empty key", "__proto__": int64(7)}, nil},
		{"other Go types via encoding/json", []int{1, 2}, []any{int64(1), int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = tt.in
			}
			got := mustRun(t, r, "t", "result = x", map[string]any{"x": tt.in})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestResults(t *testing.T) {
	r := newRunner(t, Config{})
	tests := []struct {
		src  string
		want any
	}{
		{"result = x + 1", int64(42)},
		{"result = x / 2", 20.5},
		{"result = x * 1e3", int64(41000)},
		{"result = 2 ** 31", int64(1) << 31},
		{"result = 2 ** 53", int64(1) << 53},
		{"result = -0", int64(0)},
		{"result = 1e21", 1e21},
		{"result = 0.1 + 0.2", 0.30000000000000004},
		{"result = 'ab'.repeat(2)", "abab"},
		{"result = null", nil},
		{"result = undefined", map[string]any{}}, // no result is {}, as in the seed
		{"1 + 1", map[string]any{}},              // no result: the completion value is not the result
		{"let undefined = 1", map[string]any{}},
		{"let result", map[string]any{}},
		{"result = (async () => undefined)()", map[string]any{}},
		{"result = (async () => null)()", nil},
		{"result = {a: undefined, b: 1}", map[string]any{"b": int64(1)}},
		{"result = [1, undefined]", []any{int64(1), nil}},
		{"result = new Date(0)", "1970-01-01T00:00:00.000Z"},
		{"result = {toJSON() { return 5 }}", int64(5)},
		{"result = [{n: x}, 'é']", []any{map[string]any{"n": int64(41)}, "é"}},
		{"result = new Uint8Array([1, 2])", map[string]any{"0": int64(1), "1": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got := mustRun(t, r, "t", tt.src, map[string]any{"x": int64(41)})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestResultDeclarations: every way of leaving a result works.
func TestResultDeclarations(t *testing.T) {
	r := newRunner(t, Config{})
	for _, src := range []string{
		"result = 7",
		"var result = 7",
		"let result = 7",
		"const result = 7",
		"globalThis.result = 7",
		"this.result = 7",
		"function f() { result = 7 }\nf()",
		"'use strict'\nvar result = 7",
		"'use strict'\nlet result = 7",
		"let result = 1\nresult += 6",
		"var result\nPromise.resolve(7).then((v) => { result = v })",
		"let result\nPromise.resolve(7).then((v) => { result = v })",
		"result = (async () => { await null; return 7 })()",
		"result = Promise.resolve(Promise.resolve(7))",
		"async function main() { return 3 + 4 }\nresult = main()",
	} {
		t.Run(src, func(t *testing.T) {
			if got := mustRun(t, r, "t", src, nil); got != int64(7) {
				t.Errorf("got %#v, want 7", got)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	r := newRunner(t, Config{})
	tests := []struct {
		name, src string
		kind      error
		message   string // a substring of the message
		line      int
	}{
		{"reference error", "let a = 1\n\nresult = nope + a", script.ErrScript, "ReferenceError: 'nope' is not defined", 3},
		{"syntax error", "let a = 1\nlet b = 2\n  a b c\n", script.ErrScript, "SyntaxError", 3},
		{"type error", "x = {}\nx.y.z", script.ErrScript, "TypeError: cannot read property 'z' of undefined", 2},
		{"thrown in a nested function", "function f() {\n  throw new RangeError('too far')\n}\nfunction g() { f() }\ng()", script.ErrScript, "RangeError: too far", 2},
		{"thrown in a method", "class A {\n  m() { return null.f }\n}\nnew A().m()", script.ErrScript, "TypeError", 2},
		{"custom error class", "class ValidationError extends Error {\n  constructor(m) { super(m); this.name = 'ValidationError' }\n}\n\nthrow new ValidationError('bad input')", script.ErrScript, "ValidationError: bad input", 2}, // where the Error was made
		{"error without message", "\nthrow new Error()", script.ErrScript, "Error", 2},
		{"JSON.parse in the script", "let s = '{'\nresult = JSON.parse(s)", script.ErrScript, "SyntaxError", 2},
		{"syntax error in eval", "\n\neval('a b')", script.ErrScript, "SyntaxError", 3},
		{"thrown string", "throw 'oops'", script.ErrScript, `uncaught "oops"`, 0},
		{"thrown object", "throw {code: 42}", script.ErrScript, `uncaught {"code":42}`, 0},
		{"thrown null", "throw null", script.ErrScript, "uncaught null", 0},
		{"rejected with null", "result = new Promise((resolve, reject) => reject(null))", script.ErrScript, "result promise rejected: uncaught null", 0},
		{"stack overflow", "function f() { return f() + 1 }\nf()", script.ErrScript, "InternalError: stack overflow", 1},
		{"unterminated comment", "let a = 1\n/* never closed", script.ErrScript, "SyntaxError", 2},
		{"unterminated template", "let a = 1\nlet b = `\nstill open", script.ErrScript, "SyntaxError", 2}, // where it starts
		{"top-level return", "return 5", script.ErrScript, "SyntaxError", 1},
		{"static import", "import * as std from 'std'", script.ErrScript, "SyntaxError", 1},
		{"rejected result promise", "result = (async () => {\n  throw new TypeError('late')\n})()", script.ErrScript, "result promise rejected: TypeError: late", 2},
		{"never settled result promise", "result = new Promise(() => {})", script.ErrScript, "never settled", 0},
		{"toJSON throws", "result = {toJSON() {\n throw new Error('no') }}", script.ErrScript, "Error: no", 2},

		{"function result", "result = function () {}", script.ErrResult, "a function", 0},
		{"arrow in an object", "result = {ok: 1, f: () => 1}", script.ErrResult, `a function at key "f"`, 0},
		{"BigInt", "result = 10n", script.ErrResult, "a BigInt", 0},
		{"nested BigInt", "result = {a: {b: 1n}}", script.ErrResult, `a BigInt at key "b"`, 0},
		{"symbol", "result = Symbol('s')", script.ErrResult, "a symbol", 0},
		{"NaN in an array", "result = [1, 0 / 0]", script.ErrResult, "NaN at index 1", 0},
		{"Infinity", "result = 1 / 0", script.ErrResult, "Infinity", 0},
		{"minus Infinity", "result = {v: -1 / 0}", script.ErrResult, `-Infinity at key "v"`, 0},
		{"cycle", "let o = {}\no.self = o\nresult = o", script.ErrResult, "cyclic", 0},
		{"Map", "result = new Map([[1, 2]])", script.ErrResult, "a Map", 0},
		{"Set", "result = {s: new Set()}", script.ErrResult, `a Set at key "s"`, 0},
		{"promise inside", "result = [Promise.resolve(1)]", script.ErrResult, "a promise at index 0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := run(t, r, "t", tt.src, nil)
			if err == nil {
				t.Fatalf("no error, result %#v", res)
			}
			se := scriptError(t, err, tt.kind)
			if !strings.Contains(se.Message, tt.message) {
				t.Errorf("message %q does not contain %q", se.Message, tt.message)
			}
			if se.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", se.Line, tt.line, err)
			}
			if strings.Contains(se.Message, "\n    at ") {
				t.Errorf("message has a stack trace: %q", se.Message)
			}
		})
	}
	// A failed run leaves the VM usable.
	if got := mustRun(t, r, "t", "result = 1", nil); got != int64(1) {
		t.Errorf("after the errors: got %#v", got)
	}
}

func TestErrorMessageIsClipped(t *testing.T) {
	r := newRunner(t, Config{})
	_, err := run(t, r, "t", "throw new Error('x'.repeat(100000))", nil)
	se := scriptError(t, err, script.ErrScript)
	if len(se.Message) > maxMessage+len("…") {
		t.Errorf("message of %d bytes", len(se.Message))
	}
}

func TestTimeout(t *testing.T) {
	r := newRunner(t, Config{})
	tests := []struct{ name, src string }{
		{"busy loop", "while (true) {}"},
		{"loop catching everything", "while (true) { try { while (true) {} } catch (e) {} finally { continue } }"},
		{"loop in a promise job", "Promise.resolve().then(() => { for (;;) {} })"},
		{"promise jobs feeding themselves", "function f() { Promise.resolve().then(f) }\nf()"},
		{"loop in the result promise", "result = (async () => { await null; for (;;) {} })()"},
		{"recursion in a loop", "function f(n) { return n ? f(n - 1) : 0 }\nwhile (true) f(100)"},
		{"catastrophic regexp", "/(a+)+$/.test('a'.repeat(40) + 'b')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			made := r.made.Load()
			start := time.Now()
			_, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: tt.src, Timeout: 200 * time.Millisecond})
			took := time.Since(start)
			se := scriptError(t, err, script.ErrTimeout)
			if !strings.Contains(se.Message, "200ms") {
				t.Errorf("message %q does not say the timeout", se.Message)
			}
			if took < 200*time.Millisecond || took > 1200*time.Millisecond {
				t.Errorf("took %s for a 200ms timeout", took)
			}
			// The interrupted VM was thrown away; the tenant goes on.
			if got := mustRun(t, r, "t", "result = 'next'", nil); got != "next" {
				t.Errorf("next run: %#v", got)
			}
			if r.made.Load() == made {
				t.Errorf("the next run reused the interrupted VM")
			}
		})
	}
}

func TestContext(t *testing.T) {
	r := newRunner(t, Config{})
	t.Run("cancelled while running", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := r.Run(ctx, script.Request{Tenant: "t", Source: "while (true) {}", Timeout: time.Minute})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("took %s to stop", took)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := r.Run(ctx, script.Request{Tenant: "t", Source: "while (true) {}", Timeout: time.Minute})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Run(ctx, script.Request{Tenant: "t", Source: "result = 1"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("cancelled after", func(t *testing.T) {
		// A context that ends after the run must not interrupt a later
		// run on the same VM.
		for i := 0; i < 20; i++ {
			ctx, cancel := context.WithCancel(context.Background())
			if got, err := r.Run(ctx, script.Request{Tenant: "t", Source: "result = 1"}); err != nil || got != int64(1) {
				t.Fatalf("run %d: %#v, %v", i, got, err)
			}
			cancel()
		}
	})
	if got := mustRun(t, r, "t", "result = 2", nil); got != int64(2) {
		t.Errorf("after the cancellations: %#v", got)
	}
}

func TestMemory(t *testing.T) {
	r := newRunner(t, Config{})
	tests := []struct {
		name, src string
		limit     int64
	}{
		// Each tries for a GiB or more. The engine is slow under -race, so
		// the cases that fill memory element by element get less of it.
		{"arrays", "let a = []\nwhile (true) a.push(new Array(1e6).fill(1))", 64 << 20},
		{"huge string", "result = 'x'.repeat(1e9).length", 64 << 20},
		{"buffers", "let a = []\nfor (let i = 0; i < 1024; i++) a.push(new ArrayBuffer(1 << 20))", 64 << 20},
		{"doubling string", "let s = 'x'.repeat(1 << 20)\nlet a = []\nwhile (true) { s = s + s; a.push(s.slice(1)) }", 64 << 20},
		{"objects", "let a = []\nfor (let i = 0; ; i++) a.push({i, s: 'k' + i})", 16 << 20}, // QuickJS throws null
		{"in an async function", "result = (async () => {\n  let a = []\n  for (let i = 0; ; i++) { a.push({i}); if (i % 1000 == 0) await null }\n})()", 16 << 20},
		{"in the result", "let s = 'x'.repeat(1 << 22)\nresult = new Array(1 << 8).fill(s)", 16 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			made := r.made.Load()
			_, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: tt.src, Memory: tt.limit, Timeout: time.Minute})
			se := scriptError(t, err, script.ErrMemory)
			if want := fmt.Sprintf("%d MiB", tt.limit>>20); !strings.Contains(se.Message, want) {
				t.Errorf("message %q does not say the limit, %s", se.Message, want)
			}
			if got := mustRun(t, r, "t", "result = new Array(1000).fill(2).length", nil); got != int64(1000) {
				t.Errorf("next run: %#v", got)
			}
			if r.made.Load() == made {
				t.Errorf("the next run reused the VM that ran out of memory")
			}
		})
	}
	t.Run("tiers", func(t *testing.T) {
		src := "result = new ArrayBuffer(24 << 20).byteLength"
		if _, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: src, Memory: script.MemoryTiers["minimal"]}); !errors.Is(err, script.ErrMemory) {
			t.Errorf("minimal: got %v, want ErrMemory", err)
		}
		if got, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: src, Memory: script.MemoryTiers["standard"]}); err != nil || got != int64(24<<20) {
			t.Errorf("standard: %#v, %v", got, err)
		}
	})
	t.Run("host", func(t *testing.T) {
		// The memory was the VM's, not the Go heap's, and it went back.
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > 256<<20 {
			t.Errorf("Go heap at %d MiB after the runs", ms.HeapAlloc>>20)
		}
	})
}

// TestGarbageOfEarlierRun: cyclic garbage a run leaves under a big limit
// does not fail the next run under a small one.
func TestGarbageOfEarlierRun(t *testing.T) {
	r := newRunner(t, Config{})
	big := script.Request{Tenant: "t", Memory: script.MemoryTiers["intensive"],
		Source: "let a = []\nfor (let i = 0; i < 3e5; i++) { const o = {i}; o.self = o; a.push(o) }\nresult = a.length"}
	if got, err := r.Run(context.Background(), big); err != nil || got != int64(3e5) {
		t.Fatalf("big run: %#v, %v", got, err)
	}
	small := script.Request{Tenant: "t", Memory: script.MemoryTiers["minimal"], Source: "result = new Array(1e5).fill(0).length"}
	if got, err := r.Run(context.Background(), small); err != nil || got != int64(1e5) {
		t.Fatalf("small run after it: %#v, %v", got, err)
	}
	if made := r.made.Load(); made != 1 {
		t.Errorf("%d VMs made, want 1", made)
	}
}

func TestTenantIsolation(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 1})
	// Tenant a leaves everything it can behind, or tries to: the built-ins
	// are frozen, so the last two lines do nothing.
	mustRun(t, r, "a", "var secret = 'a-secret'\nglobalThis.leak = 1\nObject.prototype.mark = 'a'\nArray.prototype.sum = function () { return 1 }", map[string]any{"data": "a-data"})
	got := mustRun(t, r, "b", "result = [typeof secret, typeof leak, typeof data, typeof ({}).mark, typeof [].sum]", map[string]any{"other": int64(1)})
	want := []any{"undefined", "undefined", "undefined", "undefined", "undefined"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tenant b sees %#v", got)
	}
	// a's VM is still a's, and a sees nothing of its first run either.
	made := r.made.Load()
	if got := mustRun(t, r, "a", "result = [typeof secret, typeof ({}).mark]", nil); !reflect.DeepEqual(got, []any{"undefined", "undefined"}) {
		t.Errorf("tenant a: %#v", got)
	}
	if r.made.Load() != made {
		t.Errorf("tenant a's second run had a new VM")
	}
	idle, _ := r.stats()
	if idle["a"] != 1 || idle["b"] != 1 {
		t.Errorf("idle %v, want one VM per tenant", idle)
	}
	r.mu.Lock()
	for tenant, vs := range r.idle {
		for _, v := range vs {
			if v.tenant != tenant {
				t.Errorf("a VM of %q in the pool of %q", v.tenant, tenant)
			}
		}
	}
	r.mu.Unlock()
}

// TestRunIsolation: runs of one tenant on one VM do not see each other's
// globals.
func TestRunIsolation(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 1})
	tests := []struct {
		name    string
		dirty   string         // first run
		globals map[string]any // of the first run
		check   string         // second run; its result must be true
		newVM   bool           // the first run must cost the VM
	}{
		{"declarations", "var a = 1\nb = 2\nlet c = 3\nconst d = 4\nfunction e() {}\nclass F {}\nthis.g = 5\nresult = 0", nil,
			"[typeof a, typeof b, typeof c, typeof d, typeof e, typeof F, typeof g].every((t) => t === 'undefined')", false},
		{"redeclaring let and const", "let c = 3\nconst d = 4\nclass F {}", nil, "let c = 1\nconst d = 2\nclass F {}\nresult = c + d === 3", false},
		{"globals of the request", "result = x", map[string]any{"x": 1, "result": 2}, "typeof x === 'undefined' && typeof result === 'undefined'", false},
		{"result", "result = 'old'", nil, "typeof result === 'undefined'", false},
		{"non-enumerable and symbol keys", "Object.defineProperty(globalThis, 'hidden', {value: 1, configurable: true})\nglobalThis[Symbol.for('s')] = 1", nil,
			"typeof hidden === 'undefined' && globalThis[Symbol.for('s')] === undefined", false},
		{"replaced built-ins", "JSON = null\nMath = 5\ndelete globalThis.Date\nglobalThis.Array = function () {}\nvar parseInt = 1", nil,
			"typeof JSON.stringify === 'function' && Math.max(1, 2) === 2 && typeof Date.now === 'function' && Array.isArray([]) && parseInt('7') === 7", false},
		{"global hiding a built-in", "result = Date", map[string]any{"Date": "not a date"}, "typeof Date.now === 'function'", false},
		{"prototype of the global object", "Object.setPrototypeOf(globalThis, {inherited: 1})", nil, "typeof inherited === 'undefined'", false},
		{"pending promise jobs", "Promise.resolve().then(() => { globalThis.late = 1 })\nthrow new Error('early')", nil, "typeof late === 'undefined'", false},
		{"frozen global object", "Object.freeze(globalThis)", nil, "(globalThis.fresh = 1) === 1 && Object.isExtensible(globalThis)", true},
		{"non-configurable global", "Object.defineProperty(globalThis, 'stuck', {value: 1})", nil, "typeof stuck === 'undefined'", true},
		{"non-configurable var in a script", "(0, eval)('var x = 1')\nObject.defineProperty(globalThis, 'x', {configurable: false})", nil, "typeof x === 'undefined'", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := run(t, r, "t", tt.dirty, tt.globals); err != nil && !strings.Contains(tt.dirty, "throw") {
				t.Fatalf("first run: %v", err)
			}
			made := r.made.Load()
			src := tt.check // an expression, or a script setting result
			if !strings.Contains(src, "\nresult = ") {
				src = "result = (" + src + ")"
			}
			if got := mustRun(t, r, "t", src, nil); got != true {
				t.Errorf("second run sees the first: %q is %#v", tt.check, got)
			}
			if renewed := r.made.Load() != made; renewed != tt.newVM {
				t.Errorf("new VM for the second run: %v, want %v", renewed, tt.newVM)
			}
		})
	}
	t.Run("read-only built-ins are not globals", func(t *testing.T) {
		got := mustRun(t, r, "t", "result = [typeof undefined, typeof NaN, typeof Infinity, y]", map[string]any{"undefined": 1, "NaN": 2, "Infinity": 3, "y": 4})
		if want := []any{"undefined", "number", "number", int64(4)}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})
}

func TestNoHostAccess(t *testing.T) {
	r := newRunner(t, Config{})
	for _, name := range []string{
		"require", "module", "exports", "process", "Deno", "Bun",
		"setTimeout", "setInterval", "setImmediate", "clearTimeout", "os", "std", "bjson",
		"print", "__weft_console", "scriptArgs", "gc", "fetch", "XMLHttpRequest", "WebSocket",
		"WebAssembly", "FinalizationRegistry", "importScripts", "load", "readFile",
	} {
		t.Run(name, func(t *testing.T) {
			if got := mustRun(t, r, "t", "result = typeof "+name, nil); got != "undefined" {
				t.Errorf("typeof %s is %#v", name, got)
			}
		})
	}
	for _, src := range []string{
		"require('fs')",
		"import * as std from 'std'",
		"import * as os from 'os'",
		"import fs from 'fs'",
		"export const a = 1",
	} {
		t.Run(src, func(t *testing.T) {
			_, err := run(t, r, "t", src, nil)
			scriptError(t, err, script.ErrScript)
		})
	}
	for _, mod := range []string{"std", "os", "/etc/passwd", "./x.js", "data:text/javascript,export default 1"} {
		t.Run("import("+mod+")", func(t *testing.T) {
			src := fmt.Sprintf("import(%q).then(() => { result = 'loaded' }, (e) => { result = 'rejected: ' + e })", mod)
			got := mustRun(t, r, "t", src, nil)
			if s, _ := got.(string); !strings.HasPrefix(s, "rejected: ") {
				t.Errorf("got %#v", got)
			}
		})
	}
}

func TestRecycle(t *testing.T) {
	r := newRunner(t, Config{MaxRunsPerVM: 3})
	// The VMs made so far, after each run: a new one every third run.
	var got []int64
	for i := 0; i < 7; i++ {
		mustRun(t, r, "t", "result = 1", nil)
		got = append(got, r.made.Load())
	}
	if want := []int64{1, 1, 1, 2, 2, 2, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("VMs made after each run %v, want %v", got, want)
	}
}

func TestFreshVMPerRun(t *testing.T) {
	for _, cfg := range []Config{{MaxRunsPerVM: 1}, {PoolSize: -1}} {
		r := newRunner(t, cfg)
		for i := 0; i < 3; i++ {
			if got := mustRun(t, r, "t", "var n = (globalThis.n || 0) + 1\nresult = n", nil); got != int64(1) {
				t.Errorf("%+v: run %d saw %#v", cfg, i, got)
			}
			if made := r.made.Load(); made != int64(i+1) {
				t.Errorf("%+v: %d VMs made after run %d", cfg, made, i)
			}
		}
		if idle, _ := r.stats(); len(idle) != 0 {
			t.Errorf("%+v: idle %v", cfg, idle)
		}
	}
}

func TestPoolBounds(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 2, MaxIdle: 3})
	take := func(tenant string, n int) {
		var vs []*vm
		for i := 0; i < n; i++ {
			v, err := r.acquire(tenant)
			if err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		for _, v := range vs {
			r.release(v, true, nil)
		}
	}
	take("a", 4)
	if idle, _ := r.stats(); idle["a"] != 2 {
		t.Fatalf("idle %v, want 2 of a", idle)
	}
	take("b", 2) // 4 idle in all: a's oldest goes
	if idle, _ := r.stats(); idle["a"] != 1 || idle["b"] != 2 {
		t.Fatalf("idle %v, want 1 of a and 2 of b", idle)
	}
	take("c", 1) // b's oldest is now the least recently used
	if idle, _ := r.stats(); idle["a"] != 0 || idle["b"] != 2 || idle["c"] != 1 {
		t.Fatalf("idle %v, want 2 of b and 1 of c", idle)
	}
	if r.lru.Len() != 3 {
		t.Fatalf("lru has %d VMs", r.lru.Len())
	}
}

func TestClose(t *testing.T) {
	r := New(Config{})
	mustRun(t, r, "idle", "result = 1", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: "while (true) {}", Timeout: time.Minute})
		errc <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, busy := r.stats(); busy == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run did not start")
		}
	}
	time.Sleep(20 * time.Millisecond) // into the loop
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Close took %s", took)
	}
	scriptError(t, <-errc, script.ErrSandbox)
	if idle, busy := r.stats(); len(idle) != 0 || busy != 0 {
		t.Errorf("after Close: idle %v, busy %d", idle, busy)
	}
	_, err := run(t, r, "t", "result = 1", nil)
	scriptError(t, err, script.ErrSandbox)
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBadGlobals(t *testing.T) {
	r := newRunner(t, Config{})
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int), func() {}} {
		_, err := run(t, r, "t", "result = 1", map[string]any{"ok": 1, "bad": v})
		var se *script.Error
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("%T: got %v, want a plain error naming the global", v, err)
		}
	}
}

func TestDefaults(t *testing.T) {
	r := newRunner(t, Config{})
	// Timeout and Memory 0 mean the defaults, which are generous enough.
	got, err := r.Run(context.Background(), script.Request{Source: "let a = new Array(1e6).fill(1)\nresult = a.length"})
	if err != nil || got != int64(1e6) {
		t.Fatalf("%#v, %v", got, err)
	}
	if r.cfg.PoolSize != DefaultPoolSize || r.cfg.MaxIdle != DefaultMaxIdle || r.cfg.MaxRunsPerVM != DefaultMaxRunsPerVM {
		t.Errorf("config %+v", r.cfg)
	}
}

// TestConcurrency runs many scripts at once across tenants, some failing,
// and checks that no VM crossed a tenant. Run it with -race.
func TestConcurrency(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 2, MaxIdle: 5, MaxRunsPerVM: 15})
	tenants := []string{"a", "b", "c", "d"}
	const workers, runs = 4, 25
	// No run can mark its VM (the built-ins are frozen), so the pool is
	// watched instead: an idle VM is only ever in its own tenant's pool.
	stop, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		for {
			r.mu.Lock()
			for tenant, vs := range r.idle {
				for _, v := range vs {
					if v.tenant != tenant {
						t.Errorf("a VM of %q in the pool of %q", v.tenant, tenant)
					}
				}
			}
			r.mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for _, tenant := range tenants {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < runs; i++ {
					req := script.Request{Tenant: tenant, Globals: map[string]any{"tenant": tenant, "i": int64(i)}, Timeout: 10 * time.Second}
					switch i % 10 {
					case 3:
						req.Source = "throw new Error('planned')"
					case 6:
						req.Source, req.Timeout = "while (true) {}", 20*time.Millisecond
					case 9:
						req.Source = "globalThis.left = tenant\nlet r = i\nresult = [r]"
					default:
						// A run that tries to mark its VM for the next ones.
						req.Source = "Object.prototype.owner = tenant\nresult = [typeof ({}).owner, i * 2, typeof left]"
					}
					res, err := r.Run(context.Background(), req)
					switch i % 10 {
					case 3:
						if !errors.Is(err, script.ErrScript) {
							t.Errorf("%s %d: %v", tenant, i, err)
						}
					case 6:
						if !errors.Is(err, script.ErrTimeout) {
							t.Errorf("%s %d: %v", tenant, i, err)
						}
					case 9:
						if want := []any{int64(i)}; err != nil || !reflect.DeepEqual(res, want) {
							t.Errorf("%s %d: %#v, %v", tenant, i, res, err)
						}
					default:
						if want := []any{"undefined", int64(2 * i), "undefined"}; err != nil || !reflect.DeepEqual(res, want) {
							t.Errorf("%s %d: %#v, %v, want %#v", tenant, i, res, err, want)
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(stop)
	<-watched
	idle, busy := r.stats()
	total := 0
	for tenant, n := range idle {
		if n > 2 {
			t.Errorf("%d idle VMs of %s", n, tenant)
		}
		total += n
	}
	if total > 5 || busy != 0 {
		t.Errorf("idle %v, busy %d", idle, busy)
	}
}

// TestBuiltinsStayPristine: a run that changes a built-in fails with a
// TypeError or changes nothing (sloppy code, where assigning to a frozen
// property is ignored), and the next run on the same VM sees the built-in
// as it was. Each change is tried in sloppy and in strict code.
func TestBuiltinsStayPristine(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 1})
	tests := []struct {
		name, change string
		check        string // true when the built-in is as it was
		always       bool   // the change throws in sloppy code too
	}{
		{"Array.prototype", "Array.prototype.x = 1", "!('x' in [])", false},
		{"Object.prototype", "Object.prototype.x = 1", "({}).x === undefined", false},
		{"JSON.parse", "JSON.parse = () => 0", "JSON.parse('[1]')[0] === 1", false},
		{"Math.random", "Math.random = () => 4", "Math.random() < 1", false},
		{"String.prototype.trim", "String.prototype.trim = () => 'evil'", "' a '.trim() === 'a'", false},
		{"Promise.prototype.then", "Promise.prototype.then = () => 'evil'", "Promise.resolve(1).then(() => 2) instanceof Promise", false},
		{"AsyncFunction.prototype", "Object.getPrototypeOf(async function () {}).x = 1", "(async function () {}).x === undefined", false},
		{"ArrayIterator.prototype", "Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true })", "[...[1, 2]].length === 2", false},
		{"Reflect", "Reflect.x = 1", "Reflect.x === undefined", false},
		{"Date.prototype.getTime", "Date.prototype.getTime = () => 0", "new Date(5).getTime() === 5", false},
		{"delete Array.prototype.map", "delete Array.prototype.map", "typeof [].map === 'function'", false},
		{"property of a built-in function", "JSON.parse.cache = {}", "JSON.parse.cache === undefined", false},
		{"TypedArray.prototype", "Object.getPrototypeOf(Int8Array).prototype.x = 1", "new Int8Array(1).x === undefined", false},
		{"Iterator.prototype", "Iterator.prototype.map = null", "typeof [].values().map === 'function'", false},
		{"Generator.prototype", "Object.getPrototypeOf(function* () {}).prototype.next = null", "(function* () { yield 1 })().next().value === 1", false},
		{"Array.prototype[Symbol.unscopables]", "Array.prototype[Symbol.unscopables].flat = false", "Array.prototype[Symbol.unscopables].flat === true", false},
		{"Map.prototype.get", "Map.prototype.get = () => 'evil'", "new Map([[1, 2]]).get(1) === 2", false},
		{"RegExp.prototype.exec", "RegExp.prototype.exec = () => null", "/a/.test('a')", false},
		{"name of a built-in function", "Object.defineProperty(Array.prototype.map, 'name', { value: 'evil' })", "[].map.name === 'map'", true},
		{"prototype of a built-in function", "Object.setPrototypeOf(Array.prototype.map, { call: () => 'evil' })", "[].map.call([1], (x) => x + 1)[0] === 2", true},
		{"getter on Object.prototype", "Object.defineProperty(Object.prototype, 'y', { get() { return 1 } })", "({}).y === undefined", true},
		{"Object.prototype.toString, tamed", "Object.prototype.toString = () => 'evil'", "String({}) === '[object Object]'", true},
		{"Error.prototype.name, tamed", "Error.prototype.name = 'Evil'", "String(new Error('m')) === 'Error: m'", true},
		{"Error.prototype.name redefined", "Object.defineProperty(Error.prototype, 'name', { value: 'Evil' })", "new Error('m').name === 'Error'", true},
		{"Function.prototype.call, tamed", "Function.prototype.call = null", "Math.max.call(null, 1, 2) === 2", true},
		{"Array.prototype[Symbol.iterator], tamed", "Array.prototype[Symbol.iterator] = function* () {}", "[...[1]].length === 1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustRun(t, r, "t", "result = 1", nil) // a warm VM
			made := r.made.Load()
			for _, prefix := range []string{"", "'use strict'\n"} {
				mode := "sloppy"
				if prefix != "" {
					mode = "strict"
				}
				res, err := run(t, r, "t", prefix+tt.change+"\nresult = ("+tt.check+")", nil)
				if prefix != "" || tt.always {
					if err == nil {
						t.Errorf("%s: no error, result %#v; want a TypeError", mode, res)
					} else if se := scriptError(t, err, script.ErrScript); !strings.HasPrefix(se.Message, "TypeError: ") || se.Line != strings.Count(prefix, "\n")+1 {
						t.Errorf("%s: %q at line %d, want a TypeError at line %d", mode, se.Message, se.Line, strings.Count(prefix, "\n")+1)
					}
				} else if err != nil || res != true {
					t.Errorf("%s: %#v, %v; want the change to have no effect", mode, res, err)
				}
				if got := mustRun(t, r, "t", "result = ("+tt.check+")", nil); got != true {
					t.Errorf("the run after the %s change sees it: %q is %#v", mode, tt.check, got)
				}
			}
			if r.made.Load() != made {
				t.Errorf("the runs were not on the same VM")
			}
		})
	}
}

// TestOrdinaryCode: code that assigns over what the built-ins' prototypes
// hold, which frozen prototypes would reject without the override taming,
// and everyday code, work in sloppy and in strict scripts.
func TestOrdinaryCode(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 1})
	tests := []struct {
		name, src string
		want      any
	}{
		{"Error subclass naming itself", "class E extends Error { constructor(m) { super(m); this.name = 'E' } }\nconst e = new E('m')\nresult = [e.name, e.message, String(e), e instanceof Error, Object.keys(e).join()]",
			[]any{"E", "m", "E: m", true, "name"}},
		{"subclass of a native error", "class V extends TypeError { constructor() { super(); this.message = 'v'; this.name = 'V' } }\nresult = String(new V())", "V: v"},
		{"error message and name assigned", "const e = new Error('m')\ne.message = 'n'\nconst f = new Error()\nf.message = 'o'\nf.name = 'N'\nresult = [e.message, String(f)]", []any{"n", "N: o"}},
		{"own toString", "const o = {}\no.toString = () => 'x'\nresult = String(o) + o", "xx"},
		{"toString on a prototype", "function F() {}\nF.prototype.toString = function () { return 'f' }\nresult = String(new F())", "f"},
		{"constructor of a prototype chain", "function A() {}\nfunction B() {}\nB.prototype = Object.create(A.prototype)\nB.prototype.constructor = B\nconst b = new B()\nresult = [b.constructor === B, b instanceof A]", []any{true, true}},
		{"Object.prototype's names as own properties", "const o = {}\no.constructor = 1\no.hasOwnProperty = 2\no.valueOf = () => 41\nresult = [o + 1, o.constructor, o.hasOwnProperty]", []any{int64(42), int64(1), int64(2)}},
		{"Object.assign of those names", "result = Object.assign({}, { toString: 1, constructor: 2, isPrototypeOf: 3 })", map[string]any{"toString": int64(1), "constructor": int64(2), "isPrototypeOf": int64(3)}},
		{"globals named like them", "toString = 1\nvar valueOf = 2\nresult = [toString, valueOf, typeof globalThis.hasOwnProperty]", []any{int64(1), int64(2), "function"}},
		{"a method of an array replaced", "const a = [1]\na.push = function (x) { return Array.prototype.push.call(this, x, x) }\na.push(2)\nresult = a", []any{int64(1), int64(2), int64(2)}},
		{"call, apply and bind", "function f(a, b) { return this.x + a + b }\nconst g = function () {}\ng.call = 1\nresult = [f.call({ x: 1 }, 2, 3), f.apply({ x: 1 }, [2, 3]), f.bind({ x: 1 }, 2)(3), g.call]", []any{int64(6), int64(6), int64(6), int64(1)}},
		{"for-in lists no built-in", "const ks = []\nfor (const k in { a: 1 }) ks.push(k)\nfor (const k in [5]) ks.push(k)\nfor (const k in new Error('x')) ks.push(k)\nresult = ks", []any{"a", "0"}},
		{"arrays, maps, JSON and regexps", "const a = [3, 1, 2].sort()\na.push(4)\nconst m = new Map([[1, 'a']])\nm.set(2, 'b')\nresult = [a.join(), JSON.stringify({ m: [...m] }), 'x-y-z'.replace(/-/g, '+'), /(\\d+)/.exec('ab12')[1], [...'héllo'].length, Array.from({ length: 2 }, (_, i) => i * 2).concat([9])]",
			[]any{"1,2,3,4", `{"m":[[1,"a"],[2,"b"]]}`, "x+y+z", "12", int64(5), []any{int64(0), int64(2), int64(9)}}},
		{"typed arrays", "const t = new Uint8Array([1, 2])\nt.set([3], 1)\nresult = [...t.map((x) => x * 2)].concat(String(t))", []any{int64(2), int64(6), "1,3"}},
		{"promises and async functions", "result = (async () => { const x = await Promise.all([1, Promise.resolve(2)]); return x[0] + x[1] })()", int64(3)},
		{"generators and iterator helpers", "function* g() { yield 1; yield 2 }\nresult = [...g()].concat(Array.from(g()), [1, 2, 3].values().map((x) => x * 2).toArray())",
			[]any{int64(1), int64(2), int64(1), int64(2), int64(2), int64(4), int64(6)}},
		{"async generators", "async function* g() { yield 1; yield 2 }\nresult = (async () => { let s = 0; for await (const x of g()) s += x; return s })()", int64(3)},
		{"Array subclass", "class A extends Array { sum() { return this.reduce((a, b) => a + b, 0) } }\nconst a = A.from([1, 2, 3])\na.push(4)\nresult = [a.sum(), a instanceof A, a.map((x) => x).constructor === A, a.length]",
			[]any{int64(10), true, true, int64(4)}},
		{"Promise subclass", "class P extends Promise {}\nconst p = P.resolve(1).then((x) => x + 1)\nresult = (async () => [p instanceof P, await p])()", []any{true, int64(2)}},
		{"Object.defineProperty on own objects", "const o = {}\nObject.defineProperty(o, 'x', { value: 1, enumerable: true })\nObject.defineProperty(o, 'toString', { value: () => 'o' })\nObject.freeze(o)\nresult = [o.x, String(o), Object.isFrozen(o)]",
			[]any{int64(1), "o", true}},
		{"hasOwnProperty and friends", "result = [({ a: 1 }).hasOwnProperty('a'), Object.prototype.hasOwnProperty.call([], 'length'), Object.prototype.isPrototypeOf.call(Array.prototype, []), String(new RangeError('r')), (function f() {}).toString().startsWith('function f')]",
			[]any{true, true, true, "RangeError: r", true}},
	}
	for _, tt := range tests {
		for _, mode := range [][2]string{{"sloppy", ""}, {"strict", "'use strict'\nvar result\n"}} {
			prefix := mode[1]
			t.Run(tt.name+"/"+mode[0], func(t *testing.T) {
				if got := mustRun(t, r, "t", prefix+tt.src, nil); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %#v, want %#v", got, tt.want)
				}
			})
		}
	}
	// What the runs assigned is gone.
	got := mustRun(t, r, "t", "result = [typeof toString, typeof valueOf, Object.keys(globalThis).length]", nil)
	if want := []any{"function", "function", int64(0)}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the runs: %#v, want %#v", got, want)
	}
	if made := r.made.Load(); made != 1 {
		t.Errorf("%d VMs made, want 1", made)
	}
}

// TestConsole: console.* reaches Request.Output with its level, formatted,
// and console cannot be replaced for the next run.
func TestConsole(t *testing.T) {
	r := newRunner(t, Config{PoolSize: 1})
	var got []string
	out := func(l slog.Level, line string) { got = append(got, l.String()+" "+line) }
	src := `console.log("a", 1, {b: [true]}); console.warn("w"); console.error(new Error("e").message); console.debug(undefined, null); console.log = () => {}; result = 1`
	for i := 0; i < 2; i++ {
		got = nil
		if _, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: src, Timeout: time.Second, Output: out}); err != nil {
			t.Fatal(err)
		}
		want := []string{`INFO a 1 {"b":[true]}`, "WARN w", "ERROR e", "DEBUG undefined null"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: %q, want %q", i, got, want)
		}
	}
	// Without Output, console is quiet.
	if _, err := r.Run(context.Background(), script.Request{Tenant: "t", Source: "console.log('x'); result = 1", Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
}
