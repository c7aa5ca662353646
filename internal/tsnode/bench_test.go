// bench_test.go: the compile time of a 200-line node, esbuild alone and the
// whole Build (bundle, declaration read in QuickJS, manifest).
//
//	go test -run '^$' -bench . -count 5 ./internal/tsnode/

package tsnode

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// node200 is a node of 200 lines: helpers with types, and a run using them.
func node200() string {
	var b strings.Builder
	b.WriteString("import { node } from \"weft\";\n\n")
	lines := 2
	for i := 0; lines < 185; i++ {
		fmt.Fprintf(&b, "interface Item%d {\n  id: number;\n  label: string;\n}\n", i)
		fmt.Fprintf(&b, "function step%d(items: Item%d[], factor: number): number {\n  let total = 0;\n  for (const it of items) {\n    total += it.id * factor + it.label.length;\n  }\n  return total;\n}\n\n", i, i)
		lines += 12
	}
	b.WriteString(`export default node({
  description: "Adds things up",
  inputs: { n: { type: "integer", required: true }, label: "string" },
  outputs: { total: "integer" },
  permissions: { timeout: "quick" },
  async run(ctx, input) {
    const items = [{ id: input.n, label: input.label ?? "" }];
    ctx.log.info("adding");
    return { total: step0(items, 2) + step1(items, 3) };
  },
});
`)
	return b.String()
}

func BenchmarkBundle200Lines(b *testing.B) {
	src := node200()
	if n := strings.Count(src, "\n"); n < 195 || n > 210 {
		b.Fatalf("%d lines", n)
	}
	for b.Loop() {
		if _, err := Bundle("node.ts", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild200Lines(b *testing.B) {
	src := node200()
	ctx := context.Background()
	for b.Loop() {
		if _, err := Build(ctx, Source{Name: "adder", Version: "1.0.0", File: "node.ts", Code: src}); err != nil {
			b.Fatal(err)
		}
	}
}
