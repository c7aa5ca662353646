// PythonInterpreter and JavaScriptInterpreter through the binary: results,
// clear failures, timeouts, and the host unaffected afterwards.

package e2e

import (
	"strings"
	"testing"
	"time"
)

func TestScriptNodes(t *testing.T) {
	cases := []struct {
		name, yaml string
		code       int
		want       []string // in stdout (json) or the error
		maxTime    time.Duration
	}{
		{"js result", "type: JavaScriptInterpreter\nid: j\nprops:\n  outputKey: total\n  script: |\n    result = items.reduce((s, i) => s + i, 0)\n", 0, []string{`"total":6`}, 0},
		{"python result", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    import numpy as np\n    result = {'sum': int(np.sum(items)), 'arr': np.array(items) * 2}\n", 0, []string{`"pythonResult":{"arr":[2,4,6],"sum":6}`}, 0},
		{"python exception line", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    x = 1\n    y = x / 0\n", 1, []string{"line 2", "ZeroDivisionError"}, 0},
		{"python not serialisable", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    result = {'tags': {1, 2}}\n", 1, []string{"set", "not JSON-serialisable"}, 0},
		// Found when the workflow loads (bad input), at the YAML's line and column.
		{"js syntax error", "type: JavaScriptInterpreter\nid: j\nprops:\n  script: |\n    let a = ;\n", 2, []string{"s.yaml:5:13:", "JavaScript syntax error", "line 1 of the script"}, 0},
		{"js timeout", "type: JavaScriptInterpreter\nid: j\nprops:\n  timeout: 500ms\n  script: \"while(true){}\"\n", 1, []string{"timed out"}, 5 * time.Second},
		{"python print reaches the run's log", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    print('hello from python', len(items))\n    import sys; print('to stderr', file=sys.stderr)\n    result = 1\n", 0, []string{"hello from python 3", "to stderr"}, 0},
		{"javascript console reaches the run's log", "type: JavaScriptInterpreter\nid: j\nprops:\n  script: |\n    console.log('hello from js', items.length)\n    result = 1\n", 0, []string{"hello from js 3"}, 0},
		{"python timeout", "type: PythonInterpreter\nid: p\nprops:\n  timeout: 1s\n  script: |\n    while True: pass\n", 1, []string{"timed out"}, 8 * time.Second},
		{"python memory tier", "type: PythonInterpreter\nid: p\nprops:\n  memory: standard\n  script: |\n    b = bytearray(1 << 30)\n", 1, []string{"memory"}, 0},
		{"bad tier at load", "type: PythonInterpreter\nid: p\nprops:\n  memory: huge\n  script: x = 1\n", 2, []string{"memory", "huge"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			f := writeFile(t, dir, "s.yaml", c.yaml)
			start := time.Now()
			r := weft(t, dir, "run", f, "--input", "items=[1,2,3]", "--output", "json")
			if c.maxTime > 0 && time.Since(start) > c.maxTime {
				t.Errorf("took %s", time.Since(start))
			}
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %q:\n%s\n%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
}
