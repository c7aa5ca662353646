// The http.request operation: a real HTTP client behind the package's
// [permissions.http] (allowed_hosts, allow_private), guarded by netguard,
// with caps on the request and response bodies and on time.

package wasmhost

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/netguard"
)

func init() {
	ops["http.request"] = Op{ops["http.request"].Allowed, httpRequest}
}

// Caps of http.request.
const (
	MaxHTTPRequestBody  = 16 << 20         // request body, bytes (decoded)
	MaxHTTPResponseBody = 16 << 20         // response body, bytes
	MaxHTTPTime         = 30 * time.Second // one request, redirects and body included
)

// httpClient returns the Package's client, made on first use: its
// manifest's policy in a guarded transport, wrapped by
// Capabilities.HTTPTransport if set. A call without a Package (none in
// practice) gets a client of its own.
func httpClient(c *OpCall) *http.Client {
	if c.Package == nil {
		return newHTTPClient(c)
	}
	p := c.Package
	p.httpOnce.Do(func() { p.httpClient = newHTTPClient(c) })
	return p.httpClient
}

func newHTTPClient(c *OpCall) *http.Client {
	h := c.Manifest.Permissions.HTTP
	policy := &netguard.Policy{AllowedHosts: append([]string{}, h.AllowedHosts...), DenyPrivate: !h.AllowPrivate}
	var rt http.RoundTripper = policy.Transport()
	if c.Caps != nil && c.Caps.HTTPTransport != nil {
		rt = c.Caps.HTTPTransport(rt)
	}
	return &http.Client{Transport: rt, CheckRedirect: policy.CheckRedirect, Timeout: MaxHTTPTime}
}

// httpPolicy is the policy of the call's package, for the check before
// sending (the client's transport and redirect check hold their own).
func httpPolicy(c *OpCall) *netguard.Policy {
	h := c.Manifest.Permissions.HTTP
	return &netguard.Policy{AllowedHosts: h.AllowedHosts, DenyPrivate: !h.AllowPrivate}
}

// httpReq is the request of http.request.
type httpReq struct {
	Method     *string           `json:"method"`
	URL        *string           `json:"url"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body"`
	BodyBase64 *string           `json:"body_base64"`
}

// httpReply is the ok value of http.request.
type httpReply struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	BodyBase64 string            `json:"body_base64,omitempty"`
}

const httpShape = `{"method": string, "url": string, "headers": {string: string}?, "body": string?, "body_base64": string?}`

// parseHTTPRequest checks the request of http.request and returns its
// method, URL, headers and body.
func parseHTTPRequest(req json.RawMessage) (method string, u *url.URL, hdr http.Header, body []byte, oe *opError) {
	var r httpReq
	if err := json.Unmarshal(req, &r); err != nil {
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request takes %s: %v", httpShape, err)
	}
	if r.Method == nil || r.URL == nil {
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request takes %s: method and url are required", httpShape)
	}
	if !isToken(*r.Method) {
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: method %.64q is not an HTTP method", *r.Method)
	}
	u, err := url.Parse(*r.URL)
	if err != nil {
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: url: %v", err)
	}
	if !u.IsAbs() {
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: url %.200q is not an absolute URL", *r.URL)
	}
	hdr = http.Header{}
	for k, v := range r.Headers {
		if !isToken(k) {
			return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: header name %.64q is not valid", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: header %s: the value holds a line break or NUL", k)
		}
		hdr.Set(k, v)
	}
	switch {
	case r.Body != nil && r.BodyBase64 != nil:
		return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: give body or body_base64, not both")
	case r.Body != nil:
		body = []byte(*r.Body)
	case r.BodyBase64 != nil:
		if body, err = base64.StdEncoding.DecodeString(*r.BodyBase64); err != nil {
			return "", nil, nil, nil, opErr(CodeInvalidRequest, "http.request: body_base64: %v", err)
		}
	}
	if len(body) > MaxHTTPRequestBody {
		return "", nil, nil, nil, opErr(CodeLimitExceeded, "http.request: request body of %d bytes (limit %d)", len(body), MaxHTTPRequestBody)
	}
	return *r.Method, u, hdr, body, nil
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2): a
// method or a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// httpDeadline returns a context that ends at the call's deadline or after
// MaxHTTPTime, whichever is sooner, and when ctx is cancelled.
//
// # Notes
//
// The call's context may report a deadline without a timer behind it (the
// instrumented runtime checks it at yields), and context.WithDeadline
// trusts a parent's earlier deadline to fire; so the timer is set on a
// context detached from ctx's deadline, and ctx's cancellation is
// forwarded by hand.
func httpDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	d := time.Now().Add(MaxHTTPTime)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	hctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), d)
	stop := context.AfterFunc(ctx, cancel)
	return hctx, func() { stop(); cancel() }
}

