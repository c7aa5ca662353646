//! The wasm glue of ABI v1, called by the exports that
//! [`export_nodes!`](crate::export_nodes) and
//! [`export_lifecycle!`](crate::export_lifecycle) generate: `weft_alloc`,
//! `weft_free`, `weft_run`, `_initialize`, `weft_init` and `weft_cleanup`, over the imports `weft.log`
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

/// An empty buffer for a success response: on wasm32 the previous
/// response's, when it was not large (it is released when the next call
/// starts), so that a warm call does not allocate it again.
pub(crate) fn out_buf() -> String {
    #[cfg(target_arch = "wasm32")]
    unsafe {
        let b = std::mem::take(&mut wasm::SPARE_OUT);
        if b.capacity() >= 64 {
            return b;
        }
    }
    String::with_capacity(128)
}

#[cfg(target_arch = "wasm32")]
pub use self::wasm::{alloc, cleanup, free, init, initialize, run};

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
    /// the next `weft_run` starts (or `weft_free` gives it back): an empty
    /// vector whose capacity the host fills, and the length it asked for.
    static mut ARENA: Vec<(usize, Vec<u8>, usize)> = Vec::new();
    /// The last response: it stays unchanged until the guest is next
    /// entered, as the ABI requires.
    static mut RESPONSE: Vec<u8> = Vec::new();
    /// The last request's buffer, for the next `weft_alloc` that fits it.
    static mut SPARE_IN: Vec<u8> = Vec::new();
    /// The last response's buffer, emptied, for the next response.
    pub(super) static mut SPARE_OUT: String = String::new();
    /// Larger buffers are not kept for reuse.
    const MAX_SPARE: usize = 64 << 10;
    static mut HOOKED: bool = false;

    /// Takes back the buffer at `ptr` with the `n` bytes the host wrote at
    /// its start (`None` when there is no such buffer or it is shorter).
    fn take(ptr: usize, n: usize) -> Option<Vec<u8>> {
        unsafe {
            let i = ARENA.iter().position(|(p, _, _)| *p == ptr)?;
            let (_, mut buf, len) = ARENA.swap_remove(i);
            if n > len {
                return None;
            }
            // SAFETY: the host wrote those bytes (the buffer's address went
            // out through the export, so the compiler cannot assume they are
            // untouched), and n <= len <= capacity.
            buf.set_len(n);
            Some(buf)
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

    /// `weft_alloc(len) -> ptr`: room for `len` bytes, or 0. The bytes are
    /// not zeroed: the host writes them all before the guest reads them.
    pub fn alloc(len: i32) -> i32 {
        if !(0..=MAX_ALLOC).contains(&len) {
            return 0;
        }
        let n = (len as usize).max(1); // a distinct, non-zero address even for 0 bytes
        let mut buf: Vec<u8> = unsafe { std::mem::take(&mut SPARE_IN) };
        if buf.capacity() < n {
            buf = Vec::new();
            if buf.try_reserve_exact(n).is_err() {
                return 0;
            }
        }
        let ptr = buf.as_ptr() as usize;
        unsafe { ARENA.push((ptr, buf, n)) };
        ptr as i32
    }

    /// `weft_free(ptr, len)`: gives back a buffer that never reached
    /// `weft_run`.
    pub fn free(ptr: i32, _len: i32) {
        drop(take(ptr as u32 as usize, 0));
    }

    /// `weft_run(ptr, len) -> ptr << 32 | len`.
    pub fn run(nodes: &[(&str, Handler)], ptr: i32, len: i32) -> i64 {
        install_panic_hook();
        let known = unsafe { ARENA.iter().any(|(p, _, _)| *p == ptr as u32 as usize) };
        let req = if len < 0 { None } else { take(ptr as u32 as usize, len as usize) };
        // Start the call's arena afresh: earlier replies and requests are ours.
        unsafe {
            ARENA.clear();
            let mut out = std::mem::take(&mut RESPONSE);
            if out.capacity() <= MAX_SPARE {
                out.clear();
                // SAFETY: empty, so valid UTF-8.
                SPARE_OUT = String::from_utf8_unchecked(out);
            }
        }
        let resp = match req {
            None if !known => failure("request buffer was not obtained from weft_alloc"),
            None => failure("request length is larger than its weft_alloc buffer"),
            Some(mut r) => {
                let resp = serve(&mut WasmHost, nodes, &r);
                if r.capacity() <= MAX_SPARE {
                    r.clear();
                    unsafe { SPARE_IN = r };
                }
                resp
            }
        };
        unsafe {
            RESPONSE = resp;
            ((RESPONSE.as_ptr() as u32 as u64) << 32 | RESPONSE.len() as u32 as u64) as i64
        }
    }

    /// `weft_init(ptr, len) -> ptr << 32 | len`, or 0 for success.
    pub fn init(hook: crate::lifecycle::InitHook, ptr: i32, len: i32) -> i64 {
        install_panic_hook();
        super::set_current_node("(weft_init)");
        let known = unsafe { ARENA.iter().any(|(p, _, _)| *p == ptr as u32 as usize) };
        let req = if len < 0 { None } else { take(ptr as u32 as usize, len as usize) };
        unsafe { ARENA.clear() };
        let resp = match req {
            None if !known => Some(failure("weft_init request buffer was not obtained from weft_alloc")),
            None => Some(failure("weft_init request length is larger than its weft_alloc buffer")),
            Some(r) => crate::lifecycle::init(hook, &r),
        };
        match resp {
            None => 0,
            Some(resp) => unsafe {
                RESPONSE = resp;
                ((RESPONSE.as_ptr() as u32 as u64) << 32 | RESPONSE.len() as u32 as u64) as i64
            },
        }
    }

    /// `weft_cleanup()`.
    pub fn cleanup(hook: crate::lifecycle::CleanupHook) {
        install_panic_hook();
        super::set_current_node("(weft_cleanup)");
        hook()
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
            match take(p, n) {
                Some(buf) => Some(buf),
                None => Some(
                    br#"{"error":{"code":"internal","message":"the host's reply is not in a weft_alloc buffer"}}"#
                        .to_vec(),
                ),
            }
        }
    }
}
