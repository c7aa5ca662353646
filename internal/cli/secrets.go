// `weft secrets set|list|delete [--tenant T]`: the local secret store that
// oauth.token hands tokens from, one per tenant ($WEFT_HOME/secrets for the
// default tenant, $WEFT_HOME/tenants/T/secrets for tenant T). Values go in
// and are never printed back.

package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/capability/secrets"
)

// openSecrets opens the secret store of tenant in $WEFT_HOME; cmd names
// the command for a refusal of the tenant.
func openSecrets(cmd, tenant string) (*secrets.Store, error) {
	st, err := secrets.OpenHome(weft.DefaultHome()).Tenant(tenant)
	if err != nil {
		return nil, badInput("%s: --tenant: %v", cmd, err)
	}
	return st, nil
}

// secretsTenantFlag adds --tenant to a secrets command.
func secretsTenantFlag(c *cobra.Command, tenant *string) {
	c.Flags().StringVar(tenant, "tenant", secrets.DefaultTenant, "the tenant whose secrets these are (its runs, and only they, get them)")
}

// secretsForTenant is " for tenant T" for messages, nothing for the default tenant.
func secretsForTenant(tenant string) string {
	if tenant == "" || tenant == secrets.DefaultTenant {
		return ""
	}
	return " for tenant " + tenant
}

// secretsTenantArg is "--tenant T " for commands quoted in messages, nothing for
// the default tenant.
func secretsTenantArg(tenant string) string {
	if tenant == "" || tenant == secrets.DefaultTenant {
		return ""
	}
	return "--tenant " + tenant + " "
}

func newSecretsCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "secrets",
		Short: "Store the OAuth tokens and other secrets that custom nodes may be given",
		Long: "Secrets belong to a tenant (--tenant, default \"default\"): those of the default tenant live\n" +
			"under $WEFT_HOME/secrets, those of tenant T under $WEFT_HOME/tenants/T/secrets, one file per\n" +
			"secret, readable by you only (0600). A custom node gets the token of provider P (host\n" +
			"operation oauth.token) from the secret oauth/P of its run's tenant, never another tenant's,\n" +
			"and only when its package declares P in [[permissions.oauth_scopes]] and the node lists P in\n" +
			"oauth_providers. Values are never printed back.",
	}
	c.AddCommand(newSecretsSetCmd(e), newSecretsListCmd(e), newSecretsDeleteCmd(e))
	return c
}

func newSecretsSetCmd(e *env) *cobra.Command {
	var token, expires, tenant string
	set := &cobra.Command{
		Use:   "set NAME --token VALUE|- [--expires RFC3339] [--tenant T]",
		Short: "Store a secret (--token - reads it from stdin, keeping it out of shell history)",
		Example: "  weft secrets set oauth/google --token - --expires 2030-01-01T00:00:00Z < token.txt\n" +
			"  pass show google-token | weft secrets set oauth/google --token -\n" +
			"  weft secrets set oauth/google --tenant acme --token - < acme-token.txt",
		Args: exactArgs(1, "one secret name, like oauth/google"),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			if err := secrets.ValidName(name); err != nil {
				return badInput("%s: %v", c.CommandPath(), err)
			}
			st, err := openSecrets(c.CommandPath(), tenant)
			if err != nil {
				return err
			}
			if !c.Flags().Changed("token") {
				return badInput("%s: --token is required (--token - reads the value from stdin)", c.CommandPath())
			}
			var exp time.Time
			if expires != "" {
				t, err := time.Parse(time.RFC3339, expires)
				if err != nil {
					return badInput("--expires: expected an RFC 3339 time like 2030-01-01T00:00:00Z, found %q", expires)
				}
				if !t.After(time.Now()) {
					return badInput("--expires: %s is in the past", expires)
				}
				exp = t
			}
			value := token
			if token == "-" {
				v, err := readSecret(e)
				if err != nil {
					return err
				}
				value = v
			}
			if err := st.Set(name, value, exp); err != nil {
				if errors.Is(err, secrets.ErrInvalidToken) || errors.Is(err, secrets.ErrInvalidName) {
					return badInput("%s: %v", c.CommandPath(), err)
				}
				return err
			}
			until := "does not expire"
			if !exp.IsZero() {
				until = "expires " + exp.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(e.stdout, "secret %s saved%s (%s)\n", name, secretsForTenant(tenant), until)
			return nil
		},
	}
	set.Flags().StringVar(&token, "token", "", `the secret's value; "-" reads it from stdin`)
	set.Flags().StringVar(&expires, "expires", "", "when it expires, RFC 3339 (oauth.token refuses an expired token)")
	secretsTenantFlag(set, &tenant)
	return set
}

