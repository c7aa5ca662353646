// Package pin implements the typed pins of the node ABI v1
// (../shared/design/abi-v1.md, "Value encoding"): what a pin's type and value
// type are, how a blackboard value becomes the value a pin carries
// ([Spec.Coerce]), how that value is written as the ABI's JSON
// ([Spec.AppendJSON]) and how a guest's JSON output is read back and checked
// ([Spec.DecodeJSON]).
//
//	s := &pin.Spec{Name: "a", Type: pin.Integer}
//	v, err := s.Coerce(int64(3))               // canonical value for the pin
//	buf, err = s.AppendJSON(buf, v)            // request JSON: 3
//	out, err := s.DecodeJSON([]byte(`4`))      // int64(4), checked against the type
//
// Values on the Go side are weft's canonical blackboard values (package
// value): nil, bool, int64, float64, string, []byte, time.Time, []any and
// map[string]any. Integers stay int64 end to end: they are never rounded
// through float64.
//
// # Notes
//
// AppendJSON and DecodeJSON run on every node call; they use a hand-written
// encoder and scanner rather than encoding/json (see bench_test.go).
package pin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is a pin's data type.
type Type string

// The pin types of ABI v1.
const (
	Execution Type = "execution" // control flow; its value is null
	String    Type = "string"
	Integer   Type = "integer" // int64, exact
	Float     Type = "float"   // float64, finite
	Boolean   Type = "boolean"
	Date      Type = "date"    // time.Time; RFC 3339 on the wire
	Path      Type = "path"    // a canonical relative storage path (see PathProblem); a string
	Struct    Type = "struct"  // map[string]any; an object on the wire
	Bytes     Type = "bytes"   // []byte; standard base64 on the wire
	Generic   Type = "generic" // any JSON value
)

// Valid reports whether t is one of the ABI v1 types.
func (t Type) Valid() bool {
	switch t {
	case Execution, String, Integer, Float, Boolean, Date, Path, Struct, Bytes, Generic:
		return true
	}
	return false
}

// ValueType says how many values of its Type a pin carries.
type ValueType string

// The value types of ABI v1. The empty ValueType means Normal.
const (
	Normal ValueType = "normal" // one value
	Array  ValueType = "array"  // []any; a JSON array
	Map    ValueType = "map"    // map[string]any; a JSON object
	Set    ValueType = "set"    // []any without duplicates; a JSON array
)

// Valid reports whether v is one of the ABI v1 value types ("" included,
// meaning Normal).
func (v ValueType) Valid() bool {
	switch v {
	case "", Normal, Array, Map, Set:
		return true
	}
	return false
}

// TypeNames and ValueTypeNames list the valid names, for messages.
const (
	TypeNames      = "execution, string, integer, float, boolean, date, path, struct, bytes, generic"
	ValueTypeNames = "normal, array, map, set"
)

// Spec describes one input or output pin of a node.
type Spec struct {
	Name      string
	Type      Type
	ValueType ValueType // "" means Normal
	Required  bool
	// Default is the value the host passes when the workflow gives none,
	// already coerced to the pin's canonical value; meaningful only when
	// HasDefault.
	Default     any
	HasDefault  bool
	Description string
	// ValidValues, when not nil, are the only values the pin takes (the
	// manifest's valid_values), canonical values of Type: a normal pin's
	// value, and each element of an array, set or map, must equal one of
	// them. Set it with SetValidValues, which checks them.
	ValidValues []any
}

// TypeName describes the pin's type as users read it in messages:
// "integer", "array of integer", "map of string", "set of date".
func (s *Spec) TypeName() string {
	switch s.ValueType {
	case Array, Map, Set:
		return string(s.ValueType) + " of " + string(s.Type)
	}
	return string(s.Type)
}

// ErrMismatch is wrapped by every error that reports a value not matching its
// pin's type.
var ErrMismatch = errors.New("value does not match the pin type")

// MismatchError reports a value that does not match its pin.
type MismatchError struct {
	Output   bool   // an output value from a guest (DecodeJSON)
	Pin      string // the pin's name
	Path     string // where in the value: "", "[2]", `["key"]`
	Expected string // what the pin takes
	Found    string // what was there, with a short preview
}

func (e *MismatchError) Error() string {
	prefix := "pin "
	if e.Output {
		prefix = "output pin "
	}
	if e.Expected == "" {
		return prefix + e.Pin + e.Path + ": " + e.Found
	}
	return prefix + e.Pin + e.Path + ": expected " + e.Expected + ", found " + e.Found
}

// Unwrap returns ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// expected names what a scalar of type t must be, for messages.
func expected(t Type) string {
	switch t {
	case Execution:
		return "execution (null)"
	case Date:
		return "date (RFC 3339)"
	case Struct:
		return "struct (object)"
	case Bytes:
		return "bytes (standard base64)"
	case Generic:
		return "any value"
	case Path:
		return "path (string)"
	}
	return string(t)
}

// expectedContainer names what a pin's whole value must be.
func (s *Spec) expectedContainer() string {
	switch s.ValueType {
	case Array:
		return "array of " + string(s.Type)
	case Set:
		return "set of " + string(s.Type) + " (array)"
	case Map:
		return "map of " + string(s.Type) + " (object)"
	}
	return expected(s.Type)
}

// describe names a canonical value's kind with a short preview of it.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case int:
		return "integer " + strconv.Itoa(x)
	case float64:
		return "float " + strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return "string " + preview(x)
	case []byte:
		return fmt.Sprintf("bytes (%d bytes)", len(x))
	case time.Time:
		return "date " + x.Format(time.RFC3339Nano)
	case []any:
		return fmt.Sprintf("array (%d elements)", len(x))
	case map[string]any:
		return fmt.Sprintf("object (%d keys)", len(x))
	}
	return fmt.Sprintf("Go value of type %T", v)
}

// preview quotes s, cut to a few dozen bytes on a rune boundary.
func preview(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// indexPath and keyPath render a position inside a value.
func indexPath(i int) string  { return "[" + strconv.Itoa(i) + "]" }
func keyPath(k string) string { return "[" + preview(k) + "]" }

// Find returns the pin named name in pins, or nil.
func Find(pins []Spec, name string) *Spec {
	for i := range pins {
		if pins[i].Name == name {
			return &pins[i]
		}
	}
	return nil
}

// Names lists the pins' names for messages: "a, b", or "none".
func Names(pins []Spec) string {
	if len(pins) == 0 {
		return "none"
	}
	names := make([]string, len(pins))
	for i, p := range pins {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}
