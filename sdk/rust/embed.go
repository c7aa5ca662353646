// Package rust carries the Rust node SDK's source (the weft-node crate)
// inside the weft binary, so that `weft node init --lang rust` can write it
// into a new project, which depends on it by path and builds with
// `cargo build --offline` and no weft checkout.
package rust

import "embed"

// Files holds the crate: Cargo.toml, README.md and src/ (not Cargo.lock,
// which a dependency does not use, nor target/).
//
//go:embed Cargo.toml README.md src/*.rs
var Files embed.FS
