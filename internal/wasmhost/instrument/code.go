// The instruction decoder: the length of every instruction's immediates, for
// every opcode wazero v1.12 accepts (MVP, sign-extension, saturating
// conversions, bulk memory, reference types, SIMD, multi-value, threads,
// tail calls, exception handling, typed function references).

package instrument

import "fmt"

// Opcodes the instrumenter looks at or writes.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opTry          = 0x06 // legacy exception handling
	opRethrow      = 0x09 // legacy exception handling
	opEnd          = 0x0B
	opBr           = 0x0C
	opBrIf         = 0x0D
	opBrTable      = 0x0E
	opCall         = 0x10
	opCallIndirect = 0x11
	opReturnCall   = 0x12
	opReturnCallI  = 0x13
	opCallRef      = 0x14
	opReturnCallR  = 0x15
	opDelegate     = 0x18 // legacy exception handling: ends a try
	opTryTable     = 0x1F
	opLocalGet     = 0x20
	opLocalSet     = 0x21
	opLocalTee     = 0x22
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opI32Const     = 0x41
	opI32Eqz       = 0x45
	opI32LeS       = 0x4C
	opI32Sub       = 0x6B
	opI32ShrU      = 0x76
	opRefFunc      = 0xD2
	opBrOnNull     = 0xD5
	opBrOnNonNull  = 0xD6
	opPrefixFC     = 0xFC
	opPrefixFD     = 0xFD
	opPrefixFE     = 0xFE
	fcMemoryInit   = 8
	fcMemoryCopy   = 10
	fcMemoryFill   = 11
	fcTableInit    = 12
	fcTableCopy    = 14
	fcTableGrow    = 15
	fcTableFill    = 17
	blockEmpty     = 0x40
)

// insn is one decoded instruction: its opcode (and sub-opcode after a
// prefix), where it starts, where its immediates start, where it ends, and
// the index it names when that matters to us (function index of call,
// return_call and ref.func; table index of table.grow).
type insn struct {
	op         byte
	sub        uint32
	start, imm int
	end        int
	idx        uint32
}

// opens reports whether the instruction opens a block that an end closes.
func (in *insn) opens() bool {
	switch in.op {
	case opBlock, opLoop, opIf, opTry, opTryTable:
		return true
	}
	return false
}

// calls reports whether the instruction calls a function.
func (in *insn) calls() bool {
	switch in.op {
	case opCall, opCallIndirect, opReturnCall, opReturnCallI, opCallRef, opReturnCallR:
		return true
	}
	return false
}

// bulk reports whether the instruction copies or fills a length given on
// the top of the stack: memory.init/copy/fill, table.init/copy/fill.
func (in *insn) bulk() bool {
	if in.op != opPrefixFC {
		return false
	}
	switch in.sub {
	case fcMemoryInit, fcMemoryCopy, fcMemoryFill, fcTableInit, fcTableCopy, fcTableFill:
		return true
	}
	return false
}

