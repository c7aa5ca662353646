#!/bin/sh
# Builds {{.Name}}.wasm from this crate: the manifest's [build] command, which
# `weft pkg build` and `weft run --package` run. `sh build.sh test` runs the
# crate's tests natively instead (the manifest's [build] test, for
# `weft node test`). It needs cargo and rustc
# (1.63 or later) with the wasm32-wasi standard library; on Debian 12:
#   apt-get install rustc cargo libstd-rust-dev-wasm32
# With rustup: rustup target add wasm32-wasi (wasm32-wasip1 from Rust 1.84).
# /usr/bin comes first on PATH, so a distribution toolchain wins when both
# are installed. Edit this file freely: it is part of your project.
set -eu
cd "$(dirname "$0")"
PATH=/usr/bin:/bin:$PATH
export CARGO_TARGET_DIR=target
# Source paths (in panic messages) as fixed names, so that the module's
# bytes do not depend on where the folders are (as go build -trimpath).
# This replaces any RUSTFLAGS of the environment.
us=$(printf '\037')
if [ "${1-}" = test ]; then
	exec cargo test --offline --quiet
fi
export CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$(pwd)=/{{.Name}}$us--remap-path-prefix={{.SDKPath}}=/weft-node$us-Ctarget-feature=+bulk-memory"
target=wasm32-wasi
# Rust 1.84 and later call the target wasm32-wasip1 only.
if ! rustc --print target-list | grep -qx wasm32-wasi; then
	target=wasm32-wasip1
fi
cargo build --offline --release --target "$target"
cp "target/$target/release/$(echo '{{.Name}}' | tr - _).wasm" '{{.Name}}.wasm'
