package instrument

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

func TestAdhocCorpus(t *testing.T) {
	root := os.Getenv("CORPUS")
	if root == "" {
		t.Skip()
	}
	ctx := context.Background()
	feat := api.CoreFeaturesV2 | experimental.CoreFeaturesThreads | experimental.CoreFeaturesTailCall |
		experimental.CoreFeaturesExtendedConst | experimental.CoreFeaturesExceptionHandling | experimental.CoreFeaturesTypedFunctionReferences
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(feat))
	lim := Limits{MaxTableSize: 1 << 27, MaxMemoryPages: 65536}
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if strings.HasSuffix(p, ".wasm") {
			files = append(files, p)
		}
		return nil
	})
	var valid, instrumented, unsupported, inspectFail, outFail int
	for _, f := range files {
		b, _ := os.ReadFile(f)
		cm, err := rt.CompileModule(ctx, b)
		_, ierr := Inspect(b, lim)
		if err != nil {
			continue
		}
		cm.Close(ctx)
		valid++
		if ierr != nil {
			inspectFail++
			t.Logf("INSPECT %s: %v", f, ierr)
			continue
		}
		out, err := Instrument(b, lim, Options{})
		if errors.Is(err, ErrUnsupported) {
			unsupported++
			continue
		}
		if err != nil {
			t.Errorf("INSTRUMENT %s: %v", f, err)
			continue
		}
		cm2, err := rt.CompileModule(ctx, out)
		if err != nil {
			outFail++
			t.Errorf("OUTPUT %s: %v", f, err)
			continue
		}
		cm2.Close(ctx)
		instrumented++
	}
	t.Logf("files %d valid %d instrumented %d unsupported %d inspectFail %d outFail %d", len(files), valid, instrumented, unsupported, inspectFail, outFail)
}
