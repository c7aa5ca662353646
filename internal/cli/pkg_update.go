// `weft pkg update [ID]`: installs and activates the newer versions that
// `weft pkg outdated` lists, each through the same checks and review as
// `weft pkg install`; a version that asks for new permissions is activated
// only once someone agreed (--yes, or yes at the prompt on a terminal).

package cli

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
)

// errHeldBack: an update asks for new permissions and nobody agreed.
var errHeldBack = errors.New("held back")

// updated is one update installed and activated.
type updated struct {
	ID     string `json:"id"`
	From   string `json:"from"`
	To     string `json:"to"`
	Digest string `json:"digest"`
}

// heldBack is an update not installed because it asks for new
// permissions that nobody agreed to.
type heldBack struct {
	ID             string   `json:"id"`
	From           string   `json:"from"`
	To             string   `json:"to"`
	NewPermissions []string `json:"new_permissions"`
	// Declined: asked on a terminal, the answer was no (else nobody was
	// asked: no terminal and no --yes).
	Declined bool `json:"declined"`
}

func newPkgUpdateCmd(e *env) *cobra.Command {
	f := &outdatedFlags{}
	var latest, yes, requireSig bool
	c := &cobra.Command{
		Use:   "update [ID]",
		Short: "Install the newer versions `weft pkg outdated` lists (all packages, or ID)",
		Long: "Installs and activates, for each outdated package (or only ID), the newest version compatible\n" +
			"with the installed one by semver (WANTED of `weft pkg outdated`), or with --latest the newest\n" +
			"of all, even a new major version. Each goes through what `weft pkg install` does: the package\n" +
			"is checked as a run loads it, its signature verified against the trust store, and what it asks\n" +
			"for is shown on stderr.\n\n" +
			"A version that asks for permissions the installed one does not have is activated only when\n" +
			"you agree: on a terminal you are asked, --yes agrees beforehand; without a terminal and\n" +
			"without --yes it is held back (not installed) and named, so a scheduled `weft pkg update`\n" +
			"never grants new permissions on its own. Updates that ask for nothing new install without a\n" +
			"question.\n\n" +
			"Exit 0 when every update was installed (or there were none); 2 when one was held back or\n" +
			"declined, failed its checks, or a registry could not be asked; the others are installed.",
		Args: cobra.RangeArgs(0, 1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(f.output); err != nil {
				return err
			}
			if err := notOnServer(c); err != nil {
				return err
			}
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			ctx := c.Context()
			eng, st, err := openStore(c, e)
			if err != nil {
				return err
			}
			defer eng.Close()
			ups, skips, errs, err := checkUpdates(ctx, st, f, id)
			if err != nil {
				return pkgError(err)
			}
			done, held := []updated{}, []heldBack{}
			for _, u := range ups {
				to := u.Wanted
				if latest {
					to = u.Latest
				}
				if to == "" {
					fmt.Fprintf(e.stderr, "weft: %s %s is a new major version (from %s); `weft pkg update %s --latest` installs it\n", u.ID, u.Latest, u.Current, u.ID)
					continue
				}
				fl := &installFlags{tenant: f.tenant, registry: u.Registry, yes: yes, requireSignature: requireSig}
				got, err := fetchPackage(ctx, e, fl, u.ID+"@"+to)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s: %w", u.ID, to, err))
					continue
				}
				var grew []string
				res, err := eng.InstallPackage(ctx, got.data, weft.InstallOptions{
					Tenant: f.tenant, Source: got.source, Signature: got.sig,
					RequireSignature: requireSig || got.requireSig,
					Review: func(r *weft.Review) error {
						grew = r.NewPermissions
						if len(r.NewPermissions) == 0 {
							// Nothing new asked for: shown, not asked.
							g := *fl
							g.yes = true
							return e.review(r, &g)
						}
						if !yes && !isTerminalReader(e.stdin) {
							e.review(r, &installFlags{yes: true})
							return errHeldBack
						}
						return e.review(r, fl)
					},
				})
				switch {
				case errors.Is(err, errHeldBack) || errors.Is(err, weft.ErrDeclined):
					held = append(held, heldBack{u.ID, u.Current, to, nonNil(grew), errors.Is(err, weft.ErrDeclined)})
					continue
				case err != nil:
					errs = append(errs, fmt.Errorf("%s %s: %w", u.ID, to, err))
					continue
				}
				done = append(done, updated{res.ID, u.Current, res.Version, res.Digest})
				if f.output == "text" {
					fmt.Fprintf(e.stdout, "updated %s %s -> %s (%s) for tenant %s\n", res.ID, u.Current, res.Version, res.Digest, res.Tenant)
				}
			}
			for _, h := range held {
				if h.Declined {
					errs = append(errs, fmt.Errorf("%s %s was not installed: declined", h.ID, h.To))
					continue
				}
				errs = append(errs, fmt.Errorf("%s %s was not installed: it asks for new permissions (%d); agree on a terminal (`weft pkg update %s`) or pass --yes",
					h.ID, h.To, len(h.NewPermissions), h.ID))
			}
			if f.output == "json" {
				msgs := []string{}
				for _, err := range errs {
					msgs = append(msgs, err.Error())
				}
				if skips == nil {
					skips = []skipped{}
				}
				if err := json.NewEncoder(e.stdout).Encode(map[string]any{"tenant": f.tenant, "updated": done, "held_back": held,
					"skipped": skips, "errors": msgs}); err != nil {
					return err
				}
			} else {
				for _, s := range skips {
					fmt.Fprintf(e.stderr, "weft: %s %s not checked: %s\n", s.ID, s.Version, s.Reason)
				}
				if len(ups) == 0 && len(errs) == 0 {
					fmt.Fprintf(e.stdout, "no newer versions for the packages of tenant %s\n", f.tenant)
				}
			}
			return registryErrors(errs)
		},
	}
	f.add(c)
	c.Flags().BoolVar(&latest, "latest", false, "install the newest version even when it is a new major version")
	c.Flags().BoolVarP(&yes, "yes", "y", false, "agree beforehand to new permissions (do not ask)")
	c.Flags().BoolVar(&requireSig, "require-signature", false, "refuse an unsigned package")
	return c
}
