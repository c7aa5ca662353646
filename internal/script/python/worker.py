# worker.py: the Python half of weft's Python script runner (embedded in the
# Go package and started as `python3 -I -B -c <this file> <config JSON>`,
# inside the bubblewrap sandbox unless the operator opted out of it).
#
# The process is a zygote: it imports the heavy modules once (numpy, pandas,
# ...) and never runs script code itself. It keeps one forked child ready
# (a "spare": its descriptors, output capture, random seeds and static
# limits already set up); a request goes to the spare, which applies the
# run's memory and CPU limits, runs the script with exec in a fresh globals
# dict, turns its `result` global into JSON and exits. Once the reply is
# relayed, the zygote kills whatever the script left running, empties /tmp
# and forks the next spare. Every run thus starts from the zygote's pristine
# state: no globals, module state, processes or files of an earlier run.
#
# Protocol with Go, over inherited pipes (never stdout, which a script or a
# C library may write to):
#
#   fd 3 (read):  requests, each a 4-byte big-endian length and a body of
#                 header JSON {"source", "timeout" (s), "memory" (bytes)},
#                 "\n", globals JSON
#   fd 4 (write): replies, each a 4-byte big-endian length and a JSON object:
#                 {"ready": true, ...}                     once, at start
#                 {"child": pid}                           unsandboxed only,
#                                                          before each reply
#                 {"ok": true, "result": ..., "output": "..."}
#                 {"ok": false, "kind": "script"|"memory"|"timeout"|"result"|"sandbox",
#                  "message": "...", "line": n, "output": "..."}
#
# The child's reply travels over a private pipe to the zygote, which checks
# its length and relays it; Go treats every byte as untrusted anyway.

import builtins
import datetime
import gc
import importlib
import io
import json
import math
import os
import resource
import select
import shutil
import signal
import sys

REQ_FD = 3
REPLY_FD = 4
MAX_REQUEST = (64 << 20) + (1 << 20)
MAX_RESULT = 16 << 20          # the result as JSON
MAX_REPLY = MAX_RESULT + (1 << 20)
MAX_OUTPUT = 64 << 10          # captured print() output
MAX_DEPTH = 200                # nesting of the result
FILE_SIZE = 16 << 20           # RLIMIT_FSIZE
OPEN_FILES = 64                # RLIMIT_NOFILE
EXTRA_TASKS = 8                # processes and threads a script may add
SCRIPT = "<script>"
PIPE_READ = 64 << 10           # a pipe's default capacity: no read returns more

CONFIG = json.loads(sys.argv[1])
SANDBOXED = bool(CONFIG.get("sandboxed"))
TMP = "/tmp"


def read_exact(fd, n):
    """Reads n bytes from fd; None on a clean EOF before the first byte."""
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, min(n - len(buf), 1 << 20))
        if not chunk:
            if not buf:
                return None
            raise EOFError("short read")
        buf += chunk
    return bytes(buf)


def read_frame(fd, limit):
    head = read_exact(fd, 4)
    if head is None:
        return None
    n = int.from_bytes(head, "big")
    if n > limit:
        raise ValueError("frame of %d bytes is over the %d limit" % (n, limit))
    body = read_exact(fd, n)
    if body is None:
        raise EOFError("short read")
    return body


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_frame(fd, body):
    write_all(fd, len(body).to_bytes(4, "big") + body)


def send(obj):
    write_frame(REPLY_FD, json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode())


def mib(n):
    if n % (1 << 20) == 0:
        return "%d MiB" % (n >> 20)
    return "%.1f MiB" % (n / (1 << 20))


# --- the result as JSON -------------------------------------------------------


class ResultError(Exception):
    """The result holds a value with no JSON form; the message names where."""


def type_name(v):
    t = type(v)
    if t.__module__ in ("builtins", "__main__"):
        return t.__qualname__
    return "%s.%s" % (t.__module__, t.__qualname__)


def key_path(path, k):
    if k.isidentifier():
        return "%s.%s" % (path, k)
    return "%s[%s]" % (path, json.dumps(k, ensure_ascii=False))


def bad(path, v, hint=""):
    return ResultError("%s: value of type %s is not JSON-serialisable%s" % (path, type_name(v), hint))


