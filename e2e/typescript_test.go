// TypeScript nodes from the command line, as a new user meets them: `weft
// node init --lang typescript` in a folder with no weft source tree around
// it, run with --package (compiled in-process, no Node.js), an edit seen at
// once, a syntax error with its line, pkg build, install and a run of the
// installed node by its bare name.

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTypeScriptNodeFromTheCommandLine(t *testing.T) {
	home, work := t.TempDir(), t.TempDir()
	// Outside any weft source tree, with no SDK folder named.
	in := func(args ...string) result {
		t.Helper()
		return weftWith(t, runOpts{home: home, dir: work, env: []string{"WEFT_SDK="}}, args...)
	}
	if r := in("node", "init", "--lang", "typescript", "greeter"); r.code != 0 {
		t.Fatalf("node init: exit %d %s", r.code, r.stderr)
	}
	dir := filepath.Join(work, "greeter")
	for _, f := range []string{"node.ts", "package.json", "tsconfig.json", "weft.d.ts", "example.yaml", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("node init wrote no %s", f)
		}
	}
	r := in("run", "greeter/example.yaml", "--package", "greeter", "--output", "json")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if g, _ := parseRun(t, r).Blackboard["greet"].(map[string]any); g["greeting"] != "Hello, weft!" {
		t.Fatalf("blackboard %s", r.stdout)
	}
	// An edit is seen by the next run: the project is compiled on load.
	src := filepath.Join(dir, "node.ts")
	data, _ := os.ReadFile(src)
	os.WriteFile(src, []byte(strings.Replace(string(data), "`Hello, ${input.name}!`", "`Hi, ${input.name}!`", 1)), 0o644)
	r = in("run", "greeter/example.yaml", "--package", "greeter", "--output", "json")
	if g, _ := parseRun(t, r).Blackboard["greet"].(map[string]any); r.code != 0 || g["greeting"] != "Hi, weft!" {
		t.Fatalf("after the edit: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// A syntax error names the file, line and column.
	os.WriteFile(src, []byte("import { node } from \"weft\";\nexport default node({\n  run() { return {; },\n});\n"), 0o644)
	if r := in("run", "greeter/example.yaml", "--package", "greeter"); r.code == 0 || !strings.Contains(r.stderr, "node.ts:3:") {
		t.Fatalf("broken source: exit %d %s", r.code, r.stderr)
	}
	os.WriteFile(src, data, 0o644)
	if r := in("pkg", "build", "greeter", "-o", "greeter.weftpkg"); r.code != 0 || !strings.Contains(r.stdout, "sha256:") {
		t.Fatalf("pkg build: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := in("pkg", "install", "greeter.weftpkg"); r.code != 0 || !strings.Contains(r.stdout, "ts.greeter") {
		t.Fatalf("install: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// Installed, it runs by its bare name without --package.
	r = in("run", "greeter/example.yaml", "--output", "json")
	if g, _ := parseRun(t, r).Blackboard["greet"].(map[string]any); r.code != 0 || g["greeting"] != "Hello, weft!" {
		t.Fatalf("installed run: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}
