// The size and speed of each language's modules, for docs/authoring.md:
// binary size, cold start (a new host loading the package with its compile
// cache already on disk, plus the first call) and a warm call of the same
// node, all on the conformance packages.
//
//	go test -run '^$' -bench . -count 5 ./conformance/ | tee /tmp/sdk.txt
package conformance

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

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
			p, err := pkgfile.Load(lang)
			if err != nil {
				b.Skipf("%s not built: %v", lang, err)
			}
			size := 0 // the module, or a TypeScript package's bundle
			for _, code := range p.Modules {
				size += len(code)
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
				b.ReportMetric(float64(size), "module-bytes")
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

// logReq calls the log node: one host call (the log line) besides the call
// itself.
var logReq = &wasmhost.CallRequest{Node: "log", Inputs: map[string]any{"msg": "hello"},
	Context: wasmhost.CallContext{RunID: "r", Workflow: "w", NodeInstance: "n", Tenant: "t"}, Events: discard{}}

type discard struct{}

func (discard) Log(slog.Level, string)                 {}
func (discard) HostCall(string, time.Duration, string) {}
func (discard) Stream(string, any)                     {}

// BenchmarkOneHostCall: a warm call of the log node, which makes one host
// call, in C through the WebAssembly path and in TypeScript through the
// JavaScript sandbox, in the same run (docs/performance.md).
//
//	go test -run '^$' -bench OneHostCall -count 5 ./conformance/
func BenchmarkOneHostCall(b *testing.B) {
	ctx := context.Background()
	for _, lang := range []string{"c", "typescript"} {
		b.Run(lang, func(b *testing.B) {
			build(b, lang)
			h, pkg := loadLang(b, lang, b.TempDir())
			defer h.Close(ctx)
			defer pkg.Close(ctx)
			if res, err := pkg.Call(ctx, logReq); err != nil || !res.Success {
				b.Fatal(res, err)
			}
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				_, err := pkg.Call(ctx, logReq)
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		})
	}
}
