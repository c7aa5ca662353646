// Package nodetest runs nodes written with package node inside `go test`,
// on any platform, against a fake host: an in-memory blackboard, cache,
// state and storage, OAuth tokens from a map, HTTP served by an
// http.Handler, recorded log lines and stream events, and pluggable host
// operations.
//
//	func TestAdd(t *testing.T) {
//		h := &nodetest.Host{}
//		res, err := h.Run("add", map[string]any{"a": 1, "b": 2})
//		if err != nil { t.Fatal(err) }
//		var sum int64
//		if err := res.Output("sum", &sum); err != nil || sum != 3 { t.Fatalf(...) }
//	}
//
// The handlers under test are the ones registered with node.Handle, so a
// test in the node's own package (package main for a node module) sees
// exactly what the module runs.
package nodetest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/weft-dev/weft/sdk/go/node"
)

// Host is a fake weft host. The zero value works: an empty blackboard,
// cache, state and storage, no OAuth tokens, no HTTP, every operation
// permitted, stream events recorded.
//
// # Notes
//
// Operations: vars.* use Vars, cache.* Cache (and CacheTTL), state.* State,
// storage.* Files, oauth.token Tokens, http.request HTTP; stream.emit is
// recorded. They check their requests as the real host does (keys, paths,
// ttl_ms) and answer with its error codes. An operation in Denied answers
// permission_denied (as a real host does for a permission the manifest
// lacks); an operation in Ops is answered by its function; anything else
// answers unknown_op.
//
// Values the node stores (Vars, Cache, State) are kept decoded from JSON,
// numbers as json.Number. Expiry is not simulated: a cache entry stays
// until deleted, and CacheTTL says what the node asked for.
type Host struct {
	// Vars is the run's blackboard.
	Vars map[string]any
	// Cache is the package's cache (cache.get, cache.set, cache.delete).
	Cache map[string]any
	// CacheTTL records the ttl of each cache.set that had one, by key; a
	// cache.set without one removes the key's entry.
	CacheTTL map[string]time.Duration
	// State is the node instance's state (state.get, state.set); setting
	// null removes the key.
	State map[string]any
	// Files is the package's storage by path (storage.read, storage.write,
	// storage.list, storage.delete).
	Files map[string][]byte
	// Tokens are the OAuth tokens oauth.token hands out, by provider; a
	// provider without one answers not_found, and a token whose ExpiresAt
	// has passed answers unavailable, as on a real host.
	Tokens map[string]node.OAuthToken
	// HTTP serves http.request in the process (as httptest.NewRecorder
	// would record it); nil answers unavailable. The handler sees the
	// request's method, URL, headers and body.
	HTTP http.Handler
	// Denied lists operations answered with permission_denied.
	Denied []string
	// Ops answers further operations (or replaces the built-in ones). A
	// returned *node.HostError becomes an error reply with its code; any
	// other error becomes code "internal".
	Ops map[string]func(req json.RawMessage) (any, error)
	// Context is sent with each request. Empty fields get defaults: run id
	// "test-run", workflow "test-workflow", node instance = node id,
	// tenant "default", attempt 1, deadline 30 s from now.
	Context node.RunContext

	mu     sync.Mutex
	logs   []Line
	events []Event
}

// Line is one log line a node wrote.
type Line struct {
	Level node.Level
	Text  string
}

// Event is one stream event a node emitted.
type Event struct {
	Name string
	Data json.RawMessage
}

// Result is a node's response.
type Result struct {
	Status  string                     // "success" or "failure"
	Outputs map[string]json.RawMessage // on success
	Error   string                     // on failure
	Raw     []byte                     // the response JSON as the node wrote it
}

