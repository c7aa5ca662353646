package suggest

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"Sequence", "Selector", "Parallel", "HttpRequest", "PrintAction", "timeoutMs"}
	for in, want := range map[string]string{
		"Sequense": "Sequence", "sequence": "Sequence", "HTTPRequest": "HttpRequest",
		"Print": "PrintAction", "timeout": "timeoutMs", "Zzzzzzzz": "", "": "",
	} {
		if got := Nearest(in, names); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"kitten", "sitting", 3}, {"abc", "abc", 0}, {"a", "", 1}, {string(make([]byte, 65)), "x", 100}} {
		if got := Distance(tt.a, tt.b); got != tt.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
