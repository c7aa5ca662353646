// The command line as a client of a weft server: --server URL (or
// $WEFT_SERVER) with a token from $WEFT_TOKEN or --token-file points `run`,
// `validate`, `pkg install` and `runs list|show` at the server's API, and
// `weft remote ...` groups the same commands explicitly.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/remote"
)

// addRemote gives the root command its server flags and `weft remote`.
func addRemote(root *cobra.Command, e *env) {
	pf := root.PersistentFlags()
	pf.String("server", "", "talk to the weft server at URL instead of running locally (default $WEFT_SERVER)")
	pf.String("token-file", "", "read the server's API token from FILE (default $WEFT_TOKEN)")
	root.AddCommand(newRemoteCmd(e))
}

// serverURL returns the server a command talks to: --server, else
// $WEFT_SERVER; "" to work locally (also when --server="" is given).
func serverURL(c *cobra.Command) string {
	if f := c.Flags().Lookup("server"); f != nil && f.Changed {
		return strings.TrimSpace(f.Value.String())
	}
	return strings.TrimSpace(os.Getenv("WEFT_SERVER"))
}

// remoteSession is one command's connection to a server.
type remoteSession struct {
	e        *env
	srv      string // as the user gave it, for messages
	cl       *remote.Client
	tokenSrc string // "" when no token is sent
}

// normalizeServer makes a base URL of --server: http:// is assumed
// without a scheme; a trailing /api/v1 is dropped.
func normalizeServer(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return "", badInput("--server / WEFT_SERVER: expected the server's URL, like http://127.0.0.1:8080, found %q", s)
	}
	b := strings.TrimRight(u.String(), "/")
	return strings.TrimRight(strings.TrimSuffix(b, api.Base), "/"), nil
}

// connect makes the session of command c with server srv.
func connect(c *cobra.Command, e *env, srv string) (*remoteSession, error) {
	base, err := normalizeServer(srv)
	if err != nil {
		return nil, err
	}
	token, src := os.Getenv("WEFT_TOKEN"), "WEFT_TOKEN"
	if f := c.Flags().Lookup("token-file"); f != nil && f.Value.String() != "" {
		path := f.Value.String()
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, badInput("--token-file: %v", err)
		}
		token, src = strings.TrimSpace(string(data)), "--token-file "+path
		if token == "" {
			return nil, badInput("--token-file %s: the file is empty; expected a token of the server", path)
		}
	}
	token = strings.TrimSpace(token)
	if token == "" {
		src = ""
	}
	return &remoteSession{e: e, srv: base, cl: remote.New(base, token, nil), tokenSrc: src}, nil
}

// rejectLocal refuses flags of a local command that mean nothing against
// a server.
func rejectLocal(c *cobra.Command, why map[string]string) error {
	names := make([]string, 0, len(why))
	for n := range why {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if f := c.Flags().Lookup(n); f != nil && f.Changed {
			return badInput("--%s: not available with --server / WEFT_SERVER: %s", n, why[n])
		}
	}
	return nil
}

// silentExit is an exit code whose message was printed already.
func silentExit(code int) error { return &exitError{code: code} }

// fail turns an error of the server or of reaching it into the exit code
// it deserves: 4xx are bad input (2), 429 and 5xx exit 3. file names the
// local file of the request and serverFile what the server calls it, for
// problems printed as FILE:LINE:COL: message.
func (s *remoteSession) fail(ctx context.Context, err error, file, serverFile string) error {
	if err == nil {
		return nil
	}
	var re *remote.Error
	if errors.As(err, &re) {
		head := fmt.Sprintf("%s: %d %s", s.srv, re.Status, re.Code)
		switch {
		case re.Status == 401:
			hint := "set WEFT_TOKEN (or --token-file FILE) to a token of this server's tenant (made with `weft admin token create --tenant T --role developer`)"
			if s.tokenSrc == "" {
				return badInput("%s: no token was sent: %s", head, hint)
			}
			return badInput("%s: the server refused the token in %s: %s", head, s.tokenSrc, hint)
		case re.Status == 422 && file != "":
			var lines []string
			for _, d := range re.Details {
				if d.File == "" || d.File == serverFile {
					d.File = file
				}
				lines = append(lines, remote.FormatDetail(d))
			}
			if len(lines) == 0 {
				lines = append(lines, file+": "+re.Message)
			}
			return &exitError{code: ExitBadInput, err: errors.New(strings.Join(lines, "\n"))}
		case re.Status >= 400 && re.Status < 500 && re.Status != 429:
			return badInput("%s: %s", head, re.Error())
		case re.Status == 500 || strings.Contains(re.Message, "internal error"):
			return &exitError{code: ExitInternal, err: fmt.Errorf("%s: %s", head, re.Error())}
		}
		// 429, 502, 503, 504: the server, not weft, is in trouble.
		msg := fmt.Sprintf("weft: %s: %s", head, re.Error())
		if re.RetryAfter > 0 {
			msg += fmt.Sprintf(" (retry after %s)", re.RetryAfter)
		}
		fmt.Fprintln(s.e.stderr, msg)
		return silentExit(ExitInternal)
	}
	if ctx.Err() != nil {
		return err
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		fmt.Fprintf(s.e.stderr, "weft: cannot reach the weft server at %s: %v (is `weft serve` running there? see --server / WEFT_SERVER)\n", s.srv, err)
		return silentExit(ExitInternal)
	}
	return err
}

var workflowIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// workflowID is the id a workflow file is stored under by default: its
// base name without extension, made to fit the server's id rule.
func workflowID(file string) string {
	base := filepath.Base(file)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	var b strings.Builder
	for _, r := range base {
		switch {
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	id := strings.TrimLeft(b.String(), "._-")
	if len(id) > 128 {
		id = id[:128]
	}
	if id == "" {
		return "workflow"
	}
	return id
}

func newRemoteCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "remote",
		Short: "Use a weft server: store and run workflows, upload packages, read runs",
		Long: "Commands against the weft server at --server URL (or $WEFT_SERVER), authenticated with the\n" +
			"token in $WEFT_TOKEN (or --token-file FILE). The tenant is always the token's.\n\n" +
			"`weft run`, `weft validate`, `weft pkg install` and `weft runs list|show` do the same as these\n" +
			"when --server or $WEFT_SERVER is set (--server=\"\" works locally again).\n\n" +
			"Exit codes: 0 success, 1 the run failed, 2 bad input (invalid workflow or package, a refused\n" +
			"token, an unknown run), 3 the server failed or could not be reached.",
		Example: "  export WEFT_SERVER=http://127.0.0.1:8080 WEFT_TOKEN=weft_...\n" +
			"  weft remote run flow.yaml --input who=Ada\n" +
			"  weft remote pkg install ./math\n" +
			"  weft remote runs list --status failure",
	}
	c.AddCommand(newRemoteRunCmd(e), newRemoteValidateCmd(e), newRemotePkgCmd(e), newRemoteRunsCmd(e), newRemoteHealthCmd(e))
	return c
}

// needServer returns the server of a `weft remote` command.
func needServer(c *cobra.Command) (string, error) {
	srv := serverURL(c)
	if srv == "" {
		return "", badInput("%s: no server: give --server URL or set WEFT_SERVER", c.CommandPath())
	}
	return srv, nil
}

func newRemoteHealthCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "health",
		Short: "Check that the server answers, and show its version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			s, err := connect(c, e, srv)
			if err != nil {
				return err
			}
			h, err := s.cl.Health(c.Context())
			if err != nil {
				return s.fail(c.Context(), err, "", "")
			}
			fmt.Fprintf(e.stdout, "%s: %s (weft %s)\n", s.srv, h.Status, h.Version)
			return nil
		},
	}
}

// remoteRunOptions are the flags of a run on a server.
type remoteRunOptions struct {
	id         string
	inputs     []string
	inputsFile string
	output     string
	trace      string
	noWait     bool
}

