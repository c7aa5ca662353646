// Package peer holds benchmarks that run the same node on bare wazero,
// through Extism's Go SDK and through weft, in one process, so that weft's
// call overhead is measured against its peers in the same run. It is its
// own module so that Extism never becomes a dependency of weft itself.
//
//	cd bench/peer && go test -run '^$' -bench . -benchmem -count 6
package peer
