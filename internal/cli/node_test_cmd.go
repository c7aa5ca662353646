// `weft node test [DIR]`: a node package's whole check in one command. It
// builds the package (when stale), runs its own tests (the manifest's
// [build] test command, on the SDK's fake host), runs its example workflow
// against the real host, and prints a pass/fail line per step and a
// summary; any failed step makes the exit code 1.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/manifest"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/tsnode"
)

// nodeTestStep is one step of `weft node test` and how it ended.
type nodeTestStep struct {
	Name       string `json:"name"`   // "build", "unit tests", or a workflow file
	Status     string `json:"status"` // "pass", "fail" or "skip"
	DurationMS int64  `json:"duration_ms"`
	Detail     string `json:"detail"` // what ran, or why it failed or was skipped
}

func newNodeTestCmd(e *env) *cobra.Command {
	var workflows []string
	var output string
	c := &cobra.Command{
		Use:   "test [DIR]",
		Short: "Build a node package, run its own tests and its example workflow",
		Long: "Checks the node package in DIR (default: the working folder) in three steps:\n\n" +
			"  build       the manifest's [build] command, when the module is missing or stale\n" +
			"  unit tests  the manifest's [build] test command (the package's own tests, on the\n" +
			"              SDK's fake host); skipped when there is none\n" +
			"  WORKFLOW    each --workflow (default DIR/example.yaml), run with the package on the\n" +
			"              real host: it passes when the root returns SUCCESS\n\n" +
			"Each step prints one line (pass, fail or skip, its time, what ran); the output of the\n" +
			"commands goes to stderr. --output json prints one object on stdout instead:\n" +
			"{\"package\", \"status\": \"pass\"|\"fail\", \"steps\": [{\"name\", \"status\", \"duration_ms\", \"detail\"}]}.\n\n" +
			"Exit codes: 0 every step passed or was skipped, 1 a step failed, 2 DIR is not a\n" +
			"package (no valid manifest.toml or TypeScript project).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return nodeTest(c, e, dir, workflows, output)
		},
	}
	c.Flags().StringArrayVar(&workflows, "workflow", nil, "a workflow to run with the package (default DIR/example.yaml); repeatable")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

