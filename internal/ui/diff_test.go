// diff_test.go: the history's line diff.

package ui

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"a\nb\nc\n", "a\nb\nc\n", " a  b  c"},
		{"a\nb\nc\n", "a\nx\nc\n", " a -b +x  c"},
		{"a\n", "a\nb\n", " a +b"},
		{"a\nb\n", "b\n", "-a  b"},
		{"", "x", "- +x"},
	}
	for _, tc := range tests {
		var got []string
		for _, l := range lineDiff(tc.a, tc.b) {
			got = append(got, l.Op+l.Text)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%q -> %q: %q, want %q", tc.a, tc.b, g, tc.want)
		}
	}
	// Past the table's bound: all out, all in.
	big := strings.Repeat("x\n", 3000)
	if d := lineDiff(big, big+"y\n"); len(d) != 6001 {
		t.Errorf("big diff: %d lines", len(d))
	}
}
