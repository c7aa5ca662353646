// Behavioural tests of the Python runner, with the real python3 in its real
// sandbox: semantics (globals in, result out, failures), the sandbox's
// walls (files, network, processes, memory, time, tenants), and the modes
// without one.

package python

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

func TestRunSemantics(t *testing.T) {
	r := shared(t)
	tests := []struct {
		name    string
		src     string
		globals map[string]any
		want    any
		kind    error  // the failure's kind, nil for success
		msg     string // a part of the failure's message
		line    int
	}{
		{name: "no result is an empty object, as in the seed", src: "x = 1", want: map[string]any{}},
		{name: "an explicit None is null", src: "result = None", want: nil},
		{name: "a deleted result is no result", src: "result = 1\ndel result", want: map[string]any{}},
		{name: "ints stay ints", src: "result = [2**40, -3, 0]", want: []any{int64(1 << 40), int64(-3), int64(0)}},
		{name: "ints beyond int64 become floats", src: "result = 2**70", want: math.Pow(2, 70)},
		{name: "floats stay floats", src: "result = [2.0, 0.5]", want: []any{2.0, 0.5}},
		{name: "NaN and infinities are null", src: "result = [float('nan'), float('inf'), -float('inf')]",
			want: []any{nil, nil, nil}},
		{name: "nested values", src: "result = {'a': [1, {'b': (True, None)}], 'c': 'é'}",
			want: map[string]any{"a": []any{int64(1), map[string]any{"b": []any{true, nil}}}, "c": "é"}},
		{name: "numeric keys become text", src: "result = {1: 'x', 2.5: 'y'}",
			want: map[string]any{"1": "x", "2.5": "y"}},
		{name: "dates are ISO text",
			src:  "import datetime\nresult = [datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5)]",
			want: []any{"2024-02-29", "2024-01-02T03:04:05"}},
		{name: "globals arrive typed",
			src: "result = [type(i).__name__, i + 1, type(f).__name__, f, s.upper(), l[1], d['k'], type(big).__name__]",
			globals: map[string]any{"i": int64(41), "f": 2.0, "s": "abc", "l": []any{int64(1), "two"},
				"d": map[string]any{"k": nil}, "big": int64(math.MaxInt64)},
			want: []any{"int", int64(42), "float", 2.0, "ABC", "two", nil, "int"}},
		{name: "NaN global", src: "import math\nresult = math.isnan(x)", globals: map[string]any{"x": math.NaN()}, want: true},
		{name: "globals keep dict order sorted", src: "result = list(d)",
			globals: map[string]any{"d": map[string]any{"b": int64(1), "a": int64(2), "c": int64(3)}},
			want:    []any{"a", "b", "c"}},
		{name: "numpy scalars and arrays",
			src: "import numpy as np\nresult = [np.int64(3), np.float32(1.5), np.bool_(True), np.arange(4).reshape(2, 2), " +
				"np.array([1.0, np.nan]), np.datetime64('2024-01-02')]",
			want: []any{int64(3), 1.5, true, []any{[]any{int64(0), int64(1)}, []any{int64(2), int64(3)}},
				[]any{1.0, nil}, "2024-01-02"}},
		{name: "pandas frame is records, series a list",
			src: "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2], 'b': ['x', None], 'c': [0.5, float('nan')]})\n" +
				"result = {'df': df, 's': df['a'] * 2, 'ts': pd.Timestamp('2024-01-02T03:04:05Z'), 'nat': pd.NaT}",
			want: map[string]any{
				"df": []any{map[string]any{"a": int64(1), "b": "x", "c": 0.5}, map[string]any{"a": int64(2), "b": nil, "c": nil}},
				"s":  []any{int64(2), int64(4)}, "ts": "2024-01-02T03:04:05+00:00", "nat": nil}},
		{name: "print does not disturb the result",
			src:  "import os, sys\nprint('x' * 100000)\nprint('to stderr', file=sys.stderr)\nos.write(1, b'raw')\nresult = 7",
			want: int64(7)},
		{name: "sys.exit(0) keeps the result", src: "import sys\nresult = 1\nsys.exit(0)", want: int64(1)},

		{name: "syntax error", src: "x = 1\nif x\n  pass", kind: script.ErrScript, msg: "SyntaxError", line: 2},
		{name: "exception with its line", src: "a = 1\nb = 0\nc = a / b", kind: script.ErrScript,
			msg: "ZeroDivisionError: division by zero", line: 3},
		{name: "exception inside a function", src: "def f():\n    raise ValueError('bad value')\n\nf()",
			kind: script.ErrScript, msg: "ValueError: bad value", line: 2},
		{name: "exception inside numpy names the script's line",
			src: "import numpy as np\n\nnp.ones(3).reshape(2, 2)", kind: script.ErrScript, msg: "ValueError", line: 3},
		{name: "sys.exit(3)", src: "import sys\nsys.exit(3)", kind: script.ErrScript, msg: "SystemExit: 3", line: 2},
		{name: "a set is not JSON", src: "result = {'tags': {1, 2}}", kind: script.ErrResult,
			msg: "result.tags: value of type set is not JSON-serialisable"},
		{name: "bytes are not JSON", src: "result = [1, b'x']", kind: script.ErrResult,
			msg: "result[1]: value of type bytes is not JSON-serialisable"},
		{name: "objects are not JSON", src: "class Thing: pass\nresult = {'a b': Thing()}", kind: script.ErrResult,
			msg: `result["a b"]: value of type Thing is not JSON-serialisable`},
		{name: "complex numbers are not JSON", src: "import numpy as np\nresult = np.complex128(1j)", kind: script.ErrResult,
			msg: "numpy.complex128"},
		{name: "the process crashes", src: "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)",
			kind: script.ErrScript, msg: "crashed (SIGSEGV)"},
		{name: "the process exits", src: "import os\nos._exit(5)", kind: script.ErrScript,
			msg: "exited (status 5) before it left a result"},
		{name: "a cycle is not JSON", src: "l = []\nl.append(l)\nresult = l", kind: script.ErrResult, msg: "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, r, "semantics", tt.src, tt.globals)
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("result = %#v, want %#v", got, tt.want)
				}
				return
			}
			se := scriptError(t, err, tt.kind)
			if !strings.Contains(se.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", se.Message, tt.msg)
			}
			if se.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", se.Line, tt.line, err)
			}
		})
	}
}