// httpRequest is http.request: {"method", "url", "headers"?, "body"?,
// "body_base64"?} -> {"status", "headers", "body", "body_base64"?}.
//
// # Errors
//
//   - permission_denied: the URL's host is not in allowed_hosts, its scheme
//     is not http or https, a redirect goes to such a URL, or the host
//     resolves to a non-public address without allow_private (decimal and
//     other numeric host forms included).
//   - limit_exceeded: a body over MaxHTTPRequestBody or
//     MaxHTTPResponseBody.
//   - timeout: the call's deadline or MaxHTTPTime passed.
//   - unavailable: the server could not be reached (refused connection,
//     DNS failure, TLS failure, too many redirects) or the call was
//     cancelled.
//   - invalid_request: a malformed request.
//
// An HTTP error status (404, 500, ...) is an ok reply with that status.
//
// # Notes
//
// Reply headers have lower-case names and their values joined with ", ".
// Request headers that the client writes itself (Host, Content-Length,
// Transfer-Encoding, Trailer) are not taken from the request.
// The body is text when it is valid UTF-8, else base64 in body_base64 (and
// body is "").
func httpRequest(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	method, u, hdr, body, oe := parseHTTPRequest(req)
	if oe != nil {
		return nil, oe
	}
	if err := httpPolicy(c).CheckURL(u); err != nil {
		return nil, opErr(CodePermissionDenied, "http.request: %v", err)
	}
	hctx, cancel := httpDeadline(ctx)
	defer cancel()
	var rbody io.Reader
	if body != nil {
		rbody = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(hctx, method, u.String(), rbody)
	if err != nil {
		return nil, opErr(CodeInvalidRequest, "http.request: %v", err)
	}
	hreq.Header = hdr
	resp, err := httpClient(c).Do(hreq)
	if err != nil {
		return nil, httpErr(hctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxHTTPResponseBody+1))
	if err != nil {
		return nil, httpErr(hctx, fmt.Errorf("reading the response of %s: %w", u.Redacted(), err))
	}
	if len(data) > MaxHTTPResponseBody {
		return nil, opErr(CodeLimitExceeded, "http.request: the response body of %s is over the limit of %d bytes",
			u.Redacted(), MaxHTTPResponseBody)
	}
	out := httpReply{Status: resp.StatusCode, Headers: make(map[string]string, len(resp.Header))}
	for k, v := range resp.Header {
		out.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	if utf8.Valid(data) {
		out.Body = string(data)
	} else {
		out.BodyBase64 = base64.StdEncoding.EncodeToString(data)
	}
	return out, nil
}

// httpErr turns an error of the client into an error reply.
func httpErr(hctx context.Context, err error) *opError {
	switch {
	case errors.Is(err, netguard.ErrDenied):
		return opErr(CodePermissionDenied, "http.request: %v", err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(hctx.Err(), context.DeadlineExceeded):
		return opErr(CodeTimeout, "http.request: %v", err)
	case isClientTimeout(err):
		return opErr(CodeTimeout, "http.request: %v", err)
	}
	return opErr(CodeUnavailable, "http.request: %v", err)
}

// isClientTimeout reports a timeout of the client itself (http.Client's
// Timeout, a dial timeout).
func isClientTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}
