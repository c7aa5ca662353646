// Modules: checking, instrumenting (with an on-disk cache of the result)
// and compiling a package's WebAssembly once, for every instance after.

package wasmhost

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/weft-dev/weft/internal/script/javascript"
	"github.com/weft-dev/weft/internal/wasmhost/instrument"
)

// module is one compiled module, shared by every instance of it.
type module struct {
	name         string // path inside the package, for messages
	cm           wazero.CompiledModule
	rt           wazero.Runtime
	instrumented bool
	hasInit      bool
	hasFree      bool
	hasInitHook  bool // exports weft_init (lifecycle.go)
	hasCleanup   bool // exports weft_cleanup (lifecycle.go)
	memPages     uint32

	// script is set, and the fields above are not, for a JavaScript
	// package's script (script.go).
	script *javascript.NodeScript
}

// cachedModule is what the on-disk cache keeps of an instrumented module.
type cachedModule struct {
	Info        *instrument.Info `json:"info"`
	Unsupported string           `json:"unsupported,omitempty"` // why instrumentation was not possible
}

// compile checks, instruments and compiles wasm for a memory tier of
// memPages pages. Compiled modules are shared by key within the process.
// sum is the hex SHA-256 of wasm when the caller knows it (an unpacked
// copy recorded it: pkgfile.Package.ModuleDigests), else "" to compute it.
func (h *Host) compile(ctx context.Context, name string, wasm []byte, sum string, memPages uint32) (*module, error) {
	if len(wasm) > maxModuleSize {
		return nil, fmt.Errorf("%w: module %s is %d bytes, over the limit of %d", ErrInvalidModule, name, len(wasm), maxModuleSize)
	}
	if len(sum) != 2*sha256.Size {
		sum = digest(wasm)
	}
	key := fmt.Sprintf("%s-%d", sum, memPages)
	h.mu.Lock()
	m, ok := h.compiled[key]
	h.mu.Unlock()
	if ok {
		return m, nil
	}

	lim := instrument.Limits{MaxTableSize: MaxTableSize, MaxMemoryPages: memPages, MaxModuleSize: maxModuleSize}
	code, cached, err := h.instrumented(key, wasm, lim)
	if err != nil {
		return nil, err
	}
	if err := checkABI(cached.Info); err != nil {
		return nil, fmt.Errorf("module %s: %w", name, err)
	}
	instrumented := cached.Unsupported == ""
	if !instrumented {
		h.log.Warn("module cannot be instrumented; running it with wazero's context checks, which are slower",
			"module", name, "reason", cached.Unsupported)
	}
	rt, err := h.runtimeFor(ctx, instrumented, memPages)
	if err != nil {
		return nil, err
	}
	cm, err := rt.CompileModule(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("%w: module %s does not compile: %s", ErrInvalidModule, name, firstLine(err.Error()))
	}
	m = &module{name: name, cm: cm, rt: rt, instrumented: instrumented, memPages: memPages}
	for _, e := range cached.Info.Exports {
		switch e.Name {
		case "_initialize":
			m.hasInit = true
		case "weft_free":
			m.hasFree = true
		case "weft_init":
			m.hasInitHook = true
		case "weft_cleanup":
			m.hasCleanup = true
		}
	}
	h.mu.Lock()
	if prev, ok := h.compiled[key]; ok {
		m = prev // another goroutine compiled it meanwhile
	} else {
		h.compiled[key] = m
	}
	h.mu.Unlock()
	return m, nil
}

