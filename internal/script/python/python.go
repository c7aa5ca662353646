// Package python runs PythonInterpreter scripts: CPython (the system's
// python3) inside an operating-system sandbox built with bubblewrap, kept
// warm per tenant. It implements script.Runner.
//
//	r, err := python.New(python.Config{Logger: log})
//	defer r.Close()
//	res, err := r.Run(ctx, script.Request{Tenant: "acme", Source: "import numpy as np\nresult = np.mean(xs)",
//		Globals: map[string]any{"xs": []any{int64(1), int64(2)}}, Timeout: 5 * time.Second})
//
// # The sandbox
//
// Each worker is a bubblewrap (bwrap) process tree in new user, mount, PID,
// IPC, UTS and network (and, where possible, cgroup) namespaces. It sees a
// read-only /usr (plus the /bin and /lib* links or directories and
// /etc/alternatives, which the shared libraries of numpy resolve through),
// a fresh /proc for its own PID namespace, a minimal /dev, a 16 MiB tmpfs
// as /tmp and nothing else of the host: not /etc/passwd, /home, /root, the
// host's /tmp or /proc. The root and /dev are read-only; the network
// namespace has only its own loopback. Capabilities are dropped, the
// environment is cleared, the sandbox gets its own session, cannot create
// user namespaces, dies with the runner, and a seccomp filter (amd64 and
// arm64) refuses ptrace, process_vm_*, bpf, perf_event_open,
// userfaultfd, io_uring, keyrings, mount and namespace calls, SysV IPC and
// memfd_create with EPERM, and kills a process making a syscall of another
// architecture. When the runner runs as root, bwrap is started as nobody
// (65534), because the kernel never applies RLIMIT_NPROC to root.
//
// Scripts cannot start processes or run programs (the seed's "no
// subprocess"): each script's process installs a second seccomp filter on
// itself before the script runs (seccomp_child.go; sandboxed or not, on
// amd64 and arm64), refusing execve, execveat, fork, vfork and clone
// without CLONE_THREAD (threads still work), and refusing signals
// (kill, tgkill, ...), prlimit64, setpriority, ioprio_set and the
// sched_set* calls aimed at any process but its own, such as the zygote
// that serves the tenant's next runs. os.system, subprocess, os.fork,
// os.posix_spawn, os.exec* and friends raise PermissionError saying so.
//
// Inside, worker.py is a zygote: it imports the Preload modules once and
// keeps a forked child ready for the next run. The child sets the resource
// limits (the kernel enforces them): RLIMIT_AS is the child's address space
// when the run starts (interpreter, preloaded modules, the request's
// globals) plus the memory tier, so the tier bounds what the script itself
// allocates, and a preloaded numpy or pandas works under the smallest
// tier (imported in the script, a module counts against it); RLIMIT_CPU is
// the timeout rounded up plus a second (a backstop: the runner kills the
// sandbox at the timeout); RLIMIT_NPROC lets the script add about 8
// processes or threads to the sandbox's few; RLIMIT_NOFILE 64; RLIMIT_FSIZE 16 MiB;
// RLIMIT_CORE 0 (and the processes are not dumpable). The script runs with
// exec in a fresh globals dict; after the run the zygote kills every other
// process the script started and empties /tmp, so a run sees neither the
// globals, the module state, the processes nor the files of an earlier
// run, and a tenant never shares a worker with another.
//
// A timeout or the end of ctx kills the whole sandbox (its PID namespace's
// init through a pidfd, which takes every process of the namespace with
// it, and bwrap's process group), and a replacement starts in the
// background.
//
// # Results
//
// A script that sets no `result` gives an empty object (map[string]any{}),
// as the seed's interpreters give {}; `result = None` gives nil. The
// script's `result` global becomes JSON inside the sandbox: ints stay
// integers (int64; ints beyond int64 become floats), floats are float64,
// NaN and ±Infinity become null (as JavaScript's JSON.stringify does),
// tuples are lists, numpy scalars are numbers and arrays nested lists, a
// pandas DataFrame is a list of records (one object per row; the index is
// dropped, so reset_index() first to keep it), a Series or Index is a list
// of its values, datetimes, dates and times (and pandas Timestamps) are
// ISO 8601 text, NaT and NA are null, dict keys that are numbers become
// text as in Python's json module. Anything else (a set, bytes, an object)
// fails with script.ErrResult naming its path and type, such as
// "result.tags: value of type set is not JSON-serialisable (make it a
// list)". The result may be up to 16 MiB as JSON.
//
// Globals reach the script as Python values: int64 as int, float64 as float
// (2.0 stays a float), NaN and the infinities as float('nan') and
// float('inf'), maps as dicts with sorted keys.
//
// What the script prints (to sys.stdout or sys.stderr, up to 64 KiB) goes
// to Request.Output line by line after the run; it never mixes with the
// protocol, which uses its own pipes.
//
// # Notes
//
// Without bubblewrap, user namespaces or Linux, Run fails with
// script.ErrSandbox saying why and how to fix it, unless Config.Unsandboxed
// is set; the weft CLI sets it from WEFT_PYTHON_UNSANDBOXED=1.
//
// The memory tier is per process: a script that starts its extra
// processes can use about 9 tiers in all. A cgroup would bound the sum, but needs
// privileges or a delegated cgroup that this runner does not assume.
//
// A warm run costs a pipe round trip and the script itself (about a
// millisecond for a small one), but each run also costs the zygote a fork
// and the child an exit, both in proportion to the zygote's memory: with
// numpy and pandas preloaded (about 65 MiB), some 3.5-4 ms of CPU, mostly
// off the caller's clock but not off the machine. The zygote backs what of
// its anonymous memory it can with transparent huge pages (MADV_COLLAPSE,
// Linux 6.1+), which cuts that by about a fifth. Drop pandas from Preload
// to halve it where scripts do not use it.
package python

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// Config configures a Runner. The zero value is usable.
type Config struct {
	// Python is the interpreter; "/usr/bin/python3" when empty.
	Python string
	// Bwrap is bubblewrap's executable; looked up as "bwrap" on PATH when
	// empty.
	Bwrap string
	// Unsandboxed runs python3 without any sandbox: scripts have the
	// runner's rights over the host's files, network and processes, and
	// tenants are separated only by using different processes. Only
	// resource limits apply. Every run logs a warning. For operators who
	// accept that (the CLI: WEFT_PYTHON_UNSANDBOXED=1).
	Unsandboxed bool
	// WorkersPerTenant is how many scripts of one tenant may run at once,
	// each in its own warm worker; 2 when 0.
	WorkersPerTenant int
	// Preload lists modules each worker imports once at start, when they
	// are installed (a missing one is skipped); DefaultPreload when nil.
	// An empty, non-nil slice preloads nothing.
	Preload []string
	// IdleTimeout stops a tenant's workers after they have been idle this
	// long; 5 minutes when 0.
	IdleTimeout time.Duration
	// Logger receives warnings and debug logs; slog.Default() when nil.
	Logger *slog.Logger
}

