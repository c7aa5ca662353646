package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestRunOnce(t *testing.T) {
	runCases(t, []runCase{
		{name: "later starts replay the success without ticking the child", src: `
type: Repeat
id: rep
props: {numCycles: 3}
children:
  - type: RunOnce
    id: once
    children: [{type: TestCount, id: c}]
`, want: bt.Success, bb: map[string]any{"count": int64(1)}, ticks: map[string]int{"c": 1},
			finishes: []string{"c:success", "once:success", "once:success", "once:success", "rep:success"}},
		{name: "a failure is replayed too, with the child's error", src: `
type: Retry
id: re
props: {maxAttempts: 3}
children:
  - type: RunOnce
    id: once
    children: [{type: TestSteps, id: c, props: {steps: "F,S"}}]
`, want: bt.Failure, ticks: map[string]int{"c": 1}, counts: map[string]int{"once:failure": 3, "c:failure": 1},
			errNode: "re", errHas: "gave up after 3 attempts: c already ran and failed: step 1 failed"},
		{name: "running passes through until the child finishes", src: `
type: Repeat
props: {numCycles: 2}
children:
  - type: RunOnce
    id: once
    children: [{type: TestSteps, id: c, props: {steps: "R,R,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3}, counts: map[string]int{"once:success": 2, "c:success": 1}},
		{name: "halted during the first run: the next start runs the child again", src: `
type: Retry
id: re
props: {maxAttempts: 2}
children:
  - type: Timeout
    id: to
    props: {timeoutMs: 30}
    children:
      - type: RunOnce
        id: once
        children: [{type: TestSteps, id: c, props: {steps: "H,S"}}]
`, want: bt.Success, finishes: []string{"c:halted", "once:halted", "to:failure", "c:success", "once:success",
			"to:success", "re:success"}},
	})
}
