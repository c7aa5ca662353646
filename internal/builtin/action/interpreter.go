// PythonInterpreter and JavaScriptInterpreter: run a script pasted into the
// workflow against the blackboard, in a sandbox, and store its `result`.

package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/event"
	sandbox "github.com/weft-dev/weft/internal/script"
	"github.com/weft-dev/weft/internal/value"
)

// language describes one interpreter node type.
type language struct {
	node, name, outputKey string
	lang                  string // bt.PropSpec.Language of the script
	runner                func(*bt.Services) sandbox.Runner
	sandbox               string // how the script is isolated, for the docs
	example               string
}

var languages = []language{
	{
		node: "PythonInterpreter", name: "Python", outputKey: "pythonResult", lang: "python",
		runner: func(s *bt.Services) sandbox.Runner { return s.Python },
		sandbox: "The script runs in the system's CPython (`/usr/bin/python3` unless the operator " +
			"configures another) inside an operating-system sandbox built with bubblewrap: new user, " +
			"mount, PID, IPC, UTS and network namespaces (no network at all), a read-only view of the " +
			"Python installation and nothing else of the host, a small size-capped `/tmp`, and " +
			"resource limits (address space by the memory tier, CPU time, processes, open files, " +
			"file size). A timeout kills the whole sandbox. Pre-started sandboxed workers, never " +
			"shared between tenants, make a warm call cost a few milliseconds. numpy and pandas " +
			"work when they are installed; numpy scalars and arrays come out as numbers and lists. " +
			"Where the sandbox cannot be built (no bubblewrap, user namespaces disabled, not Linux) " +
			"the node fails with an error saying why and how to enable it, unless the operator has " +
			"explicitly chosen the unsandboxed mode (`WEFT_PYTHON_UNSANDBOXED=1`), which logs a " +
			"warning on every run.",
		example: "- type: PythonInterpreter\n" +
			"  props:\n" +
			"    outputKey: stats\n" +
			"    script: |\n" +
			"      import numpy as np\n" +
			"      values = [item['value'] for item in httpResponse['data']]\n" +
			"      result = {'mean': np.mean(values), 'count': len(values)}\n",
	},
	{
		node: "JavaScriptInterpreter", name: "JavaScript", outputKey: "jsResult", lang: "javascript",
		runner: func(s *bt.Services) sandbox.Runner { return s.JavaScript },
		sandbox: "The script runs in QuickJS inside the weft process, in a VM with a memory limit " +
			"and an interrupt: it has no filesystem, network, `require`, modules or timers. VMs are " +
			"kept warm in a pool per tenant, never shared between tenants, thrown away after a " +
			"limit, a timeout or an uncatchable error, and recycled after a number of runs; each " +
			"run starts from clean globals.",
		example: "- type: JavaScriptInterpreter\n" +
			"  props:\n" +
			"    outputKey: total\n" +
			"    script: |\n" +
			"      result = order.items.reduce((s, i) => s + i.price * i.qty, 0)\n",
	},
}

