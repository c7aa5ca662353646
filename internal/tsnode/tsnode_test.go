// tsnode_test.go: bundling, hostile imports, the declaration and the
// manifest it becomes.

package tsnode

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func greet(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/greet.ts")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuild(t *testing.T) {
	res, err := Build(context.Background(), Source{Name: "Greet", Version: "1.2.0", Description: "d", File: "node.ts", Code: greet(t)})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if m.ID != "ts.Greet" || m.Script != ScriptFile || len(m.Nodes) != 1 || m.Nodes[0].ID != "Greet" {
		t.Fatalf("manifest %+v", m)
	}
	n := m.Nodes[0]
	if len(n.Inputs) != 2 || n.Inputs[0].Name != "name" || !n.Inputs[0].Required || n.Inputs[1].Default != int64(1) {
		t.Fatalf("inputs %+v", n.Inputs)
	}
	if n.Description != "Greets someone" || m.Permissions.Timeout != "quick" || !m.Permissions.Variables || m.Permissions.Cache {
		t.Fatalf("manifest %+v %+v", n, m.Permissions)
	}
	for _, f := range []string{"manifest.toml", "node.js", "src/node.ts"} {
		if len(res.Files[f]) == 0 {
			t.Fatalf("no %s in %v", f, res.Files)
		}
	}
	if strings.Contains(res.Bundle, "interface") {
		t.Fatal("types not stripped")
	}
}

// TestHostileImports: nothing but "weft" resolves, whatever the path, and
// the error says where the import is.
func TestHostileImports(t *testing.T) {
	secret := t.TempDir() + "/secret.txt"
	if err := os.WriteFile(secret, []byte("TOPSECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, imp := range []string{
		`import x from "/etc/passwd";`,
		`import x from "` + secret + `";`,
		`import x from "` + secret + `" with { type: "text" };`,
		`import x from "../../../../../etc/passwd";`,
		`import x from "./helper";`,
		`import * as x from "node:fs";`,
		`import x from "fs";`,
		`import x from "./data.json";`,
		`import x from "data:text/javascript,export default 1";`,
		`import x from "weft/internal";`,
		`import x from "https://example.com/x.js";`,
		`const x = require("fs");`,
		`const x = async () => await import("/etc/passwd");`,
		`import "/etc/passwd";`,
		`export * from "/etc/hostname";`,
	} {
		t.Run(imp, func(t *testing.T) {
			// The run uses x: TypeScript drops an import whose bindings are
			// never used (or used as types only), as tsc does, and such an
			// import loads nothing.
			code := imp + "\nimport { node } from \"weft\";\nexport default node({inputs: {}, outputs: {}, run() { return {x: String(typeof x)}; }});\n"
			js, err := Bundle("node.ts", code)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("bundled (%d bytes, contains secret: %v), err %v", len(js), strings.Contains(js, "TOPSECRET"), err)
			}
			p := e.Problems[0]
			if p.File != "node.ts" || p.Line != 1 || p.Column < 1 || !strings.Contains(p.Msg, "not allowed") {
				t.Fatalf("problem %+v", p)
			}
		})
	}
}

func TestSourceProblems(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"syntax", "import { node } from \"weft\";\nexport default node({\n  run() { return {; }\n});\n", "node.ts:3:"},
		{"not a node", "export default 42;\n", "exports no node"},
		{"no default", "import { node } from \"weft\";\nexport const other = node({run() {}});\n", "default export"},
		{"node() refuses", "import { node } from \"weft\";\nexport default node({inputs: {}});\n", "run to be a function"},
		{"module throws", "throw new Error(\"boom\");\n", "boom"},
		{"module loops", "for (;;) {}\n", "timeout"},
		{"bad pin type", "import { node } from \"weft\";\nexport default node({inputs: {a: \"strng\"}, run() {}});\n", `inputs.a.type: expected one of string`},
		{"unknown permission", "import { node } from \"weft\";\nexport default node({permissions: {htp: {}}, run() {}});\n", `permissions.htp: unknown key (did you mean "http"?)`},
		{"bad tier", "import { node } from \"weft\";\nexport default node({permissions: {timeout: \"forever\"}, run() {}});\n", `permissions.timeout: expected one of extended, long_running, quick, standard`},
		{"bad pin name", "import { node } from \"weft\";\nexport default node({inputs: {\"a-b\": \"string\"}, run() {}});\n", `inputs.a-b.name:`},
		{"bad default", "import { node } from \"weft\";\nexport default node({inputs: {n: {type: \"integer\", default: \"x\"}}, run() {}});\n", `inputs.n.default:`},
		{"bad valid value", "import { node } from \"weft\";\nexport default node({inputs: {mode: {type: \"string\", valid_values: [\"a\", 1]}}, run() {}});\n", `inputs.mode.valid_values[1]: expected string, found integer 1`},
		{"default not valid", "import { node } from \"weft\";\nexport default node({inputs: {n: {type: \"integer\", valid_values: [1, 2], default: 3}}, run() {}});\n", `inputs.n.default: expected one of 1, 2, found integer 3`},
		{"bad path default", "import { node } from \"weft\";\nexport default node({inputs: {f: {type: \"path\", default: \"../x\"}}, run() {}});\n", `inputs.f.default: expected a relative storage path`},
		{"bad host", "import { node } from \"weft\";\nexport default node({permissions: {http: {allowed_hosts: [\"https://x.com/\"]}}, run() {}});\n", `permissions.http.allowed_hosts[0]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(context.Background(), Source{Name: "n", Version: "1.0.0", File: "node.ts", Code: tc.code})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestValidValues: a pin's valid_values reach the package's manifest, for
// inputs and outputs.
func TestValidValues(t *testing.T) {
	code := "import { node } from \"weft\";\nexport default node({\n" +
		"  inputs: {mode: {type: \"string\", valid_values: [\"fast\", \"slow\"], default: \"fast\"}},\n" +
		"  outputs: {level: {type: \"integer\", value_type: \"array\", valid_values: [1, 2]}},\n" +
		"  run() { return {level: [1]}; }\n});\n"
	res, err := Build(context.Background(), Source{Name: "n", Version: "1.0.0", File: "node.ts", Code: code})
	if err != nil {
		t.Fatal(err)
	}
	n := res.Manifest.Nodes[0]
	if got := n.Inputs[0].ValidValuesText(); got != `"fast", "slow"` {
		t.Errorf("input valid values %s", got)
	}
	if got := n.Outputs[0].ValidValuesText(); got != `1, 2` {
		t.Errorf("output valid values %s", got)
	}
	if !strings.Contains(string(res.Files["manifest.toml"]), `valid_values = ["fast", "slow"]`) {
		t.Errorf("manifest.toml:\n%s", res.Files["manifest.toml"])
	}
}

func TestBadMeta(t *testing.T) {
	for _, s := range []Source{{Name: "1x", Version: "1.0.0"}, {Name: "a b", Version: "1.0.0"}, {Name: "x", Version: "1"}} {
		s.Code = greet(t)
		if _, err := Build(context.Background(), s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", s, err)
		}
	}
}
