// Script: runs @wayfarer-ai/btree's small scripting language (assignments
// and expressions) against the blackboard.

package action

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/template"
)

func init() {
	register(&bt.Spec{
		Name: "Script", Kind: bt.Leaf, Category: "utility", Children: none,
		Summary: "Runs short statements that read and write the blackboard; returns SUCCESS.",
		Description: "`textContent` holds statements separated by newlines or `;`. Each is either " +
			"an assignment `name = expression`, which stores the value under `name` in the current " +
			"blackboard scope, or a bare expression, which is evaluated and its value discarded. " +
			"`//` starts a comment that runs to the end of the line. A statement may span several " +
			"lines inside brackets, or when a line ends with an operator or the next begins with " +
			"one (`&&`, `||`, `.`, `+`, `*`, a comparison...).\n\n" +
			"```yaml\n" +
			"- type: Script\n" +
			"  props:\n" +
			"    textContent: |\n" +
			"      total = price * quantity   // a number\n" +
			"      label = \"Order \" + orderId\n" +
			"      bigOrder = total >= 100 && customer.tier != null\n" +
			"```\n\n" +
			"Expressions are the ones of `{{ }}` templates (expr-lang): numbers, strings in `\"` or " +
			"`'`, `true`, `false`, `null`, names of blackboard values, member access `a.b`, " +
			"indexing `a[0]`, `+ - * / %`, unary `-` and `!`, comparisons `== != < > <= >=`, `&&`, " +
			"`||`, `??` and parentheses. Statements run in order, and each sees the assignments " +
			"before it. The code is never templated: it reads the blackboard itself.\n\n" +
			"The script is compiled before the run starts: a syntax error fails the run before any " +
			"node runs, naming the statement's line within `textContent`. When it runs, the node returns " +
			"SUCCESS whatever the values (a Script is not a condition; use CheckCondition or " +
			"Precondition for that). A runtime error fails the node with the error and the " +
			"statement's line; statements before it have taken effect. Reading a name that is not " +
			"on the blackboard is such an error, except in `name == null`, `name != null` and " +
			"`name ?? default`, which test for it.\n\n" +
			"Differences from @wayfarer-ai/btree: btree's functions `param()` and `env()` do not " +
			"exist: `env()` would let a workflow read the environment of the server that runs it " +
			"(its secrets included), and `param()` read test data that btree runs never set. " +
			"Types are not coerced: `\"a\" + 1` and `!5` are errors (write `\"a\" + string(1)`), " +
			"where btree concatenates and converts. `missing == null` is true for a name that is " +
			"not on the blackboard (in btree it is false: `undefined !== null`). Member access on null is an error (btree: " +
			"undefined). String escapes follow Go (`\"\\n\"` is a newline; btree gives `n`). " +
			"Several statements on one line need a `;` between them.",
		Props: []bt.PropSpec{
			{Name: "textContent", Type: bt.TypeCode, Required: true,
				Description: "The statements to run; never templated."},
		},
		New: newScript,
	})
}

// statement is one compiled statement of a script.
type statement struct {
	line   int    // 1-based, within textContent
	assign string // the assigned name; "" for an expression statement
	expr   *template.Expression
}

type script struct {
	stmts []statement
}

var (
	_ bt.Behavior  = (*script)(nil)
	_ bt.Stateless = (*script)(nil)
)

func newScript(c *bt.Config) (bt.Behavior, error) {
	v, _ := literal(c.Props.Get("textContent"))
	src, _ := v.(string)
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("prop textContent: the script is empty")
	}
	s := &script{}
	for _, st := range splitStatements(src) {
		stmt := statement{line: st.line}
		code := st.text
		if m := assignRE.FindStringSubmatch(code); m != nil {
			stmt.assign, code = m[1], code[len(m[1]):]
			code = strings.TrimSpace(strings.TrimLeft(code, " \t\r\n")[1:]) // after the `=`
			if reserved[stmt.assign] {
				return nil, fmt.Errorf("prop textContent: line %d: cannot assign to %q, a reserved word", st.line, stmt.assign)
			}
		}
		e, err := template.CompileExpression(code)
		if err != nil {
			if strings.TrimSpace(code) == "" {
				err = fmt.Errorf("nothing to assign to %s", stmt.assign)
			}
			return nil, fmt.Errorf("prop textContent: line %d: %w", st.line, err)
		}
		stmt.expr = e
		s.stmts = append(s.stmts, stmt)
	}
	return s, nil
}

// reserved are the words an assignment may not take as its name: literals
// and expr-lang's operator words, which could not be read back.
var reserved = map[string]bool{"true": true, "false": true, "null": true, "nil": true, "in": true,
	"not": true, "and": true, "or": true, "let": true, "matches": true, "contains": true,
	"startsWith": true, "endsWith": true}

// assignRE matches the start of an assignment: a name and a single `=`.
var assignRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=(?:[^=]|$)`)

func (s *script) Tick(t *bt.Tick) bt.Status {
	for _, st := range s.stmts {
		v, err := st.expr.Eval(t.BB)
		if err != nil {
			return t.Failf("line %d: %w", st.line, err)
		}
		if st.assign != "" {
			t.BB.Set(st.assign, v)
		}
	}
	return bt.Success
}

func (s *script) Halt(*bt.Tick) {}

// rawStatement is the source of one statement and the line it starts on.
type rawStatement struct {
	text string
	line int
}

// splitStatements cuts a script into statements at the `;` and newlines
// that are outside strings and brackets, dropping `//` comments. A newline
// does not end a statement when the line ends with an operator or the next
// line starts with one.
func splitStatements(src string) []rawStatement {
	var (
		out   []rawStatement
		cur   strings.Builder
		line  = 1
		start = 0 // line of the current statement's first character; 0 before it
		depth = 0
	)
	flush := func() {
		if text := strings.TrimSpace(cur.String()); text != "" {
			out = append(out, rawStatement{text: text, line: start})
		}
		cur.Reset()
		start = 0
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if start == 0 {
				start = line
			}
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			end := min(j+1, len(src))
			line += strings.Count(src[i:end], "\n")
			cur.WriteString(src[i:end])
			i = end - 1
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case c == '\n':
			line++
			if depth > 0 || continues(cur.String(), src[i+1:]) {
				cur.WriteByte(c)
				continue
			}
			flush()
		case c == ';' && depth == 0:
			flush()
		default:
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth = max(depth-1, 0)
			}
			if start == 0 && c != ' ' && c != '\t' && c != '\r' {
				start = line
			}
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// continues reports whether a statement goes on past a line break: the text
// so far ends with an operator, or the rest (after blank space) begins with
// a binary operator.
func continues(sofar, rest string) bool {
	s := strings.TrimRight(sofar, " \t\r\n")
	if s == "" {
		return false
	}
	if strings.ContainsRune("+-*/%=<>&|!.,?:", rune(s[len(s)-1])) {
		return true
	}
	r := strings.TrimLeft(rest, " \t\r\n")
	if strings.HasPrefix(r, "//") {
		return false
	}
	for _, op := range []string{"&&", "||", "??", "==", "!=", "<", ">", ".", "+", "*", "/", "%", "?", ":"} {
		if strings.HasPrefix(r, op) {
			return true
		}
	}
	return false
}

// Stateless marks the node as having nothing to reset between runs: a Script keeps only its compiled statements.
func (*script) Stateless() {}
