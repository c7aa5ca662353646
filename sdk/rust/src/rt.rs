//! The wasm glue of ABI v1, called by the exports that
//! [`export_nodes!`](crate::export_nodes) generates: `weft_alloc`,
//! `weft_free`, `weft_run` and `_initialize`, over the imports `weft.log`
//! and `weft.call`, with a per-call arena for the buffers the host sees.
//!
//! Not part of the public API: use `export_nodes!`.

/// The node being run, for the panic hook (wasm32 only: native tests run
/// handlers on many threads at once).
#[cfg(target_arch = "wasm32")]
static mut CURRENT_NODE: String = String::new();

pub(crate) fn set_current_node(_node: &str) {
    // SAFETY: a wasm32 module without the threads proposal is
    // single-threaded.
    #[cfg(target_arch = "wasm32")]
    unsafe {
        CURRENT_NODE.clear();
        CURRENT_NODE.push_str(_node);
    }
}

#[cfg(target_arch = "wasm32")]
pub use self::wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::CURRENT_NODE;
    use crate::call::Level;
    use crate::serve::{failure, serve, Handler, Host};

    #[link(wasm_import_module = "weft")]
    extern "C" {
        #[link_name = "log"]
        fn weft_log(level: i32, ptr: *const u8, len: i32);
        #[link_name = "call"]
        fn weft_call(op_ptr: *const u8, op_len: i32, req_ptr: *const u8, req_len: i32) -> i64;
    }

    extern "C" {
        /// Runs the static constructors of the module (wasm-ld makes it).
        fn __wasm_call_ctors();
    }

    /// The largest buffer `weft_alloc` hands out: the largest memory tier.
    const MAX_ALLOC: i32 = 256 << 20;
    /// Longer log lines are cut before they reach the host (which cuts at
    /// 16 KiB anyway).
    const MAX_LOG: usize = 16 << 20;

    // SAFETY (for every `static mut` below): a wasm32 module without the
    // threads proposal is single-threaded, and no reference to these
    // statics is held across a call into the host (which may re-enter
    // `weft_alloc`).

    /// Every buffer handed to the host by `weft_alloc`, by address, until
    /// the next `weft_run` starts (or `weft_free` gives it back).
    static mut ARENA: Vec<(usize, Vec<u8>)> = Vec::new();
    /// The last response: it stays unchanged until the guest is next
    /// entered, as the ABI requires.
    static mut RESPONSE: Vec<u8> = Vec::new();
    static mut HOOKED: bool = false;

    fn take(ptr: usize) -> Option<Vec<u8>> {
        unsafe {
            let i = ARENA.iter().position(|(p, _)| *p == ptr)?;
            Some(ARENA.swap_remove(i).1)
        }
    }

    fn install_panic_hook() {
        unsafe {
            if HOOKED {
                return;
            }
            HOOKED = true;
        }
        std::panic::set_hook(Box::new(|info| {
            let node = unsafe { CURRENT_NODE.clone() };
            let line = format!("panic in node {}: {}", crate::json::quote(&node), info);
            unsafe { weft_log(Level::Error as i32, line.as_ptr(), line.len() as i32) };
        }));
    }

    /// `_initialize`: the module's constructors, and the panic hook that
    /// sends a panic's message to the run log before the module traps.
    pub fn initialize() {
        unsafe { __wasm_call_ctors() };
        install_panic_hook();
    }

    /// `weft_alloc(len) -> ptr`: `len` zeroed bytes, or 0.
    pub fn alloc(len: i32) -> i32 {
        if !(0..=MAX_ALLOC).contains(&len) {
            return 0;
        }
        let n = (len as usize).max(1); // a distinct, non-zero address even for 0 bytes
        let mut buf: Vec<u8> = Vec::new();
        if buf.try_reserve_exact(n).is_err() {
            return 0;
        }
        buf.resize(n, 0);
        let ptr = buf.as_ptr() as usize;
        unsafe { ARENA.push((ptr, buf)) };
        ptr as i32
    }

    /// `weft_free(ptr, len)`: gives back a buffer that never reached
    /// `weft_run`.
    pub fn free(ptr: i32, _len: i32) {
        drop(take(ptr as u32 as usize));
    }

    /// `weft_run(ptr, len) -> ptr << 32 | len`.
    pub fn run(nodes: &[(&str, Handler)], ptr: i32, len: i32) -> i64 {
        install_panic_hook();
        let req = take(ptr as u32 as usize);
        // Start the call's arena afresh: earlier replies and requests are ours.
        unsafe {
            ARENA.clear();
            RESPONSE = Vec::new();
        }
        let resp = match req {
            None => failure("request buffer was not obtained from weft_alloc"),
            Some(r) if len < 0 || len as usize > r.len() => {
                failure("request length is larger than its weft_alloc buffer")
            }
            Some(r) => serve(&mut WasmHost, nodes, &r[..len as usize]),
        };
        unsafe {
            RESPONSE = resp;
            ((RESPONSE.as_ptr() as u32 as u64) << 32 | RESPONSE.len() as u32 as u64) as i64
        }
    }

    /// The host of a module running under weft.
    struct WasmHost;

    impl Host for WasmHost {
        fn log(&mut self, level: Level, line: &str) {
            let mut n = line.len().min(MAX_LOG);
            while !line.is_char_boundary(n) {
                n -= 1;
            }
            unsafe { weft_log(level as i32, line.as_ptr(), n as i32) };
        }

        fn call(&mut self, op: &str, request: &[u8]) -> Option<Vec<u8>> {
            let r = unsafe { weft_call(op.as_ptr(), op.len() as i32, request.as_ptr(), request.len() as i32) } as u64;
            if r == 0 {
                return None;
            }
            let (p, n) = ((r >> 32) as usize, (r & 0xffff_ffff) as usize);
            match take(p) {
                Some(mut buf) if n <= buf.len() => {
                    buf.truncate(n);
                    Some(buf)
                }
                _ => Some(
                    br#"{"error":{"code":"internal","message":"the host's reply is not in a weft_alloc buffer"}}"#
                        .to_vec(),
                ),
            }
        }
    }
}
