// syntax.go: a PythonInterpreter script's syntax error, found when the
// workflow loads.

package python

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"time"
)

// syntaxProgram compiles stdin and prints [line, column, message] of its
// SyntaxError, or nothing. compile() parses and compiles; it runs nothing
// of the script, which is why this needs no sandbox.
const syntaxProgram = `import sys, json
src = sys.stdin.read()
try:
    compile(src, "<script>", "exec")
except SyntaxError as e:
    print(json.dumps([e.lineno or 0, e.offset or 0, type(e).__name__ + ": " + str(e.msg)]))
`

// Syntax compiles a script with the interpreter at path ("" means
// /usr/bin/python3) without running it and reports its syntax error: the
// script's line and column (1-based) and the message. ok is true when it
// compiles, and also when no interpreter can say (the run will).
func Syntax(ctx context.Context, path, src string) (line, col int, msg string, ok bool) {
	if path == "" {
		path = "/usr/bin/python3"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-I", "-S", "-c", syntaxProgram)
	cmd.Stdin = bytes.NewReader([]byte(src))
	cmd.Env = []string{"PYTHONDONTWRITEBYTECODE=1"}
	out, err := cmd.Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return 0, 0, "", true
	}
	var r []any
	if json.Unmarshal(out, &r) != nil || len(r) != 3 {
		return 0, 0, "", true
	}
	l, _ := r[0].(float64)
	c, _ := r[1].(float64)
	m, _ := r[2].(string)
	return int(l), int(c), m, false
}
