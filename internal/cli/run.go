// `weft run`: run a workflow and report how it ended.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/value"
)

type runFlags struct {
	inputs     []string
	inputsFile string
	packages   []string
	output     string
	trace      string
	tenant     string
	noJournal  bool
	lock       string
	noLock     bool
	watch      bool
	durable    durableFlags
	// run runs a loaded workflow: wf.Run, or the durable engine's.
	run RunFunc
}

func newRunCmd(e *env) *cobra.Command {
	f := &runFlags{}
	c := &cobra.Command{
		Use:   "run WORKFLOW.yaml",
		Short: "Run a workflow",
		Long: "Run a workflow to completion.\n\n" +
			"--input NAME=VALUE parses VALUE as JSON when it parses (n=3 is the integer 3, ok=true a boolean),\n" +
			"else takes it as a string. --output json prints exactly one JSON object on stdout:\n" +
			"{\"run_id\", \"status\", \"blackboard\", \"error\"}. Logs and progress go to stderr.\n\n" +
			"Exit codes: 0 the root returned SUCCESS, 1 it returned FAILURE, 2 bad input, 3 internal error.",
		Args: exactArgs(1, "one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			if srv := serverURL(c); srv != "" {
				if f.durable.address != "" {
					return badInput("--server and --temporal: a run goes to one of them, not both")
				}
				return remoteRunFromLocal(c, e, srv, f, args[0]) // remote.go
			}
			return runWorkflow(c, e, f, args[0])
		},
	}
	fl := c.Flags()
	fl.StringArrayVar(&f.inputs, "input", nil, "seed the blackboard: NAME=VALUE (VALUE as JSON when it parses, else a string); repeatable")
	fl.StringVar(&f.inputsFile, "inputs", "", "seed the blackboard from a JSON object in FILE")
	fl.StringArrayVar(&f.packages, "package", nil, "make the package at PATH usable in this run without installing it; repeatable")
	fl.StringVar(&f.output, "output", "text", "text (progress and a summary) or json (one JSON object on stdout)")
	fl.StringVar(&f.trace, "trace", "", "write every event of the run to FILE as JSON lines")
	fl.StringVar(&f.tenant, "tenant", "default", "the tenant the run belongs to")
	fl.BoolVar(&f.noJournal, "no-journal", false, "do not record the run in the journal")
	fl.StringVar(&f.lock, "lock", "", "the lockfile pinning package digests (default: WORKFLOW.lock beside the workflow, when it exists)")
	fl.BoolVar(&f.noLock, "no-lock", false, "ignore the lockfile beside the workflow")
	f.durable.add(c, "run on the Temporal cluster at HOST:PORT instead of in this process (a build with the Temporal engine; see weft worker)")
	fl.BoolVar(&f.watch, "watch", false, "keep running: run again whenever the workflow, its lockfile or the installed packages change (Ctrl-C stops)")
	return c
}

func runWorkflow(c *cobra.Command, e *env, f *runFlags, file string) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if f.watch && file == "-" {
		return badInput("--watch needs a workflow file to watch, not - (stdin)")
	}
	inputs, err := parseInputs(e, f.inputsFile, f.inputs)
	if err != nil {
		return &exitError{code: ExitBadInput, err: err}
	}
	ctx := c.Context()
	eng, err := e.newEngine(ctx, f.noJournal)
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := addPackages(c, eng, f.packages); err != nil {
		return err
	}
	run, closeRun, err := e.durableRun(ctx, &f.durable)
	if err != nil {
		return err
	}
	defer closeRun()
	f.run = run
	if !f.watch {
		wf, err := loadForRun(c, e, eng, f, file)
		if err != nil {
			return err
		}
		return runOnce(c, e, f, wf, inputs, file)
	}
	return watchRuns(c, e, eng, f, file, inputs)
}

// lockFor returns the lockfile a run honours: --lock, else WORKFLOW.lock
// beside the workflow when it exists; nil with --no-lock or none.
func lockFor(f *runFlags, file string) (*weft.Lock, error) {
	if f.noLock {
		return nil, nil
	}
	path, explicit := f.lock, f.lock != ""
	if !explicit {
		path = weft.LockPath(file)
	}
	l, err := weft.ReadLock(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, badInput("%v", err)
	}
	return l, nil
}

