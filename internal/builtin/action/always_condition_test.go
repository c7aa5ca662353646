package action_test

import (
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestAlwaysCondition(t *testing.T) {
	tests := []struct {
		name    string
		props   string
		inputs  map[string]any
		want    bt.Status
		wantErr string
	}{
		{"default succeeds", `{}`, nil, bt.Success, ""},
		{"FAILURE", `{returnStatus: FAILURE}`, nil, bt.Failure, ""},
		{"lower-case failure", `{returnStatus: failure}`, nil, bt.Failure, ""},
		{"templated", `{returnStatus: "{{s}}"}`, map[string]any{"s": "SUCCESS"}, bt.Success, ""},
		{"templated RUNNING is an error", `{returnStatus: "{{s}}"}`, map[string]any{"s": "RUNNING"}, bt.Failure,
			`returnStatus|"RUNNING"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: AlwaysCondition, id: c, props: "+tt.props+"}", opts{inputs: tt.inputs})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "c"), tt.wantErr)
		})
	}
	wantBuildErr(t, `{type: AlwaysCondition, props: {returnStatus: RUNNING}}`, "returnStatus")
}
