package action_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin/action"
	"github.com/weft-dev/weft/internal/value"
)

// seen is a request as the test server received it.
type seen struct {
	Method  string
	Path    string
	Query   map[string][]string
	Header  http.Header
	Host    string
	Body    string
	Decoded any // the body decoded from JSON, when it is JSON
}

// testServer is an httptest server on 127.0.0.1 with endpoints for the
// tests, recording every request.
type testServer struct {
	*httptest.Server
	mu        sync.Mutex
	reqs      []seen
	cancelled chan string   // paths of requests whose context the server saw cancelled
	arrived   chan struct{} // a request reached /hold
	release   chan struct{} // closing it lets /hold answer
}

func newTestServer(t *testing.T) *testServer {
	s := &testServer{cancelled: make(chan string, 10), arrived: make(chan struct{}, 10), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Host: r.Host,
		Body: string(body)}
	if v, err := value.FromJSON(body); err == nil {
		rec.Decoded = v
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()
	switch r.URL.Path {
	case "/json":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(w, `{"id": 9007199254740993, "nested": {"n": 9007199254740993, "list": [1, 2.5, "x", null]}}`)
	case "/problem":
		w.Header().Set("Content-Type", "application/problem+json")
		io.WriteString(w, `{"title": "nope"}`)
	case "/badjson":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{not json`)
	case "/text":
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		io.WriteString(w, "hello")
	case "/untyped-json":
		w.Header()["Content-Type"] = nil // no sniffing: no Content-Type at all
		io.WriteString(w, `[1, {"a": true}]`)
	case "/untyped-text":
		w.Header()["Content-Type"] = nil
		io.WriteString(w, `just text`)
	case "/binary":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte{0xff, 0x00, 0xfe})
	case "/status":
		code := 500
		switch r.URL.Query().Get("code") {
		case "404":
			code = 404
		case "201":
			code = 201
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		io.WriteString(w, r.URL.Query().Get("body"))
	case "/big":
		io.WriteString(w, strings.Repeat("x", 100))
	case "/hold":
		s.arrived <- struct{}{}
		select {
		case <-s.release:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok": true}`)
		case <-r.Context().Done():
			s.cancelled <- r.URL.Path
		case <-time.After(10 * time.Second):
		}
	case "/echo":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "body": string(body)})
	default:
		http.NotFound(w, r)
	}
}

func (s *testServer) last(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		t.Fatal("the server got no request")
	}
	return s.reqs[len(s.reqs)-1]
}

