// Benchmarks of a whole Workflow.Run with the run journal on and off: a
// one-leaf workflow of the C-built custom node "add" (the cecho fixture of
// internal/wasmhost), so that the difference is what the journal costs a
// run (its start, its events, its end, all durable before Run returns).

package weft_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft"
)

// benchAddFlow is one custom-node leaf: test.cecho/add, 40 + 2.
const benchAddFlow = `
type: test.cecho/add
id: add
props: {a: 40, b: 2}
`

// BenchmarkRunJournal runs benchAddFlow with the journal off (the
// same-run baseline) and on, one run at a time and from 8 goroutines per
// core at once (where runs ending together may share a commit).
func BenchmarkRunJournal(b *testing.B) {
	for _, tc := range []struct {
		name      string
		noJournal bool
		parallel  bool
	}{{"off", true, false}, {"on", false, false}, {"off-parallel", true, true}, {"on-parallel", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			eng, err := weft.New(ctx, weft.Config{Home: b.TempDir(), NoJournal: tc.noJournal})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			if _, err := eng.AddPackage(ctx, filepath.Join("internal", "wasmhost", "testdata", "pkgs", "cecho")); err != nil {
				b.Fatal(err)
			}
			wf, err := eng.Load("add.yaml", []byte(benchAddFlow))
			if err != nil {
				b.Fatal(err)
			}
			run := func() error {
				res, err := wf.Run(ctx, weft.RunOptions{})
				if err == nil && res.Status != "success" {
					err = fmt.Errorf("run %s: %w", res.Status, res.Err)
				}
				return err
			}
			// Warm: the module compiled, an instance in the pool.
			if err := run(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			if tc.parallel {
				b.SetParallelism(8) // 8 runs per core at once
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := run(); err != nil {
							b.Error(err) // not Fatal: this is not the benchmark's goroutine
							return
						}
					}
				})
				return
			}
			for b.Loop() {
				if err := run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
