package wasmhost

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzStoreRequests: the request parsers of cache.* and state.* never
// panic, and what they accept is what the stores may be given.
func FuzzStoreRequests(f *testing.F) {
	for _, s := range []string{
		`{"key":"k","value":1}`, `{"key":"k","value":{"a":[1,2]},"ttl_ms":100}`, `{"key":"k","value":null,"ttl_ms":null}`,
		`{"key":"","value":1}`, `{"key":1}`, `{"ttl_ms":1.5}`, `{"ttl_ms":-1}`, `{"ttl_ms":"1"}`, `{"ttl_ms":1e3}`,
		`{"ttl_ms":9223372036855}`, `[]`, `null`, `"key"`, `{}`, `{"key":"\ud800","value":1}`, `{"key":null}`,
		`{"key":"k","value":  [ 1 , 2 ] }`, `{"key":"k","key":"j","value":1}`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, req []byte) {
		checkKey := func(k string) {
			if k == "" || len(k) > maxKey {
				t.Fatalf("accepted key %q", k)
			}
		}
		checkValue := func(v json.RawMessage) {
			if !json.Valid(v) || strings.ContainsAny(string(v), "\n\t") {
				t.Fatalf("accepted value %q", v)
			}
		}
		if k, v, ttl, oe := parseCacheSet(req); oe == nil {
			checkKey(k)
			checkValue(v)
			if ttl < 0 {
				t.Fatalf("ttl %v", ttl)
			}
		} else if oe.Code != CodeInvalidRequest {
			t.Fatalf("code %s", oe.Code)
		}
		if k, v, oe := parseStateSet(req); oe == nil {
			checkKey(k)
			checkValue(v)
		}
		if k, oe := parseKeyOnly("cache.get", req); oe == nil {
			checkKey(k)
		}
	})
}

func TestTTLField(t *testing.T) {
	tests := []struct {
		raw  string
		want time.Duration
		ok   bool
	}{
		{`0`, 0, true}, {`null`, 0, true}, {`1`, time.Millisecond, true}, {`60000`, time.Minute, true},
		{`9223372036854`, 9223372036854 * time.Millisecond, true},
		{`9223372036855`, 0, false}, {`-1`, 0, false}, {`1.0`, 0, false}, {`1e3`, 0, false}, {`"5"`, 0, false}, {`true`, 0, false},
	}
	for _, tt := range tests {
		got, oe := fields{"ttl_ms": json.RawMessage(tt.raw)}.ttl("cache.set")
		if (oe == nil) != tt.ok || got != tt.want {
			t.Errorf("ttl_ms %s: %v, %v", tt.raw, got, oe)
		}
		if oe != nil && !strings.Contains(oe.Message, "ttl_ms") {
			t.Errorf("ttl_ms %s: the message does not name the field: %s", tt.raw, oe.Message)
		}
	}
	if got, oe := (fields{}).ttl("cache.set"); got != 0 || oe != nil {
		t.Errorf("absent: %v %v", got, oe)
	}
}
