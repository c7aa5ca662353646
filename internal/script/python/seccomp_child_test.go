// Tests of the script process's own seccomp program, run on a small
// classic BPF interpreter against made-up syscalls; TestNoSubprocess and
// TestZygoteOutOfReach check that the kernel enforces it.

package python

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// evalBPF runs prog on a seccomp_data of arch, nr and args (their low 32
// bits, little-endian as on amd64 and arm64) and returns what it returns.
func evalBPF(t *testing.T, prog []byte, arch, nr uint32, args ...uint64) uint32 {
	t.Helper()
	data := make([]byte, 64)
	binary.LittleEndian.PutUint32(data[0:], nr)
	binary.LittleEndian.PutUint32(data[4:], arch)
	for i, a := range args {
		binary.LittleEndian.PutUint64(data[16+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc < len(prog)/8; pc++ {
		b := prog[8*pc:]
		code, jt, jf, k := binary.NativeEndian.Uint16(b), b[2], b[3], binary.NativeEndian.Uint32(b[4:])
		switch code {
		case bpfLdWAbs:
			acc = binary.LittleEndian.Uint32(data[k:])
		case bpfJeqK, bpfJgeK, bpfJsetK:
			ok := (code == bpfJeqK && acc == k) || (code == bpfJgeK && acc >= k) || (code == bpfJsetK && acc&k != 0)
			if ok {
				pc += int(jt)
			} else {
				pc += int(jf)
			}
		case bpfRetK:
			return k
		default:
			t.Fatalf("instruction %d: unexpected code %#x", pc, code)
		}
	}
	t.Fatal("the program fell off its end")
	return 0
}

func TestChildFilter(t *testing.T) {
	if auditArch == 0 {
		t.Skip("no seccomp table for this system")
	}
	prog, slots := childFilter()
	if len(prog)%8 != 0 || len(prog)/8 > 255 || len(slots) != 3 {
		t.Fatalf("a program of %d bytes with %d pid slots", len(prog), len(slots))
	}
	const self, zygote = 4, 2
	p := append([]byte(nil), prog...)
	for _, i := range slots {
		if binary.NativeEndian.Uint32(p[8*i+4:]) != 0 {
			t.Fatalf("slot %d is not a 0 placeholder", i)
		}
		binary.NativeEndian.PutUint32(p[8*i+4:], self) // as worker.py fills it in
	}
	const (
		allow  = seccompRetAllow
		eperm  = seccompRetErrno | errnoEPERM
		enosys = seccompRetErrno | errnoENOSYS
		kill   = seccompRetKillProcess
	)
	high := uint64(1) << 32 // bits the kernel ignores in a pid_t
	tests := []struct {
		name string
		args []uint64
		want uint32
	}{
		{"execve", nil, eperm},
		{"execveat", nil, eperm},
		{"fork", nil, eperm},
		{"vfork", nil, eperm},
		{"clone", []uint64{17}, eperm},                               // SIGCHLD: fork
		{"clone", []uint64{0x4000 | 0x100 | 17}, eperm},              // CLONE_VFORK|CLONE_VM: posix_spawn
		{"clone", []uint64{0x3d0f00}, allow},                         // pthread_create's flags
		{"clone3", nil, enosys},                                      // glibc then tries clone
		{"kill", []uint64{self, 15}, allow},                          // itself
		{"kill", []uint64{high | self, 15}, allow},                   // the same pid to the kernel
		{"kill", []uint64{zygote, 9}, eperm},                         // the zygote
		{"kill", []uint64{high | zygote, 9}, eperm},                  // ... with the high bits set
		{"kill", []uint64{0, 9}, eperm},                              // its process group, the zygote's
		{"kill", []uint64{uint64(0xffffffff), 9}, eperm},             // -1: every process
		{"tgkill", []uint64{self, self, 6}, allow},                   // abort()
		{"tgkill", []uint64{zygote, zygote, 9}, eperm},               //
		{"tkill", []uint64{self, 9}, eperm},                          //
		{"rt_sigqueueinfo", []uint64{zygote, 9, 0}, eperm},           //
		{"rt_tgsigqueueinfo", []uint64{self, self, 10, 0}, allow},    //
		{"pidfd_send_signal", []uint64{3, 9, 0, 0}, eperm},           //
		{"prlimit64", []uint64{0, 7, 1, 0}, allow},                   // setrlimit(3)
		{"prlimit64", []uint64{self, 7, 1, 0}, allow},                //
		{"prlimit64", []uint64{zygote, 7, 1, 0}, eperm},              //
		{"setpriority", []uint64{prioProcess, 0, 5}, allow},          //
		{"setpriority", []uint64{prioProcess, self, 5}, allow},       //
		{"setpriority", []uint64{prioProcess, zygote, 19}, eperm},    //
		{"setpriority", []uint64{1, 0, 19}, eperm},                   // PRIO_PGRP: the zygote's group
		{"setpriority", []uint64{2, 0, 19}, eperm},                   // PRIO_USER: every process of the uid
		{"ioprio_set", []uint64{ioprioWhoProcess, 0, 7}, allow},      //
		{"ioprio_set", []uint64{ioprioWhoProcess, zygote, 7}, eperm}, //
		{"ioprio_set", []uint64{3, 0, 7}, eperm},                     // IOPRIO_WHO_USER
		{"sched_setaffinity", []uint64{0, 8, 0}, allow},              //
		{"sched_setaffinity", []uint64{zygote, 8, 0}, eperm},         //
		{"sched_setscheduler", []uint64{zygote, 5, 0}, eperm},        //
		{"sched_setattr", []uint64{self, 0, 0}, allow},               //
		{"move_pages", []uint64{zygote, 0, 0, 0, 0, 0}, eperm},       //
		{"migrate_pages", []uint64{0, 0, 0, 0}, allow},               //
		{"ptrace", nil, allow},                                       // bwrap's filter refuses it
		{"(unlisted)", nil, allow},                                   // any other syscall
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s%v", tt.name, tt.args), func(t *testing.T) {
			nr, ok := seccompNumbers[tt.name]
			if tt.name == "(unlisted)" {
				nr, ok = 0x3fff, true // no syscall has this number
			}
			if !ok {
				t.Skipf("no %s on this architecture", tt.name)
			}
			if got := evalBPF(t, p, auditArch, nr, tt.args...); got != tt.want {
				t.Errorf("got %#x, want %#x", got, tt.want)
			}
		})
	}
	if got := evalBPF(t, p, 0x40000003, 11); got != kill { // AUDIT_ARCH_I386 execve
		t.Errorf("another architecture: got %#x, want KILL_PROCESS", got)
	}
}