func init() {
	tiers := value.SortedKeys(sandbox.MemoryTiers)
	for _, l := range languages {
		register(&bt.Spec{
			Name: l.node, Kind: bt.Leaf, Category: "action", Children: none, OutputKey: l.outputKey,
			Summary: fmt.Sprintf("Runs a %s script against the blackboard, sandboxed, and stores its `result`.", l.name),
			Description: fmt.Sprintf("The script sees every blackboard value visible to the node as a global "+
				"variable (a copy, as JSON: integers stay integers, bytes become base64 text and times "+
				"RFC 3339 text) and leaves its result in a variable named `result`, which the node stores "+
				"under `outputKey` (default `%s`) when the script ends; a script that sets no `result` stores an empty object `{}` (as the seed's "+
				"interpreters do; an explicit None or null stores null). The script "+
				"cannot change the blackboard otherwise. The node returns RUNNING while the script runs, so "+
				"the rest of the tree goes on; halting it stops the script.\n\n"+
				"```yaml\n%s```\n\n%s\n\n"+
				"**Failure.** The node fails, and stores nothing, when the script has a syntax error or "+
				"raises an exception (the message names the script's line), runs past `timeout`, goes "+
				"over its memory tier, or leaves a `result` that cannot be turned into JSON (the message "+
				"names its type). The script is never templated: it reads the blackboard itself.",
				l.outputKey, l.example, l.sandbox),
			Props: []bt.PropSpec{
				{Name: "script", Type: bt.TypeCode, Required: true, Language: l.lang,
					Description: fmt.Sprintf("The %s source; never templated.", l.name)},
				{Name: "timeout", Type: bt.TypeDuration, Default: "30s",
					Description: "How long the script may run (a duration such as \"30s\", or milliseconds); at most " +
						"5 minutes, or the operator's maximum. A literal over it makes the workflow invalid."},
				{Name: "memory", Type: bt.TypeString, Default: "standard", Enum: tiers,
					Description: "The memory tier: minimal 16 MiB, light 32, standard 64, heavy 128, intensive 256."},
				{Name: "outputKey", Type: bt.TypeKey,
					Description: fmt.Sprintf("Blackboard key for the result; `%s` when absent.", l.outputKey)},
			},
			New: newInterpreter(l),
		})
	}
}

type interpreter struct {
	lang                       language
	src                        string
	runner                     sandbox.Runner
	timeout, memory, outputKey *bt.Prop

	maxTimeout time.Duration // the operator's maximum for timeout

	work   bt.Async
	result any // set by the script's goroutine before it returns
	key    string
}

var (
	_ bt.Behavior = (*interpreter)(nil)
	_ bt.Resetter = (*interpreter)(nil)
)

func newInterpreter(l language) func(c *bt.Config) (bt.Behavior, error) {
	return func(c *bt.Config) (bt.Behavior, error) {
		v, _ := literal(c.Props.Get("script"))
		src, _ := v.(string)
		if strings.TrimSpace(src) == "" {
			return nil, fmt.Errorf("prop script: the script is empty")
		}
		n := &interpreter{lang: l, src: src, timeout: c.Props.Get("timeout"),
			memory: c.Props.Get("memory"), outputKey: c.Props.Get("outputKey"), maxTimeout: sandbox.MaxTimeout}
		if c.Services != nil {
			n.runner = l.runner(c.Services)
			if c.Services.MaxScriptTimeout > 0 {
				n.maxTimeout = c.Services.MaxScriptTimeout
			}
		}
		if v, ok := literal(n.timeout); ok {
			if d, err := bt.Coerce(bt.TypeDuration, v); err == nil {
				if err := n.checkTimeout(d.(time.Duration)); err != nil {
					return nil, err
				}
			}
		}
		if v, ok := literal(n.memory); ok {
			if s, ok := v.(string); ok {
				if _, err := memoryTier(s); err != nil {
					return nil, err
				}
			}
		}
		return n, nil
	}
}

// checkTimeout refuses a timeout that is not positive or is over the
// operator's maximum (bt.Services.MaxScriptTimeout, else 5 minutes).
func (n *interpreter) checkTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("prop timeout: expected a positive duration, found %s", d)
	}
	if d > n.maxTimeout {
		return fmt.Errorf("prop timeout: %s is over the maximum of %s for a %s script (the operator's "+
			"limit, %s unless configured)", d, n.maxTimeout, n.lang.name, sandbox.MaxTimeout)
	}
	return nil
}

func memoryTier(name string) (int64, error) {
	if b, ok := sandbox.MemoryTiers[name]; ok {
		return b, nil
	}
	return 0, fmt.Errorf("prop memory: expected one of %s, found %q",
		strings.Join(value.SortedKeys(sandbox.MemoryTiers), ", "), name)
}