// DefaultPreload is what workers import when Config.Preload is nil.
//
// scipy is its top level only, which loads its submodules (scipy.stats,
// scipy.optimize, ...) when a script first uses them; preloading it costs
// nothing measurable per run. requests is not preloaded: it adds about 7
// MiB and 20 mappings to the zygote, which every run's fork and exit
// copy and tear down, against some 40 ms for the scripts that import it
// (with no network in the sandbox, mostly for code that merely imports it).
var DefaultPreload = []string{
	"numpy", "pandas", "scipy", "json", "math", "statistics", "datetime", "decimal", "re",
	"collections", "itertools", "functools", "random", "string", "tempfile",
}

// startTimeout bounds how long a worker may take to start (importing
// pandas cold can take a second or two).
const startTimeout = 60 * time.Second

// Runner runs Python scripts in sandboxed workers, kept warm per tenant.
// It is safe for concurrent use.
type Runner struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // ends at Close; bounds background starts
	cancel context.CancelFunc
	wg     sync.WaitGroup // background goroutines

	mu      sync.Mutex
	tenants map[string]*tenant
	closed  bool

	probeMu  sync.Mutex
	probed   bool
	probeErr error
	probeAt  time.Time
	launch   launch // how to start a worker, set by a successful probe

	warnPreload sync.Once
}

