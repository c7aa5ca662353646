// Package wasmhost runs custom nodes compiled to WebAssembly, as ABI v1
// (../shared/design/abi-v1.md) specifies: modules are checked against the
// ABI, instrumented so that a spinning guest is stopped at its deadline
// without stalling the Go scheduler, compiled once (and cached on disk),
// and called through pools of warm instances that are never shared across
// tenants.
//
//	h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: filepath.Join(home, "cache")})
//	pkg, err := h.Load(ctx, p)                 // p from pkgfile.Load
//	res, err := pkg.Call(ctx, &wasmhost.CallRequest{Node: "add", Inputs: ...})
//
// # Notes
//
// Guest code compiled by wazero cannot be preempted by Go. Every module is
// therefore instrumented at load (package instrument): a counter at each
// loop header and function entry calls the host's weft_rt.yield every few
// thousand iterations, which checks the call's deadline and lets the
// scheduler run. A module the instrumenter cannot handle runs with
// wazero's WithCloseOnContextDone instead, which is slower; the host logs
// that it did so.
package wasmhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/weft-dev/weft/internal/script/javascript"
	"github.com/weft-dev/weft/internal/wasmhost/instrument"
)

// Config configures a Host. The zero value works: no on-disk cache.
type Config struct {
	// CacheDir holds compiled code and instrumented modules across
	// processes. Empty: compile in memory only.
	CacheDir string
	// Logger receives the host's diagnostics (fallbacks, cache problems).
	Logger *slog.Logger
	// PoolSize is how many warm instances are kept per tenant and module.
	// Default DefaultPoolSize.
	PoolSize int
	// Capabilities back the host operations beyond vars.* and stream.emit.
	Capabilities Capabilities
	// LoopBudget and CallBudget tune the instrumentation: how many loop
	// iterations and calls run between two checks of the deadline. Zero:
	// the instrumenter's defaults.
	LoopBudget, CallBudget int32
	// PackageConfig is the operator's configuration of each package, by
	// package ID: the "config" object weft_init receives (lifecycle.go,
	// docs/abi.md). A package without an entry gets {}.
	PackageConfig map[string]map[string]any
}

// Host runs WebAssembly custom nodes. It is safe for concurrent use.
type Host struct {
	cfg   Config
	log   *slog.Logger
	cache wazero.CompilationCache

	mu       sync.Mutex
	main     wazero.Runtime            // instrumented modules
	fallback map[uint32]wazero.Runtime // by memory limit in pages: WithCloseOnContextDone
	compiled map[string]*module        // by key (module digest and tier)

	jsOnce  sync.Once
	js      *javascript.Runner                // JavaScript packages' VMs
	scripts map[string]*javascript.NodeScript // by digest of the script
}

// New returns a host.
//
// # Errors
//
// The cache directory cannot be created or opened.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = DefaultPoolSize
	}
	h := &Host{cfg: cfg, log: cfg.Logger, fallback: map[uint32]wazero.Runtime{}, compiled: map[string]*module{}}
	if cfg.CacheDir != "" {
		dir := filepath.Join(cfg.CacheDir, "wazero")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		h.cache = c
	} else {
		h.cache = wazero.NewCompilationCache()
	}
	rt, err := h.newRuntime(ctx, 65536, false)
	if err != nil {
		return nil, err
	}
	h.main = rt
	return h, nil
}

func (h *Host) newRuntime(ctx context.Context, memLimitPages uint32, closeOnDone bool) (wazero.Runtime, error) {
	rc := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(h.cache).
		WithMemoryLimitPages(memLimitPages).
		WithCloseOnContextDone(closeOnDone).
		WithDebugInfoEnabled(false)
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("%w: WASI: %w", ErrInternal, err)
	}
	if err := instantiateHostModules(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return rt, nil
}

// runtimeFor returns the runtime a module runs in.
func (h *Host) runtimeFor(ctx context.Context, instrumented bool, memPages uint32) (wazero.Runtime, error) {
	if instrumented {
		return h.main, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if rt, ok := h.fallback[memPages]; ok {
		return rt, nil
	}
	rt, err := h.newRuntime(ctx, memPages, true)
	if err != nil {
		return nil, err
	}
	h.fallback[memPages] = rt
	return rt, nil
}

// Close releases every runtime and compiled module.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	errs = append(errs, h.main.Close(ctx))
	for _, rt := range h.fallback {
		errs = append(errs, rt.Close(ctx))
	}
	errs = append(errs, h.cache.Close(ctx))
	if h.js != nil {
		errs = append(errs, h.js.Close())
	}
	return errors.Join(errs...)
}

// Sentinel errors.
var (
	// ErrInvalidModule wraps every refusal of a module at load: ABI
	// mismatch, limits, undecodable bytes.
	ErrInvalidModule = errors.New("invalid module")
	// ErrInternal marks bugs in weft.
	ErrInternal = errors.New("internal error")
)

// instantiateHostModules provides weft_rt.yield (for instrumented modules)
// and the ABI's weft.log and weft.call.
func instantiateHostModules(ctx context.Context, rt wazero.Runtime) error {
	_, err := rt.NewHostModuleBuilder(instrument.YieldModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(yield), nil, nil).Export(instrument.YieldName).
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("%w: host module %s: %w", ErrInternal, instrument.YieldModule, err)
	}
	i32 := api.ValueTypeI32
	_, err = rt.NewHostModuleBuilder("weft").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostLog), []api.ValueType{i32, i32, i32}, nil).Export("log").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostCall), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{api.ValueTypeI64}).Export("call").
		Instantiate(ctx)
	if err != nil {
		return fmt.Errorf("%w: host module weft: %w", ErrInternal, err)
	}
	return nil
}

// yield is called by instrumented guests every few thousand loop
// iterations or calls: it stops a guest whose call is over and lets the Go
// scheduler (and the garbage collector) run, at most every goschedEvery:
// a Gosched costs up to microseconds and can move the guest between
// threads, while a pause of half a millisecond is nothing to the GC.
func yield(ctx context.Context, mod api.Module, _ []uint64) {
	if err := ctx.Err(); err != nil {
		code := sys.ExitCodeDeadlineExceeded
		if errors.Is(err, context.Canceled) {
			code = sys.ExitCodeContextCanceled
		}
		_ = mod.CloseWithExitCode(ctx, code)
		panic(sys.NewExitError(code))
	}
	if cs, ok := ctx.(*callState); ok {
		now := time.Now()
		if now.Sub(cs.lastGosched) < goschedEvery {
			return
		}
		cs.lastGosched = now
	}
	runtime.Gosched()
}

// goschedEvery is how often a running guest lets the scheduler run.
const goschedEvery = 500 * time.Microsecond

// digest returns the hex SHA-256 of b.
func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
