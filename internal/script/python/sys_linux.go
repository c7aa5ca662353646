// Linux process plumbing: process groups, the parent-death signal, dropping
// root for the sandbox, and pidfds for killing a sandbox's PID namespace
// without racing pid reuse.

//go:build linux

package python

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sandboxOS: bubblewrap sandboxes exist here.
const sandboxOS = true

// unsandboxedOS: worker.py can run here without a sandbox.
const unsandboxedOS = true

// procAttr starts a worker in a process group of its own, killed when the
// runner dies; dropRoot runs it as nobody.
func procAttr(dropRoot bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if dropRoot {
		a.Credential = &syscall.Credential{Uid: sandboxUID, Gid: sandboxGID, Groups: []uint32{}}
	}
	return a
}

// killGroup sends SIGKILL to process group pgid.
func killGroup(pgid int) {
	if pgid > 1 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// openPidfd returns a pidfd for pid, which must be a child of parent (so
// that it is the process bwrap reported, not a successor reusing its
// number), or -1.
func openPidfd(pid, parent int) int {
	if sysPidfdOpen == 0 {
		return -1
	}
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno != 0 {
		return -1
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err == nil {
		for line := range bytes.SplitSeq(status, []byte("\n")) {
			if v, ok := bytes.CutPrefix(line, []byte("PPid:")); ok {
				if ppid, err := strconv.Atoi(string(bytes.TrimSpace(v))); err == nil && ppid == parent {
					return int(fd)
				}
			}
		}
	}
	closeFD(int(fd))
	return -1
}

// killPidfd sends SIGKILL to the process of pidfd fd.
func killPidfd(fd int) {
	if sysPidfdSendSignal == 0 {
		return
	}
	_, _, _ = syscall.Syscall6(sysPidfdSendSignal, uintptr(fd), uintptr(syscall.SIGKILL), 0, 0, 0, 0)
}

func closeFD(fd int) { _ = syscall.Close(fd) }