// instrumented returns the module to compile and what inspection found,
// from the on-disk cache when it has them: inspecting and instrumenting a
// 2 MB module costs tens of milliseconds that a restart need not pay again.
func (h *Host) instrumented(key string, wasm []byte, lim instrument.Limits) ([]byte, *cachedModule, error) {
	opts := instrument.Options{LoopBudget: h.cfg.LoopBudget, CallBudget: h.cfg.CallBudget}
	var base string
	if h.cfg.CacheDir != "" {
		dir := filepath.Join(h.cfg.CacheDir, "modules")
		base = filepath.Join(dir, fmt.Sprintf("%s-%s-%d-%d", key, instrumenterEpoch, opts.LoopBudget, opts.CallBudget))
		if meta, err := os.ReadFile(base + ".json"); err == nil {
			var c cachedModule
			if json.Unmarshal(meta, &c) == nil && c.Info != nil {
				if c.Unsupported != "" {
					return wasm, &c, nil
				}
				if code, err := os.ReadFile(base + ".wasm"); err == nil {
					return code, &c, nil
				}
			}
		}
	}
	info, err := instrument.Inspect(wasm, lim)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
	}
	c := &cachedModule{Info: info}
	code, err := instrument.Instrument(wasm, lim, opts)
	switch {
	case errors.Is(err, instrument.ErrUnsupported):
		c.Unsupported = err.Error()
		code = wasm
	case err != nil:
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidModule, err)
	}
	if base != "" {
		h.store(base, code, c)
	}
	return code, c, nil
}

// store writes a cache entry atomically; failures only cost a recompute.
func (h *Host) store(base string, code []byte, c *cachedModule) {
	meta, _ := json.Marshal(c)
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		h.log.Warn("module cache", "err", err)
		return
	}
	if c.Unsupported == "" {
		if err := writeAtomic(base+".wasm", code); err != nil {
			h.log.Warn("module cache", "err", err)
			return
		}
	}
	if err := writeAtomic(base+".json", meta); err != nil {
		h.log.Warn("module cache", "err", err)
	}
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// instantiate makes a fresh instance and runs the reactor's _initialize.
func (m *module) instantiate(ctx context.Context, timeout time.Duration) (*instance, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inst := &instance{mod: nil, module: m}
	inst.stdio = &stdio{inst: inst}
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithStdout(inst.stdio.writer(false)).WithStderr(inst.stdio.writer(true)).
		WithSysWalltime().WithSysNanotime().WithNanosleep(inst.sleep).WithOsyield(runtime.Gosched).
		WithRandSource(rand.Reader)
	mod, err := m.rt.InstantiateModule(ctx, m.cm, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiating %s: %s", m.name, firstLine(err.Error()))
	}
	inst.mod = mod
	if m.hasInit {
		if err := mod.ExportedFunction("_initialize").CallWithStack(ctx, nil); err != nil {
			mod.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("%s: _initialize failed: %s", m.name, describeTrap(ctx, err, timeout))
		}
	}
	inst.run = mod.ExportedFunction("weft_run")
	inst.alloc = mod.ExportedFunction("weft_alloc")
	// A second handle on weft_alloc for host calls, which run while weft_run
	// is on the stack: an api.Function must not be re-entered.
	inst.allocHost = mod.ExportedFunction("weft_alloc")
	if m.hasFree {
		inst.free = mod.ExportedFunction("weft_free")
	}
	if m.hasInitHook {
		inst.initHook = mod.ExportedFunction("weft_init")
	}
	if m.hasCleanup {
		inst.cleanup = mod.ExportedFunction("weft_cleanup")
	}
	inst.mem = mod.Memory()
	if inst.run == nil || inst.alloc == nil || inst.mem == nil {
		mod.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("%w: %s lacks an ABI export after instantiation", ErrInvalidModule, m.name)
	}
	return inst, nil
}

// checkVersion calls weft_abi_version on a fresh instance.
func (m *module) checkVersion(ctx context.Context, inst *instance) error {
	f := inst.mod.ExportedFunction("weft_abi_version")
	var stack [1]uint64
	if err := f.CallWithStack(ctx, stack[:]); err != nil {
		return fmt.Errorf("%w: %s: weft_abi_version failed: %s", ErrInvalidModule, m.name, firstLine(err.Error()))
	}
	if v := api.DecodeI32(stack[0]); v != ABIVersion {
		return fmt.Errorf("%w: %s: weft_abi_version returned %d; this host implements ABI version %d", ErrInvalidModule, m.name, v, ABIVersion)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
