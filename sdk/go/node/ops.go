// This file holds the typed helpers of the host operations beyond the
// blackboard and the stream: Cache (cache.*), State (state.*), HTTP
// (http.request), Storage (storage.*) and OAuth (oauth.token). Each is a
// thin wrapper over Call.HostCall that builds the ABI's request and decodes
// its reply.

package node

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Cache reaches the package's cache: values shared by all runs of the
// tenant for this package, optionally expiring (operations cache.get,
// cache.set, cache.delete; manifest permission cache = true).
//
//	var rate float64
//	hit, err := c.Cache().Get("eur-usd", &rate)
//
// # Notes
//
// A cache may drop a value at any time (its size is capped per package);
// use State for what must last.
func (c *Call) Cache() Cache { return Cache{c} }

// Cache is the package's cache; see Call.Cache.
type Cache struct{ c *Call }

// Get decodes the value of key into dst (nil: only report whether there is
// one) and reports whether there was one. A missing or expired key leaves
// dst untouched and returns false, as does a stored null.
//
// # Errors
//
// As Call.HostCall; *HostError with CodePermissionDenied without the
// manifest's cache permission. An error when the value does not fit dst.
func (k Cache) Get(key string, dst any) (bool, error) {
	return getValue(k.c, "cache.get", key, dst)
}

// Set stores value (encoded with encoding/json) under key, with no expiry.
//
//	err := c.Cache().Set("eur-usd", 1.08)
//
// # Errors
//
// As Call.HostCall; *HostError with CodeLimitExceeded when the package's
// cache is full.
func (k Cache) Set(key string, value any) error {
	return k.c.HostCall("cache.set", map[string]any{"key": key, "value": value}, nil)
}

// SetWithTTL stores value under key for ttl, rounded up to a whole
// millisecond; after that Get no longer finds it.
//
//	err := c.Cache().SetWithTTL("eur-usd", 1.08, 10*time.Minute)
//
// # Errors
//
// A *HostError with CodeInvalidRequest, without calling the host, when ttl
// is not positive (use Set for a value that does not expire); otherwise as
// Set.
func (k Cache) SetWithTTL(key string, value any, ttl time.Duration) error {
	if ttl <= 0 {
		return &HostError{Op: "cache.set", Code: CodeInvalidRequest,
			Message: fmt.Sprintf("ttl %v is not positive (Set stores a value without expiry)", ttl)}
	}
	ms := (ttl + time.Millisecond - 1) / time.Millisecond
	return k.c.HostCall("cache.set", map[string]any{"key": key, "value": value, "ttl_ms": int64(ms)}, nil)
}

// Delete removes key. Deleting a missing key is not an error.
//
// # Errors
//
// As Call.HostCall.
func (k Cache) Delete(key string) error {
	return k.c.HostCall("cache.delete", map[string]any{"key": key}, nil)
}

// State reaches the node's persistent state: values kept per tenant,
// workflow and node instance across runs and restarts of the host, so that
// a node can count, remember a cursor, or deduplicate (operations
// state.get and state.set; manifest permission state = true).
//
//	var seen int64
//	_, err := c.State().Get("seen", &seen)
//	err = c.State().Set("seen", seen+1)
func (c *Call) State() State { return State{c} }

// State is the node instance's persistent state; see Call.State.
type State struct{ c *Call }

// Get decodes the value of key into dst (nil: only report whether there is
// one) and reports whether there was one. A key never set, or set to null,
// leaves dst untouched and returns false.
//
// # Errors
//
// As Call.HostCall; *HostError with CodePermissionDenied without the
// manifest's state permission. An error when the value does not fit dst.
func (s State) Get(key string, dst any) (bool, error) {
	return getValue(s.c, "state.get", key, dst)
}

// Set stores value (encoded with encoding/json) under key; null clears it.
//
// # Errors
//
// As Call.HostCall; *HostError with CodeLimitExceeded when the value is
// over the host's limit.
func (s State) Set(key string, value any) error {
	return s.c.HostCall("state.set", map[string]any{"key": key, "value": value}, nil)
}

// getValue is cache.get and state.get: {"key": key} -> value or null.
func getValue(c *Call, op, key string, dst any) (bool, error) {
	var raw json.RawMessage
	if err := c.HostCall(op, map[string]any{"key": key}, &raw); err != nil {
		return false, err
	}
	if isNull(raw) {
		return false, nil
	}
	if dst == nil {
		return true, nil
	}
	if err := decodeJSON(raw, dst); err != nil {
		return true, fmt.Errorf("%s %q: %w", op, key, err)
	}
	return true, nil
}