def json_key(k, path):
    if isinstance(k, str):
        return str(k)
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    np = sys.modules.get("numpy")
    if np is not None and isinstance(k, np.generic):
        k = k.item()
    if isinstance(k, int) and not isinstance(k, bool):
        return str(int(k))
    if isinstance(k, float):
        return repr(float(k))
    raise ResultError("%s: key of type %s is not JSON-serialisable (keys must be text or numbers)"
                      % (path, type_name(k)))


def to_json(v, path="result", depth=0):
    """Returns v as plain JSON values (dict, list, str, int, float, bool, None).

    numpy scalars become numbers, arrays nested lists; a pandas DataFrame
    becomes a list of records (one object per row, the index dropped), a
    Series or Index a list; datetimes become ISO 8601 text; NaN and the
    infinities become None (null), as JSON.stringify does. Anything else
    raises ResultError naming the value's path and type.
    """
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        if -(1 << 63) <= v < (1 << 63):
            return v
        try:
            return float(v)
        except OverflowError:
            raise ResultError("%s: the integer is too large for JSON" % path) from None
    if t is float:
        return v if math.isfinite(v) else None
    if depth >= MAX_DEPTH:
        raise ResultError("%s: nested more than %d levels deep (does it contain itself?)" % (path, MAX_DEPTH))
    if t is list or t is tuple:
        return [to_json(x, "%s[%d]" % (path, i), depth + 1) for i, x in enumerate(v)]
    if t is dict:
        out = {}
        for k, x in v.items():
            ks = json_key(k, path)
            out[ks] = to_json(x, key_path(path, ks), depth + 1)
        return out
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "c":
                raise bad(path, v, " (complex numbers have no JSON form)")
            return to_json(v.tolist(), path, depth + 1)
        if isinstance(v, np.generic):
            if isinstance(v, np.complexfloating):
                raise bad(path, v, " (complex numbers have no JSON form)")
            if isinstance(v, np.datetime64):
                if np.isnat(v):
                    return None
                return str(np.datetime_as_string(v))
            x = v.item()
            if isinstance(x, np.generic):  # no Python equivalent
                raise bad(path, v)
            return to_json(x, path, depth + 1)
    pd = sys.modules.get("pandas")
    if pd is not None:
        if v is pd.NaT or v is pd.NA:
            return None
        if isinstance(v, pd.DataFrame):
            return to_json(v.to_dict(orient="records"), path, depth + 1)
        if isinstance(v, (pd.Series, pd.Index)):
            return to_json(v.tolist(), path, depth + 1)
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return to_json(int(v), path, depth)
    if isinstance(v, float):
        return to_json(float(v), path, depth)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [to_json(x, "%s[%d]" % (path, i), depth + 1) for i, x in enumerate(v)]
    if isinstance(v, dict):
        return to_json(dict(v), path, depth)
    if isinstance(v, (set, frozenset)):
        raise bad(path, v, " (make it a list)")
    if isinstance(v, (bytes, bytearray, memoryview)):
        raise bad(path, v, " (decode it to a str)")
    raise bad(path, v)


# --- the child: one run -------------------------------------------------------


class Capture(io.RawIOBase):
    """A write-only byte sink that keeps the first MAX_OUTPUT bytes."""

    def __init__(self):
        super().__init__()
        self.data = bytearray()
        self.dropped = 0

    def writable(self):
        return True

    def write(self, b):
        n = len(b)
        room = MAX_OUTPUT - len(self.data)
        if room > 0:
            self.data += bytes(b[:room])
        self.dropped += max(0, n - max(room, 0))
        return n

    def text(self):
        s = self.data.decode("utf-8", "replace")
        if self.dropped:
            s += "\n[... %d more bytes of output dropped]" % self.dropped
        return s


def vm_size():
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 1 << 30  # no /proc: a generous guess for the interpreter


def script_line(tb):
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe(e):
    if isinstance(e, SyntaxError):
        msg = "%s: %s" % (type(e).__name__, e.msg)
        if e.filename != SCRIPT and e.filename:
            msg += " (%s, line %s)" % (e.filename, e.lineno)
        return msg
    import traceback
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def failure(kind, message, line=0):
    return {"ok": False, "kind": kind, "message": message, "line": line}


