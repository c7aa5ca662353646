package template

import (
	"errors"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/value"
)

type env map[string]any

func (e env) Lookup(n string) (any, bool) { v, ok := e[n]; return v, ok }

var bb = env{
	"processedData": map[string]any{"mean": 2.5, "count": int64(4)},
	"orderId":       "A-17",
	"count":         int64(5),
	"ok":            true,
	"httpResponse":  map[string]any{"data": []any{map[string]any{"value": int64(21)}}},
	"big":           int64(9007199254740993),
	"name":          "ada",
	"fetch-data":    map[string]any{"n": int64(7)},
}

func TestEval(t *testing.T) {
	tests := []struct {
		src  any
		want any
	}{
		{"plain text", "plain text"},
		{"{{processedData}}", map[string]any{"mean": 2.5, "count": int64(4)}},
		{"{{ count }}", int64(5)},
		{"Order {{orderId}} received!", "Order A-17 received!"},
		{"{{ httpResponse.data[0].value * 2 }}", int64(42)},
		{"{{ count > 3 && ok }}", true},
		{"{{ count / 2 }}", 2.5},
		{"{{ count % 2 == 1 ? 'odd' : 'even' }}", "odd"},
		{"{{ big }}", int64(9007199254740993)},
		{"{{ big + 1 }}", int64(9007199254740994)},
		{"n={{count}}, ok={{ok}}", "n=5, ok=true"},
		{"{{ processedData }} as text: {{processedData.count}}", `{"count":4,"mean":2.5} as text: 4`},
		{"{{ missing ?? 'default' }}", "default"},
		{"{{ missing == null }}", true},
		{"{{ {'a': count}.a }}", int64(5)},
		{"{{ upper(name) }}", "ADA"},
		{`{{ $env["fetch-data"].n + 1 }}`, int64(8)},
		{"{{ len(httpResponse.data) }}", int64(1)},
		{map[string]any{"stats": "{{processedData}}", "n": int64(1)}, map[string]any{"stats": map[string]any{"mean": 2.5, "count": int64(4)}, "n": int64(1)}},
		{[]any{"{{count}}", "x"}, []any{int64(5), "x"}},
		{int64(3), int64(3)},
	}
	for _, tt := range tests {
		v, err := Compile(tt.src)
		if err != nil {
			t.Errorf("Compile(%v): %v", tt.src, err)
			continue
		}
		got, err := v.Eval(bb)
		if err != nil {
			t.Errorf("Eval(%v): %v", tt.src, err)
			continue
		}
		if !value.Equal(got, tt.want) || value.TypeName(got) != value.TypeName(tt.want) {
			t.Errorf("Eval(%v) = %#v, want %#v", tt.src, got, tt.want)
		}
	}
}

func TestLiteralsStayLiteral(t *testing.T) {
	for _, src := range []any{"no braces", int64(1), map[string]any{"a": "b"}, []any{"x", true}} {
		v, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := v.Literal(); !ok {
			t.Errorf("%v compiled to a template", src)
		}
	}
}

func TestMissingName(t *testing.T) {
	v, err := Compile("Hello {{ user.name }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Eval(bb)
	var me *MissingNameError
	if !errors.As(err, &me) || me.Name != "user" {
		t.Fatalf("err = %v, want MissingNameError for user", err)
	}
	if !strings.Contains(err.Error(), `"user" is not on the blackboard`) {
		t.Fatalf("message does not name it: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"abc {{ count", 4, "unterminated {{"},
		{"{{ }}", 2, "empty expression"},
		{"x {{ 1 + }}", 4, "does not compile"},
		{"{{ count ) }}", 2, "does not compile"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want a SyntaxError", tt.src, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Compile(%q): offset %d msg %q, want %d and %q", tt.src, se.Offset, se.Msg, tt.offset, tt.msg)
		}
	}
}

func TestRuntimeErrorsAreErrors(t *testing.T) {
	for _, src := range []string{"{{ orderId * 2 }}", "{{ count.x.y }}", "{{ 1 / 0 }}"} {
		v, err := Compile(src)
		if err != nil {
			continue // a compile-time rejection is fine too
		}
		if _, err := v.Eval(bb); err == nil && src != "{{ 1 / 0 }}" {
			t.Errorf("Eval(%q) succeeded", src)
		}
	}
}

func TestBracesInStrings(t *testing.T) {
	v, err := Compile(`{{ "}}" + orderId }}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Eval(bb)
	if err != nil || got != "}}A-17" {
		t.Fatalf("got %v, %v", got, err)
	}
}

// The memory budget bounds what an expression may build.
func TestBounded(t *testing.T) {
	v, err := Compile("{{ map(1..100000000, # * 2) }}")
	if err != nil {
		return
	}
	if _, err := v.Eval(bb); err == nil {
		t.Fatal("a 100M-element expression was evaluated")
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{"plain", "{{a}}", "x {{ a.b[0] * 2 }} y", "{{", "}}", "{{ '}}' }}", "{{ {'a': {'b': 1}} }}",
		"{{ a ?? b }}", "{{ let x = 1; x + a }}", "{{ map(a, # > 1) }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Compile(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of unexpected type %T: %v", err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("offset %d out of range for %q", se.Offset, s)
			}
			return
		}
		_, _ = v.Eval(env{"a": []any{int64(1), int64(2)}, "b": "s"})
	})
}

func TestEnvIndexing(t *testing.T) {
	if _, err := Compile(`{{ $env[name] }}`); err == nil || !strings.Contains(err.Error(), "literal string") {
		t.Fatalf("dynamic $env: %v", err)
	}
	v, _ := Compile(`{{ $env["no-such"] }}`)
	var me *MissingNameError
	if _, err := v.Eval(bb); !errors.As(err, &me) || me.Name != "no-such" {
		t.Fatalf("missing $env key: %v", err)
	}
}

func TestNames(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"literal", "no template", ""},
		{"whole", "{{ a.b + c }}", "a,c"},
		{"interpolation", "x {{ a }} y {{ b }} {{ a }}", "a,b"},
		{"optional names are not required", "{{ a ?? b }} {{ c == null }}", "b"},
		{"env keys", `{{ $env["fetch-data"].status }}`, "fetch-data"},
		{"let and functions", "{{ let x = n; len(x) }}", "n"},
		{"nested values, object keys sorted", map[string]any{"z": "{{ z1 }}", "a": []any{"{{ a1 }}", int64(1)}}, "a1,z1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Compile(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(Names(v), ","); got != c.want {
				t.Fatalf("Names = %q, want %q", got, c.want)
			}
		})
	}
}