// next decodes the instruction at r.pos into in and advances past it.
func (r *reader) next(in *insn) error {
	in.start = r.pos
	op, err := r.byte("instruction")
	if err != nil {
		return err
	}
	in.op, in.sub, in.imm, in.idx = op, 0, r.pos, 0
	switch {
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0A || op == 0x0B || op == 0x0F ||
		op == 0x19 || op == 0x1A || op == 0x1B || (op >= 0x45 && op <= 0xC4) ||
		op == 0xD1 || op == 0xD3 || op == 0xD4:
		// no immediates
	case op == opBlock || op == opLoop || op == opIf || op == opTry:
		err = r.blockType()
	case op == 0x07 || op == 0x08 || op == 0x09 || op == 0x0C || op == 0x0D ||
		op == opDelegate || op == 0xD5 || op == 0xD6 || op == opCallRef || op == opReturnCallR:
		// catch/throw tag, rethrow/br/br_if/delegate/br_on_null/br_on_non_null
		// label, call_ref/return_call_ref type
		_, err = r.u32("immediate")
	case op == 0x0E: // br_table vec(label) label
		var n uint32
		if n, err = r.count("br_table labels", 1, maxBrTable); err == nil {
			for i := uint32(0); i <= n && err == nil; i++ {
				_, err = r.u32("br_table label")
			}
		}
	case op == opCall || op == opReturnCall || op == opRefFunc:
		in.idx, err = r.u32("function index")
	case op == opCallIndirect || op == opReturnCallI:
		if _, err = r.u32("type index"); err == nil {
			_, err = r.u32("table index")
		}
	case op == 0x1C: // select t*
		var n uint32
		if n, err = r.count("select types", 1, maxParams); err == nil {
			for i := uint32(0); i < n && err == nil; i++ {
				err = r.valType()
			}
		}
	case op == opTryTable:
		err = r.tryTable()
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		_, err = r.u32("index")
	case op >= 0x28 && op <= 0x3E:
		err = r.memArg()
	case op == 0x3F || op == 0x40: // memory.size/grow
		_, err = r.u32("memory index")
	case op == 0x41:
		_, err = r.sleb(5, "i32.const")
	case op == 0x42:
		_, err = r.sleb(10, "i64.const")
	case op == 0x43:
		err = r.skip(4, "f32.const")
	case op == 0x44:
		err = r.skip(8, "f64.const")
	case op == 0xD0:
		err = r.heapType()
	case op == opPrefixFC:
		err = r.prefixFC(in)
	case op == opPrefixFD:
		err = r.prefixFD(in)
	case op == opPrefixFE:
		err = r.prefixFE(in)
	default:
		err = fmt.Errorf("offset 0x%x: unknown opcode 0x%02x", in.start, op)
	}
	in.end = r.pos
	return err
}

func (r *reader) prefixFC(in *insn) (err error) {
	if in.sub, err = r.u32("0xfc sub-opcode"); err != nil {
		return err
	}
	switch s := in.sub; {
	case s <= 7: // trunc_sat
	case s == 8 || s == 10 || s == 12 || s == 14: // memory.init, memory.copy, table.init, table.copy
		if _, err = r.u32("index"); err == nil {
			_, err = r.u32("index")
		}
	case s == fcTableGrow:
		in.idx, err = r.u32("table index")
	case s == 9 || s == 11 || s == 13 || s == 16 || s == 17: // data.drop, memory.fill, elem.drop, table.size, table.fill
		_, err = r.u32("index")
	default:
		err = fmt.Errorf("offset 0x%x: unknown opcode 0xfc %d", in.start, s)
	}
	return err
}

func (r *reader) prefixFD(in *insn) (err error) {
	if in.sub, err = r.u32("0xfd sub-opcode"); err != nil {
		return err
	}
	switch s := in.sub; {
	case s <= 11 || s == 92 || s == 93: // loads, stores, load*_zero
		err = r.memArg()
	case s == 12 || s == 13: // v128.const, i8x16.shuffle
		err = r.skip(16, "v128 immediate")
	case s >= 21 && s <= 34: // extract/replace lane
		err = r.skip(1, "lane index")
	case s >= 84 && s <= 91: // load/store lane
		if err = r.memArg(); err == nil {
			err = r.skip(1, "lane index")
		}
	case s <= 0xFF: // everything else: no immediates
	default:
		err = fmt.Errorf("offset 0x%x: unknown opcode 0xfd %d", in.start, s)
	}
	return err
}

func (r *reader) prefixFE(in *insn) (err error) {
	if in.sub, err = r.u32("0xfe sub-opcode"); err != nil {
		return err
	}
	switch s := in.sub; {
	case s == 3: // atomic.fence
		err = r.skip(1, "atomic.fence")
	case s <= 2 || (s >= 0x10 && s <= 0x4E):
		err = r.memArg()
	default:
		err = fmt.Errorf("offset 0x%x: unknown opcode 0xfe %d", in.start, s)
	}
	return err
}

