// One worker: a running sandbox (bwrap, its PID namespace, worker.py's
// zygote) or, unsandboxed, a bare worker.py process; starting it, sending
// it a run, and killing all of it.

package python

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// worker is one started sandbox.
type worker struct {
	tenant      string
	unsandboxed bool
	cmd         *exec.Cmd
	req         *os.File // requests, to worker.py's fd 3
	resp        *os.File // replies, from worker.py's fd 4
	stderr      *tail
	exited      chan struct{} // closed once cmd.Wait has returned
	lastUsed    time.Time     // guarded by the tenant's mu

	mu     sync.Mutex
	initFD int  // pidfd of the PID namespace's init (bwrap's reaper), or -1
	child  int  // unsandboxed: the running script's process group, or 0
	killed bool // kill has run
}

// startWorker starts a worker and waits until worker.py is ready.
//
// # Errors
//
// A *script.Error of kind ErrSandbox with what went wrong (and bwrap's or
// Python's last words), or ctx's error.
func startWorker(ctx context.Context, l launch, tenant string) (*worker, reply, error) {
	fail := func(format string, a ...any) (*worker, reply, error) {
		return nil, reply{}, &script.Error{Kind: script.ErrSandbox, Message: fmt.Sprintf(format, a...)}
	}
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	pipe := func() (*os.File, *os.File, error) {
		r, w, err := os.Pipe()
		if err == nil {
			opened = append(opened, r, w)
		}
		return r, w, err
	}
	reqR, reqW, err := pipe()
	if err != nil {
		return fail("cannot create a pipe: %v", err)
	}
	respR, respW, err := pipe()
	if err != nil {
		closeAll()
		return fail("cannot create a pipe: %v", err)
	}
	files := []*os.File{reqR, respW}
	var infoR *os.File
	infoFD, seccompFD := -1, -1
	if !l.unsandboxed {
		var infoW *os.File
		if infoR, infoW, err = pipe(); err != nil {
			closeAll()
			return fail("cannot create a pipe: %v", err)
		}
		files, infoFD = append(files, infoW), 3+len(files)
		if l.seccomp != nil {
			secR, secW, err := pipe()
			if err != nil {
				closeAll()
				return fail("cannot create a pipe: %v", err)
			}
			// The program is far smaller than a pipe's buffer.
			if _, err := secW.Write(l.seccomp); err != nil {
				closeAll()
				return fail("cannot pass the seccomp filter: %v", err)
			}
			secW.Close()
			files, seccompFD = append(files, secR), 3+len(files)
		}
	}
	scratch := ""
	if l.unsandboxed {
		if scratch, err = os.MkdirTemp("", "weft-python-"); err != nil {
			closeAll()
			return fail("cannot create a directory for the scripts' files: %v", err)
		}
	}
	cmd := l.command(files, infoFD, seccompFD, scratch)
	stderr := &tail{max: 8 << 10}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		closeAll()
		if scratch != "" {
			os.RemoveAll(scratch)
		}
		return fail("cannot start the sandbox: %v", err)
	}
	for _, f := range files {
		f.Close() // the child's ends
	}
	w := &worker{tenant: tenant, unsandboxed: l.unsandboxed, cmd: cmd, req: reqW, resp: respR,
		stderr: stderr, exited: make(chan struct{}), initFD: -1}
	go func() {
		_ = cmd.Wait()
		if scratch != "" {
			_ = os.RemoveAll(scratch)
		}
		w.mu.Lock()
		if w.initFD >= 0 {
			closeFD(w.initFD)
			w.initFD = -1
		}
		w.mu.Unlock()
		close(w.exited)
	}()

	type ready struct {
		rep reply
		err error
	}
	ch := make(chan ready, 1)
	go func() {
		if infoR != nil {
			err := w.readInfo(infoR)
			infoR.Close()
			if err != nil {
				ch <- ready{err: err}
				return
			}
		}
		body, err := readFrame(w.resp, maxReply)
		if err != nil {
			ch <- ready{err: err}
			return
		}
		rep, err := decodeReply(body)
		if err == nil && !rep.Ready {
			err = errors.New("the worker did not say it was ready")
		}
		ch <- ready{rep: rep, err: err}
	}()
	select {
	case res := <-ch:
		if res.err == nil {
			return w, res.rep, nil
		}
		w.kill()
		w.waitExit()
		return fail("the sandbox did not start: %v%s", res.err, w.lastWords())
	case <-ctx.Done():
		w.kill()
		<-ch
		w.waitExit()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fail("the sandbox did not start within %s%s", startTimeout, w.lastWords())
		}
		return nil, reply{}, ctx.Err()
	}
}

