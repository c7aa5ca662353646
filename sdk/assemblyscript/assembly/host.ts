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
    const size = arenaSize(p);
    if (size < 0 || <u32>n > <u32>size) {
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
 * (from a call that failed before weft_run). The table is a few
 * (pointer, size) pairs, itself outside the collector: a call has one
 * request and one reply at a time, so a linear search beats a Map and
 * costs no garbage.
 */
let arenaTab: usize = 0;
let arenaCap: i32 = 0;
let arenaLen: i32 = 0;

/**
 * Buffers of up to SPARE_BYTES are allocated at that size, and one freed
 * buffer is kept for the next weft_alloc: a call's request (and each host
 * call's reply) then costs no allocation.
 */
const SPARE_BYTES: i32 = 16 << 10;
let spare: usize = 0;

// @ts-ignore: decorator
@inline
function slot(i: i32): usize {
  return arenaTab + <usize>i * 12;
}

function arenaFind(p: usize): i32 {
  for (let i = 0; i < arenaLen; i++) if (load<u32>(slot(i)) == <u32>p) return i;
  return -1;
}

/** The size of arena buffer p; -1 when p is not one. */
export function arenaSize(p: usize): i32 {
  const i = arenaFind(p);
  return i < 0 ? -1 : load<i32>(slot(i), 4);
}

/** heap.alloc(len) recorded in the arena; 0 for an impossible size. */
export function arenaAlloc(len: i32): usize {
  if (len < 0 || len > MAX_ALLOC) return 0;
  let p: usize;
  let cap = len;
  if (len <= SPARE_BYTES) {
    cap = SPARE_BYTES;
    p = spare;
    spare = 0;
    if (p == 0) p = heap.alloc(<usize>SPARE_BYTES);
  } else {
    p = heap.alloc(<usize>len);
  }
  if (arenaLen == arenaCap) {
    const n = arenaCap == 0 ? 8 : arenaCap * 2;
    arenaTab = arenaTab == 0 ? heap.alloc(<usize>n * 12) : heap.realloc(arenaTab, <usize>n * 12);
    arenaCap = n;
  }
  store<u32>(slot(arenaLen), <u32>p);
  store<i32>(slot(arenaLen), len, 4);
  store<i32>(slot(arenaLen), cap, 8);
  arenaLen++;
  return p;
}

/** Drops entry i (the last one takes its place) and gives back its memory. */
function arenaDrop(i: i32): void {
  const p = <usize>load<u32>(slot(i));
  const cap = load<i32>(slot(i), 8);
  arenaLen--;
  if (i != arenaLen) {
    store<u64>(slot(i), load<u64>(slot(arenaLen)));
    store<i32>(slot(i), load<i32>(slot(arenaLen), 8), 8);
  }
  if (cap == SPARE_BYTES && spare == 0) spare = p;
  else heap.free(p);
}

/** Frees an arena buffer; unknown pointers are ignored. */
export function arenaFree(p: usize): void {
  const i = arenaFind(p);
  if (i >= 0) arenaDrop(i);
}

/** Frees every arena buffer except keep. */
export function arenaReset(keep: usize): void {
  for (let i = arenaLen - 1; i >= 0; i--) {
    if (<usize>load<u32>(slot(i)) != keep) arenaDrop(i);
  }
}
