#!/bin/sh
# Rebuilds the peer benchmarks' WebAssembly fixtures from their WAT sources
# with wat2wasm (Debian's wabt); the .wasm files are committed.
set -eu
cd "$(dirname "$0")"
wat2wasm reverse/reverse.wat -o reverse/reverse.wasm
wat2wasm reverse_extism.wat -o reverse_extism.wasm
