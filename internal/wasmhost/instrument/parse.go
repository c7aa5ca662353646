// The module decoder behind Inspect and Instrument: one pass over every
// section that checks structure and limits, records where the parts
// Instrument rewrites are, and allocates only in proportion to counts it
// has already bounded.

package instrument

import (
	"fmt"
	"strings"
)

// Hard caps on counts that Limits does not cover. They protect this
// decoder and wazero's (which allocates per element before reading the
// elements) from modules that declare huge vectors. Most are the JS API's
// implementation limits, which every browser enforces, so no real
// toolchain exceeds them.
const (
	maxTypes        = 1_000_000
	maxImports      = 100_000
	maxExports      = 100_000
	maxGlobals      = 1_000_000
	maxTables       = 100_000
	maxTags         = 1_000_000
	maxElemSegments = 1_000_000
	maxElemEntries  = 10_000_000 // all element segments together
	maxDataSegments = 1_000_000  // Go puts one symbol per segment: 21,537 for a trivial program
	maxParams       = 1000       // parameters, results, select types
	maxBrTable      = 1 << 20    // br_table targets, try_table catches
	maxBodySize     = 7_654_321  // bytes in one function body
	maxTotalLocals  = 1 << 26    // locals of all functions together (wazero keeps a byte per local)
	maxNameEntries  = 4_000_000  // entries in the name section's maps
	maxPages        = 65536      // 4 GiB of 32-bit memory
	maxSections     = 10_000     // custom sections included
)

// Section ids, and their required order (custom sections go anywhere).
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secTable     = 4
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
	secTag       = 13
)

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory", "global",
	"export", "start", "element", "code", "data", "data count", "tag"}

// sectionRank is the position a section must have among non-custom ones.
func sectionRank(id byte) int {
	switch id {
	case secTag:
		return 55 // between memory and global
	case secDataCount:
		return 95 // between element and code
	}
	return int(id) * 10
}

// Import and export kinds.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
	kindTag    = 4
)

var kindNames = [...]string{"func", "table", "memory", "global", "tag"}

type section struct {
	id           byte
	name         string // custom sections
	start        int    // offset of the id byte
	payload, end int
}

type funcInfo struct {
	typeIdx uint32
	// body is [bodyStart, bodyEnd): the locals vector from bodyStart, the
	// expression from exprStart.
	bodyStart, exprStart, bodyEnd int
	locals                        uint32 // declared locals (not params)
	loops, calls, bulk            bool
}

type tableInfo struct {
	min, max uint32
	hasMax   bool
}

type memInfo struct {
	flags    byte
	min, max uint32
	hasMax   bool
	imported bool
	limStart int // [limStart, limEnd): the limits, flags byte first
	limEnd   int
}

// module is what the decoder learned about a module.
type module struct {
	b   []byte
	lim Limits

	sections    []section
	typeOffs    []int    // offset of each type's 0x60 byte
	typeEntries uint32   // entries of the type section: types and recursive groups
	emptyType   []uint32 // types () -> () outside recursive groups

	importFuncTypes []uint32 // type of each imported function
	importGlobals   uint32
	importCountAt   [2]int // the import vector's count: [start, end)
	yieldImportAt   int    // where the yield import goes: after the last imported function
	funcs           []funcInfo
	tables          []tableInfo // imported, then defined
	mems            []memInfo
	globals         uint32 // defined
	globalCountAt   [2]int
	typeCountAt     [2]int
	elemEntries     uint64
	totalLocals     uint64
	nameEntries     uint64
	hasName         bool

	info Info
}

func (m *module) numFuncs() uint32 { return uint32(len(m.importFuncTypes)) + uint32(len(m.funcs)) }

func (m *module) sectionErr(s *section, err error) error {
	return fmt.Errorf("section %s: %w", sectionNames[s.id], err)
}

