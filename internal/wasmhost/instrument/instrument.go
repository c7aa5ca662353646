// Package instrument inspects WebAssembly modules before they are compiled
// and instruments them so that the host can stop a spinning guest and keep
// the Go scheduler and garbage collector running.
//
//	info, err := instrument.Inspect(wasm, lim)       // limits, imports, exports
//	out, err := instrument.Instrument(wasm, lim, instrument.Options{})
//	if errors.Is(err, instrument.ErrUnsupported) { /* run wasm with WithCloseOnContextDone */ }
//
// Code compiled by wazero cannot be preempted by Go. Instrument therefore
// adds an import, weft_rt.yield () -> (), and calls it every LoopBudget
// iterations of a function's loops (counted in a new local, which stays in
// a register) and every CallBudget entries of functions that loop or call
// (counted in a new global, which bulk memory operations also charge). The
// host's yield checks the deadline and calls runtime.Gosched. Measured
// costs are in instrument_test.go's BenchmarkOverhead and
// docs/performance.md.
//
// # Notes
//
// The package has its own decoder: the module is read once, checked, and
// only the sections that change are re-encoded (type, import, memory,
// global, export, start, element, code, name); every other section is
// copied byte for byte. So every encoding wazero accepts round-trips,
// including the ones wabin's encoder loses (data count, passive segments,
// v128 constants, long custom section names). DWARF and source-map custom
// sections are dropped, since they refer to code offsets that move, and so
// are the label names of the name section, since the checks add blocks.
//
// Both functions read hostile bytes: every length is bounded by the bytes
// that remain and by the caps in parse.go before anything is allocated.
// They check structure only as far as they need to; wazero's CompileModule
// validates the output.
package instrument

import (
	"errors"
)

// YieldModule and YieldName name the function Instrument imports: the host
// provides it, () -> ().
const YieldModule, YieldName = "weft_rt", "yield"

// Default budgets: see the benchmarks in instrument_test.go.
const (
	DefaultLoopBudget = 10_000
	DefaultCallBudget = 1_000
)

// Defaults for zero fields of Limits.
const (
	DefaultMaxTableSize   = 1 << 20
	DefaultMaxMemoryPages = 65536 // 4 GiB: no cap beyond 32-bit memory's
	DefaultMaxModuleSize  = 256 << 20
	DefaultMaxLocals      = 50_000
	DefaultMaxFunctions   = 1_000_000
)

// ErrUnsupported wraps the errors of Instrument for modules that pass
// Inspect but that it cannot instrument faithfully: run them
// uninstrumented, with wazero's WithCloseOnContextDone. Today that is a
// module whose memory is imported, as the cap can't be written into it.
var ErrUnsupported = errors.New("module not instrumentable")

// Limits are what Inspect and Instrument enforce. A zero field means its
// Default.
type Limits struct {
	// MaxTableSize caps each table's initial size, and the maximum of any
	// table the code grows with table.grow, in entries. The initial sizes
	// of all tables together are capped too.
	MaxTableSize uint32
	// MaxMemoryPages caps linear memory (the tier: 16 MiB is 256 pages of
	// 64 KiB): the declared minimum must be at most that; Instrument
	// writes it as the memory's maximum when that is lower than the
	// declared one.
	MaxMemoryPages uint32
	// MaxModuleSize caps the module, in bytes.
	MaxModuleSize int
	// MaxLocals caps the locals one function declares (parameters not
	// counted).
	MaxLocals int
	// MaxFunctions caps the functions, imported and defined.
	MaxFunctions int
}

func (l Limits) withDefaults() Limits {
	if l.MaxTableSize == 0 {
		l.MaxTableSize = DefaultMaxTableSize
	}
	if l.MaxMemoryPages == 0 || l.MaxMemoryPages > maxPages {
		l.MaxMemoryPages = DefaultMaxMemoryPages
	}
	if l.MaxModuleSize <= 0 {
		l.MaxModuleSize = DefaultMaxModuleSize
	}
	if l.MaxLocals <= 0 {
		l.MaxLocals = DefaultMaxLocals
	}
	l.MaxLocals = min(l.MaxLocals, maxTotalLocals)
	if l.MaxFunctions <= 0 {
		l.MaxFunctions = DefaultMaxFunctions
	}
	return l
}

// Import is one import of a module. Kind is "func", "table", "memory",
// "global" or "tag"; Params and Results are set for functions.
type Import struct {
	Module, Name, Kind string
	Params, Results    []string
}

