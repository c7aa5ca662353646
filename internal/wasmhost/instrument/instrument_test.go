// Tests of Instrument against real modules run in wazero: same results as
// the bare module, yields where the checks are, limits, fallbacks; and the
// benchmark of the checks' cost (figures in docs/performance.md).

package instrument

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

type call struct {
	fn   string
	args []uint64
}

func (c call) String() string { return fmt.Sprintf("%s%v", c.fn, c.args) }

// run calls c on a fresh instance of wasm and returns its results or its
// error's first line.
func run(t *testing.T, e *env, wasm []byte, c call) string {
	t.Helper()
	mod := e.instance(t, wasm)
	fn := mod.ExportedFunction(c.fn)
	if fn == nil {
		t.Fatalf("no export %q", c.fn)
	}
	res, err := fn.Call(context.Background(), c.args...)
	if err != nil {
		return "error: " + strings.SplitN(err.Error(), "\n", 2)[0]
	}
	return fmt.Sprint(res)
}

func i32(v int32) uint64 { return api.EncodeI32(v) }

func TestInstrumentBehavesTheSame(t *testing.T) {
	minus1 := fmt.Sprint([]uint64{uint64(uint32(0xFFFFFFFF))})
	tests := []struct {
		fixture string
		calls   []call
		want    []string // results of bare and instrumented, in order
	}{{
		fixture: "behave.wasm",
		calls: []call{
			{"started", nil},
			{"sum", []uint64{100_000}},
			{"fib", []uint64{20}},
			{"dispatch", []uint64{0, 7, 5}}, {"dispatch", []uint64{1, 7, 5}}, {"dispatch", []uint64{2, 7, 5}},
			{"dispatch", []uint64{3, 21, 0}}, {"dispatch", []uint64{4, 7, 5}},
			{"dispatch", []uint64{9, 7, 5}}, // out of the table: trap
			{"refs", []uint64{10, 3}},
			{"tinit", []uint64{6, 7}},
			{"tgrow", []uint64{3}}, {"tgrow", []uint64{10}},
			{"classify", []uint64{0}}, {"classify", []uint64{2}}, {"classify", []uint64{77}},
			{"divmod", []uint64{47, 5}},
			{"loopparams", []uint64{100}},
			{"bulk", nil},
			{"grow", []uint64{3}}, {"grow", []uint64{4}},
			{"vec", nil},
			{"nested", []uint64{3000}},
			{"twice", []uint64{21}}, {"call_twice", []uint64{8}},
		},
		want: []string{
			"[42]", "[4999950000]", "[6765]",
			"[12]", "[2]", "[35]", "[42]", "[2]",
			"error: wasm error: invalid table access",
			"[85]", "[55]",
			"[2]", minus1,
			"[100]", "[300]", "[400]",
			"[2009]", "[5050]", "",
			"[1]", minus1,
			"[6]", "",
			"[42]", "[16]",
		},
	}, {
		fixture: "spin.wasm",
		calls:   []call{{"count", []uint64{123_456}}, {"recurse", []uint64{5000}}, {"leaf", []uint64{14}}},
		want:    []string{"[123456]", "[5000]", "[42]"},
	}, {
		fixture: "tail.wasm",
		calls:   []call{{"down", []uint64{1_000_000}}},
		want:    []string{"[7]"},
	}, {
		fixture: "bench_c.wasm",
		calls:   []call{{"fnv", []uint64{1000}}, {"sieve", []uint64{100_000}}},
		want:    []string{"", "[9592]"},
	}}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			bare := fixture(t, tt.fixture)
			inst := mustInstrument(t, bare, Limits{}, Options{})
			e := newEnv(t, false, 0)
			for i, c := range tt.calls {
				b, in := run(t, e, bare, c), run(t, e, inst, c)
				if b != in {
					t.Errorf("%s: bare %s, instrumented %s", c, b, in)
				}
				if tt.want[i] != "" && b != tt.want[i] {
					t.Errorf("%s: got %s, want %s", c, b, tt.want[i])
				}
			}
			// What wabin's encoder would lose is there: the data count
			// section (memory.init needs it), passive and declarative
			// element segments, a segment on table 1 with a null entry.
			for _, wasm := range [][]byte{bare, inst} {
				m, err := decode(wasm, Limits{}.withDefaults())
				if err != nil {
					t.Fatal(err)
				}
				if (m.section(secDataCount) != nil) != (tt.fixture == "behave.wasm") {
					t.Errorf("data count section: %v", m.section(secDataCount))
				}
			}
			// The name section follows the shift: exports keep their names.
			bm, im := e.instance(t, bare), e.instance(t, inst)
			for name, def := range bm.ExportedFunctionDefinitions() {
				if got := im.ExportedFunctionDefinitions()[name]; got == nil || got.Name() != def.Name() {
					t.Errorf("export %q: instrumented function is named %v, bare %q", name, got, def.Name())
				}
			}
		})
	}
}

