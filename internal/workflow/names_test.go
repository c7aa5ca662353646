// Tests of the warnings about names no earlier node writes.

package workflow_test

import (
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/workflow"
)

func TestNameWarnings(t *testing.T) {
	cases := []struct {
		name, src string
		inputs    []string
		want      []string // each warning, in order; none when empty
	}{
		{"a typo of a default output key", `
type: Sequence
children:
  - {type: HttpRequest, id: fetch, props: {url: "http://x"}}
  - {type: PrintAction, id: show, props: {message: "{{ httpRespons.data }}"}}
`, nil, []string{`w.yaml:4:52: PrintAction "show": prop message reads "httpRespons", which no earlier node writes: unless the run's inputs give it (--input httpRespons=...), the node fails (did you mean "httpResponse"?)`}},
		{"read before it is written", `
type: Sequence
children:
  - {type: PrintAction, id: early, props: {message: "n is {{ n }}"}}
  - {type: SetVariable, props: {key: n, value: 1}}
  - {type: PrintAction, id: late, props: {message: "n is {{ n }}"}}
`, nil, []string{`w.yaml:3:53: PrintAction "early": prop message reads "n", which no earlier node writes`}},
		{"every kind of write is known", `
type: Sequence
children:
  - {type: SetVariable, props: {key: a, value: 1}}
  - {type: CounterAction}
  - {type: CounterAction, props: {counterKey: hits}}
  - {type: HttpRequest, props: {url: "http://x", outputKey: page}}
  - {type: HttpRequest, props: {url: "http://x", outputs: {status: code}}}
  - {type: JavaScriptInterpreter, props: {script: "result = 1"}}
  - {type: PythonInterpreter, props: {script: "result = 1", outputKey: py}}
  - {type: PrintAction, props: {message: hi, outputKey: said}}
  - {type: RegexExtract, props: {input: said, pattern: h, outputKey: found}}
  - type: Script
    props:
      textContent: |
        total = a + 1; label = "x"
        big = total > 3
  - type: ForEach
    props: {collectionKey: found, itemKey: item, indexKey: i}
    children:
      - {type: PrintAction, props: {message: "{{ item }} {{ i }}"}}
  - {type: PrintAction, props: {message: "{{ a }} {{ counter }} {{ hits }} {{ page }} {{ code }} {{ jsResult }} {{ py }} {{ total + big }} {{ label }} {{ item }}"}}
`, nil, nil},
		{"names only tested for are not read", `
type: PrintAction
props: {message: "{{ maybe ?? 'none' }} {{ other == null }}"}
`, nil, nil},
		{"a subtree's writes stay in its scope, except outputs", `
type: Sequence
children:
  - type: SubTree
    props: {outputs: {inner: kept, never: ghost}}
    children:
      - type: Sequence
        children:
          - {type: SetVariable, props: {key: inner, value: 1}}
          - {type: SetVariable, props: {key: local, value: 2}}
          - {type: PrintAction, props: {message: "{{ inner }} {{ local }}"}}
  - {type: PrintAction, id: after, props: {message: "{{ kept }} {{ local }} {{ ghost }}"}}
`, nil, []string{
			`w.yaml:11:53: PrintAction "after": prop message reads "local", which no earlier node writes`,
			`w.yaml:11:53: PrintAction "after": prop message reads "ghost", which no earlier node writes`}},
		{"a named tree is checked where it runs", `
type: Sequence
children:
  - {type: SetVariable, props: {key: user, value: ann}}
  - {type: SubTree, props: {treeId: greet}}
---
type: PrintAction
id: greet
props: {message: "hello {{ user }} {{ usr }}"}
`, nil, []string{`w.yaml:8:18: PrintAction "greet": prop message reads "usr", which no earlier node writes: unless the run's inputs give it (--input usr=...), the node fails (did you mean "user"?)`}},
		{"a key read", `
type: ForEach
props: {collectionKey: items, itemKey: it}
children: [{type: SuccessNode}]
`, nil, []string{`w.yaml:2:24: ForEach "foreach-1": prop collectionKey names "items", which no earlier node writes`}},
		{"a key written with a template stops the check", `
type: Sequence
children:
  - {type: SetVariable, props: {key: k, value: dyn}}
  - {type: SetVariable, props: {key: "{{ k }}", value: 1}}
  - {type: PrintAction, props: {message: "{{ dyn }}"}}
`, nil, nil},
		{"a custom node writes its id and may write anything", `
type: Sequence
children:
  - {type: Custom, id: calc}
  - {type: PrintAction, props: {message: "{{ calc.sum }} {{ anything }}"}}
`, nil, nil},
		{"names the inputs give", `
type: PrintAction
id: p
props: {message: "{{ orderId }} {{ ordreId }}"}
`, []string{"orderId"}, []string{`w.yaml:3:18: PrintAction "p": prop message reads "ordreId", which no earlier node writes: unless the run's inputs give it (--input ordreId=...), the node fails (did you mean "orderId"?)`}},
		{"a tree never run", `
type: SuccessNode
---
{type: SuccessNode, id: spare}
`, nil, []string{`w.yaml:3:1: tree "spare" is never run: no SubTree of the workflow names it in treeId`}},
		{"a loop's condition reads what its body writes", `
type: While
children:
  - {type: CheckCondition, props: {key: done, value: false}}
  - {type: SetVariable, props: {key: done, value: "{{ step > 3 }}"}}
`, nil, []string{`w.yaml:4:51: SetVariable "setvariable-3": prop value reads "step", which no earlier node writes`}},
	}
	reg := registry()
	reg.MustRegister(&bt.Spec{Name: "Custom", Kind: bt.Leaf, Summary: "a custom node",
		Props: []bt.PropSpec{{Name: "outputKey", Type: bt.TypeKey}},
		Extra: func(string) *bt.PropSpec { return nil },
		New:   func(*bt.Config) (bt.Behavior, error) { return nopBehavior{}, nil }})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wf, err := workflow.Load("w.yaml", []byte(strings.TrimPrefix(c.src, "\n")), workflow.Options{Registry: reg})
			if err != nil {
				t.Fatalf("a workflow with warnings only must load: %v", err)
			}
			var got []string
			for _, w := range wf.Lint(c.inputs) {
				got = append(got, w.String())
			}
			if len(got) != len(c.want) {
				t.Fatalf("warnings:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(c.want), strings.Join(c.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("warning %d:\n%s\nwant it to start with\n%s", i, got[i], c.want[i])
				}
			}
		})
	}
}