// decode reads the whole module and checks it against lim.
func decode(b []byte, lim Limits) (*module, error) {
	if len(b) > lim.MaxModuleSize {
		return nil, fmt.Errorf("module: size %d bytes is over the limit of %d", len(b), lim.MaxModuleSize)
	}
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, fmt.Errorf("not a WebAssembly module: it does not start with \\0asm")
	}
	if string(b[4:8]) != "\x01\x00\x00\x00" {
		return nil, fmt.Errorf("WebAssembly binary version %x is not supported (expected 1): components and other layers are not modules", b[4:8])
	}
	m := &module{b: b, lim: lim, yieldImportAt: -1}
	r := newReader(b, 8, len(b))
	lastRank := 0
	for r.left() > 0 {
		if len(m.sections) == maxSections {
			return nil, fmt.Errorf("offset 0x%x: more than %d sections", r.pos, maxSections)
		}
		s := section{start: r.pos}
		id, _ := r.byte("section id")
		if int(id) >= len(sectionNames) {
			return nil, fmt.Errorf("offset 0x%x: unknown section id %d", s.start, id)
		}
		s.id = id
		size, err := r.u32("section size")
		if err != nil {
			return nil, fmt.Errorf("section %s: %w", sectionNames[id], err)
		}
		if int64(size) > int64(r.left()) {
			return nil, fmt.Errorf("section %s at offset 0x%x: size %d is past the end of the module", sectionNames[id], s.start, size)
		}
		s.payload, s.end = r.pos, r.pos+int(size)
		r.pos = s.end
		if id != secCustom {
			rank := sectionRank(id)
			if rank <= lastRank {
				return nil, fmt.Errorf("section %s at offset 0x%x: out of order or repeated", sectionNames[id], s.start)
			}
			lastRank = rank
		}
		m.sections = append(m.sections, s)
		sr := newReader(b, s.payload, s.end)
		sp := &m.sections[len(m.sections)-1]
		if err := m.decodeSection(sp, sr); err != nil {
			if sp.id == secCustom {
				return nil, fmt.Errorf("custom section %q: %w", sp.name, err)
			}
			return nil, m.sectionErr(sp, err)
		}
		if sr.pos != s.end {
			return nil, m.sectionErr(sp, fmt.Errorf("offset 0x%x: %d bytes left over at the end", sr.pos, s.end-sr.pos))
		}
	}
	if len(m.funcs) > 0 && m.section(secCode) == nil {
		return nil, fmt.Errorf("section code: missing, but the function section declares %d functions", len(m.funcs))
	}
	if err := m.checkTables(); err != nil {
		return nil, err
	}
	for i := range m.mems {
		if err := m.checkMemory(&m.mems[i]); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *module) section(id byte) *section {
	for i := range m.sections {
		if m.sections[i].id == id {
			return &m.sections[i]
		}
	}
	return nil
}

func (m *module) decodeSection(s *section, r *reader) error {
	switch s.id {
	case secCustom:
		name, err := r.name("custom section name")
		if err != nil {
			return err
		}
		s.name = name
		if name == "name" {
			if m.hasName {
				return fmt.Errorf("repeated")
			}
			m.hasName = true
			return m.names(r, nil)
		}
		r.pos = r.end
		return nil
	case secType:
		return m.types(r)
	case secImport:
		return m.imports(r)
	case secFunction:
		return m.functions(r)
	case secTable:
		return m.tableSection(r, nil)
	case secMemory:
		return m.memories(r)
	case secTag:
		return m.tags(r)
	case secGlobal:
		return m.globalSection(r, nil)
	case secExport:
		return m.exports(r, nil)
	case secStart:
		return m.start(r, nil)
	case secElement:
		return m.elements(r, nil)
	case secDataCount:
		_, err := r.u32("data count")
		return err
	case secCode:
		return m.code(r)
	case secData:
		return m.data(r)
	}
	return nil
}

func (m *module) types(r *reader) error {
	m.typeCountAt[0] = r.pos
	n, err := r.count("types", 3, maxTypes)
	if err != nil {
		return err
	}
	m.typeCountAt[1] = r.pos
	m.typeEntries = n
	m.typeOffs = make([]int, 0, n)
	for i := uint32(0); i < n; i++ {
		if r.pos < r.end && r.b[r.pos] == 0x4E { // a recursive group of function types
			r.pos++
			k, err := r.count("types in a recursive group", 3, maxTypes)
			if err != nil {
				return err
			}
			for j := uint32(0); j < k; j++ {
				if err := m.funcType(r, true); err != nil {
					return err
				}
			}
			continue
		}
		if err := m.funcType(r, false); err != nil {
			return err
		}
	}
	return nil
}

