// Tests of what the seed specifies for inline Python: scipy and requests
// importable (the network off), no subprocess, no reach into the zygote.

package python

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/script"
)

// TestSeedPackages imports each of the seed's allowed packages in a real
// run; requests imports but cannot reach anything.
func TestSeedPackages(t *testing.T) {
	r := shared(t)
	got, err := run(t, r, "seed-packages", `import numpy, pandas, scipy, scipy.stats, requests
out = {'scipy': scipy.__version__, 'norm': round(float(scipy.stats.norm.cdf(0)), 3)}
try:
    requests.get('http://192.0.2.1/', timeout=5)
    out['request'] = 'reached'
except requests.exceptions.ConnectionError as e:
    out['request'] = 'ConnectionError'
result = out`, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := got.(map[string]any)
	if m["norm"] != 0.5 || m["request"] != "ConnectionError" || m["scipy"] == nil {
		t.Fatalf("got %v, want scipy.stats working and a request failing with ConnectionError", got)
	}
}

// TestScipyPreloaded: scipy (its top level, which loads its submodules on
// demand) is in DefaultPreload; requests is not (it costs every run's fork).
func TestScipyPreloaded(t *testing.T) {
	r := shared(t)
	got, err := run(t, r, "seed-preload", "import sys\nresult = ['scipy' in sys.modules, 'requests' in sys.modules]", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[true false]" {
		t.Fatalf("[scipy, requests] preloaded = %v, want [true false]", got)
	}
}

func needChildFilter(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skip("no seccomp table for", runtime.GOOS, runtime.GOARCH)
	}
}

// TestNoSubprocess: every way Python has to start a process or run a
// program fails with an error that says so, and the kernel refuses the
// syscalls themselves (through ctypes, past the Python functions).
func TestNoSubprocess(t *testing.T) {
	needChildFilter(t)
	r := shared(t)
	tests := []struct{ name, src string }{
		{"os.system", "import os\nos.system('true')"},
		{"subprocess.run", "import subprocess\nsubprocess.run(['/bin/true'])"},
		{"subprocess.check_output shell", "import subprocess\nsubprocess.check_output('echo hi', shell=True)"},
		{"os.popen", "import os\nos.popen('true').read()"},
		{"os.fork and exec", "import os\npid = os.fork()\nif pid == 0:\n    os.execv('/bin/true', ['true'])"},
		{"os.posix_spawn", "import os\nos.posix_spawn('/bin/true', ['true'], {})"},
		{"os.execv", "import os\nos.execv('/bin/true', ['true'])"},
		{"os.spawnv", "import os\nos.spawnv(os.P_WAIT, '/bin/true', ['true'])"},
		{"multiprocessing", "import multiprocessing\np = multiprocessing.Process(target=print)\np.start()\np.join()"},
		{"pty.fork", "import pty\npty.fork()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, r, "no-subprocess", tt.src, nil)
			se := scriptError(t, err, script.ErrScript)
			if !strings.Contains(se.Message, "PermissionError") || !strings.Contains(se.Message, "cannot start processes") {
				t.Fatalf("error %q, want a PermissionError saying scripts cannot start processes", se.Message)
			}
		})
	}
	// The syscalls, past Python: refused by the kernel with EPERM, or
	// ENOSYS for clone3 (which the C library answers by trying clone).
	got, err := run(t, r, "no-subprocess", `import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def call(*a):
    rc = libc.syscall(*a)
    return [rc, ctypes.get_errno()]
import platform
m = platform.machine()
nr = {'x86_64': {'fork': 57, 'execve': 59, 'clone': 56, 'clone3': 435},
      'aarch64': {'fork': None, 'execve': 221, 'clone': 220, 'clone3': 435}}[m]
out = {}
out['fork'] = libc.fork() == -1 and ctypes.get_errno()
out['execve'] = call(nr['execve'], b'/bin/true', None, None)
out['clone'] = call(nr['clone'], 17, None, None, None, None)  # SIGCHLD: a new process
out['clone3'] = call(nr['clone3'], None, 0)
out['system'] = libc.system(b'true')
result = out`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "map[clone:[-1 1] clone3:[-1 38] execve:[-1 1] fork:1 system:32512]" // system(3): 127<<8, posix_spawn refused
	if fmt.Sprint(got) != want {
		t.Fatalf("raw syscalls: %v, want %s", got, want)
	}
}

