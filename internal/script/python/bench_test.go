// Benchmarks: a warm call through Runner.Run against the naive baseline of
// starting python3 for every call.

package python

import (
	"context"
	"encoding/json"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// benchSource computes a sum, the same work in both benchmarks.
const benchSource = "result = {'sum': sum(range(n)), 'n': n}"

// BenchmarkWarmCall runs a script through Runner.Run on a warm tenant,
// back to back: each call also pays for the clean-up of the one before.
func BenchmarkWarmCall(b *testing.B) {
	benchWarm(b, 0)
}

// BenchmarkWarmCallIdle is BenchmarkWarmCall with 5ms (not timed) between
// calls, as when calls are not back to back: the latency of a call.
func BenchmarkWarmCallIdle(b *testing.B) {
	benchWarm(b, 5*time.Millisecond)
}

func benchWarm(b *testing.B, pause time.Duration) {
	r, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	requireSandbox(b, r)
	ctx := context.Background()
	req := script.Request{Tenant: "bench", Source: benchSource, Globals: map[string]any{"n": int64(1000)}}
	if _, err := r.Run(ctx, req); err != nil { // start the tenant's worker
		b.Fatal(err)
	}
	for b.Loop() {
		if pause > 0 {
			b.StopTimer()
			time.Sleep(pause)
			b.StartTimer()
		}
		res, err := r.Run(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.(map[string]any)["sum"] != int64(499500) {
			b.Fatalf("sum = %v", res)
		}
	}
}

// BenchmarkSpawnPerCall is the naive approach: a fresh python3 per call,
// the script given with -c, its result printed as JSON on stdout.
func BenchmarkSpawnPerCall(b *testing.B) {
	if _, err := exec.LookPath(defaultPython); err != nil {
		b.Skipf("no %s: %v", defaultPython, err)
	}
	src := "import json\nn = 1000\n" + benchSource + "\nprint(json.dumps(result))"
	for b.Loop() {
		out, err := exec.Command(defaultPython, "-c", src).Output()
		if err != nil {
			b.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil || res["sum"] != float64(499500) {
			b.Fatalf("result %s: %v", out, err)
		}
	}
}
