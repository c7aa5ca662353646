// Package openapitest checks, in tests, that the server does what its
// OpenAPI document (internal/server/openapi) says: that every route is
// documented and every documented operation routed (CheckRoutes), and that
// every request a test sends and every reply it gets match the document
// (Transport).
//
//	srv := httptest.NewServer(handler)
//	client := &http.Client{Transport: openapitest.Transport(t, nil)}
//	resp, err := client.Get(srv.URL + "/api/v1/health")
//
// A test that sends a deliberately bad request (a wrong body, a missing
// signature, an unknown route) sets the header X-Test-Invalid: 1; its reply
// is still checked.
//
// Validation is kin-openapi's openapi3filter, which validates the schemas
// of an OpenAPI 3.1 document as JSON Schema 2020-12.
package openapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/weft-dev/weft/internal/server/openapi"
)

// InvalidHeader, set to "1" on a request, skips checking the request: the
// test sends it bad on purpose. The reply is still checked.
const InvalidHeader = "X-Test-Invalid"

// MultiSegment is the extension that marks a path parameter, last in its
// path, as taking the rest of the path, slashes and all (a secret's name
// such as oauth/google). The document cannot say so in OpenAPI, whose
// parameters are one segment each: Transport routes such a request as if
// the slashes in the parameter were percent-encoded.
const MultiSegment = "x-weft-multi-segment"

var (
	loadOnce  sync.Once
	loadedDoc *openapi3.T
	loadedRtr routers.Router
	loadedMS  [][]string // the segments of paths ending in a multi-segment parameter
	loadErr   error
)

// Load returns the document, loaded and validated, and its router.
func Load() (*openapi3.T, routers.Router, error) {
	loadOnce.Do(func() {
		// A workflow source is YAML text kept byte for byte, and the
		// document says so (a string): do not parse it as YAML, whose
		// decoded value is no string, and which a test may send invalid
		// on purpose (the server answers 422).
		openapi3filter.RegisterBodyDecoder("application/x-yaml", openapi3filter.PlainBodyDecoder)

		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(openapi.Document)
		if err != nil {
			loadErr = fmt.Errorf("openapi.json: load: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			loadErr = fmt.Errorf("openapi.json: invalid: %w", err)
			return
		}
		rtr, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = fmt.Errorf("openapi.json: router: %w", err)
			return
		}
		ms, err := multiSegment(doc)
		if err != nil {
			loadErr = fmt.Errorf("openapi.json: %w", err)
			return
		}
		loadedDoc, loadedRtr, loadedMS = doc, rtr, ms
	})
	return loadedDoc, loadedRtr, loadErr
}

// Transport returns a RoundTripper that sends every request through base
// (http.DefaultTransport when nil) and reports with t.Errorf every way the
// exchange departs from the document:
//
//   - a request whose method and path match no operation;
//   - a request whose parameters or body do not match the operation's
//     (unless it has the header X-Test-Invalid: 1);
//   - a reply whose status the operation does not list, whose media type the
//     status does not list, whose body does not match the schema, or has a
//     field that the schema does not declare (the document keeps objects
//     open for clients, so that fields can be added; the server must not
//     send a field the document lacks).
//
// Bodies are read and restored: the caller reads them as sent. A
// text/event-stream reply is passed on as it comes, not read (a live
// stream), after its status and media type are checked.
func Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	doc, rtr, err := Load()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	return &transport{t: t, base: base, doc: doc, rtr: rtr, multi: loadedMS}
}

type transport struct {
	t     testing.TB
	base  http.RoundTripper
	doc   *openapi3.T
	rtr   routers.Router
	multi [][]string
}

// multiSegment lists the paths whose last segment is a multi-segment
// parameter, split into segments.
func multiSegment(doc *openapi3.T) ([][]string, error) {
	var out [][]string
	for path, item := range doc.Paths.Map() {
		params := slices.Clone(item.Parameters)
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, p := range params {
			if p.Value == nil || p.Value.In != "path" || p.Value.Extensions[MultiSegment] != true {
				continue
			}
			if !strings.HasSuffix(path, "/{"+p.Value.Name+"}") {
				return nil, fmt.Errorf("%s: the %s parameter %q is not the path's last segment", path, MultiSegment, p.Value.Name)
			}
			out = append(out, strings.Split(path, "/"))
			break
		}
	}
	return out, nil
}