func TestInstrumentGoGuest(t *testing.T) {
	bare := goGuest(t)
	start := time.Now()
	inst := mustInstrument(t, bare, Limits{MaxMemoryPages: 1024}, Options{})
	t.Logf("instrumented %d bytes into %d in %v", len(bare), len(inst), time.Since(start))
	e := newEnv(t, false, 0)
	calls := []call{
		{"fib", []uint64{25}}, {"sum", []uint64{1_000_000}}, {"sortsum", []uint64{20_000}},
		{"maps", []uint64{100_000}}, {"spin", []uint64{1_000_000}},
	}
	for _, c := range calls {
		before := e.y.calls.Load()
		b := run(t, e, bare, c)
		mid := e.y.calls.Load()
		in := run(t, e, inst, c)
		if b != in || strings.HasPrefix(b, "error") {
			t.Errorf("%s: bare %s, instrumented %s", c, b, in)
		}
		if mid != before || e.y.calls.Load() == mid {
			t.Errorf("%s: yields: bare %d (want 0), instrumented %d (want > 0)", c, mid-before, e.y.calls.Load()-mid)
		}
	}
	// A Go guest that never returns is stopped at its deadline.
	e.y.stop = stopOnDone
	mod := e.instance(t, inst)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err := mod.ExportedFunction("forever").Call(ctx)
	assertStopped(t, err, time.Since(start), time.Second)
}

func assertStopped(t *testing.T, err error, took, limit time.Duration) {
	t.Helper()
	var exit *sys.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != sys.ExitCodeDeadlineExceeded {
		t.Fatalf("got %v, want an ExitError with code %d", err, sys.ExitCodeDeadlineExceeded)
	}
	if took > limit {
		t.Errorf("stopped after %v, want under %v", took, limit)
	}
}

func TestYields(t *testing.T) {
	spin, tail := fixture(t, "spin.wasm"), fixture(t, "tail.wasm")
	tests := []struct {
		name       string
		wasm       []byte
		opt        Options
		call       call
		stopAfter  int64 // yield panics at this call; 0: never
		wantYields int64
	}{
		// count(n) passes its loop header n+1 times.
		{"loop, default budget", spin, Options{}, call{"count", []uint64{1_000_000}}, 0, 100},
		{"loop, budget 100", spin, Options{LoopBudget: 100}, call{"count", []uint64{1_000_000}}, 0, 10_000},
		// recurse(n) enters its function n+1 times and has no loop.
		{"recursion", spin, Options{}, call{"recurse", []uint64{100_000}}, 0, 100},
		{"recursion, budget 10", spin, Options{CallBudget: 10}, call{"recurse", []uint64{100_000}}, 0, 10_000},
		{"leaf", spin, Options{CallBudget: 1}, call{"leaf", []uint64{1}}, 0, 0},
		{"tail calls", tail, Options{}, call{"down", []uint64{1_000_000}}, 0, 1000},
		// fills(100) fills 1 MiB 100 times: each costs 1+128 units of the
		// call budget, so every 8th fill yields.
		{"bulk memory in a loop", spin, Options{}, call{"fills", []uint64{100}}, 0, 12},
		{"bulk memory, no loop", spin, Options{}, call{"bigfill", nil}, 0, 1},
		{"endless loop stopped", spin, Options{}, call{"spin", nil}, 25, 25},
		{"endless copies stopped", spin, Options{}, call{"copyforever", nil}, 3, 3},
		{"endless tail calls stopped", tail, Options{}, call{"forever", []uint64{0}}, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, false, 0)
			if tt.stopAfter > 0 {
				e.y.stop = func(_ context.Context, n int64) bool { return n >= tt.stopAfter }
			}
			mod := e.instance(t, mustInstrument(t, tt.wasm, Limits{}, tt.opt))
			_, err := mod.ExportedFunction(tt.call.fn).Call(context.Background(), tt.call.args...)
			if tt.stopAfter > 0 {
				assertStopped(t, err, 0, time.Hour)
			} else if err != nil {
				t.Fatal(err)
			}
			if got := e.y.calls.Load(); got != tt.wantYields {
				t.Errorf("yield called %d times, want %d", got, tt.wantYields)
			}
		})
	}
}

