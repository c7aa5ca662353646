// vm.go: one QuickJS VM of the pool and one run on it: limits, interrupts,
// the calls into bootstrap.js and the mapping of what went wrong to
// script.Error kinds.

package javascript

import (
	"container/list"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/quickjs"

	"github.com/weft-dev/weft/internal/script"
)

//go:embed bootstrap.js
var bootstrapJS string

// bootstrap is bootstrap.js made ready once per process: with the check of
// the built-in globals filled in for this engine, and compiled, which makes
// a new VM some three times cheaper than parsing the source every time.
var bootstrap struct {
	once     sync.Once
	source   string
	bytecode []byte // nil when it could not be compiled: evaluate source
}

// bootstrapPlaceholder and planPlaceholder are the lines of bootstrap.js
// that prepareBootstrap fills in.
const (
	bootstrapPlaceholder = "const expected = null, check = null;"
	planPlaceholder      = "$.harden(); // the plan"
)

// prepareBootstrap fills in bootstrap: the keys of the built-in globals and
// the check of them, and the plan by which a VM freezes the built-ins,
// which is how a VM evaluating the plain source got to each of them. When
// anything fails it leaves the source as it is, which makes each VM build
// its own check and walk the built-ins itself.
func prepareBootstrap() {
	bootstrap.source = bootstrapJS
	js, err := quickjs.NewVM()
	if err != nil {
		return
	}
	defer js.Close()
	// The same globals as every VM: console is one of them.
	if installConsole(js, func(int, string) {}) != nil {
		return
	}
	out, err := js.Eval(`JSON.stringify(Reflect.ownKeys(globalThis)
		.filter((k) => k !== "FinalizationRegistry")
		.map((k) => typeof k === "string" ? k : null))`, quickjs.EvalGlobal)
	list, _ := out.(string)
	var keys []*string
	if err != nil || json.Unmarshal([]byte(list), &keys) != nil {
		return
	}
	drive, err := js.EvalValue(bootstrapJS, quickjs.EvalGlobal)
	if err != nil {
		return
	}
	out, err = drive.Call(quickjs.UndefinedValue, "plan")
	drive.Free()
	plan, _ := out.(string)
	if err != nil || plan == "" {
		return
	}
	var check strings.Builder
	check.WriteString("(G, v) => true")
	for i, k := range keys {
		if k != nil && *k != "NaN" {
			q, _ := json.Marshal(*k)
			fmt.Fprintf(&check, " && G[%s] === v[%d]", q, i)
		}
	}
	src := strings.Replace(bootstrapJS, bootstrapPlaceholder,
		fmt.Sprintf("const expected = %s, check = %s;", list, check.String()), 1)
	src = strings.Replace(src, planPlaceholder, plan, 1)
	bc, err := js.Compile(src, quickjs.EvalGlobal)
	if err != nil {
		return
	}
	bootstrap.source, bootstrap.bytecode = src, bc
}

// scriptFile is the file name QuickJS gives code run by eval, the user's
// script among it, in stack traces; bootstrap.js is "<eval>".
const scriptFile = "<input>"

// gcThreshold is the collector's threshold at the start of a run: above
// what a VM holds after a small run, below the smallest memory tier.
const gcThreshold = 2 << 20

// maxMessage caps the length of an error message, in bytes.
const maxMessage = 4 << 10

// errDirty says the global object of a VM could not be prepared for a run
// because an earlier run left it in a state clean could not undo. The run
// has not started; Runner.Run retries it on a new VM.
var errDirty = errors.New("javascript: the VM's global object could not be reset")

