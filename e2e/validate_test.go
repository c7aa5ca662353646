// weft validate reports every problem at once: the loader's, those only a
// node type's New sees, and inline scripts' syntax errors at the YAML
// file's line and column; nodes without an id are named by the id they get.

package e2e

import (
	"strings"
	"testing"
)

func TestValidateEverythingAtOnce(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "v.yaml", `type: Sequence
children:
  - type: SetVariable
    props: {value: 1}
  - type: RegexExtract
    props: {input: a, pattern: "(", outputKey: o}
  - type: JavaScriptInterpreter
    props:
      script: |
        const a = 1;
        let x = ;
  - type: PythonInterpreter
    props:
      script: |
        x = 1
        def f(:
          pass
  - type: Nope
  - type: Timeout
    props: {timeoutMs: -5}
    children:
      - type: SuccessNode
`)
	r := weft(t, t.TempDir(), "validate", f)
	if r.code != 2 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`v.yaml:4:5: SetVariable "setvariable-2": missing required prop "key"`,
		`v.yaml:6:32: RegexExtract "regexextract-3": prop pattern: error parsing regexp`,
		`v.yaml:11:17: prop script: JavaScript syntax error: SyntaxError: unexpected token in expression: ';' (line 2 of the script)`,
		`v.yaml:16:15: prop script: Python syntax error`,
		`v.yaml:18:11: unknown node type "Nope"`,
		`v.yaml:20:24: Timeout "timeout-7": prop timeoutMs: must be greater than 0, found -5`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("validate lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "(no id)") {
		t.Errorf("a node named (no id):\n%s", r.stderr)
	}
}
