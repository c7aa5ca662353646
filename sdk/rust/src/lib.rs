//! Write weft custom nodes in Rust.
//!
//! This crate implements the guest side of weft's node ABI v1 (see
//! `docs/abi.md` in the weft repository): the exports `weft_abi_version`,
//! `weft_alloc`, `weft_free`, `weft_run` and `_initialize`, the imports
//! `weft.log` and `weft.call`, JSON on the wire. A node author writes only
//! handlers and lists them in [`export_nodes!`]:
//!
//! ```
//! use weft_node::{Call, Result};
//!
//! /// Adds two integers: inputs a, b (default 0); output sum.
//! fn add(c: &Call) -> Result<()> {
//!     let a = c.input_i64("a")?;
//!     let b = c.input_i64_or("b", 0)?;
//!     let sum = a.checked_add(b).ok_or("a + b overflows int64")?;
//!     c.set_output_i64("sum", sum);
//!     Ok(())
//! }
//!
//! weft_node::export_nodes! {
//!     "add" => add,
//! }
//! # let mut host = weft_node::testing::FakeHost::new();
//! # assert_eq!(host.run(WEFT_NODES, "add", r#"{"a": 1, "b": 2}"#).output("sum").as_i64(), Some(3));
//! ```
//!
//! Build it as a `cdylib` for `wasm32-wasi` (Rust 1.63 or later, no other
//! crates needed):
//!
//! ```sh
//! cargo build --release --target wasm32-wasi
//! ```
//!
//! The module then exports `memory`, `_initialize`, `weft_abi_version`,
//! `weft_alloc`, `weft_free` and `weft_run`, and imports only `weft.*` and
//! `wasi_snapshot_preview1.*`.
//!
//! # Handlers
//!
//! A [`Handler`] is `fn(&Call) -> Result<()>`. It reads inputs with the
//! typed getters of [`Call`] (`input_str`, `input_i64`, `input_f64`,
//! `input_bool`, `input_bytes`, `input_date`, `input_path`, `input_json`,
//! and the generic [`Call::input`] for arrays, maps, sets and structs),
//! each with an `_or(default)` variant, sets outputs with the typed setters
//! (`set_output_str`, `set_output_i64`, ..., [`Call::set_output`]) and
//! returns `Ok(())` for SUCCESS. Returning `Err` is a business failure: the
//! node's result is FAILURE with the error's text (`Err("no such
//! user".into())`, or any SDK error passed on with `?`).
//!
//! Integers are `i64` end to end, never rounded through `f64`; bytes travel
//! as base64 ([`base64`]), dates as RFC 3339 text ([`date`]); `struct` and
//! `generic` values are [`json::Value`]s whose numbers keep their exact
//! text and whose objects keep their order.
//!
//! # Host operations
//!
//! [`Call::host_call`] sends any operation through the one import
//! `weft.call`; typed wrappers cover every operation of ABI v1:
//! [`Call::vars`] (the run's blackboard), [`Call::cache`], [`Call::state`]
//! (per node instance, across runs), [`Call::http`], [`Call::storage`],
//! [`Call::oauth`] and [`Call::stream`]. Each is allowed only when the
//! package's manifest declares its permission; otherwise it returns
//! [`Error::Host`] with code [`codes::PERMISSION_DENIED`], never a trap.
//!
//! # Logging
//!
//! [`Call::log`] (and `trace`, `debug`, `info`, `warn`, `error`) writes a
//! line to the run log; `println!`/`eprintln!` reach it too (through WASI).
//!
//! # Panics
//!
//! Modules are built with `panic = "abort"` (wasm32 cannot unwind), so a
//! panic traps: the host fails the node and discards the instance. The SDK's
//! panic hook first writes `panic in node "ID": ...` to the run log. Return
//! `Err` for failures you expect.
//!
//! # Lifecycle
//!
//! [`export_lifecycle!`] registers an init hook (once per instance, before
//! its first call, with the operator's configuration of the package) and a
//! cleanup hook (when the host discards a healthy instance); see
//! [`lifecycle`].
//!
//! # Testing
//!
//! [`testing::FakeHost`] runs handlers natively under `cargo test`, with
//! in-memory vars, cache, state and storage; `export_nodes!` defines the
//! `WEFT_NODES` table it takes.

#![warn(missing_docs)]

pub mod base64;
mod call;
pub mod date;
mod error;
pub mod json;
pub mod lifecycle;
mod ops;
mod req;
#[doc(hidden)]
pub mod rt;
mod serve;
pub mod testing;

pub use call::{Call, Context, Level};
pub use error::{codes, Error, HostError, Result};
pub use json::{FromJson, Map, ToJson, Value};
pub use ops::{
    Cache, Http, HttpRequest, HttpResponse, OAuth, OAuthToken, State, Storage, Stream, Vars, MAX_HOST_CALL_BYTES,
};
pub use serve::{serve, Handler, Host, ABI_VERSION};

/// Declares the nodes of the module and generates its ABI exports.
///
/// ```
/// # use weft_node::{Call, Result};
/// # fn greet(_: &Call) -> Result<()> { Ok(()) }
/// # fn add(_: &Call) -> Result<()> { Ok(()) }
/// weft_node::export_nodes! {
///     "greet" => greet,   // manifest node id => handler
///     "add" => add,
/// }
/// ```
///
/// It defines `pub static WEFT_NODES: &[(&str, weft_node::Handler)]` (for
/// [`serve()`] and [`testing::FakeHost`]) and, when compiling for wasm32, the
/// exports `weft_abi_version`, `weft_alloc`, `weft_free`, `weft_run` and
/// `_initialize`. Use it once per module, at the crate root or in any
/// module. A node id the host asks for that is not listed fails with a
/// message naming the ids the module implements.
#[macro_export]
macro_rules! export_nodes {
    ($($id:expr => $handler:expr),* $(,)?) => {
        /// The nodes of this module: manifest node id and handler.
        pub static WEFT_NODES: &[(&str, $crate::Handler)] = &[$(($id, $handler as $crate::Handler)),*];

        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        pub mod __weft_exports {
            /// ABI export: the ABI version, 1.
            #[no_mangle]
            pub extern "C" fn weft_abi_version() -> i32 {
                $crate::ABI_VERSION
            }

            /// ABI export: a buffer of `len` bytes for the host, or 0.
            #[no_mangle]
            pub extern "C" fn weft_alloc(len: i32) -> i32 {
                $crate::rt::alloc(len)
            }

            /// ABI export: gives back a buffer that never reached weft_run.
            #[no_mangle]
            pub extern "C" fn weft_free(ptr: i32, len: i32) {
                $crate::rt::free(ptr, len)
            }

            /// ABI export: runs one node call.
            #[no_mangle]
            pub extern "C" fn weft_run(ptr: i32, len: i32) -> i64 {
                $crate::rt::run(super::WEFT_NODES, ptr, len)
            }

            /// WASI reactor initialisation.
            #[no_mangle]
            pub extern "C" fn _initialize() {
                $crate::rt::initialize()
            }
        }
    };
}

#[cfg(test)]
mod tests;
