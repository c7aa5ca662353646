// `weft registry serve` and the registry side of `weft pkg`: publish,
// search, and fetching packages by URL or ID@VERSION.

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/registry"
)

func registryURL(flag string) (string, error) {
	u := flag
	if u == "" {
		u = os.Getenv("WEFT_REGISTRY")
	}
	if u == "" {
		return "", badInput("no registry: give --registry URL or set WEFT_REGISTRY")
	}
	return strings.TrimRight(u, "/"), nil
}

// fetchFromRegistry downloads ID[@VERSION] from the registry.
func fetchFromRegistry(ctx context.Context, e *env, f *installFlags, ref string) (*fetched, error) {
	u, err := registryURL(f.registry)
	if err != nil {
		return nil, err
	}
	cl := &registry.Client{URL: u}
	info, err := cl.Info(ctx)
	if err != nil {
		return nil, err
	}
	id, constraint := splitRef(ref)
	data, sig, v, err := cl.Download(ctx, id, constraint)
	if err != nil {
		return nil, err
	}
	return &fetched{data: data, sig: sig, source: u + "/" + id + "@" + v.Version, requireSig: info.RequireSignatures}, nil
}

// maxDownload bounds a package fetched by URL.
var maxDownload = pkgfile.DefaultLimits.MaxTotal

// fetchURL downloads a .weftpkg, and URL.minisig when the server has it.
// Plain http is accepted only for loopback hosts (tests, local mirrors).
func fetchURL(ctx context.Context, f *installFlags, raw string) (*fetched, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, badInput("%s: %v", raw, err)
	}
	if u.Scheme == "http" && !registry.Loopback(u.Hostname()) {
		return nil, badInput("%s: packages are fetched over https:// (plain http only from loopback addresses)", raw)
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
	}}
	get := func(target string) ([]byte, int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, 0, fmt.Errorf("%s is unreachable: %w", target, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, resp.StatusCode, fmt.Errorf("%s: %s", target, resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", target, err)
		}
		if int64(len(data)) > maxDownload {
			return nil, 0, fmt.Errorf("%s: over the %d-byte package limit", target, maxDownload)
		}
		return data, resp.StatusCode, nil
	}
	data, _, err := get(raw)
	if err != nil {
		return nil, badInput("%v; nothing was installed", err)
	}
	var sig []byte
	if f.signature != "" {
		if sig, err = os.ReadFile(f.signature); err != nil {
			return nil, badInput("--signature: %v", err)
		}
	} else {
		s, code, err := get(raw + ".minisig")
		switch {
		case err == nil:
			sig = s
		case code == http.StatusNotFound:
		default:
			return nil, badInput("fetching the signature: %v", err)
		}
	}
	return &fetched{data: data, sig: sig, source: raw}, nil
}

func newPkgPublishCmd(e *env) *cobra.Command {
	var reg, token, sigFile string
	c := &cobra.Command{
		Use:   "publish FILE.weftpkg|MODULE.wasm --registry URL",
		Short: "Publish a package file, or a bare module with its manifest, to a registry",
		Long: "Publishes FILE.weftpkg (with FILE.weftpkg.minisig when present). Given MODULE.wasm instead, it\n" +
			"finds the manifest (MODULE.toml or manifest.toml beside it, else the nearest parent folder's\n" +
			"manifest.toml whose wasm = names that file), builds the .weftpkg as `weft pkg build --no-build`\n" +
			"would, and publishes that (signed only with --signature).\n\n" +
			"The registry's publish token comes from --token or $WEFT_REGISTRY_TOKEN.",
		Args: exactArgs(1, "one .weftpkg file or .wasm module"),
		RunE: func(c *cobra.Command, args []string) error {
			u, err := registryURL(reg)
			if err != nil {
				return err
			}
			if token == "" {
				token = os.Getenv("WEFT_REGISTRY_TOKEN")
			}
			var data []byte
			if strings.HasSuffix(args[0], ".wasm") {
				if data, err = packWasm(c.Context(), e, args[0]); err != nil { // pkg_publish_module.go
					return err
				}
			} else if data, err = os.ReadFile(args[0]); err != nil {
				return badInput("%v", err)
			}
			if sigFile == "" && !strings.HasSuffix(args[0], ".wasm") {
				sigFile = args[0] + ".minisig"
			}
			sig, err := readSignature(sigFile)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return badInput("%v", err)
			}
			p, err := (&registry.Client{URL: u, Token: token}).Publish(c.Context(), data, sig)
			if err != nil {
				return pkgError(err)
			}
			fmt.Fprintf(e.stdout, "published %s %s (%s) to %s%s\n", p.ID, p.Version, p.Digest, u, yesNo(p.Signed, ", signed", ", unsigned"))
			return nil
		},
	}
	c.Flags().StringVar(&reg, "registry", "", "the registry URL (default $WEFT_REGISTRY)")
	c.Flags().StringVar(&token, "token", "", "the publish token (default $WEFT_REGISTRY_TOKEN)")
	c.Flags().StringVar(&sigFile, "signature", "", "the signature file (default FILE.minisig when it exists)")
	return c
}

