// Package node writes weft custom nodes in Go: it implements the guest side
// of weft's node ABI v1 (weft_abi_version, weft_alloc, weft_run and the
// imports weft.log and weft.call) so that a node author writes only
// handlers.
//
//	package main
//
//	import "github.com/weft-dev/weft/sdk/go/node"
//
//	func init() {
//		node.Handle("add", func(c *node.Call) error {
//			a, err := c.Int("a")
//			if err != nil {
//				return err
//			}
//			b, err := c.IntOr("b", 0)
//			if err != nil {
//				return err
//			}
//			return c.SetOutput("sum", a+b)
//		})
//	}
//
//	func main() {}
//
// Build it with standard Go 1.24 or later (TinyGo is not needed):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o math.wasm .
//
// The module then exports memory, _initialize, weft_abi_version, weft_alloc
// and weft_run (plus the optional lifecycle hooks weft_init and
// weft_cleanup), and imports only weft.* and wasi_snapshot_preview1.*.
//
// # Why "node"
//
// The package is named for what its user does: write a node. The module
// root cannot hold the package: its import path ends in "go", which is a
// keyword and so cannot be a package name, and a package whose name differs
// from its path's last element needs an alias at every import. node.Handle,
// node.Call and node.HostError read as what they are.
//
// # Handlers
//
// Register one handler per node id of the package manifest with Handle, in
// an init function; main stays empty (a -buildmode=c-shared module never
// runs it). A handler reads inputs with the typed getters of Call (Int,
// Float, String, Bool, Bytes, Time, Decode), sets outputs with SetOutput and
// returns nil for SUCCESS. Returning an error is a business failure: the
// node's result is FAILURE with the error's text. A panic in a handler is
// recovered and reported the same way (its stack goes to the run log); it
// never traps the module.
//
// # Host calls
//
// Call.HostCall sends any operation of the ABI through the one import
// weft.call and returns a *HostError carrying the host's error code. Typed
// helpers wrap every operation of ABI v1, one small type per family reached
// from Call:
//
//	c.Vars()     vars.get, vars.set          the run's blackboard
//	c.Stream()   stream.emit                 live events of the run
//	c.Cache()    cache.get, .set, .delete    per tenant and package, with TTLs
//	c.State()    state.get, state.set        per node instance, persistent
//	c.HTTP()     http.request                to the manifest's allowed_hosts
//	c.Storage()  storage.read, .write, .list, .delete   the package's files
//	c.OAuth()    oauth.token                 tokens the operator stored
//
// Each needs its manifest permission (stream.emit excepted); without it the
// call returns a *HostError with CodePermissionDenied, never a trap. The
// generic HostCall stays the way to an operation newer than this SDK.
//
// # Lifecycle
//
// OnInit registers a hook that runs once per instance, before its first
// call, with the operator's configuration of the package; OnCleanup one
// that runs when the host discards a healthy instance. Use them to parse
// configuration and build clients once instead of on every call.
//
// # Testing
//
// Handlers are plain Go: everything except the thin wasm glue
// (wasm_wasip1.go) builds and tests on any platform. Package nodetest runs
// registered handlers in `go test` against a fake host.
//
// # Notes
//
//   - Integers are exact: inputs are parsed from their JSON text (never
//     through float64) and int64 outputs are written digit for digit.
//     Decode uses json.Decoder.UseNumber, so numbers decoded into an `any`
//     arrive as json.Number.
//   - Memory handed to the host by weft_alloc is kept referenced in a
//     per-call arena, released when the next weft_run starts (keeping that
//     call's request), so the garbage collector never reuses a buffer the
//     host still writes. weft_free is not exported; the ABI makes it
//     optional.
//   - Standard output and standard error reach the run log, so fmt.Println
//     works for quick debugging; Call.Log is the structured way.
//   - A handler runs on the single wasm thread. Goroutines it starts run
//     only while it blocks, and must not outlive it: a Call is dead once its
//     handler returns (host calls then fail, logs are dropped).
package node
