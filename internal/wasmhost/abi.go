// ABI v1 checks: what a module must export and may import.

package wasmhost

import (
	"fmt"
	"slices"
	"strings"

	"github.com/weft-dev/weft/internal/wasmhost/instrument"
)

// ABIVersion is the version of the node ABI this host implements.
const ABIVersion = 1

type funcSig struct{ params, results []string }

func (s funcSig) String() string {
	return "(" + strings.Join(s.params, ", ") + ") -> (" + strings.Join(s.results, ", ") + ")"
}

var (
	requiredExports = map[string]funcSig{
		"weft_abi_version": {nil, []string{"i32"}},
		"weft_alloc":       {[]string{"i32"}, []string{"i32"}},
		"weft_run":         {[]string{"i32", "i32"}, []string{"i64"}},
	}
	optionalExports = map[string]funcSig{
		"weft_free":   {[]string{"i32", "i32"}, nil},
		"_initialize": {nil, nil},
		// Lifecycle hooks, an addition to ABI v1 (docs/abi.md, lifecycle.go).
		"weft_init":    {[]string{"i32", "i32"}, []string{"i64"}},
		"weft_cleanup": {nil, nil},
	}
	weftImports = map[string]funcSig{
		"log":  {[]string{"i32", "i32", "i32"}, nil},
		"call": {[]string{"i32", "i32", "i32", "i32"}, []string{"i64"}},
	}
)

// checkABI checks a module's imports and exports against ABI v1 and returns
// every problem in one error.
func checkABI(info *instrument.Info) error {
	var problems []string
	exports := map[string]instrument.Export{}
	for _, e := range info.Exports {
		exports[e.Name] = e
	}
	if e, ok := exports["memory"]; !ok || e.Kind != "memory" {
		problems = append(problems, "it does not export its linear memory as \"memory\"")
	}
	for _, name := range []string{"weft_abi_version", "weft_alloc", "weft_run"} {
		want := requiredExports[name]
		e, ok := exports[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("missing export %q %s", name, want))
		case e.Kind != "func":
			problems = append(problems, fmt.Sprintf("export %q is a %s, expected a function %s", name, e.Kind, want))
		case !sameSig(e, want):
			problems = append(problems, fmt.Sprintf("export %q has signature %s, expected %s", name, sigOf(e), want))
		}
	}
	for name, want := range optionalExports {
		if e, ok := exports[name]; ok && (e.Kind != "func" || !sameSig(e, want)) {
			problems = append(problems, fmt.Sprintf("export %q has signature %s, expected %s", name, sigOf(e), want))
		}
	}
	if _, start := exports["_start"]; start {
		if _, init := exports["_initialize"]; !init {
			problems = append(problems, "it exports _start and not _initialize: a command module is not a node (build a reactor, e.g. clang -mexec-model=reactor or go build -buildmode=c-shared)")
		}
	}
	for _, im := range info.Imports {
		switch im.Module {
		case "weft":
			want, ok := weftImports[im.Name]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("unexpected import weft.%s: the weft module provides only log and call", im.Name))
			case im.Kind != "func":
				problems = append(problems, fmt.Sprintf("import weft.%s must be a function %s", im.Name, want))
			case !sameSig(instrument.Export{Params: im.Params, Results: im.Results}, want):
				problems = append(problems, fmt.Sprintf("import weft.%s has signature %s, expected %s",
					im.Name, funcSig{im.Params, im.Results}, want))
			}
		case "wasi_snapshot_preview1":
			if im.Kind != "func" {
				problems = append(problems, fmt.Sprintf("unexpected import %s.%s: only functions may be imported", im.Module, im.Name))
			}
		default:
			problems = append(problems, fmt.Sprintf("unexpected import %s.%s (%s): a node may import only from \"weft\" and \"wasi_snapshot_preview1\"", im.Module, im.Name, im.Kind))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: not an ABI v1 node module: %s", ErrInvalidModule, strings.Join(problems, "; "))
}

func sigOf(e instrument.Export) funcSig { return funcSig{e.Params, e.Results} }

func sameSig(e instrument.Export, want funcSig) bool {
	return slices.Equal(e.Params, want.params) && slices.Equal(e.Results, want.results)
}
