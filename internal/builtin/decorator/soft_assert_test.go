package decorator_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/event"
)

func TestSoftAssert(t *testing.T) {
	runCases(t, []runCase{
		{name: "failure becomes success with a warning naming the child and its error", src: `
type: SoftAssert
id: sa
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Success, finishes: []string{"c:failure", "sa:success"},
			logs: map[string][]string{"sa": {"soft assertion failed: c: step 1 failed"}}},
		{name: "a child failing without an error", src: `
type: SoftAssert
id: sa
children: [{type: FailureNode, id: c}]
`, want: bt.Success, logs: map[string][]string{"sa": {"soft assertion failed: c"}}},
		{name: "a failure passed on by a decorator", src: `
type: SoftAssert
id: sa
children:
  - type: Invert
    id: inv
    children: [{type: SuccessNode, id: c}]
`, want: bt.Success, logs: map[string][]string{"sa": {"soft assertion failed: inv: inverted: c succeeded"}}},
		{name: "a failure passed on by a decorator without an error", src: `
type: SoftAssert
id: sa
children:
  - type: ForceFailure
    id: ff
    children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Success, logs: map[string][]string{"sa": {"soft assertion failed: ff: c (TestSteps): step 1 failed"}}},
		{name: "success passes through silently", src: `
type: SoftAssert
id: sa
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Success, finishes: []string{"c:success", "sa:success"}, logs: map[string][]string{"sa": nil}},
		{name: "running passes through", src: `
type: SoftAssert
id: sa
children: [{type: TestSteps, id: c, props: {steps: "R,R,F"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3}, logs: map[string][]string{"sa": {"soft assertion failed: c: step 3 failed"}}},
		{name: "the workflow goes on", src: `
type: Sequence
children:
  - type: SoftAssert
    children: [{type: TestSteps, id: c, props: {steps: "F"}}]
  - type: TestCount
`, want: bt.Success, bb: map[string]any{"count": int64(1)}},
	})
}

func TestSoftAssertLogsAWarning(t *testing.T) {
	reg, _ := newRegistry(t)
	_, ev := bttest.Run(t, reg, `{type: SoftAssert, id: sa, children: [{type: FailureNode}]}`, nil)
	n := 0
	for _, e := range ev {
		if e.Kind == event.Log && e.Node == "sa" {
			n++
			if e.Level != "warn" {
				t.Errorf("level = %q, want warn", e.Level)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d log lines, want 1", n)
	}
}