func newRemoteRunCmd(e *env) *cobra.Command {
	o := &remoteRunOptions{}
	c := &cobra.Command{
		Use:   "run WORKFLOW.yaml",
		Short: "Store a workflow on the server, run it, and follow its events live",
		Long: "Stores WORKFLOW.yaml as a new version of workflow --id (default: the file's base name), starts\n" +
			"a run of that version and follows its events, printing each node's status on stderr. At the\n" +
			"end it prints the result as `weft run` does (--output json: one JSON object on stdout,\n" +
			"{\"run_id\", \"status\", \"blackboard\", \"error\"}). Ctrl-C cancels the run on the server;\n" +
			"--no-wait starts it and returns at once.\n\n" +
			"Exit codes: 0 the run succeeded, 1 it failed (or was canceled), 2 the workflow is invalid\n" +
			"(each problem printed as FILE:LINE:COL: message) or other bad input, 3 the server failed.",
		Args: exactArgs(1, "one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			return remoteRun(c, e, srv, o, args[0])
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.id, "id", "", "the workflow's id on the server (default: the file's base name without extension)")
	fl.StringArrayVar(&o.inputs, "input", nil, "seed the blackboard: NAME=VALUE (VALUE as JSON when it parses, else a string); repeatable")
	fl.StringVar(&o.inputsFile, "inputs", "", "seed the blackboard from a JSON object in FILE")
	fl.StringVar(&o.output, "output", "text", "text (a summary) or json (one JSON object on stdout)")
	fl.StringVar(&o.trace, "trace", "", "write every event of the run to FILE as JSON lines")
	fl.BoolVar(&o.noWait, "no-wait", false, "start the run and print it without following it")
	return c
}

// remoteRunFromLocal is `weft run` with a server.
func remoteRunFromLocal(c *cobra.Command, e *env, srv string, f *runFlags, file string) error {
	if err := rejectLocal(c, map[string]string{
		"package": "upload the package with `weft pkg install --server ...` and activate it",
		"tenant":  "the tenant is the token's",
		"lock":    "the server pins each workflow version's packages itself",
		"watch":   "run it again with `weft remote run`",
	}); err != nil {
		return err
	}
	return remoteRun(c, e, srv, &remoteRunOptions{inputs: f.inputs, inputsFile: f.inputsFile, output: f.output, trace: f.trace}, file)
}

func remoteRun(c *cobra.Command, e *env, srv string, o *remoteRunOptions, file string) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	inputs, err := parseInputs(e, o.inputsFile, o.inputs)
	if err != nil {
		return &exitError{code: ExitBadInput, err: err}
	}
	id := o.id
	if id == "" {
		id = workflowID(file)
	} else if !workflowIDRe.MatchString(id) {
		return badInput("--id: expected letters, digits, '.', '-' and '_' (at most 128, starting with a letter or digit), found %q", id)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return badInput("%v", err)
	}
	var trace io.Writer
	if o.trace != "" {
		tf, err := os.Create(o.trace)
		if err != nil {
			return badInput("--trace: %v", err)
		}
		defer tf.Close()
		trace = tf
	}
	s, err := connect(c, e, srv)
	if err != nil {
		return err
	}
	ctx := c.Context()
	v, _, err := s.cl.PutWorkflow(ctx, id, src)
	if err != nil {
		return s.fail(ctx, err, file, id+".yaml")
	}
	for _, w := range v.Warnings {
		fmt.Fprintf(e.stderr, "weft: warning: %s\n", w)
	}
	run, err := s.cl.StartRun(ctx, id, api.StartRun{Inputs: inputs, Version: v.Version})
	if err != nil {
		return s.fail(ctx, err, "", "")
	}
	if o.noWait {
		if o.output == "json" {
			return writeRunResult(e, run)
		}
		fmt.Fprintf(e.stdout, "run %s of %s (version %d): %s\n", run.ID, run.Workflow, run.Version, run.Status)
		fmt.Fprintf(e.stderr, "weft: follow it with `weft remote runs show %s --events`\n", run.ID)
		return nil
	}
	fmt.Fprintf(e.stderr, "weft: run %s of %s (version %d) on %s\n", run.ID, run.Workflow, run.Version, s.srv)
	final, err := s.follow(ctx, run, trace)
	if err != nil {
		return err
	}
	if o.output == "json" {
		if err := writeRunResult(e, final); err != nil {
			return err
		}
	} else {
		printRemoteResult(e.stdout, final)
	}
	if final.Status != "success" {
		if o.output == "text" && final.Error != "" {
			fmt.Fprintf(e.stderr, "weft: %s: %s\n", file, final.Error)
		}
		return silentExit(ExitFailure)
	}
	return nil
}

