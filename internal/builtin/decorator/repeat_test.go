package decorator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/event"
)

func TestRepeat(t *testing.T) {
	runCases(t, []runCase{
		{name: "runs numCycles times", src: `
type: Repeat
id: r
props: {numCycles: 3}
children: [{type: TestCount, id: c}]
`, want: bt.Success, bb: map[string]any{"count": int64(3)},
			finishes: []string{"c:success", "c:success", "c:success", "r:success"}},
		{name: "quick cycles run within one tick", src: `
type: TestOnce
children:
  - type: Repeat
    props: {numCycles: 5}
    children: [{type: TestCount, id: c}]
`, want: bt.Success, bb: map[string]any{"count": int64(5)}},
		{name: "first failure fails", src: `
type: Repeat
id: r
props: {numCycles: 5}
children: [{type: TestCount, id: c, props: {failAt: 2}}]
`, want: bt.Failure, bb: map[string]any{"count": int64(2)}, errNode: "c", errHas: "count reached 2",
			finishes: []string{"c:success", "c:failure", "r:failure"}},
		{name: "running child passes through", src: `
type: Repeat
id: r
props: {numCycles: 2}
children: [{type: TestSteps, id: c, props: {steps: "R,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 3}, counts: map[string]int{"c:success": 2}},
		{name: "forever until the child fails, past the per-tick bound", src: `
type: Repeat
id: r
props: {numCycles: -1}
children: [{type: TestCount, id: c, props: {failAt: 2500}}]
`, want: bt.Failure, bb: map[string]any{"count": int64(2500)}, counts: map[string]int{"r:failure": 1}},
		{name: "the count restarts after a failure", src: `
type: Retry
props: {maxAttempts: 2}
children:
  - type: Repeat
    id: r
    props: {numCycles: 2}
    children: [{type: TestSteps, id: c, props: {steps: "S,F,S"}}]
`, want: bt.Success, ticks: map[string]int{"c": 4}, counts: map[string]int{"r:failure": 1, "r:success": 1}},
		{name: "the count restarts after a halt", src: `
type: Retry
props: {maxAttempts: 2}
children:
  - type: Timeout
    props: {timeoutMs: 40}
    children:
      - type: Repeat
        id: r
        props: {numCycles: 2}
        children: [{type: TestSteps, id: c, props: {steps: "S,H,S"}}]
`, want: bt.Success, counts: map[string]int{"r:halted": 1, "r:success": 1, "c:halted": 1, "c:success": 3}},
		{name: "templated count must be valid", src: `
type: Repeat
id: r
props: {numCycles: "{{ n }}"}
children: [{type: TestCount, id: c}]
`, inputs: map[string]any{"n": int64(0)}, want: bt.Failure, finishes: []string{"r:failure"},
			errHas: "prop numCycles: must be greater than 0, or -1 for forever, found 0"},
	})
}

// TestRepeatForeverStopsWithTheRun checks that an endless Repeat of a child
// that always succeeds at once gives the engine back its goroutine, so that
// cancelling the run stops it.
func TestRepeatForeverStopsWithTheRun(t *testing.T) {
	reg, _ := newRegistry(t)
	tr := bttest.Load(t, reg, `
type: Repeat
id: r
props: {numCycles: -1}
children: [{type: TestCount, id: c}]
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel the run once the child has completed three batches of cycles.
	var cycles, n int
	sink := event.SinkFunc(func(e event.Event) {
		if e.Kind != event.NodeFinished {
			return
		}
		switch e.Node {
		case "c":
			if cycles++; cycles == 3*1000 {
				cancel()
			}
		case "r":
			n++
		}
	})
	start := time.Now()
	res := tr.Run(ctx, bt.RunOptions{Sink: sink})
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("the run took %v", el)
	}
	if res.Status != bt.Failure || res.Err == nil || !strings.Contains(res.Err.Error(), "run stopped") {
		t.Fatalf("status %v, err %v; want a stopped run", res.Status, res.Err)
	}
	// The cancellation is seen at the end of a batch of at most 1000 cycles.
	if c, _ := res.Blackboard["count"].(int64); c < 3000 || c > 5000 {
		t.Errorf("count = %d, want the run to stop within a batch after 3000", c)
	}
	if n != 1 {
		t.Errorf("Repeat finished %d times, want 1 (halted)", n)
	}
}

func TestRepeatLoadErrors(t *testing.T) {
	runLoadErrCases(t, []loadErrCase{
		{"zero", "{type: Repeat, props: {numCycles: 0}, children: [{type: SuccessNode}]}", "prop numCycles: must be greater than 0, or -1 for forever, found 0"},
		{"other negative", "{type: Repeat, props: {numCycles: -2}, children: [{type: SuccessNode}]}", "found -2"},
		{"missing", "{type: Repeat, children: [{type: SuccessNode}]}", `missing required prop "numCycles"`},
		{"times is not a prop", "{type: Repeat, props: {numCycles: 2, times: 3}, children: [{type: SuccessNode}]}", `has no prop "times"`},
	})
}
