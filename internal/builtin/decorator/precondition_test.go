package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestPrecondition(t *testing.T) {
	five := map[string]any{"count": int64(5)}
	runCases(t, []runCase{
		{name: "true template runs the child", src: `
type: Precondition
id: p
props: {if: "{{ count > 3 }}"}
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, inputs: five, want: bt.Success, finishes: []string{"c:success", "p:success"}},
		{name: "false template fails without ticking the child", src: `
type: Precondition
id: p
props: {if: "{{ count > 10 }}"}
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, inputs: five, want: bt.Failure, finishes: []string{"p:failure"}, ticks: map[string]int{"c": 0},
			errNode: "p", errHas: `precondition "{{ count > 10 }}" is false (value: false)`},
		{name: "child status passes through", src: `
type: Precondition
id: p
props: {if: "{{ count > 3 }}"}
children: [{type: TestSteps, id: c, props: {steps: "R,F"}}]
`, inputs: five, want: bt.Failure, finishes: []string{"c:failure", "p:failure"}, errNode: "c", ticks: map[string]int{"c": 2}},
		{name: "evaluated when the node starts, not while the child runs", src: `
type: Precondition
id: p
props: {if: "{{ count < 4 }}"}
children:
  - type: Sequence
    children:
      - {type: TestCount}
      - {type: TestSteps, id: c, props: {steps: "R,R,S"}}
`, inputs: map[string]any{"count": int64(3)}, want: bt.Success, bb: map[string]any{"count": int64(4)},
			ticks: map[string]int{"c": 3}},
		{name: "evaluated again at the next start", src: `
type: Repeat
props: {numCycles: 3}
children:
  - type: Precondition
    id: p
    props: {if: "{{ count < 2 }}"}
    children: [{type: TestCount, id: c}]
`, inputs: map[string]any{"count": int64(0)}, want: bt.Failure, bb: map[string]any{"count": int64(2)},
			counts: map[string]int{"p:success": 2, "p:failure": 1}, errHas: `precondition "{{ count < 2 }}" is false`},
		{name: "literal false", src: `
type: Precondition
id: p
props: {if: false}
children: [{type: TestCount, id: c}]
`, want: bt.Failure, absent: []string{"count"}, errHas: `precondition false is false (value: false)`},
		{name: "literal true", src: `
type: Precondition
props: {if: true}
children: [{type: TestCount, id: c}]
`, want: bt.Success, bb: map[string]any{"count": int64(1)}},
		{name: "falsy values", src: `
type: Precondition
id: p
props: {if: "{{ name }}"}
children: [{type: TestCount, id: c}]
`, inputs: map[string]any{"name": ""}, want: bt.Failure, absent: []string{"count"}, errHas: `(value: "")`},
		{name: "truthy non-boolean value", src: `
type: Precondition
props: {if: "{{ items }}"}
children: [{type: TestCount, id: c}]
`, inputs: map[string]any{"items": []any{int64(1)}}, want: bt.Success, bb: map[string]any{"count": int64(1)}},
		{name: "evaluation error fails without ticking the child", src: `
type: Precondition
id: p
props: {if: "{{ missing > 1 }}"}
children: [{type: TestCount, id: c}]
`, want: bt.Failure, finishes: []string{"p:failure"}, absent: []string{"count"}, errNode: "p",
			errHas: `"missing" is not on the blackboard`},
		{name: "without if it is a pass-through", src: `
type: Precondition
id: p
children: [{type: TestSteps, id: c, props: {steps: "R,S"}}]
`, want: bt.Success, finishes: []string{"c:success", "p:success"}, ticks: map[string]int{"c": 2}},
	})
}
