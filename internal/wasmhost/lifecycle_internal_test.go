// Tests of weft_init's response parser (lifecycle.go): table cases and a
// fuzz test (seed corpus in testdata/fuzz/FuzzInitResponse).

package wasmhost

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInitResponse(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{`{"status":"success"}`, ""},
		{` {"status":"success","extra":1} `, ""},
		{`{"status":"failure","error":"no key"}`, "no key"},
		{`{"status":"failure"}`, "it reported failure without an error message"},
		{`{"status":"failure","error":""}`, "it reported failure without an error message"},
		{`{"status":"maybe"}`, `the response's status is "maybe", expected "success" or "failure"`},
		{`{}`, `the response's status is "", expected "success" or "failure"`},
		{`not json`, `the response is not {"status":"success"} or {"status":"failure","error":"..."}: "not json"`},
		{`{"status":"success"} trailing`, `the response is not`},
		{``, `the response is not`},
		{`{"status":"failure","error":5}`, `the response is not`},
	} {
		err := initResponse([]byte(tc.in))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.err)
		}
	}
}

func FuzzInitResponse(f *testing.F) {
	f.Add([]byte(`{"status":"success"}`))
	f.Add([]byte(`{"status":"failure","error":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := initResponse(b)
		if err != nil && !utf8.ValidString(err.Error()) && utf8.Valid(b) {
			t.Fatalf("error is not UTF-8: %q", err)
		}
		if err != nil && len(err.Error()) > MaxLogLine+200 {
			t.Fatalf("error of %d bytes", len(err.Error()))
		}
	})
}