func (n *interpreter) Tick(t *bt.Tick) bt.Status {
	if !n.work.Started() {
		if err := n.start(t); err != nil {
			return t.Fail(err)
		}
	}
	st := n.work.Poll(t)
	if st == bt.Success {
		t.BB.Set(n.key, n.result)
	}
	if st != bt.Running {
		n.result = nil
	}
	return st
}

func (n *interpreter) Halt(*bt.Tick) {
	n.work.Stop()
	n.result = nil
}

func (n *interpreter) start(t *bt.Tick) error {
	if n.runner == nil {
		return fmt.Errorf("%s scripts are not available in this engine", n.lang.name)
	}
	timeout, err := n.timeout.Duration(t, 30*time.Second)
	if err != nil {
		return err
	}
	if err := n.checkTimeout(timeout); err != nil {
		return err
	}
	tier, err := n.memory.String(t, "standard")
	if err != nil {
		return err
	}
	mem, err := memoryTier(tier)
	if err != nil {
		return err
	}
	if n.key, err = blackboardKey(t, n.outputKey, n.lang.outputKey); err != nil {
		return err
	}
	globals, err := jsonGlobals(t.BB.Snapshot())
	if err != nil {
		return err
	}
	out := &scriptOutput{emit: t.Emitter()}
	req := sandbox.Request{Tenant: t.Run().TenantOrDefault(), Source: n.src, Globals: globals, Timeout: timeout, Memory: mem, Output: out.line}
	n.work.Start(t, func(ctx context.Context) (bt.Status, error) {
		res, err := n.runner.Run(ctx, req)
		out.done()
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, sandbox.ErrTimeout) {
				return bt.Failure, ctx.Err()
			}
			return bt.Failure, fmt.Errorf("%s: %w", n.lang.name, err)
		}
		n.result = res
		return bt.Success, nil
	})
	t.Log(slog.LevelDebug, fmt.Sprintf("%s script started (timeout %s, memory %s)", n.lang.name, timeout, tier))
	return nil
}

// Caps on what one script run prints into the run's events, the same as
// a custom node's log lines have (wasmhost's MaxLogLine, MaxLogLines,
// MaxLogBytes).
const (
	maxOutputLine  = 16 << 10
	maxOutputLines = 10_000
	maxOutputBytes = 1 << 20
)

// scriptOutput turns a script's printed lines into log events of the node,
// capped; what is dropped is counted and said at the end.
type scriptOutput struct {
	emit         func(event.Event)
	mu           sync.Mutex
	lines, bytes int
	dropped      int
}

func (o *scriptOutput) line(level slog.Level, line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lines >= maxOutputLines || o.bytes >= maxOutputBytes {
		o.dropped++
		return
	}
	if len(line) > maxOutputLine {
		cut := maxOutputLine
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line = fmt.Sprintf("%s… [line cut: %d bytes in all]", line[:cut], len(line))
	}
	o.lines++
	o.bytes += len(line)
	o.emit(event.Event{Kind: event.Log, Level: bt.LevelName(level), Message: line})
}

func (o *scriptOutput) done() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dropped > 0 {
		o.emit(event.Event{Kind: event.Log, Level: bt.LevelName(slog.LevelWarn),
			Message: fmt.Sprintf("%d more lines of script output were dropped (limits per run: %d lines, %d bytes)", o.dropped, maxOutputLines, maxOutputBytes)})
		o.dropped = 0
	}
}

// jsonGlobals turns blackboard values into the JSON-compatible values a
// script sees: bytes become base64 text and times RFC 3339 text, as
// encoding/json writes them.
func jsonGlobals(vals map[string]any) (map[string]any, error) {
	data, err := json.Marshal(vals)
	if err != nil {
		return nil, fmt.Errorf("the blackboard cannot be passed to the script as JSON: %w", err)
	}
	v, err := value.FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("the blackboard cannot be passed to the script as JSON: %w", err)
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// Reset waits for the last script's goroutine to be gone and drops its
// result.
func (n *interpreter) Reset() {
	n.work.Stop()
	n.result, n.key = nil, ""
}
