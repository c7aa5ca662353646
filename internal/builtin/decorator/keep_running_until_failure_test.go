package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestKeepRunningUntilFailure(t *testing.T) {
	runCases(t, []runCase{
		{name: "restarts the child after each success, succeeds on its failure", src: `
type: KeepRunningUntilFailure
id: k
children: [{type: TestCount, id: c, props: {failAt: 3}}]
`, want: bt.Success, bb: map[string]any{"count": int64(3)},
			finishes: []string{"c:success", "c:success", "c:failure", "k:success"}},
		{name: "one cycle per tick", src: `
type: TestOnce
children:
  - type: KeepRunningUntilFailure
    id: k
    children: [{type: TestCount, id: c, props: {failAt: 3}}]
`, want: bt.Failure, bb: map[string]any{"count": int64(1)}, errHas: "k still RUNNING after one tick"},
		{name: "immediate failure", src: `
type: KeepRunningUntilFailure
id: k
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Success, finishes: []string{"c:failure", "k:success"}},
		{name: "running passes through", src: `
type: KeepRunningUntilFailure
id: k
children: [{type: TestSteps, id: c, props: {steps: "R,S,R,F"}}]
`, want: bt.Success, ticks: map[string]int{"c": 4}, finishes: []string{"c:success", "c:failure", "k:success"}},
	})
}