// joinMultiSegment returns req's URL with the slashes of a multi-segment
// parameter percent-encoded, or nil when no such parameter spans segments.
func (tr *transport) joinMultiSegment(u *url.URL) *url.URL {
	segs := strings.Split(u.EscapedPath(), "/")
	for _, tmpl := range tr.multi {
		if len(segs) <= len(tmpl) {
			continue
		}
		match := true
		for i, s := range tmpl[:len(tmpl)-1] {
			if s != segs[i] && !strings.HasPrefix(s, "{") {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		n := len(tmpl) - 1
		escaped := strings.Join(append(slices.Clone(segs[:n]), strings.Join(segs[n:], "%2F")), "/")
		path, err := url.PathUnescape(escaped)
		if err != nil {
			return nil
		}
		v := *u
		v.Path, v.RawPath = path, escaped
		return &v
	}
	return nil
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	invalid := req.Header.Get(InvalidHeader) == "1"
	name := req.Method + " " + req.URL.EscapedPath()

	// vreq is what the validator reads (and may change); out what is sent.
	vreq := withBody(req, body)
	out := withBody(req, body)

	var input *openapi3filter.RequestValidationInput
	if u := tr.joinMultiSegment(vreq.URL); u != nil {
		vreq.URL = u
	}
	route, params, err := tr.rtr.FindRoute(vreq)
	switch {
	case err != nil && !invalid:
		tr.t.Errorf("openapi: %s: no operation in the document (%v)", name, err)
	case err == nil:
		input = &openapi3filter.RequestValidationInput{
			Request:    vreq,
			PathParams: params,
			Route:      route,
			Options: options(&openapi3filter.Options{
				// Authentication is the server's to check: a test of
				// a 401 sends no token, and the reply is checked.
				AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
				SkipSettingDefaults: true,
				MultiError:          true,
			}),
		}
		if !invalid {
			if err := openapi3filter.ValidateRequest(vreq.Context(), input); err != nil {
				tr.t.Errorf("openapi: %s: the request does not match the document: %v", name, err)
			}
		}
	}

	resp, err := tr.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))

	var op *openapi3.Operation
	if input != nil {
		op = route.Operation
	}
	var response *openapi3.Response
	if op != nil {
		if ref := op.Responses.Status(resp.StatusCode); ref != nil {
			response = ref.Value
		} else {
			tr.t.Errorf("openapi: %s: status %d is not a reply the document lists for %s", name, resp.StatusCode, opName(route))
		}
	}

	if mediaType == "text/event-stream" {
		if response != nil && response.Content.Get(mediaType) == nil {
			tr.t.Errorf("openapi: %s: status %d replies %s, which the document does not list", name, resp.StatusCode, mediaType)
		}
		return resp, nil
	}

	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return resp, nil // the caller sees the short body; no verdict on it
	}

	switch {
	case req.Method == http.MethodHead:
	case op == nil:
		// No operation (a deliberately unknown route): an error reply
		// still has the error envelope.
		if resp.StatusCode >= 400 && len(data) > 0 {
			tr.checkError(name, resp.StatusCode, mediaType, data)
		}
	case response != nil:
		tr.checkReply(name, input, resp, response, mediaType, data)
	}
	return resp, nil
}

func (tr *transport) checkReply(name string, input *openapi3filter.RequestValidationInput, resp *http.Response, response *openapi3.Response, mediaType string, data []byte) {
	if len(response.Content) == 0 {
		if len(data) > 0 {
			tr.t.Errorf("openapi: %s: status %d has no body in the document, got %d bytes: %.200q", name, resp.StatusCode, len(data), data)
		}
		return
	}
	rvi := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options: options(&openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		}),
	}
	rvi.SetBodyBytes(data)
	if err := openapi3filter.ValidateResponse(input.Request.Context(), rvi); err != nil {
		tr.t.Errorf("openapi: %s: the %d reply does not match the document: %v\nbody: %.500s", name, resp.StatusCode, err, data)
		return
	}
	mt := response.Content.Get(mediaType)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || !isJSON(mediaType) {
		return
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return // ValidateResponse said so already
	}
	for _, at := range Undeclared(mt.Schema.Value, v) {
		tr.t.Errorf("openapi: %s: the %d reply has a field the document does not declare: %s", name, resp.StatusCode, at)
	}
}

func (tr *transport) checkError(name string, status int, mediaType string, data []byte) {
	if !isJSON(mediaType) {
		tr.t.Errorf("openapi: %s: the %d reply is %q, not an application/json error", name, status, mediaType)
		return
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		tr.t.Errorf("openapi: %s: the %d reply is no JSON: %v", name, status, err)
		return
	}
	ref := tr.doc.Components.Schemas["ErrorBody"]
	if err := ref.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		tr.t.Errorf("openapi: %s: the %d reply is not an ErrorBody: %v\nbody: %.500s", name, status, err, data)
	}
}

