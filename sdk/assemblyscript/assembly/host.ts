// The host: the imports weft.log and weft.call, the Host abstraction the
// rest of the SDK talks to, and the arena of buffers handed out by
// weft_alloc.

import { Result, err, HostError, Code } from "./result";
import { Value, parseJSON } from "./json";

// @ts-ignore: decorator
@external("weft", "log")
declare function weft_log(level: i32, ptr: usize, len: i32): void;

// @ts-ignore: decorator
@external("weft", "call")
declare function weft_call(opPtr: usize, opLen: i32, reqPtr: usize, reqLen: i32): i64;

/** The severity of a log line, as weft.log numbers it. */
export enum Level {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
}

/** The name of a level: "trace", "debug", "info", "warn", "error". */
export function levelName(l: Level): string {
  switch (l) {
    case Level.Trace:
      return "trace";
    case Level.Debug:
      return "debug";
    case Level.Info:
      return "info";
    case Level.Warn:
      return "warn";
    case Level.Error:
      return "error";
  }
  return "level(" + (<i32>l).toString() + ")";
}

/** The ABI's cap on a host-call request, and the most weft_alloc hands out. */
export const MAX_HOST_CALL_BYTES: i32 = 16 << 20;
/** The largest buffer weft_alloc hands out: the largest memory tier. */
export const MAX_ALLOC: i32 = 256 << 20;
/** The host cuts log lines at 16 KiB; far longer ones are cut here first. */
const MAX_LOG_BYTES: i32 = 1 << 20;

/**
 * What a Call talks to: the real host inside weft (WasmHost), or a fake
 * one in tests (extend this class and pass it to serve).
 */
export abstract class Host {
  /** Writes one line to the run log. */
  abstract log(level: Level, line: string): void;
  /**
   * Performs host operation op with the UTF-8 JSON request and returns the
   * whole reply ({"ok": v} or {"error": {...}}), or an error when there is
   * no reply or it is not JSON.
   */
  abstract call(op: string, request: ArrayBuffer): Result<Value>;
}

/** The host of a module running under weft: the weft.log and weft.call imports. */
export class WasmHost extends Host {
  log(level: Level, line: string): void {
    let b = String.UTF8.encode(line);
    let n = b.byteLength;
    if (n > MAX_LOG_BYTES) n = MAX_LOG_BYTES;
    weft_log(<i32>level, changetype<usize>(b), n);
  }

  call(op: string, request: ArrayBuffer): Result<Value> {
    const o = String.UTF8.encode(op);
    const r = weft_call(changetype<usize>(o), o.byteLength, changetype<usize>(request), request.byteLength);
    if (r == 0) {
      return err<Value>(new HostError(op, Code.LimitExceeded, "no reply: the host could not allocate the reply in the module's memory"));
    }
    const p = <usize>(<u64>r >> 32);
    const n = <i32>(<u32>r);
    const a = arena();
    if (!a.has(p) || <u32>n > <u32>a.get(p)) {
      return err<Value>(new HostError(op, Code.Internal, "the host's reply is not in a weft_alloc buffer"));
    }
    const v = parseJSON(p, n);
    arenaFree(p);
    return v;
  }
}

// ---- the arena ----

/**
 * Buffers handed out by weft_alloc that the guest has not taken back yet,
 * with their sizes. They come from heap.alloc, outside the garbage
 * collector, so nothing the collector does can reuse memory the host
 * writes; the SDK frees them once read, and weft_run frees any left over
 * (from a call that failed before weft_run).
 */
let _arena: Map<usize, i32> | null = null;

/** The arena (created on first use; see serve.ts on top-level allocations). */
export function arena(): Map<usize, i32> {
  let a = _arena;
  if (a === null) {
    a = new Map<usize, i32>();
    _arena = a;
  }
  return a;
}

/** heap.alloc(len) recorded in the arena; 0 for an impossible size. */
export function arenaAlloc(len: i32): usize {
  if (len < 0 || len > MAX_ALLOC) return 0;
  const p = heap.alloc(len > 0 ? <usize>len : 1);
  arena().set(p, len);
  return p;
}

/** Frees an arena buffer; unknown pointers are ignored. */
export function arenaFree(p: usize): void {
  const a = arena();
  if (!a.has(p)) return;
  a.delete(p);
  heap.free(p);
}

/** Frees every arena buffer except keep. */
export function arenaReset(keep: usize): void {
  const a = arena();
  const ptrs = a.keys();
  for (let i = 0; i < ptrs.length; i++) {
    const p = unchecked(ptrs[i]);
    if (p != keep) {
      a.delete(p);
      heap.free(p);
    }
  }
}
