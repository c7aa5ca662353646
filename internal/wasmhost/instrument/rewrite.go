// The rewriting half of Instrument: sections that change are re-emitted
// from the input with edits, every other section is copied byte for byte.

package instrument

import (
	"fmt"
	"math"
	"strings"
)

// emitter copies src to out, applying edits in increasing offset order.
type emitter struct {
	src  []byte
	out  []byte
	last int    // src is copied up to here
	k    uint32 // index of the yield import: function indices >= k shift by one
}

func (e *emitter) shift(f uint32) uint32 {
	if f >= e.k {
		return f + 1
	}
	return f
}

// copyTo copies the input up to pos.
func (e *emitter) copyTo(pos int) {
	e.out = append(e.out, e.src[e.last:pos]...)
	e.last = pos
}

// replace writes data in place of src[start:end].
func (e *emitter) replace(start, end int, data []byte) {
	e.copyTo(start)
	e.out = append(e.out, data...)
	e.last = end
}

// funcIdx rewrites the function index v encoded at src[start:end].
func (e *emitter) funcIdx(start, end int, v uint32) {
	if v < e.k {
		return
	}
	e.copyTo(start)
	e.out = appendU32(e.out, v+1)
	e.last = end
}

// plan holds what Instrument adds to a module.
type plan struct {
	k          uint32 // function index of the yield import
	typeIdx    uint32 // its type, () -> ()
	newType    bool   // the type is appended
	global     uint32 // index of the call counter
	loopBudget int32
	callBudget int32
	memCap     []byte // new limits of the defined memory, nil if unchanged
}

func instrument(m *module, opt Options) ([]byte, error) {
	for _, mi := range m.mems {
		if mi.imported {
			return nil, fmt.Errorf("%w: the memory is imported, so its size cap cannot be written into the module", ErrUnsupported)
		}
	}
	p := plan{
		k:          uint32(len(m.importFuncTypes)),
		typeIdx:    uint32(len(m.typeOffs)),
		newType:    true,
		global:     m.importGlobals + m.globals,
		loopBudget: opt.LoopBudget,
		callBudget: opt.CallBudget,
	}
	if len(m.emptyType) > 0 {
		p.typeIdx, p.newType = m.emptyType[0], false
	}
	if len(m.mems) == 1 {
		mi := m.mems[0]
		eff := uint32(maxPages)
		if mi.hasMax {
			eff = mi.max
		}
		if eff > m.lim.MaxMemoryPages {
			p.memCap = appendU32(appendU32([]byte{mi.flags | 1}, mi.min), m.lim.MaxMemoryPages)
		}
	}

	b := m.b
	out := make([]byte, 0, len(b)+len(b)/8+256)
	out = append(out, b[:8]...)
	var created [3]bool // type, import, global sections written
	createBefore := func(rank int) {
		if !created[0] && sectionRank(secType) < rank {
			created[0] = true
			if m.section(secType) == nil {
				out = appendSection(out, secType, []byte{1, 0x60, 0, 0})
			}
		}
		if !created[1] && sectionRank(secImport) < rank {
			created[1] = true
			if m.section(secImport) == nil {
				out = appendSection(out, secImport, p.yieldImport([]byte{1}))
			}
		}
		if !created[2] && sectionRank(secGlobal) < rank {
			created[2] = true
			if m.section(secGlobal) == nil {
				out = appendSection(out, secGlobal, p.counterGlobal([]byte{1}))
			}
		}
	}
	for i := range m.sections {
		s := &m.sections[i]
		if s.id != secCustom {
			createBefore(sectionRank(s.id))
		}
		em := &emitter{src: b, last: s.payload, k: p.k, out: make([]byte, 0, s.end-s.payload+64)}
		r := newReader(b, s.payload, s.end)
		var err error
		switch s.id {
		case secCustom:
			if s.name == "name" {
				nr := newReader(b, s.payload, s.end)
				_ = nr.skipName("custom section name")
				em.copyTo(nr.pos)
				em.last = s.end
				err = m.names(nr, em)
			} else if strings.HasPrefix(s.name, ".debug_") || s.name == "sourceMappingURL" {
				continue // they point at code offsets, which change
			} else {
				em.copyTo(s.end)
			}
		case secType:
			if p.newType {
				em.replace(m.typeCountAt[0], m.typeCountAt[1], appendU32(nil, m.typeEntries+1))
				em.copyTo(s.end)
				em.out = append(em.out, 0x60, 0, 0)
			} else {
				em.copyTo(s.end)
			}
		case secImport:
			em.replace(m.importCountAt[0], m.importCountAt[1], appendU32(nil, uint32(len(m.info.Imports))+1))
			em.copyTo(m.yieldImportAt)
			em.out = p.yieldImport(em.out)
			em.copyTo(s.end)
		case secMemory:
			if p.memCap != nil {
				em.replace(m.mems[0].limStart, m.mems[0].limEnd, p.memCap)
			}
			em.copyTo(s.end)
		case secGlobal:
			em.replace(m.globalCountAt[0], m.globalCountAt[1], appendU32(nil, m.globals+1))
			err = m.globalSection(r, em)
			em.copyTo(s.end)
			em.out = p.counterGlobal(em.out)
		case secTable:
			err = m.tableSection(r, em)
			em.copyTo(s.end)
		case secExport:
			err = m.exports(r, em)
			em.copyTo(s.end)
		case secStart:
			err = m.start(r, em)
			em.copyTo(s.end)
		case secElement:
			err = m.elements(r, em)
			em.copyTo(s.end)
		case secCode:
			em.out, err = m.emitCode(s, &p, em.out)
		default:
			em.copyTo(s.end)
		}
		if err != nil { // the first pass read the same bytes: a bug
			return nil, fmt.Errorf("%w: re-reading section %s: %w", ErrUnsupported, sectionNames[s.id], err)
		}
		out = appendSection(out, s.id, em.out)
	}
	createBefore(1 << 30)
	return out, nil
}

