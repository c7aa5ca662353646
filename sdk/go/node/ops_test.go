// Tests of the typed helpers of ops.go: the requests they send (exactly, as
// the ABI spells them) and how they read replies, malformed ones included.

package node

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// opsCall returns a Call on a fakeHost answering replies.
func opsCall(replies map[string]string) (*Call, *fakeHost) {
	h := &fakeHost{replies: replies}
	r, _ := parseRequest(req("t-nothing", `{}`))
	return newCall(h, r), h
}

// TestOpsRequests: every helper sends the ABI's request and returns what
// the reply holds.
func TestOpsRequests(t *testing.T) {
	c, h := opsCall(map[string]string{
		"cache.get":      `{"ok":{"rate":1.08}}`,
		"cache.set":      `{"ok":null}`,
		"cache.delete":   `{"ok":null}`,
		"state.get":      `{"ok":9007199254740993}`,
		"state.set":      `{"ok":null}`,
		"http.request":   `{"ok":{"status":201,"headers":{"content-type":"text/plain"},"body":"made ✓"}}`,
		"storage.read":   `{"ok":{"data_base64":"AP8="}}`,
		"storage.write":  `{"ok":null}`,
		"storage.list":   `{"ok":["a/1","a/2"]}`,
		"storage.delete": `{"ok":null}`,
		"oauth.token":    `{"ok":{"access_token":"tok","expires_at":"2030-01-02T03:04:05Z"}}`,
	})
	var got []string
	check := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got = append(got, fmt.Sprintf("%s=%v", what, v))
	}
	var rate struct{ Rate float64 }
	found, err := c.Cache().Get("eur", &rate)
	check("cache.get", []any{found, rate.Rate}, err)
	found, err = c.Cache().Get("eur", nil)
	check("cache.get(nil)", found, err)
	check("cache.set", nil, c.Cache().Set("eur", 1.08))
	check("cache.set ttl", nil, c.Cache().SetWithTTL("eur", 1.08, 90*time.Second))
	check("cache.set ttl µs", nil, c.Cache().SetWithTTL("eur", 1.08, time.Microsecond))
	check("cache.set ttl 1.5ms", nil, c.Cache().SetWithTTL("eur", 1.08, 1500*time.Microsecond))
	check("cache.delete", nil, c.Cache().Delete("eur"))
	var n int64
	found, err = c.State().Get("count", &n)
	check("state.get", []any{found, n}, err)
	check("state.set", nil, c.State().Set("count", n+1))
	resp, err := c.HTTP().Do(HTTPRequest{URL: "https://api.example.com/x"})
	check("http get", []any{resp.Status, resp.Headers["content-type"], resp.Text()}, err)
	_, err = c.HTTP().Do(HTTPRequest{Method: "POST", URL: "https://api.example.com/x",
		Headers: map[string]string{"Content-Type": "application/json"}, Body: []byte(`{"a":1}`)})
	check("http post", nil, err)
	_, err = c.HTTP().Do(HTTPRequest{Method: "PUT", URL: "https://api.example.com/bin", Body: []byte{0, 0xff}})
	check("http binary", nil, err)
	data, err := c.Storage().Read("a/1")
	check("storage.read", data, err)
	check("storage.write", nil, c.Storage().Write("a/1", []byte{0, 0xff}))
	paths, err := c.Storage().List("")
	check("storage.list", paths, err)
	paths, err = c.Storage().List("a/")
	check("storage.list prefix", paths, err)
	check("storage.delete", nil, c.Storage().Delete("a/1"))
	tok, err := c.OAuth().Token("google")
	check("oauth.token", []any{tok.AccessToken, tok.ExpiresAt.Format(time.RFC3339), tok.Bearer()}, err)

	want := []string{
		"cache.get=[true 1.08]", "cache.get(nil)=true", "cache.set=<nil>", "cache.set ttl=<nil>", "cache.set ttl µs=<nil>",
		"cache.set ttl 1.5ms=<nil>", "cache.delete=<nil>", "state.get=[true 9007199254740993]", "state.set=<nil>",
		"http get=[201 text/plain made ✓]", "http post=<nil>", "http binary=<nil>", "storage.read=[0 255]",
		"storage.write=<nil>", "storage.list=[a/1 a/2]", "storage.list prefix=[a/1 a/2]", "storage.delete=<nil>",
		"oauth.token=[tok 2030-01-02T03:04:05Z Bearer tok]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	wantCalls := []string{
		`cache.get {"key":"eur"}`,
		`cache.get {"key":"eur"}`,
		`cache.set {"key":"eur","value":1.08}`,
		`cache.set {"key":"eur","ttl_ms":90000,"value":1.08}`,
		`cache.set {"key":"eur","ttl_ms":1,"value":1.08}`,
		`cache.set {"key":"eur","ttl_ms":2,"value":1.08}`,
		`cache.delete {"key":"eur"}`,
		`state.get {"key":"count"}`,
		`state.set {"key":"count","value":9007199254740994}`,
		`http.request {"method":"GET","url":"https://api.example.com/x"}`,
		`http.request {"method":"POST","url":"https://api.example.com/x","headers":{"Content-Type":"application/json"},"body":"{\"a\":1}"}`,
		`http.request {"method":"PUT","url":"https://api.example.com/bin","body_base64":"AP8="}`,
		`storage.read {"path":"a/1"}`,
		`storage.write {"data_base64":"AP8=","path":"a/1"}`,
		`storage.list {}`,
		`storage.list {"prefix":"a/"}`,
		`storage.delete {"path":"a/1"}`,
		`oauth.token {"provider":"google"}`,
	}
	if !reflect.DeepEqual(h.calls, wantCalls) {
		t.Errorf("requests\n got %q\nwant %q", h.calls, wantCalls)
	}
}