// Output decodes output name into v (numbers into an `any` as json.Number).
//
// # Errors
//
// When the node did not set the output or it does not fit v.
func (r *Result) Output(name string, v any) error {
	raw, ok := r.Outputs[name]
	if !ok {
		return fmt.Errorf("nodetest: no output %q (status %s, outputs %s)", name, r.Status, r.Raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("nodetest: output %q = %s: %w", name, raw, err)
	}
	return nil
}

// Run calls the handler registered for nodeID with inputs (each encoded
// with encoding/json) through node.Serve, as the module's weft_run would.
//
// # Errors
//
// When an input cannot be encoded or the response is not a valid ABI
// response (which would be a bug of package node). A node's FAILURE is not
// an error: it is a Result with Status "failure".
func (h *Host) Run(nodeID string, inputs map[string]any) (*Result, error) {
	in := make(map[string]json.RawMessage, len(inputs))
	for k, v := range inputs {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("nodetest: input %q: %w", k, err)
		}
		in[k] = b
	}
	ctx := h.Context
	ctx.Node = nodeID
	req := map[string]any{
		"abi":    node.ABIVersion,
		"node":   nodeID,
		"inputs": in,
		"context": map[string]any{
			"run_id":           or(ctx.RunID, "test-run"),
			"workflow":         or(ctx.Workflow, "test-workflow"),
			"node_instance":    or(ctx.NodeInstance, nodeID),
			"tenant":           or(ctx.Tenant, "default"),
			"attempt":          max(ctx.Attempt, 1),
			"deadline_unix_ms": deadline(ctx.Deadline).UnixMilli(),
		},
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("nodetest: encoding the request: %w", err)
	}
	return parseResponse(node.Serve(h, b))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func deadline(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().Add(30 * time.Second)
	}
	return t
}

