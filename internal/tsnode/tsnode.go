// Package tsnode turns a custom node written in TypeScript into a package
// like any other: it bundles the source with esbuild (in-process, pure Go),
// reads the node's declaration by evaluating the bundle in the QuickJS
// sandbox, and writes the package's manifest.toml from it, so that the
// review of an upload shows the same permission table as for a .weftpkg.
//
//	res, err := tsnode.Build(ctx, tsnode.Source{Name: "greet", Version: "1.0.0", File: "node.ts", Code: src})
//	// res.Files: manifest.toml, node.js (the bundle), src/node.ts (the source)
//
// The node's module imports nothing but the SDK module "weft" (the source
// in sdk/typescript, served from memory); every other import fails. The
// bundle runs in internal/script/javascript's node runtime.
//
// # Errors
//
// Build's errors wrap ErrInvalid and are an *Error listing every problem:
// esbuild's with the file, line and column it reports, the declaration's
// with the field (inputs.channel.type) and what was expected and found.
//
// # Notes
//
// esbuild is never given a folder of the machine to resolve imports in: a
// build with a resolve directory lets `import x from "/etc/passwd"` inline
// that file. An OnResolve plugin answers every import, serving "weft" from
// memory and refusing the rest, and the source itself is loaded from
// memory too. No tsconfig.json is read (TsconfigRaw is set).
package tsnode

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid marks every refusal of a node's source or declaration.
var ErrInvalid = errors.New("invalid TypeScript node")

// Problem is one thing wrong with a node.
type Problem struct {
	File   string // "node.ts"
	Line   int    // 1-based; 0 when the problem has no place in the source
	Column int    // 1-based, in bytes; 0 when Line is
	Field  string // the declaration's field, "inputs.channel.type"; "" for source problems
	Msg    string
}

// String renders "FILE:LINE:COL: MSG" or "FILE: FIELD: MSG".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error lists every problem found.
type Error struct {
	Problems []Problem
}

// Error renders one problem per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

func problem(file, field, format string, args ...any) *Error {
	return &Error{Problems: []Problem{{File: file, Field: field, Msg: fmt.Sprintf(format, args...)}}}
}