// vm is one QuickJS runtime with its single context, owned by one tenant
// and used by one run at a time.
type vm struct {
	js     *quickjs.VM
	drive  quickjs.Value // the function bootstrap.js returned
	tenant string
	runs   int

	// closing is set by Runner.Close before it interrupts the VM.
	closing atomic.Bool

	// elem is v's place in Runner.lru while v is idle, guarded by Runner.mu.
	elem *list.Element

	closed bool

	// The node runtime (node.go), made on the VM's first node call.
	node     quickjs.Value // the function noderuntime.js returned
	hasNode  bool
	bare     bool           // no bootstrap.js: DescribeNode's throwaway VM
	loaded   map[int64]bool // NodeScript ids the node runtime holds evaluated
	nodeCall *NodeCall      // the call in progress, for the host functions
	// out takes console output of the run or call in progress.
	out func(level int, msg string)
}

// newVM starts a VM for tenant and evaluates bootstrap.js in it.
//
// # Errors
//
// QuickJS could not create the runtime or evaluate the bootstrap, which
// means the process is out of memory.
func newVM(tenant string) (*vm, error) {
	js, err := quickjs.NewVM()
	if err != nil {
		return nil, fmt.Errorf("javascript: new VM: %w", err)
	}
	v := &vm{js: js, tenant: tenant}
	if err := installConsole(js, func(level int, msg string) {
		if v.out != nil {
			v.out(level, msg)
		}
	}); err != nil {
		js.Close()
		return nil, fmt.Errorf("javascript: console: %w", err)
	}
	bootstrap.once.Do(prepareBootstrap)
	var drive quickjs.Value
	if bootstrap.bytecode != nil {
		drive, err = js.EvalBytecodeValue(bootstrap.bytecode)
	} else {
		drive, err = js.EvalValue(bootstrap.source, quickjs.EvalGlobal)
	}
	if err != nil {
		js.Close()
		return nil, fmt.Errorf("javascript: bootstrap: %w", err)
	}
	v.drive = drive
	return v, nil
}

//go:embed console.js
var consoleJS string

// installConsole gives the VM's global object a console whose methods send
// their arguments, formatted, to out with their level (0 trace .. 4
// error). It runs before bootstrap.js, so that console is a built-in
// global: frozen and put back after every run like the others.
func installConsole(js *quickjs.VM, out func(level int, msg string)) error {
	if err := js.RegisterHostFunc("__weft_console", func(args []any) (any, error) {
		if len(args) == 2 {
			level, _ := args[0].(int64)
			if f, ok := args[0].(float64); ok {
				level = int64(f)
			}
			if i, ok := args[0].(int); ok {
				level = int64(i)
			}
			msg, _ := args[1].(string)
			out(int(level), msg)
		}
		return nil, nil
	}); err != nil {
		return err
	}
	_, err := js.Eval(consoleJS, quickjs.EvalGlobal)
	return err
}

// close releases the VM. A VM whose engine was abandoned by a panic leaks
// its memory instead (see quickjs.VM), and close never panics.
func (v *vm) close() {
	if v.closed {
		return
	}
	v.closed = true
	defer func() { _ = recover() }()
	if !v.bare {
		v.drive.Free()
	}
	if v.hasNode {
		v.node.Free()
	}
	v.js.Close()
}

// interrupt stops the script running on v, from any goroutine.
func (v *vm) interrupt() { v.js.Interrupt() }

// runState is one run in progress on a vm.
type runState struct {
	v        *vm
	ctx      context.Context
	src      string
	deadline time.Time
	timeout  time.Duration
	limit    int64
	end      func() // undoes begin
}

// failureEnvelope is the JSON of an "e" envelope of bootstrap.js.
type failureEnvelope struct {
	Kind    string `json:"k"`
	Message string `json:"m"`
	Stack   string `json:"s"`
}

