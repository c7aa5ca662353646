// node_bench_test.go: the cost of a warm call of a TypeScript node with one
// host call, the figure docs/performance.md compares with the same node in C.
//
//	go test -run '^$' -bench Node -count 5 ./internal/script/javascript/

package javascript

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func BenchmarkNodeWarmCall(b *testing.B) {
	r := New(Config{})
	defer r.Close()
	// 200 lines of module code around the node, as a real bundle has.
	var body strings.Builder
	for i := 0; i < 60; i++ {
		body.WriteString("function helper" + string(rune('a'+i%26)) + itoa(i) + "(x) {\n  const y = x + 1;\n  return y * 2;\n}\n")
	}
	body.WriteString(`exports.default = {async run(ctx, input) { const v = await ctx.vars.get("x"); return {b: input.a * 2, v}; }};`)
	ns, err := CompileNode("bench/node.js", bundle(body.String()))
	if err != nil {
		b.Fatal(err)
	}
	c := &NodeCall{Tenant: "bench", Script: ns, Request: request, Timeout: 5 * time.Second,
		Host: func(op, req string) string { return `{"ok":41}` }}
	ctx := context.Background()
	if _, err := r.Node(ctx, c); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		out, err := r.Node(ctx, c)
		lat = append(lat, time.Since(start))
		if err != nil || !strings.Contains(out, `"v":41`) {
			b.Fatal(out, err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
}

func itoa(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}
