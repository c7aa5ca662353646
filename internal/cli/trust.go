// `weft trust`: the publisher keys whose signatures installs accept,
// under $WEFT_HOME/trust.

package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/signing"
)

// trustStore is the trust store of $WEFT_HOME.
func trustStore() *signing.TrustStore {
	return &signing.TrustStore{Dir: filepath.Join(weft.DefaultHome(), "trust")}
}

func newTrustCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Manage the publisher keys whose package signatures are trusted",
		Long: "Keys are minisign public keys (from `weft pkg keygen` or `minisign -G`), kept under\n" +
			"$WEFT_HOME/trust. A signed package installs only when its signature verifies with one of them.",
	}
	var name string
	add := &cobra.Command{
		Use:   "add KEYFILE.pub",
		Short: "Trust a publisher's public key",
		Args:  exactArgs(1, "one public key file"),
		RunE: func(c *cobra.Command, args []string) error {
			pub, err := os.ReadFile(args[0])
			if err != nil {
				return badInput("%v", err)
			}
			if name == "" {
				name = args[0]
			}
			k, err := trustStore().Add(pub, name)
			if err != nil {
				return badInput("%s: %v", args[0], err)
			}
			fmt.Fprintf(e.stdout, "trusted key %s (%s)\n", k.ID, k.Name)
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "a name for the key (default: the file name)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the trusted keys",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			keys, err := trustStore().List()
			if err != nil {
				return err
			}
			for _, k := range keys {
				fmt.Fprintf(e.stdout, "%s %s\n", k.ID, k.Name)
			}
			return nil
		},
	}
	remove := &cobra.Command{
		Use:   "remove KEYID",
		Short: "Stop trusting a key",
		Args:  exactArgs(1, "one key id"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := trustStore().Remove(args[0]); err != nil {
				return badInput("%v", err)
			}
			fmt.Fprintf(e.stdout, "removed key %s\n", args[0])
			return nil
		},
	}
	c.AddCommand(add, list, remove)
	return c
}

func newLockCmd(e *env) *cobra.Command {
	var tenant, out string
	c := &cobra.Command{
		Use:   "lock WORKFLOW.yaml",
		Short: "Write the workflow's lockfile: the package digest each custom node resolves to",
		Long: "Resolves every custom node type of the workflow for the tenant, as a run would now, and\n" +
			"writes WORKFLOW.lock beside it (or -o FILE). `weft run` honours the lockfile: the run uses\n" +
			"exactly those package digests, whatever is installed or active later.",
		Args: exactArgs(1, "one workflow file"),
		RunE: func(c *cobra.Command, args []string) error {
			eng, err := e.newEngine(c.Context(), true)
			if err != nil {
				return err
			}
			defer eng.Close()
			wf, err := eng.LoadFileWith(c.Context(), args[0], weft.LoadOptions{Tenant: tenant})
			if err != nil {
				return err
			}
			if out == "" {
				out = weft.LockPath(args[0])
			}
			l := wf.Lock()
			if err := l.Write(out); err != nil {
				return badInput("%v", err)
			}
			fmt.Fprintf(e.stdout, "%s: %d custom node type(s) locked\n", out, len(l.Packages))
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "default", "the tenant whose packages to resolve")
	c.Flags().StringVarP(&out, "output-file", "o", "", "where to write the lockfile (default WORKFLOW.lock)")
	return c
}
