// Pins end to end: valid_values in a package's manifest, checked in literal
// props when a workflow is validated and in values at run time (inputs
// before the call, outputs after it); path pins taking only canonical
// relative storage paths; and `weft nodes show` printing the manifest's
// types, valid values and scores. The node is the real C echo module of
// internal/wasmhost's fixtures, under manifests written here.

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pinsManifest declares cecho's echo node with valid values, path pins and
// scores. Input s takes "medium", output s does not: the echo then returns
// a value its output pin refuses. Input q is a plain string and output q a
// path, to get a bad path back from the guest.
const pinsManifest = `manifest_version = 1
id = "test.pins"
name = "Pins"
version = "1.0.0"
wasm = "echo.wasm"

[[nodes]]
id = "echo"
name = "Echo"
description = "Each input comes back."

[nodes.scores]
privacy = 9
security = 8
performance = 7
governance = 6
reliability = 5
cost = 4

[[nodes.inputs]]
name = "s"
type = "string"
valid_values = ["fast", "slow", "medium"]
default = "fast"
description = "How fast"

[[nodes.inputs]]
name = "i"
type = "integer"
value_type = "array"
valid_values = [1, 2, 3]

[[nodes.inputs]]
name = "p"
type = "path"

[[nodes.inputs]]
name = "q"
type = "string"

[[nodes.inputs]]
name = "ss"
type = "string"
value_type = "array"
required = true

[[nodes.outputs]]
name = "s"
type = "string"
valid_values = ["fast", "slow"]

[[nodes.outputs]]
name = "i"
type = "integer"
value_type = "array"

[[nodes.outputs]]
name = "p"
type = "path"

[[nodes.outputs]]
name = "q"
type = "path"

[[nodes.outputs]]
name = "ss"
type = "string"
value_type = "array"
`

