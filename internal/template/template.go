// Package template compiles and evaluates the `{{ expression }}` templates
// that workflow props may hold.
//
// A prop value is compiled once, when the workflow loads, into a [Value]:
//
//	v, err := template.Compile(rawProp) // at load time
//	out, err := v.Eval(env)             // at every tick that needs it
//
// A string that is exactly one `{{...}}` evaluates to the expression's value
// with its type; any other string with `{{...}}` interpolates each value's
// text. Maps and arrays are compiled element by element. Expressions use
// expr-lang/expr: side-effect free, bounded in memory and size, with member
// access, indexing, arithmetic, comparison and boolean logic.
//
// # Notes
//
// A name used in an expression that the environment does not hold is an
// error naming it ([*MissingNameError]), except as the left operand of `??`,
// which exists to give a default, and when compared with null (`x == null`),
// which asks whether it is set. `null` is nil unless the blackboard has a
// value of that name, so that expressions written for JavaScript read well.
package template

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"

	"github.com/weft-dev/weft/internal/value"
)

// Env gives expressions their variables: the blackboard as seen by a node.
type Env interface {
	Lookup(name string) (any, bool)
}

// Value is a compiled prop value.
type Value interface {
	// Eval resolves every template inside the value.
	Eval(env Env) (any, error)
	// Literal returns the value and true when it holds no template.
	Literal() (any, bool)
}

// MissingNameError is returned when an expression names a variable that is
// not on the blackboard.
type MissingNameError struct {
	Name string
	Expr string
}

func (e *MissingNameError) Error() string {
	return fmt.Sprintf("%q is not on the blackboard (in {{%s}})", e.Name, e.Expr)
}

// SyntaxError is a template that does not compile. Offset is the byte offset
// in the source string where the problem starts.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return e.Msg }

// HasTemplate reports whether s contains a `{{`.
func HasTemplate(s string) bool { return strings.Contains(s, "{{") }

// Compile compiles a canonical value (see package value) whose strings may
// hold templates.
//
// # Errors
//
// A [*SyntaxError] for an unterminated `{{` or an expression that does not
// compile; nested values prefix the error with their path.
func Compile(v any) (Value, error) {
	switch x := v.(type) {
	case string:
		if !HasTemplate(x) {
			return literal{x}, nil
		}
		return compileString(x)
	case []any:
		out := make(list, len(x))
		dynamic := false
		for i, e := range x {
			c, err := Compile(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, ok := c.Literal(); !ok {
				dynamic = true
			}
			out[i] = c
		}
		if !dynamic {
			return literal{x}, nil
		}
		return out, nil
	case map[string]any:
		out := make(object, len(x))
		dynamic := false
		for _, k := range value.SortedKeys(x) {
			c, err := Compile(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if _, ok := c.Literal(); !ok {
				dynamic = true
			}
			out[k] = c
		}
		if !dynamic {
			return literal{x}, nil
		}
		return out, nil
	}
	return literal{v}, nil
}

// Names returns the blackboard names the templates in v must find when v
// is evaluated, each once, in the order they appear (an object's keys in
// sorted order). Names only tested for (`x ?? d`, `x == null`) are not
// among them: a missing one is no error.
func Names(v Value) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(v Value)
	add := func(e *Expression) {
		for _, n := range e.required {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	walk = func(v Value) {
		switch x := v.(type) {
		case list:
			for _, e := range x {
				walk(e)
			}
		case object:
			for _, k := range value.SortedKeys(x) {
				walk(x[k])
			}
		case interpolation:
			for _, p := range x {
				if p.expr != nil {
					add(p.expr)
				}
			}
		case whole:
			add(x.e)
		}
	}
	walk(v)
	return out
}

// Literal wraps a value that holds no template.
func Literal(v any) Value { return literal{v} }

type literal struct{ v any }

func (l literal) Eval(Env) (any, error) { return l.v, nil }
func (l literal) Literal() (any, bool)  { return l.v, true }

type list []Value

func (l list) Literal() (any, bool) { return nil, false }
func (l list) Eval(env Env) (any, error) {
	out := make([]any, len(l))
	for i, e := range l {
		v, err := e.Eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type object map[string]Value

func (o object) Literal() (any, bool) { return nil, false }
func (o object) Eval(env Env) (any, error) {
	out := make(map[string]any, len(o))
	for k, e := range o {
		v, err := e.Eval(env)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// part is a piece of an interpolated string: text, or an expression.
type part struct {
	text string
	expr *Expression
}

type interpolation []part

func (in interpolation) Literal() (any, bool) { return nil, false }
func (in interpolation) Eval(env Env) (any, error) {
	var b strings.Builder
	for _, p := range in {
		if p.expr == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := p.expr.Eval(env)
		if err != nil {
			return nil, err
		}
		b.WriteString(value.Text(v))
	}
	return b.String(), nil
}

type whole struct{ e *Expression }

func (w whole) Literal() (any, bool)      { return nil, false }
func (w whole) Eval(env Env) (any, error) { return w.e.Eval(env) }

func compileString(s string) (Value, error) {
	var parts interpolation
	rest, off := s, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				parts = append(parts, part{text: rest})
			}
			break
		}
		if i > 0 {
			parts = append(parts, part{text: rest[:i]})
		}
		end := closing(rest[i+2:])
		if end < 0 {
			return nil, &SyntaxError{Offset: off + i, Msg: "unterminated {{: expected }}"}
		}
		src := rest[i+2 : i+2+end]
		e, err := CompileExpression(src)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				se.Offset += off + i + 2
			}
			return nil, err
		}
		parts = append(parts, part{expr: e})
		consumed := i + 2 + end + 2
		rest, off = rest[consumed:], off+consumed
	}
	if len(parts) == 1 && parts[0].expr != nil {
		return whole{parts[0].expr}, nil
	}
	return parts, nil
}

// closing finds the `}}` that ends an expression, skipping string literals
// and nested braces. It returns -1 when there is none.
func closing(s string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth == 0 {
				if i+1 < len(s) && s[i+1] == '}' {
					return i
				}
				return -1
			}
			depth--
		}
	}
	return -1
}

