// Errors of Parse: every problem in a manifest, each with its file, line,
// column and field.

package manifest

import (
	"errors"
	"strconv"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every error Parse returns.
var ErrInvalid = errors.New("invalid manifest")

// Error is one problem in a manifest.
type Error struct {
	File   string
	Line   int    // 1-based
	Column int    // 1-based, in bytes
	Field  string // the key path, e.g. "nodes[0].inputs[1].default"; "" for TOML syntax errors
	Msg    string // what was expected and what was found
}

// Error renders "FILE:LINE:COL: FIELD: MSG".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Column))
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Errors is every problem Parse found, in document order.
type Errors struct {
	List []*Error
}

// Error renders one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, x := range e.List {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (e *Errors) Unwrap() []error {
	errs := make([]error, len(e.List))
	for i, x := range e.List {
		errs[i] = x
	}
	return errs
}

// Is reports whether target is ErrInvalid.
func (e *Errors) Is(target error) bool { return target == ErrInvalid }
