// DecodeJSON: a hand-written JSON scanner that reads a guest's output value
// straight into the canonical value for its pin, checking the type as it
// goes and never rounding an integer through float64.

package pin

import (
	"encoding/base64"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeJSON reads one JSON value that a guest returned for this (output)
// pin and converts it to the pin's canonical value, checking it against the
// pin's type and value type.
//
//	v, err := (&pin.Spec{Name: "sum", Type: pin.Integer}).DecodeJSON([]byte(`9223372036854775807`))
//
// An integer must be a JSON number without fraction or exponent in int64
// range (parsed exactly); a float pin takes any number (out of float64 range
// is an error); a date is an RFC 3339 string; bytes are a standard base64
// string; struct is an object; execution is null; generic takes any JSON
// value (integers in int64 range become int64, other numbers float64). An
// array or set is a JSON array (a set without two equal elements), a map a
// JSON object. Duplicate object keys, invalid UTF-8 and nesting deeper than
// 10000 levels are errors. Whitespace around the value is allowed. A path
// must be a canonical relative storage path (see PathProblem), and a pin
// with ValidValues takes only those, as in Coerce.
//
// # Errors
//
// A *MismatchError (wrapping ErrMismatch) naming the output pin and where in
// the value, e.g. `output pin sum: expected integer, found string "x"`, or
// `output pin xs[2]: invalid JSON at offset 7: ...` for malformed input.
func (s *Spec) DecodeJSON(raw []byte) (any, error) {
	d := decoder{data: raw}
	v, err := d.spec(s)
	if err == nil {
		d.skipWS()
		if d.pos < len(d.data) {
			err = d.syntax("unexpected data after the value")
		} else if s.checked() {
			err = s.checkValues(v)
		}
	}
	if err != nil {
		err.Output, err.Pin = true, s.Name
		return nil, err
	}
	return v, nil
}

type decoder struct {
	data  []byte
	pos   int
	depth int
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) syntax(msg string) *MismatchError {
	return &MismatchError{Found: "invalid JSON at offset " + strconv.Itoa(d.pos) + ": " + msg}
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.skipWS()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// spec decodes the whole value of a pin.
func (d *decoder) spec(s *Spec) (any, *MismatchError) {
	switch s.ValueType {
	case "", Normal:
		return d.scalar(s.Type)
	case Array, Set:
		if d.peek() != '[' {
			return nil, d.mismatch(s.expectedContainer())
		}
		if err := d.enter(); err != nil {
			return nil, err
		}
		// Collect into a stack buffer, then allocate the result once.
		var small [16]any
		list := small[:0]
		if d.peek() == ']' {
			d.pos++
		} else {
			for {
				v, err := d.scalar(s.Type)
				if err != nil {
					err.Path = indexPath(len(list)) + err.Path
					return nil, err
				}
				list = append(list, v)
				if done, err := d.next(']'); err != nil {
					return nil, err
				} else if done {
					break
				}
			}
		}
		d.depth--
		out := make([]any, len(list))
		copy(out, list)
		if s.ValueType == Set {
			if i, j, dup := duplicate(out); dup {
				return nil, &MismatchError{Path: indexPath(j),
					Found: "duplicate set element " + describe(out[j]) + " (same as " + indexPath(i) + ")"}
			}
		}
		return out, nil
	case Map:
		if d.peek() != '{' {
			return nil, d.mismatch(s.expectedContainer())
		}
		return d.object(s.Type)
	}
	return nil, &MismatchError{Found: "unknown value type " + strconv.Quote(string(s.ValueType))}
}

// enter consumes '[' or '{' and counts the nesting.
func (d *decoder) enter() *MismatchError {
	if d.depth >= maxDepth {
		return d.syntax("nested more than 10000 levels deep")
	}
	d.depth++
	d.pos++
	return nil
}

// next consumes ',' (returning false) or the closing byte (returning true).
func (d *decoder) next(closing byte) (bool, *MismatchError) {
	switch d.peek() {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	case 0:
		return false, d.syntax("unexpected end of input")
	}
	return false, d.syntax("expected ',' or '" + string(closing) + "', found " + quoteByte(d.data[d.pos]))
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// object decodes an object whose values are of type t.
func (d *decoder) object(t Type) (any, *MismatchError) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
		if d.peek() != '"' {
			if d.pos >= len(d.data) {
				return nil, d.syntax("unexpected end of input")
			}
			return nil, d.syntax("expected a string key, found " + quoteByte(d.data[d.pos]))
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.peek() != ':' {
			return nil, d.syntax("expected ':' after object key")
		}
		d.pos++
		if _, dup := m[k]; dup {
			return nil, &MismatchError{Path: keyPath(k), Found: "duplicate object key"}
		}
		v, err := d.scalar(t)
		if err != nil {
			err.Path = keyPath(k) + err.Path
			return nil, err
		}
		m[k] = v
		if done, err := d.next('}'); err != nil {
			return nil, err
		} else if done {
			break
		}
	}
	d.depth--
	return m, nil
}

// scalar decodes one value of type t.
func (d *decoder) scalar(t Type) (any, *MismatchError) {
	c := d.peek()
	switch t {
	case Generic:
		return d.any()
	case Execution:
		if c == 'n' {
			return nil, d.literal("null")
		}
	case String, Path:
		if c == '"' {
			return d.strAny()
		}
	case Integer:
		if c == '-' || c >= '0' && c <= '9' {
			raw, isInt, err := d.number()
			if err != nil {
				return nil, err
			}
			if !isInt {
				return nil, &MismatchError{Expected: "integer", Found: "float " + previewRaw(raw)}
			}
			i, ok := parseInt(raw)
			if !ok {
				return nil, &MismatchError{Expected: "integer", Found: "integer " + previewRaw(raw) + " (outside the int64 range)"}
			}
			return i, nil
		}
	case Float:
		if c == '-' || c >= '0' && c <= '9' {
			raw, _, err := d.number()
			if err != nil {
				return nil, err
			}
			f, perr := strconv.ParseFloat(string(raw), 64)
			if perr != nil {
				return nil, &MismatchError{Expected: "float", Found: "number " + previewRaw(raw) + " (outside the float64 range)"}
			}
			return f, nil
		}
	case Boolean:
		switch c {
		case 't':
			return true, d.literal("true")
		case 'f':
			return false, d.literal("false")
		}
	case Date:
		if c == '"' {
			b, err := d.strBytes()
			if err != nil {
				return nil, err
			}
			tm, ok := parseDate(b)
			if !ok {
				return nil, &MismatchError{Expected: expected(t), Found: "string " + preview(string(b))}
			}
			return tm, nil
		}
	case Struct:
		if c == '{' {
			return d.object(Generic)
		}
	case Bytes:
		if c == '"' {
			b, err := d.strBytes()
			if err != nil {
				return nil, err
			}
			out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
			n, perr := base64.StdEncoding.Decode(out, b)
			if perr != nil {
				return nil, &MismatchError{Expected: expected(t), Found: "string " + preview(string(b)) + " (not valid base64)"}
			}
			return out[:n], nil
		}
	default:
		return nil, &MismatchError{Found: "unknown pin type " + strconv.Quote(string(t))}
	}
	return nil, d.mismatch(expected(t))
}

// mismatch reads the value at the cursor to describe it in an error saying
// that want was expected. A malformed value yields the syntax error instead.
func (d *decoder) mismatch(want string) *MismatchError {
	if d.peek() == 0 {
		return d.syntax("unexpected end of input")
	}
	c := d.data[d.pos]
	if c == '-' || c >= '0' && c <= '9' {
		raw, isInt, err := d.number()
		if err != nil {
			return err
		}
		kind := "float "
		if isInt {
			kind = "integer "
		}
		return &MismatchError{Expected: want, Found: kind + previewRaw(raw)}
	}
	v, err := d.any()
	if err != nil {
		return err
	}
	return &MismatchError{Expected: want, Found: describe(v)}
}

// previewRaw shows a number's text, cut if long.
func previewRaw(raw []byte) string {
	if len(raw) > 40 {
		return string(raw[:40]) + "..."
	}
	return string(raw)
}

// literal consumes the keyword word.
func (d *decoder) literal(word string) *MismatchError {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return nil
	}
	return d.syntax("invalid literal (expected " + word + ")")
}

// any decodes any JSON value into a canonical value.
func (d *decoder) any() (any, *MismatchError) {
	switch c := d.peek(); {
	case c == '"':
		return d.strAny()
	case c == '-' || c >= '0' && c <= '9':
		raw, isInt, err := d.number()
		if err != nil {
			return nil, err
		}
		if isInt {
			if i, ok := parseInt(raw); ok {
				return i, nil
			}
		}
		f, perr := strconv.ParseFloat(string(raw), 64)
		if perr != nil {
			return nil, &MismatchError{Found: "number " + previewRaw(raw) + " is outside the float64 range"}
		}
		return f, nil
	case c == '{':
		return d.object(Generic)
	case c == '[':
		if err := d.enter(); err != nil {
			return nil, err
		}
		list := make([]any, 0, 4)
		if d.peek() == ']' {
			d.pos++
			d.depth--
			return list, nil
		}
		for {
			v, err := d.any()
			if err != nil {
				err.Path = indexPath(len(list)) + err.Path
				return nil, err
			}
			list = append(list, v)
			if done, err := d.next(']'); err != nil {
				return nil, err
			} else if done {
				break
			}
		}
		d.depth--
		return list, nil
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == 0:
		return nil, d.syntax("unexpected end of input")
	default:
		return nil, d.syntax("unexpected " + quoteByte(c) + " at the start of a value")
	}
}

// number scans a JSON number at the cursor, strictly:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// isInt reports that it has neither fraction nor exponent.
func (d *decoder) number() (raw []byte, isInt bool, err *MismatchError) {
	data, start := d.data, d.pos
	i := start
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, false, d.syntax("invalid number")
	}
	isInt = true
	if i < len(data) && data[i] == '.' {
		isInt = false
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, false, d.syntax("invalid number (a digit must follow '.')")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		isInt = false
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, false, d.syntax("invalid number (a digit must follow the exponent)")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return data[start:i], isInt, nil
}

// parseInt parses a JSON integer (validated by number) exactly, reporting
// whether it is in int64 range.
func parseInt(raw []byte) (int64, bool) {
	neg := raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	if len(raw) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range raw {
		u = u*10 + uint64(c-'0') // 19 digits fit in uint64
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true // 1<<63 wraps to math.MinInt64, which is right
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// strAny decodes a string as an any (a string).
func (d *decoder) strAny() (any, *MismatchError) {
	s, err := d.str()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// str decodes a string at the cursor.
func (d *decoder) str() (string, *MismatchError) {
	b, err := d.strBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// strBytes decodes a string at the cursor ('"'). The result may alias the
// input: callers copy it (string conversion) or only read it.
func (d *decoder) strBytes() ([]byte, *MismatchError) {
	data := d.data
	start := d.pos + 1
	ascii := true
	for i := start; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			if !ascii && !utf8.Valid(data[start:i]) {
				return nil, d.badUTF8(start, i)
			}
			d.pos = i + 1
			return data[start:i], nil
		case c == '\\':
			if !ascii && !utf8.Valid(data[start:i]) {
				return nil, d.badUTF8(start, i)
			}
			return d.strEscaped(start, i)
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string (it must be escaped)")
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.pos = len(data)
	return nil, d.syntax("unterminated string")
}

func (d *decoder) badUTF8(start, end int) *MismatchError {
	off := start
	for off < end {
		r, size := utf8.DecodeRune(d.data[off:end])
		if r == utf8.RuneError && size == 1 {
			break
		}
		off += size
	}
	d.pos = off
	return d.syntax("invalid UTF-8 in string")
}

// strEscaped decodes the rest of a string from the first backslash at i.
func (d *decoder) strEscaped(start, i int) ([]byte, *MismatchError) {
	data := d.data
	buf := make([]byte, i-start, i-start+16)
	copy(buf, data[start:i])
	run := i // start of the current unescaped run
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			if !utf8.Valid(data[run:i]) {
				return nil, d.badUTF8(run, i)
			}
			buf = append(buf, data[run:i]...)
			d.pos = i + 1
			return buf, nil
		case c < 0x20:
			d.pos = i
			return nil, d.syntax("control character in string (it must be escaped)")
		case c != '\\':
			i++
			continue
		}
		if !utf8.Valid(data[run:i]) {
			return nil, d.badUTF8(run, i)
		}
		buf = append(buf, data[run:i]...)
		if i+1 >= len(data) {
			d.pos = len(data)
			return nil, d.syntax("unterminated string")
		}
		switch e := data[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
			i += 2
		case 'b':
			buf = append(buf, '\b')
			i += 2
		case 'f':
			buf = append(buf, '\f')
			i += 2
		case 'n':
			buf = append(buf, '\n')
			i += 2
		case 'r':
			buf = append(buf, '\r')
			i += 2
		case 't':
			buf = append(buf, '\t')
			i += 2
		case 'u':
			r, ok := hex4(data, i+2)
			if !ok {
				d.pos = i
				return nil, d.syntax(`invalid \u escape`)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
					r2, ok = hex4(data, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError // a lone surrogate, as encoding/json does
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.pos = i
			return nil, d.syntax("invalid escape: " + quoteByte(e) + " after a backslash")
		}
		run = i
	}
	d.pos = len(data)
	return nil, d.syntax("unterminated string")
}

// hex4 reads four hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