// follow streams a run's events, printing node status lines and logs on
// stderr (and every event on trace), until the run ends; it returns the
// run as it ended. Interrupted (Ctrl-C), it cancels the run on the
// server.
func (s *remoteSession) follow(ctx context.Context, run api.Run, trace io.Writer) (api.Run, error) {
	var traceErr error
	err := s.cl.StreamEvents(ctx, run.ID, 0, func(id int64, kind string, data []byte) error {
		if kind == "end" {
			return nil
		}
		if trace != nil && traceErr == nil {
			line := append(append([]byte(nil), data...), '\n')
			_, traceErr = trace.Write(line)
		}
		printEventLine(s.e.stderr, data)
		return nil
	})
	if traceErr != nil {
		fmt.Fprintf(s.e.stderr, "weft: writing the trace: %v\n", traceErr)
	}
	if ctx.Err() != nil {
		// Interrupted: halt the run on the server, as Ctrl-C halts a local one.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		fmt.Fprintf(s.e.stderr, "weft: interrupted: canceling run %s on the server\n", run.ID)
		ended, cerr := s.cl.CancelRun(cctx, run.ID)
		if cerr != nil && !remote.IsStatus(cerr, 409) {
			return run, s.fail(cctx, cerr, "", "")
		}
		if ended, cerr = s.cl.GetRun(cctx, run.ID); cerr != nil {
			return run, s.fail(cctx, cerr, "", "")
		}
		return ended, nil
	}
	if err != nil {
		var re *remote.Error
		if errors.As(err, &re) && re.Status != 404 && re.Status != 401 && re.Status != 403 {
			// The stream is not to be had (a proxy that buffers it, say):
			// wait for the end instead.
			fmt.Fprintf(s.e.stderr, "weft: warning: the live events are unavailable (%v); waiting for the run to end\n", err)
			return s.poll(ctx, run.ID)
		}
		if re == nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintf(s.e.stderr, "weft: warning: %v; waiting for the run to end\n", err)
			return s.poll(ctx, run.ID)
		}
		return run, s.fail(ctx, err, "", "")
	}
	ended, err := s.cl.GetRun(ctx, run.ID)
	if err != nil {
		return run, s.fail(ctx, err, "", "")
	}
	return ended, nil
}

