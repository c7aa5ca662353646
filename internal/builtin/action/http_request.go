// HttpRequest: calls an HTTP endpoint and stores {status, headers, data}
// on the blackboard.

package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "HttpRequest", Kind: bt.Leaf, Category: "action", Children: none, OutputKey: "httpResponse",
		Summary: "Sends an HTTP request and stores the response as `{status, headers, data}`.",
		Description: "Sends the request without blocking the tree: the node returns RUNNING while " +
			"the request is in flight, so a Parallel's other children go on meanwhile. Halting " +
			"the node (a Timeout decorator, a ReactiveSequence whose condition fails, the end of " +
			"the run) cancels the request.\n\n" +
			"**Request.** `url`, `headers`, `query` and `body` may hold `{{ }}` templates, " +
			"evaluated when the node starts. `query` parameters are added to those already in the " +
			"URL and encoded for it. The body is sent according to its type:\n\n" +
			"- an object or an array (for example `body: {stats: \"{{processedData}}\"}`, where the " +
			"template gives an object) is sent as JSON, with `Content-Type: application/json`;\n" +
			"- a string is sent as it is, with `Content-Type: text/plain; charset=utf-8`;\n" +
			"- a number or a boolean is sent as JSON; no `body` (or null) sends no body.\n\n" +
			"A `Content-Type` given in `headers` takes precedence.\n\n" +
			"**Result.** An object `{status, headers, data}`:\n\n" +
			"- `status`: the HTTP status code, an integer;\n" +
			"- `headers`: the response headers, names in lower case, several values of one name " +
			"joined with `\", \"`;\n" +
			"- `data`: the body decoded from JSON (integers exact) when the response's " +
			"Content-Type is JSON (`application/json` or `...+json`), or when there is no " +
			"Content-Type and the body parses as JSON; otherwise the body's text (bytes when it is " +
			"not UTF-8). A JSON content type whose body does not parse gives the text.\n\n" +
			"The result is stored under `outputKey` (default `httpResponse`), so a later node reads " +
			"`{{ httpResponse.data.items[0].id }}`. With `outputs`, each listed part goes under its " +
			"own name instead (`outputs: {data: user, status: userStatus}`), and the whole result " +
			"is stored only if `outputKey` is also written.\n\n" +
			"**Failure.** A status of 400 or more makes the node fail, with an error such as " +
			"`POST https://api.example.com/orders returned 500 Internal Server Error: <the first " +
			"200 bytes of the body>`; the result is stored all the same, so a Recovery or a " +
			"Selector can inspect it. With `failOnStatus: false` any status succeeds. The node " +
			"also fails when the request cannot be sent or gets no response (connection refused, " +
			"DNS failure, an address the server's network policy forbids), when no full response " +
			"arrives within `timeout`, and when the response body exceeds 64 MiB; these store no " +
			"result. Redirects are followed.\n\n" +
			"**Network policy.** The server's operator may restrict which addresses HttpRequest " +
			"may reach (for example public addresses only, or an allowlist of hosts); by default " +
			"any address is allowed, loopback included.\n\n" +
			"@wayfarer-ai/btree has no HttpRequest; this follows the later " +
			"@wayfarer-ai/btree-workflows node (`url`, `method`, `headers`, `body`, `timeout`, " +
			"`outputKey`, result `{status, headers, data}`), with `query`, `failOnStatus` and " +
			"`outputs` added. Its `retry` prop is the Retry decorator in weft, and `timeout` is a " +
			"duration (`\"30s\"`, or a number of milliseconds).",
		Props: []bt.PropSpec{
			{Name: "url", Type: bt.TypeString, Required: true,
				Description: "The absolute http:// or https:// URL to call."},
			{Name: "method", Type: bt.TypeString, Default: "GET",
				Enum:        []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"},
				Description: "The HTTP method."},
			{Name: "headers", Type: bt.TypeObject,
				Description: "Request headers, name to value (strings; numbers and booleans are sent as their text, null leaves the header out)."},
			{Name: "query", Type: bt.TypeObject,
				Description: "Query parameters, name to value: values are sent as their text, an array repeats the name for each element, null leaves the parameter out."},
			{Name: "body", Type: bt.TypeAny,
				Description: "The request body: an object or array is sent as JSON, a string as text; none when absent or null."},
			{Name: "timeout", Type: bt.TypeDuration, Default: "30s",
				Description: "How long to wait for the full response (a duration such as \"30s\" or \"500ms\", or milliseconds); 0 means no limit of the node's own."},
			{Name: "failOnStatus", Type: bt.TypeBoolean, Default: true,
				Description: "Whether a status of 400 or more makes the node fail."},
			{Name: "outputKey", Type: bt.TypeKey,
				Description: "Blackboard key for the result `{status, headers, data}`; `httpResponse` when neither it nor `outputs` is given."},
			{Name: "outputs", Type: bt.TypeObject,
				Description: "Parts of the result to store under names of their own: `{status: NAME, headers: NAME, data: NAME}`, any subset."},
		},
		New: newHTTPRequest,
	})
}

