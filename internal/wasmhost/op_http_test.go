package wasmhost_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// httpOut is a decoded reply of http.request.
type httpOut struct {
	OK *struct {
		Status     int               `json:"status"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
		BodyBase64 *string           `json:"body_base64"`
	} `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (o httpOut) code() string {
	if o.Error == nil {
		return ""
	}
	return o.Error.Code
}

// httpCall calls http.request with req through pkg and decodes the reply.
func httpCall(t testing.TB, pkg *wasmhost.Package, req map[string]any) httpOut {
	t.Helper()
	res, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call",
		Inputs:  map[string]any{"op": "http.request", "req": req},
		Context: wasmhost.CallContext{RunID: "r1", Workflow: "w", NodeInstance: "n1", Tenant: "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Success {
		t.Fatalf("the fixture failed: %s", res.Error)
	}
	raw := jsonText(res.Outputs["reply"])
	var out httpOut
	if err := json.Unmarshal([]byte(raw), &out); err != nil || (out.OK == nil) == (out.Error == nil) {
		t.Fatalf("reply %s: not ok or error (%v)", raw, err)
	}
	return out
}

// httpTestServer is a server on 127.0.0.1 that counts its requests:
//
//	/text      "héllo wörld" with two X-Multi values
//	/bin       three bytes that are not UTF-8
//	/echo      the method, content type and body of the request
//	/redirect  a 302 to the query's "to"
//	/big       MaxHTTPResponseBody+1 bytes
//	/hang      nothing until the request is cancelled
//	otherwise  404
func httpTestServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/text":
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "héllo wörld")
		case "/bin":
			w.Write([]byte{0xff, 0x00, 0xfe})
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Method", r.Method)
			w.Header().Set("X-Content-Type", r.Header.Get("Content-Type"))
			w.Write(b)
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case "/big":
			w.Write(make([]byte, wasmhost.MaxHTTPResponseBody+1))
		case "/hang":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// countingTransport counts the requests that reach the wrapped transport.
type countingTransport struct {
	n    *atomic.Int64
	next http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestHTTPRequest: requests that the manifest allows go out and come back
// as the ABI says, through Capabilities.HTTPTransport.
func TestHTTPRequest(t *testing.T) {
	srv, _ := httpTestServer(t)
	var wrapped atomic.Int64
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: t.TempDir(), Capabilities: wasmhost.Capabilities{
		HTTPTransport: func(rt http.RoundTripper) http.RoundTripper { return countingTransport{&wrapped, rt} }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	pkg := load(t, h, "hostcall")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	bin := []byte{0, 1, 2, 0xff, 0xfe}
	b64 := func(b []byte) *string { s := base64.StdEncoding.EncodeToString(b); return &s }
	tests := []struct {
		name    string
		req     map[string]any
		status  int
		body    string
		b64     *string
		headers map[string]string
	}{
		{"GET text", map[string]any{"method": "GET", "url": srv.URL + "/text"}, 200, "héllo wörld", nil,
			map[string]string{"x-multi": "a, b", "content-type": "text/plain; charset=utf-8"}},
		{"GET binary", map[string]any{"method": "GET", "url": srv.URL + "/bin"}, 200, "", b64([]byte{0xff, 0, 0xfe}), nil},
		{"POST text", map[string]any{"method": "POST", "url": srv.URL + "/echo", "body": "a=1&b=2",
			"headers": map[string]any{"content-type": "application/x-www-form-urlencoded"}}, 200, "a=1&b=2", nil,
			map[string]string{"x-method": "POST", "x-content-type": "application/x-www-form-urlencoded"}},
		{"POST base64", map[string]any{"method": "POST", "url": srv.URL + "/echo", "body_base64": *b64(bin)}, 200, "", b64(bin),
			map[string]string{"x-method": "POST"}},
		{"PUT empty", map[string]any{"method": "PUT", "url": srv.URL + "/echo"}, 200, "", nil, map[string]string{"x-method": "PUT"}},
		{"404 is a reply", map[string]any{"method": "GET", "url": srv.URL + "/nothing"}, 404, "404 page not found\n", nil, nil},
		{"localhost", map[string]any{"method": "GET", "url": "http://localhost:" + port + "/text"}, 200, "héllo wörld", nil, nil},
		{"redirect to a listed host", map[string]any{"method": "GET",
			"url": srv.URL + "/redirect?to=" + url.QueryEscape("http://localhost:"+port+"/text")}, 200, "héllo wörld", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := httpCall(t, pkg, tt.req)
			if out.Error != nil {
				t.Fatalf("error %s: %s", out.Error.Code, out.Error.Message)
			}
			if out.OK.Status != tt.status || out.OK.Body != tt.body {
				t.Errorf("status %d body %q, want %d %q", out.OK.Status, out.OK.Body, tt.status, tt.body)
			}
			switch {
			case (out.OK.BodyBase64 == nil) != (tt.b64 == nil):
				t.Errorf("body_base64 %v, want %v", out.OK.BodyBase64, tt.b64)
			case tt.b64 != nil && *out.OK.BodyBase64 != *tt.b64:
				t.Errorf("body_base64 %q, want %q", *out.OK.BodyBase64, *tt.b64)
			}
			for k, v := range tt.headers {
				if out.OK.Headers[k] != v {
					t.Errorf("header %s = %q, want %q (all: %v)", k, out.OK.Headers[k], v, out.OK.Headers)
				}
			}
			for k := range out.OK.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header name %q is not lower case", k)
				}
			}
		})
	}
	if wrapped.Load() == 0 {
		t.Error("Capabilities.HTTPTransport saw no request")
	}
}

