package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestSelector(t *testing.T) {
	runCases(t, []runCase{
		{name: "first success wins", src: `
type: Selector
id: s
children:
  - {type: FailureNode, id: a}
  - {type: SuccessNode, id: b}
  - {type: SuccessNode, id: c}
`, want: bt.Success, finishes: []string{"a:failure", "b:success", "s:success"}},
		{name: "first child succeeds", src: `
type: Selector
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: FailureNode, id: b}
`, want: bt.Success, finishes: []string{"a:success", "s:success"}},
		{name: "all fail", src: `
type: Selector
id: s
children:
  - {type: FailureNode, id: a}
  - {type: FailureNode, id: b}
`, want: bt.Failure, finishes: []string{"a:failure", "b:failure", "s:failure"}, errHas: `node "b"`},
		{name: "resumes at the running child without re-trying failed ones", src: `
type: Selector
id: s
children:
  - {type: TestSteps, id: a, props: {steps: "F"}}
  - {type: TestSteps, id: b, props: {steps: "R,R,S"}}
  - {type: SuccessNode, id: c}
`, want: bt.Success, finishes: []string{"a:failure", "b:success", "s:success"},
			ticks: map[string]int{"a": 1, "b": 3}},
		{name: "running child then failure moves on", src: `
type: Selector
id: s
children:
  - {type: TestSteps, id: a, props: {steps: "R,F"}}
  - {type: SuccessNode, id: b}
`, want: bt.Success, finishes: []string{"a:failure", "b:success", "s:success"}},
		{name: "halt resets to the first child", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: Selector
    id: s
    children:
      - {type: FailureNode, id: a}
      - {type: TestSteps, id: b, props: {steps: "R,S"}}
`, want: bt.Success,
			finishes: []string{"a:failure", "b:halted", "s:halted", "a:failure", "b:success", "s:success", "h:success"}},
	})
}
