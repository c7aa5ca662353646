// This file parses the request JSON of weft_run in one pass, by hand:
// encoding/json's reflection, then its json.Valid scanner, were most of a
// warm call inside wasm. A scanner that checks the JSON grammar exactly as
// encoding/json does (json.Valid accepts what it accepts, fuzz-tested)
// splits the request as it validates it; the request is copied once into a
// string and names, strings and the inputs' raw JSON are substrings of it,
// so inputs stay raw JSON until a getter reads them.

package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// request is the request JSON of ABI v1.
type request struct {
	Node    string
	Inputs  []input // sorted by name, one per name
	Context RunContext

	inArr [4]input // room for a few inputs without allocating
}

// input is one member of the request's "inputs": its name and its raw JSON
// (a substring of the request, without surrounding white space).
type input struct{ name, raw string }

// errBadRequest marks a request the SDK could not understand.
var errBadRequest = errors.New("bad request")

// errSyntax marks a request that is not valid JSON; parseRequest replaces
// it with encoding/json's position-bearing message.
var errSyntax = errors.New("not valid JSON")

// maxDepth is encoding/json's limit on nested arrays and objects.
const maxDepth = 10000

// parseRequest decodes and checks a request:
//
//	{"abi":1,"node":"add","inputs":{...},"context":{...}}
//
// # Errors
//
// errBadRequest, saying which field is wrong, for anything that is not
// valid JSON of that shape. Unknown fields are ignored; a repeated field
// keeps its last value, as encoding/json does.
func parseRequest(b []byte) (*request, error) {
	r := &request{}
	if err := r.parse(string(b)); err != nil {
		return nil, err
	}
	return r, nil
}

// parse fills r from the request s (see parseRequest). Everything r keeps
// is a substring of s.
func (r *request) parse(s string) error {
	err := r.parseFields(s)
	if err == nil {
		return nil
	}
	// A malformed request is reported as such, even when a field's error
	// was found before the bad syntax further on.
	if errors.Is(err, errSyntax) || !validJSON(s) {
		var v any
		if jerr := json.Unmarshal([]byte(s), &v); jerr != nil { // for its position-bearing message
			return fmt.Errorf("%w: not valid JSON: %w", errBadRequest, jerr)
		}
		return fmt.Errorf("%w: %w", errBadRequest, errSyntax)
	}
	return fmt.Errorf("%w: %w", errBadRequest, err)
}