// Expression is one compiled expression.
type Expression struct {
	src      string
	prog     *vm.Program
	required []string
	optional []string
}

// Source returns the expression's text.
func (e *Expression) Source() string { return e.src }

// Names returns the blackboard names the expression must find.
func (e *Expression) Names() []string { return e.required }

// CompileExpression compiles a bare expression (without braces).
//
// # Errors
//
// A [*SyntaxError] whose Offset points into src.
func CompileExpression(src string) (*Expression, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &SyntaxError{Msg: "empty expression in {{ }}"}
	}
	// Parse first to learn the free names, then compile with those names
	// declared as variables: a blackboard key such as "count" or "max" must
	// mean the value, not expr's builtin function of that name (which stays
	// callable as count(...)).
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, compileError(src, err)
	}
	required, optional, err := names(tree.Node)
	if err != nil {
		return nil, &SyntaxError{Msg: fmt.Sprintf("expression %q: %v", strings.TrimSpace(src), err)}
	}
	vars := make(types.Map, len(required)+len(optional))
	for _, n := range required {
		vars[n] = types.Any
	}
	for _, n := range optional {
		vars[n] = types.Any
	}
	prog, err := expr.Compile(src, expr.Env(vars), expr.MaxNodes(2000))
	if err != nil {
		return nil, compileError(src, err)
	}
	e := &Expression{src: src, prog: prog, required: required, optional: optional}
	return e, nil
}

func compileError(src string, err error) error {
	return &SyntaxError{Msg: fmt.Sprintf("expression %q does not compile: %s", strings.TrimSpace(src), firstLine(err))}
}

// firstLine is an expr error's message without the source excerpt expr
// appends on the following lines.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}

// Eval runs the expression against env.
//
// # Errors
//
// [*MissingNameError] for a required name env lacks; a runtime error of the
// expression (type mismatch, division by zero, memory budget) otherwise.
func (e *Expression) Eval(env Env) (any, error) {
	vars := make(map[string]any, len(e.required)+len(e.optional))
	for _, n := range e.required {
		v, ok := env.Lookup(n)
		if !ok {
			return nil, &MissingNameError{Name: n, Expr: e.src}
		}
		vars[n] = v
	}
	for _, n := range e.optional {
		if v, ok := env.Lookup(n); ok {
			vars[n] = v
		} else {
			vars[n] = nil
		}
	}
	out, err := expr.Run(e.prog, vars)
	if err != nil {
		return nil, fmt.Errorf("{{%s}}: %s", e.src, firstLine(err))
	}
	v, err := value.Normalize(out)
	if err != nil {
		return nil, fmt.Errorf("{{%s}}: %w", e.src, err)
	}
	return v, nil
}

// names lists the free variables of an expression: identifiers that are not
// function names and not `let` variables. Identifiers used only as the left
// side of `??` are optional.
func names(root ast.Node) (required, optional []string, err error) {
	c := &collector{callee: map[ast.Node]bool{}, optional: map[ast.Node]bool{}, declared: map[string]bool{}}
	ast.Walk(&root, c)
	seen := map[string]bool{"$env": true}
	for _, k := range c.envKeys {
		if !seen[k] {
			seen[k] = true
			required = append(required, k)
		}
	}
	for _, id := range c.idents {
		if c.callee[id] || c.declared[id.Value] || seen[id.Value] {
			continue
		}
		if !c.optional[id] && id.Value != "null" {
			seen[id.Value] = true
			required = append(required, id.Value)
		}
	}
	for _, id := range c.idents {
		if (c.optional[id] || id.Value == "null") && !seen[id.Value] && !c.declared[id.Value] {
			seen[id.Value] = true
			optional = append(optional, id.Value)
		}
	}
	if c.dynamicEnv {
		return nil, nil, errors.New(`$env must be indexed with a literal string, such as $env["fetch-data"]`)
	}
	return required, optional, nil
}

func isNull(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.NilNode:
		return true
	case *ast.IdentifierNode:
		return x.Value == "null"
	}
	return false
}

type collector struct {
	envKeys    []string
	dynamicEnv bool
	idents     []*ast.IdentifierNode
	callee     map[ast.Node]bool
	optional   map[ast.Node]bool
	declared   map[string]bool
}

func (c *collector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		c.idents = append(c.idents, x)
	case *ast.CallNode:
		c.callee[x.Callee] = true
	case *ast.BinaryNode:
		switch x.Operator {
		case "??":
			c.optional[x.Left] = true
		case "==", "!=":
			// `x == null` asks whether x is set: it must not fail when it is not.
			if isNull(x.Right) {
				c.optional[x.Left] = true
			}
			if isNull(x.Left) {
				c.optional[x.Right] = true
			}
		}
	case *ast.VariableDeclaratorNode:
		c.declared[x.Name] = true
	case *ast.MemberNode:
		// $env["fetch-data"]: a blackboard name that is not an identifier.
		if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if key, ok := x.Property.(*ast.StringNode); ok {
				c.envKeys = append(c.envKeys, key.Value)
			} else {
				c.dynamicEnv = true
			}
		}
	}
}
