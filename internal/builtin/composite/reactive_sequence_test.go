package composite_test

import (
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
)

func TestReactiveSequence(t *testing.T) {
	runCases(t, []runCase{
		{name: "all succeed", src: `
type: ReactiveSequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: SuccessNode, id: b}
`, want: bt.Success, finishes: []string{"a:success", "b:success", "s:success"}},
		{name: "first failure fails", src: `
type: ReactiveSequence
id: s
children:
  - {type: FailureNode, id: a}
  - {type: SuccessNode, id: b}
`, want: bt.Failure, finishes: []string{"a:failure", "s:failure"}},
		{name: "earlier children are re-ticked on every tick", src: `
type: ReactiveSequence
id: s
children:
  - {type: TestSteps, id: cond, props: {steps: "S"}}
  - {type: TestSteps, id: act, props: {steps: "R,R,S"}}
`, want: bt.Success, finishes: []string{"cond:success", "cond:success", "cond:success", "act:success", "s:success"},
			ticks: map[string]int{"cond": 3, "act": 3}},
		{name: "an earlier failure halts the running child", src: `
type: ReactiveSequence
id: s
children:
  - {type: TestSteps, id: cond, props: {steps: "S,S,F"}}
  - {type: RunningNode, id: act}
`, want: bt.Failure, finishes: []string{"cond:success", "cond:success", "cond:failure", "act:halted", "s:failure"},
			errHas: `node "cond"`},
		{name: "an earlier RUNNING halts the running later child", src: `
type: ReactiveSequence
id: s
children:
  - {type: TestSteps, id: cond, props: {steps: "S,R,S"}}
  - {type: TestSteps, id: act, props: {steps: "R,R,S"}}
`, want: bt.Success,
			finishes: []string{"cond:success", "act:halted", "cond:success", "cond:success", "act:success", "s:success"},
			ticks:    map[string]int{"cond": 4, "act": 3}},
		{name: "a running middle child halts the ones after it", src: `
type: ReactiveSequence
id: s
children:
  - {type: SuccessNode, id: a}
  - {type: TestSteps, id: b, props: {steps: "S,R,S"}}
  - {type: TestSteps, id: c, props: {steps: "R,S"}}
`, want: bt.Success,
			finishes: []string{"a:success", "b:success", "a:success", "c:halted", "a:success", "b:success", "c:success", "s:success"}},
		{name: "halting it halts the running child", src: `
type: TestHaltOnce
id: h
props: {atTick: 2}
children:
  - type: ReactiveSequence
    id: s
    children:
      - {type: SuccessNode, id: a}
      - {type: TestSteps, id: b, props: {steps: "R,S"}}
`, want: bt.Success, finishes: []string{"a:success", "b:halted", "s:halted", "a:success", "b:success", "s:success", "h:success"}},
	})
}

func TestReactiveSequenceCancelsHaltedWork(t *testing.T) {
	src := `
type: ReactiveSequence
id: s
children:
  - {type: TestSteps, id: cond, props: {steps: "S,S,F"}}
  - {type: TestSleep, id: act, props: {ms: "5000"}}
`
	start := time.Now()
	_, _, p := runCase{name: "cancel", src: src, want: bt.Failure,
		finishes: []string{"cond:success", "cond:success", "cond:failure", "act:halted", "s:failure"}}.run(t)
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("run took %v: the halted child's work was not cancelled", d)
	}
	if sl := p.Sleeps("act"); len(sl) != 1 || !sl[0].cancelled {
		t.Fatalf("sleeps = %+v, want one cancelled", sl)
	}
}
