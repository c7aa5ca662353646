// completion.go: `weft version`, and shell completion (cobra's `weft
// completion SHELL`) of node types, run ids, installed package ids and
// --lang.

package cli

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/nodeinit"
)

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print weft's version",
		Example: "  weft version",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(e.stdout, "weft %s (%s, %s/%s)\n", weft.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

// addCompletions adds completion functions to the commands that take node
// types, run ids or a language.
func addCompletions(root *cobra.Command) {
	nodeTypes := func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, s := range builtin.Specs() {
			if strings.HasPrefix(s.Name, prefix) {
				out = append(out, s.Name+"\t"+s.Summary)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	runIDs := func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		j, err := journal.Open(c.Context(), weft.DefaultHome()+"/weft.db")
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer j.Close()
		runs, _ := j.ListRuns(c.Context(), journal.ListOptions{Limit: 50})
		var out []string
		for _, r := range runs {
			if strings.HasPrefix(r.ID, prefix) {
				out = append(out, r.ID+"\t"+r.Workflow+" "+r.Status)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	// installedIDs completes the ids of the packages installed for the
	// command's --tenant.
	installedIDs := func(c *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		tenant := "default"
		if f := c.Flags().Lookup("tenant"); f != nil {
			tenant = f.Value.String()
		}
		eng, err := weft.New(c.Context(), weft.Config{NoJournal: true})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer eng.Close()
		st, err := enginex.Packages(c.Context(), eng)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		vs, _ := st.List(c.Context(), tenant)
		var out []string
		for _, v := range vs {
			if v.Active && strings.HasPrefix(v.ID, prefix) {
				out = append(out, v.ID+"\t"+v.Version)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	langs := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nodeinit.Languages(), cobra.ShellCompDirectiveNoFileComp
	}
	for _, path := range []struct {
		cmd string
		fn  func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)
	}{{"nodes show", nodeTypes}, {"runs show", runIDs}, {"pkg outdated", installedIDs}, {"pkg update", installedIDs}} {
		if c, _, err := root.Find(strings.Fields(path.cmd)); err == nil && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = path.fn
		}
	}
	if c, _, err := root.Find([]string{"node", "init"}); err == nil {
		_ = c.RegisterFlagCompletionFunc("lang", langs)
	}
	if c, _, err := root.Find([]string{"node", "test"}); err == nil {
		// DIR is a package folder; --workflow a workflow file.
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		}
		_ = c.RegisterFlagCompletionFunc("workflow", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		})
		_ = c.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
		})
	}
	if c, _, err := root.Find([]string{"pkg", "publish"}); err == nil && c.ValidArgsFunction == nil {
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"weftpkg", "wasm"}, cobra.ShellCompDirectiveFilterFileExt
		}
	}
}
