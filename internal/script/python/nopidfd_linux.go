// No pidfds on MIPS here (their numbers differ per ABI): the runner kills
// a sandbox through bwrap's process group and --die-with-parent alone.

//go:build linux && (mips || mipsle || mips64 || mips64le)

package python

const (
	sysPidfdOpen       = 0
	sysPidfdSendSignal = 0
)
