// Tests of the lifecycle hooks (OnInit, OnCleanup) through Init and
// Cleanup, as the weft_init and weft_cleanup exports run them, on the host.

package node

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// withHooks registers init and cleanup for the test and removes them after.
func withHooks(t testing.TB, init func(map[string]any) error, cleanup func()) {
	t.Helper()
	OnInit(init)
	OnCleanup(cleanup)
	t.Cleanup(func() { OnInit(nil); OnCleanup(nil) })
}

func TestInit(t *testing.T) {
	needKey := func(got *map[string]any) func(map[string]any) error {
		return func(c map[string]any) error {
			*got = c
			if _, ok := c["api_key"].(string); !ok {
				return errors.New("no api_key in the config")
			}
			return nil
		}
	}
	tests := []struct {
		name     string
		hook     string // "key", "panic", "empty", "none"
		req      string
		wantResp string // "" = success (nil)
		want     map[string]any
	}{
		{"config", "key", `{"abi":1,"config":{"api_key":"k","region":"eu","n":2}}`, "",
			map[string]any{"api_key": "k", "region": "eu", "n": 2.0}},
		{"missing key", "key", `{"abi":1,"config":{}}`, `{"status":"failure","error":"no api_key in the config"}`, map[string]any{}},
		{"no config", "key", `{"abi":1}`, `{"status":"failure","error":"no api_key in the config"}`, map[string]any{}},
		{"null config", "key", `{"abi":1,"config":null}`, `{"status":"failure","error":"no api_key in the config"}`, map[string]any{}},
		{"config not object", "key", `{"abi":1,"config":[1]}`, `{"status":"failure","error":"weft_init request: config must be a JSON object, found [1]"}`, nil},
		{"not json", "key", `{"abi":1,`, `{"status":"failure","error":"weft_init request is not valid JSON: unexpected end of JSON input"}`, nil},
		{"wrong abi", "key", `{"abi":2,"config":{}}`, `{"status":"failure","error":"weft_init request has abi 2, this SDK implements 1"}`, nil},
		{"panic", "panic", `{"abi":1,"config":{}}`, `{"status":"failure","error":"panic: boom"}`, nil},
		{"empty error", "empty", `{"abi":1,"config":{}}`, `{"status":"failure","error":"node failed (its error has no message)"}`, nil},
		{"no hook", "none", `not even json`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]any
			var hook func(map[string]any) error
			switch tt.hook {
			case "key":
				hook = needKey(&got)
			case "panic":
				hook = func(map[string]any) error { panic("boom") }
			case "empty":
				hook = func(map[string]any) error { return errors.New("") }
			}
			withHooks(t, hook, nil)
			h := &fakeHost{}
			resp := Init(h, []byte(tt.req))
			if string(resp) != tt.wantResp {
				t.Fatalf("response %s, want %s", resp, tt.wantResp)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("hook got %#v, want %#v", got, tt.want)
			}
			if tt.hook == "panic" && (len(h.lines) != 1 || !strings.HasPrefix(h.lines[0], "error: panic in the init hook: boom")) {
				t.Fatalf("log %q, want the panic and its stack", h.lines)
			}
		})
	}
}

func TestCleanup(t *testing.T) {
	Cleanup(nil) // no hook: nothing happens
	ran := 0
	withHooks(t, nil, func() { ran++ })
	Cleanup(&fakeHost{})
	if ran != 1 {
		t.Fatalf("cleanup ran %d times, want 1", ran)
	}
	OnCleanup(func() { panic("cleanup boom") })
	h := &fakeHost{}
	Cleanup(h) // recovered, logged
	if len(h.lines) != 1 || !strings.HasPrefix(h.lines[0], "error: panic in the cleanup hook: cleanup boom") {
		t.Fatalf("log %q, want the panic", h.lines)
	}
}

// FuzzInit: any request gives nil or a failure response, never a panic.
func FuzzInit(f *testing.F) {
	for _, s := range []string{`{"abi":1,"config":{"a":1}}`, `{"abi":1}`, `{"abi":1,"config":"x"}`, `[]`, ``} {
		f.Add([]byte(s))
	}
	withHooks(f, func(map[string]any) error { return nil }, nil)
	f.Fuzz(func(t *testing.T, req []byte) {
		resp := Init(nil, req)
		if resp != nil && !strings.HasPrefix(string(resp), `{"status":"failure","error":"`) {
			t.Fatalf("response %s", resp)
		}
	})
}
