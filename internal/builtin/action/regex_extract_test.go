package action_test

import (
	"reflect"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
)

func TestRegexExtract(t *testing.T) {
	in := map[string]any{
		"text":  "a1 b2 C3",
		"email": "contact: ann@example.com, bob@test.com",
		"lines": "one\ntwo",
		"num":   int64(5),
		"nil":   nil,
		"pat":   `\d`,
	}
	tests := []struct {
		name    string
		props   string
		want    bt.Status
		out     any // expected under "out"
		wantErr string
	}{
		{"g (default): every full match", `{input: text, pattern: '[a-z]\d', outputKey: out}`, bt.Success,
			[]any{"a1", "b2"}, ""},
		{"gi: ignore case", `{input: text, pattern: '[a-z]\d', flags: gi, outputKey: out}`, bt.Success,
			[]any{"a1", "b2", "C3"}, ""},
		{"no g: first match and its groups", `{input: email, pattern: '(\w+)@(\w+)\.com', flags: "", outputKey: out}`,
			bt.Success, []any{"ann@example.com", "ann", "example"}, ""},
		{"g ignores groups", `{input: email, pattern: '(\w+)@(\w+)\.com', outputKey: out}`,
			bt.Success, []any{"ann@example.com", "bob@test.com"}, ""},
		{"matchIndex picks a group", `{input: email, pattern: '(\w+)@(\w+)\.com', flags: "", matchIndex: 2, outputKey: out}`,
			bt.Success, "example", ""},
		{"matchIndex picks a match", `{input: text, pattern: '[a-z]\d', matchIndex: 1, outputKey: out}`,
			bt.Success, "b2", ""},
		{"matchIndex out of range is null", `{input: text, pattern: '[a-z]\d', matchIndex: 5, outputKey: out}`,
			bt.Success, nil, ""},
		{"negative matchIndex keeps the array", `{input: text, pattern: '[a-z]\d', matchIndex: -1, outputKey: out}`,
			bt.Success, []any{"a1", "b2"}, ""},
		{"unmatched optional group is null", `{input: text, pattern: 'a(x)?(1)', flags: "", outputKey: out}`,
			bt.Success, []any{"a1", nil, "1"}, ""},
		{"no match with g is empty", `{input: text, pattern: 'zz', outputKey: out}`, bt.Success, []any{}, ""},
		{"no match without g is empty", `{input: text, pattern: 'zz', flags: i, outputKey: out}`, bt.Success, []any{}, ""},
		{"no match with matchIndex is null", `{input: text, pattern: 'zz', matchIndex: 0, outputKey: out}`, bt.Success, nil, ""},
		{"m: ^ and $ at line breaks", `{input: lines, pattern: '^\w+$', flags: gm, outputKey: out}`, bt.Success,
			[]any{"one", "two"}, ""},
		{"without m, ^ and $ are the text's ends", `{input: lines, pattern: '^\w+$', outputKey: out}`, bt.Success,
			[]any{}, ""},
		{"s: dot matches newline", `{input: lines, pattern: 'e.t', flags: s, outputKey: out}`, bt.Success,
			[]any{"e\nt"}, ""},
		{"without s, dot does not match newline", `{input: lines, pattern: 'e.t', flags: "", outputKey: out}`, bt.Success,
			[]any{}, ""},
		{"templated pattern", `{input: text, pattern: "{{ pat }}", outputKey: out}`, bt.Success,
			[]any{"1", "2", "3"}, ""},
		{"templated invalid pattern fails", `{input: text, pattern: "{{ '(?=x)' }}", outputKey: out}`, bt.Failure,
			nil, "pattern|lookarounds"},
		{"missing input fails naming the key", `{input: nothing, pattern: x, outputKey: out}`, bt.Failure, nil,
			`"nothing" is not on the blackboard`},
		{"input not a string fails naming the type", `{input: num, pattern: x, outputKey: out}`, bt.Failure, nil,
			`"num"|an integer`},
		{"null input fails", `{input: nil, pattern: x, outputKey: out}`, bt.Failure, nil, `"nil"|null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ev, _ := run(t, "{type: RegexExtract, id: r, props: "+tt.props+"}", opts{inputs: in})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "r"), tt.wantErr)
			got, ok := res.Blackboard["out"]
			if tt.want == bt.Failure {
				if ok {
					t.Fatalf("a failure stored %#v", got)
				}
				return
			}
			if !ok || !reflect.DeepEqual(got, tt.out) {
				t.Fatalf("out = %#v, want %#v", got, tt.out)
			}
		})
	}
}

func TestRegexExtractLoadErrors(t *testing.T) {
	tests := []struct{ name, props, want string }{
		{"lookahead", `{input: a, pattern: 'x(?=y)', outputKey: o}`, "pattern|lookarounds and backreferences"},
		{"backreference", `{input: a, pattern: '(a)\1', outputKey: o}`, "pattern"},
		{"unknown flag", `{input: a, pattern: x, flags: gy, outputKey: o}`, `flags|'y'`},
		{"missing input", `{pattern: x, outputKey: o}`, `missing required prop "input"`},
		{"missing pattern", `{input: a, outputKey: o}`, `missing required prop "pattern"`},
		{"missing outputKey", `{input: a, pattern: x}`, `missing required prop "outputKey"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := buildErr("{type: RegexExtract, props: " + tt.props + "}")
			if err == nil {
				t.Fatal("no error")
			}
			checkErr(t, err.Error(), tt.want)
		})
	}
}
