// bench_test.go: the cost of a call on a warm VM against a new VM per call.
//
//	go test -run '^$' -bench . -count 5 ./internal/script/javascript/
//
// Besides ns/op, each benchmark reports the median latency of its calls as
// p50-µs.

package javascript

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/weft-dev/weft/internal/script"
)

// benchRequest is a small script reading a global and setting result.
var benchRequest = script.Request{
	Tenant:  "bench",
	Source:  "result = {doubled: x * 2, name: name.toUpperCase()}",
	Globals: map[string]any{"x": int64(21), "name": "weft"},
	Timeout: 5 * time.Second,
}

func benchmarkRuns(b *testing.B, r *Runner) {
	ctx := context.Background()
	if _, err := r.Run(ctx, benchRequest); err != nil { // warm the pool
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		res, err := r.Run(ctx, benchRequest)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if m, _ := res.(map[string]any); m["doubled"] != int64(42) {
			b.Fatalf("result %#v", res)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
}

// BenchmarkWarmCall: Runner.Run on a warm pool, the way the node calls it.
func BenchmarkWarmCall(b *testing.B) {
	r := New(Config{})
	defer r.Close()
	benchmarkRuns(b, r)
}

// BenchmarkNewVMPerCall: the same work on a new VM every call, the
// isolation a warm pool is measured against.
func BenchmarkNewVMPerCall(b *testing.B) {
	r := New(Config{MaxRunsPerVM: 1})
	defer r.Close()
	benchmarkRuns(b, r)
}