// nodeTest runs the steps and reports them.
func nodeTest(c *cobra.Command, e *env, dir string, workflows []string, output string) error {
	ctx := c.Context()
	isTS := tsnode.IsProject(dir)
	var m *manifest.Manifest
	if !isTS {
		mf := filepath.Join(dir, "manifest.toml")
		data, err := os.ReadFile(mf)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return badInput("node test: %s is not a node package: expected manifest.toml (or a TypeScript project's node.ts and package.json), found neither", dir)
			}
			return badInput("node test: %v", err)
		}
		if m, err = manifest.Parse(mf, data); err != nil {
			return pkgError(err)
		}
	}
	defaulted := len(workflows) == 0
	if defaulted {
		workflows = []string{filepath.Join(dir, "example.yaml")}
	}
	var steps []nodeTestStep
	report := func(s nodeTestStep) {
		steps = append(steps, s)
		if output == "text" {
			fmt.Fprintf(e.stdout, "%-4s  %-14s %7s  %s\n", s.Status, s.Name, (time.Duration(s.DurationMS) * time.Millisecond).String(), s.Detail)
		}
	}

	// build
	built := true
	start := time.Now()
	switch {
	case isTS:
		report(nodeTestStep{Name: "build", Status: "skip", Detail: "TypeScript: weft compiles node.ts when it loads the package"})
	case m.Build == nil || m.Build.Command == "":
		report(nodeTestStep{Name: "build", Status: "skip", Detail: "no [build] command in manifest.toml: the module is used as it is"})
	default:
		stale, why, err := pkgfile.Stale(dir)
		switch {
		case err != nil:
			built = false
			report(nodeTestStep{Name: "build", Status: "fail", DurationMS: msSince(start), Detail: err.Error()})
		case !stale:
			report(nodeTestStep{Name: "build", Status: "pass", DurationMS: msSince(start), Detail: "up to date"})
		default:
			fmt.Fprintf(e.stderr, "weft: building %s: %s\n", dir, why)
			if _, err := pkgfile.RunBuild(ctx, dir, e.stderr); err != nil {
				built = false
				report(nodeTestStep{Name: "build", Status: "fail", DurationMS: msSince(start), Detail: err.Error()})
			} else {
				report(nodeTestStep{Name: "build", Status: "pass", DurationMS: msSince(start), Detail: m.Build.Command})
			}
		}
	}

	// unit tests
	start = time.Now()
	switch {
	case isTS:
		report(nodeTestStep{Name: "unit tests", Status: "skip", Detail: "TypeScript nodes have no fake host yet: the workflow step runs the node"})
	case m.Build == nil || m.Build.Test == "":
		report(nodeTestStep{Name: "unit tests", Status: "skip", Detail: "no [build] test command in manifest.toml"})
	default:
		cmd := exec.CommandContext(ctx, "sh", "-c", m.Build.Test)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = e.stderr, e.stderr
		if err := cmd.Run(); err != nil {
			report(nodeTestStep{Name: "unit tests", Status: "fail", DurationMS: msSince(start), Detail: fmt.Sprintf("%q: %v", m.Build.Test, err)})
		} else {
			report(nodeTestStep{Name: "unit tests", Status: "pass", DurationMS: msSince(start), Detail: m.Build.Test})
		}
	}

	// workflows
	for _, wf := range workflows {
		start = time.Now()
		name := filepath.Base(wf)
		if !built {
			report(nodeTestStep{Name: name, Status: "fail", Detail: "not run: the build failed"})
			continue
		}
		if _, err := os.Stat(wf); defaulted && errors.Is(err, fs.ErrNotExist) {
			report(nodeTestStep{Name: name, Status: "skip", Detail: "no example.yaml (name workflows with --workflow)"})
			continue
		}
		status, detail := runNodeTestWorkflow(ctx, e, dir, wf)
		report(nodeTestStep{Name: name, Status: status, DurationMS: msSince(start), Detail: detail})
	}

	failed := []string{}
	for _, s := range steps {
		if s.Status == "fail" {
			failed = append(failed, s.Name)
		}
	}
	status := "pass"
	if len(failed) > 0 {
		status = "fail"
	}
	if output == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(map[string]any{"package": dir, "status": status, "steps": steps}); err != nil {
			return fmt.Errorf("writing the result: %w", err)
		}
	} else if status == "pass" {
		fmt.Fprintf(e.stdout, "PASS  %s: every step passed or was skipped\n", dir)
	} else {
		fmt.Fprintf(e.stdout, "FAIL  %s: %s failed\n", dir, strings.Join(failed, ", "))
	}
	if status != "pass" {
		return &exitError{code: ExitFailure}
	}
	return nil
}

// runNodeTestWorkflow runs one workflow with the package in dir on a fresh
// engine (no journal) and says how it went.
func runNodeTestWorkflow(ctx context.Context, e *env, dir, file string) (status, detail string) {
	eng, err := e.newEngine(ctx, true)
	if err != nil {
		return "fail", err.Error()
	}
	defer eng.Close()
	if _, err := eng.AddPackage(ctx, dir); err != nil {
		return "fail", err.Error()
	}
	wf, err := eng.LoadFileWith(ctx, file, weft.LoadOptions{})
	if err != nil {
		return "fail", strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	res, err := wf.Run(ctx, weft.RunOptions{Events: logPrinter(e.stderr).Emit})
	if err != nil {
		return "fail", err.Error()
	}
	if res.Status != "success" {
		why := "the root returned " + res.Status
		if res.Err != nil {
			why += ": " + res.Err.Error()
		}
		return "fail", why
	}
	return "pass", "the root returned success (run " + res.RunID + ")"
}

func msSince(t time.Time) int64 { return time.Since(t).Milliseconds() }
