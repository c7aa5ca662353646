// Benchmarks of the PythonInterpreter node through the public API: a
// workflow whose one node is a Python script, run back to back on a warm
// engine, against the naive baseline of starting python3 for every call,
// in the same run.

package weft_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft"
)

// pythonBenchFlow is one PythonInterpreter node doing the same work as
// the baseline's script.
const pythonBenchFlow = `
type: PythonInterpreter
id: sum
props:
  outputKey: out
  script: "result = {'sum': sum(range(n)), 'n': n}"
`

// BenchmarkPythonNodeWarm runs the workflow back to back (journal off):
// each run also pays for whatever the run before left to do.
func BenchmarkPythonNodeWarm(b *testing.B) {
	benchPythonNode(b, true, 0)
}

// BenchmarkPythonNodeWarmIdle is BenchmarkPythonNodeWarm with 5ms (not
// timed) between runs: the latency of a run that is not back to back.
func BenchmarkPythonNodeWarmIdle(b *testing.B) {
	benchPythonNode(b, true, 5*time.Millisecond)
}

// BenchmarkPythonNodeWarmJournal is BenchmarkPythonNodeWarm with the
// journal on, as the CLI and the server run.
func BenchmarkPythonNodeWarmJournal(b *testing.B) {
	benchPythonNode(b, false, 0)
}

func benchPythonNode(b *testing.B, noJournal bool, pause time.Duration) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: b.TempDir(), NoJournal: noJournal})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	wf, err := eng.Load("sum.yaml", []byte(pythonBenchFlow))
	if err != nil {
		b.Fatal(err)
	}
	opts := weft.RunOptions{Inputs: map[string]any{"n": 1000}}
	check := func() {
		res, err := wf.Run(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != "success" {
			if res.Err != nil && strings.Contains(res.Err.Error(), "sandbox") {
				b.Skipf("no Python sandbox here: %v", res.Err)
			}
			b.Fatalf("status %s: %v", res.Status, res.Err)
		}
		out, _ := res.Blackboard["out"].(map[string]any)
		if out["sum"] != int64(499500) {
			b.Fatalf("out = %v", res.Blackboard["out"])
		}
	}
	check() // starts the tenant's worker
	for b.Loop() {
		if pause > 0 {
			b.StopTimer()
			time.Sleep(pause)
			b.StartTimer()
		}
		check()
	}
}

// BenchmarkPythonSpawnPerCall is the naive baseline: a fresh python3 per
// call (no sandbox, nothing preloaded), the script given with -c and its
// result printed as JSON.
func BenchmarkPythonSpawnPerCall(b *testing.B) {
	const python = "/usr/bin/python3"
	if _, err := exec.LookPath(python); err != nil {
		b.Skipf("no %s: %v", python, err)
	}
	src := "import json\nn = 1000\nresult = {'sum': sum(range(n)), 'n': n}\nprint(json.dumps(result))"
	for b.Loop() {
		out, err := exec.Command(python, "-c", src).Output()
		if err != nil {
			b.Fatal(err)
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil || res["sum"] != float64(499500) {
			b.Fatalf("result %s: %v", out, err)
		}
	}
}
