package composite_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestWhile(t *testing.T) {
	runCases(t, []runCase{
		{name: "condition fails at once: success without body", src: `
type: While
id: w
children:
  - {type: FailureNode, id: cond}
  - {type: SuccessNode, id: body}
`, want: bt.Success, finishes: []string{"cond:failure", "w:success"}},
		{name: "loops while the condition succeeds", src: `
type: While
id: w
children:
  - {type: TestSteps, id: cond, props: {steps: "S,S,S,F"}}
  - {type: TestAppend, id: body, props: {key: seen, value: x}}
`, want: bt.Success, bb: map[string]any{"seen": []any{"x", "x", "x"}},
			finishes: []string{"cond:success", "body:success", "cond:success", "body:success", "cond:success", "body:success", "cond:failure", "w:success"}},
		{name: "body failure fails", src: `
type: While
id: w
children:
  - {type: SuccessNode, id: cond}
  - {type: TestSteps, id: body, props: {steps: "S,F"}}
`, want: bt.Failure, finishes: []string{"cond:success", "body:success", "cond:success", "body:failure", "w:failure"},
			errHas: `node "body"`},
		{name: "maxIterations reached fails", src: `
type: While
id: w
props: {maxIterations: 2}
children:
  - {type: SuccessNode, id: cond}
  - {type: SuccessNode, id: body}
`, want: bt.Failure, counts: map[string]int{"body:success": 2, "cond:success": 3},
			errHas: `node "w" (While) failed: maxIterations (2) reached and the condition still succeeds`},
		{name: "exactly maxIterations then the condition fails: success", src: `
type: While
id: w
props: {maxIterations: 2}
children:
  - {type: TestSteps, id: cond, props: {steps: "S,S,F"}}
  - {type: SuccessNode, id: body}
`, want: bt.Success, counts: map[string]int{"body:success": 2}},
		{name: "default maxIterations is 1000", src: `
type: While
id: w
children:
  - {type: SuccessNode, id: cond}
  - {type: SuccessNode, id: body}
`, want: bt.Failure, counts: map[string]int{"body:success": 1000}, errHas: "maxIterations (1000) reached"},
		{name: "templated maxIterations", src: `
type: While
id: w
props: {maxIterations: "{{ n }}"}
children:
  - {type: SuccessNode, id: cond}
  - {type: SuccessNode, id: body}
`, inputs: map[string]any{"n": int64(3)}, want: bt.Failure, counts: map[string]int{"body:success": 3}},
		{name: "templated maxIterations not positive", src: `
type: While
id: w
props: {maxIterations: "{{ n }}"}
children:
  - {type: SuccessNode, id: cond}
  - {type: SuccessNode, id: body}
`, inputs: map[string]any{"n": int64(0)}, want: bt.Failure, finishes: []string{"w:failure"},
			errHas: "prop maxIterations: must be a positive integer, found 0"},
		{name: "running children resume; condition not re-checked while body runs", src: `
type: While
id: w
children:
  - {type: TestSteps, id: cond, props: {steps: "R,S,F"}}
  - {type: TestSteps, id: body, props: {steps: "R,R,S"}}
`, want: bt.Success, finishes: []string{"cond:success", "body:success", "cond:failure", "w:success"},
			ticks: map[string]int{"cond": 3, "body": 3}},
		{name: "halt resets the iteration count and the phase", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: While
    id: w
    props: {maxIterations: 2}
    children:
      - {type: TestSteps, id: cond, props: {steps: "S,S,S,S,F"}}
      - {type: TestSteps, id: body, props: {steps: "S,R,S"}}
`, want: bt.Success, ticks: map[string]int{"cond": 5, "body": 4},
			counts: map[string]int{"body:halted": 1, "w:halted": 1, "w:success": 1}},
	})
	runLoadErrCases(t, []loadErrCase{
		{"one child", "type: While\nchildren: [{type: SuccessNode}]\n",
			"While takes exactly 2 children (condition, body), found 1"},
		{"zero maxIterations", "type: While\nprops: {maxIterations: 0}\nchildren: [{type: SuccessNode}, {type: SuccessNode}]\n",
			"prop maxIterations: must be a positive integer, found 0"},
		{"non-integer maxIterations", "type: While\nprops: {maxIterations: 1.5}\nchildren: [{type: SuccessNode}, {type: SuccessNode}]\n",
			"prop maxIterations"},
	})
}
