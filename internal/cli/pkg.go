// `weft pkg`: build, sign, install, list, show, version and remove
// packages, and publish them to a registry.

package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/pin"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/registry"
	"github.com/weft-dev/weft/internal/signing"
	"github.com/weft-dev/weft/internal/store"
)

func newPkgCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "pkg",
		Short: "Build, sign, install, version and publish node packages",
		Long: "Packages live under $WEFT_HOME, per tenant (--tenant, default \"default\"): one tenant\n" +
			"never sees, resolves or runs another's packages. Versions are immutable.",
	}
	c.AddCommand(newPkgBuildCmd(e), newPkgKeygenCmd(e), newPkgSignCmd(e), newPkgInstallCmd(e), newPkgListCmd(e),
		newPkgShowCmd(e), newPkgRemoveCmd(e), newPkgActivateCmd(e), newPkgRollbackCmd(e), newPkgDeprecateCmd(e),
		newPkgYankCmd(e), newPkgPublishCmd(e), newPkgSearchCmd(e), newPkgOutdatedCmd(e), newPkgUpdateCmd(e))
	return c
}

// pkgError maps package errors to exit codes: bad input for everything the
// user can fix, internal only for weft's own bugs.
func pkgError(err error) error {
	if err == nil || errors.Is(err, weft.ErrInternal) {
		return err
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: ExitBadInput, err: err}
}

func newPkgBuildCmd(e *env) *cobra.Command {
	var out string
	var noBuild bool
	c := &cobra.Command{
		Use:   "build DIR",
		Short: "Build a reproducible .weftpkg from a package folder",
		Long: "Runs the manifest's [build] command in DIR (unless --no-build), checks the manifest and the\n" +
			"module(s) exactly as loading them for a run does, and writes ID-VERSION.weftpkg (or -o FILE).\n" +
			"The same inputs give the same bytes; the file's SHA-256 is the package's identity.",
		Args: exactArgs(1, "one package folder"),
		RunE: func(c *cobra.Command, args []string) error {
			dir := args[0]
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				return badInput("%s: expected a package folder holding manifest.toml", dir)
			}
			if !noBuild {
				if _, err := pkgfile.RunBuild(c.Context(), dir, e.stderr); err != nil {
					return pkgError(err)
				}
			}
			p, err := pkgfile.Load(dir)
			if err != nil {
				return pkgError(err)
			}
			eng, err := e.newEngine(c.Context(), true)
			if err != nil {
				return err
			}
			defer eng.Close()
			if _, err := eng.CheckPackage(c.Context(), p); err != nil {
				return pkgError(err)
			}
			data, digest, err := pkgfile.Pack(p)
			if err != nil {
				return pkgError(err)
			}
			if out == "" {
				out = pkgfile.FileName(p.Manifest)
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return badInput("-o: %v", err)
			}
			fmt.Fprintf(e.stdout, "%s %s\n", out, digest)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output-file", "o", "", "where to write the package (default ID-VERSION.weftpkg)")
	c.Flags().BoolVar(&noBuild, "no-build", false, "do not run the manifest's [build] command")
	return c
}

func newPkgKeygenCmd(e *env) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Create a minisign key pair for signing packages",
		Long: "Writes NAME.pub (the public key, to give to users: `weft trust add NAME.pub`) and NAME.key\n" +
			"(the secret key). The secret key is encrypted with $WEFT_SIGNING_PASSWORD when set.\n" +
			"The files are minisign's own format: `minisign -V` verifies weft's signatures.",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			pub, sec, err := signing.GenerateKey(os.Getenv("WEFT_SIGNING_PASSWORD"))
			if err != nil {
				return err
			}
			for _, f := range []struct {
				path string
				data []byte
				mode os.FileMode
			}{{out + ".key", sec, 0o600}, {out + ".pub", pub, 0o644}} {
				if _, err := os.Stat(f.path); err == nil {
					return badInput("%s exists already; not overwriting a key", f.path)
				}
				if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
					return badInput("%v", err)
				}
			}
			id, _ := signing.KeyID(pub)
			fmt.Fprintf(e.stdout, "key %s: %s.pub (public), %s.key (secret)\n", id, out, out)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output-file", "o", "weft-signing", "base name of the key files")
	return c
}