// TestDeadline: a spinning guest stops at its deadline, and while it spins
// on the only P, other goroutines and the garbage collector still run.
func TestDeadline(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	e := newEnv(t, false, 0)
	e.y.stop = stopOnDone
	mod := e.instance(t, mustInstrument(t, fixture(t, "spin.wasm"), Limits{}, Options{}))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	gcDone := make(chan time.Duration, 1)
	go func() {
		time.Sleep(10 * time.Millisecond) // the guest is spinning by now
		start := time.Now()
		runtime.GC()
		gcDone <- time.Since(start)
	}()
	start := time.Now()
	_, err := mod.ExportedFunction("spin").Call(ctx)
	assertStopped(t, err, time.Since(start), 2*time.Second)
	select {
	case d := <-gcDone:
		if d > 150*time.Millisecond {
			t.Errorf("runtime.GC took %v while the guest spun", d)
		}
	default:
		t.Error("runtime.GC did not finish while the guest spun")
	}
	if time.Since(start) < 250*time.Millisecond {
		t.Errorf("stopped after %v, before the deadline", time.Since(start))
	}
}

func TestMemoryCap(t *testing.T) {
	tests := []struct {
		fixture string
		tier    uint32
		grows   []int32 // memory.grow deltas in order
		want    []int32 // what they return: the old size, or -1
	}{
		{"limits/memory_nomax.wasm", 4, []int32{2, 1, 1, 1}, []int32{1, 3, -1, -1}},
		{"limits/memory_bigmax.wasm", 10, []int32{8, 1}, []int32{2, -1}},
		{"limits/memory_bigmax.wasm", 0, []int32{900, 98, 1}, []int32{2, 902, -1}}, // no tier: its own max of 1000 holds
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.fixture, tt.tier), func(t *testing.T) {
			e := newEnv(t, false, 0) // no WithMemoryLimitPages: the module itself holds the cap
			mod := e.instance(t, mustInstrument(t, fixture(t, tt.fixture), Limits{MaxMemoryPages: tt.tier}, Options{}))
			for i, d := range tt.grows {
				res, err := mod.ExportedFunction("grow").Call(context.Background(), i32(d))
				if err != nil {
					t.Fatal(err)
				}
				if got := api.DecodeI32(res[0]); got != tt.want[i] {
					t.Errorf("grow(%d) = %d, want %d", d, got, tt.want[i])
				}
			}
		})
	}
}

