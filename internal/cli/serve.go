// `weft serve` and `weft admin`: the platform server on a database under
// $WEFT_HOME (SQLite) or PostgreSQL, and the operator's offline commands
// on the same database (tenants, tokens).

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server"
	"github.com/weft-dev/weft/internal/server/db"
)

// databaseDSN turns --database into a DSN: "sqlite" (the default) is
// $WEFT_HOME/server.db.
func databaseDSN(flag string) string {
	if flag == "" || flag == "sqlite" {
		return filepath.Join(weft.DefaultHome(), "server.db")
	}
	return flag
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openDatabase(ctx context.Context, flag string) (db.Store, error) {
	dsn := databaseDSN(flag)
	if !isPostgres(dsn) {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, err
		}
	}
	st, err := db.Open(ctx, dsn)
	if err != nil {
		return nil, &exitError{code: ExitBadInput, err: fmt.Errorf("--database: %w", err)}
	}
	return st, nil
}

func newServeCmd(e *env) *cobra.Command {
	var (
		addr, database, engine, baseURL string
		allowPrivate, requireSigs       bool
		cfg                             server.Config
		durable                         durableFlags
	)
	c := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--database sqlite|postgres://...] [--engine embedded|temporal]",
		Short: "Run the weft server: tenants, custom nodes, workflows, runs and live events over HTTP",
		Long: "Serve the HTTP API of docs/server.md for many tenants. State lives in --database: SQLite\n" +
			"at $WEFT_HOME/server.db by default, or PostgreSQL (postgres://...), which several weft serve\n" +
			"processes can share. On first start it prints a one-time admin token.\n\n" +
			"HttpRequest nodes may not reach loopback, private, link-local or metadata addresses unless\n" +
			"--http-allow-private is given (or the tenant was created with http_allow_private).",
		Example: "  weft serve\n" +
			"  weft serve --addr 0.0.0.0:8080 --database postgres://weft@db/weft --base-url https://weft.example.com",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			switch engine {
			case "embedded":
				if durable.address != "" {
					return badInput("--temporal %s: needs --engine temporal", durable.address)
				}
			case "temporal":
				if e.durable == nil {
					return errNoDurable("--engine temporal")
				}
				if durable.address == "" {
					return badInput("--engine temporal: --temporal HOST:PORT is required")
				}
				run, closeRun, err := e.durableRun(ctx, &durable)
				if err != nil {
					return err
				}
				defer closeRun()
				cfg.Run = run
			default:
				return badInput("--engine: expected embedded or temporal, found %q", engine)
			}
			st, err := openDatabase(ctx, database)
			if err != nil {
				return err
			}
			defer st.Close()
			logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			ec := e.engineConfig(true)
			ec.PersistentCache = false // the server's cache.* stays in its memory
			ec.Logger = logger
			ec.HTTP.PublicOnly = !allowPrivate
			ec.HTTP.PrivateAllowed = server.PrivateAllowed(st)
			ec.Secrets = server.Secrets(st)
			eng, err := weft.New(ctx, ec)
			if err != nil {
				return err
			}
			defer eng.Close()
			cfg.Store, cfg.Engine, cfg.Logger, cfg.BaseURL = st, eng, logger, baseURL
			cfg.SingleServer = !isPostgres(databaseDSN(database))
			cfg.RequireSignatures = requireSigs || envTrue("WEFT_REQUIRE_SIGNATURES")
			srv, err := server.New(ctx, cfg)
			if err != nil {
				return err
			}
			token, err := server.Bootstrap(ctx, st)
			if err != nil {
				return fmt.Errorf("%w: making the admin token: %w", weft.ErrInternal, err)
			}
			if token != "" {
				fmt.Fprintf(e.stdout, "admin token (shown once, keep it): %s\n", token)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return badInput("--addr %s: %v", addr, err)
			}
			if err := srv.Start(ctx); err != nil {
				return fmt.Errorf("%w: %w", weft.ErrInternal, err)
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
				IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
			logger.Info("weft serve listening", "addr", "http://"+ln.Addr().String(), "database", redactDSN(databaseDSN(database)), "server", srv.ID())
			fmt.Fprintf(e.stdout, "listening on http://%s\n", ln.Addr())
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			select {
			case err := <-errc:
				srv.Shutdown(context.Background())
				return err
			case <-ctx.Done():
			}
			logger.Info("shutting down: no new requests; running runs get the grace period", "grace", cfg.ShutdownGrace)
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			hsDone := make(chan struct{})
			go func() { hs.Shutdown(sctx); close(hsDone) }()
			if err := srv.Shutdown(context.Background()); err != nil {
				return err
			}
			select {
			case <-hsDone:
			case <-time.After(time.Second):
				hs.Close()
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "the address to listen on")
	f.StringVar(&database, "database", "sqlite", "sqlite ($WEFT_HOME/server.db), a SQLite file path, or a postgres:// URL")
	f.StringVar(&engine, "engine", "embedded", "where runs execute: embedded (in this process) or temporal (on the cluster --temporal names, whose weft workers run the nodes)")
	durable.add(c, "with --engine temporal: the Temporal frontend, HOST:PORT")
	f.StringVar(&baseURL, "base-url", "", "the server's public URL, for webhook URLs (default: from each request)")
	f.BoolVar(&allowPrivate, "http-allow-private", false, "let HttpRequest nodes of every tenant reach loopback and private addresses")
	f.BoolVar(&requireSigs, "require-signatures", false, "refuse package uploads that no key the tenant trusts signed")
	f.IntVar(&cfg.Workers, "workers", 64, "runs executing at once on this server")
	f.IntVar(&cfg.TenantConcurrency, "tenant-concurrency", 16, "runs of one tenant executing at once on this server")
	f.Float64Var(&cfg.TenantRate, "tenant-rate", 200, "runs one tenant may start per second (429 beyond)")
	f.IntVar(&cfg.TenantBurst, "tenant-burst", 400, "runs one tenant may start at once before --tenant-rate applies")
	f.DurationVar(&cfg.RunTimeout, "run-timeout", time.Hour, "the longest a run may take")
	f.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 30*time.Second, "how long running runs may finish after SIGTERM before they end interrupted")
	f.DurationVar(&cfg.Lease, "lease", 15*time.Second, "how long another server waits before taking over the runs of a server that stopped (PostgreSQL)")
	return c
}

