package action_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
)

func TestWaitAction(t *testing.T) {
	tests := []struct {
		name     string
		props    string
		inputs   map[string]any
		interval time.Duration
		want     bt.Status
		minDur   time.Duration // lower bound of the node's duration
		first    string        // what the first tick returns
		wantErr  string
	}{
		{name: "0 succeeds at once", props: `{waitMs: 0}`, want: bt.Success, first: "success"},
		{name: "waits at least waitMs", props: `{waitMs: 60}`, want: bt.Success, minDur: 60 * time.Millisecond,
			first: "running"},
		{name: "the timer wakes the loop (1 h tick interval)", props: `{waitMs: 30}`, interval: time.Hour,
			want: bt.Success, minDur: 30 * time.Millisecond, first: "running"},
		{name: "templated waitMs", props: `{waitMs: "{{ms}}"}`, inputs: map[string]any{"ms": int64(40)},
			want: bt.Success, minDur: 40 * time.Millisecond, first: "running"},
		{name: "templated negative waitMs fails", props: `{waitMs: "{{ms}}"}`, inputs: map[string]any{"ms": int64(-1)},
			want: bt.Failure, first: "failure", wantErr: "waitMs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "{type: Probe, id: probe, children: [{type: WaitAction, id: w, props: " + tt.props + "}]}"
			res, ev, log := run(t, src, opts{inputs: tt.inputs, interval: tt.interval})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "w"), tt.wantErr)
			ticks := log.get("probe")
			if len(ticks) == 0 || ticks[0] != tt.first || ticks[len(ticks)-1] != tt.want.String() {
				t.Fatalf("ticks = %v, want %s first and %v last", ticks, tt.first, tt.want)
			}
			for _, s := range ticks[:len(ticks)-1] {
				if s != "running" {
					t.Fatalf("ticks = %v: a tick before the last did not return running", ticks)
				}
			}
			if f := finished(ev, "w"); len(f) != 1 || f[0].Duration < tt.minDur {
				t.Fatalf("finished events %+v, want one lasting at least %v", f, tt.minDur)
			}
		})
	}
}

// A halted wait starts afresh: the node finishes waitMs after it restarts,
// not after it first started.
func TestWaitActionHaltRestarts(t *testing.T) {
	src := `{type: Probe, id: probe, props: {haltAt: 2}, children: [{type: WaitAction, id: w, props: {waitMs: 150}}]}`
	res, ev, log := run(t, src, opts{})
	if res.Status != bt.Success {
		t.Fatalf("status = %v (err %v)", res.Status, res.Err)
	}
	ticks := log.get("probe")
	if len(ticks) < 3 || ticks[0] != "running" || ticks[1] != "halt" || ticks[len(ticks)-1] != "success" {
		t.Fatalf("ticks = %v", ticks)
	}
	f := finished(ev, "w")
	if len(f) != 2 || f[0].Status != "halted" || f[1].Status != "success" {
		t.Fatalf("finished = %+v, want halted then success", f)
	}
	if d := f[1].Time.Sub(f[0].Time); d < 150*time.Millisecond {
		t.Fatalf("finished %v after the halt, want at least 150ms", d)
	}
}

// The end of the run halts a waiting node.
func TestWaitActionHaltedByRunEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, ev, _ := run(t, `{type: WaitAction, id: w, props: {waitMs: 3600000}}`, opts{ctx: ctx})
	if res.Status != bt.Failure || res.Err == nil {
		t.Fatalf("status = %v, err %v; want failure", res.Status, res.Err)
	}
	if got := bttest.Finishes(ev); !slices.Equal(got, []string{"w:halted"}) {
		t.Fatalf("finishes = %v", got)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the run took %v", time.Since(start))
	}
}

func TestWaitActionLoadErrors(t *testing.T) {
	wantBuildErr(t, `{type: WaitAction, props: {waitMs: -5}}`, "waitMs")
	wantBuildErr(t, `{type: WaitAction, props: {waitMs: soon}}`, "waitMs")
}
