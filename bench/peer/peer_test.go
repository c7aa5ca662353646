// The peer benchmarks: one 22-byte string reversed by the same hand-written
// node (testdata/reverse/reverse.wat) on bare wazero with the request ready,
// through weft's host (Package.Call) and through a whole weft run
// (Workflow.Run of a one-node workflow), and by the same loop as an Extism
// plugin (testdata/reverse_extism.wat) through Extism's Go SDK.

package peer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/pkgfile"
	"github.com/weft-dev/weft/internal/wasmhost"
)

const input = "weft, fast and sandbox" // 22 bytes
const want = "xobdnas dna tsaf ,tfew"

func module(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// bare is the weft module on plain wazero: weft_alloc, the request copied
// in, weft_run, the response read back; the request JSON is made once.
type bare struct {
	rt         wazero.Runtime
	mem        api.Memory
	alloc, run api.Function
	req        []byte
	stack      [2]uint64
}

func newBare(tb testing.TB) *bare {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	mod, err := rt.Instantiate(ctx, module(tb, "reverse/reverse.wasm"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rt.Close(ctx) })
	return &bare{rt: rt, mem: mod.Memory(), alloc: mod.ExportedFunction("weft_alloc"), run: mod.ExportedFunction("weft_run"),
		req: []byte(`{"abi":1,"node":"reverse","inputs":{"s":"` + input + `"},"context":{"run_id":"r","workflow":"w","node_instance":"n","tenant":"t","attempt":1}}`)}
}

func (b *bare) call(ctx context.Context) ([]byte, error) {
	s := b.stack[:]
	s[0] = uint64(len(b.req))
	if err := b.alloc.CallWithStack(ctx, s); err != nil {
		return nil, err
	}
	ptr := uint32(s[0])
	b.mem.Write(ptr, b.req)
	s[0], s[1] = uint64(ptr), uint64(len(b.req))
	if err := b.run.CallWithStack(ctx, s); err != nil {
		return nil, err
	}
	out, _ := b.mem.Read(uint32(s[0]>>32), uint32(s[0]))
	return out, nil
}

func newExtism(tb testing.TB) *extism.Plugin {
	ctx := context.Background()
	m := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: module(tb, "reverse_extism.wasm")}}}
	p, err := extism.NewPlugin(ctx, m, extism.PluginConfig{}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close(ctx) })
	return p
}

const workflow = `
type: bench.reverse/reverse
id: rev
props:
  s: "` + input + `"
`

func newWeft(tb testing.TB) *weft.Workflow {
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: tb.TempDir(), NoJournal: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { eng.Close() })
	if _, err := eng.AddPackage(ctx, filepath.Join("testdata", "reverse")); err != nil {
		tb.Fatal(err)
	}
	wf, err := eng.Load("reverse.yaml", []byte(workflow))
	if err != nil {
		tb.Fatal(err)
	}
	return wf
}

// newHost is the weft package on weft's host alone, for Package.Call.
func newHost(tb testing.TB) *wasmhost.Package {
	ctx := context.Background()
	h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { h.Close(ctx) })
	p, err := pkgfile.Load(filepath.Join("testdata", "reverse"))
	if err != nil {
		tb.Fatal(err)
	}
	pkg, err := h.Load(ctx, p)
	if err != nil {
		tb.Fatal(err)
	}
	return pkg
}

var hostRequest = &wasmhost.CallRequest{Node: "reverse", Inputs: map[string]any{"s": input},
	Context: wasmhost.CallContext{RunID: "r", Workflow: "w", NodeInstance: "n", Tenant: "t", Attempt: 1}}

// TestSameAnswer: the three paths give the same output, so the benchmarks
// compare like with like.
func TestSameAnswer(t *testing.T) {
	ctx := context.Background()
	out, err := newBare(t).call(ctx)
	if err != nil || string(out) != `{"status":"success","outputs":{"s":"`+want+`"}}` {
		t.Fatalf("bare: %s, %v", out, err)
	}
	_, eo, err := newExtism(t).Call("reverse", []byte(input))
	if err != nil || string(eo) != want {
		t.Fatalf("extism: %q, %v", eo, err)
	}
	hr, err := newHost(t).Call(ctx, hostRequest)
	if err != nil || !hr.Success || hr.Outputs["s"] != want {
		t.Fatalf("host: %+v, %v", hr, err)
	}
	res, err := newWeft(t).Run(ctx, weft.RunOptions{})
	if err != nil || res.Status != "success" {
		t.Fatalf("weft: %+v, %v", res, err)
	}
	if got := res.Blackboard["rev"].(map[string]any)["s"]; got != want {
		t.Fatalf("weft: rev.s = %v", got)
	}
}

// BenchmarkReverse22: sub-benchmarks bare (the baseline), extism, host
// (weft's Package.Call: pins, request JSON, pooled instrumented instance,
// response checked) and weft (a whole run of the one-node workflow).
func BenchmarkReverse22(b *testing.B) {
	ctx := context.Background()
	b.Run("bare", func(b *testing.B) {
		p := newBare(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("extism", func(b *testing.B) {
		p := newExtism(b)
		in := []byte(input)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := p.Call("reverse", in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("host", func(b *testing.B) {
		pkg := newHost(b)
		b.ReportAllocs()
		for b.Loop() {
			if res, err := pkg.Call(ctx, hostRequest); err != nil || !res.Success {
				b.Fatal(res, err)
			}
		}
	})
	b.Run("weft", func(b *testing.B) {
		wf := newWeft(b)
		b.ReportAllocs()
		for b.Loop() {
			res, err := wf.Run(ctx, weft.RunOptions{ID: "r"})
			if err != nil || res.Status != "success" {
				b.Fatal(res, err)
			}
		}
	})
}
