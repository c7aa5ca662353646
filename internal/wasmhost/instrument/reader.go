// Bounds-checked reading of the WebAssembly binary format: bytes, LEB128
// integers and names, each failure naming the offset it happened at.

package instrument

import (
	"fmt"
	"unicode/utf8"
)

// reader reads b[pos:end]. Every method checks its bounds and returns an
// error instead of reading past end; none of them panics.
type reader struct {
	b   []byte
	pos int
	end int
}

func newReader(b []byte, pos, end int) *reader { return &reader{b: b, pos: pos, end: end} }

func (r *reader) left() int { return r.end - r.pos }

func (r *reader) errEOF(what string) error {
	return fmt.Errorf("offset 0x%x: unexpected end of %s", r.pos, what)
}

func (r *reader) byte(what string) (byte, error) {
	if r.pos >= r.end {
		return 0, r.errEOF(what)
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) skip(n int, what string) error {
	if n < 0 || n > r.left() {
		return r.errEOF(what)
	}
	r.pos += n
	return nil
}

// u32 reads an unsigned LEB128 of at most 5 bytes whose value fits in 32
// bits. Overlong encodings (as the Go linker writes them) are accepted.
func (r *reader) u32(what string) (uint32, error) {
	start := r.pos
	var v uint32
	for i := 0; i < 5; i++ {
		c, err := r.byte(what)
		if err != nil {
			return 0, err
		}
		if i == 4 && c&0xF0 != 0 {
			return 0, fmt.Errorf("offset 0x%x: %s does not fit in 32 bits", start, what)
		}
		v |= uint32(c&0x7F) << (7 * i)
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("offset 0x%x: %s is longer than 5 bytes", start, what)
}

// count reads a vector length and checks that at least minSize bytes per
// element remain and that it is at most max, so that no caller allocates
// for elements that are not there.
func (r *reader) count(what string, minSize int, max uint32) (uint32, error) {
	start := r.pos
	n, err := r.u32(what)
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, fmt.Errorf("offset 0x%x: %d %s is over the limit of %d", start, n, what, max)
	}
	if uint64(n)*uint64(minSize) > uint64(r.left()) {
		return 0, fmt.Errorf("offset 0x%x: %s %d does not fit in the %d bytes left", start, what, n, r.left())
	}
	return n, nil
}

// sleb skips a signed LEB128 of at most maxBytes bytes and returns its
// value (meaningful up to 64 bits).
func (r *reader) sleb(maxBytes int, what string) (int64, error) {
	start := r.pos
	var v int64
	var shift uint
	for i := 0; i < maxBytes; i++ {
		c, err := r.byte(what)
		if err != nil {
			return 0, err
		}
		if shift < 64 {
			v |= int64(c&0x7F) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("offset 0x%x: %s is longer than %d bytes", start, what, maxBytes)
}

// name reads a length-prefixed UTF-8 string.
func (r *reader) name(what string) (string, error) {
	n, err := r.u32(what)
	if err != nil {
		return "", err
	}
	if int64(n) > int64(r.left()) {
		return "", r.errEOF(what)
	}
	s := r.b[r.pos : r.pos+int(n)]
	if !utf8.Valid(s) {
		return "", fmt.Errorf("offset 0x%x: %s is not valid UTF-8", r.pos, what)
	}
	r.pos += int(n)
	return string(s), nil
}

// skipName skips a length-prefixed string without converting it.
func (r *reader) skipName(what string) error {
	n, err := r.u32(what)
	if err != nil {
		return err
	}
	if int64(n) > int64(r.left()) {
		return r.errEOF(what)
	}
	r.pos += int(n)
	return nil
}

// appendU32 appends v as a minimal unsigned LEB128.
func appendU32(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// appendS32 appends v as a minimal signed LEB128.
func appendS32(dst []byte, v int32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}