type httpRequest struct {
	url, method, headers, query, body *bt.Prop
	timeout, failOnStatus             *bt.Prop
	outputKey, outputs                *bt.Prop
	client                            *http.Client
	clientFor                         func(tenant string) *http.Client

	work bt.Async
	// Set by the request's goroutine before it returns; read after Poll.
	result map[string]any
	// The request in flight, for the store and the log.
	what    string // "GET https://..."
	keys    storeKeys
	started time.Time
}

// storeKeys say where the result goes: the whole under key (if not ""),
// and single pins under their names.
type storeKeys struct {
	key  string
	pins map[string]string
}

var (
	_ bt.Behavior = (*httpRequest)(nil)
	_ bt.Resetter = (*httpRequest)(nil)
)

// errTimedOut is the cause of the request context when the node's own
// timeout expires.
var errTimedOut = errors.New("timed out")

func newHTTPRequest(c *bt.Config) (bt.Behavior, error) {
	p := c.Props
	h := &httpRequest{url: p.Get("url"), method: p.Get("method"), headers: p.Get("headers"), query: p.Get("query"),
		body: p.Get("body"), timeout: p.Get("timeout"), failOnStatus: p.Get("failOnStatus"),
		outputKey: p.Get("outputKey"), outputs: p.Get("outputs"), client: http.DefaultClient}
	if c.Services != nil && c.Services.HTTPClient != nil {
		h.client = c.Services.HTTPClient
	}
	if c.Services != nil {
		h.clientFor = c.Services.HTTPClientFor
	}
	if v, ok := literal(h.url); ok {
		if s, ok := v.(string); ok {
			if _, err := checkURL(s); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := literal(h.headers); ok {
		if m, ok := v.(map[string]any); ok {
			if _, err := headerValues(m); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := literal(h.outputs); ok {
		if m, ok := v.(map[string]any); ok {
			if _, err := checkOutputs(m); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

func (h *httpRequest) Tick(t *bt.Tick) bt.Status {
	if !h.work.Started() {
		if err := h.start(t); err != nil {
			return t.Fail(err)
		}
	}
	st := h.work.Poll(t)
	if st == bt.Running {
		return st
	}
	res := h.result
	h.result = nil
	if res == nil {
		return st // the request failed before a response: the error is recorded
	}
	t.Log(slog.LevelDebug, fmt.Sprintf("%s: %d in %s", h.what, res["status"], time.Since(h.started).Round(time.Millisecond)))
	if h.keys.key != "" {
		t.BB.Set(h.keys.key, res)
	}
	for pin, name := range h.keys.pins {
		t.BB.Set(name, res[pin])
	}
	return st
}

func (h *httpRequest) Halt(*bt.Tick) {
	h.work.Stop()
	h.result = nil
}

// start evaluates the props, builds the request and sends it on the Async's
// goroutine.
func (h *httpRequest) start(t *bt.Tick) error {
	rawURL, err := h.url.String(t, "")
	if err != nil {
		return err
	}
	u, err := checkURL(rawURL)
	if err != nil {
		return err
	}
	method, err := h.method.String(t, http.MethodGet)
	if err != nil {
		return err
	}
	method = strings.ToUpper(method)
	switch method {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
	default:
		return fmt.Errorf("prop method: expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, found %q", method)
	}
	query, err := objectProp(t, h.query)
	if err != nil {
		return err
	}
	addQuery(u, query)
	rawHeaders, err := objectProp(t, h.headers)
	if err != nil {
		return err
	}
	headers, err := headerValues(rawHeaders)
	if err != nil {
		return err
	}
	bodyVal, err := h.body.Any(t)
	if err != nil {
		return err
	}
	body, contentType, err := encodeBody(bodyVal)
	if err != nil {
		return err
	}
	timeout, err := h.timeout.Duration(t, 30*time.Second)
	if err != nil {
		return err
	}
	failOnStatus, err := h.failOnStatus.Bool(t, true)
	if err != nil {
		return err
	}
	keys, err := h.storeKeys(t)
	if err != nil {
		return err
	}

	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("prop url: %w", err)
	}
	for _, k := range value.SortedKeys(headers) {
		if strings.EqualFold(k, "Host") {
			req.Host = headers[k]
			continue
		}
		req.Header.Set(k, headers[k])
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", contentType)
	}
	what := method + " " + u.Redacted()
	client := h.client
	if h.clientFor != nil {
		client = h.clientFor(t.Run().TenantOrDefault())
	}
	h.what, h.keys, h.started, h.result = what, keys, time.Now(), nil

	h.work.Start(t, func(ctx context.Context) (bt.Status, error) {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimedOut)
			defer cancel()
		}
		r := req.WithContext(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			r.ContentLength = int64(len(body))
		}
		fail := func(doing string, err error) (bt.Status, error) {
			if errors.Is(context.Cause(ctx), errTimedOut) {
				return bt.Failure, fmt.Errorf("%s: no response within %s", what, timeout)
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return bt.Failure, fmt.Errorf("%s: %s%w", what, doing, err)
		}
		resp, err := client.Do(r)
		if err != nil {
			return fail("", err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
		if err != nil {
			return fail("reading the response: ", err)
		}
		if int64(len(data)) > maxResponseBody {
			return bt.Failure, fmt.Errorf("%s: the response body exceeds the limit of %s", what, sizeText(maxResponseBody))
		}
		h.result = responseResult(resp, data)
		if failOnStatus && resp.StatusCode >= 400 {
			return bt.Failure, statusError(method, u.Redacted(), resp, data)
		}
		return bt.Success, nil
	})
	return nil
}

// storeKeys evaluates outputKey and outputs.
func (h *httpRequest) storeKeys(t *bt.Tick) (storeKeys, error) {
	var k storeKeys
	if h.outputs.IsSet() {
		m, err := objectProp(t, h.outputs)
		if err != nil {
			return k, err
		}
		if k.pins, err = checkOutputs(m); err != nil {
			return k, err
		}
	}
	if h.outputKey.IsSet() || !h.outputs.IsSet() {
		key, err := blackboardKey(t, h.outputKey, "httpResponse")
		if err != nil {
			return k, err
		}
		k.key = key
	}
	return k, nil
}

// objectProp evaluates an object prop; null or absent gives nil.
func objectProp(t *bt.Tick, p *bt.Prop) (map[string]any, error) {
	v, err := p.Any(t)
	if err != nil || v == nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("prop %s: expected an object, found %s", p.Name, withArticle(value.TypeName(v)))
	}
	return m, nil
}

// Reset waits for the last request's goroutine to be gone and drops what
// the request left.
func (h *httpRequest) Reset() {
	h.work.Stop()
	h.result, h.what, h.keys, h.started = nil, "", storeKeys{}, time.Time{}
}