// pinsPackage writes the package folder: the manifest beside a copy of
// cecho's module.
func pinsPackage(t *testing.T, manifest string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(filepath.Join(cecho, "echo.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "echo.wasm", string(wasm))
	writeFile(t, dir, "manifest.toml", manifest)
	return dir
}

// TestPinsValidateLiterals: a literal not in valid_values, or a path that
// is not a canonical relative storage path, is bad input at validate,
// naming the file, line, node, prop, the value and what was allowed.
func TestPinsValidateLiterals(t *testing.T) {
	pkg := pinsPackage(t, pinsManifest)
	dir := t.TempDir()
	tests := []struct {
		props string
		want  string // "" for valid
	}{
		{`{s: slow, p: out/r.csv, ss: [a], i: [1, 3]}`, ""},
		{`{s: turbo, ss: [a]}`, `w.yaml:4:16: test.pins/echo "n": prop s: expected one of "fast", "slow", "medium", found string "turbo"`},
		{`{i: [1, 4], ss: [a]}`, `w.yaml:4:16: test.pins/echo "n": prop i: element [1]: expected one of 1, 2, 3, found integer 4`},
		{`{p: /etc/passwd, ss: [a]}`, `w.yaml:4:16: test.pins/echo "n": prop p: expected a relative storage path like "dir/file.txt", found string "/etc/passwd" (absolute`},
		{`{p: ../x, ss: [a]}`, `prop p: expected a relative storage path like "dir/file.txt", found string "../x" (a ".." element; paths cannot go up)`},
		{`{p: "a//b", ss: [a]}`, `prop p: expected a relative storage path like "dir/file.txt", found string "a//b" (an empty element`},
		{`{p: "dir/", ss: [a]}`, `found string "dir/" (a trailing "/")`},
		{`{p: "./x", ss: [a]}`, `found string "./x" (a "." element)`},
		{`{p: 'a\b', ss: [a]}`, `found string "a\\b" (a backslash`},
	}
	for _, tt := range tests {
		f := writeFile(t, dir, "w.yaml", "type: Sequence\nchildren:\n  - type: test.pins/echo\n    props: "+tt.props+"\n    id: n\n")
		r := weft(t, dir, "validate", f, "--package", pkg)
		switch {
		case tt.want == "" && r.code != 0:
			t.Errorf("%s: exit %d: %s", tt.props, r.code, r.stderr)
		case tt.want != "" && (r.code != 2 || !strings.Contains(r.stderr, tt.want)):
			t.Errorf("%s: exit %d, stderr:\n%s\nwant %q", tt.props, r.code, r.stderr, tt.want)
		}
	}
}

// TestPinsRunTime: templated values are checked before the call (the
// error names the input pin: the guest, which would echo the value back
// to an output pin that refuses it, never saw it), and outputs after it.
func TestPinsRunTime(t *testing.T) {
	pkg := pinsPackage(t, pinsManifest)
	dir := t.TempDir()
	f := writeFile(t, dir, "w.yaml", `
type: test.pins/echo
id: e
props:
  s: "{{ mode }}"
  p: "{{ file }}"
  q: "{{ back }}"
  ss: [a]
`)
	tests := []struct {
		mode, file, back string
		want             string // "" for success
	}{
		{"slow", "a/b.txt", "c", ""},
		{"turbo", "a/b.txt", "c", `package test.pins@1.0.0 node echo: input pin s: expected one of "fast", "slow", "medium", found string "turbo"`},
		{"slow", "/etc/passwd", "c", `node echo: input pin p: expected a relative storage path like "dir/file.txt", found string "/etc/passwd" (absolute`},
		{"slow", "../x", "c", `node echo: input pin p: expected a relative storage path like "dir/file.txt", found string "../x" (a ".." element`},
		{"medium", "a/b.txt", "c", `node echo: output pin s: expected one of "fast", "slow", found string "medium"`},
		{"slow", "a/b.txt", "../../etc", `node echo: output pin q: expected a relative storage path like "dir/file.txt", found string "../../etc" (a ".." element`},
	}
	for _, tt := range tests {
		r := weft(t, dir, "run", f, "--package", pkg, "--input", "mode="+tt.mode, "--input", "file="+tt.file,
			"--input", "back="+tt.back, "--output", "json")
		out := parseRun(t, r)
		switch {
		case tt.want == "" && out.Status != "success":
			t.Errorf("%s %s %s: %s %v: %s", tt.mode, tt.file, tt.back, out.Status, out.Error, r.stderr)
		case tt.want != "" && (out.Status != "failure" || out.Error == nil || !strings.Contains(*out.Error, tt.want)):
			t.Errorf("%s %s %s: %s %v, want %q", tt.mode, tt.file, tt.back, out.Status, out.Error, tt.want)
		case tt.want != "" && out.Blackboard["e"] != nil:
			t.Errorf("%s %s %s: outputs stored: %v", tt.mode, tt.file, tt.back, out.Blackboard["e"])
		}
	}
}

// TestPinsBadManifest: valid_values of the wrong type, and a path default
// that leaves storage, are refused when the package is read, at the line.
func TestPinsBadManifest(t *testing.T) {
	bad := strings.Replace(pinsManifest, `valid_values = [1, 2, 3]`, `valid_values = [1, "two"]`, 1)
	bad = strings.Replace(bad, "name = \"p\"\ntype = \"path\"\n", "name = \"p\"\ntype = \"path\"\ndefault = \"/etc/passwd\"\n", 1)
	pkg := pinsPackage(t, bad)
	dir := t.TempDir()
	f := writeFile(t, dir, "w.yaml", "type: SuccessNode\n")
	r := weft(t, dir, "validate", f, "--package", pkg)
	for _, want := range []string{
		`manifest.toml:31:20: nodes[0].inputs[1].valid_values[1]: expected integer, found string "two"`,
		`manifest.toml:36:11: nodes[0].inputs[2].default: expected a relative storage path like "dir/file.txt", found string "/etc/passwd" (absolute`,
	} {
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("exit %d, stderr lacks %q:\n%s", r.code, want, r.stderr)
		}
	}
}

// TestPinsNodesShow: `weft nodes show` prints the manifest's pin types
// (not "any"), defaults, required pins, valid values, outputs and scores,
// in text and JSON, for a --package and for an installed package.
func TestPinsNodesShow(t *testing.T) {
	pkg := pinsPackage(t, pinsManifest)
	home := t.TempDir()
	r := weft(t, home, "nodes", "show", "test.pins/echo", "--package", pkg)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		`  s                    input pin: string, default "fast", one of "fast", "slow", "medium"` + "\n" +
			`                       How fast`,
		`  i                    input pin: array of integer, one of 1, 2, 3`,
		`  p                    input pin: path` + "\n",
		`  ss                   input pin: array of string, required`,
		"Outputs:\n  s                    string, one of \"fast\", \"slow\"\n",
		`  q                    path`,
		`Scores (0 to 10): privacy 9, security 8, performance 7, governance 6, reliability 5, cost 4`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "any") {
		t.Errorf("a pin is still shown as any:\n%s", r.stdout)
	}

	r = weft(t, home, "nodes", "show", "test.pins/echo", "--package", pkg, "--output", "json")
	var doc struct {
		Props []struct {
			Name, Type  string
			Required    bool
			Default     any
			ValidValues []any `json:"valid_values"`
		}
		Outputs []struct {
			Name, Type  string
			ValidValues []any `json:"valid_values"`
		}
		Scores map[string]int
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	props, _ := json.Marshal(doc.Props[:5])
	if want := `[{"Name":"s","Type":"string","Required":false,"Default":"fast","valid_values":["fast","slow","medium"]},` +
		`{"Name":"i","Type":"array of integer","Required":false,"Default":null,"valid_values":[1,2,3]},` +
		`{"Name":"p","Type":"path","Required":false,"Default":null,"valid_values":null},` +
		`{"Name":"q","Type":"string","Required":false,"Default":null,"valid_values":null},` +
		`{"Name":"ss","Type":"array of string","Required":true,"Default":null,"valid_values":null}]`; string(props) != want {
		t.Errorf("props\n%s\nwant\n%s", props, want)
	}
	outs, _ := json.Marshal(doc.Outputs)
	if want := `[{"Name":"s","Type":"string","valid_values":["fast","slow"]},{"Name":"i","Type":"array of integer","valid_values":null},` +
		`{"Name":"p","Type":"path","valid_values":null},{"Name":"q","Type":"path","valid_values":null},{"Name":"ss","Type":"array of string","valid_values":null}]`; string(outs) != want {
		t.Errorf("outputs\n%s\nwant\n%s", outs, want)
	}
	if doc.Scores["privacy"] != 9 || doc.Scores["cost"] != 4 || len(doc.Scores) != 6 {
		t.Errorf("scores %v", doc.Scores)
	}

	// Installed, without --package.
	if r := weft(t, home, "pkg", "install", pkg, "--yes"); r.code != 0 {
		t.Fatalf("install: exit %d: %s", r.code, r.stderr)
	}
	r = weft(t, home, "nodes", "show", "test.pins/echo")
	if r.code != 0 || !strings.Contains(r.stdout, `input pin: string, default "fast", one of "fast", "slow", "medium"`) ||
		!strings.Contains(r.stdout, "Scores (0 to 10): privacy 9") {
		t.Errorf("installed: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r := weft(t, home, "nodes", "show", "test.pins/nope"); r.code != 2 || !strings.Contains(r.stderr, `unknown node type "test.pins/nope"`) {
		t.Errorf("unknown node: exit %d: %s", r.code, r.stderr)
	}
}
