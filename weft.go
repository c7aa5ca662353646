// Package weft runs workflows: behavior trees written in YAML whose nodes are
// built in, inline scripts, or custom nodes compiled to WebAssembly.
//
// Embedding weft takes three calls:
//
//	eng, err := weft.New(ctx, weft.Config{})        // built-in nodes, journal under $WEFT_HOME
//	wf, err := eng.LoadFile("flow.yaml")            // parse, validate, compile once
//	res, err := wf.Run(ctx, weft.RunOptions{Inputs: map[string]any{"n": 3}})
//
// A Workflow may run many times, concurrently; each run gets its own
// instance of the tree and its own blackboard.
package weft

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/builtin"
	"github.com/weft-dev/weft/internal/enginex"
	"github.com/weft-dev/weft/internal/event"
	"github.com/weft-dev/weft/internal/journal"
	"github.com/weft-dev/weft/internal/netguard"
	"github.com/weft-dev/weft/internal/store"
	"github.com/weft-dev/weft/internal/wasmhost"
	"github.com/weft-dev/weft/internal/workflow"
)

// Event is one thing that happened in a run (a node started or finished, a
// log line, a host call); see RunOptions.Events.
type Event = event.Event

// Config configures an Engine. The zero value is usable.
type Config struct {
	// Home is where weft keeps its state (the run journal, packages, caches).
	// Default: $WEFT_HOME, else ~/.weft.
	Home string
	// NoJournal disables recording runs in the journal under Home.
	NoJournal bool
	// HTTP restricts the built-in HttpRequest node. The zero value lets
	// workflow authors reach any address, loopback included.
	HTTP HTTPPolicy
	// Logger receives the engine's own diagnostics. Default: discard.
	Logger *slog.Logger
	// HostCallsPerSecond limits custom nodes' host calls per tenant and
	// package (limit_exceeded beyond). Zero: no limit.
	HostCallsPerSecond float64
	// CacheBytesPerPackage caps cache.* per tenant and package. Zero: 64 MiB.
	CacheBytesPerPackage int64
	// PersistentCache keeps cache.* in an SQLite database, Home/cache.db,
	// so that values outlive the process and every process using Home
	// shares them (same TTLs and caps). False: in this engine's memory, as
	// the server keeps it. The weft command line sets it.
	PersistentCache bool
	// PackageConfig is the operator's configuration of each package, by
	// package id: the "config" object a package's optional weft_init export
	// receives once per instance (docs/abi.md, Lifecycle). A package with no
	// entry gets {}.
	PackageConfig map[string]map[string]any
	// StorageBytesPerPackage caps storage.* per tenant and package. Zero:
	// DefaultStorageBytesPerPackage (256 MiB); negative: no quota.
	StorageBytesPerPackage int64
	// Secrets, when set, is where oauth.token finds each tenant's tokens
	// (the server keeps them in its database). Default: files under Home,
	// per tenant (see `weft secrets --tenant`).
	Secrets SecretSource
	// RequireSignatures refuses to install packages that are not signed by
	// a key in the trust store. False: unsigned packages install with a
	// warning.
	RequireSignatures bool
	// Python configures PythonInterpreter.
	Python PythonConfig
	// MaxScriptTimeout is the longest `timeout` a PythonInterpreter or
	// JavaScriptInterpreter node may ask for; a workflow asking for more
	// is invalid (a literal when it loads, a template when the node runs).
	// Zero: 5 minutes, the longest timeout tier.
	MaxScriptTimeout time.Duration
}

// HTTPPolicy is the operator's restriction on the built-in HttpRequest node,
// for servers where tenants write workflows.
type HTTPPolicy struct {
	// PublicOnly refuses loopback, private, link-local and metadata
	// addresses, checked on the resolved address of every connection.
	PublicOnly bool
	// AllowedHosts, when not empty, lists the only host names requests may
	// go to: exact names, or "*.example.com" for any subdomain.
	AllowedHosts []string
	// PrivateAllowed, when set with PublicOnly, names the tenants whose
	// runs may still reach private addresses (the server's per-tenant
	// policy). It is called once per request.
	PrivateAllowed func(tenant string) bool
}

