package nodedoc_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/nodedoc"
)

// TestDocsUpToDate fails when docs/nodes.md differs from what the specs
// generate: run `go generate ./internal/nodedoc/...` after changing a spec.
func TestDocsUpToDate(t *testing.T) {
	want := nodedoc.Markdown(builtin.Specs())
	got, err := os.ReadFile("../../docs/nodes.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/nodes.md is stale: run `go generate ./internal/nodedoc/...`")
	}
}

// TestEveryNodeDocumented checks that every built-in node and prop says
// what it does.
func TestEveryNodeDocumented(t *testing.T) {
	for _, s := range builtin.Specs() {
		if s.Summary == "" {
			t.Errorf("%s has no summary", s.Name)
		}
		for _, p := range s.Props {
			if p.Description == "" {
				t.Errorf("%s.%s has no description", s.Name, p.Name)
			}
		}
	}
}

// TestCustomNode: a spec carrying its manifest node (as customnode.Spec
// makes it) shows the pins' manifest types, valid values, outputs and
// scores, not the props' engine type "any".
func TestCustomNode(t *testing.T) {
	m, err := manifest.Parse("manifest.toml", []byte(`manifest_version = 1
id = "com.example.x"
name = "X"
version = "1.0.0"
[[nodes]]
id = "n"
name = "N"
[nodes.scores]
privacy = 1
cost = 10
[[nodes.inputs]]
name = "mode"
type = "string"
valid_values = ["a", "b"]
description = "Mode"
[[nodes.inputs]]
name = "xs"
type = "integer"
value_type = "set"
[[nodes.outputs]]
name = "out"
type = "path"
valid_values = ["x/y"]
`))
	if err != nil {
		t.Fatal(err)
	}
	n := &m.Nodes[0]
	s := &bt.Spec{Name: "com.example.x/n", Kind: bt.Leaf, Category: "custom", Summary: "N", Doc: n,
		Props: []bt.PropSpec{{Name: "mode", Type: bt.TypeAny, Description: "Mode (string)"}, {Name: "xs", Type: bt.TypeAny},
			{Name: "timeout", Type: bt.TypeDuration}}}
	text := nodedoc.Text(s)
	for _, want := range []string{
		"  mode                 input pin: string, one of \"a\", \"b\"\n                       Mode\n",
		"  xs                   input pin: set of integer\n",
		"  timeout              duration\n",
		"Outputs:\n  out                  path, one of \"x/y\"\n",
		"Scores (0 to 10): privacy 1, security 0, performance 0, governance 0, reliability 0, cost 10\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	data, _ := json.Marshal(nodedoc.JSON(s))
	for _, want := range []string{
		`{"name":"mode","type":"string","required":false,"valid_values":["a","b"],"description":"Mode"}`,
		`{"name":"xs","type":"set of integer","required":false}`,
		`"outputs":[{"name":"out","type":"path","valid_values":["x/y"]}]`,
		`"scores":{"privacy":1,"security":0,"performance":0,"governance":0,"reliability":0,"cost":10}`,
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("JSON lacks %s:\n%s", want, data)
		}
	}
	// A built-in has neither.
	if data, _ := json.Marshal(nodedoc.JSON(&bt.Spec{Name: "X"})); bytes.Contains(data, []byte("outputs")) || bytes.Contains(data, []byte("scores")) {
		t.Errorf("built-in JSON %s", data)
	}
}
