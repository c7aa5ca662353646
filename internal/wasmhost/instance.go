// Instances: one running copy of a module, its captured stdio, and the
// pools that keep warm instances per tenant.

package wasmhost

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// instance is one instantiated module. One goroutine uses it at a time.
type instance struct {
	mod                         api.Module
	module                      *module // what it is an instance of, for messages
	mem                         api.Memory
	run, alloc, allocHost, free api.Function
	stack                       [2]uint64
	stdio                       *stdio
	cur                         *callState // the call in progress, for stdio
	broken                      bool       // trapped, timed out or hit a limit: never reuse
	// initHook and cleanup are the optional lifecycle exports weft_init
	// and weft_cleanup, or nil (lifecycle.go).
	initHook, cleanup api.Function
	// ready: weft_init succeeded (or there is none) and the instance has
	// been handed to a call; only a ready instance is cleaned up.
	ready bool
}

// sleep is the guest's WASI sleep (poll_oneoff with a clock): it never
// outlives the call's deadline or its cancellation, which a guest blocked
// in the host could otherwise overstay (yield only runs in guest code).
func (i *instance) sleep(ns int64) {
	d := time.Duration(ns)
	cs := i.cur
	if cs == nil {
		time.Sleep(min(d, time.Second)) // during _initialize: bounded
		return
	}
	dl, _ := cs.Deadline()
	over := false
	if until := time.Until(dl); until <= d {
		d, over = until, true
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-cs.Context.Done():
			over = true
		}
		t.Stop()
	}
	if over {
		yield(cs, i.mod, nil) // stops the guest: its call is over
	}
}

func (i *instance) close(ctx context.Context) {
	if i.mod != nil {
		_ = i.mod.Close(context.WithoutCancel(ctx))
	}
}

// stdio turns a guest's stdout and stderr into log lines of the call in
// progress, capped per call.
type stdio struct {
	inst *instance
	out  [2]bytes.Buffer // partial lines of stdout, stderr
}

type stdioWriter struct {
	s   *stdio
	err bool
}

func (s *stdio) writer(stderr bool) io.Writer { return &stdioWriter{s: s, err: stderr} }

func (w *stdioWriter) Write(p []byte) (int, error) {
	cs := w.s.inst.cur
	if cs == nil {
		return len(p), nil // during _initialize: nobody to tell
	}
	n := len(p)
	if room := MaxStdio - cs.stdioBytes; room < len(p) {
		if room < 0 {
			room = 0
		}
		cs.stdioDropped += len(p) - room
		p = p[:room]
	}
	cs.stdioBytes += len(p)
	idx, level := 0, slog.LevelInfo
	if w.err {
		idx, level = 1, slog.LevelWarn
	}
	buf := &w.s.out[idx]
	buf.Write(p)
	for {
		line, rest, ok := bytes.Cut(buf.Bytes(), []byte{'\n'})
		if !ok {
			break
		}
		cs.log(level, string(line))
		buf.Next(len(line) + 1)
		_ = rest
	}
	return n, nil
}

// flush emits what is left of unterminated stdout/stderr lines.
func (s *stdio) flush(cs *callState) {
	for i := range s.out {
		if s.out[i].Len() > 0 {
			level := slog.LevelInfo
			if i == 1 {
				level = slog.LevelWarn
			}
			cs.log(level, s.out[i].String())
			s.out[i].Reset()
		}
	}
}

// pool keeps warm instances of one module for one tenant.
type pool struct {
	mu   sync.Mutex
	idle []*instance
	max  int
	// retire discards an instance: weft_cleanup, then close
	// (Package.retire). Nil: just close.
	retire func(context.Context, *instance)
}

// discard retires or closes an instance the pool does not keep.
func (p *pool) discard(ctx context.Context, inst *instance) {
	if p.retire != nil {
		p.retire(ctx, inst)
		return
	}
	inst.close(ctx)
}

func (p *pool) get() *instance {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		inst := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return inst
	}
	return nil
}

// put returns a healthy instance to the pool, or closes it.
func (p *pool) put(ctx context.Context, inst *instance) {
	if inst.broken || inst.mod.IsClosed() {
		inst.close(ctx) // no weft_cleanup: its state is undefined
		return
	}
	p.mu.Lock()
	if len(p.idle) < p.max {
		p.idle = append(p.idle, inst)
		inst = nil
	}
	p.mu.Unlock()
	if inst != nil {
		p.discard(ctx, inst)
	}
}

func (p *pool) drain(ctx context.Context) {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, inst := range idle {
		p.discard(ctx, inst)
	}
}
