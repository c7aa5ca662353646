// Test helpers: fixtures, the Go guest build, and wazero runtimes with a
// counting weft_rt.yield.

package instrument

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// yielder is the test's weft_rt.yield: it counts calls, lets the scheduler
// run (unless noGosched), and stops the guest when stop returns true.
type yielder struct {
	calls     atomic.Int64
	stop      func(ctx context.Context, calls int64) bool
	noGosched bool
}

func (y *yielder) yield(ctx context.Context, _ api.Module, _ []uint64) {
	n := y.calls.Add(1)
	if y.stop != nil && y.stop(ctx, n) {
		panic(sys.NewExitError(sys.ExitCodeDeadlineExceeded))
	}
	if !y.noGosched {
		runtime.Gosched()
	}
}

// stopOnDone stops the guest once its context is done.
func stopOnDone(ctx context.Context, _ int64) bool { return ctx.Err() != nil }

// env is a runtime with weft_rt.yield, env.twice and WASI.
type env struct {
	rt wazero.Runtime
	y  *yielder
}

func newEnv(t testing.TB, closeOnDone bool, memPages uint32) *env {
	t.Helper()
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall).
		WithCloseOnContextDone(closeOnDone)
	if memPages > 0 {
		cfg = cfg.WithMemoryLimitPages(memPages)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { rt.Close(ctx) })
	e := &env{rt: rt, y: &yielder{}}
	_, err := rt.NewHostModuleBuilder(YieldModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(e.y.yield), nil, nil).Export(YieldName).
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	twice := func(_ context.Context, _ api.Module, s []uint64) { s[0] = api.EncodeI32(2 * api.DecodeI32(s[0])) }
	_, err = rt.NewHostModuleBuilder("env").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(twice), []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).Export("twice").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	return e
}

// instance compiles and instantiates wasm anonymously, running
// _initialize if the module has one.
func (e *env) instance(t testing.TB, wasm []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	cm, err := e.rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	mod, err := e.rt.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	t.Cleanup(func() { mod.Close(ctx) })
	if init := mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(ctx); err != nil {
			t.Fatalf("_initialize: %v", err)
		}
	}
	return mod
}

func mustInstrument(t testing.TB, wasm []byte, lim Limits, opt Options) []byte {
	t.Helper()
	out, err := Instrument(wasm, lim, opt)
	if err != nil {
		t.Fatalf("Instrument: %v", err)
	}
	return out
}

var goGuestOnce struct {
	sync.Once
	wasm []byte
	err  error
}

// goGuest builds testdata/goguest as a wasip1 c-shared module with the Go
// toolchain running the tests, cached in the temp dir by source digest and
// Go version. It skips the test when the toolchain can't build it.
func goGuest(t testing.TB) []byte {
	t.Helper()
	g := &goGuestOnce
	g.Do(func() {
		src, err := os.ReadFile(filepath.Join("testdata", "goguest", "main.go"))
		if err != nil {
			g.err = err
			return
		}
		sum := sha256.Sum256(append(src, runtime.Version()...))
		out := filepath.Join(os.TempDir(), "weft-instrument-goguest-"+hex.EncodeToString(sum[:8])+".wasm")
		if g.wasm, err = os.ReadFile(out); err == nil {
			return
		}
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		tmp := out + ".tmp"
		cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", tmp, ".")
		cmd.Dir = filepath.Join("testdata", "goguest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=", "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			g.err = errors.New("go build: " + err.Error() + ": " + string(msg))
			return
		}
		if err := os.Rename(tmp, out); err != nil {
			g.err = err
			return
		}
		g.wasm, g.err = os.ReadFile(out)
	})
	if g.err != nil {
		t.Skipf("cannot build the Go guest: %v", g.err)
	}
	return g.wasm
}