func TestHttpRequest(t *testing.T) {
	srv := newTestServer(t)
	in := map[string]any{
		"base":          srv.URL,
		"token":         "s3cret",
		"term":          "a b&c",
		"processedData": map[string]any{"mean": 2.5, "count": int64(3), "big": int64(9007199254740993)},
		"id":            int64(42),
	}
	bigInt := int64(9007199254740993)
	tests := []struct {
		name    string
		props   string
		want    bt.Status
		wantErr string
		stored  map[string]any // expected blackboard values; a nil value: the key must be absent
		check   func(t *testing.T, req seen, bb map[string]any)
	}{
		{name: "GET JSON is decoded with exact integers", props: `{url: "{{base}}/json"}`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				res := bb["httpResponse"].(map[string]any)
				want := map[string]any{"id": bigInt, "nested": map[string]any{"n": bigInt,
					"list": []any{int64(1), 2.5, "x", nil}}}
				if !reflect.DeepEqual(res["data"], want) {
					t.Fatalf("data = %#v", res["data"])
				}
				if res["status"] != int64(200) {
					t.Fatalf("status = %#v", res["status"])
				}
				h := res["headers"].(map[string]any)
				if h["content-type"] != "application/json; charset=utf-8" {
					t.Fatalf("headers = %v", h)
				}
				if req.Method != "GET" || req.Body != "" || req.Header.Get("Content-Type") != "" {
					t.Fatalf("request = %+v", req)
				}
			}},
		{name: "POST object body arrives as a JSON object", props: `
  url: "{{base}}/echo"
  method: POST
  body: {stats: "{{processedData}}", n: 1}
  outputKey: posted`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("request = %+v", req)
				}
				want := map[string]any{"stats": map[string]any{"mean": 2.5, "count": int64(3), "big": bigInt}, "n": int64(1)}
				if !reflect.DeepEqual(req.Decoded, want) {
					t.Fatalf("server saw body %s", req.Body)
				}
				if _, ok := bb["httpResponse"]; ok {
					t.Fatal("stored under the default key too")
				}
				data := bb["posted"].(map[string]any)["data"].(map[string]any)
				if data["method"] != "POST" {
					t.Fatalf("posted = %v", bb["posted"])
				}
			}},
		{name: "templated url, headers and query", props: `
  url: "{{base}}/echo?keep=1"
  method: PUT
  headers: {X-Token: "Bearer {{token}}", X-Num: "{{ id }}", X-Skip: null}
  query: {q: "{{term}}", tag: [a, b], n: "{{ id + 1 }}", none: null}
  body: "{{ id }}"`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if req.Method != "PUT" || req.Header.Get("X-Token") != "Bearer s3cret" || req.Header.Get("X-Num") != "42" {
					t.Fatalf("request = %+v", req)
				}
				if _, ok := req.Header["X-Skip"]; ok {
					t.Fatal("a null header was sent")
				}
				wantQ := map[string][]string{"keep": {"1"}, "q": {"a b&c"}, "tag": {"a", "b"}, "n": {"43"}}
				if !reflect.DeepEqual(req.Query, wantQ) {
					t.Fatalf("query = %v, want %v", req.Query, wantQ)
				}
				// A whole-template number is a number: sent as JSON.
				if req.Body != "42" || req.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("body %q, content type %q", req.Body, req.Header.Get("Content-Type"))
				}
			}},
		{name: "string body is text unless a content type is given", props: `
  url: "{{base}}/echo"
  method: POST
  body: "id={{ id }}"`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if req.Body != "id=42" || req.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Fatalf("body %q, content type %q", req.Body, req.Header.Get("Content-Type"))
				}
			}},
		{name: "a content-type header wins", props: `
  url: "{{base}}/echo"
  method: PATCH
  headers: {content-type: application/x-www-form-urlencoded}
  body: "a=1&b=2"`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if req.Method != "PATCH" || req.Body != "a=1&b=2" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
					t.Fatalf("request = %+v", req)
				}
			}},
		{name: "array body as JSON; Host header", props: `
  url: "{{base}}/echo"
  method: DELETE
  headers: {Host: example.test}
  body: [1, "two"]`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if !reflect.DeepEqual(req.Decoded, []any{int64(1), "two"}) || req.Host != "example.test" {
					t.Fatalf("request = %+v", req)
				}
			}},
		{name: "text response, repeated headers joined", props: `{url: "{{base}}/text"}`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				res := bb["httpResponse"].(map[string]any)
				if res["data"] != "hello" || res["headers"].(map[string]any)["x-multi"] != "a, b" {
					t.Fatalf("result = %v", res)
				}
			}},
		{name: "+json content type is decoded", props: `{url: "{{base}}/problem", outputKey: r}`, want: bt.Success,
			check: func(t *testing.T, req seen, bb map[string]any) {
				if d := bb["r"].(map[string]any)["data"]; !reflect.DeepEqual(d, map[string]any{"title": "nope"}) {
					t.Fatalf("data = %#v", d)
				}
			}},
		{name: "JSON content type that does not parse gives the text", props: `{url: "{{base}}/badjson", outputKey: r}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if d := bb["r"].(map[string]any)["data"]; d != "{not json" {
					t.Fatalf("data = %#v", d)
				}
			}},
		{name: "no content type: JSON when it parses", props: `{url: "{{base}}/untyped-json", outputKey: r}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if d := bb["r"].(map[string]any)["data"]; !reflect.DeepEqual(d, []any{int64(1), map[string]any{"a": true}}) {
					t.Fatalf("data = %#v", d)
				}
			}},
		{name: "no content type: text otherwise", props: `{url: "{{base}}/untyped-text", outputKey: r}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if d := bb["r"].(map[string]any)["data"]; d != "just text" {
					t.Fatalf("data = %#v", d)
				}
			}},
		{name: "non-UTF-8 body gives bytes", props: `{url: "{{base}}/binary", outputKey: r}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if d := bb["r"].(map[string]any)["data"]; !reflect.DeepEqual(d, []byte{0xff, 0, 0xfe}) {
					t.Fatalf("data = %#v", d)
				}
			}},
		{name: "HEAD", props: `{url: "{{base}}/text", method: HEAD, outputKey: r}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				res := bb["r"].(map[string]any)
				if req.Method != "HEAD" || res["status"] != int64(200) || res["data"] != "" {
					t.Fatalf("request %+v, result %v", req, res)
				}
			}},
		{name: "404 fails with the status and the body; the result is stored",
			props: `{url: "{{base}}/status?code=404&body=no+such+thing"}`, want: bt.Failure,
			wantErr: "GET " + srv.URL + "/status?code=404&body=no+such+thing returned 404 Not Found: no such thing",
			check: func(t *testing.T, req seen, bb map[string]any) {
				res := bb["httpResponse"].(map[string]any)
				if res["status"] != int64(404) || res["data"] != "no such thing" {
					t.Fatalf("result = %v", res)
				}
			}},
		{name: "failOnStatus false succeeds on 500", props: `{url: "{{base}}/status?code=500&body=oops", failOnStatus: false}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if s := bb["httpResponse"].(map[string]any)["status"]; s != int64(500) {
					t.Fatalf("status = %v", s)
				}
			}},
		{name: "the error quotes the first 200 bytes of the body",
			props:   `{url: "{{base}}/status", method: POST, query: {body: "` + strings.Repeat("a", 200) + `ZZZ"}}`,
			want:    bt.Failure,
			wantErr: "POST " + srv.URL + "/status?body=" + strings.Repeat("a", 200) + "ZZZ returned 500 Internal Server Error: " + strings.Repeat("a", 200) + "...",
			check: func(t *testing.T, req seen, bb map[string]any) {
				if s := bb["httpResponse"].(map[string]any)["status"]; s != int64(500) {
					t.Fatalf("status = %v", s)
				}
			}},
		{name: "outputs store single pins", props: `{url: "{{base}}/json", outputs: {status: code, data: payload}}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if bb["code"] != int64(200) || bb["payload"].(map[string]any)["id"] != bigInt {
					t.Fatalf("blackboard = %v", bb)
				}
				if _, ok := bb["httpResponse"]; ok {
					t.Fatal("the whole result was stored too")
				}
			}},
		{name: "outputs and outputKey together", props: `{url: "{{base}}/text", outputKey: whole, outputs: {headers: h}}`,
			want: bt.Success, check: func(t *testing.T, req seen, bb map[string]any) {
				if bb["h"].(map[string]any)["x-multi"] != "a, b" || bb["whole"].(map[string]any)["data"] != "hello" {
					t.Fatalf("blackboard = %v", bb)
				}
			}},
		{name: "templated url that is not http fails", props: `{url: "ftp{{ base[4:] }}"}`, want: bt.Failure,
			wantErr: "prop url|http"},
		{name: "templated method is checked", props: `{url: "{{base}}/json", method: "{{ 'FETCH' }}"}`, want: bt.Failure,
			wantErr: `prop method|"FETCH"`},
		{name: "templated bad outputs pin", props: `{url: "{{base}}/json", outputs: {body: "{{ 'x' }}"}}`, want: bt.Failure,
			wantErr: `outputs|"body"`},
		{name: "a template error in the body fails",
			props: `{url: "{{base}}/json", body: {a: "{{ nope }}"}}`, want: bt.Failure, wantErr: `"nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := tt.props
			if strings.HasPrefix(props, "\n") {
				props = "\n" + props[1:]
			}
			src := "type: HttpRequest\nid: req\nprops: " + props
			res, ev, _ := run(t, src, opts{inputs: in})
			if res.Status != tt.want {
				t.Fatalf("status = %v, want %v (err %v)", res.Status, tt.want, res.Err)
			}
			checkErr(t, nodeErr(ev, "req"), tt.wantErr)
			if tt.check != nil {
				tt.check(t, srv.last(t), res.Blackboard)
			}
		})
	}
}