// Sentinel errors callers branch on.
var (
	// ErrInvalid wraps every error caused by bad input: an invalid workflow,
	// an unknown node type, a bad input value.
	ErrInvalid = errors.New("invalid input")
	// ErrInternal wraps errors that are bugs in weft.
	ErrInternal = bt.ErrInternal
)

// Engine loads and runs workflows. It is safe for concurrent use.
type Engine struct {
	cfg     Config
	reg     *bt.Registry
	svc     *bt.Services
	journal *journal.Journal

	syntaxCache sync.Map // inline scripts' syntax verdicts (scripts.go)

	pkgMu sync.RWMutex
	host  *wasmhost.Host
	pkgs  map[string][]*loadedPackage // added with AddPackage, by package id
	// goNodes are the types RegisterNode added (guarded by pkgMu).
	goNodes map[string]bool
	stored  map[string]*loadedPackage // installed packages loaded so far, by digest
	store   *store.Store
	// cacheDB is the persistent cache when Config.PersistentCache is set
	// (opened with the WebAssembly host, guarded by pkgMu).
	cacheDB io.Closer

	scripts []*lazyRunner

	dbMu    sync.Mutex
	stateDB *journal.Journal // node state and packages when runs are not journaled
}

// New returns an engine with the built-in node types.
//
// # Errors
//
// The journal database cannot be opened.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Home == "" {
		cfg.Home = DefaultHome()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxScriptTimeout < 0 {
		return nil, fmt.Errorf("weft: MaxScriptTimeout must not be negative, found %s", cfg.MaxScriptTimeout)
	}
	e := &Engine{cfg: cfg, reg: builtin.Registry(), pkgs: map[string][]*loadedPackage{}, stored: map[string]*loadedPackage{}}
	guard := netguard.Policy{DenyPrivate: cfg.HTTP.PublicOnly, AllowedHosts: cfg.HTTP.AllowedHosts}
	py, js := e.scriptRunners()
	e.scripts = []*lazyRunner{py, js}
	e.svc = &bt.Services{HTTPClient: &http.Client{Transport: guard.Transport(), CheckRedirect: guard.CheckRedirect},
		Python: py, JavaScript: js, MaxScriptTimeout: cfg.MaxScriptTimeout}
	if cfg.HTTP.PublicOnly && cfg.HTTP.PrivateAllowed != nil {
		open := netguard.Policy{AllowedHosts: cfg.HTTP.AllowedHosts}
		private := &http.Client{Transport: open.Transport(), CheckRedirect: open.CheckRedirect}
		public, allowed := e.svc.HTTPClient, cfg.HTTP.PrivateAllowed
		e.svc.HTTPClientFor = func(tenant string) *http.Client {
			if allowed(tenant) {
				return private
			}
			return public
		}
	}
	if !cfg.NoJournal {
		j, err := journal.Open(ctx, filepath.Join(cfg.Home, "weft.db"))
		if err != nil {
			return nil, fmt.Errorf("opening the run journal: %w", err)
		}
		e.journal = j
	}
	return e, nil
}

// DefaultHome returns $WEFT_HOME, or ~/.weft.
func DefaultHome() string {
	if h := os.Getenv("WEFT_HOME"); h != "" {
		return h
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".weft")
	}
	return ".weft"
}

// Home returns the engine's state directory.
func (e *Engine) Home() string { return e.cfg.Home }

func init() {
	// weft's own commands reach these through internal/enginex; the
	// public API returns no internal type.
	enginex.Registry = func(e any) *bt.Registry { return e.(*Engine).reg }
	enginex.CustomSpecs = func(e any) []*bt.Spec { return e.(*Engine).customSpecs() }
	enginex.Journal = func(e any) *journal.Journal { return e.(*Engine).journal }
	enginex.Packages = func(ctx context.Context, e any) (*store.Store, error) { return e.(*Engine).packageStore(ctx) }
	enginex.Def = func(w any) *bt.Def { return w.(*Workflow).wf.Root }
}

