// Package script is the contract between the PythonInterpreter and
// JavaScriptInterpreter nodes and the sandboxes that run their scripts:
// a Request goes in, a JSON-compatible result comes out, and failures are
// typed so that the node can say what went wrong.
//
//	res, err := runner.Run(ctx, script.Request{Tenant: "acme", Source: src,
//		Globals: map[string]any{"x": int64(1)}, Timeout: time.Second, Memory: 64 << 20})
//
// The runners live in script/javascript (QuickJS in-process) and
// script/python (CPython in a bubblewrap sandbox).
package script

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Request is one script run.
type Request struct {
	// Tenant owns the run. Runners never share a VM, worker or sandbox
	// between tenants.
	Tenant string
	// Source is the script's text. It sees Globals as global variables and
	// leaves its result in a global named `result`.
	Source string
	// Globals are the blackboard's variables, JSON-compatible values
	// (nil, bool, int64, float64, string, []any, map[string]any).
	Globals map[string]any
	// Timeout bounds the run; 0 means DefaultTimeout.
	Timeout time.Duration
	// Memory is the memory limit in bytes; 0 means the standard tier.
	Memory int64
	// Output takes what the script prints, a line at a time: Python's
	// print() and writes to sys.stdout and sys.stderr (at info, after the
	// run), JavaScript's console.log/info/debug/warn/error (as they are
	// called, at their level). It may be called from another goroutine than
	// Run's caller. nil drops the output.
	Output func(level slog.Level, line string)
}

// DefaultTimeout is the timeout of a Request that gives none.
const DefaultTimeout = 30 * time.Second

// MaxTimeout is the longest timeout a workflow's script may ask for unless
// the operator sets another maximum: 5 minutes, the longest tier
// (long_running) a custom node may have.
const MaxTimeout = 5 * time.Minute

// Runner runs scripts of one language.
type Runner interface {
	// Run runs req.Source and returns the value of its `result` global
	// (an empty map[string]any{} when the script sets none, as the seed's
	// interpreters give {}; nil for an explicit None or null), as JSON-compatible values.
	//
	// # Errors
	//
	// A *Error whose Kind says what happened (ErrTimeout, ErrMemory,
	// ErrScript, ErrResult, ErrSandbox), or ctx's error when ctx ends first.
	Run(ctx context.Context, req Request) (any, error)
	// Close stops every VM, worker and sandbox.
	Close() error
}

// Sentinel kinds of script failure, for errors.Is.
var (
	// ErrTimeout: the script ran past its timeout and was stopped.
	ErrTimeout = errors.New("timed out")
	// ErrMemory: the script went over its memory limit.
	ErrMemory = errors.New("memory limit exceeded")
	// ErrScript: the script has a syntax error or raised an exception.
	ErrScript = errors.New("script error")
	// ErrResult: the script's result cannot be turned into JSON.
	ErrResult = errors.New("result is not JSON-serialisable")
	// ErrSandbox: the sandbox could not be built or broke down.
	ErrSandbox = errors.New("sandbox unavailable")
)

// Error is a script failure.
type Error struct {
	Kind    error  // one of the sentinels above
	Message string // what the language or sandbox said, one line where possible
	Line    int    // the script's line, 1-based; 0 when unknown
}

func (e *Error) Error() string {
	msg := e.Kind.Error()
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Kind }

// MemoryTiers are the memory limits by tier name, the same as the package
// manifest's.
var MemoryTiers = map[string]int64{
	"minimal":   16 << 20,
	"light":     32 << 20,
	"standard":  64 << 20,
	"heavy":     128 << 20,
	"intensive": 256 << 20,
}

// DefaultMemory is the standard tier.
const DefaultMemory = 64 << 20
