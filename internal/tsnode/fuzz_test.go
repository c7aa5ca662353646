// fuzz_test.go: the declaration reader and the bundler never panic; a
// declaration they accept always makes a manifest the manifest parser
// accepts, and nothing but the SDK is ever bundled in.
//
//	go test -run '^$' -fuzz FuzzDeclaration -fuzztime 30s ./internal/tsnode/
//	go test -run '^$' -fuzz FuzzBundle -fuzztime 30s ./internal/tsnode/

package tsnode

import (
	"errors"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/manifest"
)

func FuzzDeclaration(f *testing.F) {
	for _, s := range []string{
		`[{"export":"default","inputs":{"a":"string"},"outputs":{"b":{"type":"integer","value_type":"array"}},"permissions":{"timeout":"quick"}}]`,
		`[{"export":"default","inputs":{"n":{"type":"integer","default":9223372036854775807,"required":true}}}]`,
		`[{"export":"x","permissions":{"http":{"allowed_hosts":["a.example.com"],"allow_private":true},"oauth_scopes":[{"provider":"g","scopes":["s"]}]}}]`,
		`[{"export":"default","inputs":{"d":{"type":"struct","default":{"k":[1,2.5,"x",true]}}}}]`,
		`[{"export":"default","inputs":{"m":{"type":"string","valid_values":["a","b"],"default":"a"}},"outputs":{"p":{"type":"path","valid_values":["x/y"]}}}]`,
		`[]`, `{}`, `null`, `[{"export":"default","name":"\u0000"}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		data, err := manifestTOML("node.ts", Meta{Name: "n", Version: "1.0.0"}, raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("an error that is not ErrInvalid: %v", err)
			}
			return
		}
		if _, err := manifest.Parse("manifest.toml", data); err != nil {
			t.Fatalf("accepted, but the manifest does not parse: %v\n%s", err, data)
		}
	})
}

func FuzzBundle(f *testing.F) {
	for _, s := range []string{
		"import { node } from \"weft\";\nexport default node({run() { return {}; }});\n",
		"import x from \"/etc/passwd\";\nexport default x;\n",
		"export * from \"../x\";\n",
		"const x: number = 1 as any; export default x\n",
		"import(`/etc/${'passwd'}`)\n",
		"/* */ require('fs')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		js, err := Bundle("node.ts", code)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("an error without problems: %v", err)
			}
			return
		}
		if strings.Contains(js, "root:x:0:0") {
			t.Fatal("a file of the machine was bundled")
		}
	})
}
