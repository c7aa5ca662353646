// `weft pkg outdated`: the installed packages that their registry has
// newer versions of (the newest compatible by semver, and the newest of
// all), and whether those ask for more permissions than the installed one.
// `weft pkg update` (pkg_update.go) installs them.

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft/internal/registry"
	"github.com/weft-dev/weft/internal/store"
)

// outdatedFlags are the flags outdated and update share.
type outdatedFlags struct {
	tenant, registry, output string
}

func (f *outdatedFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.tenant, "tenant", "default", "the tenant whose packages to check")
	c.Flags().StringVar(&f.registry, "registry", "", "check every package against this registry (default: the registry each was installed from, else $WEFT_REGISTRY)")
	c.Flags().StringVar(&f.output, "output", "text", "text or json")
}

// update is one installed package and the versions its registry has that
// are newer.
type update struct {
	ID       string `json:"id"`
	Current  string `json:"current"`
	Registry string `json:"registry"`
	// Wanted is the newest version compatible with Current (^Current),
	// Latest the newest of all; "" when there is none.
	Wanted string `json:"wanted"`
	Latest string `json:"latest"`
	// WantedNewPermissions and LatestNewPermissions are what each asks
	// for beyond Current, as the registry lists them.
	WantedNewPermissions []string `json:"wanted_new_permissions"`
	LatestNewPermissions []string `json:"latest_new_permissions"`
}

// skipped is an installed package that could not be checked, and why.
type skipped struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
}

// checkUpdates compares the tenant's active versions (of id only, when id
// is not "") with their registries. It returns the packages with newer
// versions, the ones it could not check (not from a registry, not
// published there, or not semver), and the registries' errors (one per
// registry: unreachable, refusing), in the order of the packages.
func checkUpdates(ctx context.Context, st *store.Store, f *outdatedFlags, id string) (ups []update, skips []skipped, errs []error, err error) {
	vs, err := st.List(ctx, f.tenant)
	if err != nil {
		return nil, nil, nil, err
	}
	var active []*store.Version
	for _, v := range vs {
		if v.Active && (id == "" || v.ID == id) {
			active = append(active, v)
		}
	}
	if id != "" && len(active) == 0 {
		return nil, nil, nil, badInput("pkg: %s is not installed for tenant %s (`weft pkg list --tenant %s` lists what is)", id, f.tenant, f.tenant)
	}
	flagReg := strings.TrimRight(f.registry, "/")
	envReg := strings.TrimRight(os.Getenv("WEFT_REGISTRY"), "/")
	failed := map[string]bool{} // registries that failed once are not asked again
	for _, v := range active {
		reg := flagReg
		if reg == "" {
			if r, ok := registry.SourceRegistry(v.Source, v.ID, v.Version); ok {
				reg = r
			} else {
				reg = envReg
			}
		}
		if reg == "" {
			skips = append(skips, skipped{v.ID, v.Version, fmt.Sprintf("installed from %s, not from a registry; give --registry URL or set WEFT_REGISTRY to check it", orDash(v.Source))})
			continue
		}
		if failed[reg] {
			skips = append(skips, skipped{v.ID, v.Version, "registry " + reg + " failed (see above)"})
			continue
		}
		p, err := (&registry.Client{URL: reg}).Package(ctx, v.ID)
		if errors.Is(err, registry.ErrNotFound) {
			skips = append(skips, skipped{v.ID, v.Version, "not published on " + reg})
			continue
		}
		if err != nil {
			failed[reg] = true
			errs = append(errs, fmt.Errorf("%s %s: %w", v.ID, v.Version, err))
			continue
		}
		wanted, latest, err := registry.Updates(v.Version, p.Versions)
		if err != nil {
			skips = append(skips, skipped{v.ID, v.Version, err.Error()})
			continue
		}
		if latest == nil {
			continue
		}
		m, err := v.Manifest()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: the installed manifest: %w", v.Ref(), err)
		}
		u := update{ID: v.ID, Current: v.Version, Registry: reg, Latest: latest.Version,
			LatestNewPermissions: nonNil(registry.GrownPermissions(m, latest.Permissions)), WantedNewPermissions: []string{}}
		if wanted != nil {
			u.Wanted = wanted.Version
			u.WantedNewPermissions = nonNil(registry.GrownPermissions(m, wanted.Permissions))
		}
		ups = append(ups, u)
	}
	return ups, skips, errs, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// notOnServer refuses --server for the commands that work on this