// HTTP makes HTTP requests through the host, to the hosts the manifest
// lists (operation http.request; manifest permission [permissions.http]
// allowed_hosts).
//
//	resp, err := c.HTTP().Do(node.HTTPRequest{URL: "https://api.example.com/v1/items"})
func (c *Call) HTTP() HTTP { return HTTP{c} }

// HTTP is the host's HTTP client; see Call.HTTP.
type HTTP struct{ c *Call }

// HTTPRequest is one request for HTTP.Do.
type HTTPRequest struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// URL is the absolute http or https URL. Its host must match an entry
	// of allowed_hosts (exactly, or a "*." wildcard), on every redirect too.
	URL string
	// Headers are sent as given, one value per name.
	Headers map[string]string
	// Body is sent as text when it is valid UTF-8 and in base64 otherwise
	// (the ABI's "body" and "body_base64"); nil or empty sends no body.
	Body []byte
}

// HTTPResponse is the answer to HTTP.Do.
type HTTPResponse struct {
	// Status is the HTTP status code. A 404 or a 500 is a response, not an
	// error.
	Status int
	// Headers holds one value per header name: names in lower case
	// ("content-type"), repeated headers joined with ", ".
	Headers map[string]string
	// Body is the response body, decoded from base64 when the host sent it
	// that way (a body that is not valid UTF-8).
	Body []byte
}

// Text returns the body as a string.
func (r *HTTPResponse) Text() string { return string(r.Body) }

// httpWire is the ABI's request of http.request.
type httpWire struct {
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       *string           `json:"body,omitempty"`
	BodyBase64 *string           `json:"body_base64,omitempty"`
}

// httpReply is the ABI's ok value of http.request.
type httpReply struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	BodyBase64 *string           `json:"body_base64"`
}

// Do sends req and returns the response, whatever its status.
//
//	resp, err := c.HTTP().Do(node.HTTPRequest{
//		Method:  "POST",
//		URL:     "https://api.example.com/v1/items",
//		Headers: map[string]string{"Content-Type": "application/json"},
//		Body:    []byte(`{"name":"x"}`),
//	})
//	if err != nil {
//		return err
//	}
//	if resp.Status != 201 {
//		return fmt.Errorf("create item: HTTP %d: %s", resp.Status, resp.Text())
//	}
//
// # Errors
//
// As Call.HostCall: *HostError with CodePermissionDenied when the URL's
// host is not allowed (or resolves to a private address without
// allow_private), CodeTimeout when the host gave up waiting,
// CodeLimitExceeded when the request or the response is over the host's
// size limit, CodeUnavailable when the server cannot be reached. An error
// when the reply's base64 body is malformed.
func (h HTTP) Do(req HTTPRequest) (*HTTPResponse, error) {
	w := httpWire{Method: req.Method, URL: req.URL, Headers: req.Headers}
	if w.Method == "" {
		w.Method = "GET"
	}
	if len(req.Body) > 0 {
		if utf8.Valid(req.Body) {
			s := string(req.Body)
			w.Body = &s
		} else {
			s := base64.StdEncoding.EncodeToString(req.Body)
			w.BodyBase64 = &s
		}
	}
	var r httpReply
	if err := h.c.HostCall("http.request", w, &r); err != nil {
		return nil, err
	}
	resp := &HTTPResponse{Status: r.Status, Headers: r.Headers, Body: []byte(r.Body)}
	if r.BodyBase64 != nil {
		b, err := base64.StdEncoding.DecodeString(*r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("host call http.request: body_base64: %w", err)
		}
		resp.Body = b
	}
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	return resp, nil
}

// Storage reaches the package's files: a directory per tenant and package
// that its paths cannot leave (operations storage.read, storage.write,
// storage.list, storage.delete; manifest permission storage = true).
//
//	err := c.Storage().Write("reports/2025-01.csv", data)
//
// # Notes
//
// Paths are relative, slash-separated and canonical: "reports/a.csv", never
// "/a", "./a", "a/../b", "a//b" or "a\b"; the host answers anything else
// with CodeInvalidRequest. Directories are implicit: Write makes the ones a
// path needs, Delete removes the ones it leaves empty, List names files.
func (c *Call) Storage() Storage { return Storage{c} }

// Storage is the package's file storage; see Call.Storage.
type Storage struct{ c *Call }

// Read returns the content of the file at path.
//
// # Errors
//
// As Call.HostCall: *HostError with CodeNotFound when there is no such
// file, CodeInvalidRequest for a path that is not canonical and relative,
// CodeLimitExceeded for a file over 16 MiB. An error when the reply is
// malformed.
func (s Storage) Read(path string) ([]byte, error) {
	var r struct {
		DataBase64 *string `json:"data_base64"`
	}
	if err := s.c.HostCall("storage.read", map[string]string{"path": path}, &r); err != nil {
		return nil, err
	}
	if r.DataBase64 == nil {
		return nil, fmt.Errorf("host call storage.read: the reply has no data_base64")
	}
	b, err := base64.StdEncoding.DecodeString(*r.DataBase64)
	if err != nil {
		return nil, fmt.Errorf("host call storage.read: data_base64: %w", err)
	}
	return b, nil
}

