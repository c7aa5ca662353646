// Package cli implements the `weft` command line: the commands, their flags
// and their exit codes, as ../shared/design/cli.md fixes them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

// Exit codes, for every subcommand.
const (
	ExitOK       = 0 // success; for run: the root returned SUCCESS
	ExitFailure  = 1 // the workflow ran and the root returned FAILURE
	ExitBadInput = 2 // usage error, invalid workflow, manifest or package, unknown node type
	ExitInternal = 3 // a bug in weft
	// ExitInterrupted and ExitTerminated: the command was stopped by
	// SIGINT (Ctrl-C) or SIGTERM before it ended cleanly (128+N).
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// exitError carries an exit code; its message, if any, is printed on stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error {
	return &exitError{code: ExitBadInput, err: fmt.Errorf(format, args...)}
}

// env is what every command gets.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinRead      bool // a "-" argument has consumed stdin
	// durable is the durable engine of this build, if any (durable.go).
	durable Durable
}

// Main runs the weft command line with args (without the program name) and
// returns the process exit code.
//
// # Notes
//
// The first SIGINT (Ctrl-C) or SIGTERM cancels the command's context, so
// that runs halt and servers drain; a second one kills the process as
// usual. A command that was stopped so and did not end cleanly exits
// 128+N, as shells expect (130 for Ctrl-C, 143 for SIGTERM), instead of the
// code its result would have given; one that ended cleanly (a server that
// drained) exits 0.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return mainWith(args, stdin, stdout, stderr, nil)
}

func mainWith(args []string, stdin io.Reader, stdout, stderr io.Writer, d Durable) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		got.Store(s)
		signal.Stop(sigs) // the next one kills
		cancel()
	}()
	defer func() { signal.Stop(sigs); close(sigs) }()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, durable: d}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	code := report(stderr, err)
	if s, ok := got.Load().(os.Signal); ok && code != ExitOK {
		if s == os.Interrupt {
			return ExitInterrupted
		}
		return ExitTerminated
	}
	return code
}

func report(stderr io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitInternal
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case errors.Is(err, weft.ErrInternal):
		code = ExitInternal
	case errors.Is(err, weft.ErrInvalid), isUsage(err):
		code = ExitBadInput
	}
	msg := err.Error()
	if msg != "" {
		if code == ExitInternal && !strings.Contains(msg, "internal error") {
			msg = "internal error (a bug in weft, please report it): " + msg
		}
		for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
			if code == ExitBadInput && !strings.Contains(line, ": ") {
				line = "weft: " + line
			}
			fmt.Fprintln(stderr, line)
		}
	}
	return code
}

// isUsage recognises cobra's own errors about arguments and flags.
func isUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires exactly", "unknown help topic"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "weft",
		Short: "Run workflows whose nodes are built in, scripts, or sandboxed WebAssembly",
		Long: "weft runs workflows written as YAML behavior trees.\n\n" +
			"State lives under $WEFT_HOME (default ~/.weft).\n" +
			"Exit codes: 0 success, 1 the workflow failed, 2 bad input, 3 internal error.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       weft.Version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: ExitBadInput, err: fmt.Errorf("%s: %w (see '%s --help')", c.CommandPath(), err, c.CommandPath())}
	})
	root.AddCommand(newRunCmd(e), newValidateCmd(e), newNodesCmd(e), newRunsCmd(e), newSecretsCmd(e),
		newPkgCmd(e), newTrustCmd(e), newLockCmd(e), newRegistryCmd(e), newNodeCmd(e),
		newServeCmd(e), newAdminCmd(e), newWorkerCmd(e))
	addRemote(root, e) // --server, --token-file and `weft remote` (remote.go)
	root.AddCommand(newVersionCmd(e))
	addExamples(root)    // examples.go
	addCompletions(root) // completion.go
	return root
}

// exactArgs is cobra.ExactArgs with an exit-2 error that says what is needed.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return badInput("%s: expected %s, found %d argument(s) (see '%s --help')", c.CommandPath(), what, len(args), c.CommandPath())
		}
		return nil
	}
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return badInput("%s: expected %s (see '%s --help')", c.CommandPath(), what, c.CommandPath())
		}
		return nil
	}
}

func checkOutput(o string) error {
	if o != "text" && o != "json" {
		return badInput("--output: expected text or json, found %q", o)
	}
	return nil
}
