// The size and speed of each language's modules, for docs/authoring.md:
// binary size, cold start (a new host loading the package with its compile
// cache already on disk, plus the first call) and a warm call of the same
// node, all on the conformance packages.
//
//	go test -run '^$' -bench . -count 5 ./conformance/ | tee /tmp/sdk.txt
package conformance

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

var callReq = &wasmhost.CallRequest{Node: "echo", Inputs: map[string]any{"i": int64(42), "s": "hello"},
	Context: wasmhost.CallContext{RunID: "r", Workflow: "w", NodeInstance: "n", Tenant: "t"}}

func loadLang(b *testing.B, lang, cache string) (*wasmhost.Host, *wasmhost.Package) {
	b.Helper()
	p, err := pkgfile.Load(lang)
	if err != nil {
		b.Fatal(err)
	}
	h, err := wasmhost.New(context.Background(), wasmhost.Config{CacheDir: cache})
	if err != nil {
		b.Fatal(err)
	}
	pkg, err := h.Load(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	return h, pkg
}

func BenchmarkSDK(b *testing.B) {
	ctx := context.Background()
	for _, lang := range languages {
		b.Run(lang, func(b *testing.B) {
			build(b, lang)
			info, err := os.Stat(filepath.Join(lang, "conformance.wasm"))
			if err != nil {
				b.Skipf("%s not built: %v", lang, err)
			}
			cache := b.TempDir()
			h, pkg := loadLang(b, lang, cache) // fills the compile cache
			pkg.Close(ctx)
			h.Close(ctx)
			b.Run("cold", func(b *testing.B) {
				for b.Loop() {
					h, pkg := loadLang(b, lang, cache)
					if _, err := pkg.Call(ctx, callReq); err != nil {
						b.Fatal(err)
					}
					pkg.Close(ctx)
					h.Close(ctx)
				}
				b.ReportMetric(float64(info.Size()), "module-bytes")
			})
			b.Run("warm", func(b *testing.B) {
				h, pkg := loadLang(b, lang, cache)
				defer h.Close(ctx)
				defer pkg.Close(ctx)
				for b.Loop() {
					if _, err := pkg.Call(ctx, callReq); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