// options sets the error messages: where and why, and the value when it
// is short, without the schema (the document has it).
func options(o *openapi3filter.Options) *openapi3filter.Options {
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		msg := err.Reason
		if p := err.JSONPointer(); len(p) > 0 && !strings.Contains(msg, "/"+strings.Join(p, "/")) {
			msg = fmt.Sprintf("at %q: %s", "/"+strings.Join(p, "/"), msg)
		}
		switch v := err.Value.(type) {
		case string, bool, float64, json.Number, nil:
			if s := fmt.Sprintf("%#v", v); len(s) <= 80 && v != nil {
				msg += " (found " + s + ")"
			}
		}
		return msg
	})
	return o
}

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func opName(r *routers.Route) string {
	return r.Method + " " + r.Path
}

// withBody returns a copy of req that reads body.
func withBody(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	if body == nil {
		return r // no body, or http.NoBody
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	return r
}

// Undeclared returns where v (decoded JSON) has an object member that its
// schema does not declare, as paths like $.run.extra. An object schema
// declares its properties (with those of its allOf); a schema with
// additionalProperties, or an object schema with no properties at all
// (free-form, like a run's inputs), declares every member.
func Undeclared(schema *openapi3.Schema, v any) []string {
	var found []string
	undeclared([]*openapi3.Schema{schema}, v, "$", func(at string) { found = append(found, at) })
	return found
}

func undeclared(schemas []*openapi3.Schema, v any, at string, report func(string)) {
	var flat []*openapi3.Schema
	var add func(s *openapi3.Schema)
	add = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		flat = append(flat, s)
		for _, ref := range s.AllOf {
			if ref != nil {
				add(ref.Value)
			}
		}
	}
	for _, s := range schemas {
		add(s)
	}
	switch v := v.(type) {
	case map[string]any:
		declared, open := false, false
		var extra []*openapi3.Schema
		for _, s := range flat {
			if len(s.Properties) > 0 {
				declared = true
			}
			if ap := s.AdditionalProperties; (ap.Has != nil && *ap.Has) || ap.Schema != nil {
				open = true
				if ap.Schema != nil && ap.Schema.Value != nil {
					extra = append(extra, ap.Schema.Value)
				}
			}
		}
		if !declared && !open {
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var sub []*openapi3.Schema
			for _, s := range flat {
				if p := s.Properties[k]; p != nil && p.Value != nil {
					sub = append(sub, p.Value)
				}
			}
			if len(sub) == 0 {
				if !open {
					report(at + "." + k)
					continue
				}
				sub = extra
			}
			undeclared(sub, v[k], at+"."+k, report)
		}
	case []any:
		var items []*openapi3.Schema
		for _, s := range flat {
			if s.Items != nil && s.Items.Value != nil {
				items = append(items, s.Items.Value)
			}
		}
		if len(items) == 0 {
			return
		}
		for i, e := range v {
			undeclared(items, e, fmt.Sprintf("%s[%d]", at, i), report)
		}
	}
}

// param matches a path parameter: {id}, {trigger_id}, and a Go ServeMux
// pattern's {name...}.
var param = regexp.MustCompile(`\{[^{}/]*\}`)

// normalise writes every path parameter as {} and drops a ServeMux
// pattern's trailing {$}: paths then compare position-wise.
func normalise(method, path string) string {
	path = strings.TrimSuffix(path, "{$}")
	return strings.ToUpper(method) + " " + param.ReplaceAllString(path, "{}")
}

// CheckRoutes fails t when a routed method and path is not an operation of
// the document, or an operation of the document is not routed. Paths
// compare with their parameters' names ignored: {id} matches {trigger_id}
// at the same place.
func CheckRoutes(t testing.TB, routes []openapi.Route) {
	t.Helper()
	documented, err := openapi.Paths()
	if err != nil {
		t.Fatalf("openapitest: %v", err)
	}
	inDoc := map[string]openapi.Route{}
	for _, r := range documented {
		inDoc[normalise(r.Method, r.Path)] = r
	}
	routed := map[string]openapi.Route{}
	for _, r := range routes {
		routed[normalise(r.Method, r.Path)] = r
	}
	var missing, unrouted []string
	for k, r := range routed {
		if _, ok := inDoc[k]; !ok {
			missing = append(missing, r.String())
		}
	}
	for k, r := range inDoc {
		if _, ok := routed[k]; !ok {
			unrouted = append(unrouted, r.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(unrouted)
	for _, r := range missing {
		t.Errorf("openapi: %s is routed but not in internal/server/openapi/openapi.json", r)
	}
	for _, r := range unrouted {
		t.Errorf("openapi: %s is in internal/server/openapi/openapi.json but not routed", r)
	}
}
