// Inline scripts as the seed specifies them, through the binary: the
// seed's Python packages import, no `result` is {}, scripts cannot start
// processes, and a timeout over the maximum is refused by `weft validate`.

package e2e

import (
	"strings"
	"testing"
)

func TestScriptsAsTheSeedSays(t *testing.T) {
	cases := []struct {
		name, yaml string
		code       int
		want       []string // in stdout (json) or the error
	}{
		{"python no result is {}", "type: PythonInterpreter\nid: p\nprops:\n  script: x = 1\n", 0, []string{`"pythonResult":{}`}},
		{"javascript no result is {}", "type: JavaScriptInterpreter\nid: j\nprops:\n  script: let x = 1\n", 0, []string{`"jsResult":{}`}},
		{"python None is null", "type: PythonInterpreter\nid: p\nprops:\n  script: result = None\n", 0, []string{`"pythonResult":null`}},
		{"scipy and requests import", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    import scipy.stats, requests\n" +
			"    try:\n      requests.get('http://192.0.2.1/', timeout=5)\n      result = 'reached'\n" +
			"    except requests.exceptions.ConnectionError:\n      result = round(float(scipy.stats.norm.cdf(0)), 2)\n", 0, []string{`"pythonResult":0.5`}},
		{"no subprocess", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    import subprocess\n    subprocess.run(['/bin/true'])\n", 1,
			[]string{"line 2", "PermissionError", "scripts cannot start processes"}},
		{"no os.system", "type: PythonInterpreter\nid: p\nprops:\n  script: |\n    import os\n    os.system('true')\n", 1,
			[]string{"line 2", "scripts cannot start processes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			f := writeFile(t, dir, "s.yaml", c.yaml)
			r := weft(t, dir, "run", f, "--output", "json")
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

func TestValidateRefusesALongScriptTimeout(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "long.yaml", "type: Sequence\nid: s\nchildren:\n  - type: PythonInterpreter\n    id: slow\n    props:\n"+
		"      timeout: 10m\n      script: result = 1\n")
	r := weft(t, dir, "validate", f)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{"long.yaml:7:16:", `PythonInterpreter "slow"`, "prop timeout", "10m0s", "maximum of 5m0s"} {
		if !strings.Contains(r.stdout+r.stderr, w) {
			t.Errorf("output lacks %q:\n%s\n%s", w, r.stdout, r.stderr)
		}
	}
}