func TestNumpy(t *testing.T) {
	r := shared(t)
	src := "import numpy as np\nv = np.array(values)\nresult = {'mean': v.mean(), 'std': v.std(), 'count': len(v)}"
	got, err := run(t, r, "numpy", src, map[string]any{"values": []any{int64(1), int64(2), int64(3), int64(4)}})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := got.(map[string]any)
	if m["mean"] != 2.5 || m["count"] != int64(4) {
		t.Fatalf("result = %#v, want mean 2.5 and count 4", got)
	}
	if std, ok := m["std"].(float64); !ok || math.Abs(std-1.118033988749895) > 1e-9 {
		t.Fatalf("std = %#v, want ≈1.118", m["std"])
	}
}

// readScript tries to read path and says what happened.
const readScript = `try:
    with open(path, 'rb') as f:
        f.read(1)
    result = 'read'
except OSError as e:
    result = type(e).__name__
`

func TestHostFilesInvisible(t *testing.T) {
	r := shared(t)
	secret, err := os.CreateTemp("", "weft-secret-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(secret.Name())
	secret.WriteString("secret")
	secret.Close()
	gomod, err := filepath.Abs("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(gomod); err != nil {
		t.Fatalf("the repository's go.mod: %v", err)
	}
	for _, path := range []string{"/etc/passwd", "/etc/shadow", "/etc/hostname", "/root/.bashrc", "/home",
		secret.Name(), gomod, "/proc/1/root/etc/passwd", "/sys/kernel"} {
		t.Run(path, func(t *testing.T) {
			got, err := run(t, r, "files", readScript, map[string]any{"path": path})
			if err != nil {
				t.Fatal(err)
			}
			if got == "read" {
				t.Fatalf("the script read %s", path)
			}
		})
	}
	t.Run("the view of the host", func(t *testing.T) {
		got, err := run(t, r, "files", "import os\nresult = [sorted(os.listdir('/')), sorted(os.listdir('/etc'))]", nil)
		if err != nil {
			t.Fatal(err)
		}
		l := got.([]any)
		allowed := map[any]bool{"usr": true, "bin": true, "lib": true, "lib32": true, "lib64": true, "libx32": true,
			"etc": true, "proc": true, "dev": true, "tmp": true}
		for _, name := range l[0].([]any) {
			if !allowed[name] {
				t.Errorf("the sandbox's / shows %v", name)
			}
		}
		if !reflect.DeepEqual(l[1], []any{"alternatives"}) {
			t.Errorf("the sandbox's /etc shows %v, want only alternatives", l[1])
		}
	})
	t.Run("writing outside /tmp", func(t *testing.T) {
		got, err := run(t, r, "files", `out = []
for p in ['/x', '/etc/x', '/usr/x', '/dev/shm/x', '/dev/x']:
    try:
        open(p, 'w').write('x')
        out.append(p)
    except OSError:
        pass
result = out`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.([]any)) != 0 {
			t.Fatalf("the script wrote %v", got)
		}
	})
	t.Run("/tmp is small", func(t *testing.T) {
		got, err := run(t, r, "files", `import errno
try:
    with open('/tmp/big', 'wb') as f:
        for _ in range(40):
            f.write(b'x' * (1 << 20))
    result = 'wrote 40 MiB'
except OSError as e:
    result = errno.errorcode[e.errno]`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != "ENOSPC" && got != "EFBIG" {
			t.Fatalf("writing 40 MiB to /tmp: %v", got)
		}
	})
}

func TestNoNetwork(t *testing.T) {
	r := shared(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	src := `import socket
out = []
try:
    socket.create_connection(('127.0.0.1', port), timeout=2).close()
    out.append('connected')
except OSError as e:
    out.append(type(e).__name__)
try:
    socket.getaddrinfo('example.com', 80)
    out.append('resolved')
except OSError as e:
    out.append(type(e).__name__)
result = out`
	got, err := run(t, r, "net", src, map[string]any{"port": int64(port)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range got.([]any) {
		if v == "connected" || v == "resolved" {
			t.Fatalf("the script reached the network: %v", got)
		}
	}
	select {
	case <-accepted:
		t.Fatal("the test's listener accepted a connection from the sandbox")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestForkBombIsContained(t *testing.T) {
	r := shared(t)
	start := time.Now()
	_, err := r.Run(context.Background(), script.Request{Tenant: "forkbomb",
		Source: "import os\nwhile True:\n    os.fork()", Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("the fork bomb succeeded")
	}
	if !errors.Is(err, script.ErrScript) && !errors.Is(err, script.ErrTimeout) {
		t.Fatalf("error = %v, want a script error or a timeout", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Fatalf("the run took %s", took)
	}
	t.Logf("fork bomb: %v", err)
	if out, err := exec.Command("true").CombinedOutput(); err != nil {
		t.Fatalf("the host cannot start a process after the fork bomb: %v %s", err, out)
	}
	got, err := run(t, r, "forkbomb", "result = 2", nil)
	if err != nil || got != int64(2) {
		t.Fatalf("the run after the fork bomb: %v, %v", got, err)
	}
}

func TestTimeoutKillsTheSandbox(t *testing.T) {
	r := shared(t)
	const timeout = time.Second
	ctx := context.Background()
	if _, err := run(t, r, "timeout", "result = 0", nil); err != nil { // warm
		t.Fatal(err)
	}
	w := idleWorker(t, r, "timeout")
	w.mu.Lock()
	initFD := w.initFD
	w.mu.Unlock()
	if initFD < 0 && sysPidfdOpen != 0 {
		t.Error("the worker holds no pidfd on its sandbox's init")
	}
	pids := make(chan []int, 1)
	time.AfterFunc(timeout/2, func() { pids <- sandboxPids(w) })
	start := time.Now()
	_, err := r.Run(ctx, script.Request{Tenant: "timeout", Timeout: timeout,
		// (Scripts cannot start processes: a thread spins beside the script.)
		Source: "import threading\ndef spin():\n    while True:\n        pass\nthreading.Thread(target=spin, daemon=True).start()\nwhile True:\n    pass"})
	took := time.Since(start)
	se := scriptError(t, err, script.ErrTimeout)
	if !strings.Contains(se.Message, "1s") {
		t.Errorf("message %q does not say the timeout", se.Message)
	}
	if took > timeout+time.Second {
		t.Fatalf("the run ended %s after its start, more than a second after the timeout", took)
	}
	// The whole sandbox is gone: bwrap, its PID namespace and the script.
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
		t.Fatal("bwrap still runs 2s after the timeout")
	}
	running := <-pids
	// bwrap, its reaper, the zygote, the script.
	if len(running) < 4 {
		t.Fatalf("found %d processes of the sandbox during the run, want at least 4", len(running))
	}
	waitGone(t, running)
	got, err := run(t, r, "timeout", "result = 'next'", nil)
	if err != nil || got != "next" {
		t.Fatalf("the run after the timeout: %v, %v", got, err)
	}
}

func TestCancelKillsTheSandbox(t *testing.T) {
	r := shared(t)
	if _, err := run(t, r, "cancel", "result = 0", nil); err != nil {
		t.Fatal(err)
	}
	w := idleWorker(t, r, "cancel")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Run(ctx, script.Request{Tenant: "cancel", Source: "while True:\n    pass", Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the run took %s after a cancel at 300ms", took)
	}
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
		t.Fatal("bwrap still runs 2s after the cancel")
	}
}

func TestMemoryLimit(t *testing.T) {
	r := shared(t)
	_, err := r.Run(context.Background(), script.Request{Tenant: "memory", Memory: script.MemoryTiers["standard"],
		Source: "x = 1\nb = bytearray(1 << 30)", Timeout: 10 * time.Second})
	se := scriptError(t, err, script.ErrMemory)
	if !strings.Contains(se.Message, "64 MiB") || se.Line != 2 {
		t.Errorf("error %v does not say the limit and the line", err)
	}
	_, err = r.Run(context.Background(), script.Request{Tenant: "memory", Memory: script.MemoryTiers["standard"],
		Source: "import numpy as np\nx = np.ones((1 << 27,))", Timeout: 10 * time.Second})
	scriptError(t, err, script.ErrMemory)
	// numpy still imports and works under the smallest tier.
	got, err := r.Run(context.Background(), script.Request{Tenant: "memory", Memory: script.MemoryTiers["minimal"],
		Source: "import numpy as np\nimport pandas as pd\nresult = int(np.arange(10).sum())", Timeout: 10 * time.Second})
	if err != nil || got != int64(45) {
		t.Fatalf("numpy under 16 MiB: %v, %v", got, err)
	}
}

func TestIsolation(t *testing.T) {
	r := shared(t)
	write := `import json, builtins, threading, time
secret = 'A-secret'
json.leak = 'A'
builtins.leak = 'A'
with open('/tmp/a.txt', 'w') as f:
    f.write('A')
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()  # no processes: a thread
result = 'written'`
	look := `import json, builtins, os
def sleeping():
    for p in os.listdir('/proc'):
        try:
            if p.isdigit() and open('/proc/%s/cmdline' % p, 'rb').read().startswith(b'/usr/bin/sleep'):
                return True
        except OSError:
            pass
    return False
result = sorted(k for k, v in {
    'global': 'secret' in globals(),
    'module': hasattr(json, 'leak'),
    'builtins': hasattr(builtins, 'leak'),
    'file': os.path.exists('/tmp/a.txt'),
    'tmp': bool(os.listdir('/tmp')),
    'process': sleeping(),
}.items() if v)`
	if got, err := run(t, r, "tenant-a", write, nil); err != nil || got != "written" {
		t.Fatalf("tenant A: %v, %v", got, err)
	}
	for _, tenant := range []string{"tenant-b", "tenant-a"} {
		got, err := run(t, r, tenant, look, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.([]any)) != 0 {
			t.Errorf("%s sees what tenant A's earlier run left: %v", tenant, got)
		}
	}
	// Tenants never share a sandbox.
	a, b := idleWorker(t, r, "tenant-a"), idleWorker(t, r, "tenant-b")
	if a == b || a.cmd.Process.Pid == b.cmd.Process.Pid {
		t.Fatal("two tenants share a worker")
	}
}

func TestConcurrentRuns(t *testing.T) {
	r := shared(t)
	errs := make(chan error, 12)
	for i := range 12 {
		go func() {
			tenant := fmt.Sprintf("concurrent-%d", i%3)
			got, err := r.Run(context.Background(), script.Request{Tenant: tenant, Timeout: 20 * time.Second,
				Source: "import time\ntime.sleep(0.05)\nresult = i * 2", Globals: map[string]any{"i": int64(i)}})
			if err == nil && got != int64(i*2) {
				err = fmt.Errorf("run %d: result %v", i, got)
			}
			errs <- err
		}()
	}
	for range 12 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestSeccomp(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("no seccomp table for", runtime.GOARCH)
	}
	r := shared(t)
	got, err := run(t, r, "seccomp", `import ctypes, os
out = {}
try:
    os.memfd_create('x')
    out['memfd'] = 'allowed'
except OSError as e:
    out['memfd'] = e.errno
libc = ctypes.CDLL(None, use_errno=True)
out['ptrace'] = [libc.ptrace(0, 0, 0, 0), ctypes.get_errno()]
result = out`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"memfd": int64(1), "ptrace": []any{int64(-1), int64(1)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want memfd_create and ptrace refused with EPERM (%v)", got, want)
	}
}

func TestUnsandboxedWarns(t *testing.T) {
	if !unsandboxedOS {
		t.Skip("no unsandboxed mode on", runtime.GOOS)
	}
	if _, err := os.Stat(defaultPython); err != nil {
		t.Skipf("no %s", defaultPython)
	}
	var logs logBuffer
	r := newRunner(t, Config{Unsandboxed: true, Bwrap: "/nonexistent/bwrap",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 2 {
		got, err := run(t, r, "plain", "import os\nresult = [n + 1, os.path.exists(os.getcwd())]", map[string]any{"n": int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []any{int64(i + 1), true}) {
			t.Fatalf("result = %v", got)
		}
	}
	if n := logs.lines("level=WARN msg=\"running a Python script WITHOUT a sandbox"); n != 2 {
		t.Fatalf("%d warnings for 2 runs:\n%s", n, logs.buf.String())
	}
	_, err := r.Run(context.Background(), script.Request{Tenant: "plain", Source: "while True:\n    pass", Timeout: time.Second})
	scriptError(t, err, script.ErrTimeout)
	got, err := run(t, r, "plain", "import os\nopen('f', 'w').write('x')\nresult = os.getcwd()", nil)
	if err != nil {
		t.Fatalf("the run after the timeout: %v", err)
	}
	dir, _ := got.(string)
	if !filepath.IsAbs(dir) || dir == os.TempDir() {
		t.Fatalf("the script ran in %q, not a directory of its own", dir)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the run's directory %s is left after Close: %v", dir, err)
	}
}

func TestNoBubblewrap(t *testing.T) {
	for name, cfg := range map[string]Config{
		"Bwrap names a missing file": {Bwrap: "/nonexistent/bwrap"},
		"no bwrap on PATH":           {},
	} {
		t.Run(name, func(t *testing.T) {
			if cfg.Bwrap == "" {
				t.Setenv("PATH", t.TempDir())
			}
			r := newRunner(t, cfg)
			_, err := run(t, r, "x", "result = 1", nil)
			se := scriptError(t, err, script.ErrSandbox)
			for _, s := range []string{"bubblewrap", "kernel.unprivileged_userns_clone=1",
				"kernel.apparmor_restrict_unprivileged_userns=0", "Config.Unsandboxed", "WEFT_PYTHON_UNSANDBOXED=1"} {
				if !strings.Contains(se.Message, s) {
					t.Errorf("message %q does not mention %q", se.Message, s)
				}
			}
		})
	}
}

func TestClose(t *testing.T) {
	r, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	requireSandbox(t, r)
	if _, err := run(t, r, "close", "result = 1", nil); err != nil {
		t.Fatal(err)
	}
	w := idleWorker(t, r, "close")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.exited:
	default:
		t.Fatal("a worker survived Close")
	}
	_, err = run(t, r, "close", "result = 1", nil)
	scriptError(t, err, script.ErrSandbox)
}

// idleWorker returns one of tenant's idle workers.
func idleWorker(t *testing.T, r *Runner, tenant string) *worker {
	t.Helper()
	r.mu.Lock()
	tn := r.tenants[tenant]
	r.mu.Unlock()
	if tn == nil {
		t.Fatalf("no tenant %q", tenant)
	}
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if len(tn.idle) == 0 {
		t.Fatalf("tenant %q has no idle worker", tenant)
	}
	return tn.idle[len(tn.idle)-1]
}

// sandboxPids lists the host pids of bwrap and its descendants.
func sandboxPids(w *worker) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		for p := pid; p > 1; {
			if p == w.cmd.Process.Pid {
				pids = append(pids, pid)
				break
			}
			p = parentPid(p)
		}
	}
	return pids
}

func parentPid(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// waitGone waits up to 2s for every pid to be gone (or a zombie).
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range pids {
		for {
			data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			if err != nil || strings.Contains(string(data), ") Z ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d of the killed sandbox still runs: %s", pid, data)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestIdleWorkersStop(t *testing.T) {
	r := newRunner(t, Config{IdleTimeout: 200 * time.Millisecond})
	requireSandbox(t, r)
	if _, err := run(t, r, "idle", "result = 1", nil); err != nil {
		t.Fatal(err)
	}
	w := idleWorker(t, r, "idle")
	select {
	case <-w.exited:
	case <-time.After(3 * time.Second):
		t.Fatal("an idle worker still runs 3s after its idle timeout of 200ms")
	}
	r.mu.Lock()
	n := len(r.tenants)
	r.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d tenants kept after their workers stopped", n)
	}
	if got, err := run(t, r, "idle", "result = 2", nil); err != nil || got != int64(2) {
		t.Fatalf("the run after the idle stop: %v, %v", got, err)
	}
}
