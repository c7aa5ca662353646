// Tests against wazero's own corpus: every module of its spec and fuzz test
// data that wazero compiles must still compile once instrumented, and the
// spec assertions must give the same results bare and instrumented (with
// budgets of a few units, so that the yield paths run all the time).

package instrument

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// wazeroDir returns the source directory of the wazero module in use, or
// skips the test.
func wazeroDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("slow: runs wazero's test corpus")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to locate wazero's sources")
	}
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Dir}}", "github.com/tetratelabs/wazero").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("cannot locate wazero's sources: %v", err)
	}
	return dir
}

const allFeatures = api.CoreFeaturesV2 | experimental.CoreFeaturesThreads | experimental.CoreFeaturesTailCall |
	experimental.CoreFeaturesExtendedConst | experimental.CoreFeaturesExceptionHandling |
	experimental.CoreFeaturesTypedFunctionReferences

var corpusLimits = Limits{MaxTableSize: 1 << 27}

func TestWazeroCorpusCompiles(t *testing.T) {
	dir := wazeroDir(t)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(allFeatures))
	defer rt.Close(ctx)
	var files []string
	_ = filepath.WalkDir(filepath.Join(dir, "internal", "integration_test"), func(p string, _ os.DirEntry, _ error) error {
		if strings.HasSuffix(p, ".wasm") {
			files = append(files, p)
		}
		return nil
	})
	var valid, instrumented, unsupported int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cm, err := rt.CompileModule(ctx, b)
		if err != nil {
			continue
		}
		cm.Close(ctx)
		valid++
		out, err := Instrument(b, corpusLimits, Options{})
		switch {
		case errors.Is(err, ErrUnsupported):
			unsupported++
			continue
		case err != nil && strings.Contains(err.Error(), "the code grows it"):
			continue // refused by design
		case err != nil:
			t.Errorf("%s: %v", f, err)
			continue
		}
		cm, err = rt.CompileModule(ctx, out)
		if err != nil {
			t.Errorf("%s: wazero compiles it, but not instrumented: %v", f, err)
			continue
		}
		cm.Close(ctx)
		instrumented++
	}
	t.Logf("%d files, %d valid, %d instrumented, %d unsupported (imported memory)", len(files), valid, instrumented, unsupported)
	if instrumented < 2000 {
		t.Errorf("only %d modules instrumented: is the corpus there?", instrumented)
	}
}

type specValue struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type specCommand struct {
	Type     string `json:"type"`
	Filename string `json:"filename"`
	Action   *struct {
		Type  string      `json:"type"`
		Field string      `json:"field"`
		Args  []specValue `json:"args"`
	} `json:"action"`
	Expected []specValue `json:"expected"`
}

func TestWazeroSpecSameResults(t *testing.T) {
	dir := filepath.Join(wazeroDir(t), "internal", "integration_test", "spectest")
	ctx := context.Background()
	jsons, _ := filepath.Glob(filepath.Join(dir, "*", "testdata", "*.json"))
	var modules, same int
	for _, j := range jsons {
		var spec struct{ Commands []specCommand }
		b, err := os.ReadFile(j)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		var bare, inst api.Module
		var runtimes []wazero.Runtime
		closeAll := func() {
			for _, rt := range runtimes {
				rt.Close(ctx)
			}
			runtimes = runtimes[:0]
		}
		for _, c := range spec.Commands {
			switch c.Type {
			case "module":
				bare, inst = nil, nil
				closeAll()
				wasm, err := os.ReadFile(filepath.Join(filepath.Dir(j), c.Filename))
				if err != nil {
					continue
				}
				info, err := Inspect(wasm, corpusLimits)
				if err != nil || len(info.Imports) > 0 {
					continue // invalid, or linked to the spectest module
				}
				out, err := Instrument(wasm, corpusLimits, Options{LoopBudget: 3, CallBudget: 2})
				if err != nil {
					t.Errorf("%s: %v", c.Filename, err)
					continue
				}
				cfg := wazero.NewRuntimeConfigCompiler().WithCoreFeatures(allFeatures &^ experimental.CoreFeaturesThreads)
				rb, ri := wazero.NewRuntimeWithConfig(ctx, cfg), wazero.NewRuntimeWithConfig(ctx, cfg)
				runtimes = append(runtimes, rb, ri)
				y := &yielder{}
				if _, err := ri.NewHostModuleBuilder(YieldModule).NewFunctionBuilder().
					WithGoModuleFunction(api.GoModuleFunc(y.yield), nil, nil).Export(YieldName).Instantiate(ctx); err != nil {
					t.Fatal(err)
				}
				mb, errB := rb.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
				mi, errI := ri.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithName(""))
				if (errB == nil) != (errI == nil) {
					t.Errorf("%s: instantiate: bare %v, instrumented %v", c.Filename, errB, errI)
				}
				if errB == nil && errI == nil {
					bare, inst = mb, mi
					modules++
				}
			case "assert_return", "action", "assert_trap", "assert_exhaustion":
				if bare == nil || c.Action == nil || c.Action.Type != "invoke" {
					continue
				}
				args, ok := specArgs(c.Action.Args)
				fb, fi := bare.ExportedFunction(c.Action.Field), inst.ExportedFunction(c.Action.Field)
				if !ok || fb == nil || fi == nil {
					continue
				}
				resB, errB := fb.Call(ctx, args...)
				resI, errI := fi.Call(ctx, args...)
				if refResults(c.Expected) { // references are host pointers: compare only success
					resB, resI = nil, nil
				}
				if fmt.Sprint(resB) != fmt.Sprint(resI) || (errB == nil) != (errI == nil) {
					t.Errorf("%s: %s%v: bare %v %v, instrumented %v %v", filepath.Base(j), c.Action.Field, args, resB, errB, resI, errI)
					continue
				}
				same++
			}
		}
		closeAll()
	}
	t.Logf("%d modules, %d calls with the same results", modules, same)
	if same < 30_000 {
		t.Errorf("only %d calls compared: is the corpus there?", same)
	}
}

// specArgs converts scalar arguments; ok is false for vectors and references.
func specArgs(vs []specValue) (args []uint64, ok bool) {
	for _, v := range vs {
		s, isString := v.Value.(string)
		if !isString {
			return nil, false
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, false
		}
		args = append(args, n)
	}
	return args, true
}

func refResults(vs []specValue) bool {
	for _, v := range vs {
		switch v.Type {
		case "i32", "i64", "f32", "f64":
		default:
			return true
		}
	}
	return false
}
