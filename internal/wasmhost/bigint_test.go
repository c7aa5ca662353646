// bigint_test.go: integers beyond 2^53 on their way into and out of the
// JavaScript VM.

package wasmhost

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMarkBigInts(t *testing.T) {
	in := `{"a":9223372036854775807,"b":-9223372036854775808,"c":9007199254740991,"d":9007199254740992,"e":1.5e300,"s":"9223372036854775807","n":[1,-2,12345678901234567890]}`
	m := string(markBigInts([]byte(in)))
	for _, want := range []string{`"a":"` + jsonMark() + `9223372036854775807"`, `"b":"` + jsonMark() + `-9223372036854775808"`,
		`"c":9007199254740991`, `"d":"` + jsonMark() + `9007199254740992"`, `"e":1.5e300`, `"s":"9223372036854775807"`, `"` + jsonMark() + `12345678901234567890"`} {
		if !strings.Contains(m, want) {
			t.Errorf("marked %s lacks %s", m, want)
		}
	}
	if back := string(unmarkBigInts([]byte(m))); back != in {
		t.Fatalf("round trip:\n got %s\nwant %s", back, in)
	}
}

func FuzzBigInts(f *testing.F) {
	for _, s := range []string{`{"a":9223372036854775807}`, `[-9007199254740993, "x\"9223372036854775807", 1e20, 0]`, `"\u0001weft"`, `12345678901234567`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		m := markBigInts([]byte(s))
		if !json.Valid(m) {
			t.Fatalf("marked JSON is not JSON: %s", m)
		}
		if back := unmarkBigInts(m); string(back) != s && !strings.Contains(s, bigMark[1:]) {
			t.Fatalf("round trip of %s: %s", s, back)
		}
	})
}
