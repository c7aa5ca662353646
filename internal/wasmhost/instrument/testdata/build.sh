#!/bin/sh
# Rebuilds the .wasm fixtures from their sources: wat2wasm (wabt) for the
# .wat files, clang (wasm32 target, no libc) for bench.c. The Go guest in
# goguest/ is built by the tests themselves (see goGuest in
# instrument_test.go), since it needs the Go toolchain the tests run with.
#
#	cd internal/wasmhost/instrument/testdata && ./build.sh
set -eu
cd "$(dirname "$0")"
for f in behave spin loop hoist; do
	wat2wasm --debug-names "$f.wat" -o "$f.wasm"
done
wat2wasm --debug-names --enable-tail-call tail.wat -o tail.wasm
for f in limits/*.wat; do
	wat2wasm "$f" -o "${f%.wat}.wasm"
done
clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -o bench_c.wasm bench.c