// poll waits for a run to end without its event stream.
func (s *remoteSession) poll(ctx context.Context, id string) (api.Run, error) {
	for {
		r, err := s.cl.GetRun(ctx, id)
		if err != nil {
			return r, s.fail(ctx, err, "", "")
		}
		switch r.Status {
		case "queued", "running":
		default:
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// traceRecord is what a status line needs of an event.
type traceRecord struct {
	Time       time.Time `json:"time"`
	Event      string    `json:"event"`
	Node       string    `json:"node"`
	Type       string    `json:"type"`
	Status     string    `json:"status"`
	Error      string    `json:"error"`
	Level      string    `json:"level"`
	Message    string    `json:"message"`
	DurationMS float64   `json:"duration_ms"`
	Halted     bool      `json:"halted"`
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// printEventLine prints a node's end or a log line of a run.
func printEventLine(w io.Writer, data []byte) {
	var r traceRecord
	if json.Unmarshal(data, &r) != nil {
		return
	}
	switch r.Event {
	case "node_finished":
		mark := "✔"
		switch {
		case r.Halted || r.Status == "halted":
			mark = "■"
		case r.Status != "success":
			mark = "✘"
		}
		line := fmt.Sprintf("%s %-7s %s (%s) in %s", mark, r.Status, r.Node, r.Type, roundDuration(msDuration(r.DurationMS)))
		if r.Error != "" {
			line += ": " + r.Error
		}
		fmt.Fprintln(w, line)
	case "log":
		fmt.Fprintf(w, "%-5s %s: %s\n", strings.ToUpper(r.Level), r.Node, r.Message)
	}
}

// writeRunResult prints a run as `weft run --output json` does.
func writeRunResult(e *env, r api.Run) error {
	out := map[string]any{"run_id": r.ID, "status": r.Status, "blackboard": jsonable(r.Blackboard)}
	if r.Error != "" {
		out["error"] = r.Error
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}

func runDuration(r api.Run) string {
	if r.StartedAt == nil || r.EndedAt == nil {
		return "-"
	}
	return roundDuration(r.EndedAt.Sub(*r.StartedAt)).String()
}

func printRemoteResult(w io.Writer, r api.Run) {
	mark := "✔"
	if r.Status != "success" {
		mark = "✘"
	}
	fmt.Fprintf(w, "%s %s  run %s  (%s)\n", mark, strings.ToUpper(r.Status), r.ID, runDuration(r))
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	printBlackboard(w, r.Blackboard)
}

func printBlackboard(w io.Writer, bb map[string]any) {
	fmt.Fprintln(w, "blackboard:")
	if len(bb) == 0 {
		fmt.Fprintln(w, "  (empty)")
		return
	}
	keys := make([]string, 0, len(bb))
	for k := range bb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		data, err := json.Marshal(bb[k])
		if err != nil {
			data = []byte(fmt.Sprint(bb[k]))
		}
		fmt.Fprintf(w, "  %s = %s\n", k, data)
	}
}

func newRemoteValidateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate WORKFLOW.yaml...",
		Short: "Check workflow files against the server's node catalog, storing nothing",
		Long: "Checks each file as the server would store it, against the node types of the token's tenant\n" +
			"(built-ins and its active custom nodes), and prints every problem as FILE:LINE:COL: message.\n" +
			"Exit code 0 when every file is valid, 2 otherwise.",
		Args: minArgs(1, "at least one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			return remoteValidate(c, e, srv, args)
		},
	}
}

func remoteValidate(c *cobra.Command, e *env, srv string, files []string) error {
	if err := rejectLocal(c, map[string]string{
		"package": "upload the package with `weft pkg install --server ...` and activate it",
		"tenant":  "the tenant is the token's",
	}); err != nil {
		return err
	}
	s, err := connect(c, e, srv)
	if err != nil {
		return err
	}
	ctx := c.Context()
	bad := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			bad++
			fmt.Fprintf(e.stderr, "%s: %v\n", file, errors.Unwrap(err))
			continue
		}
		v, err := s.cl.Validate(ctx, src)
		if err != nil {
			return s.fail(ctx, err, file, "workflow.yaml")
		}
		for _, w := range v.Warnings {
			fmt.Fprintf(e.stderr, "weft: warning: %s: %s\n", file, w)
		}
		if len(v.Problems) > 0 {
			bad++
			for _, d := range v.Problems {
				if d.File == "" || d.File == "workflow.yaml" {
					d.File = file
				}
				fmt.Fprintln(e.stderr, remote.FormatDetail(d))
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s: valid\n", file)
	}
	if bad > 0 {
		return silentExit(ExitBadInput)
	}
	return nil
}

func newRemotePkgCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "pkg", Short: "Upload node packages to the server and activate them"}
	f := &installFlags{}
	var output string
	install := &cobra.Command{
		Use:   "install FILE.weftpkg|DIR|FILE.wasm",
		Short: "Upload a package as a draft custom node version and show its permission review",
		Long: "Uploads the package (a folder or a .wasm with its manifest is packed first, as `weft pkg build`\n" +
			"does) with its signature (--signature, default FILE.minisig beside it when it exists) as a\n" +
			"draft version of the token's tenant, and prints the server's review: what it asks for, what\n" +
			"an upgrade adds, warnings, and the version's id. It runs nothing until activated:\n" +
			"`weft remote pkg activate ID`.",
		Args: exactArgs(1, "one package"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			return remotePkgInstall(c, e, srv, f, output, args[0])
		},
	}
	install.Flags().StringVar(&f.signature, "signature", "", "the signature file (default: SOURCE.minisig when it exists)")
	install.Flags().StringVar(&f.sha256, "sha256", "", "the expected SHA-256 of the package file (hex)")
	install.Flags().BoolVar(&f.requireSignature, "require-signature", false, "refuse to upload an unsigned package")
	install.Flags().StringVar(&output, "output", "text", "text (the review) or json (the custom node version)")

	var actOutput string
	activate := &cobra.Command{
		Use:   "activate ID",
		Short: "Make an uploaded draft version active: the tenant's workflows may use it",
		Args:  exactArgs(1, "the id of a custom node version (cn_...)"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(actOutput); err != nil {
				return err
			}
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			s, err := connect(c, e, srv)
			if err != nil {
				return err
			}
			n, err := s.cl.ActivateCustomNode(c.Context(), args[0])
			if err != nil {
				return s.fail(c.Context(), err, "", "")
			}
			if actOutput == "json" {
				return writeJSON(e, n)
			}
			fmt.Fprintf(e.stdout, "%s %s (%s) is %s\n", n.Package, n.Version, n.ID, n.Status)
			return nil
		},
	}
	activate.Flags().StringVar(&actOutput, "output", "text", "text or json")
	c.AddCommand(install, activate)
	return c
}

