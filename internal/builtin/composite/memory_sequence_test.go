package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestMemorySequence(t *testing.T) {
	runCases(t, []runCase{
		{name: "all succeed", src: `
type: MemorySequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: SuccessNode, id: b}
`, want: bt.Success, finishes: []string{"a:success", "b:success", "s:success"}},
		{name: "first failure fails", src: `
type: MemorySequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: FailureNode, id: b}
  - {type: SuccessNode, id: c}
`, want: bt.Failure, finishes: []string{"a:success", "b:failure", "s:failure"}},
		{name: "resumes at the running child", src: `
type: MemorySequence
id: s
children:
  - {type: TestSteps, id: a, props: {steps: "S"}}
  - {type: TestSteps, id: b, props: {steps: "R,R,S"}}
`, want: bt.Success, ticks: map[string]int{"a": 1, "b": 3}},
		{name: "after a failure the next run skips the children that succeeded", src: `
type: TestRetry
id: r
props: {attempts: 3}
children:
  - type: MemorySequence
    id: s
    children:
      - {type: SuccessNode, id: a}
      - {type: TestSteps, id: b, props: {steps: "F,F,S"}}
      - {type: SuccessNode, id: c}
`, want: bt.Success,
			finishes: []string{"a:success", "b:failure", "s:failure", "b:failure", "s:failure", "b:success", "c:success", "s:success", "r:success"}},
		{name: "memory is cleared after a success", src: `
type: While
id: w
children:
  - {type: TestSteps, id: cond, props: {steps: "S,S,F"}}
  - type: MemorySequence
    id: s
    children:
      - {type: SuccessNode, id: a}
      - {type: SuccessNode, id: b}
`, want: bt.Success, counts: map[string]int{"a:success": 2, "b:success": 2, "s:success": 2}},
		{name: "memory is kept when halted", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: MemorySequence
    id: s
    children:
      - {type: SuccessNode, id: a}
      - {type: TestSteps, id: b, props: {steps: "R,S"}}
`, want: bt.Success, finishes: []string{"a:success", "b:halted", "s:halted", "b:success", "s:success", "h:success"}},
	})
}
