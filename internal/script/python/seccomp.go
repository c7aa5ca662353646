// The seccomp filter bwrap installs in the sandbox (--seccomp FD takes a
// compiled classic BPF program): a deny list of syscalls a script has no
// use for and that widen the kernel's attack surface or escape the
// resource limits, answered with EPERM; a syscall of another architecture
// (the i386 ABI on amd64, x32) kills the process.

package python

import "encoding/binary"

// Classic BPF and seccomp constants (linux/filter.h, linux/seccomp.h).
const (
	bpfLdWAbs = 0x00 | 0x00 | 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJeqK   = 0x05 | 0x10 | 0x00 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJgeK   = 0x05 | 0x30 | 0x00 // BPF_JMP | BPF_JGE | BPF_K
	bpfRetK   = 0x06 | 0x00        // BPF_RET | BPF_K

	seccompRetKillProcess = 0x80000000
	seccompRetErrno       = 0x00050000
	seccompRetAllow       = 0x7fff0000
	errnoEPERM            = 1

	offNr   = 0 // struct seccomp_data: int nr
	offArch = 4 // __u32 arch

	x32SyscallBit = 0x40000000
)

// deniedSyscalls names the syscalls the filter refuses; seccompNumbers
// (per architecture) maps them to numbers.
var deniedSyscalls = []string{
	// Other processes' memory and debugging.
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise",
	// Kernel facilities with a history of privilege escalations.
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key", "lookup_dcookie", "fanotify_init",
	"name_to_handle_at", "open_by_handle_at",
	// Namespaces and mounts (already refused for want of capabilities).
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
	"open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	// Machine administration (likewise).
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"acct", "swapon", "swapoff", "reboot", "syslog", "quotactl",
	// Memory outside RLIMIT_AS and the size-capped /tmp: SysV shared memory
	// and message queues outlive the process; memfd files count only
	// against RLIMIT_FSIZE each.
	"memfd_create", "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
	"semget", "semop", "semctl", "semtimedop",
}

// seccompFilter returns the program for this architecture, or nil when
// there is no table for it (then the sandbox runs without the filter).
func seccompFilter() []byte {
	if auditArch == 0 {
		return nil
	}
	type insn struct {
		code   uint16
		jt, jf uint8
		k      uint32
	}
	prog := []insn{
		{bpfLdWAbs, 0, 0, offArch},
		{bpfJeqK, 1, 0, auditArch},
		{bpfRetK, 0, 0, seccompRetKillProcess},
		{bpfLdWAbs, 0, 0, offNr},
	}
	var nrs []uint32
	for _, name := range deniedSyscalls {
		if nr, ok := seccompNumbers[name]; ok {
			nrs = append(nrs, nr)
		}
	}
	// The jumps go to the last instruction, the EPERM return; the one
	// before it allows.
	checks := len(nrs)
	if hasX32 {
		checks++
	}
	deny := len(prog) + checks + 1
	if hasX32 {
		prog = append(prog, insn{bpfJgeK, uint8(deny - len(prog) - 1), 0, x32SyscallBit})
	}
	for _, nr := range nrs {
		prog = append(prog, insn{bpfJeqK, uint8(deny - len(prog) - 1), 0, nr})
	}
	prog = append(prog, insn{bpfRetK, 0, 0, seccompRetAllow}, insn{bpfRetK, 0, 0, seccompRetErrno | errnoEPERM})
	out := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		out = binary.NativeEndian.AppendUint16(out, in.code)
		out = append(out, in.jt, in.jf)
		out = binary.NativeEndian.AppendUint32(out, in.k)
	}
	return out
}
