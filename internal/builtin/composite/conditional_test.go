package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestConditional(t *testing.T) {
	runCases(t, []runCase{
		{name: "condition succeeds: then", src: `
type: Conditional
id: c
children:
  - {type: SuccessNode, id: cond}
  - {type: SuccessNode, id: then}
  - {type: FailureNode, id: else}
`, want: bt.Success, finishes: []string{"cond:success", "then:success", "c:success"}},
		{name: "condition fails: else", src: `
type: Conditional
id: c
children:
  - {type: FailureNode, id: cond}
  - {type: FailureNode, id: then}
  - {type: SuccessNode, id: else}
`, want: bt.Success, finishes: []string{"cond:failure", "else:success", "c:success"}},
		{name: "condition fails without else: failure", src: `
type: Conditional
id: c
children:
  - {type: FailureNode, id: cond}
  - {type: SuccessNode, id: then}
`, want: bt.Failure, finishes: []string{"cond:failure", "c:failure"}},
		{name: "result is the branch's result", src: `
type: Conditional
id: c
children:
  - {type: SuccessNode, id: cond}
  - {type: FailureNode, id: then}
  - {type: SuccessNode, id: else}
`, want: bt.Failure, finishes: []string{"cond:success", "then:failure", "c:failure"}, errHas: `node "then"`},
		{name: "running condition is ticked again", src: `
type: Conditional
id: c
children:
  - {type: TestSteps, id: cond, props: {steps: "R,R,S"}}
  - {type: TestSteps, id: then, props: {steps: "S"}}
`, want: bt.Success, finishes: []string{"cond:success", "then:success", "c:success"},
			ticks: map[string]int{"cond": 3, "then": 1}},
		{name: "chosen branch is ticked until done without re-checking", src: `
type: Conditional
id: c
children:
  - {type: TestSteps, id: cond, props: {steps: "S,F"}}
  - {type: TestSteps, id: then, props: {steps: "R,R,S"}}
  - {type: SuccessNode, id: else}
`, want: bt.Success, finishes: []string{"cond:success", "then:success", "c:success"},
			ticks: map[string]int{"cond": 1, "then": 3}},
		{name: "halt forgets the chosen branch", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: Conditional
    id: c
    children:
      - {type: TestSteps, id: cond, props: {steps: "S,F"}}
      - {type: TestSteps, id: then, props: {steps: "R,S"}}
      - {type: SuccessNode, id: else}
`, want: bt.Success,
			finishes: []string{"cond:success", "then:halted", "c:halted", "cond:failure", "else:success", "c:success", "h:success"}},
	})
	runLoadErrCases(t, []loadErrCase{
		{"one child", "type: Conditional\nchildren: [{type: SuccessNode}]\n",
			"Conditional takes 2 to 3 children (condition, then, else (optional)), found 1"},
		{"four children", "type: Conditional\nchildren: [{type: SuccessNode}, {type: SuccessNode}, {type: SuccessNode}, {type: SuccessNode}]\n",
			"Conditional takes 2 to 3 children"},
	})
}
