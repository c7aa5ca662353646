#!/bin/sh
# Builds conformance.wasm from this crate: the manifest's [build] command
# (weft pkg build, weft run --package). Needs cargo and rustc with the
# wasm32-wasi standard library; on Debian 12:
#   apt-get install rustc cargo libstd-rust-dev-wasm32
# Debian's toolchain (/usr/bin) comes first on PATH, so a rustup toolchain
# elsewhere on PATH does not change the build. No crates.io access: the
# only dependency is the SDK, by path.
set -eu
cd "$(dirname "$0")"
PATH=/usr/bin:/bin:$PATH
export CARGO_TARGET_DIR=target
# Source paths (in panic messages) as fixed names, so that the module's
# bytes do not depend on where the checkout is (as go build -trimpath).
us=$(printf '\037')
sdk=$(cd ../../sdk/rust && pwd)
export CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$sdk=/weft-node$us--remap-path-prefix=$(pwd)=/conformance"
target=wasm32-wasi
# Rust 1.84 and later call the target wasm32-wasip1 only.
if ! rustc --print target-list | grep -qx wasm32-wasi; then
	target=wasm32-wasip1
fi
cargo build --offline --release --target "$target"
cp "target/$target/release/conformance.wasm" conformance.wasm
