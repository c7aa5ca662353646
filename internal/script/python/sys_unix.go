// Process plumbing on Unix systems other than Linux: no sandbox, but the
// unsandboxed mode works, each worker in a process group of its own.

//go:build unix && !linux

package python

import "syscall"

const sandboxOS = false

const unsandboxedOS = true

func procAttr(bool) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(pgid int) {
	if pgid > 1 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func openPidfd(int, int) int { return -1 }

func killPidfd(int) {}

func closeFD(int) {}

// No pidfds here.
const (
	sysPidfdOpen       = 0
	sysPidfdSendSignal = 0
)
