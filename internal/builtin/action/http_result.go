// HttpRequest's helpers: the request body and URL from props, and the
// result ({status, headers, data}) from a response.

package action

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/value"
)

// maxResponseBody is the largest response body HttpRequest reads.
var maxResponseBody int64 = 64 << 20

// httpPins are the output pins of HttpRequest, for its `outputs` prop.
var httpPins = []string{"status", "headers", "data"}

// checkURL parses a request URL and checks that it is an absolute http(s) URL.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("prop url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("prop url: expected an http:// or https:// URL, found %q", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("prop url: no host in %q", raw)
	}
	return u, nil
}

// addQuery adds the `query` prop's parameters to u: values as their text,
// arrays as the key repeated once per element; null values are left out.
func addQuery(u *url.URL, query map[string]any) {
	if len(query) == 0 {
		return
	}
	q := u.Query()
	for _, k := range value.SortedKeys(query) {
		switch v := query[k].(type) {
		case nil:
		case []any:
			for _, e := range v {
				if e != nil {
					q.Add(k, value.Text(e))
				}
			}
		default:
			q.Add(k, value.Text(v))
		}
	}
	u.RawQuery = q.Encode()
}

// headerValues converts the `headers` prop to text: strings, numbers and
// booleans are accepted, null leaves the header out.
func headerValues(headers map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(headers))
	for _, k := range value.SortedKeys(headers) {
		switch v := headers[k].(type) {
		case nil:
		case string, int64, float64, bool:
			out[k] = value.Text(v)
		default:
			return nil, fmt.Errorf("prop headers: header %q: expected a string, found %s", k, withArticle(value.TypeName(v)))
		}
	}
	return out, nil
}

// encodeBody turns the `body` prop into bytes and the content type that
// goes with them: a string is sent as text, bytes as they are, anything
// else as JSON.
func encodeBody(v any) ([]byte, string, error) {
	switch x := v.(type) {
	case nil:
		return nil, "", nil
	case string:
		return []byte(x), "text/plain; charset=utf-8", nil
	case []byte:
		return x, "application/octet-stream", nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("prop body: cannot encode as JSON: %w", err)
	}
	return data, "application/json", nil
}

// checkOutputs checks the `outputs` prop: pins of HttpRequest mapped to
// blackboard names.
func checkOutputs(outputs map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(outputs))
	for _, pin := range value.SortedKeys(outputs) {
		known := false
		for _, p := range httpPins {
			known = known || p == pin
		}
		if !known {
			return nil, fmt.Errorf("prop outputs: HttpRequest has no output %q (expected one of %s)",
				pin, strings.Join(httpPins, ", "))
		}
		name, ok := outputs[pin].(string)
		if !ok || name == "" {
			return nil, fmt.Errorf("prop outputs: %s: expected a blackboard key, found %s",
				pin, withArticle(value.TypeName(outputs[pin])))
		}
		out[pin] = name
	}
	return out, nil
}

// responseResult builds HttpRequest's result from a response and its body.
func responseResult(resp *http.Response, body []byte) map[string]any {
	headers := make(map[string]any, len(resp.Header))
	for k, vs := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return map[string]any{
		"status":  int64(resp.StatusCode),
		"headers": headers,
		"data":    decodeBody(resp.Header.Get("Content-Type"), body),
	}
}

// decodeBody decodes a response body as JSON when its content type says
// JSON, or when there is no content type and it parses; otherwise it is the
// text, or bytes when it is not valid UTF-8.
func decodeBody(contentType string, body []byte) any {
	tryJSON := contentType == ""
	if !tryJSON {
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			tryJSON = mt == "application/json" || strings.HasSuffix(mt, "+json")
		}
	}
	if tryJSON && len(body) > 0 {
		if v, err := value.FromJSON(body); err == nil {
			return v
		}
	}
	if !utf8.Valid(body) {
		return body
	}
	return string(body)
}

// statusError is the error of a response whose status is 400 or more:
// `GET URL returned 404 Not Found: <start of the body>`.
func statusError(method, u string, resp *http.Response, body []byte) error {
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	msg := fmt.Sprintf("%s %s returned %s", method, u, status)
	if p := preview(body, 200); p != "" {
		msg += ": " + p
	}
	return fmt.Errorf("%s", msg)
}

// preview returns the first n bytes of a body as text, cut at a character
// boundary, with "..." when there is more.
func preview(body []byte, n int) string {
	more := len(body) > n
	if more {
		cut := n
		for cut > n-utf8.UTFMax && cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), "\uFFFD"))
	if more {
		s += "..."
	}
	return s
}

// sizeText writes a byte count for messages: "64 MiB", or "1000 bytes".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