// TestOpsReplies: null and odd replies, and errors of each helper.
func TestOpsReplies(t *testing.T) {
	for _, tt := range []struct {
		name    string
		replies map[string]string
		run     func(c *Call) (any, error)
		want    string // fmt of the value, or of the error with a leading "!"
	}{
		{"cache miss", map[string]string{"cache.get": `{"ok":null}`}, func(c *Call) (any, error) {
			s := "untouched"
			found, err := c.Cache().Get("k", &s)
			return []any{found, s}, err
		}, "[false untouched]"},
		{"state wrong type", map[string]string{"state.get": `{"ok":"five"}`}, func(c *Call) (any, error) {
			var n int
			return c.State().Get("k", &n)
		}, `!state.get "k": json: cannot unmarshal string into Go value of type int`},
		{"state denied", map[string]string{"state.get": `{"error":{"code":"permission_denied","message":"declare state = true"}}`},
			func(c *Call) (any, error) { return c.State().Get("k", nil) }, "!host call state.get: permission_denied: declare state = true"},
		{"ttl zero", nil, func(c *Call) (any, error) { return nil, c.Cache().SetWithTTL("k", 1, 0) },
			"!host call cache.set: invalid_request: ttl 0s is not positive (Set stores a value without expiry)"},
		{"ttl negative", nil, func(c *Call) (any, error) { return nil, c.Cache().SetWithTTL("k", 1, -time.Second) },
			"!host call cache.set: invalid_request: ttl -1s is not positive (Set stores a value without expiry)"},
		{"http binary reply", map[string]string{"http.request": `{"ok":{"status":200,"headers":{},"body":"","body_base64":"AP8="}}`},
			func(c *Call) (any, error) {
				r, err := c.HTTP().Do(HTTPRequest{URL: "http://x/"})
				if err != nil {
					return nil, err
				}
				return r.Body, nil
			}, "[0 255]"},
		{"http no headers", map[string]string{"http.request": `{"ok":{"status":204,"body":""}}`},
			func(c *Call) (any, error) {
				r, err := c.HTTP().Do(HTTPRequest{URL: "http://x/"})
				if err != nil {
					return nil, err
				}
				return []any{r.Status, r.Headers != nil, len(r.Body)}, nil
			}, "[204 true 0]"},
		{"http bad base64", map[string]string{"http.request": `{"ok":{"status":200,"headers":{},"body":"","body_base64":"!!"}}`},
			func(c *Call) (any, error) { return c.HTTP().Do(HTTPRequest{URL: "http://x/"}) },
			"!host call http.request: body_base64: illegal base64 data at input byte 0"},
		{"http denied", map[string]string{"http.request": `{"error":{"code":"permission_denied","message":"host x is not allowed"}}`},
			func(c *Call) (any, error) { return c.HTTP().Do(HTTPRequest{URL: "http://x/"}) },
			"!host call http.request: permission_denied: host x is not allowed"},
		{"storage missing", map[string]string{"storage.read": `{"error":{"code":"not_found","message":"no file \"a\""}}`},
			func(c *Call) (any, error) { return c.Storage().Read("a") }, `!host call storage.read: not_found: no file "a"`},
		{"storage no data", map[string]string{"storage.read": `{"ok":{}}`},
			func(c *Call) (any, error) { return c.Storage().Read("a") }, "!host call storage.read: the reply has no data_base64"},
		{"storage bad base64", map[string]string{"storage.read": `{"ok":{"data_base64":"%"}}`},
			func(c *Call) (any, error) { return c.Storage().Read("a") }, "!host call storage.read: data_base64: illegal base64 data at input byte 0"},
		{"storage empty file", map[string]string{"storage.read": `{"ok":{"data_base64":""}}`},
			func(c *Call) (any, error) { return c.Storage().Read("a") }, "[]"},
		{"storage empty list", map[string]string{"storage.list": `{"ok":[]}`},
			func(c *Call) (any, error) {
				p, err := c.Storage().List("")
				return []any{p, p != nil}, err
			}, "[[] true]"},
		{"token without expiry", map[string]string{"oauth.token": `{"ok":{"access_token":"t"}}`},
			func(c *Call) (any, error) {
				tok, err := c.OAuth().Token("github")
				return []any{tok.AccessToken, tok.ExpiresAt.IsZero()}, err
			}, "[t true]"},
		{"token missing", map[string]string{"oauth.token": `{"ok":{}}`},
			func(c *Call) (any, error) { return c.OAuth().Token("github") }, "!host call oauth.token: the reply has no access_token"},
		{"token bad expiry", map[string]string{"oauth.token": `{"ok":{"access_token":"t","expires_at":"soon"}}`},
			func(c *Call) (any, error) { return c.OAuth().Token("github") }, `!host call oauth.token: expires_at "soon" is not an RFC 3339 time`},
		{"token not found", map[string]string{"oauth.token": `{"error":{"code":"not_found","message":"no token"}}`},
			func(c *Call) (any, error) { return c.OAuth().Token("github") }, "!host call oauth.token: not_found: no token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := opsCall(tt.replies)
			v, err := tt.run(c)
			got := fmt.Sprint(v)
			if err != nil {
				got = "!" + err.Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestOAuthTokenRedacted: printing a token by mistake does not show it.
func TestOAuthTokenRedacted(t *testing.T) {
	tok := OAuthToken{Provider: "google", AccessToken: "ya29.SECRET", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, tok)
		if strings.Contains(got, "SECRET") || !strings.Contains(got, "google") {
			t.Errorf("%s: %s", verb, got)
		}
	}
	if got := fmt.Sprintf("%v", []OAuthToken{tok}); strings.Contains(got, "SECRET") {
		t.Errorf("in a slice: %s", got)
	}
	if got := tok.String(); got != "OAuth token for google (expires 2030-01-01T00:00:00Z, 11 bytes, redacted)" {
		t.Errorf("String() = %s", got)
	}
}
