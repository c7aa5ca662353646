// Syscall numbers of the seccomp deny list on linux/amd64 (x86_64 ABI).

//go:build linux

package python

const auditArch = 0xc000003e // AUDIT_ARCH_X86_64

// hasX32: x32 syscalls share AUDIT_ARCH_X86_64 with this bit set.
const hasX32 = true

var seccompNumbers = map[string]uint32{
	"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "pidfd_getfd": 438,
	"process_madvise": 440, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
	"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
	"keyctl": 250, "add_key": 248, "request_key": 249, "lookup_dcookie": 212, "fanotify_init": 300,
	"name_to_handle_at": 303, "open_by_handle_at": 304,
	"unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
	"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
	"kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
	"acct": 163, "swapon": 167, "swapoff": 168, "reboot": 169, "syslog": 103, "quotactl": 179,
	"memfd_create": 319, "shmget": 29, "shmat": 30, "shmdt": 67, "shmctl": 31,
	"msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
	"semget": 64, "semop": 65, "semctl": 66, "semtimedop": 220,
	// The script process's own filter (seccomp_child.go).
	"execve": 59, "execveat": 322, "fork": 57, "vfork": 58, "clone": 56, "clone3": 435,
	"kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
	"pidfd_send_signal": 424, "prlimit64": 302, "setpriority": 141, "ioprio_set": 251,
	"sched_setaffinity": 203, "sched_setscheduler": 144, "sched_setparam": 142, "sched_setattr": 314,
	"move_pages": 279, "migrate_pages": 256,
}
