// This file holds Call, the handle a handler gets: typed input getters,
// output setters, the run context and logging.

package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors the input getters wrap; test them with errors.Is.
var (
	// ErrMissingInput: the request has no value for the pin (the pin is
	// optional, has no default, and nothing was connected to it).
	ErrMissingInput = errors.New("missing input")
	// ErrInputType: the value is not of the type the getter reads.
	ErrInputType = errors.New("wrong input type")
	// ErrCallDone: the Call was used after its handler returned.
	ErrCallDone = errors.New("node call has finished")
)

// Call is one run of a node: its inputs, its outputs, its context and its
// way to the host. A handler gets it as its argument; it is valid until the
// handler returns. Its methods are safe for concurrent use.
type Call struct {
	host Host
	req  request // context and inputs

	mu      sync.Mutex
	outputs []output       // in the order first set
	outIdx  map[string]int // index of outputs by name, once there are many
	out     []byte         // the outputs' JSON, back to back
	waste   int            // bytes of out no output refers to any more
	outErr  error          // first output that could not be encoded
	done    bool

	// Room for a small call's outputs, so that it allocates none.
	outArr [4]output
	outBuf [64]byte
}

// output is one output pin's name and where its value, compact JSON, is in
// Call.out.
type output struct {
	name     string
	off, end int
}

func newCall(h Host, r *request) *Call {
	c := &Call{host: h, req: *r}
	c.init()
	return c
}

func (c *Call) init() {
	c.outputs = c.outArr[:0]
	c.out = c.outBuf[:0]
}

// finish ends the call and hands back its outputs and their JSON.
func (c *Call) finish() ([]output, []byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	return c.outputs, c.out, c.outErr
}

func (c *Call) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// Context returns what the host says about this call: node id, run id,
// workflow, node instance, tenant, attempt and deadline.
//
//	if time.Until(c.Context().Deadline) < time.Second { ... }
//
// # Notes
//
// This is not a context.Context: nothing is cancelled inside the module; the
// host stops a call that runs past its deadline.
func (c *Call) Context() RunContext { return c.req.Context }

// Has reports whether the request carries a value (possibly null) for the
// input pin name.
func (c *Call) Has(name string) bool {
	_, ok := c.find(name)
	return ok
}

// find returns the raw JSON of input name.
func (c *Call) find(name string) (string, bool) {
	ins := c.req.Inputs
	if len(ins) <= 8 {
		for i := range ins {
			if ins[i].name == name {
				return ins[i].raw, true
			}
		}
		return "", false
	}
	i, ok := slices.BinarySearchFunc(ins, name, func(in input, name string) int { return strings.Compare(in.name, name) })
	if !ok {
		return "", false
	}
	return ins[i].raw, true
}

// Inputs returns the names of the inputs the request carries, sorted.
func (c *Call) Inputs() []string {
	names := make([]string, len(c.req.Inputs))
	for i, in := range c.req.Inputs {
		names[i] = in.name
	}
	return names
}

// raw returns the JSON of input name.
func (c *Call) raw(name string) (string, error) {
	v, ok := c.find(name)
	if !ok {
		return "", fmt.Errorf("%w %q", ErrMissingInput, name)
	}
	return v, nil
}

func typeError(name, want string, raw string) error {
	return fmt.Errorf("input %q: %w: expected %s, found %s", name, ErrInputType, want, describe(raw))
}

// describe names the JSON kind of raw and quotes a short prefix of it.
func describe(raw string) string {
	raw = strings.TrimSpace(raw)
	kind := "nothing"
	if len(raw) > 0 {
		switch raw[0] {
		case '"':
			kind = "string"
		case '{':
			kind = "object"
		case '[':
			kind = "array"
		case 't', 'f':
			kind = "boolean"
		case 'n':
			return "null"
		default:
			kind = "number"
		}
	}
	const max = 40
	s := raw
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return kind + " " + s
}

// number returns input name as the text of a JSON number. The request was
// parsed as JSON already, so a value starting like a number is one.
func (c *Call) number(name, want string) (string, error) {
	raw, err := c.raw(name)
	if err != nil {
		return "", err
	}
	// Values are stored without surrounding white space.
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return "", typeError(name, want, raw)
	}
	return raw, nil
}

