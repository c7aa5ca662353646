package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestSequence(t *testing.T) {
	runCases(t, []runCase{
		{name: "all succeed", src: `
type: Sequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: SuccessNode, id: b}
`, want: bt.Success, finishes: []string{"a:success", "b:success", "s:success"}},
		{name: "stops at first failure", src: `
type: Sequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: FailureNode, id: b}
  - {type: SuccessNode, id: c}
`, want: bt.Failure, finishes: []string{"a:success", "b:failure", "s:failure"}, errHas: `node "b" (FailureNode)`},
		{name: "resumes at the running child", src: `
type: Sequence
id: s
children:
  - {type: TestSteps, id: a, props: {steps: "S"}}
  - {type: TestSteps, id: b, props: {steps: "R,R,S"}}
`, want: bt.Success, finishes: []string{"a:success", "b:success", "s:success"},
			ticks: map[string]int{"a": 1, "b": 3}},
		{name: "halt resets to the first child", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: Sequence
    id: s
    children:
      - {type: TestSteps, id: a, props: {steps: "S"}}
      - {type: TestSteps, id: b, props: {steps: "R,S"}}
`, want: bt.Success,
			finishes: []string{"a:success", "b:halted", "s:halted", "a:success", "b:success", "s:success", "h:success"}},
	})
}
