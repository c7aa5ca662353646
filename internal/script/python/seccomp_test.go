// Tests of the seccomp program's construction; TestSeccomp checks that the
// sandbox enforces it.

package python

import (
	"encoding/binary"
	"testing"
)

func TestSeccompTable(t *testing.T) {
	if auditArch == 0 {
		t.Skip("no seccomp table for this system")
	}
	for _, name := range deniedSyscalls {
		if _, ok := seccompNumbers[name]; !ok {
			t.Errorf("no syscall number for %s", name)
		}
	}
	prog := seccompFilter()
	if len(prog)%8 != 0 || len(prog)/8 > 255 {
		t.Fatalf("a program of %d bytes", len(prog))
	}
	n := len(prog) / 8
	insn := func(i int) (code uint16, jt, jf uint8, k uint32) {
		b := prog[8*i:]
		return binary.NativeEndian.Uint16(b), b[2], b[3], binary.NativeEndian.Uint32(b[4:])
	}
	// Every jump lands on the final EPERM return; the two last are returns.
	for i := 0; i < n; i++ {
		code, jt, jf, _ := insn(i)
		if code == bpfJeqK || code == bpfJgeK {
			if i == 1 {
				continue // the architecture check
			}
			if i+1+int(jt) != n-1 || jf != 0 {
				t.Errorf("instruction %d jumps to %d, not to the EPERM return %d", i, i+1+int(jt), n-1)
			}
		}
	}
	if code, _, _, k := insn(n - 1); code != bpfRetK || k != seccompRetErrno|errnoEPERM {
		t.Errorf("the last instruction is %#x %#x, not RET ERRNO(EPERM)", code, k)
	}
	if code, _, _, k := insn(n - 2); code != bpfRetK || k != seccompRetAllow {
		t.Errorf("the instruction before it is %#x %#x, not RET ALLOW", code, k)
	}
}
