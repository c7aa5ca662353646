package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

var cecho, _ = filepath.Abs("../internal/wasmhost/testdata/pkgs/cecho")

// TestCustomNodeRun runs a C-built custom node from --package, with
// templated inputs, a version constraint and an outputs mapping.
func TestCustomNodeRun(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "custom.yaml", `
type: Sequence
id: custom
children:
  - type: test.cecho/add
    id: step1
    props:
      a: "{{ x * 2 }}"
      b: 2
  - type: test.cecho/add@^1
    id: again
    props:
      a: "{{ step1.sum }}"
      b: 9007199254740000
      outputs: {sum: total}
`)
	r := weft(t, dir, "run", f, "--package", cecho, "--input", "x=20", "--output", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := parseRun(t, r)
	step1, _ := json.Marshal(out.Blackboard["step1"])
	total, _ := json.Marshal(out.Blackboard["total"])
	if string(step1) != `{"sum":42}` || string(total) != "9007199254740042" {
		t.Fatalf("blackboard %v", out.Blackboard)
	}
}

func TestCustomNodeValidation(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "bad.yaml", `
type: Sequence
children:
  - type: test.cecho/add
    props: {a: 1, c: 1}
  - type: test.cecho/ad
  - type: test.cecho/add@^2
  - type: com.example.missing/x
`)
	r := weft(t, dir, "validate", f, "--package", cecho)
	if r.code != 2 {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{
		`bad.yaml:5:19: test.cecho/add has no prop "c"`,
		`bad.yaml:6:11: node type "test.cecho/ad": package test.cecho 1.0.0 has no node "ad" (did you mean "test.cecho/add"?)`,
		`bad.yaml:7:11: node type "test.cecho/add@^2": package test.cecho has version(s) 1.0.0; none matches "^2"`,
		`bad.yaml:8:11: unknown node type "com.example.missing/x"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	f2 := writeFile(t, dir, "bad2.yaml", "type: test.cecho/add\nprops: {a: \"abc\"}\n")
	r = weft(t, dir, "validate", f2, "--package", cecho)
	if r.code != 2 || !strings.Contains(r.stderr, `bad2.yaml:2:12: test.cecho/add "test.cecho.add-1": prop a: expected integer, found string "abc"`) {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestBadPackageExit2(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "w.yaml", "type: SuccessNode\n")
	for _, p := range []string{"badabi", "command", "badimport", "nonexistent"} {
		r := weft(t, dir, "run", f, "--package", filepath.Join(filepath.Dir(cecho), p))
		if r.code != 2 || !strings.Contains(r.stderr, p) {
			t.Errorf("%s: exit %d: %s", p, r.code, r.stderr)
		}
	}
}

// A node that traps fails the run (exit 1) with the package, node and reason.
func TestCustomNodeTrapFailsRun(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "w.yaml", "type: test.unreachable/run\nid: boom\n")
	r := weft(t, dir, "run", f, "--package", filepath.Join(filepath.Dir(cecho), "unreachable"), "--output", "json")
	out := parseRun(t, r)
	if r.code != 1 || out.Error == nil || !strings.Contains(*out.Error, `node "boom"`) || !strings.Contains(*out.Error, "unreachable") {
		t.Fatalf("exit %d: %+v", r.code, out)
	}
}

func TestNodesWithPackage(t *testing.T) {
	dir := t.TempDir()
	r := weft(t, dir, "nodes", "list", "--package", cecho)
	if r.code != 0 || !strings.Contains(r.stdout, "test.cecho/add") || !strings.Contains(r.stdout, "Sequence") {
		t.Fatalf("nodes list --package: exit %d\n%s", r.code, r.stdout)
	}
	r = weft(t, dir, "nodes", "show", "test.cecho/add", "--package", cecho, "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"name": "a"`) || !strings.Contains(r.stdout, `"type": "integer"`) {
		t.Fatalf("nodes show --package: exit %d\n%s", r.code, r.stdout)
	}
	if r := weft(t, dir, "nodes", "show", "test.cecho/add"); r.code != 2 {
		t.Fatalf("without --package the type is unknown: exit %d", r.code)
	}
}