// Export is one export of a module. Kind is as for Import; for functions,
// Params and Results hold "i32", "i64", "f32", "f64", "v128", "funcref",
// "externref", "exnref" or "(ref null N)" / "(ref N)".
type Export struct {
	Name, Kind      string
	Params, Results []string
}

// Info is what Inspect reports.
type Info struct {
	Imports []Import
	Exports []Export
	// MemoryMinPages and MemoryMax are the memory's declared limits, in
	// 64 KiB pages (imported or defined; zero and nil without a memory).
	MemoryMinPages uint32
	MemoryMax      *uint32
	// HasStart reports a start section, which runs inside instantiation.
	HasStart bool
}

// Options tune Instrument. Zero or negative fields mean their Default.
type Options struct {
	// LoopBudget is how many loop iterations a function runs between two
	// calls to yield; CallBudget how many function entries (of functions
	// that loop or call) run between two.
	LoopBudget, CallBudget int32
}

// Inspect decodes a module and checks it against lim before anything is
// compiled.
//
//	info, err := instrument.Inspect(wasm, instrument.Limits{MaxMemoryPages: 256})
//
// # Errors
//
// The module is malformed in a way that matters here (the error names the
// section, the item and the offset), or over a limit: its size, functions,
// locals, a table's initial size (alone or all tables together), a table
// without a maximum (or over the cap) that the code grows with
// table.grow, the memory's minimum. For example:
//
//	table 0: initial size 5000000 entries is over the limit of 1048576
//	table 0 has no maximum and the code grows it (table.grow in function 12)
//	memory: minimum 300 pages (18.8 MiB) is over the tier's 256 pages (16 MiB)
//
// # Notes
//
// Imported memories and tables are checked like defined ones and reported
// in Info.Imports: the host rejects them. Tables without a maximum that are
// never grown (every Go-built module's) pass.
func Inspect(wasm []byte, lim Limits) (*Info, error) {
	m, err := decode(wasm, lim.withDefaults())
	if err != nil {
		return nil, err
	}
	info := m.info // not &m.info, which would keep the whole decoder state alive
	return &info, nil
}

// Instrument returns a module that behaves as wasm does, plus:
//
//   - an import weft_rt.yield () -> () placed after the last imported
//     function, so every defined function's index shifts by one (in code,
//     exports, start, elements, global and table initializers, names);
//   - in each function with loops, a new i32 local set to LoopBudget at
//     entry and counted down at every loop header, calling yield and
//     resetting it at zero. A loop without parameters is wrapped in three
//     blocks so that the call sits outside its cycle (the countdown
//     branches out, yields, and re-enters the loop as a back-edge would;
//     branch labels that cross it are renumbered): wazero would otherwise
//     spill the loop's values at every iteration. Loops with parameters
//     keep the call inline;
//   - in each function that loops or calls, a countdown of a new mutable
//     i32 global at entry, calling yield and resetting it to CallBudget at
//     zero. Functions that neither loop nor call run for a bounded time
//     and get no check;
//   - before each bulk operation (memory.init/copy/fill, table.init/copy/
//     fill), a charge of 1 + length/8 KiB (or per 1024 table entries) on
//     the same global, calling yield when it runs out: a loop of 16 MiB
//     copies takes milliseconds per iteration, too long to count as one;
//   - the memory's maximum set to min(declared maximum, lim.MaxMemoryPages),
//     so memory.grow past the cap returns -1 in any runtime.
//
// Usage:
//
//	out, err := instrument.Instrument(wasm, lim, instrument.Options{})
//
// # Errors
//
// Every error of Inspect, and errors wrapping ErrUnsupported for valid
// modules it cannot instrument (an imported memory, whose cap can't be
// written into the module).
//
// # Notes
//
// The host provides weft_rt.yield; it may panic with sys.NewExitError to
// stop the guest. Between two calls to yield a guest runs at most about
// CallBudget x LoopBudget loop iterations (a function that returns before
// its local budget runs out costs one call-budget unit instead), or
// CallBudget x 8 KiB of bulk memory operations: with the defaults, about
// 10^7 iterations, milliseconds. Typical code yields every few
// microseconds.
func Instrument(wasm []byte, lim Limits, opt Options) ([]byte, error) {
	if opt.LoopBudget <= 0 {
		opt.LoopBudget = DefaultLoopBudget
	}
	if opt.CallBudget <= 0 {
		opt.CallBudget = DefaultCallBudget
	}
	m, err := decode(wasm, lim.withDefaults())
	if err != nil {
		return nil, err
	}
	return instrument(m, opt)
}
