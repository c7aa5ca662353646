package decorator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin/decorator"
)

func TestTimeout(t *testing.T) {
	runCases(t, []runCase{
		{name: "fast child passes through", src: `
type: Timeout
id: to
props: {timeoutMs: 5000}
children: [{type: TestSteps, id: c, props: {steps: "R,R,S"}}]
`, want: bt.Success, finishes: []string{"c:success", "to:success"}, ticks: map[string]int{"c": 3}},
		{name: "fast failure passes through unchanged", src: `
type: Timeout
id: to
props: {timeoutMs: 5000}
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, finishes: []string{"c:failure", "to:failure"}, errNode: "c", errHas: "step 1 failed"},
		{name: "running child is halted at the deadline", src: `
type: Timeout
id: to
props: {timeoutMs: 50}
children: [{type: TestSteps, id: c, props: {steps: "R"}}]
`, want: bt.Failure, finishes: []string{"c:halted", "to:failure"}, errNode: "to", errHas: "timed out after 50ms"},
		{name: "blocking child that honours its context is cancelled", src: `
type: Timeout
id: to
props: {timeoutMs: 50}
children: [{type: TestBlock, id: c}]
`, want: bt.Failure, finishes: []string{"c:failure", "to:failure"}, errNode: "to", errHas: "timed out after 50ms",
			ticks: map[string]int{"c": 1}},
		{name: "each start gets a fresh deadline", src: `
type: Repeat
id: rep
props: {numCycles: 3}
children:
  - type: Timeout
    id: to
    props: {timeoutMs: 3000}
    children: [{type: TestSteps, id: c, props: {steps: "R,S"}}]
`, want: bt.Success, counts: map[string]int{"to:success": 3, "c:success": 3}},
		{name: "restarted after a timeout", src: `
type: Retry
id: re
props: {maxAttempts: 2}
children:
  - type: Timeout
    id: to
    props: {timeoutMs: 30}
    children: [{type: TestSteps, id: c, props: {steps: "R"}}]
`, want: bt.Failure, errNode: "re", errHas: "gave up after 2 attempts: timed out after 30ms",
			counts: map[string]int{"c:halted": 2, "to:failure": 2}},
		{name: "templated limit", src: `
type: Timeout
id: to
props: {timeoutMs: "{{ ms }}"}
children: [{type: TestSteps, id: c, props: {steps: "R"}}]
`, inputs: map[string]any{"ms": int64(20)}, want: bt.Failure, errHas: "timed out after 20ms"},
		{name: "templated limit must be positive", src: `
type: Timeout
id: to
props: {timeoutMs: "{{ ms }}"}
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, inputs: map[string]any{"ms": int64(0)}, want: bt.Failure, finishes: []string{"to:failure"}, errNode: "to",
			errHas: "prop timeoutMs: must be greater than 0, found 0", ticks: map[string]int{"c": 0}},
	})
}

// TestTimeoutTiming checks that a RUNNING child is halted at the deadline,
// not before, and not much after (the tree is woken at the deadline).
func TestTimeoutTiming(t *testing.T) {
	for _, child := range []string{"TestSteps, props: {steps: R}", "TestBlock"} {
		t.Run(child, func(t *testing.T) {
			reg, p := newRegistry(t)
			res, ev := bttest.Run(t, reg, `
type: Timeout
id: to
props: {timeoutMs: 100}
children: [{type: `+child+`, id: c}]
`, nil)
			if res.Status != bt.Failure {
				t.Fatalf("status = %v, want failure", res.Status)
			}
			var te *decorator.TimeoutError
			if !errors.As(res.Err, &te) || te.Limit != 100*time.Millisecond {
				t.Fatalf("err = %v, want a TimeoutError of 100ms", res.Err)
			}
			if !errors.Is(res.Err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want it to match context.DeadlineExceeded", res.Err)
			}
			fin := finished(ev, "to")
			if len(fin) != 1 {
				t.Fatalf("Timeout finished %d times, want 1", len(fin))
			}
			if !strings.Contains(fin[0].Error, "timed out after 100ms") {
				t.Errorf("finish error = %q", fin[0].Error)
			}
			if fin[0].Duration < 100*time.Millisecond || fin[0].Duration > 5*time.Second {
				t.Errorf("Timeout ran %v, want about 100ms", fin[0].Duration)
			}
			if child == "TestBlock" {
				if n := p.Halts("c"); n != 0 {
					t.Errorf("blocking child halted %d times; it finished by itself", n)
				}
			} else if n := p.Halts("c"); n != 1 {
				t.Errorf("child halted %d times, want 1", n)
			}
		})
	}
}

func TestTimeoutLoadErrors(t *testing.T) {
	runLoadErrCases(t, []loadErrCase{
		{"zero", "{type: Timeout, props: {timeoutMs: 0}, children: [{type: SuccessNode}]}", "prop timeoutMs: must be greater than 0, found 0"},
		{"negative", "{type: Timeout, props: {timeoutMs: -5}, children: [{type: SuccessNode}]}", "prop timeoutMs: must be greater than 0, found -5"},
		{"missing", "{type: Timeout, id: to, children: [{type: SuccessNode}]}", `missing required prop "timeoutMs"`},
		{"not a number", "{type: Timeout, props: {timeoutMs: soon}, children: [{type: SuccessNode}]}", "prop timeoutMs"},
		{"no child", "{type: Timeout, props: {timeoutMs: 5}}", "exactly 1 child"},
	})
}
