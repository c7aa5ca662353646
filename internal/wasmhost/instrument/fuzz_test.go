// Fuzz tests: Inspect and Instrument on hostile bytes never panic, agree
// with each other, and Instrument keeps a module that wazero accepts
// acceptable.
//
//	go test -run '^$' -fuzz FuzzInstrument -fuzztime 2m ./internal/wasmhost/instrument/

package instrument

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// fuzzLimits keep fuzzed modules small enough for wazero to compile fast.
var fuzzLimits = Limits{MaxTableSize: 1 << 16, MaxMemoryPages: 64, MaxModuleSize: 1 << 20, MaxLocals: 1000, MaxFunctions: 10_000}

func addSeeds(f *testing.F) {
	for _, pattern := range []string{"testdata/*.wasm", "testdata/limits/*.wasm"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add(wasmOf(sec(secType, 1, 0x60, 0, 0), sec(secFunction, 1, 0), sec(secCode, 1, 5, 0, 0x03, 0x40, 0x0B, 0x0B)))
}

func FuzzInspect(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Inspect(b, fuzzLimits)
		if (info == nil) == (err == nil) {
			t.Fatalf("Inspect returned info %v and error %v", info, err)
		}
	})
}

var fuzzRuntime = sync.OnceValue(func() wazero.Runtime {
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall | experimental.CoreFeaturesExtendedConst).
		WithMemoryLimitPages(fuzzLimits.MaxMemoryPages)
	return wazero.NewRuntimeWithConfig(context.Background(), cfg)
})

// compiles reports whether wazero compiles b.
func compiles(b []byte) error {
	ctx := context.Background()
	cm, err := fuzzRuntime().CompileModule(ctx, b)
	if err == nil {
		cm.Close(ctx)
	}
	return err
}

func FuzzInstrument(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Instrument(b, fuzzLimits, Options{})
		_, inspectErr := Inspect(b, fuzzLimits)
		switch {
		case errors.Is(err, ErrUnsupported):
			if inspectErr != nil {
				t.Fatalf("Instrument: %v; but Inspect: %v", err, inspectErr)
			}
			return
		case (err == nil) != (inspectErr == nil):
			t.Fatalf("Instrument: %v; Inspect: %v", err, inspectErr)
		case err != nil:
			return
		}
		outLimits := fuzzLimits
		outLimits.MaxModuleSize *= 4
		outLimits.MaxFunctions++ // the yield import
		outLimits.MaxLocals++    // the loop counter
		if _, err := Inspect(out, outLimits); err != nil {
			t.Fatalf("the output does not inspect: %v", err)
		}
		if compiles(b) == nil {
			if err := compiles(out); err != nil {
				t.Fatalf("wazero compiles the input but not the output: %v", err)
			}
		}
	})
}