func appendSection(out []byte, id byte, payload []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(payload)))
	return append(out, payload...)
}

// yieldImport appends the import entry of weft_rt.yield to b.
func (p *plan) yieldImport(b []byte) []byte {
	b = appendU32(b, uint32(len(YieldModule)))
	b = append(b, YieldModule...)
	b = appendU32(b, uint32(len(YieldName)))
	b = append(b, YieldName...)
	b = append(b, kindFunc)
	return appendU32(b, p.typeIdx)
}

// counterGlobal appends the call counter: (global (mut i32) (i32.const callBudget)).
func (p *plan) counterGlobal(b []byte) []byte {
	b = append(b, 0x7F, 1, opI32Const)
	b = appendS32(b, p.callBudget)
	return append(b, opEnd)
}

// callCheck appends the check at a function's entry:
//
//	global.get $g  i32.const 1  i32.sub  global.set $g
//	global.get $g  i32.eqz
//	if  call $yield  i32.const CALL_BUDGET  global.set $g  end
func (p *plan) callCheck(b []byte) []byte {
	b = append(b, opGlobalGet)
	b = appendU32(b, p.global)
	b = append(b, opI32Const, 1, opI32Sub, opGlobalSet)
	b = appendU32(b, p.global)
	b = append(b, opGlobalGet)
	b = appendU32(b, p.global)
	b = append(b, opI32Eqz, opIf, blockEmpty, opCall)
	b = appendU32(b, p.k)
	b = append(b, opI32Const)
	b = appendS32(b, p.callBudget)
	b = append(b, opGlobalSet)
	b = appendU32(b, p.global)
	return append(b, opEnd)
}

// loopCheck appends the check at a loop header, on local l, for loops that
// take parameters (see hoistedLoop for the others):
//
//	local.get $l  i32.const 1  i32.sub  local.tee $l  i32.eqz
//	if  call $yield  i32.const LOOP_BUDGET  local.set $l  end
func (p *plan) loopCheck(b []byte, l uint32) []byte {
	b = append(b, opLocalGet)
	b = appendU32(b, l)
	b = append(b, opI32Const, 1, opI32Sub, opLocalTee)
	b = appendU32(b, l)
	b = append(b, opI32Eqz, opIf, blockEmpty, opCall)
	b = appendU32(b, p.k)
	b = p.setLocal(b, l)
	return append(b, opEnd)
}

