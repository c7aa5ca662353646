// Benchmarks of a whole Serve on the host (no wasm): the conformance echo
// request, for profiling the SDK's own cost. The figure that matters is the
// call inside wasm (conformance's BenchmarkSDKvsHandwritten); this one
// shows where the time goes.
//
//	go test -run '^$' -bench Serve -benchmem ./node/

package node

import (
	"strings"
	"testing"
)

func init() {
	// t-echo is the conformance suite's echo node for its s and i pins.
	Handle("t-echo", func(c *Call) error {
		for _, name := range c.Inputs() {
			var v any
			var err error
			switch name {
			case "s":
				v, err = c.String(name)
			case "i":
				v, err = c.Int(name)
			default:
				continue
			}
			if err != nil {
				return err
			}
			if err := c.SetOutput(name, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// echoReq is the request conformance's benchmarks send.
var echoReq = []byte(`{"abi":1,"node":"t-echo","inputs":{"i":42,"s":"hello"},"context":{"run_id":"r","workflow":"w","node_instance":"n","tenant":"t","attempt":1,"deadline_unix_ms":1763790000000}}`)

func BenchmarkServeEcho(b *testing.B) {
	h := &fakeHost{}
	want := `{"status":"success","outputs":{"i":42,"s":"hello"}}`
	if got := string(Serve(h, echoReq)); got != want {
		b.Fatalf("Serve = %s, want %s", got, want)
	}
	for b.Loop() {
		Serve(h, echoReq)
	}
}

// BenchmarkServeEchoEscaped is the echo with a string that needs escapes
// both ways.
func BenchmarkServeEchoEscaped(b *testing.B) {
	h := &fakeHost{}
	req := []byte(strings.Replace(string(echoReq), `"hello"`, `"h\u00e9llo \"w\"\n<\ud83d\ude00>"`, 1))
	want := `{"status":"success","outputs":{"i":42,"s":"héllo \"w\"\n\u003c😀\u003e"}}`
	if got := string(Serve(h, req)); got != want {
		b.Fatalf("Serve = %s, want %s", got, want)
	}
	for b.Loop() {
		Serve(h, req)
	}
}
