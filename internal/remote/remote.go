// Package remote is a typed client of the weft server's HTTP API, version 1
// (../shared/design/api-v1.md, docs/openapi.json): what `weft remote` and
// the commands given --server use instead of curl.
//
//	c := remote.New("http://127.0.0.1:8080", os.Getenv("WEFT_TOKEN"), nil)
//	v, _, err := c.PutWorkflow(ctx, "hello", src)
//	run, err := c.StartRun(ctx, "hello", api.StartRun{Version: v.Version})
//	err = c.StreamEvents(ctx, run.ID, 0, func(id int64, kind string, data []byte) error { ... })
//
// Every reply that is not a success is an *Error holding the server's
// error envelope. Numbers in replies (inputs, blackboards) decode as
// json.Number, so that they print back exactly as the server sent them.
package remote

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/api"
)

// SignatureHeader carries a package upload's detached minisign signature,
// base64-encoded.
const SignatureHeader = "X-Weft-Package-Signature"

// maxReply bounds a JSON reply the client reads; maxEvent one event of a
// stream.
const (
	maxReply = 64 << 20
	maxEvent = 16 << 20
)

// Client calls one server with one token. It is safe for concurrent use.
type Client struct {
	base  string // scheme://host[:port][/prefix], without /api/v1
	token string
	hc    *http.Client
}

// New returns a client of the server at baseURL (http://host:port, with or
// without a trailing /api/v1) that sends token as its bearer token (none
// when ""). hc nil is a client without an overall timeout, as event
// streams need; a client with Timeout set cuts streams off after it.
func New(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	b := strings.TrimRight(baseURL, "/")
	b = strings.TrimSuffix(b, api.Base)
	return &Client{base: strings.TrimRight(b, "/"), token: token, hc: hc}
}

// BaseURL returns the server's URL as the client uses it.
func (c *Client) BaseURL() string { return c.base }

// Error is a reply of the server that is not a success: its HTTP status
// and its error envelope.
type Error struct {
	Status  int
	Code    string
	Message string
	Details []api.Detail
	// RetryAfter is the server's Retry-After on a 429 or 503, else 0.
	RetryAfter time.Duration
}

// Error returns the message, then each detail as FILE:LINE:COL: message
// on its own line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Message == "" {
		fmt.Fprintf(&b, "the server answered %d %s", e.Status, http.StatusText(e.Status))
	}
	for _, d := range e.Details {
		b.WriteByte('\n')
		b.WriteString(FormatDetail(d))
	}
	return b.String()
}

// FormatDetail prints a problem as `weft validate` does: FILE:LINE:COL:
// message, leaving out the parts it does not have.
func FormatDetail(d api.Detail) string {
	var pos string
	switch {
	case d.File != "" && d.Line > 0 && d.Col > 0:
		pos = fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Col)
	case d.File != "" && d.Line > 0:
		pos = fmt.Sprintf("%s:%d", d.File, d.Line)
	case d.File != "":
		pos = d.File
	case d.Line > 0:
		pos = fmt.Sprintf("%d:%d", d.Line, d.Col)
	}
	if pos == "" {
		return d.Message
	}
	if strings.HasPrefix(d.Message, pos+":") {
		return d.Message // the message names its place already
	}
	return pos + ": " + d.Message
}

// IsStatus reports whether err is an *Error with that HTTP status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// request is one API call.
type request struct {
	method, path string
	query        url.Values
	body         []byte
	contentType  string
	header       http.Header
}

// do sends a request and returns the response of a 2xx; any other status
// is read into an *Error.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	u := c.base + api.Base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, u, err)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	return resp, nil
}

// readError turns a reply that is not a success into an *Error.
func readError(resp *http.Response) *Error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	e := &Error{Status: resp.StatusCode}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	var env api.ErrorBody
	if err := json.Unmarshal(data, &env); err == nil && (env.Error.Code != "" || env.Error.Message != "") {
		e.Code, e.Message, e.Details = env.Error.Code, env.Error.Message, env.Error.Details
		return e
	}
	// Not the API's envelope: a proxy, or not a weft server at all.
	text := strings.TrimSpace(string(data))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	e.Message = fmt.Sprintf("the server answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if text != "" {
		e.Message += ": " + text
	}
	return e
}

