// How a worker is launched: bubblewrap's arguments (the sandbox), the
// unsandboxed alternative, and the probe that tries a trivial sandbox once
// to find out whether scripts can run here, and says how to fix it if not.

package python

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

//go:embed worker.py
var workerSource string

// tmpSize is the size of the sandbox's /tmp.
const tmpSize = 16 << 20

// sandboxUID and sandboxGID are who runs the sandbox when the runner is
// root (nobody, nogroup): RLIMIT_NPROC does not apply to root.
const sandboxUID, sandboxGID = 65534, 65534

// howTo ends every ErrSandbox message about a sandbox that cannot be built.
const howTo = "To run Python scripts, install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap, ...) " +
	"and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 on Debian and older Ubuntu, " +
	"sysctl kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 23.10 and later; in a container, a seccomp " +
	"or AppArmor profile that permits them); or opt into running scripts without a sandbox, with this process's " +
	"rights over the host, with python.Config.Unsandboxed (WEFT_PYTHON_UNSANDBOXED=1 for the weft CLI)."

// launch says how to start a worker; a successful probe fills it in.
type launch struct {
	unsandboxed bool
	bwrap       string   // bubblewrap's path (sandboxed)
	python      string   // the interpreter, as seen inside the sandbox
	binds       []string // extra bwrap arguments making python visible
	dropRoot    bool     // start bwrap as nobody
	seccomp     []byte   // BPF program, or nil
	preload     []string
	// childFilter is the filter each script's process installs on itself
	// (seccomp_child.go), sandboxed or not; nil without a syscall table.
	childFilter []byte
	childPIDs   []int // its pid slots
}

// threadEnv gives BLAS and friends one thread: the child of a fork has
// one thread, and a script's CPU is its tenant's, not the machine's.
var threadEnv = []string{"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1", "NUMEXPR_MAX_THREADS=1"}

// sandboxEnv is Python's environment inside the sandbox: nothing of the
// runner's.
var sandboxEnv = append([]string{
	"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "TZ=UTC",
}, threadEnv...)

// bwrapArgs returns bubblewrap's arguments for a sandbox running python
// with pyArgs. infoFD and seccompFD are the sandbox's fd numbers of the
// --info-fd pipe and the BPF program, or -1.
func (l *launch) bwrapArgs(infoFD, seccompFD int, pyArgs []string) []string {
	args := []string{
		// Namespaces. --unshare-user rather than --unshare-all's
		// --unshare-user-try: without a user namespace there is no sandbox.
		"--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
		"--unshare-cgroup-try",
		"--disable-userns",  // no nested user namespaces (and so no new mounts) inside
		"--die-with-parent", // bwrap and the sandbox die with the runner
		"--new-session",     // no controlling terminal to push input into (TIOCSTI)
		"--cap-drop", "ALL",
		"--clearenv",
		"--hostname", "sandbox",
		// The filesystem: read-only /usr and what makes it work, nothing else.
		"--ro-bind", "/usr", "/usr",
	}
	for _, d := range []string{"/bin", "/lib", "/lib32", "/lib64", "/libx32"} {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				args = append(args, "--symlink", target, d)
			}
		case fi.IsDir():
			args = append(args, "--ro-bind", d, d)
		}
	}
	args = append(args, l.binds...)
	args = append(args,
		// Debian's libblas.so.3 (numpy) is a symlink through here.
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--proc", "/proc", // a fresh procfs: this PID namespace only
		"--dev", "/dev", // null, zero, full, random, urandom, tty
		"--perms", "0700", "--size", strconv.Itoa(tmpSize), "--tmpfs", "/tmp",
		// bwrap's root and /dev are tmpfs without a size limit: read-only.
		"--remount-ro", "/dev", "--remount-ro", "/",
		"--chdir", "/tmp",
	)
	for _, kv := range sandboxEnv {
		k, v, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, v)
	}
	if infoFD >= 0 {
		args = append(args, "--info-fd", strconv.Itoa(infoFD))
	}
	if seccompFD >= 0 {
		args = append(args, "--seccomp", strconv.Itoa(seccompFD))
	}
	args = append(args, "--", l.python)
	return append(args, pyArgs...)
}

// workerArgs are python's arguments for worker.py; scratch is the
// directory for the runs' files when unsandboxed.
func (l *launch) workerArgs(scratch string) []string {
	c := map[string]any{"sandboxed": !l.unsandboxed, "preload": l.preload, "scratch": scratch}
	if l.childFilter != nil {
		c["child_filter"] = map[string]any{"prog": l.childFilter, "pids": l.childPIDs} // prog: base64
	}
	cfg, _ := json.Marshal(c)
	return []string{"-I", "-B", "-c", workerSource, string(cfg)}
}

