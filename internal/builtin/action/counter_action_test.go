package action_test

import (
	"math"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestCounterAction(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		inputs  map[string]any
		want    bt.Status
		key     string
		value   any // exact value and Go type expected under key
		wantErr string
	}{
		{name: "missing counter starts from 0", src: `{type: CounterAction, id: c}`,
			want: bt.Success, key: "counter", value: int64(1)},
		{name: "adds increment to an integer", src: `{type: CounterAction, id: c, props: {counterKey: n, increment: 5}}`,
			inputs: map[string]any{"n": int64(10)}, want: bt.Success, key: "n", value: int64(15)},
		{name: "increment 0 adds nothing", src: `{type: CounterAction, id: c, props: {increment: 0}}`,
			inputs: map[string]any{"counter": int64(4)}, want: bt.Success, key: "counter", value: int64(4)},
		{name: "negative increment", src: `{type: CounterAction, id: c, props: {increment: -3}}`,
			inputs: map[string]any{"counter": int64(1)}, want: bt.Success, key: "counter", value: int64(-2)},
		{name: "a float counter stays a float", src: `{type: CounterAction, id: c}`,
			inputs: map[string]any{"counter": 1.5}, want: bt.Success, key: "counter", value: 2.5},
		{name: "null counts as 0", src: `{type: CounterAction, id: c, props: {increment: 2}}`,
			inputs: map[string]any{"counter": nil}, want: bt.Success, key: "counter", value: int64(2)},
		{name: "each tick of a sequence adds", src: `
type: Sequence
children:
  - {type: CounterAction, props: {counterKey: hits}}
  - {type: CounterAction, props: {counterKey: hits}}
  - {type: CounterAction, id: c, props: {counterKey: hits, increment: 10}}
`, want: bt.Success, key: "hits", value: int64(12)},
		{name: "templated key and increment", src: `{type: CounterAction, id: c, props: {counterKey: "{{k}}", increment: "{{ step * 2 }}"}}`,
			inputs: map[string]any{"k": "total", "step": int64(3)}, want: bt.Success, key: "total", value: int64(6)},
		{name: "a string counter fails naming key and type", src: `{type: CounterAction, id: c, props: {counterKey: n}}`,
			inputs: map[string]any{"n": "3"}, want: bt.Failure, key: "n", value: "3", wantErr: `"n"|string`},
		{name: "an object counter fails", src: `{type: CounterAction, id: c}`,
			inputs: map[string]any{"counter": map[string]any{}}, want: bt.Failure, wantErr: `"counter"|object`},
		{name: "overflow fails", src: `{type: CounterAction, id: c}`,
			inputs: map[string]any{"counter": int64(math.MaxInt64)}, want: bt.Failure, key: "counter",
			value: int64(math.MaxInt64), wantErr: "overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, tt.src, opts{inputs: tt.inputs})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "c"), tt.wantErr)
			if tt.key != "" {
				if got := res.Blackboard[tt.key]; got != tt.value {
					t.Fatalf("blackboard[%s] = %#v (%T), want %#v (%T)", tt.key, got, got, tt.value, tt.value)
				}
			}
		})
	}
}