// call sends a request and decodes a JSON reply into out (when not nil);
// it returns the reply's status.
func (c *Client) call(ctx context.Context, r request, out any) (int, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxReply))
		return resp.StatusCode, nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxReply))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s%s: reading the reply: %w", r.method, api.Base, r.path, err)
	}
	return resp.StatusCode, nil
}

func jsonBody(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the request: %w", err)
	}
	return data, nil
}

func esc(s string) string { return url.PathEscape(s) }

// Health is GET /health.
func (c *Client) Health(ctx context.Context) (api.Health, error) {
	var h api.Health
	_, err := c.call(ctx, request{method: "GET", path: "/health"}, &h)
	return h, err
}

// PutWorkflow stores yaml as the newest version of workflow id; created
// is false when the bytes equal the newest version already stored. An
// invalid workflow is an *Error with status 422 and every problem in
// Details.
func (c *Client) PutWorkflow(ctx context.Context, id string, yaml []byte) (api.WorkflowVersion, bool, error) {
	var out api.WorkflowReply
	status, err := c.call(ctx, request{method: "PUT", path: "/workflows/" + esc(id), body: yaml, contentType: "application/x-yaml"}, &out)
	return out.Workflow, status == http.StatusCreated, err
}

// Validate checks a workflow source without storing it: a Validation
// whose Problems list every problem (none when it is valid).
func (c *Client) Validate(ctx context.Context, yaml []byte) (api.Validation, error) {
	var out api.Validation
	_, err := c.call(ctx, request{method: "POST", path: "/workflows/validate", body: yaml, contentType: "application/x-yaml"}, &out)
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
		problems := e.Details
		if len(problems) == 0 {
			problems = []api.Detail{{Message: e.Message}}
		}
		return api.Validation{Valid: false, Problems: problems}, nil
	}
	if err != nil {
		return api.Validation{}, err
	}
	if out.Problems == nil {
		out.Problems = []api.Detail{}
	}
	out.Valid = len(out.Problems) == 0
	return out, nil
}

// ValidateWorkflow checks a workflow source without storing it and
// returns its problems: none when it is valid. The error is for a
// request that failed, not for an invalid workflow.
func (c *Client) ValidateWorkflow(ctx context.Context, yaml []byte) ([]api.Detail, error) {
	v, err := c.Validate(ctx, yaml)
	if err != nil {
		return nil, err
	}
	if len(v.Problems) == 0 {
		return nil, nil
	}
	return v.Problems, nil
}

// StartRun starts a run of workflow workflowID. Without req.Wait the run
// comes back queued or running; with it, finished.
func (c *Client) StartRun(ctx context.Context, workflowID string, req api.StartRun) (api.Run, error) {
	body, err := jsonBody(req)
	if err != nil {
		return api.Run{}, err
	}
	var out api.RunReply
	_, err = c.call(ctx, request{method: "POST", path: "/workflows/" + esc(workflowID) + "/runs", body: body, contentType: "application/json"}, &out)
	return out.Run, err
}

// GetRun reads one run.
func (c *Client) GetRun(ctx context.Context, runID string) (api.Run, error) {
	var out api.RunReply
	_, err := c.call(ctx, request{method: "GET", path: "/runs/" + esc(runID)}, &out)
	return out.Run, err
}

// CancelRun halts a run; the reply is the run, ended canceled when it
// ended within the server's wait.
func (c *Client) CancelRun(ctx context.Context, runID string) (api.Run, error) {
	var out api.RunReply
	_, err := c.call(ctx, request{method: "POST", path: "/runs/" + esc(runID) + "/cancel"}, &out)
	return out.Run, err
}

// RunFilter selects runs: "" matches every workflow or status.
type RunFilter struct {
	Workflow string
	Status   string
}

