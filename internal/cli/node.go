// `weft node init`: a new node project in one of the SDK languages, from
// a template that builds as is.

package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft/internal/nodeinit"
)

func newNodeCmd(e *env) *cobra.Command {
	var lang, sdk string
	initCmd := &cobra.Command{
		Use:   "init --lang go|rust|c|assemblyscript NAME",
		Short: "Write a new node project that builds as is",
		Long: "Writes the folder NAME: manifest.toml (with a [build] command), the source of one example\n" +
			"node (greet), example.yaml that runs it, and a README. Then:\n\n" +
			"  weft run NAME/example.yaml --package NAME   # builds when the module is missing or stale\n" +
			"  weft pkg build NAME                         # a .weftpkg to install or publish\n\n" +
			"The project uses the SDK by path: the sdk/ folder of the weft source tree around the\n" +
			"working directory or the weft binary, or $WEFT_SDK (or --sdk).",
		Args: exactArgs(1, "the project's name"),
		RunE: func(c *cobra.Command, args []string) error {
			if lang == "" {
				return badInput("node init: --lang is required: one of %s", strings.Join(nodeinit.Languages(), ", "))
			}
			if sdk == "" && nodeinit.NeedsSDK(lang) {
				root, err := nodeinit.FindSDKRoot()
				if err != nil {
					return badInput("node init: %v", err)
				}
				sdk = root
			}
			dir := args[0]
			name := filepath.Base(dir)
			if err := nodeinit.Write(nodeinit.Options{Lang: lang, Name: name, Dir: dir, SDKRoot: sdk}); err != nil {
				return badInput("node init: %v", err)
			}
			fmt.Fprintf(e.stdout, "wrote %s (%s)\nnext: weft run %s --package %s\n", dir, lang, filepath.Join(dir, "example.yaml"), dir)
			return nil
		},
	}
	initCmd.Flags().StringVar(&lang, "lang", "", "the language: "+strings.Join(nodeinit.Languages(), ", "))
	initCmd.Flags().StringVar(&sdk, "sdk", "", "the folder holding the SDKs (default $WEFT_SDK, else the sdk/ of the weft source tree)")
	c := &cobra.Command{Use: "node", Short: "Start writing a custom node"}
	c.AddCommand(initCmd)
	return c
}
