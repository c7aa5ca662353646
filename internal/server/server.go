// Package server is `weft serve`: weft on the network for many tenants.
// Tenants upload custom nodes, keep versioned workflows, start runs and
// watch them live over the HTTP API of docs/server.md (docs/openapi.json).
// It is a client of the root embedding API (weft.Engine) like the command
// line, and keeps its state behind db.Store (SQLite or PostgreSQL).
//
//	st, _ := db.Open(ctx, "server.db")
//	eng, _ := weft.New(ctx, weft.Config{NoJournal: true, Secrets: server.Secrets(st)})
//	srv, _ := server.New(ctx, server.Config{Store: st, Engine: eng})
//	srv.Start(ctx)
//	http.Serve(listener, srv.Handler())
//	srv.Shutdown(ctx)
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
	"github.com/weft-dev/weft/internal/ui"
)

// Config configures a Server. Zero values take the defaults named.
type Config struct {
	// Store is the server's database. Required.
	Store db.Store
	// Engine runs the workflows. Required; the server never closes it.
	Engine *weft.Engine
	// Run runs one run of a compiled workflow: default wf.Run, in this
	// process. `weft serve --engine temporal` passes the Temporal engine's,
	// which starts the run on the cluster, brings its events back into the
	// journal as they are recorded, and cancels it there when the run's
	// context ends (a cancel through the API, a shutdown).
	Run func(ctx context.Context, wf *weft.Workflow, o weft.RunOptions) (*weft.Result, error)
	// Logger receives request and run diagnostics. Default: discard.
	Logger *slog.Logger
	// BaseURL is the server's public URL, for webhook URLs. Default:
	// the request's scheme and host.
	BaseURL string
	// SingleServer says no other server shares Store (SQLite): at start
	// the server takes over every run left running at once, instead of
	// waiting for their leases to lapse.
	SingleServer bool

	// Workers bounds the runs executing at once on this server. Default 64.
	Workers int
	// TenantConcurrency bounds one tenant's runs executing at once on this
	// server; more wait in the queue. Default 16.
	TenantConcurrency int
	// TenantRate and TenantBurst limit how fast one tenant starts runs
	// (429 with Retry-After beyond). Default 200/s, burst 400.
	TenantRate  float64
	TenantBurst int
	// RunTimeout ends a run that runs longer (status failure). Default 1h.
	RunTimeout time.Duration
	// Lease is how long a claimed run stays this server's without renewal;
	// another server takes over a run whose lease lapsed. Default 15s.
	Lease time.Duration
	// Poll is how often the queue, leases and schedules are looked at.
	// Default 500ms.
	Poll time.Duration
	// ShutdownGrace is how long Shutdown lets running runs finish before
	// ending them interrupted. Default 30s.
	ShutdownGrace time.Duration

	// RequireSignatures refuses package uploads that no key the tenant
	// trusts signed.
	RequireSignatures bool

	// MaxBody bounds JSON and YAML request bodies. Default 1 MiB.
	MaxBody int64
	// MaxPackage bounds package uploads. Default 64 MiB.
	MaxPackage int64
	// RequestTimeout bounds a request that is not a stream or a waiting
	// run. Default 30s.
	RequestTimeout time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Workers, 64)
	def(&c.TenantConcurrency, 16)
	def(&c.TenantBurst, 400)
	if c.TenantRate <= 0 {
		c.TenantRate = 200
	}
	defD(&c.RunTimeout, time.Hour)
	defD(&c.Lease, 15*time.Second)
	defD(&c.Poll, 500*time.Millisecond)
	defD(&c.ShutdownGrace, 30*time.Second)
	defD(&c.RequestTimeout, 30*time.Second)
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxPackage <= 0 {
		c.MaxPackage = 64 << 20
	}
}

// Server is the HTTP API and the run executor of one `weft serve` process.
type Server struct {
	cfg   Config
	st    db.Store
	eng   *weft.Engine
	log   *slog.Logger
	id    string // this process, as the owner of the runs it claims
	pkgs  *packageSource
	hub   *hub
	out   *committer
	exec  *executor
	cache *workflowCache
	rates *rateLimits
	sched *scheduler

	handler http.Handler

	mu       sync.Mutex
	started  bool
	stopping bool
	stop     context.CancelFunc
	loops    sync.WaitGroup
}

// New returns a server over cfg.Store and cfg.Engine; Start starts its
// background work.
//
// # Errors
//
// A Config without Store or Engine.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Engine == nil {
		return nil, errors.New("server: Config.Store and Config.Engine are required")
	}
	cfg.defaults()
	s := &Server{cfg: cfg, st: cfg.Store, eng: cfg.Engine, log: cfg.Logger, id: "srv-" + randomHex(8)}
	s.pkgs = &packageSource{st: s.st}
	s.hub = newHub()
	s.out = newCommitter(s.st, s.hub, s.log)
	s.exec = newExecutor(s)
	s.cache = newWorkflowCache(512)
	s.rates = newRateLimits(cfg.TenantRate, cfg.TenantBurst)
	s.sched = newScheduler(s)
	apiHandler := s.routes()
	web := ui.New(ui.Config{API: apiHandler, Logger: s.log})
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, api.Base+"/") || r.URL.Path == api.Base || strings.HasPrefix(r.URL.Path, "/hooks/") {
			apiHandler.ServeHTTP(w, r)
			return
		}
		web.ServeHTTP(w, r) // the web UI, a client of the API above
	})
	return s, nil
}

// ID returns this server process's id, the owner of the runs it claims.
func (s *Server) ID() string { return s.id }

// Handler returns the HTTP handler of the API (and the web UI).
func (s *Server) Handler() http.Handler { return s.handler }

// Start starts the background work: executing queued runs, renewing
// leases, taking over runs whose server died, and firing schedules. It
// returns at once; Shutdown stops it.
//
// # Errors
//
// Start fails if the runs left by a previous process cannot be looked at.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("server: started twice")
	}
	s.started = true
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Unlock()
	s.out.start()
	if s.cfg.SingleServer {
		// No other server can hold a run: every running one is a previous
		// process's, whatever its lease says.
		if err := s.exec.recover(ctx, time.Now().Add(100*365*24*time.Hour)); err != nil {
			return err
		}
	}
	s.loop(ctx, s.exec.dispatchLoop)
	s.loop(ctx, s.exec.leaseLoop)
	s.loop(ctx, s.sched.loop)
	return nil
}

func (s *Server) loop(ctx context.Context, fn func(context.Context)) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		fn(ctx)
	}()
}

// Shutdown stops taking runs, lets running runs finish for
// Config.ShutdownGrace (or until ctx is done), ends the rest interrupted,
// and writes everything out. The caller shuts its http.Server down first.
//
// # Errors
//
// Writing the last events or run ends failed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.stopping || !s.started {
		s.mu.Unlock()
		return nil
	}
	s.stopping = true
	s.mu.Unlock()
	s.stop()
	s.loops.Wait()
	grace, cancel := context.WithTimeout(ctx, s.cfg.ShutdownGrace)
	defer cancel()
	s.exec.drain(grace)
	return s.out.close()
}

func (s *Server) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
