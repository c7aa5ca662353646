// The cache.* operations (cache.get, cache.set, cache.delete) on
// Capabilities.Cache, and the parsing of requests that the store
// operations share.

package wasmhost

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

func init() {
	ops["cache.get"] = Op{ops["cache.get"].Allowed, cacheGet}
	ops["cache.set"] = Op{ops["cache.set"].Allowed, cacheSet}
	ops["cache.delete"] = Op{ops["cache.delete"].Allowed, cacheDelete}
}

// maxKey is the longest key, in bytes, of cache.* and state.*.
const maxKey = 1024

// maxTTLMS is the longest ttl_ms that a time.Duration holds.
const maxTTLMS = math.MaxInt64 / int64(time.Millisecond)

// fields is a request object by field name.
type fields map[string]json.RawMessage

// parseFields decodes a request that must be a JSON object; shape is what
// the error says the operation takes.
func parseFields(op, shape string, req json.RawMessage) (fields, *opError) {
	var f fields
	if err := json.Unmarshal(req, &f); err != nil || f == nil {
		return nil, opErr(CodeInvalidRequest, "%s takes %s", op, shape)
	}
	return f, nil
}

// key is the required field "key": a non-empty string of at most maxKey
// bytes.
func (f fields) key(op string) (string, *opError) {
	raw, ok := f["key"]
	if !ok || isNull(raw) {
		return "", opErr(CodeInvalidRequest, "%s: key is missing", op)
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", opErr(CodeInvalidRequest, "%s: key must be a string", op)
	}
	switch {
	case k == "":
		return "", opErr(CodeInvalidRequest, "%s: key must not be empty", op)
	case len(k) > maxKey:
		return "", opErr(CodeInvalidRequest, "%s: key of %d bytes (at most %d)", op, len(k), maxKey)
	}
	return k, nil
}

// value is the required field "value", any JSON (null included), compacted.
func (f fields) value(op string) (json.RawMessage, *opError) {
	raw, ok := f["value"]
	if !ok {
		return nil, opErr(CodeInvalidRequest, "%s: value is missing", op)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, opErr(CodeInvalidRequest, "%s: value: %v", op, err)
	}
	return b.Bytes(), nil
}

// ttl is the optional field "ttl_ms": a whole number of milliseconds, at
// least 0. Absent, null and 0 mean no expiry.
func (f fields) ttl(op string) (time.Duration, *opError) {
	raw, ok := f["ttl_ms"]
	if !ok || isNull(raw) {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 || n > maxTTLMS {
		return 0, opErr(CodeInvalidRequest, "%s: ttl_ms must be a whole number of milliseconds from 0 to %d, not %.40s",
			op, maxTTLMS, raw)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// parseCacheSet parses the request of cache.set.
func parseCacheSet(req json.RawMessage) (key string, value json.RawMessage, ttl time.Duration, oe *opError) {
	const op = "cache.set"
	f, oe := parseFields(op, `{"key": string, "value": any, "ttl_ms": number?}`, req)
	if oe != nil {
		return "", nil, 0, oe
	}
	if key, oe = f.key(op); oe != nil {
		return "", nil, 0, oe
	}
	if value, oe = f.value(op); oe != nil {
		return "", nil, 0, oe
	}
	if ttl, oe = f.ttl(op); oe != nil {
		return "", nil, 0, oe
	}
	return key, value, ttl, nil
}

// parseKeyOnly parses the request of an operation that takes {"key": s}.
func parseKeyOnly(op string, req json.RawMessage) (string, *opError) {
	f, oe := parseFields(op, `{"key": string}`, req)
	if oe != nil {
		return "", oe
	}
	return f.key(op)
}

func noCache(op string) *opError {
	return opErr(CodeUnavailable, "%s is not available on this host (no cache)", op)
}

func cacheGet(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	if c.Caps == nil || c.Caps.Cache == nil {
		return nil, noCache("cache.get")
	}
	key, oe := parseKeyOnly("cache.get", req)
	if oe != nil {
		return nil, oe
	}
	v, ok, err := c.Caps.Cache.Get(ctx, c.Scope(), key)
	if err != nil {
		return nil, capErr("cache.get", err)
	}
	if !ok {
		return nil, nil
	}
	return v, nil
}

func cacheSet(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	if c.Caps == nil || c.Caps.Cache == nil {
		return nil, noCache("cache.set")
	}
	key, value, ttl, oe := parseCacheSet(req)
	if oe != nil {
		return nil, oe
	}
	if err := c.Caps.Cache.Set(ctx, c.Scope(), key, value, ttl); err != nil {
		return nil, capErr("cache.set", err)
	}
	return nil, nil
}

func cacheDelete(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	if c.Caps == nil || c.Caps.Cache == nil {
		return nil, noCache("cache.delete")
	}
	key, oe := parseKeyOnly("cache.delete", req)
	if oe != nil {
		return nil, oe
	}
	if err := c.Caps.Cache.Delete(ctx, c.Scope(), key); err != nil {
		return nil, capErr("cache.delete", err)
	}
	return nil, nil
}
