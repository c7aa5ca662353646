// Tests that the zygote's memory is backed by transparent huge pages where
// the kernel can collapse it (MADV_COLLAPSE), which makes each run's fork
// and exit cheaper, and that runs still start clean with it.

//go:build linux

package python

import (
	"os"
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
	// The run's process is a fresh fork of the zygote: until it writes to
	// them, it maps the zygote's huge pages as they are.
	got, err := run(t, r, "hugepages", `
kb = 0
with open('/proc/self/smaps_rollup') as f:
    for line in f:
        if line.startswith('AnonHugePages:'):
            kb = int(line.split()[1])
result = {'kb': kb, 'leftover': 'marker' in globals()}
marker = 1
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if kb, _ := m["kb"].(int64); kb < 2048 {
		t.Errorf("the run's process maps %v KiB of anonymous huge pages, want at least one 2 MiB page (%v)", m["kb"], got)
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
