package action_test

import (
	"slices"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestMockAction(t *testing.T) {
	tests := []struct {
		name    string
		probe   string // Probe props
		props   string // MockAction props
		inputs  map[string]any
		want    bt.Status
		ticks   []string
		wantErr string
	}{
		{name: "default succeeds on the first tick", probe: `{}`, props: `{}`,
			want: bt.Success, ticks: []string{"success"}},
		{name: "runs ticksBeforeComplete-1 ticks then fails", probe: `{}`,
			props: `{returnStatus: FAILURE, ticksBeforeComplete: 3}`,
			want:  bt.Failure, ticks: []string{"running", "running", "failure"}},
		{name: "lower-case status", probe: `{}`, props: `{returnStatus: failure}`,
			want: bt.Failure, ticks: []string{"failure"}},
		{name: "each activation counts afresh", probe: `{stopAfter: 4}`, props: `{ticksBeforeComplete: 2}`,
			want: bt.Success, ticks: []string{"running", "success", "running", "success"}},
		{name: "halt resets the count", probe: `{haltAt: 2}`, props: `{ticksBeforeComplete: 3}`,
			want: bt.Success, ticks: []string{"running", "halt", "running", "running", "success"}},
		{name: "RUNNING keeps running", probe: `{stopAfter: 5}`, props: `{returnStatus: RUNNING, ticksBeforeComplete: 2}`,
			want: bt.Success, ticks: []string{"running", "running", "running", "running", "running"}},
		{name: "templated props", probe: `{}`, props: `{returnStatus: "{{s}}", ticksBeforeComplete: "{{n}}"}`,
			inputs: map[string]any{"s": "FAILURE", "n": int64(2)},
			want:   bt.Failure, ticks: []string{"running", "failure"}},
		{name: "templated unknown status fails", probe: `{}`, props: `{returnStatus: "{{s}}"}`,
			inputs: map[string]any{"s": "DONE"},
			want:   bt.Failure, ticks: []string{"failure"}, wantErr: `returnStatus|"DONE"`},
		{name: "templated ticksBeforeComplete below 1 fails", probe: `{}`, props: `{ticksBeforeComplete: "{{n}}"}`,
			inputs: map[string]any{"n": int64(0)},
			want:   bt.Failure, ticks: []string{"failure"}, wantErr: "ticksBeforeComplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "{type: Probe, id: probe, props: " + tt.probe + ", children: [{type: MockAction, id: m, props: " + tt.props + "}]}"
			res, ev, log := run(t, src, opts{inputs: tt.inputs})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			if got := log.get("probe"); !slices.Equal(got, tt.ticks) {
				t.Fatalf("ticks = %v, want %v", got, tt.ticks)
			}
			checkErr(t, nodeErr(ev, "m"), tt.wantErr)
		})
	}
}

func TestMockActionLoadErrors(t *testing.T) {
	tests := []struct{ name, props, want string }{
		{"unknown status", `{returnStatus: DONE}`, "returnStatus"},
		{"zero ticks", `{ticksBeforeComplete: 0}`, "ticksBeforeComplete: must be at least 1"},
		{"ticks not an integer", `{ticksBeforeComplete: two}`, "ticksBeforeComplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantBuildErr(t, "{type: MockAction, props: "+tt.props+"}", tt.want)
		})
	}
}
