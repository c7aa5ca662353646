package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestSubTree(t *testing.T) {
	runCases(t, []runCase{
		{name: "reads fall through, writes stay local except outputs", src: `
type: SubTree
id: st
props: {outputs: {inner: result}}
children:
  - type: Sequence
    children:
      - {type: TestWrite, props: {key: inner, value: "{{ x + 1 }}"}}
      - {type: TestWrite, props: {key: tmp, value: 5}}
`, inputs: map[string]any{"x": int64(1)}, want: bt.Success,
			bb: map[string]any{"result": int64(2), "x": int64(1)}, absent: []string{"inner", "tmp"}},
		{name: "outputs are copied on failure too", src: `
type: SubTree
id: st
props: {outputs: {inner: out}}
children:
  - type: Sequence
    children:
      - {type: TestWrite, props: {key: inner, value: 1}}
      - {type: FailureNode, id: boom}
`, want: bt.Failure, bb: map[string]any{"out": int64(1)}, errHas: `node "boom"`},
		{name: "names the subtree did not write are skipped", src: `
type: SubTree
id: st
props: {outputs: {missing: out, p: q}}
children:
  - {type: SuccessNode}
`, inputs: map[string]any{"out": "keep", "p": int64(1)}, want: bt.Success,
			bb: map[string]any{"out": "keep"}, absent: []string{"q"}},
		{name: "a write shadows the parent's value inside only", src: `
type: Sequence
children:
  - type: SubTree
    children:
      - type: Sequence
        children:
          - {type: TestWrite, props: {key: x, value: 2}}
          - {type: TestWrite, props: {key: seenInside, value: "{{ x }}"}}
  - {type: TestWrite, props: {key: seenOutside, value: "{{ x }}"}}
`, inputs: map[string]any{"x": int64(1)}, want: bt.Success,
			bb: map[string]any{"x": int64(1), "seenOutside": int64(1)}, absent: []string{"seenInside"}},
		{name: "the scope lasts while the child runs", src: `
type: SubTree
id: st
props: {outputs: {v: w}}
children:
  - type: Sequence
    children:
      - {type: TestWrite, props: {key: v, value: 1}}
      - {type: TestSteps, id: wait, props: {steps: "R,R,S"}}
`, want: bt.Success, bb: map[string]any{"w": int64(1)}, ticks: map[string]int{"wait": 3}},
		{name: "every run starts with a fresh scope", src: `
type: While
children:
  - {type: TestSteps, props: {steps: "S,S,F"}}
  - type: SubTree
    props: {outputs: {list: out}}
    children:
      - {type: TestAppend, props: {key: list, value: x}}
`, want: bt.Success, bb: map[string]any{"out": []any{"x"}}, absent: []string{"list"}},
		{name: "a halted subtree restarts with a fresh scope", src: `
type: TestHaltOnce
props: {atTick: 2}
children:
  - type: SubTree
    id: st
    props: {outputs: {list: out}}
    children:
      - type: Sequence
        children:
          - {type: TestAppend, props: {key: list, value: x}}
          - {type: TestSteps, props: {steps: "R,S"}}
`, want: bt.Success, bb: map[string]any{"out": []any{"x"}}, counts: map[string]int{"st:halted": 1}},
		{name: "nothing is copied when halted", src: `
type: ReactiveSequence
children:
  - {type: TestSteps, props: {steps: "S,F"}}
  - type: SubTree
    id: st
    props: {outputs: {v: w}}
    children:
      - type: Sequence
        children:
          - {type: TestWrite, props: {key: v, value: 1}}
          - {type: RunningNode, id: r}
`, want: bt.Failure, absent: []string{"w", "v"}, counts: map[string]int{"r:halted": 1, "st:halted": 1}},
		{name: "a Parallel inside writes to the subtree scope", src: `
type: SubTree
props: {outputs: {a: a2, b: b2}}
children:
  - type: Parallel
    children:
      - {type: TestWrite, props: {key: a, value: 1}}
      - {type: TestWrite, props: {key: b, value: 2}}
`, want: bt.Success, bb: map[string]any{"a2": int64(1), "b2": int64(2)}, absent: []string{"a", "b"}},
	})
	runLoadErrCases(t, []loadErrCase{
		{"outputs value not a string", "type: SubTree\nprops: {outputs: {a: 1}}\nchildren: [{type: SuccessNode}]\n",
			`prop outputs: "a": expected a parent blackboard name (a non-empty string), found integer 1`},
		{"outputs with a template", "type: SubTree\nprops: {outputs: {a: \"{{ x }}\"}}\nchildren: [{type: SuccessNode}]\n",
			"prop outputs: expected a map of inner names to parent names, without templates"},
		{"outputs not a map", "type: SubTree\nprops: {outputs: [a]}\nchildren: [{type: SuccessNode}]\n",
			"prop outputs"},
		{"treeId", "type: SubTree\nprops: {treeId: other}\nchildren: [{type: SuccessNode}]\n",
			`SubTree has no prop "treeId"`},
		{"no child", "type: SubTree\n", "SubTree takes exactly 1 child (subtree), found 0"},
	})
}