// hoistedLoop is what replaces a loop without parameters, (loop $L bt
// BODY end), so that the call to yield is outside the loop's own cycle:
//
//	block $done bt                 ;; hoistedLoopHead
//	  loop $outer
//	    block $y
//	      loop $L bt
//	        local.get $l  i32.const 1  i32.sub  local.tee $l  i32.eqz
//	        br_if $y
//	        BODY                       ;; labels outside $L: depth + 3
//	      end
//	      br $done                 ;; hoistedLoopTail: the loop's results
//	    end
//	    call $yield  i32.const LOOP_BUDGET+1  local.set $l
//	    br $outer                  ;; back to $L's header, as a back-edge
//	  end
//	  unreachable
//	end
//
// Why: wazero's register allocator stores every loop-carried value to the
// stack on each iteration of a loop that contains a call (so that it is
// there after the call), which an inline check (if ... call $yield ...
// end) made of every instrumented loop: a 32-byte-per-iteration memcpy
// ran 1.4 to 1.6 times slower than bare. Here the loop itself has no call
// and the values only go to the stack on the way to yield. Re-entering $L
// from $outer is what a back-edge does (a loop without parameters starts
// on an empty stack, with the locals as they are), and the counter is reset
// to LOOP_BUDGET+1 because re-entry passes the check once more: yield is
// still called every LOOP_BUDGET header passes.
const hoistedLabels = 3 // labels hoistedLoop adds around $L

// hoistedLoopHead appends block $done bt, loop $outer, block $y.
func hoistedLoopHead(b, bt []byte) []byte {
	b = append(b, opBlock)
	b = append(b, bt...)
	return append(b, opLoop, blockEmpty, opBlock, blockEmpty)
}

// hoistedCheck appends the countdown at $L's header, branching to $y.
func (p *plan) hoistedCheck(b []byte, l uint32) []byte {
	b = append(b, opLocalGet)
	b = appendU32(b, l)
	b = append(b, opI32Const, 1, opI32Sub, opLocalTee)
	b = appendU32(b, l)
	return append(b, opI32Eqz, opBrIf, 1)
}

// hoistedLoopTail appends what follows $L's end.
func (p *plan) hoistedLoopTail(b []byte, l uint32) []byte {
	b = append(b, opBr, 2, opEnd, opCall)
	b = appendU32(b, p.k)
	reset := p.loopBudget
	if reset < math.MaxInt32 {
		reset++
	}
	b = append(b, opI32Const)
	b = appendS32(b, reset)
	b = append(b, opLocalSet)
	b = appendU32(b, l)
	return append(b, opBr, 0, opEnd, opUnreachable, opEnd)
}

// loopHasParams reports whether the block type bt (the immediate of a loop)
// takes parameters; an index out of range counts as yes, so the loop keeps
// the inline check and wazero reports the error.
func (m *module) loopHasParams(bt []byte) bool {
	if len(bt) == 0 {
		return true
	}
	if c := bt[0]; c == blockEmpty || c&0xC0 == 0x40 || c == refNullable || c == refNonNullable {
		return false // empty, or one result
	}
	r := newReader(bt, 0, len(bt))
	t, err := r.sleb(5, "block type")
	if err != nil || t < 0 || t >= int64(len(m.typeOffs)) {
		return true
	}
	return m.paramCount(uint32(t)) > 0
}

// labels tracks the open blocks of a function body while it is rewritten,
// to renumber branch labels that cross a hoisted loop.
type labels struct {
	hoisted []bool  // per open block, outermost (the function) first
	cum     []int32 // cum[i]: hoisted loops among hoisted[0..i]
}

func (ls *labels) push(h bool) {
	c := int32(0)
	if n := len(ls.cum); n > 0 {
		c = ls.cum[n-1]
	}
	if h {
		c++
	}
	ls.hoisted, ls.cum = append(ls.hoisted, h), append(ls.cum, c)
}

