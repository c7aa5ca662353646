// The seccomp filter each script's process installs on itself before the
// script runs (worker.py, install_child_filter), on top of bubblewrap's:
// no new processes and no other programs (execve, execveat, fork, vfork
// and clone without CLONE_THREAD are refused; clone3 answers ENOSYS, so
// that the C library falls back to clone for threads), and no signals,
// resource limits, priorities or scheduling applied to any process but
// the script's own, such as the zygote that forks the next run's
// process. The zygote cannot carry this filter itself (it forks), so it
// is the child's; the child's pid is only known after the fork, so the
// program is a template whose pid slots the child fills in.

package python

import "encoding/binary"

// More classic BPF and seccomp constants (linux/filter.h, linux/seccomp.h,
// linux/sched.h, linux/resource.h, linux/ioprio.h).
const (
	bpfJsetK = 0x05 | 0x40 | 0x00 // BPF_JMP | BPF_JSET | BPF_K

	errnoENOSYS = 38

	// offArg0Lo is the low 32 bits of struct seccomp_data's args[0] on a
	// little-endian machine (amd64 and arm64, the only ones with tables);
	// the kernel reads a pid_t or int argument from those bits only.
	offArg0Lo = 16
	offArg1Lo = 24

	cloneThread      = 0x00010000 // CLONE_THREAD
	prioProcess      = 0          // PRIO_PROCESS
	ioprioWhoProcess = 1          // IOPRIO_WHO_PROCESS
)

// childSyscalls say what the child's filter does with each syscall.
var (
	// Refused with EPERM.
	childDenied = []string{"execve", "execveat", "fork", "vfork", "tkill", "pidfd_send_signal"}
	// Allowed only when the first argument is the process's own pid
	// (0 means the process group for kill, which holds the zygote).
	childSelfOnly = []string{"kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"}
	// Allowed when the first argument is 0 (the caller) or its own pid.
	childSelfOrZero = []string{"prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
		"sched_setattr", "move_pages", "migrate_pages"}
)

// childFilter returns the child's program and the indices of the
// instructions whose constant is the child's own pid (0 in the template),
// or nil where there is no syscall table.
func childFilter() (prog []byte, pidSlots []int) {
	if auditArch == 0 {
		return nil, nil
	}
	var a bpfAsm
	a.emit(bpfLdWAbs, offArch, "", "")
	a.emit(bpfJeqK, auditArch, "", "kill")
	a.emit(bpfLdWAbs, offNr, "", "")
	jump := func(names []string, to string) {
		for _, name := range names {
			if nr, ok := seccompNumbers[name]; ok {
				a.emit(bpfJeqK, nr, to, "")
			}
		}
	}
	jump(childDenied, "eperm")
	jump([]string{"clone3"}, "enosys")
	jump([]string{"clone"}, "clone")
	jump(childSelfOnly, "self")
	jump(childSelfOrZero, "selfOrZero")
	jump([]string{"setpriority"}, "prio")
	jump([]string{"ioprio_set"}, "ioprio")
	a.emit(bpfRetK, seccompRetAllow, "", "")

	a.label("clone") // a thread of this process, never a new process
	a.emit(bpfLdWAbs, offArg0Lo, "", "")
	a.emit(bpfJsetK, cloneThread, "allow", "eperm")

	a.label("self")
	a.emit(bpfLdWAbs, offArg0Lo, "", "")
	a.self(bpfJeqK, "allow", "eperm")

	a.label("selfOrZero")
	a.emit(bpfLdWAbs, offArg0Lo, "", "")
	a.emit(bpfJeqK, 0, "allow", "")
	a.self(bpfJeqK, "allow", "eperm")

	a.label("prio") // setpriority(PRIO_PROCESS, 0 or self, ...) only
	a.emit(bpfLdWAbs, offArg0Lo, "", "")
	a.emit(bpfJeqK, prioProcess, "who", "eperm")
	a.label("ioprio") // ioprio_set(IOPRIO_WHO_PROCESS, 0 or self, ...) only
	a.emit(bpfLdWAbs, offArg0Lo, "", "")
	a.emit(bpfJeqK, ioprioWhoProcess, "who", "eperm")
	a.label("who")
	a.emit(bpfLdWAbs, offArg1Lo, "", "")
	a.emit(bpfJeqK, 0, "allow", "")
	a.self(bpfJeqK, "allow", "eperm")

	a.label("allow")
	a.emit(bpfRetK, seccompRetAllow, "", "")
	a.label("eperm")
	a.emit(bpfRetK, seccompRetErrno|errnoEPERM, "", "")
	a.label("enosys")
	a.emit(bpfRetK, seccompRetErrno|errnoENOSYS, "", "")
	a.label("kill")
	a.emit(bpfRetK, seccompRetKillProcess, "", "")
	return a.assemble()
}

// bpfAsm assembles a classic BPF program whose conditional jumps name
// labels further on ("" is the next instruction).
type bpfAsm struct {
	insns  []bpfInsn
	labels map[string]int
	slots  []int // instructions whose k is the child's pid
}

type bpfInsn struct {
	code   uint16
	k      uint32
	jt, jf string
}

func (a *bpfAsm) emit(code uint16, k uint32, jt, jf string) {
	a.insns = append(a.insns, bpfInsn{code: code, k: k, jt: jt, jf: jf})
}

// self emits a comparison with the child's pid, a slot the child fills.
func (a *bpfAsm) self(code uint16, jt, jf string) {
	a.slots = append(a.slots, len(a.insns))
	a.emit(code, 0, jt, jf)
}

func (a *bpfAsm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.insns)
}

// assemble resolves the labels; it panics on a backward or too long jump
// or an unknown label, which are bugs of childFilter (its tests build it).
func (a *bpfAsm) assemble() ([]byte, []int) {
	out := make([]byte, 0, 8*len(a.insns))
	for i, in := range a.insns {
		off := func(label string) uint8 {
			if label == "" {
				return 0
			}
			to, ok := a.labels[label]
			if !ok || to <= i || to-i-1 > 255 {
				panic("seccomp_child: bad jump to " + label)
			}
			return uint8(to - i - 1)
		}
		jt, jf := off(in.jt), off(in.jf)
		out = binary.NativeEndian.AppendUint16(out, in.code)
		out = append(out, jt, jf)
		out = binary.NativeEndian.AppendUint32(out, in.k)
	}
	return out, a.slots
}