// readInfo reads bwrap's --info-fd JSON and takes a pidfd on the sandbox's
// init, so that kill reaches the whole PID namespace even if bwrap itself
// is gone.
func (w *worker) readInfo(r io.Reader) error {
	var info struct {
		ChildPid int `json:"child-pid"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 64<<10)).Decode(&info); err != nil {
		return fmt.Errorf("bubblewrap did not report the sandbox: %w", err)
	}
	if info.ChildPid <= 1 {
		return fmt.Errorf("bubblewrap reported the sandbox's pid as %d", info.ChildPid)
	}
	fd := openPidfd(info.ChildPid, w.cmd.Process.Pid)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.killed {
		if fd >= 0 {
			killPidfd(fd)
			closeFD(fd)
		}
		return errors.New("killed while starting")
	}
	w.initFD = fd
	return nil
}

// run sends one request and waits for its reply, the timeout, or ctx.
// broken reports that the worker was killed or cannot be trusted again.
func (w *worker) run(ctx context.Context, body []byte, timeout time.Duration) (res any, output string, broken bool, err error) {
	type answer struct {
		rep reply
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		if err := writeFrame(w.req, body); err != nil {
			ch <- answer{err: err}
			return
		}
		for first := true; ; first = false {
			data, err := readFrame(w.resp, maxReply)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			rep, err := decodeReply(data)
			if err != nil {
				ch <- answer{err: err}
				return
			}
			if first && w.unsandboxed {
				// The zygote names the run's process group first.
				if rep.Child <= 1 || rep.OK || rep.Kind != "" {
					ch <- answer{err: errors.New("the worker did not name the script's process")}
					return
				}
				w.mu.Lock()
				w.child = rep.Child
				w.mu.Unlock()
				continue
			}
			ch <- answer{rep: rep}
			return
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case a := <-ch:
		w.mu.Lock()
		w.child = 0
		w.mu.Unlock()
		if a.err != nil {
			w.kill()
			w.waitExit()
			return nil, "", true, &script.Error{Kind: script.ErrSandbox,
				Message: fmt.Sprintf("the sandbox stopped during the run (%v)%s", a.err, w.lastWords())}
		}
		res, err := a.rep.outcome()
		return res, a.rep.Output, errors.Is(err, script.ErrSandbox), err
	case <-timer.C:
		w.kill()
		<-ch
		return nil, "", true, &script.Error{Kind: script.ErrTimeout,
			Message: fmt.Sprintf("the script ran past its timeout of %s and was stopped", timeout)}
	case <-ctx.Done():
		w.kill()
		<-ch
		return nil, "", true, ctx.Err()
	}
}

// kill stops the whole worker at once: SIGKILL to the PID namespace's init
// (the kernel then kills every process in the namespace) and to bwrap's
// process group, and closes the pipes so that pending reads and writes
// end. It does not wait; w.exited closes when bwrap has been reaped.
func (w *worker) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.killed {
		return
	}
	w.killed = true
	if w.initFD >= 0 {
		killPidfd(w.initFD)
	}
	if w.child > 1 {
		killGroup(w.child)
	}
	select {
	case <-w.exited:
	default:
		killGroup(w.cmd.Process.Pid)
		_ = w.cmd.Process.Kill()
	}
	w.req.Close()
	w.resp.Close()
}

// alive reports whether the worker can take a run.
func (w *worker) alive() bool {
	select {
	case <-w.exited:
		return false
	default:
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.killed
}

// waitExit waits (a little) for the worker's process to be reaped, so that
// its stderr is complete.
func (w *worker) waitExit() {
	select {
	case <-w.exited:
	case <-time.After(2 * time.Second):
	}
}

// lastWords returns ": " and the end of the worker's stderr, if any.
func (w *worker) lastWords() string {
	s := oneLine(truncate(strings.TrimSpace(string(w.stderr.Bytes())), 1000))
	if s == "" {
		return ""
	}
	return ": " + s
}

// tail is an io.Writer that keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// Bytes returns a copy of what is kept.
func (t *tail) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}
