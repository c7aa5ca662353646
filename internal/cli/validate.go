// `weft validate`: check workflow files without running them.

package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

func newValidateCmd(e *env) *cobra.Command {
	var packages, inputs []string
	var tenant, inputsFile string
	c := &cobra.Command{
		Use:   "validate WORKFLOW.yaml...",
		Short: "Check workflow files without running them",
		Long: "Check each workflow file completely and report every problem at once, one per line,\n" +
			"as FILE:LINE:COL: message. Exit code 0 when every file is valid, 2 otherwise.\n\n" +
			"What may fail a run but need not is a warning (FILE:LINE:COL: warning: message), which\n" +
			"leaves the exit code 0: a template reading a name that no earlier node writes (the run's\n" +
			"inputs may give it), a tree of the file that no SubTree runs. --input NAME and --inputs\n" +
			"FILE.json name the inputs the runs will have, so that reading them is no warning.",
		Args: minArgs(1, "at least one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			if srv := serverURL(c); srv != "" {
				return remoteValidate(c, e, srv, args) // remote.go
			}
			given, err := inputNames(e, inputsFile, inputs)
			if err != nil {
				return badInput("%v", err)
			}
			eng, err := e.newEngine(c.Context(), true)
			if err != nil {
				return err
			}
			defer eng.Close()
			if err := addPackages(c, eng, packages); err != nil {
				return err
			}
			bad := 0
			for _, file := range args {
				wf, err := e.loadWorkflow(c.Context(), eng, file, weft.LoadOptions{Tenant: tenant})
				if err != nil {
					if !errors.Is(err, weft.ErrInvalid) {
						return err
					}
					bad++
					fmt.Fprintln(e.stderr, err)
					continue
				}
				// Warnings do not make the file invalid: a name may come
				// from the run's inputs.
				for _, p := range wf.Lint(given...) {
					fmt.Fprintf(e.stderr, "%s:%d:%d: warning: %s\n", p.File, p.Line, p.Col, p.Message)
				}
				fmt.Fprintf(e.stdout, "%s: valid\n", file)
			}
			if bad > 0 {
				return &exitError{code: ExitBadInput}
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&packages, "package", nil, "make the package at PATH known while validating; repeatable")
	c.Flags().StringVar(&tenant, "tenant", "default", "the tenant whose installed packages custom node types resolve to")
	c.Flags().StringArrayVar(&inputs, "input", nil, "a name the runs' inputs give: NAME or NAME=VALUE (as for run), so that reading it is no warning; repeatable")
	c.Flags().StringVar(&inputsFile, "inputs", "", "the names of the inputs, from a JSON object in FILE (as for run)")
	return c
}

// inputNames are the names --inputs FILE.json and each --input NAME[=VALUE]
// give.
func inputNames(e *env, file string, pairs []string) ([]string, error) {
	var names []string
	if file != "" {
		obj, err := parseInputs(e, file, nil)
		if err != nil {
			return nil, err
		}
		for n := range obj {
			names = append(names, n)
		}
	}
	for _, p := range pairs {
		name, _, _ := strings.Cut(p, "=")
		if name == "" {
			return nil, fmt.Errorf("--input %q: expected NAME or NAME=VALUE", p)
		}
		names = append(names, name)
	}
	return names, nil
}
