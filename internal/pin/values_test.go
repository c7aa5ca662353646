// Tests of the checks beyond a pin's type: path pins take canonical
// relative storage paths, pins with valid values take only those, in both
// directions (Coerce for inputs, DecodeJSON for outputs).

package pin

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPathProblem(t *testing.T) {
	tests := []struct {
		p, want string // want: "" for a valid path, else part of the problem
	}{
		{"a", ""},
		{"reports/2025.csv", ""},
		{"a/b/c.d", ""},
		{".hidden", ""},
		{"a/..b/c..", ""},
		{"é/ü", ""},
		{"", "empty"},
		{"/etc/passwd", "absolute"},
		{"/", "absolute"},
		{"../x", `".." element`},
		{"a/../b", `".." element`},
		{"..", `".." element`},
		{"./a", `"." element`},
		{"a/.", `"." element`},
		{".", `"." element`},
		{"a//b", "empty element"},
		{"a/", `trailing "/"`},
		{`a\b`, "backslash"},
		{`..\x`, "backslash"},
		{"a\x00b", "NUL"},
		{"a\xffb", "UTF-8"},
		{strings.Repeat("a", 256), "element of 256 bytes"},
		{strings.Repeat("a/", 512) + "a", "1025 bytes"},
		{strings.Repeat("a", 255), ""},
	}
	for _, tt := range tests {
		got := PathProblem(tt.p)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("PathProblem(%q) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestPathPins: a path pin refuses what is not a canonical relative path,
// as an input (Coerce) and as an output (DecodeJSON), in every value type.
func TestPathPins(t *testing.T) {
	tests := []struct {
		vt   ValueType
		in   any
		json string
		want string // "" for accepted
	}{
		{Normal, "dir/f.txt", `"dir/f.txt"`, ""},
		{Normal, "/etc/passwd", `"/etc/passwd"`, `pin p: expected a relative storage path like "dir/file.txt", found string "/etc/passwd" (absolute`},
		{Normal, "../x", `"../x"`, `pin p: expected a relative storage path like "dir/file.txt", found string "../x" (a ".." element`},
		{Normal, "", `""`, `found string "" (empty)`},
		{Array, []any{"a", "b/../c"}, `["a","b/../c"]`, `pin p[1]: expected a relative storage path`},
		{Set, []any{"a/"}, `["a/"]`, `pin p[0]: expected a relative storage path like "dir/file.txt", found string "a/" (a trailing "/")`},
		{Map, map[string]any{"z": "/z", "a": "ok", "b": "/b"}, `{"z":"/z","a":"ok","b":"/b"}`, `pin p["b"]: expected a relative storage path like "dir/file.txt", found string "/b"`},
		{Map, map[string]any{"k": "x/y"}, `{"k":"x/y"}`, ""},
	}
	for _, tt := range tests {
		s := &Spec{Name: "p", Type: Path, ValueType: tt.vt}
		_, err := s.Coerce(tt.in)
		check(t, "Coerce", s, tt.in, err, tt.want)
		_, err = s.DecodeJSON([]byte(tt.json))
		check(t, "DecodeJSON", s, tt.json, err, strings.Replace(tt.want, "pin p", "output pin p", 1))
	}
}

func check(t *testing.T, op string, s *Spec, in any, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s %s(%#v): %v", s.TypeName(), op, in, err)
	case want != "" && err == nil:
		t.Errorf("%s %s(%#v): accepted, want %q", s.TypeName(), op, in, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s %s(%#v): %v\nwant %q", s.TypeName(), op, in, err, want)
	case want != "" && !errors.Is(err, ErrMismatch):
		t.Errorf("%s %s(%#v): %v does not wrap ErrMismatch", s.TypeName(), op, in, err)
	}
}

// TestValidValues: a pin with valid values takes only those, compared as
// values of its type (2 and 2.0 on a float pin; dates at any offset), in
// both directions and for every element of a container.
func TestValidValues(t *testing.T) {
	tests := []struct {
		ty     Type
		vt     ValueType
		values []any
		in     any
		json   string
		want   string
	}{
		{String, Normal, []any{"fast", "slow"}, "fast", `"fast"`, ""},
		{String, Normal, []any{"fast", "slow"}, "medium", `"medium"`, `pin v: expected one of "fast", "slow", found string "medium"`},
		{String, Normal, []any{"fast", "slow"}, "Fast", `"Fast"`, `found string "Fast"`},
		{Integer, Normal, []any{int64(1), int64(2)}, 2.0, `2`, ""},
		{Integer, Normal, []any{int64(1), int64(2)}, int64(3), `3`, `pin v: expected one of 1, 2, found integer 3`},
		{Float, Normal, []any{0.5, 2.0}, int64(2), `2`, ""},
		{Float, Normal, []any{0.5, 2.0}, 1.5, `1.5`, `pin v: expected one of 0.5, 2.0, found float 1.5`},
		{Boolean, Normal, []any{true}, false, `false`, `expected one of true, found boolean false`},
		{Date, Normal, []any{when}, "2025-01-02T04:04:05+01:00", `"2025-01-02T04:04:05+01:00"`, ""},
		{Date, Normal, []any{when}, "2025-01-02T03:04:06Z", `"2025-01-02T03:04:06Z"`, `expected one of "2025-01-02T03:04:05Z", found date`},
		{Path, Normal, []any{"a/b", "c"}, "c", `"c"`, ""},
		{Path, Normal, []any{"a/b", "c"}, "d", `"d"`, `pin v: expected one of "a/b", "c", found string "d"`},
		{String, Array, []any{"x", "y"}, []any{"x", "y", "x"}, `["x","y","x"]`, ""},
		{String, Array, []any{"x", "y"}, []any{"x", "z"}, `["x","z"]`, `pin v[1]: expected one of "x", "y", found string "z"`},
		{String, Set, []any{"x", "y"}, []any{"y", "q"}, `["y","q"]`, `pin v[1]: expected one of "x", "y"`},
		{Integer, Map, []any{int64(7)}, map[string]any{"b": int64(8), "a": int64(7), "c": int64(9)}, `{"b":8,"a":7,"c":9}`, `pin v["b"]: expected one of 7, found integer 8`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "v", Type: tt.ty, ValueType: tt.vt}
		if err := s.SetValidValues(tt.values); err != nil {
			t.Fatalf("SetValidValues(%v): %v", tt.values, err)
		}
		_, err := s.Coerce(tt.in)
		check(t, "Coerce", s, tt.in, err, tt.want)
		_, err = s.DecodeJSON([]byte(tt.json))
		check(t, "DecodeJSON", s, tt.json, err, strings.Replace(tt.want, "pin v", "output pin v", 1))
	}
}

func TestValidValuesText(t *testing.T) {
	s := &Spec{Name: "n", Type: Integer}
	var many []any
	for i := range 25 {
		many = append(many, int64(i))
	}
	if err := s.SetValidValues(many); err != nil {
		t.Fatal(err)
	}
	if got, want := s.ValidValuesText(), "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, ... (25 in all)"; got != want {
		t.Errorf("ValidValuesText() = %q, want %q", got, want)
	}
	_, err := s.Coerce(int64(30))
	if err == nil || !strings.Contains(err.Error(), "(25 in all), found integer 30") {
		t.Errorf("Coerce(30) = %v", err)
	}
}

// TestSetValidValues: the values must be of the pin's type, not empty, not
// repeated, and only scalar types that compare by value take them.
func TestSetValidValues(t *testing.T) {
	tests := []struct {
		ty     Type
		values []any
		want   string
	}{
		{String, []any{"a", "b"}, ""},
		{Integer, []any{int64(1), 2.0}, ""},
		{String, []any{"a", int64(3)}, `pin v[1]: expected string, found integer 3`},
		{Integer, []any{1.5}, `pin v[0]: expected integer, found float 1.5`},
		{Path, []any{"ok", "/etc/passwd"}, `pin v[1]: expected a relative storage path like "dir/file.txt", found string "/etc/passwd" (absolute`},
		{Date, []any{"yesterday"}, `pin v[0]: expected date (RFC 3339), found string "yesterday"`},
		{String, []any{"a", "b", "a"}, `pin v[2]: duplicate valid value string "a" (same as [0])`},
		{Float, []any{int64(2), 2.0}, `pin v[1]: duplicate valid value float 2 (same as [0])`},
		{String, []any{}, `pin v: an empty list of valid values`},
		{Generic, []any{"a"}, `pin v: a generic pin takes no valid_values (only string, integer, float, boolean, date, path pins do)`},
		{Struct, []any{map[string]any{}}, `a struct pin takes no valid_values`},
		{Bytes, []any{"aGk="}, `a bytes pin takes no valid_values`},
		{Execution, []any{nil}, `an execution pin takes no valid_values`},
	}
	for _, tt := range tests {
		s := &Spec{Name: "v", Type: tt.ty}
		err := s.SetValidValues(tt.values)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %v: %v", tt.ty, tt.values, err)
		case tt.want == "" && len(s.ValidValues) != len(tt.values):
			t.Errorf("%s %v: set %v", tt.ty, tt.values, s.ValidValues)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %v: %v, want %q", tt.ty, tt.values, err, tt.want)
		case tt.want != "" && s.ValidValues != nil:
			t.Errorf("%s %v: set %v after an error", tt.ty, tt.values, s.ValidValues)
		}
	}
}

// FuzzPathProblem: PathProblem never panics, and what it accepts is a path
// no file system call can take out of the directory it is relative to.
func FuzzPathProblem(f *testing.F) {
	for _, seed := range []string{"a", "a/b.txt", "", "/", "/etc/passwd", "../x", "a/../b", "./a", "a/.", "a//b", "a/",
		`a\b`, "a\x00", "\xff", "...", "a/..b", strings.Repeat("a", 256), "C:/x", "c:", "é"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if PathProblem(p) != "" {
			return
		}
		if path.Clean(p) != p || !fs.ValidPath(p) || !filepath.IsLocal(p) || strings.HasPrefix(p, "/") ||
			strings.ContainsAny(p, "\\\x00") || !utf8.ValidString(p) || len(p) > MaxPathLen {
			t.Fatalf("PathProblem accepted %q", p)
		}
		s := &Spec{Name: "p", Type: Path}
		if _, err := s.Coerce(p); err != nil {
			t.Fatalf("Coerce(%q): %v", p, err)
		}
	})
}