// exec runs src on v with the globals in input (a JSON object) and returns
// the script's result, and whether v can run another script.
//
// # Errors
//
// A *script.Error, ctx's error when ctx ended first, or errDirty.
func (v *vm) exec(ctx context.Context, src, input string, timeout time.Duration, limit int64) (res any, keep bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			// A bug in the engine or its wrapper: the VM is gone, the host
			// is not.
			res, keep, err = nil, false, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the JavaScript engine failed: %v", p)}
		}
	}()

	r := v.begin(ctx, src, timeout, limit)
	defer r.end()
	if err := r.stopped(); err != nil {
		return nil, true, err // nothing ran
	}

	out, err := r.call("run", src, input)
	if err != nil {
		return nil, false, err
	}
	if out == "d" {
		return nil, false, errDirty
	}
	var fail error
	if out != "" {
		fail = r.failure(out)
	}

	// The job queue is drained also after a failure: jobs the script queued
	// must not run in the next one.
	if err := r.drain(); err != nil {
		return nil, false, err
	}
	if fail == nil {
		if out, err = r.call("finish"); err != nil {
			return nil, false, err
		}
		if out == "p" {
			if err := r.drain(); err != nil {
				return nil, false, err
			}
			if out, err = r.call("finish"); err != nil {
				return nil, false, err
			}
		}
		switch {
		case out == "n": // no result: an empty object, as the seed's interpreters give
			res = map[string]any{}
		case out == "u":
		case strings.HasPrefix(out, "r"):
			if res, err = decodeResult(out[1:]); err != nil {
				fail = &script.Error{Kind: script.ErrResult, Message: err.Error()}
			}
		default:
			fail = r.failure(out)
		}
	}

	clean, err := r.call("clean")
	if err != nil {
		return nil, false, err
	}
	keep = clean == "" && !errors.Is(fail, script.ErrMemory)
	if fail != nil {
		return nil, keep, fail
	}
	return res, keep, nil
}

// begin prepares v for a run: its limits, and an interrupt when ctx ends.
// The caller must call the run's end.
func (v *vm) begin(ctx context.Context, src string, timeout time.Duration, limit int64) *runState {
	v.js.SetMemoryLimit(uintptr(limit))
	// The collector runs when the runtime's memory passes a threshold that
	// it then sets to 1.5 times what it kept. After a run that held a lot,
	// that threshold can be past the next run's limit, and cyclic garbage
	// left by the run would then fail it for want of memory. A low threshold
	// makes the first allocation of the run collect whenever the runtime
	// holds more than a fresh VM does.
	v.js.SetGCThreshold(gcThreshold)
	r := &runState{v: v, ctx: ctx, src: src, deadline: time.Now().Add(timeout), timeout: timeout, limit: limit, end: func() {}}
	if ctx.Done() != nil {
		done := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			v.interrupt()
			close(done)
		})
		r.end = func() {
			if !stop() {
				// The interrupt has been or is being requested. Once it is
				// set, the next call into the VM clears it, so the VM can
				// be kept.
				<-done
			}
		}
	}
	return r
}

// call calls bootstrap.js's drive with args, within what is left of the
// run's timeout, and returns its envelope.
//
// # Errors
//
// The failures that escape bootstrap.js: an interrupt, or memory running
// out where bootstrap.js could not catch it, mapped by r.escaped.
func (r *runState) call(args ...any) (string, error) {
	return r.callFn(r.v.drive, args...)
}

