// The script interpreters behind PythonInterpreter and JavaScriptInterpreter,
// started on first use so that an engine that runs no script pays nothing.

package weft

import (
	"context"
	"sync"

	"github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/script/javascript"
	"github.com/weft-dev/weft/internal/script/python"
)

// PythonConfig configures PythonInterpreter.
type PythonConfig struct {
	// Path is the CPython to run; default /usr/bin/python3.
	Path string
	// Unsandboxed runs scripts without the OS sandbox, for machines where
	// it cannot be built (no bubblewrap or user namespaces). Every run
	// logs a warning: scripts then run with the engine's own rights. Only
	// for trusted scripts.
	Unsandboxed bool
}

// lazyRunner starts a script.Runner on its first Run.
type lazyRunner struct {
	start func() (script.Runner, error)

	mu      sync.Mutex
	started bool
	r       script.Runner
	err     error
}

var _ script.Runner = (*lazyRunner)(nil)

func (l *lazyRunner) get() (script.Runner, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		l.started = true
		l.r, l.err = l.start()
	}
	return l.r, l.err
}

func (l *lazyRunner) Run(ctx context.Context, req script.Request) (any, error) {
	r, err := l.get()
	if err != nil {
		return nil, &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	return r.Run(ctx, req)
}

func (l *lazyRunner) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.r != nil {
		return l.r.Close()
	}
	return nil
}

// scriptRunners returns the engine's Python and JavaScript runners.
func (e *Engine) scriptRunners() (py, js *lazyRunner) {
	py = &lazyRunner{start: func() (script.Runner, error) {
		return python.New(python.Config{Python: e.cfg.Python.Path, Unsandboxed: e.cfg.Python.Unsandboxed, Logger: e.cfg.Logger})
	}}
	js = &lazyRunner{start: func() (script.Runner, error) {
		return javascript.New(javascript.Config{Logger: e.cfg.Logger}), nil
	}}
	return py, js
}
