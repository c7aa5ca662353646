// runner.go: the package doc, Config and Runner, the script.Runner for
// JavaScript, with its pool of warm QuickJS VMs kept per tenant.

// Package javascript runs the scripts of the JavaScriptInterpreter node in
// QuickJS (modernc.org/quickjs, pure Go, in-process), implementing
// script.Runner.
//
//	r := javascript.New(javascript.Config{Logger: logger})
//	defer r.Close()
//	res, err := r.Run(ctx, script.Request{Tenant: "acme", Source: "result = x * 2",
//		Globals: map[string]any{"x": int64(21)}, Timeout: time.Second})
//	// res == int64(42)
//
// # The script
//
// Each key of Request.Globals is a global variable holding a copy of its
// value (it goes in as JSON). The script leaves its result in `result`,
// declared any way it likes: `result = ...`, `var`, `let` or `const result`
// at the top level, or `globalThis.result`. When `result` is a promise, as
// in `result = (async () => ...)()`, its value is taken once the job queue
// is drained; a rejection fails the run. The result comes out through
// JSON.stringify in the VM, decoded with numbers as int64 when they are
// integers that fit, float64 otherwise; null gives nil; no result (undefined)
// gives an empty object, map[string]any{}, as the seed's interpreters do.
// Functions, symbols, BigInts, NaN, the infinities, Maps, Sets and cycles
// anywhere in the result fail with script.ErrResult naming what was found
// and where, rather than disappearing as JSON.stringify would have them;
// undefined inside an object or array is dropped or becomes null, as
// JSON.stringify does. Promise jobs (then callbacks, async functions) run
// after the script, within its timeout.
//
// The script runs as global code, not as a module: `import` is a syntax
// error and `import()` a promise that rejects. The VM has the ECMAScript
// built-ins and nothing else: no require, no std or os module, no timers
// (setTimeout and friends), no console or print, no filesystem or network,
// no FinalizationRegistry. A global that names a read-only built-in
// (undefined, NaN, Infinity) is not set; one that names another built-in
// (Date, JSON, ...) hides it for that run.
//
// # Limits
//
// Request.Memory is QuickJS's memory limit for the VM's runtime, which
// holds some 250 KiB of its own; going over it fails with
// script.ErrMemory. (When the engine has no memory left even for its
// error it throws null, so an uncaught null counts as running out of
// memory unless the script has `throw null` or `reject(null)`.) Request.Timeout arms QuickJS's interrupt handler, which
// the engine polls in loops and calls; cancelling ctx and Runner.Close
// interrupt too. A `while(true){}` stops within milliseconds of its
// timeout; a built-in that loops in native code without calling back into
// JavaScript (sorting millions of elements, say) can overrun by as long as
// it takes, bounded by what the memory limit lets it work on. Unbounded
// recursion fails with "InternalError: stack overflow".
//
// # Pool and isolation
//
// A VM is one QuickJS runtime with one context; VMs are kept warm in a
// pool per tenant and never shared between tenants. A VM that went over
// its memory limit, was interrupted (timeout, ctx, Close) or failed in a
// way the bootstrap could not catch is closed, never reused, and so is a
// VM that served Config.MaxRunsPerVM runs. Idle VMs are bounded per tenant
// (PoolSize) and in all (MaxIdle, least recently used out first).
//
// Runs on a warm VM must not see each other's globals. The choice was
// measured on the 2-core development machine (p50 of Runner.Run for a
// small script, see bench_test.go):
//
//   - A fresh VM per run (BenchmarkNewVMPerCall, which is MaxRunsPerVM: 1)
//     is the strongest isolation but costs about 1.3 ms: some 130 µs for
//     the runtime and context with its intrinsics, 930 µs to set up the
//     bootstrap, most of it to freeze the built-ins (see Notes), 150 µs
//     to close. A fresh context on a warm runtime would save only the
//     runtime's share, and modernc.org/quickjs cannot make one.
//   - Evaluating the script with VM.Eval as a global script leaves its
//     top-level let/const in the global lexical scope for good (the next
//     run declaring the same name is a SyntaxError) and its var
//     declarations as undeletable global properties.
//   - Wrapping the script in a function changes the meaning of top-level
//     var, this and return.
//
// So the script is run by an indirect eval from the bootstrap (see
// bootstrap.js): that is global code whose top-level let, const and class
// stay in a scope of the eval's own, while var and function declarations
// and assignments to undeclared names become configurable properties of
// the global object, which can be deleted. After the run the bootstrap
// deletes every global property that was not there when the VM was made
// and puts back any built-in global the script replaced or deleted,
// checked by identity against a snapshot; when it cannot (the script froze
// the global object or made a global non-configurable) the VM is closed.
// The request's globals are defined the same way before the run. Line
// numbers are the script's own, since nothing is put before it.
//
// In this engine each step costs some 150 ns a key, and listing the 60-odd
// built-in globals and checking them one by one came to 40 µs a run. As the
// built-ins are not enumerable, while assignments, declarations and the
// request's globals are, Object.keys finds the usual additions cheaply;
// the count of own keys and a check of the built-ins compiled with their
// names spelled out catch the rest, and the key-by-key way runs only then.
// A warm call (BenchmarkWarmCall) costs about 45 µs: 14 µs to put the
// globals in and evaluate the script, 7 µs to take the result out, 22 µs
// to clean up.
//
// # Notes
//
// The built-ins are frozen when a VM is made, so that no run sees what an
// earlier one did to them: every object the global object's properties
// lead to, through property values, getters, setters and prototypes, and
// the intrinsics no global names (the prototypes of async and generator
// functions and of the iterators, %TypedArray%, %ThrowTypeError%, ...), but
// not the global object itself. A script that changes a built-in
// (Array.prototype.x = ..., JSON.parse = ..., delete Array.prototype.map)
// gets a TypeError in strict code and changes nothing in sloppy code, where
// such assignments are ignored; Object.defineProperty, Object.setPrototypeOf
// and the like on a built-in throw a TypeError in both. What runs of a VM
// still share is state no script sets: the generator behind Math.random and
// the registry of Symbol.for.
//
// Frozen prototypes would make an assignment of a property that a prototype
// holds fail, as in err.name = ... or Foo.prototype.toString = ... (the
// "override mistake"). So, as in SES's "moderate" override taming, these
// properties are accessors whose setter makes an own property of the
// object assigned to, and throws a TypeError when that object is the
// built-in itself: constructor, toString, toLocaleString, valueOf,
// hasOwnProperty, isPrototypeOf and propertyIsEnumerable of
// Object.prototype; constructor, name, toString, bind, apply and call of
// Function.prototype; constructor, name, message and toString of
// Error.prototype, and constructor, name and message of the other error
// prototypes; constructor of Promise.prototype and of the generator
// functions' prototype; constructor, toString, push, concat, join and
// Symbol.iterator of Array.prototype; constructor and toString of
// %TypedArray%.prototype. Looking one of them up costs some 65 ns more than
// a data property; the other methods stay data properties.
//
// Freezing costs the making of a VM, not the runs: BenchmarkWarmCall is
// 54 µs with it and 53 µs without, BenchmarkNewVMPerCall 1,330 µs and
// 410 µs (p50 of five, in the same run). Some 660 objects are frozen, 510
// of them built-in functions, most of which QuickJS otherwise makes only
// when a script first uses them; making and freezing them and making the
// accessors above is the difference, and closing the VM then takes 150 µs
// instead of 60. Finding those objects by walking their descriptors would
// cost some 4 ms more a VM: a VM walks them once per process and the walk
// is compiled in, as straight-line code (see prepareBootstrap in vm.go).
//
// Integers beyond ±2^53 lose precision in the VM, as JavaScript numbers.
// Strings are UTF-8 on the Go side; lone surrogates become U+FFFD.
package javascript