// redactDSN hides a password in a database URL.
func redactDSN(dsn string) string {
	if at := strings.Index(dsn, "@"); at > 0 && isPostgres(dsn) {
		if colon := strings.LastIndex(dsn[:at], ":"); colon > strings.Index(dsn, "://")+2 {
			return dsn[:colon] + ":***" + dsn[at:]
		}
	}
	return dsn
}

func newAdminCmd(e *env) *cobra.Command {
	var database string
	c := &cobra.Command{
		Use:   "admin",
		Short: "Manage the server's tenants and tokens, offline, on its database",
	}
	c.PersistentFlags().StringVar(&database, "database", "sqlite", "the server's database: sqlite ($WEFT_HOME/server.db), a file, or a postgres:// URL")

	token := &cobra.Command{Use: "token", Short: "Create tokens"}
	var admin bool
	var tenant, role, name string
	create := &cobra.Command{
		Use:   "create --admin | --tenant T --role owner|developer|runner|viewer [--name N]",
		Short: "Create a token and print it (it is shown this once)",
		Example: "  weft admin token create --admin --name ops\n" +
			"  weft admin token create --tenant acme --role owner --name alice",
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if admin == (tenant != "") {
				return badInput("%s: expected either --admin or --tenant T --role R", c.CommandPath())
			}
			if admin {
				role = db.RoleAdmin
			} else if role == "" {
				return badInput("%s: --role is required with --tenant (owner, developer, runner or viewer)", c.CommandPath())
			}
			st, err := openDatabase(c.Context(), database)
			if err != nil {
				return err
			}
			defer st.Close()
			t, err := server.CreateToken(c.Context(), st, tenant, role, name)
			if err != nil {
				return adminErr(err)
			}
			fmt.Fprintln(e.stdout, t.Token)
			fmt.Fprintf(e.stderr, "token %s (role %s) created; it is shown this once\n", t.ID, t.Role)
			return nil
		},
	}
	create.Flags().BoolVar(&admin, "admin", false, "an admin token (manages tenants)")
	create.Flags().StringVar(&tenant, "tenant", "", "the tenant the token belongs to")
	create.Flags().StringVar(&role, "role", "", "owner, developer, runner or viewer")
	create.Flags().StringVar(&name, "name", "", "a name for the token, shown in listings and runs")
	token.AddCommand(create)

	tenantCmd := &cobra.Command{Use: "tenant", Short: "Create tenants"}
	var approval, private bool
	var tname string
	tcreate := &cobra.Command{
		Use:     "create T [--require-approval] [--name NAME]",
		Short:   "Create a tenant",
		Example: "  weft admin tenant create acme --require-approval",
		Args:    exactArgs(1, "the tenant id"),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := openDatabase(c.Context(), database)
			if err != nil {
				return err
			}
			defer st.Close()
			t, err := server.CreateTenant(c.Context(), st, apiTenant(args[0], tname, approval, private))
			if err != nil {
				return adminErr(err)
			}
			fmt.Fprintf(e.stdout, "tenant %s created\n", t.ID)
			return nil
		},
	}
	tcreate.Flags().BoolVar(&approval, "require-approval", false, "activating a custom node needs an owner")
	tcreate.Flags().BoolVar(&private, "http-allow-private", false, "let this tenant's HttpRequest nodes reach private addresses")
	tcreate.Flags().StringVar(&tname, "name", "", "a display name")
	tenantCmd.AddCommand(tcreate)
	c.AddCommand(token, tenantCmd)
	return c
}

// adminErr makes the server's client errors exit 2.
func adminErr(err error) error {
	if errors.Is(err, db.ErrExists) || strings.Contains(err.Error(), "expected") || strings.Contains(err.Error(), "no tenant") {
		return &exitError{code: ExitBadInput, err: err}
	}
	return err
}

func apiTenant(id, name string, approval, private bool) api.CreateTenant {
	return api.CreateTenant{ID: id, Name: name, RequireApproval: approval, HTTPAllowPrivate: private}
}
