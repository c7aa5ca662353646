// Benchmarks that report the CPU a warm call costs the machine (the
// sandbox's processes and the runner), not only its wall time: on a
// shared, busy machine wall time measures the scheduler as much as the
// call, CPU time much less so.

//go:build linux

package python

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// BenchmarkWarmCallCPU is BenchmarkWarmCall reporting CPU per call:
// cpu-ms/op for everything, sandbox-cpu-ms/op for the sandbox's processes
// (bwrap, the zygote and the run's children it reaped).
func BenchmarkWarmCallCPU(b *testing.B) {
	r, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	requireSandbox(b, r)
	ctx := context.Background()
	req := script.Request{Tenant: "bench", Source: benchSource, Globals: map[string]any{"n": int64(1000)}}
	if _, err := r.Run(ctx, req); err != nil {
		b.Fatal(err)
	}
	r.mu.Lock()
	t := r.tenants["bench"]
	r.mu.Unlock()
	t.mu.Lock()
	pids := treeOf(t.idle[0].cmd.Process.Pid)
	t.mu.Unlock()
	box0, self0 := ticksOf(pids), selfCPU()
	n := 0
	for b.Loop() {
		n++
		if _, err := r.Run(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	box := time.Duration(ticksOf(pids)-box0) * time.Second / 100 // USER_HZ
	self := selfCPU() - self0
	b.ReportMetric(float64(box.Microseconds())/1e3/float64(n), "sandbox-cpu-ms/op")
	b.ReportMetric(float64((box+self).Microseconds())/1e3/float64(n), "cpu-ms/op")
}

// BenchmarkSpawnPerCallCPU is BenchmarkSpawnPerCall reporting CPU per
// call (python3's and the runner's).
func BenchmarkSpawnPerCallCPU(b *testing.B) {
	if _, err := exec.LookPath(defaultPython); err != nil {
		b.Skipf("no %s: %v", defaultPython, err)
	}
	src := "import json\nn = 1000\n" + benchSource + "\nprint(json.dumps(result))"
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru0)
	self0 := selfCPU()
	n := 0
	for b.Loop() {
		n++
		if _, err := exec.Command(defaultPython, "-c", src).Output(); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru1)
	kids := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(float64((kids+selfCPU()-self0).Microseconds())/1e3/float64(n), "cpu-ms/op")
}

// selfCPU is this process's CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// treeOf returns pid and its descendants now.
func treeOf(pid int) []int {
	out := []int{pid}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		for _, f := range strings.Fields(string(data)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, treeOf(c)...)
			}
		}
	}
	return out
}

// ticksOf sums the CPU (utime, stime and the reaped children's cutime,
// cstime, in clock ticks) of pids.
func ticksOf(pids []int) int {
	sum := 0
	for _, p := range pids {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || i+2 > len(s) {
			continue
		}
		f := strings.Fields(s[i+2:])
		for _, k := range []int{11, 12, 13, 14} { // fields 14-17 of proc(5)
			if k < len(f) {
				v, _ := strconv.Atoi(f[k])
				sum += v
			}
		}
	}
	return sum
}