func TestInspect(t *testing.T) {
	tests := []struct {
		fixture string
		lim     Limits
		wantErr string
	}{
		{"limits/table_big.wasm", Limits{}, "table 0: initial size 5000000 entries is over the limit of 1048576"},
		{"limits/table_big.wasm", Limits{MaxTableSize: 5_000_000}, ""},
		{"limits/table_grow_nomax.wasm", Limits{}, "table 0 has no maximum and the code grows it (table.grow in function 0)"},
		{"limits/table_grow_bigmax.wasm", Limits{}, "table 1: maximum 2000000 entries is over the limit of 1048576 and the code grows it (table.grow in function 1)"},
		{"limits/table_grow_bigmax.wasm", Limits{MaxTableSize: 2_000_000}, ""},
		{"limits/table_nomax.wasm", Limits{MaxTableSize: 6000}, ""},
		{"limits/table_nomax.wasm", Limits{MaxTableSize: 5000}, "table 0: initial size 5361 entries is over the limit of 5000"},
		{"limits/tables_total.wasm", Limits{}, "tables: together their initial sizes are 1200000 entries, over the limit of 1048576"},
		{"limits/memory_big.wasm", Limits{MaxMemoryPages: 256}, "memory: minimum 300 pages (18.8 MiB) is over the tier's 256 pages (16 MiB)"},
		{"limits/memory_big.wasm", Limits{MaxMemoryPages: 512}, ""},
		{"limits/import_memory.wasm", Limits{MaxMemoryPages: 1}, ""},
		{"behave.wasm", Limits{MaxFunctions: 10}, "section function: 22 functions (1 imported, 21 defined) is over the limit of 10"},
		{"behave.wasm", Limits{MaxModuleSize: 100}, "module: size 1110 bytes is over the limit of 100"},
		{"behave.wasm", Limits{MaxMemoryPages: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.wantErr, func(t *testing.T) {
			wasm := fixture(t, tt.fixture)
			for name, err := range map[string]error{
				"Inspect":    second(Inspect(wasm, tt.lim)),
				"Instrument": second(Instrument(wasm, tt.lim, Options{})),
			} {
				if errors.Is(err, ErrUnsupported) {
					continue
				}
				if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.HasSuffix(err.Error(), tt.wantErr)) {
					t.Errorf("%s: got error %v, want %q", name, err, tt.wantErr)
				}
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func TestInspectInfo(t *testing.T) {
	info, err := Inspect(fixture(t, "behave.wasm"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !info.HasStart || info.MemoryMinPages != 1 || info.MemoryMax == nil || *info.MemoryMax != 4 {
		t.Errorf("HasStart %v, memory %d..%v: want true, 1..4", info.HasStart, info.MemoryMinPages, info.MemoryMax)
	}
	want := map[string]string{
		"memory":   "memory () -> ()",
		"divmod":   "func (i32 i32) -> (i32)",
		"sum":      "func (i32) -> (i64)",
		"bulk":     "func () -> (i32)",
		"twice":    "func (i32) -> (i32)",
		"vec":      "func () -> (i32)",
		"started":  "func () -> (i32)",
		"dispatch": "func (i32 i32 i32) -> (i32)",
	}
	got := map[string]string{}
	for _, e := range info.Exports {
		got[e.Name] = fmt.Sprintf("%s (%s) -> (%s)", e.Kind, strings.Join(e.Params, " "), strings.Join(e.Results, " "))
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("export %s: got %q, want %q", name, got[name], w)
		}
	}
	if len(info.Imports) != 1 || fmt.Sprint(info.Imports[0]) != "{env twice func [i32] [i32]}" {
		t.Errorf("imports: %v", info.Imports)
	}

	info, err = Inspect(fixture(t, "limits/import_memory.wasm"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(info.Imports) != "[{env memory memory [] []} {env table table [] []}]" || info.MemoryMinPages != 1 {
		t.Errorf("imports: %v, memory min %d", info.Imports, info.MemoryMinPages)
	}
}

func TestUnsupported(t *testing.T) {
	_, err := Instrument(fixture(t, "limits/import_memory.wasm"), Limits{}, Options{})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "memory is imported") {
		t.Fatalf("got %v, want ErrUnsupported for the imported memory", err)
	}
}

// wasmOf assembles a module from raw sections.
func wasmOf(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s...)
	}
	return b
}

func sec(id byte, payload ...byte) []byte { return appendSection(nil, id, payload) }

func TestMalformed(t *testing.T) {
	typ := sec(secType, 1, 0x60, 0, 0)
	fn := sec(secFunction, 1, 0)
	manyLocals := sec(secCode, 1, 6, 1, 0xE0, 0xD4, 0x03, 0x7F, 0x0B) // 60000 i32 locals
	tests := []struct {
		name    string
		wasm    []byte
		wantErr string
	}{
		{"empty", nil, "does not start with \\0asm"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), "version 0d000100 is not supported"},
		{"truncated section", wasmOf([]byte{1, 5, 1}), "section type at offset 0x8: size 5 is past the end"},
		{"huge type count", wasmOf(sec(secType, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F)), "4294967295 types is over the limit of 1000000"},
		{"type count past the end", wasmOf(sec(secType, 100, 0x60, 0, 0)), "types 100 does not fit in the 3 bytes left"},
		{"unknown section", wasmOf([]byte{14, 0}), "unknown section id 14"},
		{"out of order", wasmOf(sec(secImport, 0), typ), "section type at offset 0xb: out of order or repeated"},
		{"repeated", wasmOf(typ, typ), "out of order or repeated"},
		{"gc type", wasmOf(sec(secType, 1, 0x5F, 0, 0)), "type 0 at offset 0xb: form 0x5f is not a function type"},
		{"left over", wasmOf(sec(secType, 0, 0)), "1 bytes left over at the end"},
		{"leb over 32 bits", wasmOf(sec(secType, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F)), "does not fit in 32 bits"},
		{"missing code", wasmOf(typ, fn), "section code: missing, but the function section declares 1 functions"},
		{"bad function type", wasmOf(typ, sec(secFunction, 1, 3)), "function 0: type index 3 is out of range"},
		{"too many locals", wasmOf(typ, fn, manyLocals), "function 0: more than 50000 locals, the limit"},
		{"unknown opcode", wasmOf(typ, fn, sec(secCode, 1, 3, 0, 0xFB, 0x0B)), "function 0: offset 0x17: unknown opcode 0xfb"},
		{"missing end", wasmOf(typ, fn, sec(secCode, 1, 3, 0, 0x03, 0x40)), "unexpected end of instruction"},
		{"bytes after end", wasmOf(typ, fn, sec(secCode, 1, 3, 0, 0x0B, 0x01)), "1 bytes after the end of the body"},
		{"call out of range", wasmOf(typ, fn, sec(secCode, 1, 4, 0, 0x10, 5, 0x0B)), "function index 5 is out of range (the module has 1 functions)"},
		{"memory64", wasmOf(sec(secMemory, 1, 4, 1)), "64-bit memories are not supported"},
		{"two memories", wasmOf(sec(secMemory, 2, 0, 1, 0, 1)), "multiple memories are not supported"},
		{"bad utf-8 export", wasmOf(sec(secExport, 1, 1, 0xFF, 2, 0)), "export name is not valid UTF-8"},
		{"module name shorter than its subsection", wasmOf(sec(secCustom, 4, 'n', 'a', 'm', 'e', 0, 3, 1, 'm', 'x')), `custom section "name": subsection 0: 1 bytes left over`},
		{"name section count", wasmOf(sec(secCustom, 4, 'n', 'a', 'm', 'e', 1, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F)), `custom section "name": subsection 1: offset 0x11: 4294967295 names is over the limit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(tt.wasm, Limits{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if _, err2 := Instrument(tt.wasm, Limits{}, Options{}); fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Errorf("Instrument: got %v, want Inspect's error", err2)
			}
		})
	}
}

// TestCustomSections: custom sections survive (wabin's encoder corrupts
// names of 128 bytes or more), debug sections are dropped.
func TestCustomSections(t *testing.T) {
	long := strings.Repeat("x", 200)
	custom := func(name, data string) []byte {
		p := appendU32(nil, uint32(len(name)))
		return sec(secCustom, append(append(p, name...), data...)...)
	}
	wasm := append(fixture(t, "spin.wasm"), custom(long, "payload")...)
	wasm = append(wasm, custom(".debug_info", "dwarf")...)
	out := mustInstrument(t, wasm, Limits{}, Options{})
	if !bytes.Contains(out, custom(long, "payload")) {
		t.Error("the custom section with a long name was lost")
	}
	if bytes.Contains(out, []byte(".debug_info")) {
		t.Error("the DWARF section was kept")
	}
	e := newEnv(t, false, 0)
	e.instance(t, out)
}

// TestInstrumentOutputInspects: the output is itself a module Inspect
// accepts, with one more import and the same exports, that instruments
// again and runs.
func TestInstrumentOutputInspects(t *testing.T) {
	e := newEnv(t, false, 0)
	for _, f := range []string{"", "behave.wasm", "spin.wasm", "tail.wasm", "loop.wasm", "bench_c.wasm", "limits/table_nomax.wasm"} {
		in := wasmOf() // the empty module: every section Instrument needs is created
		if f != "" {
			in = fixture(t, f)
		}
		out := mustInstrument(t, in, Limits{}, Options{})
		a, errA := Inspect(in, Limits{})
		b, errB := Inspect(out, Limits{})
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", f, errA, errB)
		}
		if len(b.Imports) != len(a.Imports)+1 || fmt.Sprint(b.Exports) != fmt.Sprint(a.Exports) {
			t.Errorf("%s: imports %v -> %v, exports %v -> %v", f, a.Imports, b.Imports, a.Exports, b.Exports)
		}
		mustInstrument(t, out, Limits{}, Options{})
		e.instance(t, out)
	}
}

// BenchmarkOverhead runs each workload bare, instrumented with a yield
// that only counts, and instrumented with a yield that also calls
// runtime.Gosched (as the host's does), all without
// WithCloseOnContextDone and taking turns; then bare with
// WithCloseOnContextDone. It reports each variant's fastest and median
// call, and the ratios of the fastest calls to bare (the figure least
// disturbed by other load on the machine):
//
//	go test -run '^$' -bench Overhead -benchtime 20x ./internal/wasmhost/instrument/
func BenchmarkOverhead(b *testing.B) {
	type workload struct {
		name string
		wasm func(testing.TB) []byte
		fn   string
		arg  uint64
	}
	file := func(name string) func(testing.TB) []byte {
		return func(t testing.TB) []byte { return fixture(t, name) }
	}
	for _, w := range []workload{
		{"wat_loop_10M", file("loop.wasm"), "loop", 10_000_000},
		{"c_fnv_10M", file("bench_c.wasm"), "fnv", 10_000_000},
		{"c_sieve_1M", file("bench_c.wasm"), "sieve", 1_000_000},
		{"go_spin_10M", goGuest, "spin", 10_000_000},
		{"go_sortsum_100k", goGuest, "sortsum", 100_000},
		{"go_fib_27", goGuest, "fib", 27},
	} {
		b.Run(w.name, func(b *testing.B) {
			bare := w.wasm(b)
			inst := mustInstrument(b, bare, Limits{}, Options{})
			counting := newEnv(b, false, 0)
			counting.y.noGosched = true
			fns := []api.Function{
				newEnv(b, false, 0).instance(b, bare).ExportedFunction(w.fn),
				counting.instance(b, inst).ExportedFunction(w.fn),
				newEnv(b, false, 0).instance(b, inst).ExportedFunction(w.fn),
				newEnv(b, true, 0).instance(b, bare).ExportedFunction(w.fn),
			}
			names := []string{"bare", "instr", "gosched", "close"}
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			took := make([][]time.Duration, len(fns))
			timed := func(v int) {
				start := time.Now()
				if _, err := fns[v].Call(ctx, w.arg); err != nil {
					b.Fatal(err)
				}
				took[v] = append(took[v], time.Since(start))
			}
			runtime.GC()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				timed(0)
				timed(1)
				timed(2)
			}
			// WithCloseOnContextDone starts a goroutine per call: run on
			// its own, it doesn't disturb the others' timings.
			for i := 0; i < b.N; i++ {
				timed(3)
			}
			fast := make([]float64, len(fns))
			for v, d := range took {
				slices.Sort(d)
				fast[v] = float64(d[0].Nanoseconds()) / 1e6
				b.ReportMetric(fast[v], names[v]+"-fastest-ms")
				b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e6, names[v]+"-median-ms")
			}
			for v := 1; v < len(fns); v++ {
				b.ReportMetric(fast[v]/fast[0], names[v]+"/bare")
			}
		})
	}
}

// BenchmarkBudgets compares budgets on the Go guest, bare and instrumented
// taking turns, the yield calling runtime.Gosched:
//
//	go test -run '^$' -bench Budgets -benchtime 20x ./internal/wasmhost/instrument/
func BenchmarkBudgets(b *testing.B) {
	wasm := goGuest(b)
	for _, w := range []struct {
		fn  string
		arg uint64
	}{{"fib", 27}, {"sortsum", 100_000}, {"spin", 10_000_000}} {
		for _, opt := range []Options{{1000, 100}, {1000, 1000}, {10_000, 1000}, {10_000, 10_000}, {100_000, 10_000}} {
			b.Run(fmt.Sprintf("%s/loop=%d/call=%d", w.fn, opt.LoopBudget, opt.CallBudget), func(b *testing.B) {
				e := newEnv(b, false, 0)
				fns := []api.Function{
					newEnv(b, false, 0).instance(b, wasm).ExportedFunction(w.fn),
					e.instance(b, mustInstrument(b, wasm, Limits{}, opt)).ExportedFunction(w.fn),
				}
				fast := []time.Duration{time.Hour, time.Hour}
				yields := e.y.calls.Load()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for v, fn := range fns {
						start := time.Now()
						if _, err := fn.Call(context.Background(), w.arg); err != nil {
							b.Fatal(err)
						}
						fast[v] = min(fast[v], time.Since(start))
					}
				}
				b.ReportMetric(float64(fast[1])/float64(fast[0]), "instr/bare")
				b.ReportMetric(float64(e.y.calls.Load()-yields)/float64(b.N), "yields/op")
			})
		}
	}
}

// BenchmarkInstrument measures instrumenting the Go guest (1.9 MB).
func BenchmarkInstrument(b *testing.B) {
	wasm := goGuest(b)
	b.SetBytes(int64(len(wasm)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Instrument(wasm, Limits{}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
