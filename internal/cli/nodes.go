// `weft nodes list|show`: the node types this weft knows, from their specs.

package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/nodedoc"
)

func newNodesCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "nodes", Short: "List and describe node types"}
	var output string
	list := &cobra.Command{
		Use:   "list",
		Short: "List every node type",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			specs := nodedoc.Sorted(builtin.Specs())
			if output == "json" {
				out := make([]nodedoc.SpecJSON, len(specs))
				for i, s := range specs {
					out[i] = nodedoc.JSON(s)
				}
				return writeJSON(e, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TYPE\tKIND\tCATEGORY\tSUMMARY")
			for _, s := range specs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Kind, s.Category, s.Summary)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&output, "output", "text", "text or json")
	var showOutput string
	show := &cobra.Command{
		Use:   "show TYPE",
		Short: "Describe a node type: its props, children and behaviour",
		Args:  exactArgs(1, "one node type"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(showOutput); err != nil {
				return err
			}
			reg := builtin.Registry()
			s, ok := reg.Lookup(args[0])
			if !ok {
				return unknownType(reg, args[0])
			}
			if showOutput == "json" {
				return writeJSON(e, nodedoc.JSON(s))
			}
			_, err := fmt.Fprint(e.stdout, nodedoc.Text(s))
			return err
		},
	}
	show.Flags().StringVar(&showOutput, "output", "text", "text or json")
	c.AddCommand(list, show)
	return c
}

func unknownType(reg *bt.Registry, name string) error {
	if s := reg.Suggest(name); s != "" {
		return badInput("unknown node type %q (did you mean %q?)", name, s)
	}
	return badInput("unknown node type %q (see 'weft nodes list')", name)
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