import (
	"container/list"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// Config configures a Runner; the zero value is usable.
type Config struct {
	// PoolSize is how many idle VMs are kept per tenant; 0 means 4. A
	// negative PoolSize keeps none: every run gets a new VM.
	PoolSize int
	// MaxIdle bounds the idle VMs kept across all tenants, the least
	// recently used going first; 0 means 64.
	MaxIdle int
	// MaxRunsPerVM is how many runs a VM serves before it is closed;
	// 0 means 1000. 1 gives every run a fresh VM.
	MaxRunsPerVM int
	// Logger gets the pool's debug events and engine failures; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultPoolSize     = 4
	DefaultMaxIdle      = 64
	DefaultMaxRunsPerVM = 1000
)

// Runner runs JavaScript on pooled QuickJS VMs. It is safe for concurrent
// use; each run has a VM of its own.
type Runner struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	closed bool
	idle   map[string][]*vm // per tenant, least recently used first
	lru    list.List        // every idle VM, least recently used first
	busy   map[*vm]struct{}
	wg     sync.WaitGroup // runs in progress

	made atomic.Int64 // VMs made, for tests
}

var _ script.Runner = (*Runner)(nil)

// New returns a Runner with no VM yet; VMs are made as runs need them.
//
//	r := javascript.New(javascript.Config{PoolSize: 2})
//	defer r.Close()
func New(cfg Config) *Runner {
	if cfg.PoolSize == 0 {
		cfg.PoolSize = DefaultPoolSize
	}
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = DefaultMaxIdle
	}
	if cfg.MaxRunsPerVM <= 0 {
		cfg.MaxRunsPerVM = DefaultMaxRunsPerVM
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Runner{cfg: cfg, log: log, idle: map[string][]*vm{}, busy: map[*vm]struct{}{}}
}

