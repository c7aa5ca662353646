package composite_test

import (
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
)

func TestRecovery(t *testing.T) {
	runCases(t, []runCase{
		{name: "try succeeds: catch skipped, finally runs", src: `
type: Recovery
id: r
children:
  - {type: SuccessNode, id: try}
  - {type: FailureNode, id: catch}
  - {type: SuccessNode, id: finally}
`, want: bt.Success, finishes: []string{"try:success", "finally:success", "r:success"}},
		{name: "try fails: catch's success", src: `
type: Recovery
id: r
children:
  - {type: FailureNode, id: try}
  - {type: SuccessNode, id: catch}
`, want: bt.Success, finishes: []string{"try:failure", "catch:success", "r:success"}},
		{name: "try fails: catch's failure", src: `
type: Recovery
id: r
children:
  - {type: FailureNode, id: try}
  - {type: FailureNode, id: catch}
  - {type: SuccessNode, id: finally}
`, want: bt.Failure, finishes: []string{"try:failure", "catch:failure", "finally:success", "r:failure"},
			errHas: `node "catch"`},
		{name: "try fails without catch", src: `
type: Recovery
id: r
children:
  - {type: FailureNode, id: try}
`, want: bt.Failure, finishes: []string{"try:failure", "r:failure"}},
		{name: "try succeeds without catch", src: `
type: Recovery
id: r
children:
  - {type: SuccessNode, id: try}
`, want: bt.Success, finishes: []string{"try:success", "r:success"}},
		{name: "finally's failure is ignored", src: `
type: Recovery
id: r
children:
  - {type: SuccessNode, id: try}
  - {type: FailureNode, id: catch}
  - {type: FailureNode, id: finally}
`, want: bt.Success, finishes: []string{"try:success", "finally:failure", "r:success"}},
		{name: "finally runs once, after a running try", src: `
type: Recovery
id: r
children:
  - {type: TestSteps, id: try, props: {steps: "R,R,S"}}
  - {type: FailureNode, id: catch}
  - {type: TestSteps, id: finally, props: {steps: "S"}}
`, want: bt.Success, finishes: []string{"try:success", "finally:success", "r:success"},
			ticks: map[string]int{"try": 3, "finally": 1}},
		{name: "try is not re-ticked while catch runs", src: `
type: Recovery
id: r
children:
  - {type: TestSteps, id: try, props: {steps: "F,S"}}
  - {type: TestSteps, id: catch, props: {steps: "R,R,S"}}
`, want: bt.Success, finishes: []string{"try:failure", "catch:success", "r:success"},
			ticks: map[string]int{"try": 1, "catch": 3}},
		{name: "a running finally delays the result", src: `
type: Recovery
id: r
children:
  - {type: FailureNode, id: try}
  - {type: FailureNode, id: catch}
  - {type: TestSteps, id: finally, props: {steps: "R,R,S"}}
`, want: bt.Failure, finishes: []string{"try:failure", "catch:failure", "finally:success", "r:failure"},
			ticks: map[string]int{"finally": 3}},
		{name: "halt skips finally and restarts at try", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: Recovery
    id: r
    children:
      - {type: FailureNode, id: try}
      - {type: TestSteps, id: catch, props: {steps: "R,S"}}
      - {type: SuccessNode, id: finally}
`, want: bt.Success,
			finishes: []string{"try:failure", "catch:halted", "r:halted", "try:failure", "catch:success", "finally:success", "r:success", "h:success"}},
	})
	runLoadErrCases(t, []loadErrCase{
		{"four children", "type: Recovery\nchildren: [{type: SuccessNode}, {type: SuccessNode}, {type: SuccessNode}, {type: SuccessNode}]\n",
			"Recovery takes 1 to 3 children (try, catch (optional), finally (optional)), found 4"},
	})
}

func TestRecoveryFinallyKeepsTheFailureReason(t *testing.T) {
	res, _ := bttest.Run(t, builtin.Registry(), `
type: Recovery
id: r
children:
  - {type: FailureNode, id: try-step}
  - {type: FailureNode, id: catch-step}
  - {type: FailureNode, id: cleanup}
`, nil)
	if res.Status != bt.Failure || res.Err == nil || !strings.Contains(res.Err.Error(), "catch-step") {
		t.Fatalf("status %v err %v: the run's error must name catch, not finally", res.Status, res.Err)
	}
}