// funcType reads one function type.
func (m *module) funcType(r *reader, rec bool) error {
	i, at := len(m.typeOffs), r.pos
	if i >= maxTypes {
		return fmt.Errorf("more than %d types", maxTypes)
	}
	form, err := r.byte("type form")
	if err != nil {
		return err
	}
	if form != 0x60 {
		return fmt.Errorf("type %d at offset 0x%x: form 0x%02x is not a function type (GC types are not supported)", i, at, form)
	}
	for _, what := range []string{"parameters", "results"} {
		k, err := r.count(what, 1, maxParams)
		if err != nil {
			return fmt.Errorf("type %d: %w", i, err)
		}
		for j := uint32(0); j < k; j++ {
			if err := r.valType(); err != nil {
				return fmt.Errorf("type %d: %w", i, err)
			}
		}
	}
	m.typeOffs = append(m.typeOffs, at)
	if !rec && r.pos == at+3 {
		m.emptyType = append(m.emptyType, uint32(i)) // () -> (), reusable for yield
	}
	return nil
}

// signature returns the parameter and result types of type t.
func (m *module) signature(t uint32) (params, results []string, err error) {
	if int64(t) >= int64(len(m.typeOffs)) {
		return nil, nil, fmt.Errorf("type index %d is out of range (the module has %d types)", t, len(m.typeOffs))
	}
	r := newReader(m.b, m.typeOffs[t]+1, len(m.b))
	var lists [2][]string
	for i := range lists {
		k, err := r.u32("count")
		if err != nil {
			return nil, nil, err
		}
		for j := uint32(0); j < k; j++ {
			v, err := r.valTypeName()
			if err != nil {
				return nil, nil, err
			}
			lists[i] = append(lists[i], v)
		}
	}
	return lists[0], lists[1], nil
}

// paramCount returns the number of parameters of type t (checked in range).
func (m *module) paramCount(t uint32) uint32 {
	r := newReader(m.b, m.typeOffs[t]+1, len(m.b))
	n, _ := r.u32("count")
	return n
}

// funcSig returns the signature of function f (imported or defined).
func (m *module) funcSig(f uint32) (params, results []string, err error) {
	if f < uint32(len(m.importFuncTypes)) {
		return m.signature(m.importFuncTypes[f])
	}
	if d := f - uint32(len(m.importFuncTypes)); d < uint32(len(m.funcs)) {
		return m.signature(m.funcs[d].typeIdx)
	}
	return nil, nil, fmt.Errorf("function index %d is out of range (the module has %d functions)", f, m.numFuncs())
}

func (m *module) imports(r *reader) error {
	m.importCountAt[0] = r.pos
	n, err := r.count("imports", 4, maxImports)
	if err != nil {
		return err
	}
	m.importCountAt[1] = r.pos
	m.yieldImportAt = r.pos
	m.info.Imports = make([]Import, 0, n)
	for i := uint32(0); i < n; i++ {
		mod, err := r.name("module name")
		if err != nil {
			return fmt.Errorf("import %d: %w", i, err)
		}
		name, err := r.name("import name")
		if err != nil {
			return fmt.Errorf("import %d: %w", i, err)
		}
		im := Import{Module: mod, Name: name}
		fail := func(err error) error { return fmt.Errorf("import %d %q.%q: %w", i, mod, name, err) }
		kind, err := r.byte("import kind")
		if err != nil {
			return fail(err)
		}
		switch kind {
		case kindFunc:
			t, err := r.u32("type index")
			if err != nil {
				return fail(err)
			}
			if im.Params, im.Results, err = m.signature(t); err != nil {
				return fail(err)
			}
			if len(m.importFuncTypes) >= m.lim.MaxFunctions {
				return fmt.Errorf("module: more than %d functions", m.lim.MaxFunctions)
			}
			m.importFuncTypes = append(m.importFuncTypes, t)
			m.yieldImportAt = r.pos
		case kindTable:
			if err := m.tableType(r, len(m.tables)); err != nil {
				return fail(err)
			}
		case kindMemory:
			if err := m.memType(r, true); err != nil {
				return fail(err)
			}
		case kindGlobal:
			if err := r.valType(); err != nil {
				return fail(err)
			}
			if err := m.mutability(r); err != nil {
				return fail(err)
			}
			m.importGlobals++
		case kindTag:
			if err := m.tagType(r); err != nil {
				return fail(err)
			}
		default:
			return fail(fmt.Errorf("offset 0x%x: unknown import kind 0x%02x", r.pos-1, kind))
		}
		im.Kind = kindNames[kind]
		m.info.Imports = append(m.info.Imports, im)
	}
	return nil
}