// loadForRun loads the workflow for the run's tenant, honouring the
// lockfile, and prints its warnings.
func loadForRun(c *cobra.Command, e *env, eng *weft.Engine, f *runFlags, file string) (*weft.Workflow, error) {
	lock, err := lockFor(f, file)
	if err != nil {
		return nil, err
	}
	wf, err := e.loadWorkflow(c.Context(), eng, file, weft.LoadOptions{Tenant: f.tenant, Lock: lock})
	if err != nil {
		return nil, err
	}
	for _, w := range wf.Warnings() {
		fmt.Fprintf(e.stderr, "weft: warning: %s\n", w)
	}
	return wf, nil
}

// runOnce runs a loaded workflow and reports its end.
func runOnce(c *cobra.Command, e *env, f *runFlags, wf *weft.Workflow, inputs map[string]any, file string) error {
	ctx := c.Context()
	var sinks []event.Sink
	if f.trace != "" {
		tf, err := os.Create(f.trace)
		if err != nil {
			return badInput("--trace: %v", err)
		}
		defer tf.Close()
		tw := event.NewTraceWriter(tf)
		sinks = append(sinks, tw)
		defer func() {
			if err := tw.Err(); err != nil {
				fmt.Fprintf(e.stderr, "weft: writing the trace: %v\n", err)
			}
		}()
	}
	var view *progressView
	if f.output == "text" && isTerminal(e.stderr) {
		view = newProgressView(e.stderr, enginex.Def(wf), terminalHeight(e.stderr))
		sinks = append(sinks, view)
	} else {
		sinks = append(sinks, logPrinter(e.stderr))
	}
	if view != nil {
		view.start()
	}
	run := f.run
	if run == nil {
		run = embeddedRun
	}
	res, runErr := run(ctx, wf, weft.RunOptions{Tenant: f.tenant, Inputs: inputs, Events: event.Multi(sinks...).Emit})
	if view != nil {
		view.stop()
	}
	if res == nil {
		return runErr
	}
	if f.output == "json" {
		out := map[string]any{"run_id": res.RunID, "status": res.Status, "blackboard": jsonable(res.Blackboard)}
		if res.Err != nil {
			out["error"] = res.Err.Error()
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("writing the result: %w", err)
		}
	} else {
		printTextResult(e.stdout, res)
	}
	if runErr != nil {
		return runErr
	}
	if res.Status != "success" {
		if f.output == "text" && res.Err != nil {
			fmt.Fprintf(e.stderr, "weft: %s: %v\n", file, res.Err)
		}
		return &exitError{code: ExitFailure}
	}
	return nil
}

// embeddedRun runs wf in this process.
func embeddedRun(ctx context.Context, wf *weft.Workflow, o weft.RunOptions) (*weft.Result, error) {
	return wf.Run(ctx, o)
}

// jsonable returns a blackboard whose values marshal as the ABI encodes
// them (bytes as base64, dates as RFC 3339), which encoding/json already does.
func jsonable(bb map[string]any) map[string]any {
	if bb == nil {
		return map[string]any{}
	}
	return bb
}

func printTextResult(w io.Writer, res *weft.Result) {
	mark := "✔"
	if res.Status != "success" {
		mark = "✘"
	}
	fmt.Fprintf(w, "%s %s  run %s  (%s)\n", mark, strings.ToUpper(res.Status), res.RunID, roundDuration(res.Duration))
	if res.Err != nil {
		fmt.Fprintf(w, "error: %v\n", res.Err)
	}
	fmt.Fprintln(w, "blackboard:")
	if len(res.Blackboard) == 0 {
		fmt.Fprintln(w, "  (empty)")
		return
	}
	for _, k := range value.SortedKeys(res.Blackboard) {
		fmt.Fprintf(w, "  %s = %s\n", k, textJSON(res.Blackboard[k]))
	}
}

// parseInputs merges --inputs FILE.json (- for stdin) and then each
// --input NAME=VALUE.
func parseInputs(e *env, file string, pairs []string) (map[string]any, error) {
	inputs := map[string]any{}
	if file != "" {
		data, err := e.readFile(file)
		if err != nil {
			return nil, fmt.Errorf("--inputs: %w", err)
		}
		v, err := value.FromJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%s: expected a JSON object of input names to values: %w", file, err)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: expected a JSON object of input names to values, found %s", file, value.TypeName(v))
		}
		inputs = obj
	}
	for _, p := range pairs {
		name, raw, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--input %q: expected NAME=VALUE", p)
		}
		v, err := value.FromJSON([]byte(raw))
		if err != nil {
			v = raw
		}
		inputs[name] = v
	}
	return inputs, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

