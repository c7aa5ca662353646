//! Lifecycle hooks: `weft_init` and `weft_cleanup`, an optional addition to
//! ABI v1 (see `docs/abi.md`, "Lifecycle").
//!
//! [`export_lifecycle!`](crate::export_lifecycle) registers an init hook,
//! which the host calls once per instance before its first `weft_run` with
//! the operator's configuration of the package (`{}` when there is none),
//! and a cleanup hook, called when the host discards a healthy instance
//! that has served calls (never after a trap or timeout).
//!
//! ```
//! use std::sync::Mutex;
//! use weft_node::{json::{Map, Value}, Result};
//!
//! static API_KEY: Mutex<String> = Mutex::new(String::new());
//!
//! fn setup(config: &Map<Value>) -> Result<()> {
//!     let key = config.get("api_key").and_then(Value::as_str).ok_or("no api_key in the config")?;
//!     *API_KEY.lock().unwrap() = key.to_string();
//!     Ok(())
//! }
//! fn teardown() {}
//!
//! weft_node::export_lifecycle! { init: setup, cleanup: teardown }
//! # let mut host = weft_node::testing::FakeHost::new();
//! # assert_eq!(host.init(setup, r#"{"api_key": "k"}"#), Ok(()));
//! # assert_eq!(host.init(setup, "{}"), Err("no api_key in the config".to_string()));
//! ```
//!
//! The hooks see no call: there is no [`Call`](crate::Call) to log through
//! (`println!` output is dropped by the host), and an `Err` from the init
//! hook fails the instance: the call that needed it fails with
//! `weft_init failed: ` and the error's text. A panic traps, which the host
//! treats the same way.

use crate::error::Result;
use crate::json::{self, Map, Value};
use crate::serve::{failure, ABI_VERSION};

/// An init hook: gets the package's configuration (a JSON object);
/// `Err(e)` fails the instance with `e.to_string()`.
pub type InitHook = fn(&Map<Value>) -> Result<()>;

/// A cleanup hook: releases what the init hook (or the calls) built.
pub type CleanupHook = fn();

/// Runs `hook` on the `weft_init` request `request`
/// (`{"abi":1,"config":{...}}`): `None` for success (the export then
/// returns 0), or a `{"status":"failure","error":...}` response. A request
/// that is not JSON, has another `abi` or a `config` that is not an object
/// also gives a failure response.
pub fn init(hook: InitHook, request: &[u8]) -> Option<Vec<u8>> {
    let config = match parse_init(request) {
        Ok(c) => c,
        Err(msg) => return Some(failure(&msg)),
    };
    match hook(&config) {
        Ok(()) => None,
        Err(e) => Some(failure(&e.to_string())),
    }
}

/// Decodes a `weft_init` request and returns its config.
fn parse_init(request: &[u8]) -> std::result::Result<Map<Value>, String> {
    let v = json::parse_bytes(request).map_err(|e| format!("weft_init request is not valid JSON: {}", e))?;
    if v.as_object().is_none() {
        return Err(format!("weft_init request must be a JSON object, found {}", v.kind()));
    }
    match v.get("abi").and_then(Value::as_i64) {
        Some(a) if a == ABI_VERSION as i64 => {}
        _ => {
            return Err(format!(
                "weft_init request has abi {}, this SDK implements {}",
                v.get("abi").map(Value::to_json_string).unwrap_or_else(|| "(none)".to_string()),
                ABI_VERSION
            ))
        }
    }
    match v.get("config") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(other) => Err(format!("weft_init request: config must be a JSON object, found {}", other.kind())),
    }
}

/// Declares the module's lifecycle hooks and generates the exports
/// `weft_init` and/or `weft_cleanup` (when compiling for wasm32).
///
/// ```
/// # use weft_node::{json::{Map, Value}, Result};
/// fn setup(_config: &Map<Value>) -> Result<()> { Ok(()) }
/// fn teardown() {}
/// weft_node::export_lifecycle! { init: setup, cleanup: teardown }
/// ```
///
/// Either key may be left out (`export_lifecycle! { init: setup }`); use
/// the macro at most once per module, next to
/// [`export_nodes!`](crate::export_nodes). See [`lifecycle`](crate::lifecycle).
#[macro_export]
macro_rules! export_lifecycle {
    (init: $init:expr, cleanup: $cleanup:expr $(,)?) => {
        $crate::export_lifecycle! { init: $init }
        $crate::export_lifecycle! { cleanup: $cleanup }
    };
    (init: $init:expr $(,)?) => {
        #[doc(hidden)]
        pub const __WEFT_INIT: $crate::lifecycle::InitHook = $init;

        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        pub mod __weft_init_export {
            /// ABI export (lifecycle): initialises this instance.
            #[no_mangle]
            pub extern "C" fn weft_init(ptr: i32, len: i32) -> i64 {
                $crate::rt::init(super::__WEFT_INIT, ptr, len)
            }
        }
    };
    (cleanup: $cleanup:expr $(,)?) => {
        #[doc(hidden)]
        pub const __WEFT_CLEANUP: $crate::lifecycle::CleanupHook = $cleanup;

        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        pub mod __weft_cleanup_export {
            /// ABI export (lifecycle): releases this instance's resources.
            #[no_mangle]
            pub extern "C" fn weft_cleanup() {
                $crate::rt::cleanup(super::__WEFT_CLEANUP)
            }
        }
    };
}