// parseFields walks the request object s, validating it as it goes.
func (r *request) parseFields(s string) error {
	p := scanner{s: s}
	p.space()
	if p.i >= len(s) || s[p.i] != '{' {
		return expected("request", "an object", s)
	}
	var abi, node string
	haveABI, haveNode := false, false
	err := p.object(1, func(key string) error {
		switch key {
		case "inputs":
			return r.parseInputs(&p)
		case "context":
			return r.parseContext(&p)
		}
		v, err := p.value(1)
		if err != nil {
			return err
		}
		switch key {
		case "abi":
			abi, haveABI = v, true
		case "node":
			node, haveNode = v, true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if p.space(); p.i != len(s) {
		return errSyntax // data after the object
	}
	if !haveABI {
		return fmt.Errorf("field \"abi\" is missing, expected %d", ABIVersion)
	}
	if v, err := strconv.ParseInt(abi, 10, 64); err != nil || v != ABIVersion {
		return fmt.Errorf("field \"abi\": expected %d, found %s", ABIVersion, describe(abi))
	}
	if !haveNode {
		return errors.New("field \"node\" is missing")
	}
	n, ok := stringValue(node)
	if !ok {
		return fmt.Errorf("field \"node\": expected a string, found %s", describe(node))
	}
	r.Node = n
	r.Context.Node = n
	return nil
}

// parseInputs reads the value of "inputs" at p: an object or null.
func (r *request) parseInputs(p *scanner) error {
	if p.i < len(p.s) && p.s[p.i] != '{' {
		v, err := p.value(1)
		if err != nil {
			return err
		}
		if v != "null" {
			return expected(`field "inputs"`, "an object", v)
		}
		r.Inputs = nil
		return nil
	}
	ins := r.inArr[:0]
	err := p.object(2, func(name string) error {
		v, err := p.value(2)
		ins = append(ins, input{name, v})
		return err
	})
	if err != nil {
		return err
	}
	r.Inputs = sortInputs(ins)
	return nil
}

// sortInputs sorts ins by name, stably, and keeps the last of each name.
func sortInputs(ins []input) []input {
	if len(ins) <= 12 { // insertion sort: no allocation, fast for a few
		for i := 1; i < len(ins); i++ {
			for j := i; j > 0 && ins[j].name < ins[j-1].name; j-- {
				ins[j], ins[j-1] = ins[j-1], ins[j]
			}
		}
	} else {
		slices.SortStableFunc(ins, func(a, b input) int { return strings.Compare(a.name, b.name) })
	}
	w := 0
	for i := range ins {
		if w > 0 && ins[w-1].name == ins[i].name {
			ins[w-1] = ins[i] // the later one wins
			continue
		}
		ins[w] = ins[i]
		w++
	}
	return ins[:w]
}

// parseContext reads the value of "context" at p: an object or null.
func (r *request) parseContext(p *scanner) error {
	if p.i < len(p.s) && p.s[p.i] != '{' {
		v, err := p.value(1)
		if err != nil {
			return err
		}
		if v != "null" {
			return expected(`field "context"`, "an object", v)
		}
		r.Context = RunContext{}
		return nil
	}
	var rc RunContext
	err := p.object(2, func(key string) error {
		v, err := p.value(2)
		if err != nil {
			return err
		}
		return rc.set(key, v)
	})
	if err != nil {
		return err
	}
	r.Context = rc
	return nil
}

func expected(what, want, found string) error {
	return fmt.Errorf("%s: expected %s, found %s", what, want, describe(found))
}

// set stores one member of the request's "context" object.
func (rc *RunContext) set(key, val string) error {
	var ok bool
	var n int64
	want := "a string"
	switch key {
	case "run_id":
		rc.RunID, ok = stringOrNull(val)
	case "workflow":
		rc.Workflow, ok = stringOrNull(val)
	case "node_instance":
		rc.NodeInstance, ok = stringOrNull(val)
	case "tenant":
		rc.Tenant, ok = stringOrNull(val)
	case "attempt":
		want = "an integer"
		n, ok = intOrNull(val)
		rc.Attempt = int(n)
	case "deadline_unix_ms":
		want = "an integer"
		if n, ok = intOrNull(val); ok {
			rc.Deadline = time.Time{}
			if n != 0 {
				rc.Deadline = time.UnixMilli(n).UTC()
			}
		}
	default:
		return nil
	}
	if !ok {
		return fmt.Errorf("field \"context.%s\": expected %s, found %s", key, want, describe(val))
	}
	return nil
}

func stringOrNull(val string) (string, bool) {
	if val == "null" {
		return "", true
	}
	return stringValue(val)
}

func intOrNull(val string) (int64, bool) {
	if val == "null" {
		return 0, true
	}
	n, err := strconv.ParseInt(val, 10, 64)
	return n, err == nil
}

// stringValue decodes v, a valid JSON value, if it is a string.
func stringValue(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	return unquote(v[1 : len(v)-1]), true
}

// The classes of a byte inside a JSON string.
const (
	strPlain   = iota // stands for itself
	strQuote          // ends the string
	strEscape         // starts an escape
	strControl        // a control character: invalid
	strHigh           // part of a multi-byte UTF-8 sequence (or invalid)
)

var strClass = func() (t [256]byte) {
	for c := range t {
		switch {
		case c < 0x20:
			t[c] = strControl
		case c == '"':
			t[c] = strQuote
		case c == '\\':
			t[c] = strEscape
		case c >= utf8.RuneSelf:
			t[c] = strHigh
		}
	}
	return t
}()

// unquote decodes the body of a valid JSON string (without its quotes) as
// encoding/json does: escapes resolved, a lone or broken surrogate and each
// byte of invalid UTF-8 replaced by U+FFFD. A body that needs no decoding
// is returned as is, without copying.
func unquote(body string) string {
	i := 0
	for i < len(body) && strClass[body[i]] == strPlain {
		i++
	}
	if i == len(body) {
		return body
	}
	if strings.IndexByte(body[i:], '\\') < 0 && utf8.ValidString(body[i:]) {
		return body
	}
	b := make([]byte, 0, len(body)+utf8.UTFMax)
	b = append(b, body[:i]...)
	for i < len(body) {
		c := body[i]
		switch {
		case c == '\\':
			switch e := body[i+1]; e {
			case 'u':
				rr := hex4(body[i+2:])
				i += 6
				if utf16.IsSurrogate(rr) {
					if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(body[i+2:])); dec != unicode.ReplacementChar {
							i += 6
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			default: // '"', '\\', '/'
				b = append(b, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, size := utf8.DecodeRuneInString(body[i:])
			b = utf8.AppendRune(b, rr) // invalid UTF-8 becomes U+FFFD
			i += size
		}
	}
	return string(b)
}

// hex4 reads the four hex digits at the start of s (checked by the
// scanner).
func hex4(s string) rune {
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// validJSON reports whether s is one valid JSON value, as json.Valid does.
func validJSON(s string) bool {
	p := scanner{s: s}
	p.space()
	if _, err := p.value(0); err != nil {
		return false
	}
	p.space()
	return p.i == len(s)
}

// scanner checks and splits JSON text s from position i.
type scanner struct {
	s string
	i int
}

func (p *scanner) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// object walks the object starting at p.i (its '{', which the caller has
// seen), at nesting depth depth (1 for a top-level object). For each member
// it reads the key and the colon and calls member with the decoded key,
// which must consume the value (the scanner is at its first byte).
func (p *scanner) object(depth int, member func(key string) error) error {
	if depth > maxDepth {
		return errSyntax
	}
	p.i++ // '{'
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return errSyntax
		}
		key, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return errSyntax
		}
		p.i++
		p.space()
		if err := member(unquote(key[1 : len(key)-1])); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) {
			return errSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// value checks the JSON value at p.i (no white space before it), inside
// depth enclosing arrays and objects, and returns its text.
func (p *scanner) value(depth int) (string, error) {
	start := p.i
	if p.i >= len(p.s) {
		return "", errSyntax
	}
	var err error
	switch c := p.s[p.i]; {
	case c == '"':
		_, err = p.str()
	case c == '{':
		err = p.object(depth+1, func(string) error {
			_, err := p.value(depth + 1)
			return err
		})
	case c == '[':
		err = p.array(depth + 1)
	case c == '-' || (c >= '0' && c <= '9'):
		err = p.number()
	case c == 't':
		err = p.literal("true")
	case c == 'f':
		err = p.literal("false")
	case c == 'n':
		err = p.literal("null")
	default:
		err = errSyntax
	}
	return p.s[start:p.i], err
}

func (p *scanner) literal(lit string) error {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return errSyntax
	}
	p.i += len(lit)
	return nil
}

func (p *scanner) array(depth int) error {
	if depth > maxDepth {
		return errSyntax
	}
	p.i++ // '['
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		if _, err := p.value(depth); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) {
			return errSyntax
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return nil
		default:
			return errSyntax
		}
	}
}

// str checks the string at p.i (its opening quote) and returns its text,
// quotes included.
func (p *scanner) str() (string, error) {
	s, start := p.s, p.i
	i := p.i + 1
	for i < len(s) {
		switch strClass[s[i]] {
		case strPlain, strHigh:
			i++
		case strQuote:
			p.i = i + 1
			return s[start:p.i], nil
		case strEscape:
			if i+1 >= len(s) {
				return "", errSyntax
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					return "", errSyntax
				}
				i += 6
			default:
				return "", errSyntax
			}
		default: // a control character
			return "", errSyntax
		}
	}
	return "", errSyntax
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// number checks the number at p.i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *scanner) number() error {
	s, i := p.s, p.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return errSyntax
	}
	if i < len(s) && s[i] == '.' {
		if i++; i >= len(s) || s[i] < '0' || s[i] > '9' {
			return errSyntax
		}
		i = digits(s, i)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if i++; i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return errSyntax
		}
		i = digits(s, i)
	}
	p.i = i
	return nil
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// eachMember calls fn with each decoded key and raw value of the JSON
// object s, in order, checking s as it goes; what names s in errors.
func eachMember(s, what string, fn func(key, val string) error) error {
	p := scanner{s: s}
	p.space()
	if p.i >= len(s) || s[p.i] != '{' {
		return expected(what, "an object", s)
	}
	err := p.object(1, func(key string) error {
		v, err := p.value(1)
		if err != nil {
			return err
		}
		return fn(key, v)
	})
	if err != nil {
		return err
	}
	if p.space(); p.i != len(s) {
		return errSyntax
	}
	return nil
}