// remotePkgInstall uploads a package: `weft remote pkg install` and
// `weft pkg install` with a server.
func remotePkgInstall(c *cobra.Command, e *env, srv string, f *installFlags, output, src string) error {
	if err := checkOutput(output); err != nil {
		return err
	}
	if err := rejectLocal(c, map[string]string{"tenant": "the tenant is the token's"}); err != nil {
		return err
	}
	s, err := connect(c, e, srv)
	if err != nil {
		return err
	}
	ctx := c.Context()
	got, err := fetchPackage(ctx, e, f, src)
	if err != nil {
		return pkgError(err)
	}
	if f.sha256 != "" {
		if d := digestOf(got.data); d != "sha256:"+strings.ToLower(strings.TrimPrefix(f.sha256, "sha256:")) {
			return badInput("%s: the package's SHA-256 is %s, expected %s (--sha256); nothing was uploaded", src, d, f.sha256)
		}
	}
	if len(got.sig) == 0 && (f.requireSignature || got.requireSig || envTrue("WEFT_REQUIRE_SIGNATURES")) {
		return badInput("%s: the package is not signed (no --signature, no %s.minisig) and a signature is required; nothing was uploaded", src, src)
	}
	n, err := s.cl.UploadPackage(ctx, got.data, got.sig)
	if err != nil {
		return s.fail(ctx, err, src, "upload")
	}
	if output == "json" {
		return writeJSON(e, n)
	}
	printReview(e.stdout, n)
	return nil
}

// printReview shows an uploaded version as the server reviewed it.
func printReview(w io.Writer, n api.CustomNode) {
	name := ""
	if n.Name != "" {
		name = " (" + n.Name + ")"
	}
	fmt.Fprintf(w, "%s%s %s\n", n.Package, name, n.Version)
	fmt.Fprintf(w, "  id      %s\n  status  %s\n  digest  %s\n", n.ID, n.Status, n.Digest)
	if n.Signer != "" {
		fmt.Fprintf(w, "  signed by trusted key %s\n", n.Signer)
	}
	for _, warn := range n.Review.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintln(w, "  it asks for:")
	if len(n.Review.Permissions) == 0 {
		fmt.Fprintln(w, "    (nothing)")
	}
	for _, p := range n.Review.Permissions {
		fmt.Fprintf(w, "    - %s\n", p)
	}
	if n.Review.Upgrade != "" {
		if len(n.Review.NewPermissions) == 0 {
			fmt.Fprintf(w, "  upgrade from %s: nothing new asked for\n", n.Review.Upgrade)
		} else {
			fmt.Fprintf(w, "  upgrade from %s: NEW permissions:\n", n.Review.Upgrade)
			for _, p := range n.Review.NewPermissions {
				fmt.Fprintf(w, "    + %s\n", p)
			}
		}
	}
	if len(n.Nodes) > 0 {
		types := make([]string, len(n.Nodes))
		for i, t := range n.Nodes {
			types[i] = t.Type
		}
		fmt.Fprintf(w, "  nodes   %s\n", strings.Join(types, ", "))
	}
	if n.Status == "draft" {
		fmt.Fprintf(w, "It is a draft: it runs nothing until activated (`weft remote pkg activate %s`).\n", n.ID)
	}
}

func newRemoteRunsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "runs", Short: "List and show the server's runs"}
	var output, workflow, status string
	var limit int
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tenant's runs, newest first",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			return remoteRunsList(c, e, srv, workflow, status, output, limit)
		},
	}
	list.Flags().StringVar(&output, "output", "text", "text or json")
	list.Flags().IntVar(&limit, "limit", 20, "show at most N runs")
	list.Flags().StringVar(&workflow, "workflow", "", "only runs of this workflow id")
	list.Flags().StringVar(&status, "status", "", "only runs with this status (queued, running, success, failure, canceled, interrupted)")

	var showOutput string
	var events bool
	show := &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show one run: status, inputs, blackboard, and with --events its events",
		Args:  exactArgs(1, "one run id"),
		RunE: func(c *cobra.Command, args []string) error {
			srv, err := needServer(c)
			if err != nil {
				return err
			}
			return remoteRunsShow(c, e, srv, args[0], events, showOutput)
		},
	}
	show.Flags().StringVar(&showOutput, "output", "text", "text or json")
	show.Flags().BoolVar(&events, "events", false, "show the run's events too")
	c.AddCommand(list, show)
	return c
}

