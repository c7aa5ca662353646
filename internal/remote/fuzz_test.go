// Fuzzing the client's text/event-stream parser: whatever a server (or
// something posing as one) sends, ParseStream never panics, and what it
// delivers follows the format: ids without newlines, data without the
// line breaks that separate messages.

package remote_test

import (
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/remote"
)

func FuzzParseStream(f *testing.F) {
	for _, s := range []string{
		"id: 1\nevent: node_started\ndata: {\"a\":1}\n\n",
		"\ufeff: c\r\nretry: 10\n\nid: 2\r\ndata: a\r\ndata:b\r\n\r\n",
		"data: x\rdata\r\r",
		"event: end\ndata: {\"status\":\"success\"}\n\n",
		"id: 1\x00\n\n", "retry: 99999999999999999999\n\n", "data",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		err := remote.ParseStream(strings.NewReader(in), func(m remote.Message) error {
			if strings.ContainsAny(m.ID, "\r\n") || strings.ContainsAny(m.Event, "\r\n") {
				t.Fatalf("a field holds a line break: %+v", m)
			}
			if m.Retry < 0 {
				t.Fatalf("negative retry: %+v", m)
			}
			return nil
		})
		_ = err // a stream may end in an error (a line too long); it must not panic
	})
}