// Run runs req.Source on a VM of req.Tenant and returns its `result`.
//
//	res, err := r.Run(ctx, script.Request{Tenant: "acme", Source: "result = [1, 2.5, 'x']"})
//	// res == []any{int64(1), 2.5, "x"}
//
// # Errors
//
//   - *script.Error with Kind script.ErrScript: a syntax error or an
//     uncaught exception, Message "TypeError: cannot read property 'x' of
//     undefined" style and Line the script's line (0 when the thrown value
//     is not an Error, which has no stack);
//   - script.ErrTimeout: the run went past req.Timeout (default
//     script.DefaultTimeout);
//   - script.ErrMemory: the VM went over req.Memory (default
//     script.DefaultMemory);
//   - script.ErrResult: `result` cannot be turned into JSON, the message
//     names what it holds;
//   - script.ErrSandbox: no VM could be made, the engine failed, or the
//     Runner was closed;
//   - ctx's error when ctx ended first;
//   - a plain error when a value of req.Globals cannot be encoded as JSON
//     (NaN, a channel, ...): the request is wrong, not the script.
func (r *Runner) Run(ctx context.Context, req script.Request) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = script.DefaultTimeout
	}
	limit := req.Memory
	if limit <= 0 {
		limit = script.DefaultMemory
	}
	input, err := encodeGlobals(req.Globals)
	if err != nil {
		return nil, err
	}
	return onVM(r, req.Tenant, "the script's global variables could not be set", func(v *vm) (any, bool, error) {
		if req.Output != nil {
			v.out = func(level int, msg string) { req.Output(consoleLevel(level), msg) }
			defer func() { v.out = nil }()
		}
		return v.exec(ctx, req.Source, input, timeout, limit)
	})
}

// consoleLevel maps console's levels (0 trace .. 4 error) to slog's.
func consoleLevel(l int) slog.Level {
	switch l {
	case 0:
		return slog.LevelDebug - 4
	case 1:
		return slog.LevelDebug
	case 3:
		return slog.LevelWarn
	case 4:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// onVM runs job on a VM of tenant and gives the VM back. A job that could
// not start because the VM's global object could not be prepared
// (errDirty) runs once more on another VM; a second time, it fails with
// script.ErrSandbox saying dirty.
func onVM[T any](r *Runner, tenant, dirty string, job func(*vm) (T, bool, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := r.acquire(tenant)
		if err != nil {
			var zero T
			return zero, err
		}
		res, keep, err := job(v)
		r.release(v, keep, err)
		if errors.Is(err, errDirty) && attempt == 0 {
			continue // the job has not started: once more on another VM
		}
		if errors.Is(err, errDirty) {
			err = &script.Error{Kind: script.ErrSandbox, Message: dirty}
		}
		if errors.Is(err, script.ErrSandbox) && !r.isClosed() {
			r.log.Warn("javascript: run failed in the engine", "tenant", tenant, "err", err)
		}
		return res, err
	}
}

// Close interrupts the runs in progress, waits for them to end and closes
// every VM. Run fails with script.ErrSandbox afterwards. Close is
// idempotent.
//
// # Notes
//
// A run inside a built-in that loops in native code ends, and so lets
// Close return, when the built-in returns (see Limits in the package doc).
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		r.wg.Wait()
		return nil
	}
	r.closed = true
	var idle []*vm
	for _, vs := range r.idle {
		idle = append(idle, vs...)
	}
	r.idle = map[string][]*vm{}
	r.lru.Init()
	for v := range r.busy {
		v.closing.Store(true)
		v.interrupt()
	}
	r.mu.Unlock()

	for _, v := range idle {
		v.close()
	}
	r.wg.Wait()
	return nil
}

