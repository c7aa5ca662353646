// Benchmark of a whole run through the public Workflow.Run, against the
// floor measured in the same process: the same compiled tree, instantiated
// once, ticked run after run. See docs/performance.md.

package weft_test

import (
	"context"
	"strings"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/enginex"
)

// workflow1000 is a Sequence of 9 Sequences of 110 SuccessNodes: 1,000
// built-in nodes.
func workflow1000() []byte {
	var src strings.Builder
	src.WriteString("type: Sequence\nchildren:\n")
	for range 9 {
		src.WriteString("  - type: Sequence\n    children:\n")
		for range 110 {
			src.WriteString("      - {type: SuccessNode}\n")
		}
	}
	return []byte(src.String())
}

// BenchmarkWorkflowRun1000 runs a 1,000-node workflow of built-in nodes
// once per iteration. "weft" is the public Workflow.Run (journal off, so
// that only the run's own cost is measured); "reused-tree" is the floor:
// one instance of the same tree, run again and again with the same
// options. ns/node is the cost per node of one whole run.
func BenchmarkWorkflowRun1000(b *testing.B) {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: b.TempDir(), NoJournal: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	wf, err := eng.Load("bench.yaml", workflow1000())
	if err != nil {
		b.Fatal(err)
	}
	inputs := map[string]any{"n": int64(3)}

	b.Run("weft", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := wf.Run(ctx, weft.RunOptions{ID: "bench", Inputs: inputs})
			if err != nil || res.Status != "success" {
				b.Fatal(err, res)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/node")
	})

	b.Run("reused-tree", func(b *testing.B) {
		tr, err := enginex.Def(wf).Instantiate(wf.ID(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(tr.Nodes) != 1000 {
			b.Fatalf("%d nodes", len(tr.Nodes))
		}
		b.ReportAllocs()
		for b.Loop() {
			res := tr.Run(ctx, bt.RunOptions{ID: "bench", Tenant: "default", Inputs: inputs})
			if res.Status != bt.Success {
				b.Fatal(res.Err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/node")
	})
}
