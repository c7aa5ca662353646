// `weft nodes list|show`: the node types this weft knows, from their specs.

package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/capability/secrets"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/nodedoc"
)

// nodeSpecs returns the built-in node types plus those of --package paths.
func nodeSpecs(c *cobra.Command, packages []string) ([]*bt.Spec, *bt.Registry, error) {
	reg := builtin.Registry()
	specs := builtin.Specs()
	if len(packages) == 0 {
		return specs, reg, nil
	}
	eng, err := weft.New(c.Context(), weft.Config{NoJournal: true})
	if err != nil {
		return nil, nil, err
	}
	defer eng.Close()
	if err := addPackages(c, eng, packages); err != nil {
		return nil, nil, err
	}
	for _, s := range enginex.CustomSpecs(eng) {
		specs = append(specs, s)
		_ = reg.Register(s)
	}
	return specs, reg, nil
}

func newNodesCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "nodes", Short: "List and describe node types"}
	var output string
	var packages []string
	list := &cobra.Command{
		Use:   "list",
		Short: "List every node type",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			all, _, err := nodeSpecs(c, packages)
			if err != nil {
				return err
			}
			specs := nodedoc.Sorted(all)
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
	list.Flags().StringArrayVar(&packages, "package", nil, "also list the nodes of the package at PATH; repeatable")
	var showOutput string
	var showPackages []string
	show := &cobra.Command{
		Use:   "show TYPE",
		Short: "Describe a node type: its props, children and behaviour",
		Args:  exactArgs(1, "one node type"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(showOutput); err != nil {
				return err
			}
			_, reg, err := nodeSpecs(c, showPackages)
			if err != nil {
				return err
			}
			s, ok := reg.Lookup(args[0])
			if !ok && strings.Contains(args[0], "/") {
				if s, err = installedSpec(c, args[0]); err != nil {
					return err
				}
				ok = s != nil
			}
			if !ok {
				return unknownType(reg, args[0])
			}
			if showOutput == "json" {
				return writeJSON(e, nodedoc.JSON(s))
			}
			_, err = fmt.Fprint(e.stdout, nodedoc.Text(s))
			return err
		},
	}
	show.Flags().StringVar(&showOutput, "output", "text", "text or json")
	show.Flags().StringArrayVar(&showPackages, "package", nil, "also know the nodes of the package at PATH; repeatable")
	c.AddCommand(list, show)
	return c
}

// installedSpec finds PACKAGE_ID/NODE_ID[@RANGE] among the default
// tenant's installed packages, as a run resolves it; nil when no installed
// package has it.
func installedSpec(c *cobra.Command, typeName string) (*bt.Spec, error) {
	ref, constraint, _ := strings.Cut(typeName, "@")
	pkgID, _, _ := strings.Cut(ref, "/")
	eng, err := weft.New(c.Context(), weft.Config{NoJournal: true})
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	st, err := enginex.Packages(c.Context(), eng)
	if err != nil {
		return nil, err
	}
	v, err := st.Resolve(c.Context(), secrets.DefaultTenant, pkgID, constraint)
	if err != nil {
		return nil, nil // not installed (or no such version): an unknown type
	}
	data, _, err := st.Blob(v.Digest)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "weft-nodes-show-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, v.ID+"-"+v.Version+".weftpkg")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return nil, err
	}
	if _, err := eng.AddPackage(c.Context(), file); err != nil {
		return nil, err
	}
	for _, s := range enginex.CustomSpecs(eng) {
		if s.Name == ref {
			return s, nil
		}
	}
	return nil, nil
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