func (m *module) mutability(r *reader) error {
	c, err := r.byte("mutability")
	if err == nil && c > 1 {
		err = fmt.Errorf("offset 0x%x: invalid mutability 0x%02x", r.pos-1, c)
	}
	return err
}

func (m *module) tagType(r *reader) error {
	c, err := r.byte("tag attribute")
	if err != nil {
		return err
	}
	if c != 0 {
		return fmt.Errorf("offset 0x%x: invalid tag attribute 0x%02x", r.pos-1, c)
	}
	t, err := r.u32("type index")
	if err == nil && int64(t) >= int64(len(m.typeOffs)) {
		err = fmt.Errorf("type index %d is out of range (the module has %d types)", t, len(m.typeOffs))
	}
	return err
}

func (m *module) functions(r *reader) error {
	n, err := r.u32("function count")
	if err != nil {
		return err
	}
	if total := int64(n) + int64(len(m.importFuncTypes)); total > int64(m.lim.MaxFunctions) {
		return fmt.Errorf("%d functions (%d imported, %d defined) is over the limit of %d",
			total, len(m.importFuncTypes), n, m.lim.MaxFunctions)
	}
	if int64(n) > int64(r.left()) {
		return fmt.Errorf("%d functions do not fit in the %d bytes of the section", n, r.left())
	}
	m.funcs = make([]funcInfo, n)
	for i := range m.funcs {
		t, err := r.u32("type index")
		if err != nil {
			return err
		}
		if int64(t) >= int64(len(m.typeOffs)) {
			return fmt.Errorf("function %d: type index %d is out of range (the module has %d types)",
				len(m.importFuncTypes)+i, t, len(m.typeOffs))
		}
		m.funcs[i].typeIdx = t
	}
	return nil
}

// tableType reads a reference type and table limits: table idx of the
// index space.
func (m *module) tableType(r *reader, idx int) error {
	if len(m.tables) >= maxTables {
		return fmt.Errorf("more than %d tables", maxTables)
	}
	vt, err := r.valTypeName()
	if err != nil {
		return fmt.Errorf("table %d: %w", idx, err)
	}
	if vt != "funcref" && vt != "externref" && vt != "exnref" && !strings.HasPrefix(vt, "(ref") {
		return fmt.Errorf("table %d: element type %s is not a reference type", idx, vt)
	}
	flags, err := r.byte("table limits")
	if err != nil {
		return err
	}
	if flags > 1 {
		return fmt.Errorf("table %d: limits flags 0x%02x are not supported (only 0x00 and 0x01: no shared or 64-bit tables)", idx, flags)
	}
	var t tableInfo
	if t.min, err = r.u32("table minimum"); err != nil {
		return err
	}
	if flags == 1 {
		t.hasMax = true
		if t.max, err = r.u32("table maximum"); err != nil {
			return err
		}
		if t.max < t.min {
			return fmt.Errorf("table %d: maximum %d is below the minimum %d", idx, t.max, t.min)
		}
	}
	if t.min > m.lim.MaxTableSize {
		return fmt.Errorf("table %d: initial size %d entries is over the limit of %d", idx, t.min, m.lim.MaxTableSize)
	}
	m.tables = append(m.tables, t)
	return nil
}

// checkTables checks that the tables together stay under the cap: each
// one does already, and a module could otherwise multiply it.
func (m *module) checkTables() error {
	var total uint64
	for _, t := range m.tables {
		total += uint64(t.min)
	}
	if len(m.tables) > 1 && total > uint64(m.lim.MaxTableSize) {
		return fmt.Errorf("tables: together their initial sizes are %d entries, over the limit of %d", total, m.lim.MaxTableSize)
	}
	return nil
}