// The node returns RUNNING while the request is in flight.
func TestHttpRequestRunningWhileInFlight(t *testing.T) {
	srv := newTestServer(t)
	log := newTickLog()
	go func() {
		// Answer once the request is in flight and the first tick is over.
		<-srv.arrived
		<-log.first
		close(srv.release)
	}()
	src := `{type: Probe, id: probe, children: [{type: HttpRequest, id: req, props: {url: "` + srv.URL + `/hold"}}]}`
	res, _, _ := run(t, src, opts{log: log})
	if res.Status != bt.Success {
		t.Fatalf("status = %v (err %v)", res.Status, res.Err)
	}
	ticks := log.get("probe")
	if len(ticks) < 2 || ticks[0] != "running" || ticks[len(ticks)-1] != "success" {
		t.Fatalf("ticks = %v, want running first and success last", ticks)
	}
	if d := res.Blackboard["httpResponse"].(map[string]any)["data"]; !reflect.DeepEqual(d, map[string]any{"ok": true}) {
		t.Fatalf("data = %#v", d)
	}
}

func TestHttpRequestTimeout(t *testing.T) {
	srv := newTestServer(t)
	start := time.Now()
	res, ev, _ := run(t, `{type: HttpRequest, id: req, props: {url: "`+srv.URL+`/hold", timeout: 100ms}}`, opts{})
	if res.Status != bt.Failure {
		t.Fatalf("status = %v", res.Status)
	}
	checkErr(t, nodeErr(ev, "req"), "GET "+srv.URL+"/hold: no response within 100ms")
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("failed after %v, before the timeout", d)
	}
	if _, ok := res.Blackboard["httpResponse"]; ok {
		t.Fatal("a result was stored")
	}
	select {
	case p := <-srv.cancelled:
		if p != "/hold" {
			t.Fatalf("cancelled %s", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the request cancelled")
	}
}

// Halting the node cancels the request in flight.
func TestHttpRequestHaltCancels(t *testing.T) {
	srv := newTestServer(t)
	log := newTickLog()
	go func() {
		<-srv.arrived
		close(log.haltNow)
	}()
	src := `{type: Probe, id: probe, children: [{type: HttpRequest, id: req, props: {url: "` + srv.URL + `/hold", timeout: 1h}}]}`
	res, ev, _ := run(t, src, opts{log: log})
	if res.Status != bt.Success {
		t.Fatalf("status = %v, err %v", res.Status, res.Err)
	}
	if got := bttest.Finishes(ev); !slices.Equal(got, []string{"req:halted", "probe:success"}) {
		t.Fatalf("finishes = %v", got)
	}
	if _, ok := res.Blackboard["httpResponse"]; ok {
		t.Fatal("a result was stored")
	}
	select {
	case <-srv.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the request cancelled")
	}
}

// The end of the run (its context) cancels the request in flight.
func TestHttpRequestRunEndCancels(t *testing.T) {
	srv := newTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-srv.arrived
		cancel()
	}()
	res, _, _ := run(t, `{type: HttpRequest, id: req, props: {url: "`+srv.URL+`/hold", timeout: 1h}}`, opts{ctx: ctx})
	if res.Status != bt.Failure || res.Err == nil {
		t.Fatalf("status = %v, err %v", res.Status, res.Err)
	}
	select {
	case <-srv.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the request cancelled")
	}
}

