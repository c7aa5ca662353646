package action_test

import (
	"reflect"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestScript(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		inputs  map[string]any
		want    bt.Status
		values  map[string]any // expected blackboard values (exact types)
		absent  []string
		wantErr string
	}{
		{name: "assignments in order see earlier ones", code: "a = 1; b = a + 1\nc = b * 10\na = a + 100",
			want: bt.Success, values: map[string]any{"a": int64(101), "b": int64(2), "c": int64(20)}},
		{name: "literals", code: "s = 'single'; d = \"dq\"; f = 2.5; t = true; n = null; neg = -3; no = !false",
			want: bt.Success, values: map[string]any{"s": "single", "d": "dq", "f": 2.5, "t": true, "n": nil,
				"neg": int64(-3), "no": true}},
		{name: "operators", code: "m = 7 % 3; q = 7 / 2; p = (1 + 2) * 3; c = 2 >= 2 && 1 < 2 || false; e = 1 == 1.0; ne = 'a' != 'b'",
			want: bt.Success, values: map[string]any{"m": int64(1), "q": 3.5, "p": int64(9), "c": true, "e": true, "ne": true}},
		{name: "member access reads the blackboard", code: "city = user.address.city\nname = user.name + '!'",
			inputs: map[string]any{"user": map[string]any{"name": "Ann", "address": map[string]any{"city": "Oslo"}}},
			want:   bt.Success, values: map[string]any{"city": "Oslo", "name": "Ann!"}},
		{name: "comments are dropped", code: "// first\ns = \"x;y // kept\" // trailing; b = 2\n\n   // indented comment\nk = 1",
			want: bt.Success, values: map[string]any{"s": "x;y // kept", "k": int64(1)}, absent: []string{"b"}},
		{name: "null tests a missing name", code: "unset = missing == null\nset = present != null\nfallback = missing ?? 'dflt'",
			inputs: map[string]any{"present": int64(0)},
			want:   bt.Success, values: map[string]any{"unset": true, "set": true, "fallback": "dflt"}},
		{name: "statements continue across lines", code: "total = 1 +\n  2\nok = total == 3\n  && true\nlist = [\n  1,\n  2\n]\nsum = list[0]\n  + list[1]",
			want: bt.Success, values: map[string]any{"total": int64(3), "ok": true, "list": []any{int64(1), int64(2)}, "sum": int64(3)}},
		{name: "bare expressions are evaluated and discarded", code: "a = 1\na + 1\na == 2\na != 3",
			want: bt.Success, values: map[string]any{"a": int64(1)}},
		{name: "code is never templated", code: "s = \"{{ a }}\"",
			want: bt.Success, values: map[string]any{"s": "{{ a }}"}},
		{name: "a missing name fails with its line; earlier statements took effect", code: "x = 1\n\ny = missing + 1\nz = 2",
			want: bt.Failure, values: map[string]any{"x": int64(1)}, absent: []string{"y", "z"},
			wantErr: `line 3|"missing"`},
		{name: "type errors fail", code: "\ns = name + 1", inputs: map[string]any{"name": "a"},
			want: bt.Failure, wantErr: "line 2|string"},
		{name: "member access on null fails", code: "v = n.x", inputs: map[string]any{"n": nil},
			want: bt.Failure, wantErr: "line 1"},
		{name: "always succeeds, whatever the last value", code: "false", want: bt.Success},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "{type: Script, id: s, props: {textContent: " + quoteYAML(tt.code) + "}}"
			res, ev, _ := run(t, src, opts{inputs: tt.inputs})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "s"), tt.wantErr)
			for k, v := range tt.values {
				got, ok := res.Blackboard[k]
				if !ok || !reflect.DeepEqual(got, v) {
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

// Assignments go to the current scope, where reads fall through to parents:
// here the root scope, seeded with the inputs.
func TestScriptBlockScalar(t *testing.T) {
	src := `
type: Sequence
children:
  - type: Script
    props:
      textContent: |
        count = count + 1   // from the inputs
        label = "n=" + string(count)
  - type: CheckCondition
    props: {key: label, value: "n=2"}
`
	res, _, _ := run(t, src, opts{inputs: map[string]any{"count": int64(1)}})
	if res.Status != bt.Success {
		t.Fatalf("status = %v (err %v)", res.Status, res.Err)
	}
}

func TestScriptLoadErrors(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"syntax error names the line", "a = 1\n\nb = 2 +* 3", "line 3"},
		{"second statement on a line without ;", "a = 1 b = 2", "line 1"},
		{"nothing to assign", "a = 1\nb =", "line 2|nothing to assign to b"},
		{"unclosed bracket", "a = (1 +\nb = 2", "line 1"},
		{"assignment to a property", "a.b = 1", "line 1"},
		{"assignment to a reserved word", "null = 1", `line 1|"null"`},
		{"empty script", "  \n ", "textContent"},
		{"env() does not exist", "home = env('HOME')", "line 1"},
		{"type error between literals", "s = 'a' + 1", "line 1|mismatched types"},
		{"param() does not exist", "p = param('k')", "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := buildErr("{type: Script, props: {textContent: " + quoteYAML(tt.code) + "}}")
			if err == nil {
				t.Fatal("no error")
			}
			checkErr(t, err.Error(), tt.want)
		})
	}
	wantBuildErr(t, `{type: Script}`, `missing required prop "textContent"`)
}

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string {
	out := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"':
			out = append(out, '\\', '"')
		case '\\':
			out = append(out, '\\', '\\')
		case '\n':
			out = append(out, '\\', 'n')
		default:
			out = append(out, string(r)...)
		}
	}
	return string(append(out, '"'))
}
