// The checks on a pin's values beyond its type: a path pin's value is a
// canonical relative storage path, and a pin with valid values (the
// manifest's valid_values) takes only those. Coerce and DecodeJSON both run
// them, so inputs (before they reach a guest) and outputs (when a guest
// returns them) are checked the same way.

package pin

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of a path pin's value, the same as the storage.* operations'
// (internal/capability/storage): a path pin names a file there.
const (
	MaxPathLen    = 1024 // bytes in a whole path
	MaxPathElem   = 255  // bytes in one element
	pathExpected  = `a relative storage path like "dir/file.txt"`
	maxValuesText = 20 // valid values listed in a message
)

// PathProblem says what keeps p from being a path pin's value, or "" when
// it is one: a canonical relative storage path, that is '/'-separated
// elements, not empty, with no leading or trailing '/', no empty, "." or
// ".." element, no backslash or NUL byte, valid UTF-8, at most MaxPathLen
// bytes and MaxPathElem bytes per element.
//
//	pin.PathProblem("reports/2025.csv") // ""
//	pin.PathProblem("../x")             // `a ".." element; paths cannot go up`
func PathProblem(p string) string {
	switch {
	case p == "":
		return "empty"
	case len(p) > MaxPathLen:
		return fmt.Sprintf("%d bytes, more than %d", len(p), MaxPathLen)
	case strings.IndexByte(p, 0) >= 0:
		return "a NUL byte"
	case !utf8.ValidString(p):
		return "not valid UTF-8"
	case strings.IndexByte(p, '\\') >= 0:
		return `a backslash; the separator is "/"`
	case p[0] == '/':
		return "absolute; paths are relative to the package's storage"
	case p[len(p)-1] == '/':
		return `a trailing "/"`
	}
	for e := range strings.SplitSeq(p, "/") {
		switch {
		case e == "":
			return `an empty element, as in "a//b"`
		case e == ".":
			return `a "." element`
		case e == "..":
			return `a ".." element; paths cannot go up`
		case len(e) > MaxPathElem:
			return fmt.Sprintf("an element of %d bytes, more than %d", len(e), MaxPathElem)
		}
	}
	return ""
}

// checked reports whether values of the pin need checking beyond their
// type.
func (s *Spec) checked() bool { return s.Type == Path || s.ValidValues != nil }

// checkValues checks a value already of the pin's type (coerced or
// decoded): every path, and every value against ValidValues. The error's
// Pin is left for the caller to set.
func (s *Spec) checkValues(v any) *MismatchError {
	switch s.ValueType {
	case Array, Set:
		list, _ := v.([]any)
		for i, e := range list {
			if err := s.checkScalar(e); err != nil {
				err.Path = indexPath(i)
				return err
			}
		}
	case Map:
		m, _ := v.(map[string]any)
		var bad []string
		for k, e := range m {
			if s.checkScalar(e) != nil {
				bad = append(bad, k)
			}
		}
		if len(bad) > 0 {
			k := slices.Min(bad) // the message does not depend on map order
			err := s.checkScalar(m[k])
			err.Path = keyPath(k)
			return err
		}
	default:
		return s.checkScalar(v)
	}
	return nil
}

// checkScalar checks one value of the pin's Type.
func (s *Spec) checkScalar(v any) *MismatchError {
	if s.Type == Path {
		if str, ok := v.(string); ok {
			if p := PathProblem(str); p != "" {
				return &MismatchError{Expected: pathExpected, Found: describe(v) + " (" + p + ")"}
			}
		}
	}
	if s.ValidValues != nil && !s.isValid(v) {
		return &MismatchError{Expected: "one of " + s.ValidValuesText(), Found: describe(v)}
	}
	return nil
}

// isValid reports whether v equals one of ValidValues.
func (s *Spec) isValid(v any) bool {
	for _, w := range s.ValidValues {
		if equal(v, w) {
			return true
		}
	}
	return false
}

// ValidValuesText lists ValidValues for messages and docs, the way JSON
// writes them, separated by ", ": `"fast", "slow"`, `1, 2, 3`. A long list
// is cut after 20 values, with how many there are in all.
func (s *Spec) ValidValuesText() string {
	var b strings.Builder
	for i, v := range s.ValidValues {
		if i == maxValuesText {
			fmt.Fprintf(&b, ", ... (%d in all)", len(s.ValidValues))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(valueText(v))
	}
	return b.String()
}

// valueText writes one scalar value as JSON would (strings quoted).
func valueText(v any) string {
	buf, err := appendAny(nil, v, 0)
	if err != nil {
		return describe(v)
	}
	if len(buf) > 60 {
		return preview(string(buf))
	}
	return string(buf)
}

// ValidValuesTypes lists, for messages, the types whose pins may have
// valid values.
const ValidValuesTypes = "string, integer, float, boolean, date, path"

// TakesValidValues reports whether pins of type t may have valid values:
// the scalar types that compare by value. Execution pins carry no value;
// struct, bytes and generic values are not choices from a list.
func (t Type) TakesValidValues() bool {
	switch t {
	case String, Integer, Float, Boolean, Date, Path:
		return true
	}
	return false
}

// SetValidValues checks values (canonical values, as a manifest decodes
// them) against the pin's Type and sets them as its ValidValues: each must
// be a value of the Type (a path pin's, a canonical path), there must be at
// least one and no two equal.
//
// # Errors
//
// A *MismatchError whose Path is the index of the bad value ("[1]"), e.g.
// `pin mode[1]: expected string, found integer 3`.
func (s *Spec) SetValidValues(values []any) error {
	if !s.Type.TakesValidValues() {
		article := "a "
		if s.Type == Execution {
			article = "an "
		}
		return &MismatchError{Pin: s.Name, Found: article + string(s.Type) + " pin takes no valid_values (only " + ValidValuesTypes + " pins do)"}
	}
	if len(values) == 0 {
		return &MismatchError{Pin: s.Name, Found: "an empty list of valid values (leave valid_values out to allow any value)"}
	}
	scalar := &Spec{Name: s.Name, Type: s.Type}
	out := make([]any, len(values))
	for i, v := range values {
		c, err := scalar.Coerce(v)
		if err != nil {
			me := err.(*MismatchError)
			me.Path = indexPath(i)
			return me
		}
		out[i] = c
	}
	if i, j, dup := duplicate(out); dup {
		return &MismatchError{Pin: s.Name, Path: indexPath(j),
			Found: "duplicate valid value " + describe(out[j]) + " (same as " + indexPath(i) + ")"}
	}
	s.ValidValues = out
	return nil
}