// Int returns the integer input name, exactly (never through float64).
//
//	a, err := c.Int("a")
//
// # Errors
//
// ErrMissingInput when the request has no value for name; ErrInputType when
// the value is not a JSON number without fraction or exponent in int64
// range.
func (c *Call) Int(name string) (int64, error) {
	n, err := c.number(name, "integer")
	if err != nil {
		return 0, err
	}
	i, err := strconv.ParseInt(n, 10, 64)
	if err != nil {
		raw, _ := c.raw(name)
		if errors.Is(err, strconv.ErrRange) {
			return 0, typeError(name, "integer in int64 range", raw)
		}
		return 0, typeError(name, "integer", raw)
	}
	return i, nil
}

// IntOr is Int, returning def when the request has no value for name.
func (c *Call) IntOr(name string, def int64) (int64, error) {
	if !c.Has(name) {
		return def, nil
	}
	return c.Int(name)
}

// Float returns the number input name (an integer is accepted too).
//
// # Errors
//
// ErrMissingInput; ErrInputType when the value is not a JSON number or
// overflows float64.
func (c *Call) Float(name string) (float64, error) {
	n, err := c.number(name, "number")
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		raw, _ := c.raw(name)
		return 0, typeError(name, "number in float64 range", raw)
	}
	return f, nil
}

// FloatOr is Float, returning def when the request has no value for name.
func (c *Call) FloatOr(name string, def float64) (float64, error) {
	if !c.Has(name) {
		return def, nil
	}
	return c.Float(name)
}

// String returns the string input name (also used for path pins).
//
// # Errors
//
// ErrMissingInput; ErrInputType when the value is not a JSON string.
func (c *Call) String(name string) (string, error) {
	raw, err := c.raw(name)
	if err != nil {
		return "", err
	}
	s, ok := stringValue(raw)
	if !ok {
		return "", typeError(name, "string", raw)
	}
	return s, nil
}

// StringOr is String, returning def when the request has no value for name.
func (c *Call) StringOr(name string, def string) (string, error) {
	if !c.Has(name) {
		return def, nil
	}
	return c.String(name)
}

// Bool returns the boolean input name.
//
// # Errors
//
// ErrMissingInput; ErrInputType when the value is not true or false.
func (c *Call) Bool(name string) (bool, error) {
	raw, err := c.raw(name)
	if err != nil {
		return false, err
	}
	switch raw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, typeError(name, "boolean", raw)
}

// BoolOr is Bool, returning def when the request has no value for name.
func (c *Call) BoolOr(name string, def bool) (bool, error) {
	if !c.Has(name) {
		return def, nil
	}
	return c.Bool(name)
}

// Bytes returns the bytes input name, decoded from standard base64.
//
// # Errors
//
// ErrMissingInput; ErrInputType when the value is not a string of standard,
// padded base64.
func (c *Call) Bytes(name string) ([]byte, error) {
	s, err := c.String(name)
	if err != nil {
		if errors.Is(err, ErrInputType) {
			raw, _ := c.raw(name)
			return nil, typeError(name, "base64 string", raw)
		}
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, _ := c.raw(name)
		return nil, fmt.Errorf("%w (%v)", typeError(name, "standard base64", raw), err)
	}
	return b, nil
}

// Time returns the date input name, parsed from RFC 3339.
//
// # Errors
//
// ErrMissingInput; ErrInputType when the value is not an RFC 3339 string
// such as "2025-01-01T00:00:00Z".
func (c *Call) Time(name string) (time.Time, error) {
	s, err := c.String(name)
	if err != nil {
		if errors.Is(err, ErrInputType) {
			raw, _ := c.raw(name)
			return time.Time{}, typeError(name, "RFC 3339 date string", raw)
		}
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		raw, _ := c.raw(name)
		return time.Time{}, typeError(name, "RFC 3339 date string", raw)
	}
	return t, nil
}

// Decode decodes input name into v with encoding/json: use it for struct,
// array, map, set and generic pins.
//
//	var items []string
//	if err := c.Decode("items", &items); err != nil { return err }
//
// # Errors
//
// ErrMissingInput; ErrInputType (wrapping the json error) when the value
// does not fit v.
//
// # Notes
//
// Numbers decoded into an `any` arrive as json.Number, so large integers
// stay exact.
func (c *Call) Decode(name string, v any) error {
	raw, err := c.raw(name)
	if err != nil {
		return err
	}
	if err := decodeJSON([]byte(raw), v); err != nil {
		return fmt.Errorf("input %q: %w: %w", name, ErrInputType, err)
	}
	return nil
}

