// Benchmarks of the call path, each against a baseline measured in the same
// run. See docs/performance.md for the figures and the command.

package wasmhost_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
	"github.com/weft-dev/weft/internal/wasmtest"
)

// bare instantiates a fixture module on plain wazero: no instrumentation,
// no WithCloseOnContextDone, no weft in between.
func bare(b *testing.B, file string) api.Module {
	ctx := context.Background()
	code, err := os.ReadFile(filepath.Join("testdata", "pkgs", file))
	if err != nil {
		b.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	b.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	_, err = rt.NewHostModuleBuilder("weft").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {}),
		[]api.ValueType{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, nil).Export("log").
		Instantiate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		b.Fatal(err)
	}
	return mod
}

// bareRun calls weft_run with req the way the host does, minus everything
// weft adds: alloc, write, run, read.
func bareRun(b *testing.B, mod api.Module, req []byte) {
	ctx := context.Background()
	alloc, run := mod.ExportedFunction("weft_alloc"), mod.ExportedFunction("weft_run")
	stack := make([]uint64, 2)
	for b.Loop() {
		stack[0] = uint64(len(req))
		if err := alloc.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		ptr := uint32(stack[0])
		mod.Memory().Write(ptr, req)
		stack[0], stack[1] = uint64(ptr), uint64(len(req))
		if err := run.CallWithStack(ctx, stack); err != nil {
			b.Fatal(err)
		}
		out, _ := mod.Memory().Read(uint32(stack[0]>>32), uint32(stack[0]))
		if len(out) == 0 {
			b.Fatal("empty response")
		}
	}
}

const addRequest = `{"abi":1,"node":"add","inputs":{"a":40,"b":2},"context":{"run_id":"r1","workflow":"w","node_instance":"n1","tenant":"t1","attempt":1,"deadline_unix_ms":1763790000000}}`

// BenchmarkWarmCall: a warm call of the C-built "add" node.
//   - bare: weft_run on plain wazero with a ready request;
//   - weft: Package.Call, the full path (pins in, request JSON, instance from
//     the pool, instrumented module, response checked, pins out).
func BenchmarkWarmCall(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		bareRun(b, bare(b, "cecho/echo.wasm"), []byte(addRequest))
	})
	b.Run("weft", func(b *testing.B) {
		pkg := load(b, newHost(b), "cecho")
		ctx := context.Background()
		req := &wasmhost.CallRequest{Node: "add", Inputs: map[string]any{"a": int64(40), "b": int64(2)},
			Context: wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n1", Tenant: "t1"}}
		b.ReportAllocs()
		for b.Loop() {
			res, err := pkg.Call(ctx, req)
			if err != nil || res.Outputs["sum"] != int64(42) {
				b.Fatal(res, err)
			}
		}
	})
}

// BenchmarkCompute: a loop of 10 million iterations.
//   - bare: the module's raw compute(n) export on plain wazero;
//   - closeOnDone: the same on wazero with WithCloseOnContextDone, the
//     usual way to make a guest stoppable;
//   - weft: the "loop" node through Package.Call (instrumented, stoppable).
func BenchmarkCompute(b *testing.B) {
	const n = 10_000_000
	raw := func(b *testing.B, mod api.Module) {
		f := mod.ExportedFunction("compute")
		stack := []uint64{n}
		for b.Loop() {
			stack[0] = n
			if err := f.CallWithStack(context.Background(), stack); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { raw(b, bare(b, "ccompute/compute.wasm")) })
	b.Run("closeOnDone", func(b *testing.B) {
		ctx := context.Background()
		code, _ := os.ReadFile("testdata/pkgs/ccompute/compute.wasm")
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(true))
		defer rt.Close(ctx)
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		mod, err := rt.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
		if err != nil {
			b.Fatal(err)
		}
		raw(b, mod)
	})
	b.Run("weft", func(b *testing.B) {
		pkg := load(b, newHost(b), "ccompute")
		ctx := context.Background()
		req := &wasmhost.CallRequest{Node: "loop", Inputs: map[string]any{"n": int64(n)}, Context: wasmhost.CallContext{Tenant: "t"}}
		for b.Loop() {
			if _, err := pkg.Call(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFreshInstance: a call of "add" on a new instance every time
// (fresh_instance = true): instantiation, _initialize, call, close.
func BenchmarkFreshInstance(b *testing.B) {
	pkg := load(b, newHost(b), "cecho")
	pkg.Manifest.FreshInstance = true
	ctx := context.Background()
	req := &wasmhost.CallRequest{Node: "add", Inputs: map[string]any{"a": int64(40), "b": int64(2)}, Context: wasmhost.CallContext{Tenant: "t"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pkg.Call(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdStartGo: the first call of the Go SDK example (a ~3.7 MB
// Go-built module) in a new host, as after a process restart:
//   - nocache: an empty cache directory: inspect, instrument, compile;
//   - cache: a cache directory a previous host filled.
//
// Each includes loading the package (which instantiates a first instance
// and checks its ABI version) and the first call.
func BenchmarkColdStartGo(b *testing.B) {
	dir := wasmtest.GoExample(b)
	p, err := pkgfile.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	first := func(b *testing.B, cacheDir string) {
		h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: cacheDir})
		if err != nil {
			b.Fatal(err)
		}
		pkg, err := h.Load(ctx, p)
		if err != nil {
			b.Fatal(err)
		}
		res, err := pkg.Call(ctx, &wasmhost.CallRequest{Node: "add", Inputs: map[string]any{"a": int64(1), "b": int64(2)}, Context: wasmhost.CallContext{Tenant: "t"}})
		if err != nil || res.Outputs["sum"] != int64(3) {
			b.Fatal(res, err)
		}
		pkg.Close(ctx)
		h.Close(ctx)
	}
	b.Run("nocache", func(b *testing.B) {
		for b.Loop() {
			first(b, b.TempDir())
		}
	})
	b.Run("cache", func(b *testing.B) {
		cache := b.TempDir()
		first(b, cache)
		for b.Loop() {
			first(b, cache)
		}
	})
}
