package action_test

import (
	"slices"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestPrintAction(t *testing.T) {
	tests := []struct {
		name    string
		props   string
		inputs  map[string]any
		want    bt.Status
		logs    []string
		stored  map[string]any // blackboard values expected after the run
		absent  []string       // keys that must not be on the blackboard
		wantErr string
	}{
		{name: "default message, nothing stored", props: `{}`, want: bt.Success,
			logs: []string{"info: Hello from PrintAction!"}, absent: []string{"outputKey", "message"}},
		{name: "templated message stored under outputKey",
			props:  `{message: "Order {{id}} for {{who.name}}", outputKey: out}`,
			inputs: map[string]any{"id": int64(7), "who": map[string]any{"name": "Ann"}},
			want:   bt.Success, logs: []string{"info: Order 7 for Ann"},
			stored: map[string]any{"out": "Order 7 for Ann"}},
		{name: "empty message is printed as is", props: `{message: ""}`, want: bt.Success,
			logs: []string{"info: "}},
		{name: "a whole-template number is stored as its text", props: `{message: "{{ 1 + 2 }}", outputKey: out}`,
			want: bt.Success, logs: []string{"info: 3"}, stored: map[string]any{"out": "3"}},
		{name: "missing name in template fails", props: `{message: "hi {{nope}}"}`, want: bt.Failure,
			wantErr: `"nope" is not on the blackboard`},
		{name: "empty outputKey fails", props: `{message: hi, outputKey: ""}`, want: bt.Failure,
			wantErr: "outputKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: PrintAction, id: p, props: "+tt.props+"}", opts{inputs: tt.inputs})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "p"), tt.wantErr)
			if tt.want == bt.Success && !slices.Equal(logs(ev, "p"), tt.logs) {
				t.Fatalf("logs = %q, want %q", logs(ev, "p"), tt.logs)
			}
			for k, v := range tt.stored {
				if got, ok := res.Blackboard[k]; !ok || got != v {
					t.Fatalf("blackboard[%s] = %#v, want %#v", k, got, v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := res.Blackboard[k]; ok {
					t.Fatalf("blackboard has %s", k)
				}
			}
		})
	}
}