func (ls *labels) pop() (hoisted bool) {
	n := len(ls.hoisted)
	if n == 0 {
		return false
	}
	h := ls.hoisted[n-1]
	ls.hoisted, ls.cum = ls.hoisted[:n-1], ls.cum[:n-1]
	return h
}

// renumber returns the new depth of branch label d: d plus three for every
// hoisted loop between the branch and its target. An invalid d is kept (so
// wazero reports it).
func (ls *labels) renumber(d uint32) uint32 {
	top := len(ls.cum) - 1
	if top < 0 || uint64(d) > uint64(top) {
		return d
	}
	t := top - int(d)
	return d + hoistedLabels*uint32(ls.cum[top]-ls.cum[t])
}

// label rewrites the branch label encoded at src[start:end].
func (e *emitter) label(ls *labels, start, end int) error {
	r := newReader(e.src, start, end)
	d, err := r.u32("label")
	if err != nil {
		return err
	}
	if nd := ls.renumber(d); nd != d {
		e.copyTo(start)
		e.out = appendU32(e.out, nd)
		e.last = r.pos
	}
	return nil
}

// labels rewrites every branch label of in: br, br_if, br_table,
// br_on_null, br_on_non_null, rethrow, delegate (after its try is popped)
// and try_table's catches (before it is pushed).
func (e *emitter) labels(ls *labels, in *insn) error {
	r := newReader(e.src, in.imm, in.end)
	switch in.op {
	case opBr, opBrIf, opBrOnNull, opBrOnNonNull, opRethrow, opDelegate:
		return e.label(ls, in.imm, in.end)
	case opBrTable:
		n, err := r.u32("br_table labels")
		if err != nil {
			return err
		}
		for i := uint32(0); i <= n; i++ {
			at := r.pos
			if _, err := r.u32("br_table label"); err != nil {
				return err
			}
			if err := e.label(ls, at, r.pos); err != nil {
				return err
			}
		}
	case opTryTable:
		if err := r.blockType(); err != nil {
			return err
		}
		n, err := r.u32("try_table catches")
		if err != nil {
			return err
		}
		for i := uint32(0); i < n; i++ {
			kind, err := r.byte("catch kind")
			if err != nil {
				return err
			}
			if kind == 0 || kind == 1 {
				if _, err := r.u32("tag index"); err != nil {
					return err
				}
			}
			at := r.pos
			if _, err := r.u32("label"); err != nil {
				return err
			}
			if err := e.label(ls, at, r.pos); err != nil {
				return err
			}
		}
	}
	return nil
}

// bulkShift sets the price of bulk operations: one unit of the call budget
// per 8 KiB of memory, or per 1024 table entries (8 KiB of references).
const bulkShift = 13

// bulkCharge appends the charge before a bulk operation whose length n is
// on top of the stack, using local s:
//
//	local.tee $s  global.get $g  local.get $s  i32.const 13  i32.shr_u  i32.sub
//	i32.const 1  i32.sub  global.set $g  global.get $g  i32.const 0  i32.le_s
//	if  call $yield  i32.const CALL_BUDGET  global.set $g  end
//
// The counter stays in [1, CALL_BUDGET] between checks (it is reset as
// soon as it reaches zero or below), so the subtraction cannot overflow.
func (p *plan) bulkCharge(b []byte, s uint32) []byte {
	b = append(b, opLocalTee)
	b = appendU32(b, s)
	b = append(b, opGlobalGet)
	b = appendU32(b, p.global)
	b = append(b, opLocalGet)
	b = appendU32(b, s)
	b = append(b, opI32Const, bulkShift, opI32ShrU, opI32Sub, opI32Const, 1, opI32Sub, opGlobalSet)
	b = appendU32(b, p.global)
	b = append(b, opGlobalGet)
	b = appendU32(b, p.global)
	b = append(b, opI32Const, 0, opI32LeS, opIf, blockEmpty, opCall)
	b = appendU32(b, p.k)
	b = append(b, opI32Const)
	b = appendS32(b, p.callBudget)
	b = append(b, opGlobalSet)
	b = appendU32(b, p.global)
	return append(b, opEnd)
}

