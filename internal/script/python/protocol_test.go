// Tests of the wire protocol without a sandbox: frames, the request
// encoder, and the decoder of the untrusted replies (fuzzed).

package python

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	for _, body := range []string{"", "x", strings.Repeat("y", 100000)} {
		if err := writeFrame(&buf, []byte(body)); err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(&buf, maxReply)
		if err != nil || string(got) != body {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(body), len(got), err)
		}
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"short length", []byte{0, 0}, errFrame},
		{"over the limit", []byte{0xff, 0xff, 0xff, 0xff}, errFrame},
		{"short body", []byte{0, 0, 0, 5, 'a'}, errFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readFrame(bytes.NewReader(tt.in), maxReply)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// endless claims a long frame and never ends: readFrame must refuse the
// claim, not read (or allocate) it.
type endless struct{ read int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x7f
	}
	e.read += len(p)
	return len(p), nil
}

func TestReadFrameRefusesLongClaims(t *testing.T) {
	r := &endless{}
	if _, err := readFrame(r, 1<<20); !errors.Is(err, errFrame) {
		t.Fatalf("error = %v, want errFrame", err)
	}
	if r.read > 64 {
		t.Fatalf("read %d bytes of a frame claimed to be %d", r.read, 0x7f7f7f7f)
	}
}

func TestEncodeRequest(t *testing.T) {
	body, err := encodeRequest(script.Request{Source: "result = x", Globals: map[string]any{
		"b": []any{int64(1), 2.0, 0.5, 1e21, math.NaN(), math.Inf(1), math.Inf(-1), json.Number("7")},
		"a": map[string]any{"s": "é\"\\\n\x01\xff", "n": nil, "t": true},
		"c": []byte("hi"),
		"d": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	}}, 1500*time.Millisecond, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	head, globals, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		t.Fatal("no newline after the header")
	}
	var h header
	if err := json.Unmarshal(head, &h); err != nil || h != (header{Source: "result = x", Timeout: 1.5, Memory: 64 << 20}) {
		t.Fatalf("header %s: %+v, %v", head, h, err)
	}
	want := `{"a":{"n":null,"s":"é\"\\\n\u0001\ufffd","t":true},` +
		`"b":[1,2.0,0.5,1e+21,NaN,Infinity,-Infinity,7],"c":"aGk=","d":"2024-01-02T03:04:05Z"}`
	if string(globals) != want {
		t.Fatalf("globals\n got %s\nwant %s", globals, want)
	}
}

func TestEncodeRequestTooLarge(t *testing.T) {
	_, err := encodeRequest(script.Request{Source: strings.Repeat("#", maxRequest)}, time.Second, 1)
	if !errors.Is(err, script.ErrMemory) {
		t.Fatalf("error = %v, want ErrMemory", err)
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		name string
		body string
		want any
		kind error
		line int
	}{
		{"result", `{"ok":true,"result":{"a":[1,2.5,"x",null]}}`,
			map[string]any{"a": []any{int64(1), 2.5, "x", nil}}, nil, 0},
		{"no result", `{"ok":true}`, nil, nil, 0},
		{"script error", `{"ok":false,"kind":"script","message":"E: x\ny","line":3}`, nil, script.ErrScript, 3},
		{"memory", `{"ok":false,"kind":"memory","message":"m"}`, nil, script.ErrMemory, 0},
		{"timeout", `{"ok":false,"kind":"timeout","message":"t"}`, nil, script.ErrTimeout, 0},
		{"result error", `{"ok":false,"kind":"result","message":"r"}`, nil, script.ErrResult, 0},
		{"sandbox", `{"ok":false,"kind":"sandbox","message":"no filter"}`, nil, script.ErrSandbox, 0},
		{"unknown kind", `{"ok":false,"kind":"boom"}`, nil, script.ErrSandbox, 0},
		{"absurd line", `{"ok":false,"kind":"script","line":-5}`, nil, script.ErrScript, 0},
		{"invalid result", `{"ok":true,"result":1e999}`, nil, script.ErrSandbox, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := decodeReply([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			got, err := rep.outcome()
			if tt.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !equalJSON(got, tt.want) {
					t.Fatalf("result = %#v, want %#v", got, tt.want)
				}
				return
			}
			var se *script.Error
			if !errors.As(err, &se) || !errors.Is(err, tt.kind) || se.Line != tt.line {
				t.Fatalf("error = %#v, want kind %v line %d", err, tt.kind, tt.line)
			}
			if strings.Contains(se.Message, "\n") {
				t.Fatalf("message %q has several lines", se.Message)
			}
		})
	}
	if _, err := decodeReply([]byte("[1]")); err == nil {
		t.Fatal("an array decoded as a reply")
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// FuzzReadReply feeds arbitrary bytes, as a compromised worker could send
// them, through everything the runner does with a reply: framing,
// decoding, and turning it into a result or an error. It must never panic,
// never return anything but a JSON-compatible value or a *script.Error,
// and never keep more than the limits allow.
func FuzzReadReply(f *testing.F) {
	for _, body := range []string{
		`{"ready":true,"python":"3.11.2","preloaded":["numpy"],"failed":[]}`,
		`{"child":42}`,
		`{"ok":true,"result":{"mean":2.5,"count":4},"output":"hi\n"}`,
		`{"ok":false,"kind":"script","message":"ZeroDivisionError: division by zero","line":3,"output":""}`,
		`{"ok":false,"kind":"memory","message":"MemoryError"}`,
		`{"ok":true,"result":[[[[[[[[[[1]]]]]]]]]]}`,
		`{"ok":true,"result":"\ud800"}`,
		`{"ok":true,"result":123456789012345678901234567890}`,
	} {
		var buf bytes.Buffer
		_ = writeFrame(&buf, []byte(body))
		f.Add(buf.Bytes())
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, '{'})
	f.Add([]byte{0, 0, 0, 2, '{', '}', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 16
		body, err := readFrame(bytes.NewReader(data), limit)
		if err != nil {
			if len(data) >= 4 && int(binary.BigEndian.Uint32(data)) <= len(data)-4 && binary.BigEndian.Uint32(data) <= limit {
				t.Fatalf("a complete frame was refused: %v", err)
			}
			return
		}
		if len(body) > limit {
			t.Fatalf("a %d-byte frame passed a %d-byte limit", len(body), limit)
		}
		rep, err := decodeReply(body)
		if err != nil {
			return
		}
		if len(rep.Output) > maxOutput+len("…") {
			t.Fatalf("output of %d bytes kept", len(rep.Output))
		}
		res, err := rep.outcome()
		if err != nil {
			var se *script.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is a %T, not a *script.Error", err, err)
			}
			if len(se.Message) > maxMessage+len("…")+64 || strings.Contains(se.Message, "\n") {
				t.Fatalf("message %q", se.Message)
			}
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("result %#v is not JSON-compatible: %v", res, err)
		}
	})
}
