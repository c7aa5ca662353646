//go:build wasip1

// This file is the wasm glue of ABI v1: the exports weft_abi_version,
// weft_alloc and weft_run, the imports weft.log and weft.call, and the
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

// arena holds every buffer handed to the host by weft_alloc, keyed by
// address, until the next weft_run starts. Holding them here keeps the
// garbage collector from reusing memory the host writes into; Go's
// collector does not move objects, so the addresses stay valid.
var arena = map[uint32][]byte{}

// response is the last response; it stays referenced (and unchanged) until
// the next weft_run, as the ABI requires.
var response []byte

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

//go:wasmexport weft_abi_version
func weftABIVersion() int32 { return ABIVersion }

//go:wasmexport weft_alloc
func weftAlloc(n int32) uint32 {
	if n < 0 || n > maxAlloc {
		return 0
	}
	b := make([]byte, max(n, 1)) // a zero-length request still gets a distinct, non-zero address
	a := addr(b)
	arena[a] = b
	return a
}

//go:wasmexport weft_run
func weftRun(ptr uint32, n int32) int64 {
	req, ok := arena[ptr]
	// Start the call's arena afresh, keeping only the request.
	clear(arena)
	response = nil
	switch {
	case !ok:
		response = failure("request buffer was not obtained from weft_alloc")
	case n < 0 || int(n) > len(req):
		response = failure("request length is larger than its weft_alloc buffer")
	default:
		arena[ptr] = req
		response = Serve(wasmHost{}, req[:n])
		delete(arena, ptr)
	}
	return int64(addr(response))<<32 | int64(len(response))
}

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
	buf, ok := arena[p]
	if !ok || uint64(n) > uint64(len(buf)) {
		return []byte(`{"error":{"code":"internal","message":"the host's reply is not in a weft_alloc buffer"}}`)
	}
	delete(arena, p) // ours now: the reply is parsed before anything else runs
	return buf[:n]
}