var _ script.Runner = (*Runner)(nil)

// New returns a Runner. It starts nothing: the first Run checks that the
// sandbox can be built and starts the tenant's first worker.
//
//	r, err := python.New(python.Config{Unsandboxed: os.Getenv("WEFT_PYTHON_UNSANDBOXED") == "1", Logger: log})
//
// # Errors
//
// Invalid configuration: a negative WorkersPerTenant or IdleTimeout.
func New(cfg Config) (*Runner, error) {
	if cfg.WorkersPerTenant < 0 {
		return nil, fmt.Errorf("python: WorkersPerTenant must not be negative, found %d", cfg.WorkersPerTenant)
	}
	if cfg.IdleTimeout < 0 {
		return nil, fmt.Errorf("python: IdleTimeout must not be negative, found %s", cfg.IdleTimeout)
	}
	if cfg.Python == "" {
		cfg.Python = "/usr/bin/python3"
	}
	if cfg.WorkersPerTenant == 0 {
		cfg.WorkersPerTenant = 2
	}
	if cfg.Preload == nil {
		cfg.Preload = DefaultPreload
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Runner{cfg: cfg, log: log.With("component", "python"), tenants: map[string]*tenant{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(1)
	go r.janitor()
	return r, nil
}

// Run runs req.Source in one of req.Tenant's workers and returns its
// `result` global as JSON-compatible values (nil, bool, int64, float64,
// string, []any, map[string]any).
//
//	res, err := r.Run(ctx, script.Request{Tenant: t, Source: src, Globals: vars, Timeout: 30 * time.Second, Memory: 64 << 20})
//
// # Errors
//
// A *script.Error: ErrScript (syntax error or exception, with the script's
// line), ErrTimeout (past req.Timeout, or script.DefaultTimeout when 0),
// ErrMemory (over req.Memory, or script.DefaultMemory when 0), ErrResult
// (a result with no JSON form), ErrSandbox (the sandbox cannot be built,
// or broke down). ctx's error when ctx ends first.
//
// # Notes
//
// The timeout counts from the moment the worker receives the script; the
// wait for a free or freshly started worker is bounded by ctx only.
func (r *Runner) Run(ctx context.Context, req script.Request) (any, error) {
	timeout, memory := req.Timeout, req.Memory
	if timeout <= 0 {
		timeout = script.DefaultTimeout
	}
	if memory <= 0 {
		memory = script.DefaultMemory
	}
	if r.cfg.Unsandboxed {
		r.log.Warn("running a Python script WITHOUT a sandbox (Config.Unsandboxed, WEFT_PYTHON_UNSANDBOXED=1): "+
			"it can read and change this host's files, use its network and signal its processes",
			"tenant", req.Tenant)
	}
	if err := r.Check(ctx); err != nil {
		return nil, err
	}
	body, err := encodeRequest(req, timeout, memory)
	if err != nil {
		return nil, err
	}
	t, err := r.tenant(req.Tenant)
	if err != nil {
		return nil, err
	}
	defer r.release(t)
	w, err := t.acquire(ctx, r)
	if err != nil {
		return nil, err
	}
	res, out, broken, err := w.run(ctx, body, timeout)
	if out != "" && req.Output != nil {
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			req.Output(slog.LevelInfo, line)
		}
	}
	t.give(r, w, broken)
	return res, err
}

// Check reports whether scripts can run: on the first call (and again 30
// seconds after a failure) it starts a trivial sandbox and remembers the
// outcome. Run calls it; call it at start-up to report a problem early.
//
//	if err := r.Check(ctx); err != nil { log.Warn("Python scripts are unavailable", "error", err) }
//
// # Errors
//
// A *script.Error of kind ErrSandbox saying why the sandbox cannot be
// built and how to enable it; ctx's error when ctx ends first.
func (r *Runner) Check(ctx context.Context) error {
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	if r.probed && (r.probeErr == nil || time.Since(r.probeAt) < 30*time.Second) {
		return r.probeErr
	}
	l, err := r.probe(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.probed, r.probeErr, r.probeAt, r.launch = true, err, time.Now(), l
	if err != nil {
		r.log.Warn("Python scripts cannot run", "error", err)
	}
	return err
}

// Close stops every worker and waits (up to 5s) for them to exit. Runs in
// progress fail with ErrSandbox, and so do later ones.
//
//	defer r.Close()
//
// # Errors
//
// An error when some sandbox did not exit within 5 seconds.
func (r *Runner) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	tenants := make([]*tenant, 0, len(r.tenants))
	for _, t := range r.tenants {
		tenants = append(tenants, t)
	}
	r.mu.Unlock()
	r.cancel()
	var all []*worker
	for _, t := range tenants {
		all = append(all, t.closeAll()...)
	}
	r.wg.Wait()
	deadline := time.After(5 * time.Second)
	for _, w := range all {
		select {
		case <-w.exited:
		case <-deadline:
			return errors.New("python: some sandboxes did not stop within 5s")
		}
	}
	return nil
}

// errClosed is Run's error after Close.
var errClosed = &script.Error{Kind: script.ErrSandbox, Message: "the Python runner is closed"}

// tenant returns req.Tenant's pool, creating it, and holds a reference
// that release drops.
func (r *Runner) tenant(name string) (*tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errClosed
	}
	t := r.tenants[name]
	if t == nil {
		t = newTenant(name, r.cfg.WorkersPerTenant)
		r.tenants[name] = t
	}
	t.refs++
	return t, nil
}

func (r *Runner) release(t *tenant) {
	r.mu.Lock()
	t.refs--
	r.mu.Unlock()
}

// replace starts a worker for t in the background, after one was killed.
func (r *Runner) replace(t *tenant) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	t.mu.Lock()
	t.starting++
	t.mu.Unlock()
	go func() {
		defer r.wg.Done()
		w, err := r.start(r.ctx, t.name)
		t.mu.Lock()
		defer t.mu.Unlock()
		t.starting--
		if err != nil {
			if r.ctx.Err() == nil {
				r.log.Warn("cannot restart a Python sandbox", "tenant", t.name, "error", err)
			}
			t.wakeLocked()
			return
		}
		t.putLocked(w)
	}()
}

