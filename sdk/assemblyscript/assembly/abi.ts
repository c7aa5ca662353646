// The wasm glue of ABI v1: the exports weft_abi_version, weft_alloc,
// weft_free and weft_run, the optional lifecycle hooks weft_init and
// weft_cleanup (re-export them when you use onInit / onCleanup), and replacements for AssemblyScript's env
// imports (abort, trace, seed) so that the module imports only from weft
// (and wasi_snapshot_preview1 for seed and DateTime.now).
//
// A node module re-exports the four functions from its entry file:
//
//   export { weft_abi_version, weft_alloc, weft_free, weft_run } from "@weft/node";
//
// and builds with the options of this package's asconfig.json (runtime
// minimal, _initialize, and the --use aliases of abort, trace and seed).

import { WasmHost, arenaSize, arenaAlloc, arenaFree, arenaReset, Level } from "./host";
import { serveInto, failure, failureInto, ABI_VERSION } from "./serve";
import { Writer } from "./json";
import { initRequest, runCleanup } from "./lifecycle";

// @ts-ignore: decorator
@external("weft", "log")
declare function weft_log(level: i32, ptr: usize, len: i32): void;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;

/** The last weft_init response: it stays referenced, and unchanged, until the next call. */
let response: ArrayBuffer | null = null;

/**
 * weft_run's response, written in place and kept from call to call: the
 * host reads it before the next weft_run, which rewrites it, so a call
 * allocates nothing for its response.
 */
let out: Writer | null = null;

let host: WasmHost | null = null;

/** ABI export: the ABI version, 1. */
export function weft_abi_version(): i32 {
  return ABI_VERSION;
}

/**
 * ABI export: len writable bytes for the host (the request, or a host
 * call's reply); 0 when len is negative or over 256 MiB. The buffer comes
 * from heap.alloc, outside the garbage collector; the SDK frees it once it
 * has read it.
 */
export function weft_alloc(len: i32): usize {
  return arenaAlloc(len);
}

/** ABI export: gives back a weft_alloc buffer that never reached weft_run. */
export function weft_free(ptr: usize, len: i32): void {
  arenaFree(ptr);
}

/**
 * ABI export: runs the request at [ptr, ptr+len) and returns
 * `out_ptr << 32 | out_len` of the response.
 *
 * Memory: the previous call's garbage is collected first (__collect; with
 * the minimal runtime nothing is collected at any other time, so nothing
 * moves or disappears while a handler runs), and arena buffers left over
 * from failed calls are freed.
 */
export function weft_run(ptr: usize, len: i32): i64 {
  response = null;
  const size = arenaSize(ptr);
  arenaReset(ptr);
  __collect();
  let w = out;
  if (w === null) {
    w = new Writer(1024);
    out = w;
  }
  if (size < 0) {
    failureInto(w, "request buffer was not obtained from weft_alloc");
  } else if (len < 0 || len > size) {
    arenaFree(ptr);
    failureInto(w, "request length is larger than its weft_alloc buffer");
  } else {
    let h = host;
    if (h === null) {
      h = new WasmHost();
      host = h;
    }
    serveInto(h, ptr, len, w);
    arenaFree(ptr);
  }
  return (<i64>w.dataStart << 32) | <i64>w.length;
}

/**
 * ABI export (lifecycle): runs the onInit hook on the request at
 * [ptr, ptr+len) ({"abi":1,"config":{...}}); 0 for success, else
 * `out_ptr << 32 | out_len` of a failure response.
 */
export function weft_init(ptr: usize, len: i32): i64 {
  response = null;
  const size = arenaSize(ptr);
  arenaReset(ptr);
  let res: ArrayBuffer | null;
  if (size < 0) {
    res = failure("weft_init request buffer was not obtained from weft_alloc");
  } else if (len < 0 || len > size) {
    arenaFree(ptr);
    res = failure("weft_init request length is larger than its weft_alloc buffer");
  } else {
    res = initRequest(ptr, len);
    arenaFree(ptr);
  }
  if (res === null) return 0;
  response = res;
  return (<i64>changetype<usize>(res) << 32) | <i64>res.byteLength;
}

/** ABI export (lifecycle): runs the onCleanup hook. */
export function weft_cleanup(): void {
  runCleanup();
}

/**
 * Replaces AssemblyScript's env.abort (`--use abort=...`): logs the
 * message and where it happened at level error, then traps. The host
 * fails the node with the trap and discards the instance.
 */
export function weftAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  let s = "abort";
  if (message !== null) s += ": " + message;
  if (fileName !== null) s += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const b = String.UTF8.encode(s);
  weft_log(<i32>Level.Error, changetype<usize>(b), b.byteLength);
  unreachable();
}

/** Replaces AssemblyScript's env.trace (`--use trace=...`): a debug log line. */
export function weftTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let s = "trace: " + message;
  const args: f64[] = [a0, a1, a2, a3, a4];
  for (let i = 0; i < n && i < 5; i++) s += (i == 0 ? " " : ", ") + args[i].toString();
  const b = String.UTF8.encode(s);
  weft_log(<i32>Level.Debug, changetype<usize>(b), b.byteLength);
}

/** Replaces AssemblyScript's env.seed (`--use seed=...`, Math.random): WASI randomness. */
export function weftSeed(): f64 {
  const buf = new ArrayBuffer(8);
  wasi_random_get(changetype<usize>(buf), 8);
  return <f64>(load<u64>(changetype<usize>(buf)) >> 11);
}
