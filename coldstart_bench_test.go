// Benchmark of the cold start a user meets: `weft run wf.yaml` in a new
// process with an installed package and filled caches, done in-process
// (a new Engine per iteration over the same home, nothing kept in memory
// between iterations), for the Go SDK's example against the C fixture in
// the same run. See docs/performance.md.

package weft_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/wasmtest"
)

// BenchmarkColdStartInstalled: one iteration is what `weft run` does with
// an installed package: open the engine on a home (journal, package
// store), load a one-node workflow (resolve the package, read its blob,
// load its module from the caches, first instance, ABI check), run it
// once, close. The home is installed into and warmed by one run first.
//   - c: the C-built fixture cecho (a 15 kB module), the baseline;
//   - go: the Go SDK example (a ~3.7 MB module);
//   - builtin: a one-node workflow of a built-in node, the engine's floor.
func BenchmarkColdStartInstalled(b *testing.B) {
	cases := []struct {
		name, pkg, node string
	}{
		{"builtin", "", "SuccessNode\nid: sum\n"},
		{"c", filepath.Join("internal", "wasmhost", "testdata", "pkgs", "cecho"), "test.cecho/add\nid: sum\nprops: {a: 40, b: 2}\n"},
		{"go", "", "com.example.math/add\nid: sum\nprops: {a: 40, b: 2}\n"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			home := b.TempDir()
			src := []byte("type: " + c.node)
			if c.name != "builtin" {
				dir := c.pkg
				if dir == "" {
					dir = wasmtest.GoExample(b)
				}
				data, err := weft.Pack(dir)
				if err != nil {
					b.Fatal(err)
				}
				eng, err := weft.New(ctx, weft.Config{Home: home})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := eng.InstallPackage(ctx, data, weft.InstallOptions{}); err != nil {
					b.Fatal(err)
				}
				eng.Close()
			}
			run := func() {
				eng, err := weft.New(ctx, weft.Config{Home: home})
				if err != nil {
					b.Fatal(err)
				}
				defer eng.Close()
				wf, err := eng.Load("wf.yaml", src)
				if err != nil {
					b.Fatal(err)
				}
				res, err := wf.Run(ctx, weft.RunOptions{})
				if err != nil || res.Status != "success" {
					b.Fatal(res, err)
				}
				if c.name != "builtin" {
					if sum, _ := res.Blackboard["sum"].(map[string]any); sum["sum"] != int64(42) {
						b.Fatalf("sum: %v", res.Blackboard["sum"])
					}
				}
			}
			run() // fills the caches, as the install's check and a first run do
			for b.Loop() {
				run()
			}
		})
	}
}