// decodeJSON decodes exactly one JSON value with UseNumber.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// SetOutput sets output pin name to v, encoded with encoding/json: integers
// exactly, []byte as standard base64, time.Time as RFC 3339, nil as null
// (for an execution pin). Setting a pin twice keeps the last value.
//
//	return c.SetOutput("sum", a+b)
//
// # Errors
//
// An error when v cannot be encoded (NaN, a channel, ...) or the call has
// finished. The error is also remembered: a call with an output that failed
// to encode ends in FAILURE even if the handler ignored the error.
//
// # Notes
//
// Output names must be output pins of the manifest, and values their
// types; the host checks both and fails the node otherwise.
func (c *Call) SetOutput(name string, v any) error {
	enc, err := encodeSlow(v) // outside the lock: it may run the value's MarshalJSON
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return fmt.Errorf("output %q: %w", name, ErrCallDone)
	}
	if err != nil {
		err = fmt.Errorf("output %q: %w", name, err)
		if c.outErr == nil {
			c.outErr = err
		}
		return err
	}
	i, found := c.outputIndex(name)
	if found && c.outputs[i].end == len(c.out) { // the last value written: reuse its room
		c.out = c.out[:c.outputs[i].off]
		found = false
		c.outputs[i].off, c.outputs[i].end = 0, 0
	}
	off := len(c.out)
	if enc != nil {
		c.out = append(c.out, enc...)
	} else {
		c.out = appendFast(c.out, v)
	}
	if i < 0 {
		c.addOutput(output{name, off, len(c.out)})
		return nil
	}
	if found {
		c.waste += c.outputs[i].end - c.outputs[i].off
	}
	c.outputs[i].off, c.outputs[i].end = off, len(c.out)
	if c.waste > 64<<10 && c.waste > len(c.out)/2 {
		c.compact()
	}
	return nil
}

// outputIndex returns the index of output name, or -1 (c.mu held).
func (c *Call) outputIndex(name string) (int, bool) {
	if c.outIdx != nil {
		i, ok := c.outIdx[name]
		if !ok {
			return -1, false
		}
		return i, true
	}
	for i := range c.outputs {
		if c.outputs[i].name == name {
			return i, true
		}
	}
	return -1, false
}

// addOutput appends a new output (c.mu held), indexing them past a few.
func (c *Call) addOutput(o output) {
	c.outputs = append(c.outputs, o)
	if c.outIdx != nil {
		c.outIdx[o.name] = len(c.outputs) - 1
	} else if len(c.outputs) > 16 {
		c.outIdx = make(map[string]int, 2*len(c.outputs))
		for i, o := range c.outputs {
			c.outIdx[o.name] = i
		}
	}
}

// compact copies the values still set to a new buffer (c.mu held), for a
// handler that replaces outputs again and again.
func (c *Call) compact() {
	out := make([]byte, 0, len(c.out)-c.waste)
	for i := range c.outputs {
		o := &c.outputs[i]
		off := len(out)
		out = append(out, c.out[o.off:o.end]...)
		o.off, o.end = off, len(out)
	}
	c.out, c.waste = out, 0
}

// Log writes one line to the run log at level.
//
//	c.Log(node.LevelInfo, "starting")
//
// # Notes
//
// The host cuts lines over 16 KiB and keeps at most 10,000 lines per call.
// Lines logged after the handler returned are dropped.
func (c *Call) Log(level Level, msg string) {
	if c.isDone() {
		return
	}
	c.host.Log(level, msg)
}

// Logf formats a line with fmt.Sprintf and logs it at level.
func (c *Call) Logf(level Level, format string, args ...any) {
	c.Log(level, fmt.Sprintf(format, args...))
}

// Debugf logs a formatted line at LevelDebug.
func (c *Call) Debugf(format string, args ...any) { c.Logf(LevelDebug, format, args...) }

// Infof logs a formatted line at LevelInfo.
func (c *Call) Infof(format string, args ...any) { c.Logf(LevelInfo, format, args...) }

// Warnf logs a formatted line at LevelWarn.
func (c *Call) Warnf(format string, args ...any) { c.Logf(LevelWarn, format, args...) }
