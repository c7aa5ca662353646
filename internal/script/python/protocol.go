// The wire protocol between the runner and worker.py: length-prefixed
// frames over pipes, the request encoder, and the decoder for the replies,
// which come from inside the sandbox and are therefore untrusted.

package python

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/value"
)

// Protocol limits. worker.py holds the same numbers.
const (
	// maxRequest bounds a request frame: the script and its globals.
	maxRequest = 64 << 20
	// maxResult bounds the result as JSON.
	maxResult = 16 << 20
	// maxReply bounds a reply frame; a longer claimed length is refused
	// before anything is read or allocated for it.
	maxReply = maxResult + 1<<20
	// maxOutput bounds the script's captured output kept from a reply.
	maxOutput = 64 << 10
	// maxMessage bounds an error message kept from a reply.
	maxMessage = 4 << 10
)

// errFrame reports a malformed or oversized frame.
var errFrame = errors.New("malformed frame")

// writeFrame writes body with its 4-byte big-endian length.
func writeFrame(w io.Writer, body []byte) error {
	if uint64(len(body)) > math.MaxUint32 {
		return fmt.Errorf("%w: %d bytes", errFrame, len(body))
	}
	buf := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	_, err := w.Write(append(buf, body...))
	return err
}

// readFrame reads one frame of at most limit bytes.
//
// # Errors
//
// io.EOF when r ends before the frame starts; errFrame when the claimed
// length is over limit (nothing is allocated for it) or r ends inside the
// frame; r's error otherwise.
//
// # Notes
//
// Memory grows with the bytes actually read, never with the claimed length.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: truncated length", errFrame)
		}
		return nil, err
	}
	n := int64(binary.BigEndian.Uint32(head[:]))
	if n > int64(limit) {
		return nil, fmt.Errorf("%w: %d bytes, over the %d limit", errFrame, n, limit)
	}
	var buf bytes.Buffer
	buf.Grow(int(min(n, 64<<10)))
	if _, err := io.CopyN(&buf, r, n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %d of %d bytes", errFrame, buf.Len(), n)
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// header is the first line of a request.
type header struct {
	Source  string  `json:"source"`
	Timeout float64 `json:"timeout"` // seconds
	Memory  int64   `json:"memory"`  // bytes
}

// encodeRequest builds a request frame's body: the header JSON, a newline,
// and the globals as one JSON object.
//
// # Errors
//
// A *script.Error when a global has no JSON form or the request is over
// maxRequest.
func encodeRequest(req script.Request, timeout time.Duration, memory int64) ([]byte, error) {
	h, err := json.Marshal(header{Source: req.Source, Timeout: timeout.Seconds(), Memory: memory})
	if err != nil {
		return nil, &script.Error{Kind: script.ErrScript, Message: fmt.Sprintf("the script cannot be sent: %v", err)}
	}
	buf := make([]byte, 0, len(h)+256)
	buf = append(append(buf, h...), '\n')
	if buf, err = appendValue(buf, req.Globals, 0); err != nil {
		return nil, &script.Error{Kind: script.ErrScript, Message: fmt.Sprintf("globals: %v", err)}
	}
	if len(buf) > maxRequest {
		return nil, &script.Error{Kind: script.ErrMemory, Message: fmt.Sprintf(
			"the script and its globals are %s as JSON, over the %s the sandbox accepts",
			mib(int64(len(buf))), mib(maxRequest))}
	}
	return buf, nil
}

// appendValue appends v as JSON that Python's json module reads back as
// the same value: integers stay int, floats stay float (2.0 is written
// "2.0", not "2"), and NaN and the infinities are written as Python's
// json module spells them. Map keys are sorted, so the script sees the
// same dict order every time.
func appendValue(buf []byte, v any, depth int) ([]byte, error) {
	if depth > 10000 {
		return nil, errors.New("nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case float64:
		return appendFloat(buf, x), nil
	case string:
		return appendString(buf, x), nil
	case json.Number:
		n, err := value.FromNumber(x)
		if err != nil {
			return nil, err
		}
		return appendValue(buf, n, depth)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendValue(buf, e, depth+1); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		buf = append(buf, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(appendString(buf, k), ':')
			var err error
			if buf, err = appendValue(buf, x[k], depth+1); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
		return append(buf, '}'), nil
	}
	// Other types (bytes, times, ...) as encoding/json writes them, as the
	// node does for the blackboard.
	n, err := value.Normalize(v)
	if err != nil {
		return nil, err
	}
	switch n.(type) {
	case nil, bool, int64, float64, string, []any, map[string]any:
		return appendValue(buf, n, depth)
	}
	data, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	return append(buf, data...), nil
}

func appendFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
	if !bytes.ContainsAny(buf[start:], ".e") {
		buf = append(buf, ".0"...)
	}
	return buf
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, "\\ufffd"...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// reply is any frame worker.py sends; which fields count depends on when
// it arrives.
type reply struct {
	// At start.
	Ready     bool     `json:"ready"`
	Python    string   `json:"python"`
	Preloaded []string `json:"preloaded"`
	Failed    []string `json:"failed"`
	// Unsandboxed only: the pid of the run's process (group).
	Child int `json:"child"`
	// The end of a run.
	OK      bool            `json:"ok"`
	Result  json.RawMessage `json:"result"`
	Kind    string          `json:"kind"`
	Message string          `json:"message"`
	Line    int             `json:"line"`
	Output  string          `json:"output"`
}

// decodeReply parses a reply frame's body.
//
// # Errors
//
// A description of what is wrong with the body (not JSON, not an object).
func decodeReply(body []byte) (reply, error) {
	var rep reply
	if err := json.Unmarshal(body, &rep); err != nil {
		return reply{}, fmt.Errorf("invalid reply: %w", err)
	}
	rep.Output = truncate(rep.Output, maxOutput)
	return rep, nil
}

// outcome turns a run's final reply into Run's result.
//
// # Errors
//
// A *script.Error for a failed run, or for a reply that makes no sense (an
// unknown kind, a result that is not JSON), which is then an ErrSandbox:
// the caller should not trust the worker again.
func (rep reply) outcome() (any, error) {
	if rep.OK {
		if len(rep.Result) == 0 {
			return nil, nil
		}
		v, err := value.FromJSON(rep.Result)
		if err != nil {
			return nil, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the sandbox sent an invalid result: %v", err)}
		}
		return v, nil
	}
	kinds := map[string]error{
		"script": script.ErrScript, "memory": script.ErrMemory, "timeout": script.ErrTimeout, "result": script.ErrResult,
		"sandbox": script.ErrSandbox, // the script's process could not lock itself down
	}
	kind, ok := kinds[rep.Kind]
	if !ok {
		return nil, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the sandbox sent a reply of unknown kind %q", truncate(rep.Kind, 64))}
	}
	msg := oneLine(truncate(rep.Message, maxMessage))
	if msg == "" {
		msg = fmt.Sprintf("the script failed (%s)", rep.Kind)
	}
	line := rep.Line
	if line < 0 || line > 1<<24 {
		line = 0
	}
	return nil, &script.Error{Kind: kind, Message: msg, Line: line}
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " / ")
}

// mib formats a byte count in MiB.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