func newPkgSignCmd(e *env) *cobra.Command {
	var key string
	c := &cobra.Command{
		Use:   "sign FILE.weftpkg --key KEY",
		Short: "Sign a package file (writes FILE.weftpkg.minisig)",
		Long: "Writes a detached minisign signature beside the package. The secret key's password, if\n" +
			"it has one, is read from $WEFT_SIGNING_PASSWORD.",
		Args: exactArgs(1, "one .weftpkg file"),
		RunE: func(c *cobra.Command, args []string) error {
			if key == "" {
				return badInput("pkg sign: --key KEY is required (create one with `weft pkg keygen`)")
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return badInput("%v", err)
			}
			p, err := pkgfile.LoadArchive(args[0], bytes.NewReader(data))
			if err != nil {
				return pkgError(err)
			}
			sec, err := os.ReadFile(key)
			if err != nil {
				return badInput("--key: %v", err)
			}
			comment := fmt.Sprintf("weft package %s %s %s", p.Manifest.ID, p.Manifest.Version, p.Digest)
			sig, err := signing.Sign(sec, os.Getenv("WEFT_SIGNING_PASSWORD"), data, comment)
			if err != nil {
				return badInput("%s: %v", key, err)
			}
			out := args[0] + ".minisig"
			if err := os.WriteFile(out, sig, 0o644); err != nil {
				return badInput("%v", err)
			}
			fmt.Fprintf(e.stdout, "%s\n", out)
			return nil
		},
	}
	c.Flags().StringVar(&key, "key", "", "the secret key file (from `weft pkg keygen` or `minisign -G`)")
	return c
}

type installFlags struct {
	tenant, sha256, registry, signature string
	yes, requireSignature               bool
	lock                                string // --lock FILE: install what it pins
}