func terminalHeight(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if _, h, err := term.GetSize(int(f.Fd())); err == nil && h > 0 {
			return h
		}
	}
	return 24
}

// logPrinter prints log events on stderr when there is no live view.
func logPrinter(w io.Writer) event.Sink {
	return event.SinkFunc(func(e event.Event) {
		if e.Kind == event.Log {
			fmt.Fprintf(w, "%-5s %s: %s\n", strings.ToUpper(e.Level), e.Node, e.Message)
		}
	})
}

// httpPolicyFromEnv is the operator's restriction of the built-in
// HttpRequest node: WEFT_HTTP_PUBLIC_ONLY=1 refuses loopback, private,
// link-local and metadata addresses; WEFT_HTTP_ALLOWED_HOSTS=a.com,*.b.com
// allows only those hosts.
func httpPolicyFromEnv() weft.HTTPPolicy {
	var p weft.HTTPPolicy
	switch strings.ToLower(os.Getenv("WEFT_HTTP_PUBLIC_ONLY")) {
	case "1", "true", "yes":
		p.PublicOnly = true
	}
	if hosts := os.Getenv("WEFT_HTTP_ALLOWED_HOSTS"); hosts != "" {
		for _, h := range strings.Split(hosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				p.AllowedHosts = append(p.AllowedHosts, h)
			}
		}
	}
	return p
}

// hostCallRateFromEnv reads WEFT_HOST_CALLS_PER_SECOND, the operator's
// limit on custom nodes' host calls per tenant and package.
func hostCallRateFromEnv() float64 {
	v, err := strconv.ParseFloat(os.Getenv("WEFT_HOST_CALLS_PER_SECOND"), 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// addPackages makes each --package usable for this command.
//
// A package folder with a [build] command is built first when its module
// is missing or older than a file of the folder (the node author's inner
// loop: edit, then run), the build's output going to stderr.
func addPackages(c *cobra.Command, eng *weft.Engine, paths []string) error {
	for _, p := range paths {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			stale, why, err := pkgfile.Stale(p)
			if err != nil {
				return pkgError(err)
			}
			if stale {
				w := c.ErrOrStderr()
				fmt.Fprintf(w, "weft: building %s: %s\n", p, why)
				if _, err := pkgfile.RunBuild(c.Context(), p, w); err != nil {
					return pkgError(err)
				}
			}
		}
		if _, err := eng.AddPackage(c.Context(), p); err != nil {
			return err
		}
	}
	return nil
}

// stderrLogger reports the engine's warnings (such as a module running
// without instrumentation) on stderr.
func stderrLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// textJSON is v as JSON for people: no HTML escapes (a > b stays a > b,
// not a \u003e b).
func textJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// maxStdin bounds what - reads from stdin.
const maxStdin = 64 << 20

// readFile reads path, or stdin for "-" (once: a second - is an error).
func (e *env) readFile(path string) ([]byte, error) {
	if path != "-" {
		return os.ReadFile(path)
	}
	if e.stdinRead {
		return nil, errors.New("-: stdin was read already (only one of the workflow and --inputs can be -)")
	}
	e.stdinRead = true
	data, err := io.ReadAll(io.LimitReader(e.stdin, maxStdin+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(data) > maxStdin {
		return nil, fmt.Errorf("stdin: more than %d bytes", maxStdin)
	}
	return data, nil
}

// loadWorkflow loads the workflow file, or the one on stdin for "-"
// (named "stdin" in problems).
func (e *env) loadWorkflow(ctx context.Context, eng *weft.Engine, file string, o weft.LoadOptions) (*weft.Workflow, error) {
	if file != "-" {
		return eng.LoadFileWith(ctx, file, o)
	}
	src, err := e.readFile(file)
	if err != nil {
		return nil, badInput("%v", err)
	}
	return eng.LoadWith(ctx, "stdin", src, o)
}
