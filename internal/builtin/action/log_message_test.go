package action_test

import (
	"slices"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestLogMessage(t *testing.T) {
	in := map[string]any{"user": "ann", "n": int64(3), "obj": map[string]any{"a": int64(1)}, "nil": nil,
		"list": []any{"x", 2.5}}
	tests := []struct {
		name    string
		props   string
		want    bt.Status
		logs    []string
		wantErr string
	}{
		{"default level is info", `{message: hello}`, bt.Success, []string{"info: hello"}, ""},
		{"levels", `{message: careful, level: warn}`, bt.Success, []string{"warn: careful"}, ""},
		{"debug", `{message: details, level: debug}`, bt.Success, []string{"debug: details"}, ""},
		{"error", `{message: bad, level: error}`, bt.Success, []string{"error: bad"}, ""},
		{"${key} placeholders", `{message: "user=${user} n=${ n } obj=${obj} nil=${nil} list=${list}"}`, bt.Success,
			[]string{`info: user=ann n=3 obj={"a":1} nil=null list=["x",2.5]`}, ""},
		{"missing ${key} is left as written", `{message: "hi ${nobody}!"}`, bt.Success, []string{"info: hi ${nobody}!"}, ""},
		{"{{ }} templates", `{message: "{{ user }} has {{ n * 2 }}"}`, bt.Success, []string{"info: ann has 6"}, ""},
		{"both kinds", `{message: "{{ n + 1 }} vs ${n}"}`, bt.Success, []string{"info: 4 vs 3"}, ""},
		{"templated level", `{message: x, level: "{{ 'warn' }}"}`, bt.Success, []string{"warn: x"}, ""},
		{"templated unknown level fails", `{message: x, level: "{{ 'loud' }}"}`, bt.Failure, nil, `level|"loud"`},
		{"a template naming a missing key fails", `{message: "{{ nobody }}"}`, bt.Failure, nil, `"nobody"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: LogMessage, id: l, props: "+tt.props+"}", opts{inputs: in})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "l"), tt.wantErr)
			if got := logs(ev, "l"); !slices.Equal(got, tt.logs) {
				t.Fatalf("logs = %q, want %q", got, tt.logs)
			}
		})
	}
}

func TestLogMessageLoadErrors(t *testing.T) {
	wantBuildErr(t, `{type: LogMessage, props: {level: info}}`, `missing required prop "message"`)
	wantBuildErr(t, `{type: LogMessage, props: {message: x, level: verbose}}`, "level")
}
