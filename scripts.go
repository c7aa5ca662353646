// The script interpreters behind PythonInterpreter and JavaScriptInterpreter,
// started on first use so that an engine that runs no script pays nothing.

package weft

import (
	"context"
	"sync"

	"github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/script/javascript"
	"github.com/weft-dev/weft/internal/script/python"
	"github.com/weft-dev/weft/internal/workflow"
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

// syntax checks an inline script's syntax when a workflow loads, so that
// validate reports it at the YAML's line and column. Verdicts are kept by
// language and source: Python's costs a compile in a python3 process (no
// script runs: compile() executes nothing), JavaScript's a QuickJS compile.
func (e *Engine) syntax(ctx context.Context, lang, src string) *workflow.SyntaxError {
	key := lang + "\x00" + src
	if v, ok := e.syntaxCache.Load(key); ok {
		se, _ := v.(*workflow.SyntaxError)
		return se
	}
	var line, col int
	var msg string
	ok := true
	switch lang {
	case "javascript":
		line, col, msg, ok = javascript.Syntax(src)
	case "python":
		line, col, msg, ok = python.Syntax(ctx, e.cfg.Python.Path, src)
	}
	var se *workflow.SyntaxError
	if !ok {
		se = &workflow.SyntaxError{Line: line, Col: col, Msg: msg}
	}
	if ctx.Err() == nil {
		e.syntaxCache.Store(key, se)
	}
	return se
}