// setLocal appends i32.const LOOP_BUDGET  local.set $l.
func (p *plan) setLocal(b []byte, l uint32) []byte {
	b = append(b, opI32Const)
	b = appendS32(b, p.loopBudget)
	b = append(b, opLocalSet)
	return appendU32(b, l)
}

// emitCode appends the rewritten code section payload to out.
func (m *module) emitCode(s *section, p *plan, out []byte) ([]byte, error) {
	r := newReader(m.b, s.payload, s.end)
	if _, err := r.u32("function count"); err != nil {
		return nil, err
	}
	out = append(out, m.b[s.payload:r.pos]...)
	entry := p.callCheck(nil)
	var loopCheck, bulkCharge []byte
	em := &emitter{src: m.b, k: p.k}
	var in insn
	var ls labels
	for i := range m.funcs {
		f := &m.funcs[i]
		em.out, em.last = em.out[:0], f.bodyStart
		// New locals go after the declared ones: the loop counter, then
		// the scratch local of the bulk-operation charge.
		next := m.paramCount(f.typeIdx) + f.locals
		var counter, scratch uint32
		var added uint32
		if f.loops {
			counter, next, added = next, next+1, added+1
			loopCheck = p.loopCheck(loopCheck[:0], counter)
		}
		if f.bulk {
			scratch, added = next, added+1
			bulkCharge = p.bulkCharge(bulkCharge[:0], scratch)
		}
		if added > 0 {
			lr := newReader(m.b, f.bodyStart, f.exprStart)
			groups, err := lr.u32("local groups")
			if err != nil {
				return nil, err
			}
			em.replace(f.bodyStart, lr.pos, appendU32(nil, groups+1))
			em.copyTo(f.exprStart)
			em.out = append(em.out, byte(added), 0x7F) // i32s
		} else {
			em.copyTo(f.exprStart)
		}
		if f.loops || f.calls {
			em.out = append(em.out, entry...)
		}
		if f.loops {
			em.out = p.setLocal(em.out, counter)
		}
		wr := newReader(m.b, f.exprStart, f.bodyEnd)
		ls.hoisted, ls.cum = ls.hoisted[:0], ls.cum[:0]
		ls.push(false) // the function's own block
		for wr.pos < f.bodyEnd {
			if err := wr.next(&in); err != nil {
				return nil, fmt.Errorf("function %d: %w", int(p.k)+i, err)
			}
			var err error
			switch in.op {
			case opLoop:
				if bt := m.b[in.imm:in.end]; !m.loopHasParams(bt) {
					em.copyTo(in.start)
					em.out = hoistedLoopHead(em.out, bt)
					em.copyTo(in.end)
					em.out = p.hoistedCheck(em.out, counter)
					ls.push(true)
				} else {
					em.copyTo(in.end)
					em.out = append(em.out, loopCheck...)
					ls.push(false)
				}
			case opBlock, opIf, opTry:
				ls.push(false)
			case opTryTable:
				err = em.labels(&ls, &in)
				ls.push(false)
			case opEnd:
				if ls.pop() {
					em.copyTo(in.end)
					em.out = p.hoistedLoopTail(em.out, counter)
				}
			case opDelegate:
				ls.pop()
				err = em.labels(&ls, &in)
			case opBr, opBrIf, opBrTable, opBrOnNull, opBrOnNonNull, opRethrow:
				err = em.labels(&ls, &in)
			case opCall, opReturnCall, opRefFunc:
				em.funcIdx(in.imm, in.end, in.idx)
			case opPrefixFC:
				if in.bulk() {
					em.copyTo(in.start)
					em.out = append(em.out, bulkCharge...)
				}
			}
			if err != nil {
				return nil, fmt.Errorf("function %d: %w", int(p.k)+i, err)
			}
		}
		em.copyTo(f.bodyEnd)
		out = appendU32(out, uint32(len(em.out)))
		out = append(out, em.out...)
	}
	return out, nil
}
