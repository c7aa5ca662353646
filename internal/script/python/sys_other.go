// Process plumbing elsewhere (Windows, ...): Python scripts cannot run,
// sandboxed or not; Run says so with ErrSandbox.

//go:build !unix

package python

import "syscall"

const sandboxOS = false

const unsandboxedOS = false

func procAttr(bool) *syscall.SysProcAttr { return nil }

func killGroup(int) {}

func openPidfd(int, int) int { return -1 }

func killPidfd(int) {}

func closeFD(int) {}

// No pidfds here.
const (
	sysPidfdOpen       = 0
	sysPidfdSendSignal = 0
)
