// Go guest for the instrument tests: a wasip1 reactor, built by the tests
// with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared (see goGuest in
// ../../instrument_test.go).
package main

import "sort"

//go:wasmexport fib
func fib(n int32) int32 {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:wasmexport sum
func sum(n int32) int64 {
	var s int64
	for i := int32(0); i < n; i++ {
		s += int64(i) * int64(i%7)
	}
	return s
}

// sortsum sorts n pseudo-random numbers through a closure (indirect calls)
// and returns a checksum.
//
//go:wasmexport sortsum
func sortsum(n int32) int64 {
	xs := make([]uint32, n)
	x := uint32(2463534242)
	for i := range xs {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		xs[i] = x
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	var s int64
	for i, v := range xs {
		s += int64(i) * int64(v>>16)
	}
	return s
}

// maps counts distinct keys of n inserts, allocating as it goes (GC).
//
//go:wasmexport maps
func maps(n int32) int32 {
	m := map[string]int{}
	for i := int32(0); i < n; i++ {
		k := string(rune('a'+i%26)) + string(rune('a'+(i/26)%26))
		m[k]++
		_ = make([]byte, 64)
	}
	return int32(len(m))
}

// spin runs n iterations of a short loop body (the benchmark).
//
//go:wasmexport spin
func spin(n int32) int32 {
	s := int32(0)
	for i := int32(0); i < n; i++ {
		s += i ^ (s >> 3)
	}
	return s
}

var sink int32

// forever never returns.
//
//go:wasmexport forever
func forever() {
	for i := int32(0); ; i++ {
		sink = i
	}
}

func main() {}