func newPkgInstallCmd(e *env) *cobra.Command {
	f := &installFlags{}
	c := &cobra.Command{
		Use:   "install SOURCE",
		Short: "Install a package: .weftpkg, folder, .wasm with its manifest, https URL, or ID@VERSION",
		Long: "SOURCE is a .weftpkg file, a folder holding manifest.toml, a .wasm with its manifest beside it,\n" +
			"an https:// URL of a .weftpkg (--sha256 checks its digest), or ID[@VERSION|@RANGE] from the\n" +
			"registry (--registry URL or $WEFT_REGISTRY).\n\n" +
			"The package is checked exactly as a run loads it, its signature (FILE.minisig beside it, the\n" +
			"URL + .minisig, or the registry's) verified against the trust store (`weft trust`), and what it\n" +
			"asks for is shown; on a terminal you are asked to confirm (--yes skips). An upgrade lists the\n" +
			"permissions it asks for beyond the installed version. Unsigned packages install with a warning\n" +
			"unless --require-signature, $WEFT_REQUIRE_SIGNATURES=1, or a registry that requires signatures.\n" +
			"The installed version becomes the active one.",
		Args: cobra.RangeArgs(0, 1),
		RunE: func(c *cobra.Command, args []string) error {
			if (len(args) == 1) == (f.lock != "") {
				return badInput("pkg install: expected one package SOURCE, or --lock FILE (and no SOURCE)")
			}
			if f.lock != "" {
				return pkgError(installLocked(c, e, f))
			}
			if srv := serverURL(c); srv != "" {
				return remotePkgInstall(c, e, srv, f, "text", args[0]) // remote.go
			}
			return pkgError(installPackage(c, e, f, args[0]))
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.lock, "lock", "", "install exactly the package versions a lockfile pins, from the registry, each checked against its digest (like npm ci)")
	fl.StringVar(&f.tenant, "tenant", "default", "the tenant to install for")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	fl.StringVar(&f.sha256, "sha256", "", "the expected SHA-256 of the package file (hex), for URLs")
	fl.StringVar(&f.registry, "registry", "", "the registry URL for ID@VERSION (default $WEFT_REGISTRY)")
	fl.StringVar(&f.signature, "signature", "", "the signature file (default: SOURCE.minisig when it exists)")
	fl.BoolVar(&f.requireSignature, "require-signature", false, "refuse an unsigned package")
	return c
}

// installLocked installs every package version the lockfile pins that the
// tenant does not have with that digest, from the registry, refusing any
// whose bytes differ from the pinned digest.
func installLocked(c *cobra.Command, e *env, f *installFlags) error {
	lock, err := weft.ReadLock(f.lock)
	if err != nil {
		return badInput("%v", err)
	}
	eng, st, err := openStore(c, e)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	type want struct{ id, version, digest string }
	var todo []want
	types := make([]string, 0, len(lock.Packages))
	for t := range lock.Packages {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		p := lock.Packages[t]
		key := p.ID + "@" + p.Version
		if seen[key] {
			continue
		}
		seen[key] = true
		if v, err := st.Get(c.Context(), f.tenant, p.ID, p.Version); err == nil {
			if v.Digest != p.Digest {
				eng.Close()
				return fmt.Errorf("%s pins %s %s with digest %s, but tenant %s has it installed as %s: remove it first (`weft pkg remove %s`)",
					f.lock, p.ID, p.Version, p.Digest, f.tenant, v.Digest, key)
			}
			fmt.Fprintf(e.stdout, "%s %s is installed (%s)\n", p.ID, p.Version, p.Digest)
			continue
		}
		todo = append(todo, want{p.ID, p.Version, p.Digest})
	}
	eng.Close()
	for _, w := range todo {
		g := *f
		g.sha256 = w.digest
		if err := installPackage(c, e, &g, w.id+"@"+w.version); err != nil {
			return fmt.Errorf("%s: %s %s: %w", f.lock, w.id, w.version, err)
		}
	}
	return nil
}

// fetched is a package read from a source, not yet installed.
type fetched struct {
	data, sig  []byte
	source     string
	requireSig bool
}

func installPackage(c *cobra.Command, e *env, f *installFlags, src string) error {
	ctx := c.Context()
	got, err := fetchPackage(ctx, e, f, src)
	if err != nil {
		return err
	}
	if f.sha256 != "" {
		if d := digestOf(got.data); d != "sha256:"+strings.ToLower(strings.TrimPrefix(f.sha256, "sha256:")) {
			return badInput("%s: the package's SHA-256 is %s, expected %s (--sha256); nothing was installed", src, d, f.sha256)
		}
	}
	eng, err := e.newEngine(ctx, true)
	if err != nil {
		return err
	}
	defer eng.Close()
	res, err := eng.InstallPackage(ctx, got.data, weft.InstallOptions{
		Tenant: f.tenant, Source: got.source, Signature: got.sig,
		RequireSignature: f.requireSignature || got.requireSig,
		Review:           func(r *weft.Review) error { return e.review(r, f) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "installed %s %s (%s) for tenant %s\n", res.ID, res.Version, res.Digest, res.Tenant)
	return nil
}

// fetchPackage reads a package from a path, a URL or the registry.
func fetchPackage(ctx context.Context, e *env, f *installFlags, src string) (*fetched, error) {
	readSig := func(path string) ([]byte, error) {
		if f.signature != "" {
			path = f.signature
		}
		sig, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && f.signature == "" {
			return nil, nil
		}
		if err != nil {
			return nil, badInput("signature: %v", err)
		}
		return sig, nil
	}
	switch {
	case strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://"):
		return fetchURL(ctx, f, src)
	case pathExists(src):
		data, err := weft.Pack(src)
		if err != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(src)
		sig, err := readSig(src + ".minisig")
		if err != nil {
			return nil, err
		}
		return &fetched{data: data, sig: sig, source: abs}, nil
	case looksLikeRef(src):
		return fetchFromRegistry(ctx, e, f, src)
	}
	return nil, badInput("%s: expected a .weftpkg file, a package folder, a .wasm, an https:// URL or ID@VERSION; no such file", src)
}

func pathExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// looksLikeRef recognises ID or ID@VERSION (an id has a dot and no slash).
func looksLikeRef(s string) bool {
	id, _, _ := strings.Cut(s, "@")
	return strings.Contains(id, ".") && !strings.ContainsAny(id, `/\`) && !strings.HasSuffix(id, ".weftpkg") && !strings.HasSuffix(id, ".wasm")
}

// review shows what a package asks for and, on a terminal, asks to go on.
func (e *env) review(r *weft.Review, f *installFlags) error {
	w := e.stderr
	fmt.Fprintf(w, "%s (%s) %s\n  digest %s\n", r.ID, r.Name, r.Version, r.Digest)
	if r.Signer != "" {
		fmt.Fprintf(w, "  signed by trusted key %s\n", r.Signer)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintln(w, "  it asks for:")
	for _, p := range r.Permissions {
		fmt.Fprintf(w, "    - %s\n", p)
	}
	if r.Upgrade != "" {
		if len(r.NewPermissions) == 0 {
			fmt.Fprintf(w, "  upgrade from %s: nothing new asked for\n", r.Upgrade)
		} else {
			fmt.Fprintf(w, "  upgrade from %s: NEW permissions:\n", r.Upgrade)
			for _, p := range r.NewPermissions {
				fmt.Fprintf(w, "    + %s\n", p)
			}
		}
	}
	if f.yes || !isTerminalReader(e.stdin) {
		return nil
	}
	fmt.Fprintf(w, "Install %s %s for tenant %s? [y/N] ", r.ID, r.Version, f.tenant)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: ExitBadInput, err: fmt.Errorf("%w: nothing was installed", weft.ErrDeclined)}
}

func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminal(f)
}

func openStore(c *cobra.Command, e *env) (*weft.Engine, *store.Store, error) {
	eng, err := e.newEngine(c.Context(), true)
	if err != nil {
		return nil, nil, err
	}
	st, err := enginex.Packages(c.Context(), eng)
	if err != nil {
		eng.Close()
		return nil, nil, err
	}
	return eng, st, nil
}

func newPkgListCmd(e *env) *cobra.Command {
	var tenant, output string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the installed packages",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			eng, st, err := openStore(c, e)
			if err != nil {
				return err
			}
			defer eng.Close()
			vs, err := st.List(c.Context(), tenant)
			if err != nil {
				return err
			}
			if output == "json" {
				out := []map[string]any{}
				for _, v := range vs {
					out = append(out, versionJSON(v))
				}
				return json.NewEncoder(e.stdout).Encode(map[string]any{"tenant": tenant, "packages": out})
			}
			if len(vs) == 0 {
				fmt.Fprintf(e.stdout, "no packages installed for tenant %s\n", tenant)
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVERSION\tACTIVE\tSTATUS\tSIGNED BY\tDIGEST")
			for _, v := range vs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Version, yesNo(v.Active, "active", ""), status(v), orDash(v.Signer), short(v.Digest))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "default", "the tenant whose packages to list")
	c.Flags().StringVar(&output, "output", "text", "text or json")
	return c
}

func versionJSON(v *store.Version) map[string]any {
	out := map[string]any{"id": v.ID, "version": v.Version, "digest": v.Digest, "active": v.Active,
		"yanked": v.Yanked, "deprecated": v.Deprecated, "signer": v.Signer, "source": v.Source,
		"installed": v.Installed.UTC().Format(time.RFC3339)}
	if m, err := v.Manifest(); err == nil {
		out["name"] = m.Name
		out["permissions"] = m.PermissionLines()
	}
	return out
}

// pinsJSON is pins with the manifest's own keys (name, type, value_type,
// required, default, description), as the rest of the JSON has them.
func pinsJSON(pins []pin.Spec) []map[string]any {
	out := []map[string]any{}
	for _, p := range pins {
		m := map[string]any{"name": p.Name, "type": string(p.Type), "value_type": string(p.ValueType), "required": p.Required}
		if p.ValueType == "" {
			m["value_type"] = "normal"
		}
		if p.HasDefault {
			m["default"] = p.Default
		}
		if p.Description != "" {
			m["description"] = p.Description
		}
		out = append(out, m)
	}
	return out
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func status(v *store.Version) string {
	var s []string
	if v.Yanked {
		s = append(s, "yanked")
	}
	if v.Deprecated != "" {
		s = append(s, "deprecated")
	}
	if len(s) == 0 {
		return "ok"
	}
	return strings.Join(s, ",")
}

func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19]
	}
	return digest
}

// splitRef splits ID@VERSION; version is "" for a bare ID.
func splitRef(ref string) (id, version string) {
	id, version, _ = strings.Cut(ref, "@")
	return id, version
}

func newPkgShowCmd(e *env) *cobra.Command {
	var tenant, output string
	c := &cobra.Command{
		Use:   "show ID[@VERSION]",
		Short: "Show an installed package: versions, nodes and pins, permissions, scores",
		Args:  exactArgs(1, "one package id"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			eng, st, err := openStore(c, e)
			if err != nil {
				return err
			}
			defer eng.Close()
			id, version := splitRef(args[0])
			vs, err := st.Versions(c.Context(), tenant, id)
			if err != nil {
				return pkgError(err)
			}
			v := vs[0]
			for _, x := range vs {
				if (version == "" && x.Active) || x.Version == version {
					v = x
				}
			}
			if version != "" && v.Version != version {
				return pkgError(fmt.Errorf("package %s@%s: %w for tenant %s", id, version, store.ErrNotFound, tenant))
			}
			m, err := v.Manifest()
			if err != nil {
				return pkgError(err)
			}
			if output == "json" {
				out := versionJSON(v)
				var all []map[string]any
				for _, x := range vs {
					all = append(all, versionJSON(x))
				}
				out["versions"] = all
				var nodes []map[string]any
				for _, n := range m.Nodes {
					node := map[string]any{"id": n.ID, "name": n.Name, "description": n.Description,
						"inputs": pinsJSON(n.Inputs), "outputs": pinsJSON(n.Outputs)}
					if sc := n.Scores; sc != nil {
						node["scores"] = map[string]int{"privacy": sc.Privacy, "security": sc.Security, "performance": sc.Performance,
							"governance": sc.Governance, "reliability": sc.Reliability, "cost": sc.Cost}
					}
					nodes = append(nodes, node)
				}
				out["nodes"] = nodes
				return json.NewEncoder(e.stdout).Encode(out)
			}
			w := e.stdout
			fmt.Fprintf(w, "%s %s: %s\n", m.ID, v.Version, m.Name)
			if m.Description != "" {
				fmt.Fprintf(w, "  %s\n", m.Description)
			}
			fmt.Fprintf(w, "digest:  %s\nsigned:  %s\nsource:  %s\n", v.Digest, orDash(v.Signer), orDash(v.Source))
			if v.Deprecated != "" {
				fmt.Fprintf(w, "deprecated: %s\n", v.Deprecated)
			}
			fmt.Fprintln(w, "versions:")
			for _, x := range vs {
				fmt.Fprintf(w, "  %s %s %s\n", x.Version, yesNo(x.Active, "(active)", ""), status(x))
			}
			fmt.Fprintln(w, "permissions:")
			for _, p := range m.PermissionLines() {
				fmt.Fprintf(w, "  - %s\n", p)
			}
			fmt.Fprintln(w, "nodes:")
			for _, n := range m.Nodes {
				fmt.Fprintf(w, "  %s/%s: %s\n", m.ID, n.ID, n.Name)
				for _, p := range n.Inputs {
					fmt.Fprintf(w, "    in  %s: %s%s\n", p.Name, p.Type, yesNo(p.Required, " (required)", ""))
				}
				for _, p := range n.Outputs {
					fmt.Fprintf(w, "    out %s: %s\n", p.Name, p.Type)
				}
				if n.Scores != nil {
					s := n.Scores
					fmt.Fprintf(w, "    scores: privacy %d, security %d, performance %d, governance %d, reliability %d, cost %d\n",
						s.Privacy, s.Security, s.Performance, s.Governance, s.Reliability, s.Cost)
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "default", "the tenant")
	c.Flags().StringVar(&output, "output", "text", "text or json")
	return c
}

// versionCmd is a command on ID@VERSION (or ID) in the store.
func versionCmd(e *env, use, short string, needVersion bool, run func(c *cobra.Command, st *store.Store, tenant, id, version string) error) *cobra.Command {
	var tenant string
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  exactArgs(1, "one package reference"),
		RunE: func(c *cobra.Command, args []string) error {
			id, version := splitRef(args[0])
			if needVersion && version == "" {
				return badInput("%s: expected ID@VERSION, found %q", c.CommandPath(), args[0])
			}
			eng, st, err := openStore(c, e)
			if err != nil {
				return err
			}
			defer eng.Close()
			return pkgError(run(c, st, tenant, id, version))
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "default", "the tenant")
	return c
}

func newPkgRemoveCmd(e *env) *cobra.Command {
	return versionCmd(e, "remove ID[@VERSION]", "Remove one version of a package, or all of them", false,
		func(c *cobra.Command, st *store.Store, tenant, id, version string) error {
			vs, err := st.Remove(c.Context(), tenant, id, version)
			if err != nil {
				return err
			}
			for _, v := range vs {
				fmt.Fprintf(e.stdout, "removed %s %s for tenant %s\n", v.ID, v.Version, tenant)
			}
			return nil
		})
}

func newPkgActivateCmd(e *env) *cobra.Command {
	return versionCmd(e, "activate ID@VERSION", "Make an installed version the active one", true,
		func(c *cobra.Command, st *store.Store, tenant, id, version string) error {
			if err := st.Activate(c.Context(), tenant, id, version); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s %s is active for tenant %s\n", id, version, tenant)
			return nil
		})
}

func newPkgRollbackCmd(e *env) *cobra.Command {
	return versionCmd(e, "rollback ID", "Make the previously active version active again", false,
		func(c *cobra.Command, st *store.Store, tenant, id, version string) error {
			if version != "" {
				return badInput("pkg rollback: expected a package id without a version, found %q (use `weft pkg activate ID@VERSION`)", id+"@"+version)
			}
			v, err := st.Rollback(c.Context(), tenant, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "rolled back %s to %s for tenant %s\n", id, v.Version, tenant)
			return nil
		})
}

// onRegistry runs a yank or deprecation on a registry instead of the local
// store: when --registry is given, with --token or $WEFT_REGISTRY_TOKEN.
func onRegistry(c *cobra.Command, e *env, reg, token, id, version, done string, fn func(*registry.Client) error) (bool, error) {
	if reg == "" {
		return false, nil
	}
	u, err := registryURL(reg)
	if err != nil {
		return true, err
	}
	if token == "" {
		token = os.Getenv("WEFT_REGISTRY_TOKEN")
	}
	if err := fn(&registry.Client{URL: u, Token: token}); err != nil {
		return true, pkgError(err)
	}
	fmt.Fprintf(e.stdout, "%s %s: %s on %s\n", id, version, done, u)
	return true, nil
}

func newPkgDeprecateCmd(e *env) *cobra.Command {
	var message, reg, token string
	var undo bool
	c := versionCmd(e, "deprecate ID@VERSION --message TEXT", "Mark a version deprecated: it still runs, with a warning", true,
		func(c *cobra.Command, st *store.Store, tenant, id, version string) error {
			if undo {
				message = ""
			} else if message == "" {
				return badInput("pkg deprecate: --message TEXT is required (say what to use instead)")
			}
			if ok, err := onRegistry(c, e, reg, token, id, version, yesNo(undo, "no longer deprecated", "deprecated"), func(cl *registry.Client) error {
				return cl.Deprecate(c.Context(), id, version, message)
			}); ok {
				return err
			}
			if err := st.Deprecate(c.Context(), tenant, id, version, message); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s %s: %s\n", id, version, yesNo(undo, "no longer deprecated", "deprecated"))
			return nil
		})
	c.Flags().StringVar(&message, "message", "", "why, and what to use instead")
	c.Flags().BoolVar(&undo, "undo", false, "clear the deprecation")
	c.Flags().StringVar(&reg, "registry", "", "deprecate on this registry instead of the local store")
	c.Flags().StringVar(&token, "token", "", "the registry's publish token (default $WEFT_REGISTRY_TOKEN)")
	return c
}

func newPkgYankCmd(e *env) *cobra.Command {
	var undo bool
	var reg, token string
	c := versionCmd(e, "yank ID@VERSION", "Yank a version: no new resolution picks it (lockfiles naming it still run)", true,
		func(c *cobra.Command, st *store.Store, tenant, id, version string) error {
			if ok, err := onRegistry(c, e, reg, token, id, version, yesNo(undo, "no longer yanked", "yanked"), func(cl *registry.Client) error {
				return cl.Yank(c.Context(), id, version, !undo)
			}); ok {
				return err
			}
			if err := st.Yank(c.Context(), tenant, id, version, !undo); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s %s: %s\n", id, version, yesNo(undo, "no longer yanked", "yanked"))
			return nil
		})
	c.Flags().BoolVar(&undo, "undo", false, "un-yank")
	c.Flags().StringVar(&reg, "registry", "", "yank on this registry instead of the local store")
	c.Flags().StringVar(&token, "token", "", "the registry's publish token (default $WEFT_REGISTRY_TOKEN)")
	return c
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