// ListRuns lists one page of runs, newest first: at most limit (0: the
// server's default) after cursor ("" for the first page). The reply's
// NextCursor is "" on the last page.
func (c *Client) ListRuns(ctx context.Context, f RunFilter, limit int, cursor string) (api.List[api.Run], error) {
	q := url.Values{}
	if f.Workflow != "" {
		q.Set("workflow", f.Workflow)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out api.List[api.Run]
	_, err := c.call(ctx, request{method: "GET", path: "/runs", query: q}, &out)
	if out.Items == nil {
		out.Items = []api.Run{}
	}
	return out, err
}

// Events returns every event of a run recorded so far whose sequence
// number is above after (0 for all), in order, following the pages.
func (c *Client) Events(ctx context.Context, runID string, after int64) ([]json.RawMessage, error) {
	out := []json.RawMessage{}
	cursor := ""
	q := url.Values{}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		q.Set("limit", "500")
		var page api.List[json.RawMessage]
		if _, err := c.call(ctx, request{method: "GET", path: "/runs/" + esc(runID) + "/events", query: q}, &page); err != nil {
			return out, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" || page.NextCursor == cursor || len(page.Items) == 0 {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// UploadPackage uploads a .weftpkg (with its detached minisign signature,
// or nil) as a custom node version of the token's tenant. The version is
// a draft: it shows the permission review and runs nothing until it is
// activated. An invalid package, or a signature the tenant's trusted keys
// refuse, is an *Error with status 422.
func (c *Client) UploadPackage(ctx context.Context, weftpkg []byte, signature []byte) (api.CustomNode, error) {
	r := request{method: "POST", path: "/custom-nodes", body: weftpkg, contentType: "application/octet-stream"}
	if len(signature) > 0 {
		r.header = http.Header{SignatureHeader: {base64.StdEncoding.EncodeToString(signature)}}
	}
	var out api.CustomNodeReply
	_, err := c.call(ctx, r, &out)
	return out.CustomNode, err
}

// ActivateCustomNode makes a draft custom node version (the id of
// UploadPackage's reply) active: workflows of the tenant may use it.
func (c *Client) ActivateCustomNode(ctx context.Context, id string) (api.CustomNode, error) {
	var out api.CustomNodeReply
	_, err := c.call(ctx, request{method: "POST", path: "/custom-nodes/" + esc(id) + "/activate"}, &out)
	return out.CustomNode, err
}

// EndEvent is the data of a stream's last message, of kind "end".
type EndEvent struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// ErrStop, returned by a StreamEvents callback, ends the stream without
// an error.
var ErrStop = errors.New("remote: stop the stream")

// reconnects bounds how often StreamEvents reconnects a stream that broke
// off before its end without receiving anything in between.
const reconnects = 5

// StreamEvents follows a run's events live, from the one after lastID (0:
// from the first), calling fn with each message's id, its kind (the
// record's "event": node_started, node_finished, log, ...) and its data
// (the JSON record). The last message is of kind "end", its data an
// EndEvent, and StreamEvents returns nil after it.
//
// A stream that breaks off before its end is resumed from the last id
// received (Last-Event-ID), after the server's retry delay. An error of
// fn ends the stream and is returned, except ErrStop, which ends it
// with nil.
func (c *Client) StreamEvents(ctx context.Context, runID string, lastID int64, fn func(id int64, kind string, data []byte) error) error {
	retry := 500 * time.Millisecond
	failures := 0
	for {
		got, ended, err := c.streamOnce(ctx, runID, &lastID, &retry, fn)
		if ended {
			return nil
		}
		if errors.Is(err, ErrStop) {
			return nil
		}
		if err != nil {
			var re *Error
			if errors.As(err, &re) || errors.Is(err, errCallback) || ctx.Err() != nil {
				return unwrapCallback(err)
			}
		}
		if got {
			failures = 0
		}
		failures++
		if failures > reconnects {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("the event stream of run %s broke off before the run ended: %w", runID, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

// errCallback marks an error of the callback, which ends the stream.
var errCallback = errors.New("callback")

type callbackError struct{ err error }

func (e *callbackError) Error() string        { return e.err.Error() }
func (e *callbackError) Is(target error) bool { return target == errCallback }
func (e *callbackError) Unwrap() error        { return e.err }

func unwrapCallback(err error) error {
	var ce *callbackError
	if errors.As(err, &ce) {
		return ce.err
	}
	return err
}

// streamOnce reads one connection of a stream; got says whether any
// message arrived, ended whether the end message did.
func (c *Client) streamOnce(ctx context.Context, runID string, lastID *int64, retry *time.Duration, fn func(int64, string, []byte) error) (got, ended bool, err error) {
	h := http.Header{"Accept": {"text/event-stream"}, "Cache-Control": {"no-cache"}}
	if *lastID > 0 {
		h.Set("Last-Event-ID", strconv.FormatInt(*lastID, 10))
	}
	resp, err := c.do(ctx, request{method: "GET", path: "/runs/" + esc(runID) + "/events", header: h})
	if err != nil {
		return false, false, err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return false, false, &Error{Status: resp.StatusCode, Code: "bad_reply",
			Message: fmt.Sprintf("asked for the events of run %s as a stream, the server answered %q instead of text/event-stream", runID, ct)}
	}
	err = ParseStream(resp.Body, func(m Message) error {
		got = true
		if m.Retry > 0 {
			*retry = m.Retry
		}
		if m.ID != "" {
			if n, err := strconv.ParseInt(m.ID, 10, 64); err == nil {
				*lastID = n
			}
		}
		if m.Data == "" && m.Event == "" {
			return nil // only an id or retry
		}
		if err := fn(*lastID, m.Event, []byte(m.Data)); err != nil {
			if errors.Is(err, ErrStop) {
				return err
			}
			return &callbackError{err}
		}
		if m.Event == "end" {
			ended = true
			return ErrStop
		}
		return nil
	})
	if errors.Is(err, ErrStop) {
		return got, ended, ErrStop
	}
	return got, ended, err
}

// Message is one dispatched message of a text/event-stream.
type Message struct {
	// ID is the last event id as of this message (it persists across
	// messages until an id: field changes it), "" before any.
	ID string
	// Event is the event type: "message" when the message named none.
	Event string
	// Data is the data lines joined by newlines.
	Data string
	// Retry is the reconnection time the message set, else 0.
	Retry time.Duration
}

// ParseStream reads a text/event-stream (the HTML Living Standard's
// format) and calls fn for each message, until the stream ends (nil) or
// fn returns an error (that error). Lines end with LF, CR LF or CR;
// comments (lines starting with ':') are skipped; a blank line dispatches
// the message collected so far; a message without data is dispatched only
// when it sets an id or a retry.
func ParseStream(r io.Reader, fn func(Message) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEvent)
	sc.Split(scanLines)
	var (
		lastID   string
		event    string
		data     strings.Builder
		hasData  bool
		retry    time.Duration
		idChange bool
		first    = true
	)
	reset := func() {
		event, hasData, retry, idChange = "", false, 0, false
		data.Reset()
	}
	for sc.Scan() {
		line := sc.Text()
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if line == "" {
			if hasData || retry > 0 || idChange {
				m := Message{ID: lastID, Event: event, Retry: retry}
				if hasData {
					m.Data = data.String()
					if m.Event == "" {
						m.Event = "message"
					}
				} else {
					m.Event = ""
				}
				if err := fn(m); err != nil {
					return err
				}
			}
			reset()
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: a keep-alive
		}
		field, value, found := strings.Cut(line, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			event = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				lastID, idChange = value, true
			}
		case "retry":
			if n, err := strconv.Atoi(value); err == nil && n >= 0 && isDigits(value) {
				retry = time.Duration(n) * time.Millisecond
			}
		}
	}
	return sc.Err()
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// scanLines splits at LF, CR LF or a lone CR, as event streams do.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		switch b {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // is an LF next?
		}
	}
	if atEOF && len(data) > 0 {
		// An unterminated last line is discarded by the standard: a
		// message is complete only at its blank line.
		return len(data), nil, nil
	}
	return 0, nil, nil
}