// readSecret reads a value from stdin: everything up to EOF (at most one
// byte over the limit, so that an oversized value is refused, not cut),
// without its trailing line break.
func readSecret(e *env) (string, error) {
	if e.stdin == nil {
		return "", badInput("--token -: no stdin to read the value from")
	}
	if f, ok := e.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(e.stderr, "Paste the value, then press Enter and Ctrl-D:")
		}
	}
	data, err := io.ReadAll(io.LimitReader(bufio.NewReader(e.stdin), secrets.MaxTokenLen+3))
	if err != nil {
		return "", fmt.Errorf("--token -: reading stdin: %w", err)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return "", badInput("--token -: stdin was empty")
	}
	return v, nil
}

func newSecretsListCmd(e *env) *cobra.Command {
	var output, tenant string
	list := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List a tenant's secrets: names and expiry (never their values)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			st, err := openSecrets(c.CommandPath(), tenant)
			if err != nil {
				return err
			}
			names, err := st.List()
			if err != nil {
				return err
			}
			type row struct {
				Name      string `json:"name"`
				ExpiresAt string `json:"expires_at,omitempty"`
				Expired   bool   `json:"expired"`
				Error     string `json:"error,omitempty"`
			}
			rows := make([]row, 0, len(names))
			now := time.Now()
			for _, n := range names {
				r := row{Name: n}
				if _, exp, err := st.Get(n); err != nil {
					r.Error = err.Error()
				} else if !exp.IsZero() {
					r.ExpiresAt = exp.UTC().Format(time.RFC3339)
					r.Expired = !now.Before(exp)
				}
				rows = append(rows, r)
			}
			if output == "json" {
				return writeJSON(e, rows)
			}
			if len(rows) == 0 {
				fmt.Fprintf(e.stdout, "no secrets%s in %s (add one with: weft secrets set %sNAME --token -)\n",
					secretsForTenant(tenant), st.Dir(), secretsTenantArg(tenant))
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tEXPIRES")
			for _, r := range rows {
				exp := "never"
				switch {
				case r.Error != "":
					exp = "unreadable (see below)"
				case r.Expired:
					exp = r.ExpiresAt + " (expired)"
				case r.ExpiresAt != "":
					exp = r.ExpiresAt
				}
				fmt.Fprintf(tw, "%s\t%s\n", r.Name, exp)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, r := range rows {
				if r.Error != "" {
					fmt.Fprintln(e.stderr, "weft: "+r.Error)
				}
			}
			return nil
		},
	}
	list.Flags().StringVar(&output, "output", "text", "text or json")
	secretsTenantFlag(list, &tenant)
	return list
}

func newSecretsDeleteCmd(e *env) *cobra.Command {
	var tenant string
	del := &cobra.Command{
		Use:   "delete NAME [--tenant T]",
		Short: "Delete a secret",
		Args:  exactArgs(1, "one secret name"),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			st, err := openSecrets(c.CommandPath(), tenant)
			if err != nil {
				return err
			}
			err = st.Delete(name)
			switch {
			case errors.Is(err, secrets.ErrInvalidName):
				return badInput("%s: %v", c.CommandPath(), err)
			case errors.Is(err, secrets.ErrNotFound):
				return badInput("%s: no secret named %s%s (see 'weft secrets list%s')", c.CommandPath(), name,
					secretsForTenant(tenant), strings.TrimSuffix(" "+secretsTenantArg(tenant), " "))
			case err != nil:
				return err
			}
			fmt.Fprintf(e.stdout, "secret %s deleted%s\n", name, secretsForTenant(tenant))
			return nil
		},
	}
	secretsTenantFlag(del, &tenant)
	return del
}
