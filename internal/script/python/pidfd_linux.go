// Syscall numbers of pidfd_open and pidfd_send_signal, which the frozen
// syscall package does not name: the same on every Linux architecture but
// MIPS.

//go:build linux && !(mips || mipsle || mips64 || mips64le)

package python

const (
	sysPidfdOpen       = 434
	sysPidfdSendSignal = 424
)
