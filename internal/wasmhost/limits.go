// The limits ABI v1 fixes, in one place.

package wasmhost

// Size limits of ABI v1.
const (
	MaxRequest        = 16 << 20 // request JSON, bytes
	MaxResponse       = 16 << 20 // response JSON, bytes, for most tiers
	MaxResponseLarge  = 64 << 20 // response JSON on the heavy and intensive tiers
	MaxLogLine        = 16 << 10 // one log line, bytes; longer lines are cut and marked
	MaxLogLines       = 10_000   // log lines kept per node call; the rest are counted
	MaxLogBytes       = 1 << 20  // log text kept per node call, so a noisy node cannot fill the journal
	MaxHostCall       = 16 << 20 // a host call's request and reply, bytes
	MaxOpName         = 256      // a host call's operation name, bytes
	MaxStdio          = 1 << 20  // captured stdout+stderr per call, bytes
	MaxTableSize      = 1 << 20  // table entries, initial or grown
	DefaultPoolSize   = 8        // warm instances kept per tenant and module
	maxModuleSize     = 256 << 20
	instrumenterEpoch = "v3" // bump when instrumented output changes, to invalidate the on-disk cache
)
