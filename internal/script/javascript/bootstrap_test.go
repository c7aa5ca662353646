// bootstrap_test.go: bootstrap.js both ways a VM can get it: compiled with
// the check filled in (the usual way), and as plain source, which builds
// its own check.

package javascript

import (
	"context"
	"strings"
	"testing"
	"time"

	"modernc.org/quickjs"
)

func TestBootstrap(t *testing.T) {
	if !strings.Contains(bootstrapJS, bootstrapPlaceholder) {
		t.Fatalf("bootstrap.js has no line %q to fill in", bootstrapPlaceholder)
	}
	bootstrap.once.Do(prepareBootstrap)
	if bootstrap.bytecode == nil || bootstrap.source == bootstrapJS {
		t.Fatal("bootstrap.js was not filled in and compiled")
	}
	// The check found the engine's keys as expected, else it would have
	// been built again.
	v, err := newVM("t") // closed by its subtest below
	if err != nil {
		t.Fatal(err)
	}
	if got := evalIn(t, v, `typeof drive`); got != "undefined" {
		t.Errorf("bootstrap left a global: %v", got)
	}

	plain := func() *vm {
		js, err := quickjs.NewVM()
		if err != nil {
			t.Fatal(err)
		}
		drive, err := js.EvalValue(bootstrapJS, quickjs.EvalGlobal)
		if err != nil {
			js.Close()
			t.Fatal(err)
		}
		return &vm{js: js, drive: drive, tenant: "t"}
	}
	for name, v := range map[string]*vm{"compiled": v, "plain": plain()} {
		t.Run(name, func(t *testing.T) {
			defer v.close()
			for _, step := range []struct{ src, want string }{
				{"var a = 1\nJSON = null\nObject.defineProperty(globalThis, 'b', {value: 2, configurable: true})\nresult = 'dirty'", "dirty"},
				{"result = [typeof a, typeof b, typeof JSON.parse].join()", "undefined,undefined,function"},
				{"delete globalThis.Math\nresult = 'dirty'", "dirty"},
				{"result = typeof Math.max", "function"},
			} {
				res, keep, err := v.exec(context.Background(), step.src, "{}", time.Second, 64<<20)
				if err != nil || !keep || res != step.want {
					t.Fatalf("%q: %#v, %v, keep %v; want %q", step.src, res, err, keep, step.want)
				}
			}
		})
	}
}

// evalIn evaluates src as a global script in v, outside of any run.
func evalIn(t *testing.T, v *vm, src string) any {
	t.Helper()
	res, err := v.js.Eval(src, quickjs.EvalGlobal)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