// TestHTTPRequestDenied: unlisted hosts, non-public addresses without
// allow_private (however written) and redirects to unlisted hosts are
// permission_denied, and nothing reaches the server.
func TestHTTPRequestDenied(t *testing.T) {
	srv, hits := httpTestServer(t)
	h := newHost(t)
	all := load(t, h, "hostcall")          // allow_private
	public := load(t, h, "hostcallpublic") // lists 127.0.0.1, localhost, 169.254.169.254
	mapped := loadHTTPHosts(t, h)          // also lists ::ffff:127.0.0.1 and ::1
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	get := func(u string) map[string]any { return map[string]any{"method": "GET", "url": u} }
	tests := []struct {
		name string
		pkg  *wasmhost.Package
		req  map[string]any
		want string // in the message
	}{
		{"unlisted host", all, get("http://unlisted.example/"), `"unlisted.example"`},
		{"unlisted subdomain", all, get("http://weft.test/"), `"weft.test"`},
		{"other scheme", all, get("file:///etc/passwd"), "scheme"},
		{"listed loopback literal", public, get(srv.URL + "/text"), "127.0.0.1"},
		{"listed name of loopback", public, get("http://localhost:" + port + "/text"), "localhost"},
		{"metadata", public, get("http://169.254.169.254/latest/meta-data/"), "169.254.169.254"},
		{"decimal loopback, unlisted", public, get("http://2130706433:" + port + "/text"), "2130706433"},
		{"IPv6-mapped loopback, unlisted", public, get("http://[::ffff:127.0.0.1]:" + port + "/text"), "::ffff:127.0.0.1"},
		{"hex loopback, unlisted", public, get("http://0x7f000001:" + port + "/text"), "0x7f000001"},
		{"decimal loopback with allow_private", all, get("http://2130706433:" + port + "/text"), "2130706433"},
		{"IPv6-mapped loopback, listed", mapped, get("http://[::ffff:127.0.0.1]:" + port + "/text"), "127.0.0.1"},
		{"IPv6 loopback, listed", mapped, get("http://[::1]:" + port + "/text"), "::1"},
		{"redirect to an unlisted host", all, get(srv.URL + "/redirect?to=" + url.QueryEscape("http://unlisted.example/x")), "unlisted.example"},
		{"redirect to an unlisted address", all, get(srv.URL + "/redirect?to=" + url.QueryEscape("http://127.0.0.2:"+port+"/text")), "127.0.0.2"},
		{"redirect to another scheme", all, get(srv.URL + "/redirect?to=" + url.QueryEscape("ftp://localhost/x")), "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			out := httpCall(t, tt.pkg, tt.req)
			if out.code() != wasmhost.CodePermissionDenied {
				t.Fatalf("got %+v %+v, want permission_denied", out.OK, out.Error)
			}
			if !strings.Contains(out.Error.Message, tt.want) {
				t.Errorf("message %q does not name %s", out.Error.Message, tt.want)
			}
			redirects := strings.Contains(tt.name, "redirect")
			if got := hits.Load() - before; redirects && got != 1 || !redirects && got != 0 {
				t.Errorf("the server saw %d requests", got)
			}
		})
	}
}