def set_limit(res, value):
    """Sets both limits of res to value. In the sandbox a failure is fatal
    (a run never goes without its limits); unsandboxed, on systems that
    lack a limit (RLIMIT_AS on macOS), it is skipped."""
    try:
        resource.setrlimit(res, (value, value))
    except (OSError, ValueError):
        if SANDBOXED:
            raise


def set_static_limits(tasks):
    """Applies the limits that do not depend on the request."""
    set_limit(resource.RLIMIT_FSIZE, FILE_SIZE)
    set_limit(resource.RLIMIT_NOFILE, OPEN_FILES)
    set_limit(resource.RLIMIT_CORE, 0)
    if tasks:
        set_limit(resource.RLIMIT_NPROC, tasks)


def set_run_limits(memory, timeout):
    """Applies the run's memory and CPU limits; the kernel enforces them."""
    # RLIMIT_AS: the address space the process has now (interpreter,
    # preloaded modules, globals) plus the tier, so the tier bounds what the
    # script itself allocates. Soft = hard: the script cannot raise it.
    set_limit(resource.RLIMIT_AS, vm_size() + memory)
    # RLIMIT_CPU: a backstop behind the runner's timeout. The soft limit
    # sends SIGXCPU, the hard one a second later SIGKILL.
    cpu = int(math.ceil(timeout)) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (OSError, ValueError):
        if SANDBOXED:
            raise


def run(body, me):
    """Runs the request in body; returns the reply as a dict."""
    memory = 0
    try:
        nl = body.index(b"\n")
        hdr = json.loads(body[:nl])
        memory = int(hdr["memory"])
        g = json.loads(body[nl + 1:]) if len(body) > nl + 1 else {}
        if not isinstance(g, dict):
            g = {}
        del body
        set_run_limits(memory, float(hdr["timeout"]))
        ns = dict(g)
        ns["__name__"] = "__main__"
        ns["__builtins__"] = builtins
        ns["__doc__"] = None
        del g
        code = compile(hdr["source"], SCRIPT, "exec", dont_inherit=True)
        try:
            exec(code, ns)
        except SystemExit as e:
            if os.getpid() != me:
                raise
            if e.code not in (None, 0):
                return failure("script", "SystemExit: %s" % (e.code,), script_line(e.__traceback__))
        if os.getpid() != me:
            os._exit(0)
        # No `result` at all gives {} (the seed's interpreters do); an
        # explicit `result = None` gives null.
        return {"ok": True, "result": to_json(ns["result"]) if "result" in ns else {}}
    except MemoryError as e:
        if os.getpid() != me:
            os._exit(1)
        return failure("memory", "MemoryError: the script went over its memory limit of %s" % mib(memory),
                       script_line(e.__traceback__))
    except ResultError as e:
        return failure("result", str(e))
    except BaseException as e:
        if os.getpid() != me:
            os._exit(1)
        line = script_line(e.__traceback__)
        if isinstance(e, SyntaxError) and e.filename == SCRIPT:
            line = e.lineno or 0
        return failure("script", describe(e), line)


# --- no new processes ------------------------------------------------------------

CHILD_FILTER = [None]  # (template, pid slots, prctl, struct sock_fprog), made by the zygote


def prepare_child_filter():
    """Readies, in the zygote, what a child needs to install its seccomp
    filter (seccomp_child.go builds the program): no execve, no new
    process, no signal or limit applied to another process."""
    spec = CONFIG.get("child_filter")
    if not spec:
        return
    try:
        import base64
        import ctypes
        prog = bytearray(base64.b64decode(spec["prog"]))
        slots = [int(i) for i in spec["pids"]]
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
        prctl.restype = ctypes.c_int

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    except Exception:
        return
    CHILD_FILTER[0] = (prog, slots, prctl, SockFprog)