// The node uses the engine's client from Services when there is one.
func TestHttpRequestUsesServicesClient(t *testing.T) {
	srv := newTestServer(t)
	var used []string
	var mu sync.Mutex
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		used = append(used, r.Method+" "+r.URL.Path)
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	res, _, _ := run(t, `{type: HttpRequest, props: {url: "`+srv.URL+`/text"}}`,
		opts{services: &bt.Services{HTTPClient: client}})
	if res.Status != bt.Success {
		t.Fatalf("status = %v (err %v)", res.Status, res.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(used, []string{"GET /text"}) {
		t.Fatalf("the services client saw %v", used)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHttpRequestBodyLimit(t *testing.T) {
	srv := newTestServer(t)
	defer action.SetMaxResponseBody(99)()
	res, ev, _ := run(t, `{type: HttpRequest, id: req, props: {url: "`+srv.URL+`/big"}}`, opts{})
	if res.Status != bt.Failure {
		t.Fatalf("status = %v", res.Status)
	}
	checkErr(t, nodeErr(ev, "req"), "GET "+srv.URL+"/big: the response body exceeds the limit of 99 bytes")
	if _, ok := res.Blackboard["httpResponse"]; ok {
		t.Fatal("a result was stored")
	}
	action.SetMaxResponseBody(100)
	if res, _, _ := run(t, `{type: HttpRequest, props: {url: "`+srv.URL+`/big"}}`, opts{}); res.Status != bt.Success {
		t.Fatalf("a body at the limit failed: %v", res.Err)
	}
}

func TestHttpRequestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	res, ev, _ := run(t, `{type: HttpRequest, id: req, props: {url: "`+url+`/x"}}`, opts{})
	if res.Status != bt.Failure {
		t.Fatalf("status = %v", res.Status)
	}
	checkErr(t, nodeErr(ev, "req"), "GET "+url+"/x: ")
}

func TestHttpRequestCredentialsRedacted(t *testing.T) {
	srv := newTestServer(t)
	u := strings.Replace(srv.URL, "http://", "http://user:pw@", 1)
	res, ev, _ := run(t, `{type: HttpRequest, id: req, props: {url: "`+u+`/status?code=404"}}`, opts{})
	if res.Status != bt.Failure {
		t.Fatalf("status = %v", res.Status)
	}
	if e := nodeErr(ev, "req"); strings.Contains(e, "pw") || !strings.Contains(e, "404") {
		t.Fatalf("error = %q", e)
	}
}

func TestHttpRequestLoadErrors(t *testing.T) {
	tests := []struct{ name, props, want string }{
		{"missing url", `{method: GET}`, `missing required prop "url"`},
		{"not http", `{url: "ftp://example.com/x"}`, "prop url|http"},
		{"relative url", `{url: "/x"}`, "prop url"},
		{"unknown method", `{url: "http://example.com", method: FETCH}`, "method"},
		{"lower-case method", `{url: "http://example.com", method: get}`, "method"},
		{"unknown output pin", `{url: "http://example.com", outputs: {body: b}}`, `outputs|"body"`},
		{"output name not a string", `{url: "http://example.com", outputs: {data: 1}}`, `outputs|data`},
		{"object header value", `{url: "http://example.com", headers: {X-A: {b: 1}}}`, `headers|"X-A"`},
		{"headers not an object", `{url: "http://example.com", headers: [a]}`, "headers"},
		{"bad timeout", `{url: "http://example.com", timeout: soon}`, "timeout"},
		{"unknown prop", `{url: "http://example.com", responseType: json}`, "responseType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := buildErr("{type: HttpRequest, props: " + tt.props + "}")
			if err == nil {
				t.Fatal("no error")
			}
			checkErr(t, err.Error(), tt.want)
		})
	}
}