// Close releases the journal and the WebAssembly host.
func (e *Engine) Close() error {
	var errs []error
	e.pkgMu.Lock()
	for _, list := range e.pkgs {
		for _, lp := range list {
			lp.pkg.Close(context.Background())
		}
	}
	for _, lp := range e.stored {
		lp.pkg.Close(context.Background())
	}
	if e.host != nil {
		errs = append(errs, e.host.Close(context.Background()))
	}
	if e.cacheDB != nil {
		errs = append(errs, e.cacheDB.Close())
	}
	e.pkgMu.Unlock()
	for _, r := range e.scripts {
		errs = append(errs, r.Close())
	}
	if e.journal != nil {
		errs = append(errs, e.journal.Close())
	}
	if e.stateDB != nil {
		errs = append(errs, e.stateDB.Close())
	}
	return errors.Join(errs...)
}

// Workflow is a loaded, validated workflow, ready to run. It keeps the
// package versions it resolved when it was loaded: installing, upgrading or
// rolling back a package affects workflows loaded afterwards, never this
// one or its runs in flight.
type Workflow struct {
	eng      *Engine
	wf       *workflow.Workflow
	tenant   string
	resolved map[string]LockedPackage
	warnings []string
	src      []byte
	// trees keeps instances of the tree between runs: a run takes one (or
	// builds one) and gives it back, reset, if it ended cleanly.
	trees *bt.Pool
	// durable is the tree's definition for RunDurable (durable.go).
	durableOnce sync.Once
	durable     *bt.Def
}

// ID returns the workflow's id: its root node's id, or the file's base name.
func (w *Workflow) ID() string { return w.wf.ID }

// File returns the file the workflow was loaded from.
func (w *Workflow) File() string { return w.wf.File }

// Source returns the text the workflow was loaded from: what a durable
// engine hands to its workers, which load the same tree from it.
func (w *Workflow) Source() []byte { return slices.Clone(w.src) }

// Tenant returns the tenant the workflow was loaded for.
func (w *Workflow) Tenant() string { return w.tenant }

// Packages returns the package version each custom node type of the
// workflow resolved to, by the type name as written.
func (w *Workflow) Packages() map[string]LockedPackage { return maps.Clone(w.resolved) }

// Warnings returns what loading found worth a warning but not an error
// (a deprecated package version).
func (w *Workflow) Warnings() []string { return slices.Clone(w.warnings) }

// LoadOptions configure how a workflow is loaded.
type LoadOptions struct {
	// Tenant whose installed packages custom node types resolve to;
	// default "default". Runs of the workflow belong to this tenant.
	Tenant string
	// Lock, when set, pins every custom node type to the package digest it
	// names (see ReadLock); a type it does not name is an error.
	Lock *Lock
	// Packages, when set, is where custom node types resolve instead of the
	// engine's package store (the server keeps packages in its database).
	// With Lock, the locked digests are fetched from it.
	Packages PackageSource
}

// LoadFile reads, validates and compiles a workflow file for the default
// tenant, as LoadFileWith does.
func (e *Engine) LoadFile(path string) (*Workflow, error) {
	return e.LoadFileWith(context.Background(), path, LoadOptions{})
}

// LoadFileWith reads, validates and compiles a workflow file.
//
//	wf, err := eng.LoadFileWith(ctx, "flow.yaml", weft.LoadOptions{Tenant: "acme"})
//
// # Errors
//
// An error wrapping ErrInvalid that lists every problem as FILE:LINE:COL:
// message (a *workflow.Errors underneath), or the file's read error.
func (e *Engine) LoadFileWith(ctx context.Context, path string, o LoadOptions) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &invalidError{err}
	}
	return e.LoadWith(ctx, path, data, o)
}

// Load validates and compiles a workflow from memory for the default
// tenant; name is used in error messages.
func (e *Engine) Load(name string, src []byte) (*Workflow, error) {
	return e.LoadWith(context.Background(), name, src, LoadOptions{})
}

