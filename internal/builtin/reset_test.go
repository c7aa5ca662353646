// Every built-in node type can be reset for a new run, so that a tree of
// built-in nodes is reused between runs (see bt.Pool).

package builtin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
)

// requiredProps are props that make a valid node of each type that has
// required props.
var requiredProps = map[string]string{
	"CheckCondition":        `{key: k}`,
	"Delay":                 `{delayMs: 0}`,
	"ForEach":               `{collectionKey: c, itemKey: i}`,
	"HttpRequest":           `{url: "http://127.0.0.1:1/"}`,
	"JavaScriptInterpreter": `{script: "result = 1"}`,
	"LogMessage":            `{message: m}`,
	"PythonInterpreter":     `{script: "result = 1"}`,
	"RegexExtract":          `{input: s, pattern: "a+", outputKey: o}`,
	"Repeat":                `{numCycles: 1}`,
	"Script":                `{textContent: "x = 1"}`,
	"SetVariable":           `{key: k, value: 1}`,
	"Timeout":               `{timeoutMs: 1000}`,
}

// A node type added without a Reset (or a Stateless marker) would make
// every workflow that uses it build its tree on every run: this test names
// it.
func TestEveryBuiltinIsResettable(t *testing.T) {
	for _, s := range builtin.Registry().Specs() {
		t.Run(s.Name, func(t *testing.T) {
			var src strings.Builder
			fmt.Fprintf(&src, "type: %s\n", s.Name)
			for _, p := range s.Props {
				if p.Required {
					props, ok := requiredProps[s.Name]
					if !ok {
						t.Fatalf("%s has required props: add them to requiredProps", s.Name)
					}
					fmt.Fprintf(&src, "props: %s\n", props)
					break
				}
			}
			if s.Kind != bt.Leaf {
				// At least one child: a SubTree may instead name a tree
				// (treeId), which the loader links as its child.
				src.WriteString("children:\n")
				for range max(s.Children.Min, 1) {
					src.WriteString("  - {type: SuccessNode}\n")
				}
			}
			tr := bttest.Load(t, builtin.Registry(), src.String())
			if !tr.Resettable() {
				t.Fatalf("a tree of %s is not resettable: its behavior implements neither bt.Resetter nor bt.Stateless", s.Name)
			}
		})
	}
}
