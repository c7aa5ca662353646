// script.go: the nodes of a JavaScript package (a TypeScript node, built by
// internal/tsnode), run in the QuickJS sandbox of internal/script/javascript
// with the same request, host operations, permission checks, limits and
// response checks as a WebAssembly node.

package wasmhost

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/script/javascript"
)

// jsRunner returns the host's JavaScript runner, made on first use. Its VMs
// are per tenant, as instances are.
func (h *Host) jsRunner() *javascript.Runner {
	h.jsOnce.Do(func() {
		h.js = javascript.New(javascript.Config{PoolSize: h.cfg.PoolSize, Logger: h.log})
	})
	return h.js
}

// compileScript checks and compiles a package's script, once per content
// within the process.
func (h *Host) compileScript(m *manifest.Manifest, path string, code []byte) (*javascript.NodeScript, error) {
	sum := sha256.Sum256(code)
	key := string(sum[:])
	h.mu.Lock()
	ns := h.scripts[key]
	h.mu.Unlock()
	if ns != nil {
		return ns, nil
	}
	ns, err := javascript.CompileNode(m.ID+"/"+path, string(code))
	if err != nil {
		return nil, fmt.Errorf("%w: package %s@%s: script %s: %v", ErrInvalidModule, m.ID, m.Version, path, err)
	}
	h.mu.Lock()
	if h.scripts == nil {
		h.scripts = map[string]*javascript.NodeScript{}
	}
	h.scripts[key] = ns
	h.mu.Unlock()
	return ns, nil
}

// callScript is Call for a script's node: body is the request JSON.
func (p *Package) callScript(ctx context.Context, mod *module, node *manifest.Node, req *CallRequest, body []byte, now time.Time, timeout time.Duration) (*Result, error) {
	m := p.Manifest
	fail := func(err error, format string, args ...any) (*Result, error) {
		return nil, &CallError{Package: m.ID, Version: m.Version, Node: req.Node, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	cs := &callState{Context: ctx, deadline: now.Add(timeout), lastGosched: now, pkg: p, node: node, req: req}
	call := &javascript.NodeCall{
		Tenant:  req.Context.Tenant,
		Script:  mod.script,
		Request: string(markBigInts(body)),
		BigMark: bigMark,
		Fresh:   m.FreshInstance,
		Host: func(op, r string) string {
			return string(markBigInts(cs.dispatch(cs, op, unmarkBigInts([]byte(r)))))
		},
		Log:     func(level int, msg string) { cs.log(guestLevel(int32(level)), msg) },
		Timeout: timeout,
		Memory:  int64(m.MemoryBytes()),
	}
	resp, err := p.host.jsRunner().Node(cs, call)
	cs.logSummary()
	if err != nil {
		var se *script.Error
		switch {
		case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
			return fail(context.Canceled, "cancelled")
		case errors.Is(err, script.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
			return fail(context.DeadlineExceeded, "timed out after %v", timeout)
		case errors.Is(err, script.ErrMemory):
			return fail(nil, "went over its memory limit (the %s tier, %d MiB)", tierName(m.Permissions.Memory), m.MemoryBytes()>>20)
		case errors.As(err, &se):
			return fail(nil, "%s", se.Message)
		}
		return fail(nil, "%v", err)
	}
	if len(resp) > p.respCap {
		return fail(nil, "the response is %d bytes, over the limit of %d for the %s memory tier", len(resp), p.respCap, tierName(m.Permissions.Memory))
	}
	res, err := p.response(unmarkBigInts([]byte(resp)), node)
	if err != nil {
		return fail(nil, "%v", err)
	}
	return res, nil
}

func tierName(t string) string {
	if t == "" {
		return "standard"
	}
	return t
}

// bigMark starts the string that carries an integer beyond ±(2^53-1) into
// and out of the JavaScript VM, where numbers are doubles: the node runtime
// turns it into a BigInt and a BigInt back into it, and the host turns it
// into the integer's digits. The nonce, new in every process, keeps node
// code from writing one by accident.
var bigMark = func() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "\u0001weft-int-" + hex.EncodeToString(b[:]) + ":"
}()

// maxSafe is 2^53-1, the largest integer a double holds exactly.
const maxSafe = 1<<53 - 1

// markBigInts rewrites the integers of JSON text b that a double cannot hold
// as bigMark strings. Anything inside strings is left alone.
func markBigInts(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			i = skipString(b, i)
		case c == '-' || c >= '0' && c <= '9':
			j := i
			if b[j] == '-' {
				j++
			}
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			isInt := j == len(b) || b[j] != '.' && b[j] != 'e' && b[j] != 'E'
			if isInt && unsafeInt(b[i:j]) {
				if out == nil {
					out = make([]byte, 0, len(b)+64)
				}
				out = append(out, b[last:i]...)
				out = append(out, '"')
				out = append(out, jsonMark()...)
				out = append(out, b[i:j]...)
				out = append(out, '"')
				last = j
			}
			for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
				j++
			}
			i = j - 1
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// unmarkBigInts turns the bigMark strings of JSON text b back into their
// digits.
func unmarkBigInts(b []byte) []byte {
	m := []byte(`"` + jsonMark())
	if !bytes.Contains(b, m) {
		return b
	}
	var out []byte
	for {
		k := bytes.Index(b, m)
		if k < 0 {
			return append(out, b...)
		}
		digits := k + len(m)
		end := digits
		if end < len(b) && b[end] == '-' {
			end++
		}
		for end < len(b) && b[end] >= '0' && b[end] <= '9' {
			end++
		}
		if end == len(b) || b[end] != '"' || end == digits {
			out = append(out, b[:digits]...) // not one of ours: left as it is
			b = b[digits:]
			continue
		}
		out = append(out, b[:k]...)
		out = append(out, b[digits:end]...)
		b = b[end+1:]
	}
}

// jsonMark is bigMark as JSON writes it inside a string.
func jsonMark() string { return `\u0001` + bigMark[1:] }

// skipString returns the index of the quote that closes the string opening
// at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b)
}

// unsafeInt reports whether the integer digits s (with an optional '-')
// are beyond ±(2^53-1).
func unsafeInt(s []byte) bool {
	d := s
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) < 16 {
		return false
	}
	if len(d) > 16 {
		return true
	}
	n, err := strconv.ParseUint(string(d), 10, 64)
	return err != nil || n > maxSafe
}