// janitor stops workers idle longer than IdleTimeout and forgets tenants
// that have none left.
func (r *Runner) janitor() {
	defer r.wg.Done()
	every := min(max(r.cfg.IdleTimeout/2, 100*time.Millisecond), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
		cutoff := time.Now().Add(-r.cfg.IdleTimeout)
		r.mu.Lock()
		for name, t := range r.tenants {
			if t.reap(cutoff) && t.refs == 0 {
				delete(r.tenants, name)
			}
		}
		r.mu.Unlock()
	}
}

// start starts a worker for tenant, bounded by ctx and startTimeout.
func (r *Runner) start(ctx context.Context, tenant string) (*worker, error) {
	r.probeMu.Lock()
	l := r.launch
	r.probeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	defer context.AfterFunc(r.ctx, cancel)() // Close stops starts too
	began := time.Now()
	w, rep, err := startWorker(ctx, l, tenant)
	if err != nil {
		return nil, err
	}
	if len(rep.Failed) > 0 {
		r.warnPreload.Do(func() {
			r.log.Warn("some preloaded Python modules failed to import", "failed", rep.Failed)
		})
	}
	r.log.Debug("Python sandbox started", "tenant", tenant, "took", time.Since(began),
		"python", rep.Python, "preloaded", rep.Preloaded, "sandboxed", !l.unsandboxed)
	return w, nil
}

// lookBwrap finds bubblewrap.
func (r *Runner) lookBwrap() (string, error) {
	name := r.cfg.Bwrap
	if name == "" {
		name = "bwrap"
	}
	return exec.LookPath(name)
}
