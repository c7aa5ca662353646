package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

// TestHaltReachesTheChild halts each decorator while its child runs and
// checks that the child is halted before it.
func TestHaltReachesTheChild(t *testing.T) {
	var cases []runCase
	for _, d := range []string{
		"{type: Invert", "{type: ForceSuccess", "{type: ForceFailure", "{type: RunOnce",
		"{type: KeepRunningUntilFailure", "{type: SoftAssert", "{type: Precondition",
		"{type: Precondition, props: {if: true}", "{type: Repeat, props: {numCycles: -1}",
		"{type: Retry", "{type: Delay, props: {delayMs: 0}", "{type: Timeout, props: {timeoutMs: 5000}",
	} {
		cases = append(cases, runCase{name: d[7:], src: `
type: Timeout
id: to
props: {timeoutMs: 30}
children:
  - ` + d + `, id: d, children: [{type: TestSteps, id: c, props: {steps: "R"}}]}
`, want: bt.Failure, finishes: []string{"c:halted", "d:halted", "to:failure"}, errNode: "to"})
	}
	runCases(t, cases)
}
