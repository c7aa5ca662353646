//go:build wasip1

// This file is the wasm glue of ABI v1: the exports weft_abi_version,
// weft_alloc, weft_run and the lifecycle hooks weft_init and weft_cleanup,
// the imports weft.log and weft.call, and the
// per-call arena that keeps host-visible buffers referenced. Everything
// else lives in platform-independent files so it tests on any machine.

package node

import "unsafe"

//go:wasmimport weft log
func weftLog(level int32, ptr unsafe.Pointer, n int32)

//go:wasmimport weft call
func weftCall(opPtr unsafe.Pointer, opLen int32, reqPtr unsafe.Pointer, reqLen int32) int64

// maxAlloc is the largest buffer weft_alloc hands out: the largest memory
// tier. Anything bigger cannot fit, so it answers 0 instead of letting the
// Go runtime abort on out of memory.
const maxAlloc = 256 << 20

// arena holds every buffer handed to the host by weft_alloc until the next
// weft_run starts. Holding them here keeps the garbage collector from
// reusing memory the host writes into; Go's collector does not move
// objects, so the addresses stay valid. It holds a few buffers at a time
// (the request, a host call's reply until it is read), so a slice searched
// from its newest end is faster than a map.
var arena [][]byte

// take removes the arena's buffer at address a and returns it.
func take(a uint32) ([]byte, bool) {
	for i := len(arena) - 1; i >= 0; i-- {
		if b := arena[i]; addr(b) == a {
			last := len(arena) - 1
			arena[i] = arena[last]
			arena[last] = nil
			arena = arena[:last]
			return b, true
		}
	}
	return nil, false
}

// response is the last response; it stays referenced (and unchanged) until
// the next weft_run, as the ABI requires, which then writes the next one
// into the same buffer.
var response []byte

// maxKeptResponse is the largest response buffer kept for the next call.
const maxKeptResponse = 64 << 10

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

//go:wasmexport weft_abi_version
func weftABIVersion() int32 { return ABIVersion }

//go:wasmexport weft_alloc
func weftAlloc(n int32) uint32 {
	if n < 0 || n > maxAlloc {
		return 0
	}
	b := make([]byte, max(n, 1)) // a zero-length request still gets a distinct, non-zero address
	arena = append(arena, b)
	return addr(b)
}

// enter starts an entry from the host with the request buffer at ptr, n
// bytes long: the call's arena afresh, and the buffer the response may
// reuse. problem says why the buffer cannot be read ("" when it can).
func enter(ptr uint32, n int32) (req, dst []byte, problem string) {
	req, ok := take(ptr)
	clear(arena)
	arena = arena[:0]
	dst = response[:0]
	if cap(dst) > maxKeptResponse {
		dst = nil
	}
	switch {
	case !ok:
		return nil, dst, "request buffer was not obtained from weft_alloc"
	case n < 0 || int(n) > len(req):
		return nil, dst, "request length is larger than its weft_alloc buffer"
	}
	return req[:n], dst, ""
}

//go:wasmexport weft_run
func weftRun(ptr uint32, n int32) int64 {
	req, dst, problem := enter(ptr, n)
	switch {
	case problem != "":
		response = failure(dst, problem)
	default:
		// The host never writes a buffer again once it has called weft_run
		// with it, and nothing here does: the request is read in place,
		// its names and inputs are substrings of it (which keep it alive).
		response = serve(wasmHost{}, unsafe.String(unsafe.SliceData(req), len(req)), dst)
	}
	return int64(addr(response))<<32 | int64(len(response))
}

//go:wasmexport weft_init
func weftInit(ptr uint32, n int32) int64 {
	req, dst, problem := enter(ptr, n)
	switch {
	case problem != "":
		response = failure(dst, "weft_init "+problem)
	default:
		r := initialize(wasmHost{}, req, dst)
		if r == nil {
			return 0
		}
		response = r
	}
	return int64(addr(response))<<32 | int64(len(response))
}

//go:wasmexport weft_cleanup
func weftCleanup() { Cleanup(wasmHost{}) }

// wasmHost is the Host of a module running under weft.
type wasmHost struct{}

func (wasmHost) Log(level Level, line string) {
	if len(line) > maxHostCallBytes { // far past the host's 16 KiB line cap: don't hand it over
		line = line[:maxHostCallBytes]
	}
	weftLog(int32(level), unsafe.Pointer(unsafe.StringData(line)), int32(len(line)))
}

func (wasmHost) Call(op string, req []byte) []byte {
	if len(op) > maxHostCallBytes {
		op = op[:maxHostCallBytes]
	}
	r := uint64(weftCall(unsafe.Pointer(unsafe.StringData(op)), int32(len(op)),
		unsafe.Pointer(unsafe.SliceData(req)), int32(len(req))))
	if r == 0 {
		return nil
	}
	p, n := uint32(r>>32), uint32(r)
	buf, ok := take(p) // ours now: the reply is parsed before anything else runs
	if !ok || uint64(n) > uint64(len(buf)) {
		return []byte(`{"error":{"code":"internal","message":"the host's reply is not in a weft_alloc buffer"}}`)
	}
	return buf[:n]
}
