package decorator_test

import (
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
)

func TestDelay(t *testing.T) {
	runCases(t, []runCase{
		{name: "zero delay ticks the child in the same tick", src: `
type: TestOnce
id: once
children:
  - type: Delay
    id: d
    props: {delayMs: 0}
    children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Success, finishes: []string{"c:success", "d:success", "once:success"}},
		{name: "a positive delay returns RUNNING first", src: `
type: TestOnce
children:
  - type: Delay
    id: d
    props: {delayMs: 1000}
    children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Failure, errHas: "d still RUNNING after one tick", ticks: map[string]int{"c": 0}},
		{name: "child failure passes through", src: `
type: Delay
id: d
props: {delayMs: 10}
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, finishes: []string{"c:failure", "d:failure"}, errNode: "c"},
		{name: "running child continues without delay", src: `
type: Delay
id: d
props: {delayMs: 10}
children: [{type: TestSteps, id: c, props: {steps: "R,R,S"}}]
`, want: bt.Success, finishes: []string{"c:success", "d:success"}, ticks: map[string]int{"c": 3}},
		{name: "halted during the wait: the child never runs", src: `
type: Timeout
id: to
props: {timeoutMs: 30}
children:
  - type: Delay
    id: d
    props: {delayMs: 5000}
    children: [{type: TestCount, id: c}]
`, want: bt.Failure, finishes: []string{"d:halted", "to:failure"}, errHas: "timed out after 30ms",
			absent: []string{"count"}},
		{name: "halted while the child runs: the child is halted", src: `
type: Timeout
id: to
props: {timeoutMs: 60}
children:
  - type: Delay
    id: d
    props: {delayMs: 10}
    children: [{type: TestSteps, id: c, props: {steps: "R"}}]
`, want: bt.Failure, finishes: []string{"c:halted", "d:halted", "to:failure"}},
		{name: "templated delay must not be negative", src: `
type: Delay
id: d
props: {delayMs: "{{ ms }}"}
children: [{type: TestCount, id: c}]
`, inputs: map[string]any{"ms": int64(-1)}, want: bt.Failure, finishes: []string{"d:failure"},
			errHas: "prop delayMs: must be 0 or more, found -1", absent: []string{"count"}},
	})
}

// TestDelayTiming checks that the child starts no earlier than delayMs after
// the Delay, on every start of the Delay.
func TestDelayTiming(t *testing.T) {
	reg, _ := newRegistry(t)
	res, ev := bttest.Run(t, reg, `
type: Repeat
props: {numCycles: 2}
children:
  - type: Delay
    id: d
    props: {delayMs: 60}
    children: [{type: TestCount, id: c}]
`, nil)
	if res.Status != bt.Success || res.Blackboard["count"] != int64(2) {
		t.Fatalf("status %v, count %v (err %v)", res.Status, res.Blackboard["count"], res.Err)
	}
	ds, cs := starts(ev, "d"), starts(ev, "c")
	if len(ds) != 2 || len(cs) != 2 {
		t.Fatalf("Delay started %d times, child %d times; want 2 and 2", len(ds), len(cs))
	}
	for i := range ds {
		if wait := cs[i].Sub(ds[i]); wait < 60*time.Millisecond || wait > 5*time.Second {
			t.Errorf("start %d: child started %v after the Delay, want at least 60ms", i+1, wait)
		}
	}
}

func TestDelayLoadErrors(t *testing.T) {
	runLoadErrCases(t, []loadErrCase{
		{"negative", "{type: Delay, props: {delayMs: -1}, children: [{type: SuccessNode}]}", "prop delayMs: must be 0 or more, found -1"},
		{"missing", "{type: Delay, children: [{type: SuccessNode}]}", `missing required prop "delayMs"`},
	})
}