// pythonBinds returns the bwrap arguments that make an interpreter outside
// /usr visible (read-only): its installation prefix, and a virtual
// environment's when python is a link into one.
func pythonBinds(python string) ([]string, error) {
	if !filepath.IsAbs(python) {
		return nil, fmt.Errorf("the Python interpreter must be an absolute path, found %q", python)
	}
	real, err := filepath.EvalSymlinks(python)
	if err != nil {
		return nil, err
	}
	var binds []string
	seen := map[string]bool{}
	for _, p := range []string{python, real} {
		if under(p, "/usr") || under(p, "/bin") {
			continue
		}
		prefix := filepath.Dir(filepath.Dir(p))
		if prefix == "/" || seen[prefix] {
			return nil, fmt.Errorf("the Python interpreter %s is not in an installation directory of its own", p)
		}
		seen[prefix] = true
		binds = append(binds, "--ro-bind", prefix, prefix)
	}
	return binds, nil
}

func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// probe finds out how to launch workers, trying a trivial sandbox.
func (r *Runner) probe(ctx context.Context) (launch, error) {
	l := launch{python: r.cfg.Python, preload: r.cfg.Preload, unsandboxed: r.cfg.Unsandboxed}
	l.childFilter, l.childPIDs = childFilter()
	fail := func(format string, a ...any) (launch, error) {
		return launch{}, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf(format, a...)}
	}
	if l.unsandboxed {
		if !unsandboxedOS {
			return fail("Python scripts cannot run on %s, even unsandboxed", runtime.GOOS)
		}
		if _, err := exec.LookPath(l.python); err != nil {
			return fail("the Python interpreter cannot be run: %v", err)
		}
		return l, nil
	}
	if !sandboxOS {
		return fail("the Python sandbox needs Linux (bubblewrap and user namespaces), and this is %s. %s",
			runtime.GOOS, howTo)
	}
	bw, err := r.lookBwrap()
	if err != nil {
		return fail("bubblewrap was not found (%v). %s", err, howTo)
	}
	l.bwrap = bw
	if l.binds, err = pythonBinds(l.python); err != nil {
		return fail("the Python interpreter cannot be used: %v (set python.Config.Python)", err)
	}
	l.seccomp = seccompFilter()
	l.dropRoot = os.Geteuid() == 0
	out, err := l.trial(ctx)
	var exitErr *exec.ExitError
	if err != nil && l.dropRoot && !errors.As(err, &exitErr) && ctx.Err() == nil {
		// Cannot switch to nobody (no CAP_SETUID here?): run as root.
		l.dropRoot = false
		if out, err = l.trial(ctx); err == nil {
			r.log.Warn("the Python sandbox runs as root: the limit on processes (RLIMIT_NPROC) does not apply")
		}
	}
	if err == nil {
		return l, nil
	}
	msg := oneLine(truncate(string(bytes.TrimSpace(out)), 1000))
	switch {
	case !errors.As(err, &exitErr):
		return fail("bubblewrap (%s) cannot be started: %v. %s", bw, err, howTo)
	case strings.Contains(msg, "bwrap:"):
		return fail("bubblewrap could not build the sandbox (%s); unprivileged user namespaces are probably "+
			"disabled or blocked. %s", msg, howTo)
	default:
		if msg == "" {
			msg = err.Error()
		}
		return fail("the Python interpreter %s does not start inside the sandbox: %s", l.python, msg)
	}
}

// trial runs `python -I -S -c pass` in a sandbox and returns its output.
func (l *launch) trial(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	seccompFD := -1
	var files []*os.File
	if l.seccomp != nil {
		rd, wr, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		defer rd.Close()
		if _, err := wr.Write(l.seccomp); err != nil {
			wr.Close()
			return nil, err
		}
		wr.Close()
		files, seccompFD = append(files, rd), 3
	}
	cmd := exec.CommandContext(ctx, l.bwrap, l.bwrapArgs(-1, seccompFD, []string{"-I", "-S", "-c", "pass"})...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Dir = "/"
	cmd.ExtraFiles = files
	cmd.SysProcAttr = procAttr(l.dropRoot)
	cmd.WaitDelay = time.Second
	var out tail
	out.max = 8 << 10
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// command returns the command that starts a worker; files become its fds
// 3, 4, ..., of which infoFD and seccompFD are bwrap's (or -1). scratch is
// the directory for the runs' files when unsandboxed.
func (l *launch) command(files []*os.File, infoFD, seccompFD int, scratch string) *exec.Cmd {
	var cmd *exec.Cmd
	if l.unsandboxed {
		cmd = exec.Command(l.python, l.workerArgs(scratch)...)
		cmd.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + os.TempDir(),
			"TMPDIR=" + os.TempDir(), "LANG=C.UTF-8"}, threadEnv...)
		cmd.Dir = os.TempDir()
		cmd.SysProcAttr = procAttr(false)
	} else {
		cmd = exec.Command(l.bwrap, l.bwrapArgs(infoFD, seccompFD, l.workerArgs(""))...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		cmd.Dir = "/"
		cmd.SysProcAttr = procAttr(l.dropRoot)
	}
	cmd.ExtraFiles = files
	cmd.WaitDelay = time.Second
	return cmd
}