// readSignature reads a signature file; "" reads none.
func readSignature(file string) ([]byte, error) {
	if file == "" {
		return nil, os.ErrNotExist
	}
	return os.ReadFile(file)
}

func newPkgSearchCmd(e *env) *cobra.Command {
	var reg, output string
	c := &cobra.Command{
		Use:   "search [QUERY] --registry URL",
		Short: "Search a registry's packages",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			u, err := registryURL(reg)
			if err != nil {
				return err
			}
			q := ""
			if len(args) == 1 {
				q = args[0]
			}
			if err := checkOutput(output); err != nil {
				return err
			}
			pkgs, err := (&registry.Client{URL: u}).Search(c.Context(), q)
			if err != nil {
				return pkgError(err)
			}
			if output == "json" {
				if pkgs == nil {
					pkgs = []registry.PackageSummary{}
				}
				return writeJSON(e, pkgs)
			}
			for _, p := range pkgs {
				fmt.Fprintf(e.stdout, "%s %s: %s\n", p.ID, p.Latest, p.Description)
			}
			return nil
		},
	}
	c.Flags().StringVar(&reg, "registry", "", "the registry URL (default $WEFT_REGISTRY)")
	c.Flags().StringVar(&output, "output", "text", "text or json")
	return c
}

func newRegistryCmd(e *env) *cobra.Command {
	var addr, home, tokens string
	var requireSigs bool
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve a package registry over HTTP",
		Long: "Serves the registry API (publish with a token, list, search, show, download) backed by a\n" +
			"package store under --home (default $WEFT_HOME). Publish tokens come from --tokens or\n" +
			"$WEFT_REGISTRY_TOKENS (comma-separated); without any, publishing is disabled. With\n" +
			"--require-signatures, only packages signed by a key in the registry's trust store\n" +
			"(HOME/trust, `weft trust add`) are accepted, and clients require signatures too.\n" +
			"Prints \"listening on http://ADDR\" once it accepts connections.",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			cfg := e.engineConfig(true)
			cfg.Home = home
			eng, err := weft.New(ctx, cfg)
			if err != nil {
				return err
			}
			defer eng.Close()
			st, err := enginex.Packages(ctx, eng)
			if err != nil {
				return err
			}
			if tokens == "" {
				tokens = os.Getenv("WEFT_REGISTRY_TOKENS")
			}
			var toks []string
			for _, t := range strings.Split(tokens, ",") {
				if t = strings.TrimSpace(t); t != "" {
					toks = append(toks, t)
				}
			}
			trust := eng.TrustStore()
			h := registry.NewServer(registry.ServerConfig{
				Store: st, Tokens: toks, RequireSignatures: requireSigs,
				Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
				Check: func(ctx context.Context, data []byte) error {
					p, err := pkgfile.LoadArchive("package", bytes.NewReader(data))
					if err != nil {
						return err
					}
					_, err = eng.CheckPackage(ctx, p)
					return err
				},
				Verify: func(data, sig []byte) (string, error) {
					k, err := trust.Verify(data, sig)
					return k.ID, err
				},
			})
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return badInput("--addr: %v", err)
			}
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(e.stdout, "listening on http://%s\n", ln.Addr())
			if f, ok := e.stdout.(*os.File); ok {
				f.Sync()
			}
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				srv.Shutdown(sctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	serve.Flags().StringVar(&addr, "addr", "127.0.0.1:8700", "the address to listen on")
	serve.Flags().StringVar(&home, "home", "", "the registry's weft home (default $WEFT_HOME)")
	serve.Flags().StringVar(&tokens, "tokens", "", "comma-separated publish tokens (default $WEFT_REGISTRY_TOKENS)")
	serve.Flags().BoolVar(&requireSigs, "require-signatures", false, "accept only packages signed by a trusted key")
	c := &cobra.Command{Use: "registry", Short: "Run a package registry"}
	c.AddCommand(serve)
	return c
}
