package wasmhost

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzHTTPRequestParse: any request is parsed or refused with a reply,
// never a panic; what is accepted is a sendable request.
func FuzzHTTPRequestParse(f *testing.F) {
	for _, s := range []string{
		`{"method":"GET","url":"http://a.weft.test/x"}`,
		`{"method":"POST","url":"https://x/","headers":{"content-type":"text/plain"},"body":"hi"}`,
		`{"method":"PUT","url":"http://x/","body_base64":"AP8="}`,
		`{"method":"GET","url":"http://x/","body":"a","body_base64":"YQ=="}`,
		`{"method":"G T","url":"http://x/"}`,
		`{"method":"GET","url":"http://x/","headers":{"a\r\nb":"c"}}`,
		`{"method":"GET","url":"http://x/","headers":{"a":"b\r\nc: d"}}`,
		`{"method":"GET","url":"%zz"}`, `{"method":"GET","url":"/rel"}`, `{"method":"GET"}`,
		`{"method":"GET","url":"http://[::ffff:127.0.0.1]:80/"}`, `null`, `[]`, `"x"`, `{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, req string) {
		if !json.Valid([]byte(req)) {
			return // the router refuses these before any handler
		}
		method, u, hdr, body, oe := parseHTTPRequest(json.RawMessage(req))
		if oe != nil {
			if oe.Code != CodeInvalidRequest && oe.Code != CodeLimitExceeded || !strings.HasPrefix(oe.Message, "http.request") {
				t.Fatalf("%s: reply %+v", req, oe)
			}
			return
		}
		if !isToken(method) || u == nil || !u.IsAbs() || len(body) > MaxHTTPRequestBody {
			t.Fatalf("%s: accepted method %q url %v body %d", req, method, u, len(body))
		}
		for k, vs := range hdr {
			for _, v := range vs {
				if !isToken(k) || strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("%s: accepted header %q: %q", req, k, v)
				}
			}
		}
	})
}