func remoteRunsList(c *cobra.Command, e *env, srv, workflow, status, output string, limit int) error {
	if err := checkOutput(output); err != nil {
		return err
	}
	if limit < 1 {
		return badInput("--limit: expected a positive number, found %d", limit)
	}
	s, err := connect(c, e, srv)
	if err != nil {
		return err
	}
	ctx := c.Context()
	runs := []api.Run{}
	cursor := ""
	for len(runs) < limit {
		page, err := s.cl.ListRuns(ctx, remote.RunFilter{Workflow: workflow, Status: status}, min(limit-len(runs), 500), cursor)
		if err != nil {
			return s.fail(ctx, err, "", "")
		}
		runs = append(runs, page.Items...)
		if page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		cursor = page.NextCursor
	}
	if len(runs) > limit {
		runs = runs[:limit]
	}
	if output == "json" {
		return writeJSON(e, runs)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tWORKFLOW\tVERSION\tSTATUS\tSTARTED\tDURATION")
	for _, r := range runs {
		started := "-"
		if r.StartedAt != nil {
			started = r.StartedAt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Workflow, r.Version, r.Status, started, runDuration(r))
	}
	return tw.Flush()
}

func remoteRunsShow(c *cobra.Command, e *env, srv, id string, withEvents bool, output string) error {
	if err := checkOutput(output); err != nil {
		return err
	}
	s, err := connect(c, e, srv)
	if err != nil {
		return err
	}
	ctx := c.Context()
	r, err := s.cl.GetRun(ctx, id)
	if err != nil {
		return s.fail(ctx, err, "", "")
	}
	var events []json.RawMessage
	if withEvents {
		if events, err = s.cl.Events(ctx, id, 0); err != nil {
			return s.fail(ctx, err, "", "")
		}
	}
	if output == "json" {
		if !withEvents {
			return writeJSON(e, r)
		}
		return writeJSON(e, struct {
			api.Run
			Events []json.RawMessage `json:"events"`
		}{r, events})
	}
	w := e.stdout
	fmt.Fprintf(w, "run       %s\nworkflow  %s (version %d)\nstatus    %s\n", r.ID, r.Workflow, r.Version, r.Status)
	if r.Trigger != "" {
		fmt.Fprintf(w, "trigger   %s\n", r.Trigger)
	}
	fmt.Fprintf(w, "created   %s\n", r.CreatedAt.Local().Format(time.RFC3339))
	if r.StartedAt != nil {
		fmt.Fprintf(w, "started   %s\n", r.StartedAt.Local().Format(time.RFC3339))
	}
	if r.EndedAt != nil {
		fmt.Fprintf(w, "duration  %s\n", runDuration(r))
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error     %s\n", r.Error)
	}
	if len(r.Inputs) > 0 {
		data, _ := json.Marshal(r.Inputs)
		fmt.Fprintf(w, "inputs    %s\n", data)
	}
	if len(r.Packages) > 0 {
		types := make([]string, 0, len(r.Packages))
		for t := range r.Packages {
			types = append(types, t)
		}
		sort.Strings(types)
		fmt.Fprintln(w, "packages:")
		for _, t := range types {
			p := r.Packages[t]
			fmt.Fprintf(w, "  %s = %s %s\n", t, p.Version, short(p.Digest))
		}
	}
	printBlackboard(w, r.Blackboard)
	if !withEvents {
		return nil
	}
	fmt.Fprintln(w, "\nevents:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, raw := range events {
		var ev traceRecord
		if json.Unmarshal(raw, &ev) != nil {
			continue
		}
		detail := ev.Status
		switch ev.Event {
		case "node_finished", "run_finished":
			detail = fmt.Sprintf("%s in %s", ev.Status, roundDuration(msDuration(ev.DurationMS)))
			if ev.Error != "" {
				detail += ": " + ev.Error
			}
		case "log":
			detail = ev.Level + ": " + ev.Message
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", ev.Time.Local().Format("15:04:05.000"), ev.Event, ev.Node, ev.Type, detail)
	}
	return tw.Flush()
}