// Write creates or replaces the file at path with data, creating the
// directories above it.
//
// # Errors
//
// As Call.HostCall; *HostError with CodeLimitExceeded when the package's
// storage quota would be exceeded.
func (s Storage) Write(path string, data []byte) error {
	return s.c.HostCall("storage.write",
		map[string]string{"path": path, "data_base64": base64.StdEncoding.EncodeToString(data)}, nil)
}

// List returns the paths of the files whose path starts with prefix (""
// lists every file), sorted. The prefix is a plain string prefix:
// "rep" matches "reports/a.csv" and "repo.txt".
//
//	paths, err := c.Storage().List("reports/")
//
// # Errors
//
// As Call.HostCall.
func (s Storage) List(prefix string) ([]string, error) {
	req := map[string]string{}
	if prefix != "" {
		req["prefix"] = prefix
	}
	var paths []string
	if err := s.c.HostCall("storage.list", req, &paths); err != nil {
		return nil, err
	}
	if paths == nil {
		paths = []string{}
	}
	return paths, nil
}

// Delete removes the file at path. Deleting a missing file is not an
// error.
//
// # Errors
//
// As Call.HostCall; *HostError with CodeInvalidRequest for a bad path or a
// directory.
func (s Storage) Delete(path string) error {
	return s.c.HostCall("storage.delete", map[string]string{"path": path}, nil)
}

// OAuth obtains OAuth access tokens that the host's operator stored
// (operation oauth.token). A node gets a provider's token only when its
// package declares the provider in [[permissions.oauth_scopes]] and the
// node lists it in oauth_providers.
//
//	tok, err := c.OAuth().Token("google")
//	if err != nil {
//		return err
//	}
//	resp, err := c.HTTP().Do(node.HTTPRequest{
//		URL:     "https://www.googleapis.com/drive/v3/files",
//		Headers: map[string]string{"Authorization": tok.Bearer()},
//	})
func (c *Call) OAuth() OAuth { return OAuth{c} }

// OAuth is the host's token store; see Call.OAuth.
type OAuth struct{ c *Call }

// OAuthToken is an access token. Its String and GoString never show the
// token itself, so that logging the value by mistake does not leak it.
type OAuthToken struct {
	Provider    string
	AccessToken string
	// ExpiresAt is when the token stops working; zero when the host does
	// not know.
	ExpiresAt time.Time
}

// Bearer returns the token as the value of an Authorization header:
// "Bearer " and the token.
func (t OAuthToken) Bearer() string { return "Bearer " + t.AccessToken }

// String describes the token without showing it.
func (t OAuthToken) String() string {
	exp := "no known expiry"
	if !t.ExpiresAt.IsZero() {
		exp = "expires " + t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("OAuth token for %s (%s, %d bytes, redacted)", t.Provider, exp, len(t.AccessToken))
}

// GoString is String, for %#v.
func (t OAuthToken) GoString() string { return t.String() }

// Token returns the access token of provider, e.g. "google".
//
// # Errors
//
// As Call.HostCall: *HostError with CodePermissionDenied when the package
// does not declare the provider or the node does not list it,
// CodeNotFound when the host has no token for it, CodeUnavailable when
// the host's token has expired or cannot be read. An error when the reply
// has no access_token or a malformed expires_at.
//
// # Notes
//
// Never log the token or put it in an output: outputs land in the
// blackboard and the run journal. The host itself records only that a
// token was granted.
func (o OAuth) Token(provider string) (OAuthToken, error) {
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresAt   string `json:"expires_at"`
	}
	if err := o.c.HostCall("oauth.token", map[string]string{"provider": provider}, &r); err != nil {
		return OAuthToken{}, err
	}
	if r.AccessToken == "" {
		return OAuthToken{}, fmt.Errorf("host call oauth.token: the reply has no access_token")
	}
	t := OAuthToken{Provider: provider, AccessToken: r.AccessToken}
	if r.ExpiresAt != "" {
		exp, err := time.Parse(time.RFC3339, r.ExpiresAt)
		if err != nil {
			return OAuthToken{}, fmt.Errorf("host call oauth.token: expires_at %q is not an RFC 3339 time", r.ExpiresAt)
		}
		t.ExpiresAt = exp
	}
	return t, nil
}
