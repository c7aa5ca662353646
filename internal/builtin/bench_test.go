// Benchmarks of the built-in nodes through a whole run. See
// docs/performance.md.

package builtin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/bttest"
	"github.com/weft-dev/weft/internal/builtin"
)

// BenchmarkRun1000Nodes runs a YAML workflow of 1,000 built-in nodes (a
// Sequence of 9 Sequences of 110 SuccessNodes) from start to finish, once
// per iteration on one instance of the tree, reused without a reset: the
// per-run cost (blackboard, result) plus 1,000 node ticks. The cost of a
// whole Workflow.Run, tree pool included, is BenchmarkWorkflowRun1000 in the
// root package.
func BenchmarkRun1000Nodes(b *testing.B) {
	var src strings.Builder
	src.WriteString("type: Sequence\nchildren:\n")
	for range 9 {
		src.WriteString("  - type: Sequence\n    children:\n")
		for range 110 {
			src.WriteString("      - {type: SuccessNode}\n")
		}
	}
	tr := bttest.Load(b, builtin.Registry(), src.String())
	if len(tr.Nodes) != 1000 {
		b.Fatalf("%d nodes", len(tr.Nodes))
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := tr.Run(ctx, bt.RunOptions{}); res.Status != bt.Success {
			b.Fatal(res.Err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/node")
}