// machine's packages only.
func notOnServer(c *cobra.Command) error {
	if serverURL(c) != "" {
		return badInput("%s: works on the packages under $WEFT_HOME only, not a server's (a server's custom nodes are uploaded and activated through its API: `weft remote pkg install`)", c.CommandPath())
	}
	return nil
}

func newPkgOutdatedCmd(e *env) *cobra.Command {
	f := &outdatedFlags{}
	c := &cobra.Command{
		Use:   "outdated [ID]",
		Short: "List installed packages that their registry has newer versions of",
		Long: "For each installed package (the active version; only ID when given), asks the registry it was\n" +
			"installed from (--registry URL for all of them, $WEFT_REGISTRY for packages installed from\n" +
			"files) for newer versions: WANTED is the newest compatible one by semver (same major version,\n" +
			"or for 0.x the same minor), LATEST the newest of all. Yanked versions are never offered,\n" +
			"pre-releases only to a pre-release. A version marked * asks for permissions the installed one\n" +
			"does not have (listed below the table): `weft pkg update` asks before activating it.\n\n" +
			"Exit 0 whether or not packages are outdated; 2 when a registry could not be asked.",
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
			eng, st, err := openStore(c, e)
			if err != nil {
				return err
			}
			defer eng.Close()
			ups, skips, errs, err := checkUpdates(c.Context(), st, f, id)
			if err != nil {
				return pkgError(err)
			}
			if f.output == "json" {
				msgs := []string{}
				for _, err := range errs {
					msgs = append(msgs, err.Error())
				}
				if ups == nil {
					ups = []update{}
				}
				if skips == nil {
					skips = []skipped{}
				}
				if err := json.NewEncoder(e.stdout).Encode(map[string]any{"tenant": f.tenant, "outdated": ups, "skipped": skips, "errors": msgs}); err != nil {
					return err
				}
			} else {
				printOutdated(e, f.tenant, ups, skips)
			}
			return registryErrors(errs)
		},
	}
	f.add(c)
	return c
}

// printOutdated writes the table of updates to stdout and the packages
// that were not checked to stderr.
func printOutdated(e *env, tenant string, ups []update, skips []skipped) {
	for _, s := range skips {
		fmt.Fprintf(e.stderr, "weft: %s %s not checked: %s\n", s.ID, s.Version, s.Reason)
	}
	if len(ups) == 0 {
		fmt.Fprintf(e.stdout, "no newer versions for the packages of tenant %s\n", tenant)
		return
	}
	star := func(v string, grew []string) string {
		if v == "" {
			return "-"
		}
		if len(grew) > 0 {
			return v + " *"
		}
		return v
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCURRENT\tWANTED\tLATEST\tREGISTRY")
	for _, u := range ups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Current, star(u.Wanted, u.WantedNewPermissions), star(u.Latest, u.LatestNewPermissions), u.Registry)
	}
	tw.Flush()
	for _, u := range ups {
		printed := ""
		for _, c := range []struct {
			v    string
			grew []string
		}{{u.Wanted, u.WantedNewPermissions}, {u.Latest, u.LatestNewPermissions}} {
			if c.v == "" || len(c.grew) == 0 || c.v == printed {
				continue
			}
			printed = c.v
			fmt.Fprintf(e.stdout, "* %s %s asks for more than %s:\n", u.ID, c.v, u.Current)
			for _, p := range c.grew {
				fmt.Fprintf(e.stdout, "    + %s\n", p)
			}
		}
	}
}

// registryErrors is nil, or the registries' errors as one bad-input error
// (exit 2), each on its own line.
func registryErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &exitError{code: ExitBadInput, err: errors.Join(errs...)}
}
