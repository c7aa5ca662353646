// `weft validate`: check workflow files without running them.

package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

func newValidateCmd(e *env) *cobra.Command {
	var packages []string
	var tenant string
	c := &cobra.Command{
		Use:   "validate WORKFLOW.yaml...",
		Short: "Check workflow files without running them",
		Long: "Check each workflow file completely and report every problem at once, one per line,\n" +
			"as FILE:LINE:COL: message. Exit code 0 when every file is valid, 2 otherwise.",
		Args: minArgs(1, "at least one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			if srv := serverURL(c); srv != "" {
				return remoteValidate(c, e, srv, args) // remote.go
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
				if _, err := e.loadWorkflow(c.Context(), eng, file, weft.LoadOptions{Tenant: tenant}); err != nil {
					if !errors.Is(err, weft.ErrInvalid) {
						return err
					}
					bad++
					fmt.Fprintln(e.stderr, err)
					continue
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
	return c
}