// callFn is call for another function of the VM.
func (r *runState) callFn(fn quickjs.Value, args ...any) (string, error) {
	if err := r.stopped(); err != nil {
		return "", err
	}
	left := time.Until(r.deadline)
	if left <= 0 {
		return "", r.timedOut()
	}
	if err := r.v.js.SetEvalTimeout(left); err != nil {
		return "", &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	out, err := fn.Call(quickjs.UndefinedValue, args...)
	if err != nil {
		return "", r.escaped(err)
	}
	s, ok := out.(string)
	if !ok {
		return "", &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the bootstrap answered %T", out)}
	}
	return s, nil
}

// drain runs the jobs the script queued: promise reactions and async
// continuations.
func (r *runState) drain() error {
	if err := r.stopped(); err != nil {
		return err
	}
	left := time.Until(r.deadline)
	if left <= 0 {
		return r.timedOut()
	}
	if err := r.v.js.SetEvalTimeout(left); err != nil {
		return &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	if _, err := r.v.js.ExecutePendingJobs(); err != nil {
		var qe *quickjs.Error
		if !errors.As(err, &qe) && strings.Contains(err.Error(), "aborted draining") {
			// The queue fed itself past the engine's bound (2^20 jobs)
			// before the timeout.
			return &script.Error{Kind: script.ErrScript, Message: "the script queues promise jobs without end"}
		}
		return r.escaped(err)
	}
	return nil
}

// stopped reports whether the run must stop before the next call into the
// VM because ctx ended or the runner is closing.
func (r *runState) stopped() error {
	if r.v.closing.Load() {
		return &script.Error{Kind: script.ErrSandbox, Message: "the JavaScript runner was closed"}
	}
	return r.ctx.Err()
}

// escaped maps an error that escaped bootstrap.js: the engine throws an
// uncatchable "interrupted" for the timeout, ctx and Close, and the only
// other way out is memory running out in bootstrap.js's own handlers, which
// can leave a pending exception with no name at all.
func (r *runState) escaped(err error) error {
	if err := r.stopped(); err != nil {
		return err
	}
	var qe *quickjs.Error
	if !errors.As(err, &qe) {
		return &script.Error{Kind: script.ErrSandbox, Message: err.Error()}
	}
	switch {
	case qe.Name == "InternalError" && qe.Message == "interrupted":
		return r.timedOut()
	case qe.Message == "out of memory" || qe.Name == "":
		return r.outOfMemory()
	}
	return &script.Error{Kind: script.ErrSandbox, Message: clip(qe.Error())}
}

// timedOut is the error of a run stopped by its timeout. It has no line:
// QuickJS places an interrupt at the start of the function it stopped, not
// at the loop that ran.
func (r *runState) timedOut() error {
	return &script.Error{Kind: script.ErrTimeout, Message: fmt.Sprintf("the script ran longer than its %s timeout", r.timeout)}
}

// outOfMemory is the error of a run that went over its memory limit. It
// has no line: the engine's error has no stack when there was no memory to
// make one.
func (r *runState) outOfMemory() error {
	return &script.Error{Kind: script.ErrMemory, Message: fmt.Sprintf("the script needed more than its %s MiB memory limit", mib(r.limit))}
}

// failure maps an "e" envelope of bootstrap.js.
func (r *runState) failure(out string) error {
	var f failureEnvelope
	if err := json.Unmarshal([]byte(out[1:]), &f); err != nil {
		return &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf("the bootstrap answered %.100q", out)}
	}
	switch f.Kind {
	case "memory":
		return r.outOfMemory()
	case "result":
		return &script.Error{Kind: script.ErrResult, Message: clip(f.Message)}
	}
	return &script.Error{Kind: script.ErrScript, Message: clip(f.Message), Line: lineOf(f.Stack, r.src)}
}

// lineOf returns the script's line where a QuickJS stack trace says the
// error happened, 0 when it does not say. The first frame in the script's
// code, "    at f (<input>:3:5)", is where the error was thrown; a syntax
// error has no such frame but a position, "    at <input>:3:5". (So does
// JSON.parse's syntax error, for its text, but that comes with a frame of
// the script that called it.) Lines past the end of src, which only the
// code bootstrap.js appends has, are the script's last.
func lineOf(stack, src string) int {
	line := 0
	if i := strings.Index(stack, "("+scriptFile+":"); i >= 0 {
		line = leadingInt(stack[i+len(scriptFile)+2:])
	} else if i := strings.Index(stack, "at "+scriptFile+":"); i >= 0 {
		line = leadingInt(stack[i+len(scriptFile)+4:])
	}
	if n := strings.Count(src, "\n") + 1; line > n {
		line = n
	}
	return line
}

func leadingInt(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n
}

// clip shortens an error message to maxMessage bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	i := maxMessage
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// mib formats a byte count in MiB: "64", "0.5".
func mib(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64)
}