func (m *module) tableSection(r *reader, em *emitter) error {
	n, err := r.count("tables", 3, maxTables)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		idx := len(m.tables)
		if em != nil {
			idx = len(m.tables) - int(n) + int(i)
		}
		init := false
		if r.pos < r.end && r.b[r.pos] == 0x40 { // function-references: 0x40 0x00 tabletype expr
			r.pos++
			if c, err := r.byte("table prefix"); err != nil || c != 0 {
				return fmt.Errorf("table %d: expected 0x00 after 0x40", idx)
			}
			init = true
		}
		if em == nil {
			if err := m.tableType(r, idx); err != nil {
				return err
			}
		} else {
			if err := r.valType(); err != nil {
				return err
			}
			flags, _ := r.byte("table limits")
			for k := byte(0); k <= flags&1; k++ {
				if _, err := r.u32("table limit"); err != nil {
					return err
				}
			}
		}
		if init {
			if err := m.constExpr(r, em, where{"table", int64(idx), "initializer"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// memType reads memory limits; imported memories are reported, defined
// ones are patched by Instrument.
func (m *module) memType(r *reader, imported bool) error {
	if len(m.mems) >= 1 {
		return fmt.Errorf("a second memory: multiple memories are not supported")
	}
	mi := memInfo{imported: imported, limStart: r.pos}
	flags, err := r.byte("memory limits")
	if err != nil {
		return err
	}
	switch {
	case flags >= 4 && flags <= 7:
		return fmt.Errorf("memory: 64-bit memories are not supported")
	case flags > 3:
		return fmt.Errorf("memory: invalid limits flags 0x%02x", flags)
	case flags == 2:
		return fmt.Errorf("memory: a shared memory must declare a maximum")
	}
	mi.flags = flags
	if mi.min, err = r.u32("memory minimum"); err != nil {
		return err
	}
	if flags&1 != 0 {
		mi.hasMax = true
		if mi.max, err = r.u32("memory maximum"); err != nil {
			return err
		}
		if mi.max > maxPages {
			return fmt.Errorf("memory: maximum %d pages is over the 65536 pages (4 GiB) of 32-bit memory", mi.max)
		}
		if mi.max < mi.min {
			return fmt.Errorf("memory: maximum %d pages is below the minimum %d", mi.max, mi.min)
		}
	}
	mi.limEnd = r.pos
	m.mems = append(m.mems, mi)
	m.info.MemoryMinPages = mi.min
	if mi.hasMax {
		v := mi.max
		m.info.MemoryMax = &v
	}
	return nil
}

func (m *module) checkMemory(mi *memInfo) error {
	if mi.min > m.lim.MaxMemoryPages {
		return fmt.Errorf("memory: minimum %d pages (%s) is over the tier's %d pages (%s)",
			mi.min, mib(mi.min), m.lim.MaxMemoryPages, mib(m.lim.MaxMemoryPages))
	}
	return nil
}

// mib formats a page count in MiB: 300 pages is "18.8 MiB".
func mib(pages uint32) string {
	s := fmt.Sprintf("%.1f", float64(pages)/16)
	return strings.TrimSuffix(s, ".0") + " MiB"
}

func (m *module) memories(r *reader) error {
	n, err := r.count("memories", 2, 100)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if err := m.memType(r, false); err != nil {
			return err
		}
	}
	return nil
}

func (m *module) tags(r *reader) error {
	n, err := r.count("tags", 2, maxTags)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if err := m.tagType(r); err != nil {
			return fmt.Errorf("tag %d: %w", i, err)
		}
	}
	return nil
}

func (m *module) globalSection(r *reader, em *emitter) error {
	m.globalCountAt[0] = r.pos
	n, err := r.count("globals", 3, maxGlobals)
	if err != nil {
		return err
	}
	m.globalCountAt[1] = r.pos
	for i := uint32(0); i < n; i++ {
		g := m.importGlobals + i
		if err := r.valType(); err != nil {
			return fmt.Errorf("global %d: %w", g, err)
		}
		if err := m.mutability(r); err != nil {
			return fmt.Errorf("global %d: %w", g, err)
		}
		if err := m.constExpr(r, em, where{"global", int64(g), "initializer"}); err != nil {
			return err
		}
	}
	m.globals = n
	return nil
}

// where names an item in errors without formatting it until it is
// needed: "data segment 3 offset".
type where struct {
	what   string
	idx    int64 // -1: none
	suffix string
}

func (w where) String() string {
	s := w.what
	if w.idx >= 0 {
		s += fmt.Sprintf(" %d", w.idx)
	}
	if w.suffix != "" {
		s += " " + w.suffix
	}
	return s
}

func named(what string) where { return where{what: what, idx: -1} }

func (w where) with(suffix string) where { w.suffix = suffix; return w }

// constExpr reads a constant expression up to and including its end.
func (m *module) constExpr(r *reader, em *emitter, what where) error {
	var in insn
	for {
		if err := r.next(&in); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		switch {
		case in.op == opEnd:
			return nil
		case in.opens():
			return fmt.Errorf("%s: offset 0x%x: opcode 0x%02x is not allowed in a constant expression", what, in.start, in.op)
		case in.op == opRefFunc:
			if err := m.funcRef(em, &in, what); err != nil {
				return err
			}
		}
	}
}

// funcRef checks a function index immediate and hands it to em.
func (m *module) funcRef(em *emitter, in *insn, what where) error {
	if in.idx >= m.numFuncs() {
		return fmt.Errorf("%s: offset 0x%x: function index %d is out of range (the module has %d functions)",
			what, in.start, in.idx, m.numFuncs())
	}
	if em != nil {
		em.funcIdx(in.imm, in.end, in.idx)
	}
	return nil
}

func (m *module) exports(r *reader, em *emitter) error {
	n, err := r.count("exports", 3, maxExports)
	if err != nil {
		return err
	}
	if em == nil {
		m.info.Exports = make([]Export, 0, n)
	}
	for i := uint32(0); i < n; i++ {
		name, err := r.name("export name")
		if err != nil {
			return fmt.Errorf("export %d: %w", i, err)
		}
		kind, err := r.byte("export kind")
		if err != nil {
			return fmt.Errorf("export %q: %w", name, err)
		}
		if kind > kindTag {
			return fmt.Errorf("export %q: offset 0x%x: unknown export kind 0x%02x", name, r.pos-1, kind)
		}
		var in insn
		in.imm = r.pos
		if in.idx, err = r.u32("index"); err != nil {
			return fmt.Errorf("export %q: %w", name, err)
		}
		in.end = r.pos
		e := Export{Name: name, Kind: kindNames[kind]}
		if kind == kindFunc {
			if err := m.funcRef(em, &in, named(fmt.Sprintf("export %q", name))); err != nil {
				return err
			}
			if e.Params, e.Results, err = m.funcSig(in.idx); err != nil {
				return fmt.Errorf("export %q: %w", name, err)
			}
		}
		if em == nil {
			m.info.Exports = append(m.info.Exports, e)
		}
	}
	return nil
}

func (m *module) start(r *reader, em *emitter) error {
	var in insn
	in.imm = r.pos
	var err error
	if in.idx, err = r.u32("start function"); err != nil {
		return err
	}
	in.end = r.pos
	m.info.HasStart = true
	return m.funcRef(em, &in, named("start function"))
}

func (m *module) elements(r *reader, em *emitter) error {
	n, err := r.count("element segments", 2, maxElemSegments)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		what := where{what: "element segment", idx: int64(i)}
		flags, err := r.u32("element segment flags")
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if flags > 7 {
			return fmt.Errorf("%s: invalid flags %d", what, flags)
		}
		if flags&1 == 0 { // active
			if flags&2 != 0 {
				if _, err := r.u32("table index"); err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
			}
			if err := m.constExpr(r, em, what.with("offset")); err != nil {
				return err
			}
		}
		exprs := flags&4 != 0
		if flags&3 != 0 { // an element kind or reference type follows
			if !exprs {
				if c, err := r.byte("element kind"); err != nil || c != 0 {
					return fmt.Errorf("%s: expected element kind 0x00 (funcref)", what)
				}
			} else if err := r.valType(); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		k, err := r.count("elements", 1, maxElemEntries)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if em == nil {
			m.elemEntries += uint64(k)
			if m.elemEntries > maxElemEntries {
				return fmt.Errorf("%s: the element segments hold more than %d elements together", what, maxElemEntries)
			}
		}
		for j := uint32(0); j < k; j++ {
			if exprs {
				if err := m.constExpr(r, em, what); err != nil {
					return err
				}
				continue
			}
			var in insn
			in.imm = r.pos
			if in.idx, err = r.u32("function index"); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			in.end = r.pos
			if err := m.funcRef(em, &in, what); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *module) code(r *reader) error {
	n, err := r.count("function bodies", 2, uint32(len(m.funcs)))
	if err != nil {
		return err
	}
	if int(n) != len(m.funcs) {
		return fmt.Errorf("%d function bodies, but the function section declares %d functions", n, len(m.funcs))
	}
	for i := range m.funcs {
		f := &m.funcs[i]
		fidx := len(m.importFuncTypes) + i
		size, err := r.u32("body size")
		if err != nil {
			return fmt.Errorf("function %d: %w", fidx, err)
		}
		if size > maxBodySize {
			return fmt.Errorf("function %d: body of %d bytes is over the limit of %d", fidx, size, maxBodySize)
		}
		if int(size) > r.left() {
			return fmt.Errorf("function %d: body of %d bytes is past the end of the section", fidx, size)
		}
		f.bodyStart, f.bodyEnd = r.pos, r.pos+int(size)
		if err := m.body(f, fidx); err != nil {
			return fmt.Errorf("function %d: %w", fidx, err)
		}
		r.pos = f.bodyEnd
	}
	return nil
}

// body reads one function's locals and walks its instructions.
func (m *module) body(f *funcInfo, fidx int) error {
	r := newReader(m.b, f.bodyStart, f.bodyEnd)
	groups, err := r.count("local groups", 2, uint32(m.lim.MaxLocals)+1)
	if err != nil {
		return err
	}
	var locals uint64
	for g := uint32(0); g < groups; g++ {
		k, err := r.u32("local count")
		if err != nil {
			return err
		}
		locals += uint64(k)
		if locals > uint64(m.lim.MaxLocals) {
			return fmt.Errorf("more than %d locals, the limit", m.lim.MaxLocals)
		}
		if err := r.valType(); err != nil {
			return err
		}
	}
	m.totalLocals += locals
	if m.totalLocals > maxTotalLocals {
		return fmt.Errorf("the functions declare more than %d locals together", maxTotalLocals)
	}
	f.locals = uint32(locals)
	f.exprStart = r.pos
	depth := 1
	var in insn
	for depth > 0 {
		if err := r.next(&in); err != nil {
			return err
		}
		switch {
		case in.opens():
			depth++
			if in.op == opLoop {
				f.loops = true
			}
		case in.op == opEnd || in.op == opDelegate:
			depth--
		case in.calls():
			f.calls = true
			if in.op == opCall || in.op == opReturnCall {
				if err := m.funcRef(nil, &in, named("call")); err != nil {
					return err
				}
			}
		case in.op == opRefFunc:
			if err := m.funcRef(nil, &in, named("ref.func")); err != nil {
				return err
			}
		case in.op == opPrefixFC && in.sub == fcTableGrow:
			if err := m.tableGrow(in.idx, fidx); err != nil {
				return err
			}
		case in.bulk():
			f.bulk = true
		}
	}
	if r.pos != f.bodyEnd {
		return fmt.Errorf("offset 0x%x: %d bytes after the end of the body", r.pos, f.bodyEnd-r.pos)
	}
	return nil
}

func (m *module) tableGrow(t uint32, fidx int) error {
	if int64(t) >= int64(len(m.tables)) {
		return fmt.Errorf("table.grow on table %d, but the module has %d tables", t, len(m.tables))
	}
	ti := m.tables[t]
	switch {
	case !ti.hasMax:
		return fmt.Errorf("table %d has no maximum and the code grows it (table.grow in function %d)", t, fidx)
	case ti.max > m.lim.MaxTableSize:
		return fmt.Errorf("table %d: maximum %d entries is over the limit of %d and the code grows it (table.grow in function %d)",
			t, ti.max, m.lim.MaxTableSize, fidx)
	}
	return nil
}

func (m *module) data(r *reader) error {
	n, err := r.count("data segments", 2, maxDataSegments)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		what := where{what: "data segment", idx: int64(i)}
		flags, err := r.u32("data segment flags")
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		switch flags {
		case 0, 2:
			if flags == 2 {
				if _, err := r.u32("memory index"); err != nil {
					return fmt.Errorf("%s: %w", what, err)
				}
			}
			if err := m.constExpr(r, nil, what.with("offset")); err != nil {
				return err
			}
		case 1:
		default:
			return fmt.Errorf("%s: invalid flags %d", what, flags)
		}
		if err := r.skipName("data segment bytes"); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return nil
}

// Name section subsections.
const (
	nameModule    = 0
	nameFunctions = 1
	nameLocals    = 2
	nameLabels    = 3
)

// names reads the name section; with em set, it writes the rewritten
// section to em.out (name header excluded).
func (m *module) names(r *reader, em *emitter) error {
	for r.left() > 0 {
		subStart := r.pos
		id, _ := r.byte("subsection id")
		size, err := r.u32("subsection size")
		if err != nil {
			return err
		}
		if int64(size) > int64(r.left()) {
			return fmt.Errorf("subsection %d: size %d is past the end of the section", id, size)
		}
		sr := newReader(m.b, r.pos, r.pos+int(size))
		r.pos = sr.end
		switch id {
		case nameModule: // wazero reads one name here, whatever the size says
			if err = sr.skipName("module name"); err == nil && em != nil {
				em.out = append(em.out, m.b[subStart:sr.end]...)
			}
		case nameFunctions:
			err = m.nameMap(sr, em)
		case nameLocals:
			err = m.indirectNameMap(sr, em)
		default:
			if em != nil && id != nameLabels { // label indices change: drop them
				em.out = append(em.out, m.b[subStart:sr.end]...)
			}
			sr.pos = sr.end
		}
		if err != nil {
			return fmt.Errorf("subsection %d: %w", id, err)
		}
		if sr.pos != sr.end {
			return fmt.Errorf("subsection %d: %d bytes left over", id, sr.end-sr.pos)
		}
	}
	return nil
}

func (m *module) addNames(n uint32) error {
	m.nameEntries += uint64(n)
	if m.nameEntries > maxNameEntries {
		return fmt.Errorf("more than %d names", maxNameEntries)
	}
	return nil
}

// nameMap reads the function-names subsection. With em set it appends the
// rewritten subsection to em.out: indices shifted, a name for the yield
// import inserted in order.
func (m *module) nameMap(r *reader, em *emitter) error {
	n, err := r.count("names", 2, maxNameEntries)
	if err != nil {
		return err
	}
	var body []byte
	if em == nil {
		if err := m.addNames(n); err != nil {
			return err
		}
	} else {
		body = appendU32(make([]byte, 0, r.left()+32), n+1)
	}
	inserted := false
	for i := uint32(0); i < n; i++ {
		idx, err := r.u32("function index")
		if err != nil {
			return err
		}
		nameAt := r.pos
		if err := r.skipName("function name"); err != nil {
			return err
		}
		if em != nil {
			if !inserted && idx >= em.k {
				body, inserted = appendYieldName(body, em.k), true
			}
			body = appendU32(body, em.shift(idx))
			body = append(body, m.b[nameAt:r.pos]...)
		}
	}
	if em != nil {
		if !inserted {
			body = appendYieldName(body, em.k)
		}
		em.out = append(em.out, nameFunctions)
		em.out = appendU32(em.out, uint32(len(body)))
		em.out = append(em.out, body...)
	}
	return nil
}

func appendYieldName(b []byte, k uint32) []byte {
	const name = YieldModule + "." + YieldName
	b = appendU32(b, k)
	b = appendU32(b, uint32(len(name)))
	return append(b, name...)
}

// indirectNameMap reads the local-names subsection; with em set it appends
// it to em.out with its function indices shifted.
func (m *module) indirectNameMap(r *reader, em *emitter) error {
	n, err := r.count("functions with local names", 2, maxNameEntries)
	if err != nil {
		return err
	}
	var body []byte
	if em != nil {
		body = appendU32(make([]byte, 0, r.left()+8), n)
	}
	for i := uint32(0); i < n; i++ {
		idx, err := r.u32("function index")
		if err != nil {
			return err
		}
		mapAt := r.pos
		k, err := r.count("local names", 2, maxNameEntries)
		if err != nil {
			return err
		}
		if em == nil {
			if err := m.addNames(k); err != nil {
				return err
			}
		}
		for j := uint32(0); j < k; j++ {
			if _, err := r.u32("local index"); err != nil {
				return err
			}
			if err := r.skipName("local name"); err != nil {
				return err
			}
		}
		if em != nil {
			body = appendU32(body, em.shift(idx))
			body = append(body, m.b[mapAt:r.pos]...)
		}
	}
	if em != nil {
		em.out = append(em.out, nameLocals)
		em.out = appendU32(em.out, uint32(len(body)))
		em.out = append(em.out, body...)
	}
	return nil
}