// loadHTTPHosts loads a copy of the hostcallpublic fixture whose
// allowed_hosts also list IPv6 forms of loopback, so that the address check
// (not the host list) has to refuse them. (The manifest itself refuses
// decimal and hex forms such as "2130706433".)
func loadHTTPHosts(t *testing.T, h *wasmhost.Host) *wasmhost.Package {
	t.Helper()
	src := filepath.Join("testdata", "pkgs", "hostcallpublic")
	dir := t.TempDir()
	wasm, err := os.ReadFile(filepath.Join(src, "hostcall.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	man, err := os.ReadFile(filepath.Join(src, "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := strings.Replace(string(man), `allowed_hosts = [`,
		`allowed_hosts = ["::ffff:127.0.0.1", "::1", `, 1)
	m = strings.Replace(m, `id = "test.hostcallpublic"`, `id = "test.hostcallmapped"`, 1)
	if m == string(man) {
		t.Fatal("the manifest of hostcallpublic changed shape")
	}
	for name, data := range map[string][]byte{"hostcall.wasm": wasm, "manifest.toml": []byte(m)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := pkgfile.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := h.Load(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pkg.Close(context.Background()) })
	return pkg
}

// TestHTTPRequestLimits: bad requests, a response body over the cap, and a
// server slower than the call's deadline.
func TestHTTPRequestLimits(t *testing.T) {
	srv, _ := httpTestServer(t)
	pkg := load(t, newHost(t), "hostcall")
	tests := []struct {
		name string
		req  map[string]any
		code string
	}{
		{"no method", map[string]any{"url": srv.URL + "/text"}, wasmhost.CodeInvalidRequest},
		{"no url", map[string]any{"method": "GET"}, wasmhost.CodeInvalidRequest},
		{"method with a space", map[string]any{"method": "GET /x", "url": srv.URL + "/text"}, wasmhost.CodeInvalidRequest},
		{"relative url", map[string]any{"method": "GET", "url": "/text"}, wasmhost.CodeInvalidRequest},
		{"header name", map[string]any{"method": "GET", "url": srv.URL + "/text", "headers": map[string]any{"a b": "c"}}, wasmhost.CodeInvalidRequest},
		{"header value", map[string]any{"method": "GET", "url": srv.URL + "/text", "headers": map[string]any{"a": "b\r\nX-Evil: 1"}}, wasmhost.CodeInvalidRequest},
		{"header not a string", map[string]any{"method": "GET", "url": srv.URL + "/text", "headers": map[string]any{"a": int64(1)}}, wasmhost.CodeInvalidRequest},
		{"both bodies", map[string]any{"method": "POST", "url": srv.URL + "/echo", "body": "a", "body_base64": "YQ=="}, wasmhost.CodeInvalidRequest},
		{"bad base64", map[string]any{"method": "POST", "url": srv.URL + "/echo", "body_base64": "%%%"}, wasmhost.CodeInvalidRequest},
		{"response over the cap", map[string]any{"method": "GET", "url": srv.URL + "/big"}, wasmhost.CodeLimitExceeded},
		{"refused connection", map[string]any{"method": "GET", "url": "http://127.0.0.1:1/"}, wasmhost.CodeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out := httpCall(t, pkg, tt.req); out.code() != tt.code {
				t.Errorf("got %+v %+v, want %s", out.OK, out.Error, tt.code)
			}
		})
	}

	t.Run("deadline", func(t *testing.T) {
		rec := &recorder{}
		start := time.Now()
		_, err := pkg.Call(context.Background(), &wasmhost.CallRequest{Node: "call", Timeout: 300 * time.Millisecond, Events: rec,
			Inputs:  map[string]any{"op": "http.request", "req": map[string]any{"method": "GET", "url": srv.URL + "/hang"}},
			Context: wasmhost.CallContext{Tenant: "t1"}})
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("the call took %v with a 300ms deadline", el)
		}
		// The node may still answer (with the timeout reply) or be stopped
		// by its own deadline; the host call itself must end in timeout.
		var ce *wasmhost.CallError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("error %v", err)
		}
		if got := fmt.Sprint(rec.calls); got != "[http.request:timeout]" {
			t.Errorf("host calls %s, want [http.request:timeout]", got)
		}
	})
}