// LoadWith validates and compiles a workflow from memory; name is used in
// error messages.
//
// # Errors
//
// As LoadFileWith.
func (e *Engine) LoadWith(ctx context.Context, name string, src []byte, o LoadOptions) (*Workflow, error) {
	if o.Tenant == "" {
		o.Tenant = "default"
	}
	if err := store.CheckTenant(o.Tenant); err != nil {
		return nil, &invalidError{err}
	}
	r := &resolution{e: e, ctx: ctx, tenant: o.Tenant, lock: o.Lock, source: o.Packages, resolved: map[string]LockedPackage{}}
	wf, err := workflow.Load(name, src, workflow.Options{Registry: e.reg, Resolver: r.resolve, Services: e.svc,
		Syntax: func(lang, code string) *workflow.SyntaxError { return e.syntax(ctx, lang, code) }})
	if err != nil {
		return nil, &invalidError{err}
	}
	return &Workflow{eng: e, wf: wf, tenant: o.Tenant, resolved: r.resolved, warnings: r.warnings, src: slices.Clone(src),
		trees: bt.NewPool(wf.Root, wf.ID, e.svc, 0)}, nil
}

type invalidError struct{ err error }

func (e *invalidError) Error() string { return e.err.Error() }
func (e *invalidError) Unwrap() []error {
	return []error{ErrInvalid, e.err}
}

// RunOptions configure one run.
type RunOptions struct {
	// ID is the run's id; default a new ULID.
	ID string
	// Tenant owns the run; default "default".
	Tenant string
	// Inputs seed the blackboard. Values are normalised (see Result).
	Inputs map[string]any
	// Events, if set, receives every event of the run, from several
	// goroutines at once.
	Events func(Event)
}

// Result is how a run ended.
type Result struct {
	RunID string
	// Status is "success" or "failure".
	Status string
	// Blackboard holds the run's final values: nil, bool, int64, float64,
	// string, []byte, time.Time, []any and map[string]any.
	Blackboard map[string]any
	// Err says why the run failed, naming the node; nil on success.
	Err      error
	Duration time.Duration
}

// Run runs the workflow once. A workflow that ran and failed is not an
// error: it is a Result with Status "failure" and Err set.
//
// # Errors
//
// ErrInvalid for inputs that have no JSON form; an error wrapping
// ErrInternal for a bug in weft.
func (w *Workflow) Run(ctx context.Context, o RunOptions) (*Result, error) {
	o, inputs, err := w.runOptions(o)
	if err != nil {
		return nil, err
	}
	// A tree of its own for this run: reused from an earlier run, reset,
	// or built afresh. It goes back to the pool only if the run ended
	// cleanly (see bt.Tree.Reset); a cancelled or panicked run's is dropped.
	tree, err := w.trees.Get()
	if err != nil {
		return nil, &invalidError{err}
	}
	var sinks []event.Sink
	if o.Events != nil {
		sinks = append(sinks, event.SinkFunc(o.Events))
	}
	var jsink *journal.Sink
	if j := w.eng.journal; j != nil {
		err := j.BeginRun(ctx, journal.RunInfo{ID: o.ID, Workflow: w.wf.ID, File: w.wf.File, Tenant: o.Tenant,
			Status: "running", Started: time.Now(), Inputs: inputs})
		if err != nil {
			return nil, fmt.Errorf("%w: recording the run: %w", ErrInternal, err)
		}
		jsink = j.Sink(o.ID)
		sinks = append(sinks, jsink)
	}
	r := tree.Run(ctx, bt.RunOptions{ID: o.ID, Tenant: o.Tenant, Inputs: inputs, Sink: event.Multi(sinks...)})
	w.trees.Put(tree)
	res := &Result{RunID: r.RunID, Status: r.Status.String(), Blackboard: r.Blackboard, Err: r.Err, Duration: r.Duration}
	if j := w.eng.journal; j != nil {
		errText := ""
		if r.Err != nil {
			errText = r.Err.Error()
		}
		// The run's own context may be done; the record must still be written.
		if err := j.EndRun(context.WithoutCancel(ctx), o.ID, res.Status, errText, r.Blackboard, time.Now()); err != nil {
			return res, fmt.Errorf("%w: recording the run's end: %w", ErrInternal, err)
		}
		if err := jsink.Err(); err != nil {
			return res, fmt.Errorf("%w: recording the run's events: %w", ErrInternal, err)
		}
	}
	if errors.Is(r.Err, bt.ErrInternal) {
		return res, r.Err
	}
	return res, nil
}

// NewRunID returns a new run id: a ULID, sortable by time.
func NewRunID() string {
	return ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String()
}
