package decorator_test

import (
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
)

func TestRetry(t *testing.T) {
	runCases(t, []runCase{
		{name: "fails twice then succeeds", src: `
type: Retry
id: re
children: [{type: TestSteps, id: c, props: {steps: "F,F,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3},
			finishes: []string{"c:failure", "c:failure", "c:success", "re:success"},
			logs: map[string][]string{"re": {
				"attempt 1 of 3 failed: step 1 failed; retrying in 0s",
				"attempt 2 of 3 failed: step 2 failed; retrying in 0s"}}},
		{name: "succeeds at once without logging", src: `
type: Retry
id: re
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, want: bt.Success, finishes: []string{"c:success", "re:success"}, logs: map[string][]string{"re": nil}},
		{name: "gives up after the default 3 attempts", src: `
type: Retry
id: re
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, ticks: map[string]int{"c": 3}, counts: map[string]int{"c:failure": 3, "re:failure": 1},
			errNode: "re", errHas: "gave up after 3 attempts: step 3 failed"},
		{name: "maxAttempts 1 never retries", src: `
type: Retry
id: re
props: {maxAttempts: 1}
children: [{type: TestSteps, id: c, props: {steps: "F,S"}}]
`, want: bt.Failure, ticks: map[string]int{"c": 1}, errHas: "gave up after 1 attempt: step 1 failed",
			logs: map[string][]string{"re": nil}},
		{name: "a child failing without an error", src: `
type: Retry
id: re
props: {maxAttempts: 2}
children: [{type: FailureNode, id: c}]
`, want: bt.Failure, errNode: "re", errHas: "gave up after 2 attempts: c (FailureNode) returned FAILURE"},
		{name: "a failure passed on by a decorator names the node that failed", src: `
type: Retry
id: re
props: {maxAttempts: 1}
children:
  - type: Timeout
    props: {timeoutMs: 5000}
    children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, errNode: "re", errHas: "gave up after 1 attempt: c (TestSteps): step 1 failed"},
		{name: "a failure passed on by a composite", src: `
type: Retry
id: re
props: {maxAttempts: 1}
children:
  - type: Sequence
    id: s
    children: [{type: SuccessNode}, {type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, errNode: "re", errHas: "gave up after 1 attempt: s (Sequence) returned FAILURE"},
		{name: "attempts without a delay run within one tick", src: `
type: TestOnce
children:
  - type: Retry
    children: [{type: TestSteps, id: c, props: {steps: "F,F,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3}},
		{name: "running child passes through", src: `
type: Retry
id: re
props: {maxAttempts: 2}
children: [{type: TestSteps, id: c, props: {steps: "R,F,R,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 4}, finishes: []string{"c:failure", "c:success", "re:success"}},
		{name: "many attempts without a delay", src: `
type: Retry
id: re
props: {maxAttempts: 2500}
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, want: bt.Failure, ticks: map[string]int{"c": 2500}, errHas: "gave up after 2500 attempts: step 2500 failed"},
		{name: "halt cancels the wait and resets the attempts", src: `
type: Sequence
children:
  - type: ForceSuccess
    children:
      - type: Timeout
        props: {timeoutMs: 40}
        children:
          - type: Retry
            id: re
            props: {maxAttempts: 2, delayMs: 5000}
            children: [{type: TestSteps, id: c, props: {steps: "F,F,S"}}]
  - type: Retry
    id: re2
    props: {maxAttempts: 2}
    children: [{type: TestSteps, id: c2, props: {steps: "F,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 1}, counts: map[string]int{"re:halted": 1, "re2:success": 1}},
		{name: "templated attempts must be valid", src: `
type: Retry
id: re
props: {maxAttempts: "{{ n }}"}
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, inputs: map[string]any{"n": int64(0)}, want: bt.Failure, finishes: []string{"re:failure"},
			errHas: "prop maxAttempts: must be 1 or more, found 0"},
		{name: "templated backoff must be valid", src: `
type: Retry
id: re
props: {backoff: "{{ b }}"}
children: [{type: TestSteps, id: c, props: {steps: "S"}}]
`, inputs: map[string]any{"b": 0.5}, want: bt.Failure, finishes: []string{"re:failure"},
			errHas: "prop backoff: must be a number 1 or more, found 0.5"},
	})
}

// TestRetryHaltResetsAttempts checks that a Retry halted after a failed
// attempt starts again from attempt 1.
func TestRetryHaltResetsAttempts(t *testing.T) {
	runCases(t, []runCase{{name: "halted then restarted", src: `
type: Retry
id: outer
props: {maxAttempts: 2}
children:
  - type: Timeout
    props: {timeoutMs: 40}
    children:
      - type: Retry
        id: re
        props: {maxAttempts: 2}
        children: [{type: TestSteps, id: c, props: {steps: "F,H,F,F"}}]
`, want: bt.Failure, counts: map[string]int{"c:failure": 3, "c:halted": 1, "re:halted": 1, "re:failure": 1},
		// Without the reset, the restarted Retry would give up after its
		// first failure, at attempt 2 of a count kept from before the halt.
		errNode: "outer", errHas: "gave up after 2 attempts: re (Retry): gave up after 2 attempts: step 4 failed"}})
}

// TestRetryDelays checks the waits between attempts: delayMs before the
// first retry, multiplied by backoff after each.
func TestRetryDelays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props string
		waits []time.Duration
		logs  []string
	}{
		{"constant", "{maxAttempts: 3, delayMs: 40}", []time.Duration{40, 40}, []string{
			"attempt 1 of 3 failed: step 1 failed; retrying in 40ms",
			"attempt 2 of 3 failed: step 2 failed; retrying in 40ms"}},
		{"backoff", "{maxAttempts: 4, delayMs: 30, backoff: 2}", []time.Duration{30, 60, 120}, []string{
			"attempt 1 of 4 failed: step 1 failed; retrying in 30ms",
			"attempt 2 of 4 failed: step 2 failed; retrying in 60ms",
			"attempt 3 of 4 failed: step 3 failed; retrying in 120ms"}},
		{"retryDelay alias with a fractional backoff", "{maxAttempts: 3, retryDelay: 40, backoff: 1.5}", []time.Duration{40, 60}, []string{
			"attempt 1 of 3 failed: step 1 failed; retrying in 40ms",
			"attempt 2 of 3 failed: step 2 failed; retrying in 60ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, _ := newRegistry(t)
			res, ev := bttest.Run(t, reg, `
type: Retry
id: re
props: `+tc.props+`
children: [{type: TestSteps, id: c, props: {steps: "F"}}]
`, nil)
			if res.Status != bt.Failure {
				t.Fatalf("status = %v", res.Status)
			}
			cs := starts(ev, "c")
			if len(cs) != len(tc.waits)+1 {
				t.Fatalf("child started %d times, want %d", len(cs), len(tc.waits)+1)
			}
			for i, w := range tc.waits {
				w *= time.Millisecond
				if got := cs[i+1].Sub(cs[i]); got < w || got > w+5*time.Second {
					t.Errorf("wait %d = %v, want at least %v", i+1, got, w)
				}
			}
			if got := bttest.Logs(ev, "re"); !equal(got, tc.logs) {
				t.Errorf("logs = %q, want %q", got, tc.logs)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryLoadErrors(t *testing.T) {
	runLoadErrCases(t, []loadErrCase{
		{"zero attempts", "{type: Retry, props: {maxAttempts: 0}, children: [{type: SuccessNode}]}", "prop maxAttempts: must be 1 or more, found 0"},
		{"negative delay", "{type: Retry, props: {delayMs: -1}, children: [{type: SuccessNode}]}", "prop delayMs: must be 0 or more, found -1"},
		{"negative retryDelay", "{type: Retry, props: {retryDelay: -1}, children: [{type: SuccessNode}]}", "prop retryDelay: must be 0 or more, found -1"},
		{"backoff below 1", "{type: Retry, props: {backoff: 0.5}, children: [{type: SuccessNode}]}", "prop backoff: must be a number 1 or more, found 0.5"},
		{"both delays", "{type: Retry, props: {delayMs: 10, retryDelay: 10}, children: [{type: SuccessNode}]}", "props delayMs and retryDelay: set only one"},
	})
}
