// Tests that the zygote's memory is backed by transparent huge pages where
// the kernel can collapse it (MADV_COLLAPSE), which makes each run's fork
// and exit cheaper, and that runs still start clean with it.

//go:build linux

package python

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// collapseSupported reports whether this kernel has MADV_COLLAPSE (6.1+)
// with transparent huge pages not switched off.
func collapseSupported(t *testing.T) bool {
	t.Helper()
	if os.Getpagesize() != 4096 {
		return false
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		return false
	}
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return false
	}
	var rel []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		rel = append(rel, byte(c))
	}
	var major, minor int
	for i, part := range strings.SplitN(string(rel)+".0", ".", 3)[:2] {
		n := 0
		for _, c := range part {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		if i == 0 {
			major = n
		} else {
			minor = n
		}
	}
	return major > 6 || major == 6 && minor >= 1
}

func TestZygoteHugePages(t *testing.T) {
	r := shared(t)
	if !collapseSupported(t) {
		t.Skip("no MADV_COLLAPSE or transparent huge pages on this kernel")
	}
	// A run leaves no global behind (the zygote's pages are shared, not
	// its interpreter's state).
	got, err := run(t, r, "hugepages", `
result = {'leftover': 'marker' in globals()}
marker = 1
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	// What every fork copies is the zygote's mapping. The run's own pages
	// split as soon as it writes to them (reference counts), and a script
	// may not read its zygote's /proc entry, so the test reads it from
	// here: the largest AnonHugePages among this process's descendants
	// that run worker.py (the zygotes and their children).
	if kb := zygoteHugeKB(t); kb < 2048 {
		t.Errorf("the zygote maps %d KiB of anonymous huge pages, want at least one 2 MiB page", kb)
	}
	if m["leftover"] != false {
		t.Errorf("a global of an earlier run is visible: %v", got)
	}
	// A second run in the same worker starts clean, too.
	got, err = run(t, r, "hugepages", "result = 'marker' in globals()", nil)
	if err != nil || got != false {
		t.Errorf("second run = %v, %v; want false (no leftover global)", got, err)
	}
}

// zygoteHugeKB returns the largest AnonHugePages, in KiB, of this test
// process's descendants running worker.py.
func zygoteHugeKB(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	self, best := os.Getpid(), 0
	for pid := range parent {
		p := pid
		for i := 0; i < 64 && p > 1 && p != self; i++ {
			p = parent[p]
		}
		if p != self {
			continue
		}
		cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if !strings.Contains(string(cmd), "worker.py") {
			continue
		}
		smaps, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(smaps), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "AnonHugePages:" {
				if kb, _ := strconv.Atoi(f[1]); kb > best {
					best = kb
				}
			}
		}
	}
	return best
}
