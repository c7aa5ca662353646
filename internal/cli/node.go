// `weft node init`: a new node project in one of the SDK languages, from
// a template that builds as is, with the SDK the binary carries (`weft
// node test` is in node_test_cmd.go).

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	weft "github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/nodeinit"
)

func newNodeCmd(e *env) *cobra.Command {
	var lang, sdk string
	initCmd := &cobra.Command{
		Use:   "init --lang " + strings.Join(nodeinit.Languages(), "|") + " NAME",
		Short: "Write a new node project that builds as is",
		Long: "Writes the folder NAME: manifest.toml (with a [build] command), the source of one example\n" +
			"node (greet), example.yaml that runs it, and a README. Then:\n\n" +
			"  weft run NAME/example.yaml --package NAME   # builds when the module is missing or stale\n" +
			"  weft pkg build NAME                         # a .weftpkg to install or publish\n\n" +
			"  weft node test NAME                         # its own tests, then the example workflow\n\n" +
			"The SDK comes from the weft binary: init writes it into NAME/weft-sdk/ (with a VERSION\n" +
			"file), and the project uses it by relative path, so it builds offline with no weft\n" +
			"source tree. --sdk DIR (or $WEFT_SDK) links DIR's SDKs by absolute path instead.",
		Args: exactArgs(1, "the project's name"),
		RunE: func(c *cobra.Command, args []string) error {
			if lang == "" {
				return badInput("node init: --lang is required: one of %s", strings.Join(nodeinit.Languages(), ", "))
			}
			if sdk == "" {
				sdk = os.Getenv("WEFT_SDK")
			}
			dir := args[0]
			name := filepath.Base(dir)
			if err := nodeinit.Write(nodeinit.Options{Lang: lang, Name: name, Dir: dir, SDKRoot: sdk, Version: weft.Version}); err != nil {
				return badInput("node init: %v", err)
			}
			fmt.Fprintf(e.stdout, "wrote %s (%s)\nnext: weft run %s --package %s\n", dir, lang, filepath.Join(dir, "example.yaml"), dir)
			return nil
		},
	}
	initCmd.Flags().StringVar(&lang, "lang", "", "the language: "+strings.Join(nodeinit.Languages(), ", "))
	initCmd.Flags().StringVar(&sdk, "sdk", "", "link the SDKs of this folder (a weft source tree's sdk/) by absolute path instead of writing the binary's copy into the project (default $WEFT_SDK)")
	c := &cobra.Command{Use: "node", Short: "Write and test custom nodes"}
	c.AddCommand(initCmd, newNodeTestCmd(e))
	return c
}