func parseResponse(b []byte) (*Result, error) {
	var r struct {
		Status  string                     `json:"status"`
		Outputs map[string]json.RawMessage `json:"outputs"`
		Error   *string                    `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("nodetest: response is not JSON: %w: %s", err, b)
	}
	res := &Result{Status: r.Status, Outputs: r.Outputs, Raw: b}
	switch {
	case r.Status == "success" && r.Outputs != nil && r.Error == nil:
	case r.Status == "failure" && r.Error != nil && r.Outputs == nil:
		res.Error = *r.Error
	default:
		return nil, fmt.Errorf("nodetest: response has not the ABI's shape: %s", b)
	}
	return res, nil
}

// Init runs the hook registered with node.OnInit on config (nil sends {})
// through node.Init, as the host's weft_init would before the first call.
//
// # Errors
//
// When config cannot be encoded, or the hook fails: the error then reads
// "weft_init failed: " and the hook's message, as the host reports it.
func (h *Host) Init(config map[string]any) error {
	if config == nil {
		config = map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"abi": node.ABIVersion, "config": config})
	if err != nil {
		return fmt.Errorf("nodetest: encoding the config: %w", err)
	}
	resp := node.Init(h, b)
	if resp == nil {
		return nil
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.Status != "failure" {
		return fmt.Errorf("nodetest: weft_init response has not the ABI's shape: %s", resp)
	}
	return fmt.Errorf("weft_init failed: %s", r.Error)
}

// Cleanup runs the hook registered with node.OnCleanup, as the host's
// weft_cleanup would when it discards the instance.
func (h *Host) Cleanup() { node.Cleanup(h) }

// Logs returns the lines logged so far.
func (h *Host) Logs() []Line {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.logs)
}

// Events returns the stream events emitted so far.
func (h *Host) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.events)
}

// Log implements node.Host: it records the line.
func (h *Host) Log(level node.Level, line string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.logs = append(h.logs, Line{level, line})
}

// Call implements node.Host: it answers op as the type's doc describes.
func (h *Host) Call(op string, req []byte) []byte {
	v, err := h.answer(op, req)
	if err != nil {
		var he *node.HostError
		if !errors.As(err, &he) {
			he = &node.HostError{Code: node.CodeInternal, Message: err.Error()}
		}
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": he.Code, "message": he.Message}})
		return b
	}
	b, err := json.Marshal(map[string]any{"ok": v})
	if err != nil {
		b, _ = json.Marshal(map[string]any{"error": map[string]string{"code": node.CodeInternal, "message": err.Error()}})
	}
	return b
}

func (h *Host) answer(op string, req []byte) (any, error) {
	if slices.Contains(h.Denied, op) {
		return nil, &node.HostError{Code: node.CodePermissionDenied, Message: op + " is not permitted"}
	}
	if f, ok := h.Ops[op]; ok {
		return f(req)
	}
	var r request
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, invalid("%s: %v", op, err)
	}
	if op == "http.request" {
		return h.serveHTTP(&r) // without the lock: the handler may take its time
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch op {
	case "vars.get":
		return h.Vars[r.Name], nil
	case "vars.set":
		v, err := decode(op, r.Value)
		if err != nil {
			return nil, err
		}
		setIn(&h.Vars, r.Name, v)
		return nil, nil
	case "stream.emit":
		h.events = append(h.events, Event{r.Event, r.Data})
		return nil, nil
	case "cache.get", "cache.set", "cache.delete", "state.get", "state.set":
		return h.keyed(op, &r)
	case "storage.read", "storage.write", "storage.list", "storage.delete":
		return h.storage(op, &r)
	case "oauth.token":
		t, ok := h.Tokens[r.Provider]
		switch {
		case r.Provider == "":
			return nil, invalid(`oauth.token takes {"provider": string}`)
		case !ok:
			return nil, &node.HostError{Code: node.CodeNotFound, Message: "nodetest.Host.Tokens has no token for provider " + r.Provider}
		case !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt):
			return nil, &node.HostError{Code: node.CodeUnavailable, Message: "the token for provider " + r.Provider + " has expired"}
		}
		out := map[string]string{"access_token": t.AccessToken}
		if !t.ExpiresAt.IsZero() {
			out["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		return out, nil
	}
	return nil, &node.HostError{Code: node.CodeUnknownOp, Message: "nodetest knows no operation " + op}
}

// request holds the fields of every operation's request.
type request struct {
	Name       string            `json:"name"`
	Key        *string           `json:"key"`
	Value      json.RawMessage   `json:"value"`
	TTLMS      *int64            `json:"ttl_ms"`
	Event      string            `json:"event"`
	Data       json.RawMessage   `json:"data"`
	Path       *string           `json:"path"`
	Prefix     string            `json:"prefix"`
	DataBase64 *string           `json:"data_base64"`
	Provider   string            `json:"provider"`
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body"`
	BodyBase64 *string           `json:"body_base64"`
}

func invalid(format string, args ...any) error {
	return &node.HostError{Code: node.CodeInvalidRequest, Message: fmt.Sprintf(format, args...)}
}

// decode decodes a value the node sends, numbers as json.Number.
func decode(op string, raw json.RawMessage) (any, error) {
	if raw == nil {
		return nil, invalid("%s: value is missing", op)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("%s: value: %v", op, err)
	}
	return v, nil
}

func setIn[V any](m *map[string]V, k string, v V) {
	if *m == nil {
		*m = map[string]V{}
	}
	(*m)[k] = v
}

// maxKey is the real host's limit on cache and state keys, in bytes.
const maxKey = 1024

// keyed answers cache.* and state.*.
func (h *Host) keyed(op string, r *request) (any, error) {
	switch {
	case r.Key == nil:
		return nil, invalid("%s: key is missing", op)
	case *r.Key == "":
		return nil, invalid("%s: key must not be empty", op)
	case len(*r.Key) > maxKey:
		return nil, invalid("%s: key of %d bytes (at most %d)", op, len(*r.Key), maxKey)
	}
	k := *r.Key
	switch op {
	case "cache.get":
		return h.Cache[k], nil
	case "state.get":
		return h.State[k], nil
	case "cache.delete":
		delete(h.Cache, k)
		delete(h.CacheTTL, k)
		return nil, nil
	}
	v, err := decode(op, r.Value)
	if err != nil {
		return nil, err
	}
	if op == "state.set" {
		if v == nil {
			delete(h.State, k)
		} else {
			setIn(&h.State, k, v)
		}
		return nil, nil
	}
	if r.TTLMS != nil && *r.TTLMS < 0 {
		return nil, invalid("cache.set: ttl_ms must be a whole number of milliseconds from 0, not %d", *r.TTLMS)
	}
	setIn(&h.Cache, k, v)
	if r.TTLMS != nil && *r.TTLMS > 0 {
		setIn(&h.CacheTTL, k, time.Duration(*r.TTLMS)*time.Millisecond)
	} else {
		delete(h.CacheTTL, k)
	}
	return nil, nil
}

// The real host's limits on storage paths, in bytes.
const (
	maxPath    = 1024
	maxElement = 255
)

// checkPath applies the real host's rules to a storage path: relative,
// slash-separated, canonical.
func checkPath(op string, p *string) (string, error) {
	if p == nil {
		return "", invalid(`%s takes {"path": string}`, op)
	}
	switch s := *p; {
	case s == "":
		return "", invalid("%s: empty path", op)
	case strings.HasPrefix(s, "/"):
		return "", invalid("%s: path %q is absolute (paths are relative to the package's storage)", op, s)
	case strings.ContainsAny(s, "\\\x00"):
		return "", invalid("%s: path %q holds a backslash or a NUL byte", op, s)
	case path.Clean(s) != s || s == ".." || strings.HasPrefix(s, "../"):
		return "", invalid("%s: path %q is not canonical or goes up with \"..\"", op, s)
	case len(s) > maxPath:
		return "", invalid("%s: path of %d bytes (at most %d)", op, len(s), maxPath)
	}
	for e := range strings.SplitSeq(*p, "/") {
		if len(e) > maxElement {
			return "", invalid("%s: path %q has an element of %d bytes (at most %d)", op, *p, len(e), maxElement)
		}
	}
	return *p, nil
}

// storage answers storage.*.
func (h *Host) storage(op string, r *request) (any, error) {
	if op == "storage.list" {
		out := []string{}
		for p := range h.Files {
			if strings.HasPrefix(p, r.Prefix) {
				out = append(out, p)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	p, err := checkPath(op, r.Path)
	if err != nil {
		return nil, err
	}
	switch op {
	case "storage.read":
		data, ok := h.Files[p]
		if !ok {
			return nil, &node.HostError{Code: node.CodeNotFound, Message: fmt.Sprintf("storage.read: no file %q", p)}
		}
		return map[string]string{"data_base64": base64.StdEncoding.EncodeToString(data)}, nil
	case "storage.delete":
		delete(h.Files, p)
		return nil, nil
	}
	if r.DataBase64 == nil {
		return nil, invalid(`storage.write takes {"path": string, "data_base64": string}`)
	}
	data, err := base64.StdEncoding.DecodeString(*r.DataBase64)
	if err != nil {
		return nil, invalid("storage.write: data_base64: %v", err)
	}
	setIn(&h.Files, p, data)
	return nil, nil
}

// serveHTTP answers http.request through h.HTTP.
func (h *Host) serveHTTP(r *request) (any, error) {
	if h.HTTP == nil {
		return nil, &node.HostError{Code: node.CodeUnavailable, Message: "nodetest.Host.HTTP is nil"}
	}
	if r.Method == "" || r.URL == "" {
		return nil, invalid("http.request: method and url are required")
	}
	u, err := url.Parse(r.URL)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &node.HostError{Code: node.CodePermissionDenied, Message: fmt.Sprintf("http.request: %q is not an http or https URL", r.URL)}
	}
	var body []byte
	switch {
	case r.Body != nil && r.BodyBase64 != nil:
		return nil, invalid("http.request: give body or body_base64, not both")
	case r.Body != nil:
		body = []byte(*r.Body)
	case r.BodyBase64 != nil:
		if body, err = base64.StdEncoding.DecodeString(*r.BodyBase64); err != nil {
			return nil, invalid("http.request: body_base64: %v", err)
		}
	}
	req, err := http.NewRequest(r.Method, r.URL, bytes.NewReader(body))
	if err != nil {
		return nil, invalid("http.request: %v", err)
	}
	req.RequestURI = u.RequestURI()
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.HTTP.ServeHTTP(rec, req)
	resp := rec.Result()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{"status": resp.StatusCode}
	hdr := map[string]string{}
	for k, v := range resp.Header {
		hdr[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	out["headers"] = hdr
	if utf8.Valid(data) {
		out["body"] = string(data)
	} else {
		out["body"] = ""
		out["body_base64"] = base64.StdEncoding.EncodeToString(data)
	}
	return out, nil
}
