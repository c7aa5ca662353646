// Lifecycle hooks (weft_init and weft_cleanup, an optional addition to ABI
// v1): onInit and onCleanup register them; initRequest and runCleanup run
// them, as the exports in abi.ts do.
//
//   import { Value, onInit } from "@weft/node";
//   export { weft_abi_version, weft_alloc, weft_free, weft_run, weft_init, weft_cleanup } from "@weft/node";
//
//   let apiKey = "";
//   onInit(setup);
//   function setup(config: Value): Error | null {
//     const k = config.get("api_key");
//     if (k === null || !k.isString) return new Error("no api_key in the config");
//     apiKey = k.asString().value;
//     return null;
//   }

import { Value, parseJSON } from "./json";
import { failure, ABI_VERSION } from "./serve";

/**
 * An init hook: gets the operator's configuration of the package (a JSON
 * object, {} when there is none); an Error fails the instance with its
 * message.
 */
export type InitHook = (config: Value) => Error | null;

/** A cleanup hook: releases what the init hook (or the calls) built. */
export type CleanupHook = () => void;

let initHook: InitHook | null = null;
let cleanupHook: CleanupHook | null = null;

/**
 * Registers f as the init hook: the host calls it once per instance,
 * before its first weft_run, with the package's configuration. Call it at
 * the top level of the entry file, like handle, and re-export weft_init.
 * A later call replaces the hook.
 */
export function onInit(f: InitHook): void {
  initHook = f;
}

/**
 * Registers f as the cleanup hook: the host calls it when it discards a
 * healthy instance that has served calls (never after a trap or timeout).
 * Re-export weft_cleanup. A later call replaces the hook.
 */
export function onCleanup(f: CleanupHook): void {
  cleanupHook = f;
}

/**
 * Runs the init hook on the weft_init request at [ptr, ptr+len): null for
 * success, else a {"status":"failure","error":...} response. A request
 * that is not JSON, has another abi, or a config that is not an object
 * fails too. @internal
 */
export function initRequest(ptr: usize, len: i32): ArrayBuffer | null {
  const f = initHook;
  if (f === null) return null;
  const parsed = parseJSON(ptr, len);
  if (!parsed.ok) return failure("weft_init request is not valid JSON: " + parsed.error!.message);
  const req = parsed.value;
  if (!req.isObject) return failure("weft_init request must be a JSON object, found " + req.describe());
  const abi = req.get("abi");
  if (abi === null || !abi.isInteger || abi.asInt().value != <i64>ABI_VERSION) {
    return failure("weft_init request has abi " + (abi === null ? "(none)" : abi.toJSON()) + ", this SDK implements " + ABI_VERSION.toString());
  }
  let config = req.get("config");
  if (config === null || config.isNull) config = Value.object();
  if (!config.isObject) return failure("weft_init request: config must be a JSON object, found " + config.describe());
  const e = f(config);
  if (e === null) return null;
  const msg = e.message;
  return failure(msg.length > 0 ? msg : "init failed (its error has no message)");
}

/** Runs the cleanup hook, if any. @internal */
export function runCleanup(): void {
  const f = cleanupHook;
  if (f !== null) f();
}