func (r *reader) tryTable() error {
	if err := r.blockType(); err != nil {
		return err
	}
	n, err := r.count("try_table catches", 2, maxBrTable)
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		kind, err := r.byte("catch kind")
		if err != nil {
			return err
		}
		switch kind {
		case 0, 1: // catch, catch_ref: tag label
			if _, err := r.u32("tag index"); err != nil {
				return err
			}
		case 2, 3: // catch_all, catch_all_ref: label
		default:
			return fmt.Errorf("offset 0x%x: unknown catch kind 0x%02x", r.pos-1, kind)
		}
		if _, err := r.u32("label"); err != nil {
			return err
		}
	}
	return nil
}

// blockType skips 0x40, a value type, or an s33 type index.
func (r *reader) blockType() error {
	if r.pos >= r.end {
		return r.errEOF("block type")
	}
	switch c := r.b[r.pos]; {
	case c == refNullable || c == refNonNullable:
		r.pos++
		return r.heapType()
	case c&0xC0 == 0x40: // one-byte negative s33: 0x40 or a value type
		r.pos++
		return nil
	}
	v, err := r.sleb(5, "block type index")
	if err == nil && (v < 0 || v > 0xFFFFFFFF) {
		err = fmt.Errorf("offset 0x%x: invalid block type %d", r.pos, v)
	}
	return err
}

// heapType skips an s33 heap type: an abstract one-byte type or a type
// index.
func (r *reader) heapType() error {
	if r.pos >= r.end {
		return r.errEOF("heap type")
	}
	if r.b[r.pos]&0xC0 == 0x40 {
		r.pos++
		return nil
	}
	v, err := r.sleb(5, "heap type")
	if err == nil && v < 0 {
		err = fmt.Errorf("offset 0x%x: invalid heap type %d", r.pos, v)
	}
	return err
}

func (r *reader) memArg() error {
	align, err := r.u32("alignment")
	if err != nil {
		return err
	}
	if align&0x40 != 0 { // multi-memory: a memory index follows
		if _, err := r.u32("memory index"); err != nil {
			return err
		}
	}
	_, err = r.u32("offset")
	return err
}

// Value types.
const (
	refNullable    = 0x63
	refNonNullable = 0x64
)

// valType skips one value type.
func (r *reader) valType() error {
	_, err := r.valTypeName()
	return err
}

// valTypeName reads one value type and returns its name as Export lists it.
func (r *reader) valTypeName() (string, error) {
	start := r.pos
	c, err := r.byte("value type")
	if err != nil {
		return "", err
	}
	switch c {
	case 0x7F:
		return "i32", nil
	case 0x7E:
		return "i64", nil
	case 0x7D:
		return "f32", nil
	case 0x7C:
		return "f64", nil
	case 0x7B:
		return "v128", nil
	case 0x70:
		return "funcref", nil
	case 0x6F:
		return "externref", nil
	case 0x69:
		return "exnref", nil
	case refNullable, refNonNullable:
		hstart := r.pos
		if err := r.heapType(); err != nil {
			return "", err
		}
		ht := heapTypeName(r.b[hstart:r.pos])
		if c == refNullable {
			return "(ref null " + ht + ")", nil
		}
		return "(ref " + ht + ")", nil
	}
	return "", fmt.Errorf("offset 0x%x: invalid value type 0x%02x", start, c)
}

func heapTypeName(b []byte) string {
	if len(b) == 1 {
		switch b[0] {
		case 0x70:
			return "func"
		case 0x6F:
			return "extern"
		case 0x69:
			return "exn"
		}
		if b[0]&0x40 != 0 {
			return fmt.Sprintf("0x%02x", b[0])
		}
	}
	r := newReader(b, 0, len(b))
	v, _ := r.sleb(5, "")
	return fmt.Sprint(v)
}
