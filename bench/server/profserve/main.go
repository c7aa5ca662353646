// Command profserve is `weft serve` for profiling: the same server, set up
// as internal/cli/serve.go sets it up (embedded engine, engine journal off,
// the server's events through its group committer into the database),
// plus net/http/pprof on a second loopback listener. bench/server/run.sh
// runs it instead of `weft serve` when PROFILE=DIR is set, and takes CPU,
// mutex and block profiles during each phase:
//
//	go build -o /tmp/profserve ./bench/server/profserve
//	/tmp/profserve --addr 127.0.0.1:0 --pprof 127.0.0.1:0 --tenant-rate 1e6 --tenant-burst 1000000
//	go tool pprof -top /tmp/profserve http://PPROF/debug/pprof/profile?seconds=20
//
// It prints the same two lines as `weft serve` on stdout ("admin token
// (shown once, keep it): ..." on a fresh database, "listening on
// http://ADDR"), and "pprof on http://ADDR".
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/server"
	"github.com/weft-dev/weft/internal/server/db"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "profserve:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg server.Config
	addr := flag.String("addr", "127.0.0.1:8080", "the API's address")
	pprofAddr := flag.String("pprof", "127.0.0.1:0", "net/http/pprof's address (loopback)")
	database := flag.String("database", "sqlite", "sqlite ($WEFT_HOME/server.db), a file, or a postgres:// URL")
	flag.IntVar(&cfg.Workers, "workers", 64, "as weft serve")
	flag.IntVar(&cfg.TenantConcurrency, "tenant-concurrency", 16, "as weft serve")
	flag.Float64Var(&cfg.TenantRate, "tenant-rate", 200, "as weft serve")
	flag.IntVar(&cfg.TenantBurst, "tenant-burst", 400, "as weft serve")
	flag.DurationVar(&cfg.ShutdownGrace, "shutdown-grace", 30*time.Second, "as weft serve")
	mutexFrac := flag.Int("mutex-fraction", 0, "runtime.SetMutexProfileFraction (0: no mutex profile)")
	blockRate := flag.Int("block-rate", 0, "runtime.SetBlockProfileRate in ns (0: no block profile)")
	flag.Parse()
	runtime.SetMutexProfileFraction(*mutexFrac)
	runtime.SetBlockProfileRate(*blockRate)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dsn := *database
	if dsn == "sqlite" {
		home := os.Getenv("WEFT_HOME")
		if home == "" {
			home = weft.DefaultHome()
		}
		dsn = filepath.Join(home, "server.db")
	}
	st, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	eng, err := weft.New(ctx, weft.Config{NoJournal: true, Logger: logger, Secrets: server.Secrets(st),
		HTTP: weft.HTTPPolicy{PublicOnly: true, PrivateAllowed: server.PrivateAllowed(st)}})
	if err != nil {
		return err
	}
	defer eng.Close()
	cfg.Store, cfg.Engine, cfg.Logger = st, eng, logger
	cfg.SingleServer = !strings.HasPrefix(dsn, "postgres")
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	token, err := server.Bootstrap(ctx, st)
	if err != nil {
		return err
	}
	if token != "" {
		fmt.Printf("admin token (shown once, keep it): %s\n", token)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	pln, err := net.Listen("tcp", *pprofAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go http.Serve(pln, mux)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	fmt.Printf("pprof on http://%s\n", pln.Addr())
	fmt.Printf("listening on http://%s\n", ln.Addr())
	go hs.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	return srv.Shutdown(context.Background())
}