def install_child_filter():
    """Installs the filter on this process (and the threads it will start),
    with this process's pid filled in. Raises OSError when it cannot."""
    f = CHILD_FILTER[0]
    if f is None:
        raise OSError(0, "the filter could not be prepared (no ctypes?)")
    import ctypes
    prog, slots, prctl, SockFprog = f
    pid = os.getpid().to_bytes(4, sys.byteorder)
    for i in slots:
        prog[8 * i + 4:8 * i + 8] = pid
    buf = (ctypes.c_char * len(prog)).from_buffer(prog)
    fprog = SockFprog(len(prog) // 8, ctypes.addressof(buf))
    # PR_SET_NO_NEW_PRIVS (38), then PR_SET_SECCOMP (22), SECCOMP_MODE_FILTER (2).
    if prctl(38, 1, None, 0, 0) != 0 or prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


NO_PROCESSES = "scripts cannot start processes or run programs (the sandbox allows no subprocess)"

# What starts a process or runs a program in Python; each is replaced, in
# the child, by a function raising PermissionError that says why. The
# seccomp filter is what refuses them; this only makes the error clear
# (os.system would return -1 and os.fork raise a bare EPERM).
PROCESS_FUNCTIONS = ("system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp",
                     "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe",
                     "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe")


def refuse_processes():
    def refused(name):
        def f(*args, **kwargs):
            raise PermissionError(1, "%s: %s is refused" % (NO_PROCESSES, name))
        f.__name__ = f.__qualname__ = name.rsplit(".", 1)[-1]
        return f
    for name in PROCESS_FUNCTIONS:
        if hasattr(os, name):
            setattr(os, name, refused("os." + name))
    ps = sys.modules.get("_posixsubprocess")
    if ps is not None:
        ps.fork_exec = refused("subprocess")
    sp = sys.modules.get("subprocess")
    if sp is not None:
        sp._fork_exec = refused("subprocess")


def lockdown():
    """Applies the child's filter; returns None, or (sandboxed) why the
    run cannot go ahead. Unsandboxed it is best effort."""
    if not CONFIG.get("child_filter"):
        return None
    try:
        install_child_filter()
    except OSError as e:
        if SANDBOXED:
            return "the script's process could not install its seccomp filter: %s" % e
        return None
    refuse_processes()
    return None


def child(qr, pw, scratch, tasks):
    """A pre-forked child: gets ready, waits for its one request, runs it,
    writes the reply on pw and exits."""
    me = os.getpid()
    os.close(REQ_FD)
    os.close(REPLY_FD)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.chdir(scratch)
    if not SANDBOXED:
        os.setpgid(0, 0)
        os.environ["TMPDIR"] = scratch
        tempfile = sys.modules.get("tempfile")
        if tempfile is not None:
            tempfile.tempdir = scratch
    np = sys.modules.get("numpy")
    if np is not None:
        # numpy's global generator would repeat the zygote's state in every
        # run (Python's random module reseeds itself after a fork).
        # (An int seed: seeding from an array costs a millisecond more.)
        np.random.seed(int.from_bytes(os.urandom(4), "little"))
    cap = Capture()
    out = io.TextIOWrapper(io.BufferedWriter(cap), encoding="utf-8", errors="backslashreplace",
                           write_through=True)
    sys.stdout = sys.stderr = out
    set_static_limits(tasks)
    refused = lockdown()
    body = read_frame(qr, MAX_REQUEST)
    os.close(qr)
    if body is None:
        os._exit(0)
    reply = failure("sandbox", refused) if refused else run(body, me)
    if os.getpid() != me:
        os._exit(0)
    try:
        out.flush()
    except Exception:
        pass
    reply["output"] = cap.text()
    try:
        data = json.dumps(reply, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()
        if len(data) > MAX_RESULT + 2 * MAX_OUTPUT:
            data = json.dumps(failure("result", "the result is %s as JSON, over the %s limit"
                                      % (mib(len(data)), mib(MAX_RESULT))), ensure_ascii=True).encode()
    except MemoryError:
        data = b'{"ok":false,"kind":"memory","message":"MemoryError: the script went over its memory ' \
               b'limit while its result was turned into JSON"}'
    write_frame(pw, data)
    os._exit(0)


# --- the zygote ----------------------------------------------------------------


class Spare:
    """A pre-forked child waiting for a request."""

    def __init__(self, tasks):
        reap()
        self.scratch = TMP
        if not SANDBOXED:
            import tempfile
            # Under the runner's directory for this worker, which the runner
            # removes when the worker ends, however it ends.
            self.scratch = tempfile.mkdtemp(prefix="run-", dir=CONFIG["scratch"])
        qr, self.qw = os.pipe()
        self.pr, pw = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(self.qw)
                os.close(self.pr)
                child(qr, pw, self.scratch, tasks)
            finally:
                os._exit(70)
        CHILDREN.add(self.pid)
        os.close(qr)
        os.close(pw)
        try:
            self.pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self.status = self.ru = None

    def close(self):
        for fd in (self.qw, self.pr, self.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.qw = self.pr = self.pidfd = None

    def poll(self, block):
        """Collects the child's exit status; reports whether it has exited."""
        if self.status is None:
            try:
                pid, status, ru = os.wait4(self.pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                CHILDREN.discard(self.pid)
                return True
            if pid:
                self.status, self.ru = status, ru
                CHILDREN.discard(pid)
        return self.status is not None


CHILDREN = set()  # pids of this zygote's children not yet reaped
ACTIVE = [0]       # the child running a script, whose status serve reads


def reap():
    """Collects exited children (killed predecessors) without blocking;
    never the active one, whose exit status says how its run ended."""
    for pid in list(CHILDREN):
        if pid == ACTIVE[0]:
            continue
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            CHILDREN.discard(pid)


def describe_status(status, ru, hdr):
    """Says why a child ended without a reply."""
    memory, timeout = int(hdr.get("memory", 0)), float(hdr.get("timeout", 0))
    if status is None:
        return failure("script", "the script's process ended before it left a result")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        cpu = ru.ru_utime + ru.ru_stime if ru is not None else 0
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= math.ceil(timeout) + 1):
            return failure("timeout", "the script used more than %ds of CPU time" % (math.ceil(timeout) + 1))
        if sig == signal.SIGKILL:
            return failure("memory", "the script was killed (SIGKILL), most likely by the kernel for "
                           "going over its memory limit of %s" % mib(memory))
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = "signal %d" % sig
        return failure("script", "the script's process crashed (%s)" % name)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    return failure("script", "the script's process exited (status %d) before it left a result" % code)


def collect(c):
    """Reads the child's reply frame; None when it exited without one."""
    buf = bytearray()
    reading = True
    while True:
        fds = ([c.pr] if reading else []) + ([c.pidfd] if c.pidfd is not None else [])
        ready = select.select(fds, [], [], None if c.pidfd is not None else 0.01)[0]
        if c.pr in ready:
            chunk = os.read(c.pr, PIPE_READ)
            if chunk:
                buf += chunk
            else:
                reading = False
        frame = complete(buf)
        if frame is not None:
            return frame
        if (c.pidfd in ready) if c.pidfd is not None else c.poll(False):
            # Exited: whatever it wrote is in the pipe now.
            os.set_blocking(c.pr, False)
            try:
                while len(buf) <= MAX_REPLY + 4:
                    chunk = os.read(c.pr, PIPE_READ)
                    if not chunk:
                        break
                    buf += chunk
            except BlockingIOError:
                pass
            return complete(buf)
        if not reading and c.pidfd is None:
            c.poll(True)


def complete(buf):
    """The frame in buf if it is complete (a refusal if it is too long)."""
    if len(buf) < 4:
        return None
    n = int.from_bytes(buf[:4], "big")
    if n > MAX_REPLY:
        return json.dumps(failure("result", "the script's reply is over the %s limit" % mib(MAX_REPLY))).encode()
    if len(buf) < 4 + n:
        return None
    return bytes(buf[4:4 + n])


def serve(c, body, tasks):
    """Hands one request to the spare child c, relays its reply, cleans up
    and returns the next spare (forked after the reply, off its clock)."""
    try:
        hdr = json.loads(body[:body.index(b"\n")])
    except ValueError:
        hdr = {}
    reap()
    if c.poll(False):  # the spare died (a signal from an earlier run?)
        c.close()
        c = Spare(tasks)
    if not SANDBOXED:
        send({"child": c.pid})
    ACTIVE[0] = c.pid
    try:
        write_all(c.qw, len(body).to_bytes(4, "big"))
        write_all(c.qw, body)
    except OSError:
        pass  # the child is gone; its status says why
    del body
    os.close(c.qw)
    c.qw = None
    frame = collect(c)
    if frame is not None:
        write_frame(REPLY_FD, frame)  # reply first; the clean-up is off the clock
    else:
        c.poll(True)
        send(describe_status(c.status, c.ru, hdr))
    ACTIVE[0] = 0
    cleanup(c)
    return Spare(tasks)


def cleanup(c):
    """Kills what the run left running and empties its scratch space."""
    if not SANDBOXED:
        try:
            os.killpg(c.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        c.close()
        c.poll(False)
        shutil.rmtree(c.scratch, ignore_errors=True)
        return
    # In the sandbox's PID namespace, -1 means every process but pid 1
    # (bubblewrap's reaper) and this zygote: the child, if it has not exited
    # yet, and everything the script started.
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    c.close()
    c.poll(False)
    # Wait until they are gone (/proc shows this namespace only), killing
    # any straggler again; this zygote's own killed children finish dying in
    # the background and are reaped later.
    import time
    deadline = time.monotonic() + 1
    me = os.getpid()
    while True:
        reap()
        skip = {1, me} | CHILDREN
        try:
            others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in skip]
        except OSError:
            others = []
        if not others:
            break
        if time.monotonic() > deadline:
            os._exit(3)  # cannot clean up: let the runner replace the sandbox
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.0005)
    try:
        entries = list(os.scandir(TMP))
    except OSError:
        entries = []
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
        except OSError:
            pass


def set_undumpable():
    """No core dumps, no /proc/<pid>/mem or ptrace from sibling processes."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except Exception:
        pass


HUGE = 2 << 20  # a transparent huge page where pages are 4 KiB


def collapse_heap():
    """Best effort: backs the zygote's anonymous memory (the malloc heap,
    pymalloc's arenas, the preloaded modules' objects) with transparent
    huge pages, wherever a whole aligned 2 MiB lies in one mapping
    (MADV_COLLAPSE, Linux 6.1 and later; elsewhere nothing happens). Each
    run forks the zygote and its child's exit tears the copy down, both in
    proportion to the page-table entries: a huge page is one entry instead
    of 512. A child's first write to one splits it in the child only (and
    copies 4 KiB, as before). Returns how many were collapsed."""
    if resource.getpagesize() != 4096:
        return 0
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        madvise = libc.madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        madvise.restype = ctypes.c_int
        with open("/proc/self/maps", "rb") as f:
            maps = f.read().decode("ascii", "replace").splitlines()
    except Exception:
        return 0
    done = 0
    for line in maps:
        f = line.split()
        # Private writable memory that is not a file's: [heap] or unnamed.
        if len(f) < 5 or f[1] != "rw-p" or (len(f) > 5 and f[5] != "[heap]"):
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        a, end = (lo + HUGE - 1) & -HUGE, hi & -HUGE
        while a < end:
            # EINVAL is also what a range that cannot be collapsed gets
            # (as well as a kernel without MADV_COLLAPSE), so a failure,
            # even the first, is no reason to stop: the calls are cheap.
            if madvise(a, HUGE, 25) == 0:  # MADV_COLLAPSE
                done += 1
            a += HUGE
    return done


def count_tasks():
    """The tasks in the sandbox now: bubblewrap's reaper and this zygote's threads."""
    try:
        return 1 + len(os.listdir("/proc/self/task"))
    except OSError:
        return 2


def main():
    os.closerange(5, 65536)
    loaded, failed = [], []
    for name in CONFIG.get("preload") or []:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except ImportError:
            pass
        except Exception as e:
            failed.append("%s: %s" % (name, describe(e)))
    import traceback  # noqa: F401 (warm for error reports)
    import _posixsubprocess  # noqa: F401 (so that the child can refuse it)
    set_undumpable()
    prepare_child_filter()
    # The script's process, a predecessor still dying, and the extra ones.
    tasks = count_tasks() + 2 + EXTRA_TASKS if SANDBOXED else 0
    if SANDBOXED:
        os.chdir(TMP)
    gc.collect()
    gc.freeze()  # keep the collector off the zygote's pages in the children
    collapse_heap()
    spare = Spare(tasks)
    send({"ready": True, "python": sys.version.split()[0], "preloaded": loaded, "failed": failed})
    while True:
        body = read_frame(REQ_FD, MAX_REQUEST)
        if body is None:
            os._exit(0)
        spare = serve(spare, body, tasks)


main()
