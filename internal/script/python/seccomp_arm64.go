// Syscall numbers of the seccomp deny list on linux/arm64 (the generic
// table).

//go:build linux

package python

const auditArch = 0xc00000b7 // AUDIT_ARCH_AARCH64

const hasX32 = false

var seccompNumbers = map[string]uint32{
	"ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "pidfd_getfd": 438,
	"process_madvise": 440, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
	"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
	"keyctl": 219, "add_key": 217, "request_key": 218, "lookup_dcookie": 18, "fanotify_init": 262,
	"name_to_handle_at": 264, "open_by_handle_at": 265,
	"unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
	"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
	"kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
	"acct": 89, "swapon": 224, "swapoff": 225, "reboot": 142, "syslog": 116, "quotactl": 60,
	"memfd_create": 279, "shmget": 194, "shmat": 196, "shmdt": 197, "shmctl": 195,
	"msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187,
	"semget": 190, "semop": 193, "semctl": 191, "semtimedop": 192,
	// The script process's own filter (seccomp_child.go); arm64 has no fork or vfork.
	"execve": 221, "execveat": 281, "clone": 220, "clone3": 435,
	"kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240,
	"pidfd_send_signal": 424, "prlimit64": 261, "setpriority": 140, "ioprio_set": 30,
	"sched_setaffinity": 122, "sched_setscheduler": 119, "sched_setparam": 118, "sched_setattr": 274,
	"move_pages": 239, "migrate_pages": 238,
}