// TestNormalScriptsStillWork: threads (clone with CLONE_THREAD), numpy,
// pandas, signals to itself, its own limits and priority all still work
// under the child's filter.
func TestNormalScriptsStillWork(t *testing.T) {
	needChildFilter(t)
	r := shared(t)
	got, err := run(t, r, "still-works", `import numpy as np, pandas as pd, os, signal, resource, threading
from concurrent.futures import ThreadPoolExecutor
df = pd.DataFrame({'x': np.arange(10), 'y': np.arange(10) ** 2})
with ThreadPoolExecutor(max_workers=2) as ex:
    squares = list(ex.map(lambda v: v * v, range(5)))
got = []
signal.signal(signal.SIGUSR1, lambda *a: got.append('usr1'))
os.kill(os.getpid(), signal.SIGUSR1)
signal.raise_signal(signal.SIGUSR1)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (soft - 1, hard))
os.setpriority(os.PRIO_PROCESS, 0, 5)
os.setpriority(os.PRIO_PROCESS, os.getpid(), 6)
os.sched_setaffinity(0, os.sched_getaffinity(0))
result = {'sum': int(df['y'].sum()), 'threads': squares, 'signals': got,
          'nofile': resource.getrlimit(resource.RLIMIT_NOFILE)[0] == soft - 1, 'nice': os.getpriority(os.PRIO_PROCESS, 0)}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "map[nice:6 nofile:true signals:[usr1 usr1] sum:285 threads:[0 1 4 9 16]]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

// TestZygoteOutOfReach: the script cannot signal, re-limit, re-prioritise
// or re-schedule the zygote (its parent, same uid in the sandbox), nor its
// process group or every process (-1); the next run is unharmed.
func TestZygoteOutOfReach(t *testing.T) {
	needChildFilter(t)
	r := newRunner(t, Config{WorkersPerTenant: 1})
	requireSandbox(t, r)
	got, err := run(t, r, "zygote", `import ctypes, os, signal, resource
z = os.getppid()
out = {}
def attempt(name, f):
    try:
        f()
        out[name] = 'allowed'
    except OSError as e:
        out[name] = e.errno
attempt('kill', lambda: os.kill(z, signal.SIGSTOP))
attempt('kill group', lambda: os.kill(0, signal.SIGCONT))
attempt('kill all', lambda: os.kill(-1, signal.SIGCONT))
attempt('killpg', lambda: os.killpg(os.getpgid(0), signal.SIGCONT))
attempt('prlimit', lambda: resource.prlimit(z, resource.RLIMIT_NPROC, (1, 1)))
attempt('setpriority', lambda: os.setpriority(os.PRIO_PROCESS, z, 19))
attempt('setpriority group', lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
attempt('setpriority user', lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt('sched_setaffinity', lambda: os.sched_setaffinity(z, {0}))
attempt('sched_setscheduler', lambda: os.sched_setscheduler(z, os.SCHED_IDLE, os.sched_param(0)))
libc = ctypes.CDLL(None, use_errno=True)
def raw(name, *a):
    out[name] = [libc.syscall(*a), ctypes.get_errno()]
import platform
amd = platform.machine() == 'x86_64'
raw('tgkill', 234 if amd else 131, z, z, 19)
raw('tkill', 200 if amd else 130, z, 19)
raw('ioprio_set', 251 if amd else 30, 1, z, 7)
result = out`, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := got.(map[string]any)
	for k, v := range m {
		if fmt.Sprint(v) != "1" && fmt.Sprint(v) != "[-1 1]" {
			t.Errorf("%s on the zygote: %v, want EPERM (1)", k, v)
		}
	}
	if len(m) != 13 {
		t.Errorf("got %d attempts, want 13: %v", len(m), m)
	}
	// The zygote is unharmed: the next run in the same worker works.
	if got, err := run(t, r, "zygote", "import os\nresult = os.getpriority(os.PRIO_PROCESS, os.getppid())", nil); err != nil || got != int64(0) {
		t.Fatalf("next run: %v, %v, want the zygote's priority 0", got, err)
	}
}

// TestNoSubprocessUnsandboxed: the child's filter needs no sandbox, so an
// unsandboxed script cannot start processes either, nor signal its zygote.
func TestNoSubprocessUnsandboxed(t *testing.T) {
	needChildFilter(t)
	if _, err := os.Stat(defaultPython); err != nil {
		t.Skipf("no %s", defaultPython)
	}
	r := newRunner(t, Config{Unsandboxed: true, Bwrap: "/nonexistent/bwrap", Preload: []string{}})
	_, err := run(t, r, "plain", "import subprocess\nsubprocess.run(['/bin/true'])", nil)
	if se := scriptError(t, err, script.ErrScript); !strings.Contains(se.Message, "cannot start processes") {
		t.Fatalf("error %q", se.Message)
	}
	got, err := run(t, r, "plain", "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGSTOP)\n    result = 'stopped'\nexcept OSError as e:\n    result = e.errno", nil)
	if err != nil || got != int64(1) {
		t.Fatalf("kill of the zygote: %v, %v, want EPERM (1)", got, err)
	}
}
