package customnode_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/customnode"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// registry returns the built-ins plus the nodes of the named fixtures.
func registry(t *testing.T, names ...string) *bt.Registry {
	t.Helper()
	ctx := context.Background()
	h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	reg := builtin.Registry()
	for _, name := range names {
		p, err := pkgfile.Load("../wasmhost/testdata/pkgs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := h.Load(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pkg.Manifest.Nodes {
			reg.MustRegister(customnode.Spec(pkg, &pkg.Manifest.Nodes[i]))
		}
	}
	return reg
}

// A Timeout above a custom node that runs too long halts it: the call's
// context is cancelled and the guest stopped, well before the node's own
// tier timeout.
func TestTimeoutHaltsCustomNode(t *testing.T) {
	reg := registry(t, "slow")
	start := time.Now()
	res, ev := bttest.Run(t, reg, `
type: Timeout
id: limit
props: {timeoutMs: 200}
children:
  - type: test.slow/run
    id: busy
    props: {ms: 20000}
`, nil)
	if res.Status != bt.Failure || time.Since(start) > 5*time.Second {
		t.Fatalf("status %v after %v", res.Status, time.Since(start))
	}
	if !strings.Contains(res.Err.Error(), "timed out after 200ms") {
		t.Fatalf("err %v", res.Err)
	}
	if bttest.Count(ev, "busy", "halted") != 1 {
		t.Fatalf("finishes %v", bttest.Finishes(ev))
	}
}

// Custom nodes under a Parallel run concurrently on their own instances.
func TestParallelCustomNodes(t *testing.T) {
	reg := registry(t, "globals")
	res, _ := bttest.Run(t, reg, `
type: Parallel
children:
  - {type: test.globals/inc, id: a}
  - {type: test.globals/inc, id: b}
  - {type: test.globals/inc, id: c}
`, nil)
	if res.Status != bt.Success {
		t.Fatal(res.Err)
	}
	total := int64(0)
	for _, id := range []string{"a", "b", "c"} {
		total += res.Blackboard[id].(map[string]any)["count"].(int64)
	}
	// Three calls of one tenant: counts from warm or fresh instances, each
	// instance counting 1, 2, ...; never three 1s from one shared instance
	// reporting the same value, and never more than 1+2+3.
	if total < 3 || total > 6 {
		t.Fatalf("counts sum to %d", total)
	}
}

func TestOutputsAndDefaults(t *testing.T) {
	reg := registry(t, "cecho")
	res, _ := bttest.Run(t, reg, `
type: Sequence
children:
  - type: test.cecho/add
    id: first
    props: {a: 5}
  - type: test.cecho/add
    id: second
    props: {a: "{{ first.sum }}", b: 10, outputs: {sum: total}}
  - type: test.cecho/add
    id: third
    props: {a: 1, outputKey: custom}
`, nil)
	if res.Status != bt.Success {
		t.Fatal(res.Err)
	}
	bb := res.Blackboard
	if bb["first"].(map[string]any)["sum"] != int64(5) || bb["total"] != int64(15) || bb["custom"].(map[string]any)["sum"] != int64(1) {
		t.Fatalf("blackboard %v", bb)
	}
	if _, ok := bb["second"]; ok {
		t.Fatal("outputs mapping also stored the whole object under the id")
	}
}

// A custom node called on the goroutine that ticks it (no Parallel or
// ReactiveSequence above it) still never holds up the rest of the tree: a
// guest that spins is stopped by its sibling's result (Parallel branches
// have goroutines of their own), by a ReactiveSequence whose condition
// turns false (there the node runs on a goroutine of its own), and by the
// end of the run; the spinning fixture's own limit is 5 s.
func TestSpinningGuestNeverBlocksTheTree(t *testing.T) {
	reg := registry(t, "spin")
	cases := []struct {
		name, src string
		cancel    time.Duration // cancel the run after this long
		status    bt.Status
		halted    string // the spinning node, halted
		errHas    string
	}{
		{name: "sibling wins a Parallel", src: `
type: Parallel
props: {strategy: any}
children:
  - {type: test.spin/run, id: spin}
  - type: Sequence
    children:
      - {type: WaitAction, props: {waitMs: 50}}
      - {type: SetVariable, props: {key: done, value: true}}
`, status: bt.Success, halted: "spin"},
		{name: "reactive condition turns false", src: `
type: Parallel
children:
  - type: ReactiveSequence
    children:
      - {type: CheckCondition, id: check, props: {key: stop, operator: "!=", value: true}}
      - {type: test.spin/run, id: spin}
  - type: Sequence
    children:
      - {type: WaitAction, props: {waitMs: 50}}
      - {type: SetVariable, props: {key: stop, value: true}}
`, status: bt.Failure, halted: "spin", errHas: "check"},
		{name: "run cancelled", src: `
type: Sequence
children:
  - {type: test.spin/run, id: spin}
`, cancel: 50 * time.Millisecond, status: bt.Failure, halted: "spin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := bttest.Load(t, reg, tc.src)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			sink := &event.Recorder{}
			start := time.Now()
			res := tr.Run(ctx, bt.RunOptions{Sink: sink, TickInterval: 5 * time.Millisecond})
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("the run took %v: the spinning guest held up the tree until its own limit", took)
			}
			if res.Status != tc.status {
				t.Fatalf("status %v (%v), want %v", res.Status, res.Err, tc.status)
			}
			if tc.errHas != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tc.errHas)) {
				t.Fatalf("err %v, want it to name %q", res.Err, tc.errHas)
			}
			if n := bttest.Count(sink.Events(), tc.halted, "halted"); n != 1 {
				t.Fatalf("%s halted %d times; finishes %v", tc.halted, n, bttest.Finishes(sink.Events()))
			}
		})
	}
}
