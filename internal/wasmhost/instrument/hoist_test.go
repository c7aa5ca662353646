// Tests of the hoisted loop check (rewrite.go, hoistedLoop): no loop's own
// cycle calls yield, branches that leave loops still reach their targets,
// and yield is still called every LoopBudget iterations.

package instrument

import (
	"fmt"
	"testing"
)

// TestHoistedLoopsBehaveTheSame runs the branch-heavy hoist.wasm bare and
// instrumented with budgets that take the yield path at nearly every loop
// header, and by default.
func TestHoistedLoopsBehaveTheSame(t *testing.T) {
	minus := func(v int32) string { return fmt.Sprint([]uint64{uint64(uint32(v))}) }
	tests := []struct {
		c    call
		want string
	}{
		{call{"breakout", []uint64{100}}, "[3034]"},
		{call{"breakout", []uint64{0}}, "[1001]"},
		{call{"table", []uint64{10, 1}}, "[110]"},
		{call{"table", []uint64{10, 2}}, "[210]"},
		{call{"table", []uint64{10, 9}}, "[210]"}, // out of range: the default
		{call{"fnlabel", []uint64{5}}, "[10]"},
		{call{"result", []uint64{0}}, "[7]"},
		{call{"result", []uint64{10}}, "[12]"},
		{call{"mixed", []uint64{10}}, "[13]"},
		{call{"mixed", []uint64{2}}, minus(0)},
		{call{"under", []uint64{5}}, "[45]"},
	}
	bare := fixture(t, "hoist.wasm")
	for _, budget := range []int32{1, 2, 3, 0} {
		t.Run(fmt.Sprintf("budget=%d", budget), func(t *testing.T) {
			inst := mustInstrument(t, bare, Limits{}, Options{LoopBudget: budget, CallBudget: 1_000_000})
			e := newEnv(t, false, 0)
			for _, tt := range tests {
				b, in := run(t, e, bare, tt.c), run(t, e, inst, tt.c)
				if b != tt.want {
					t.Errorf("%s bare: got %s, want %s", tt.c, b, tt.want)
				}
				if in != tt.want {
					t.Errorf("%s instrumented: got %s, want %s", tt.c, in, tt.want)
				}
			}
			if budget == 1 && e.y.calls.Load() < 100 {
				t.Errorf("budget 1: yield called %d times", e.y.calls.Load())
			}
		})
	}
}

// TestLoopBudgetExact: with the hoisted check, yield still runs once every
// LoopBudget loop header passes, whatever the budget (re-entering the loop
// after a yield passes its check once more, which the reset accounts for).
func TestLoopBudgetExact(t *testing.T) {
	spin := fixture(t, "spin.wasm")
	// count(n) passes its loop header n+1 times.
	for _, tt := range []struct {
		budget int32
		n      uint64
		want   int64
	}{{1, 1000, 1001}, {2, 1000, 500}, {3, 29, 10}, {7, 1000, 143}, {10_000, 1_000_000, 100}} {
		e := newEnv(t, false, 0)
		mod := e.instance(t, mustInstrument(t, spin, Limits{}, Options{LoopBudget: tt.budget, CallBudget: 1 << 30}))
		if _, err := mod.ExportedFunction("count").Call(t.Context(), tt.n); err != nil {
			t.Fatal(err)
		}
		if got := e.y.calls.Load(); got != tt.want {
			t.Errorf("budget %d, count(%d): %d yields, want %d", tt.budget, tt.n, got, tt.want)
		}
	}
}

// TestNoYieldInsideInnermostLoops: in every fixture, instrumented, no
// innermost loop (one with no loop inside) calls yield, except loops with
// parameters, which keep the inline check, and loops with a bulk memory
// operation, whose charge calls yield in place (wazero compiles the
// operation itself to a call, so the loop has one anyway). An inline call
// made wazero keep the loop's values on the stack at every iteration
// (BenchmarkOverhead: the WAT loop 1.34x, the C sieve 1.69x bare; 1.01x and
// 1.39x hoisted).
func TestNoYieldInsideInnermostLoops(t *testing.T) {
	for _, name := range []string{"behave.wasm", "spin.wasm", "loop.wasm", "hoist.wasm", "bench_c.wasm"} {
		t.Run(name, func(t *testing.T) {
			bare := fixture(t, name)
			out := mustInstrument(t, bare, Limits{}, Options{})
			m, err := decode(out, Limits{}.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			yield := uint32(len(m.importFuncTypes)) - 1 // the last imported function
			loops, inline := 0, 0
			for i := range m.funcs {
				f := &m.funcs[i]
				type open struct {
					loop, params, hasLoop, yields, bulk bool
				}
				var stack []open
				r := newReader(m.b, f.exprStart, f.bodyEnd)
				var in insn
				for r.pos < f.bodyEnd {
					if err := r.next(&in); err != nil {
						t.Fatal(err)
					}
					switch {
					case in.opens():
						o := open{loop: in.op == opLoop}
						if o.loop {
							o.params = m.loopHasParams(m.b[in.imm:in.end])
							for j := range stack {
								stack[j].hasLoop = true
							}
						}
						stack = append(stack, o)
					case in.op == opEnd || in.op == opDelegate:
						if len(stack) == 0 {
							continue // the function's end
						}
						o := stack[len(stack)-1]
						stack = stack[:len(stack)-1]
						if o.loop && !o.hasLoop {
							loops++
							if o.yields && (o.params || o.bulk) {
								inline++
							} else if o.yields {
								t.Errorf("function %d: an innermost loop calls yield", int(yield)+1+i)
							}
						}
					case in.op == opCall && in.idx == yield:
						for j := range stack {
							stack[j].yields = true
						}
					case in.bulk():
						for j := range stack {
							stack[j].bulk = true
						}
					}
				}
			}
			if loops == 0 {
				t.Fatal("no loops found")
			}
			t.Logf("%d innermost loops, %d with parameters or bulk operations (inline check)", loops, inline)
		})
	}
}