// acquire takes an idle VM of tenant, the most recently used, or makes a
// new one. The caller must pass it to release.
func (r *Runner) acquire(tenant string) (*vm, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errClosed()
	}
	r.wg.Add(1)
	if vs := r.idle[tenant]; len(vs) > 0 {
		v := vs[len(vs)-1]
		vs[len(vs)-1] = nil
		if len(vs) == 1 {
			delete(r.idle, tenant)
		} else {
			r.idle[tenant] = vs[:len(vs)-1]
		}
		r.lru.Remove(v.elem)
		v.elem = nil
		r.busy[v] = struct{}{}
		r.mu.Unlock()
		return v, nil
	}
	r.mu.Unlock()

	start := time.Now()
	v, err := newVM(tenant)
	if err != nil {
		r.wg.Done()
		r.log.Error("javascript: cannot make a VM", "tenant", tenant, "err", err)
		return nil, &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	r.made.Add(1)
	r.log.Debug("javascript: new VM", "tenant", tenant, "took", time.Since(start))
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		v.close()
		r.wg.Done()
		return nil, errClosed()
	}
	r.busy[v] = struct{}{}
	r.mu.Unlock()
	return v, nil
}

// release puts v back in its tenant's pool after a run that ended with
// err, or closes it when it cannot be kept, is worn out or is one too
// many.
func (r *Runner) release(v *vm, keep bool, err error) {
	defer r.wg.Done()
	v.runs++
	reason := ""
	switch {
	case !keep:
		reason = "unusable after " + describe(err)
	case v.runs >= r.cfg.MaxRunsPerVM:
		reason = "recycled"
	case r.cfg.PoolSize < 0:
		reason = "no pool"
	}

	r.mu.Lock()
	delete(r.busy, v)
	if r.closed && reason == "" {
		reason = "runner closed"
	}
	var evicted []*vm
	if reason == "" {
		vs := append(r.idle[v.tenant], v)
		v.elem = r.lru.PushBack(v)
		if len(vs) > r.cfg.PoolSize {
			evicted = append(evicted, vs[0])
			r.lru.Remove(vs[0].elem)
			vs[0].elem = nil
			vs[0] = nil
			vs = vs[1:]
		}
		r.idle[v.tenant] = vs
		for r.lru.Len() > r.cfg.MaxIdle {
			evicted = append(evicted, r.evictOldest())
		}
	}
	r.mu.Unlock()

	if reason != "" {
		r.log.Debug("javascript: VM closed", "tenant", v.tenant, "runs", v.runs, "reason", reason)
		v.close()
	}
	for _, e := range evicted {
		r.log.Debug("javascript: idle VM closed", "tenant", e.tenant, "runs", e.runs, "reason", "pool full")
		e.close()
	}
}

// evictOldest takes the least recently used idle VM out of the pool. It is
// the oldest of its tenant, so the first of the tenant's slice. r.mu must
// be held.
func (r *Runner) evictOldest() *vm {
	v := r.lru.Remove(r.lru.Front()).(*vm)
	v.elem = nil
	vs := r.idle[v.tenant]
	for i, w := range vs {
		if w == v {
			copy(vs[i:], vs[i+1:])
			vs[len(vs)-1] = nil
			vs = vs[:len(vs)-1]
			break
		}
	}
	if len(vs) == 0 {
		delete(r.idle, v.tenant)
	} else {
		r.idle[v.tenant] = vs
	}
	return v
}

// stats reports the idle VMs per tenant and the runs in progress, for
// tests.
func (r *Runner) stats() (idle map[string]int, busy int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	idle = map[string]int{}
	for t, vs := range r.idle {
		idle[t] = len(vs)
	}
	return idle, len(r.busy)
}

func (r *Runner) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func errClosed() error {
	return &script.Error{Kind: script.ErrSandbox, Message: "the JavaScript runner is closed"}
}

// describe names the kind of err for the log.
func describe(err error) string {
	var se *script.Error
	switch {
	case err == nil:
		return "a run that left the global object dirty"
	case errors.As(err, &se):
		return se.Kind.Error()
	}
	return err.Error()
}
