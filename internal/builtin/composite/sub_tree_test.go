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
		// treeId: the tree of another document of the file, as btree's
		// SubTree runs a tree of its registry, in a scope of its own.
		{name: "treeId runs the named tree in its own scope", src: `
type: Sequence
id: main
children:
  - type: SubTree
    id: call
    props: {treeId: double, outputs: {doubled: result}}
  - {type: TestWrite, props: {key: after, value: "{{ result }}"}}
---
type: Sequence
id: double
children:
  - {type: TestWrite, props: {key: doubled, value: "{{ x * 2 }}"}}
  - {type: TestWrite, props: {key: tmp, value: 1}}
`, inputs: map[string]any{"x": int64(21)}, want: bt.Success,
			bb: map[string]any{"result": int64(42), "after": int64(42)}, absent: []string{"doubled", "tmp"}},
		{name: "a tree run twice gets a fresh scope each time", src: `
type: Sequence
children:
  - {type: SubTree, props: {treeId: add, outputs: {list: first}}}
  - {type: SubTree, props: {treeId: add, outputs: {list: second}}}
---
type: TestAppend
id: add
props: {key: list, value: x}
`, want: bt.Success, bb: map[string]any{"first": []any{"x"}, "second": []any{"x"}}, absent: []string{"list"}},
		{name: "trees run trees", src: `
type: SubTree
props: {treeId: outer, outputs: {v: v}}
---
type: SubTree
id: outer
props: {treeId: inner, outputs: {w: v}}
---
type: Sequence
id: inner
children:
  - {type: TestWrite, props: {key: w, value: deep}}
  - {type: TestSteps, id: wait, props: {steps: "R,S"}}
`, want: bt.Success, bb: map[string]any{"v": "deep"}, absent: []string{"w"}, ticks: map[string]int{"wait": 2}},
		{name: "a named tree's failure is the SubTree's", src: `
type: SubTree
props: {treeId: boom}
---
{type: FailureNode, id: boom}
`, want: bt.Failure, errHas: `node "boom"`},
	})
	runLoadErrCases(t, []loadErrCase{
		{"outputs value not a string", "type: SubTree\nprops: {outputs: {a: 1}}\nchildren: [{type: SuccessNode}]\n",
			`prop outputs: "a": expected a parent blackboard name (a non-empty string), found integer 1`},
		{"outputs with a template", "type: SubTree\nprops: {outputs: {a: \"{{ x }}\"}}\nchildren: [{type: SuccessNode}]\n",
			"prop outputs: expected a map of inner names to parent names, without templates"},
		{"outputs not a map", "type: SubTree\nprops: {outputs: [a]}\nchildren: [{type: SuccessNode}]\n",
			"prop outputs"},
		{"treeId and a child", "type: SubTree\nprops: {treeId: other}\nchildren: [{type: SuccessNode}]\n---\n{type: SuccessNode, id: other}\n",
			`test.yaml:2:17: SubTree "subtree-1": takes either treeId or one child under children, not both`},
		{"no child", "type: SubTree\n", `SubTree "subtree-1": takes one child under children, or a treeId naming another tree of the file; found neither`},
		{"two children", "type: SubTree\nchildren: [{type: SuccessNode}, {type: SuccessNode}]\n", "SubTree takes 0 to 1 children (subtree), found 2"},
		{"unknown treeId", "type: SubTree\nid: call\nprops: {treeId: valdiate}\n---\n{type: SuccessNode, id: validate}\n---\n{type: SuccessNode, id: other}\n",
			`test.yaml:3:17: SubTree "call": treeId "valdiate": no tree of this file has that id (its trees: "validate", "other") (did you mean "validate"?)`},
		{"unknown treeId, no other tree", "type: SubTree\nid: call\nprops: {treeId: x}\n",
			`treeId "x": no tree of this file has that id (it has no other documents: write the tree after ` + "`---`" + `, with ` + "`id: ID`" + ` on its root node)`},
		{"templated treeId", "type: SubTree\nid: call\nprops: {treeId: \"{{ name }}\"}\n",
			`SubTree "call": prop treeId: expected the id of a tree of this file, written out without templates, found {{ name }}`},
		{"a tree runs itself", "type: SubTree\nid: main\nprops: {treeId: a}\n---\ntype: Sequence\nid: a\nchildren:\n  - {type: SubTree, id: again, props: {treeId: a}}\n",
			`test.yaml:8:48: SubTree "again": treeId "a" is the tree this SubTree is in: a tree must not run itself`},
		{"a cycle through trees", "type: SubTree\nid: main\nprops: {treeId: a}\n---\n{type: SubTree, id: a, props: {treeId: b}}\n---\n{type: SubTree, id: b, props: {treeId: a}}\n",
			`test.yaml:7:40: SubTree "b": treeId "a" makes a cycle of trees ("a" -> "b" -> "a"): a tree must not run itself, directly or through other trees`},
		{"the workflow runs itself", "type: Sequence\nid: main\nchildren:\n  - {type: SubTree, id: loop, props: {treeId: main}}\n",
			`SubTree "loop": treeId "main" is the tree this SubTree is in`},
		{"a later tree without an id", "type: SubTree\nprops: {treeId: a}\n---\n{type: SuccessNode}\n",
			"test.yaml:4:1: the tree of document 2 has no id"},
		{"a syntax error in a later document", "type: SubTree\nprops: {treeId: a}\n---\n{type: SuccessNode, id: a\n",
			"invalid YAML: did not find expected ',' or '}'"},
		{"an unknown type in a later document", "type: SubTree\nprops: {treeId: a}\n---\n{type: SucessNode, id: a}\n",
			`test.yaml:4:8: unknown node type "SucessNode" (did you mean "SuccessNode"?)`},
	})
}
