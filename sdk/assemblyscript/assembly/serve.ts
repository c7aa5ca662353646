// The handler registry and serve: one request JSON in, one response JSON
// out.

import { Value, Writer, parseJSON, parseI64 } from "./json";
import { Call, RunContext } from "./call";
import { Host } from "./host";

/** The version of weft's node ABI this SDK implements. */
export const ABI_VERSION: i32 = 1;

/**
 * Runs one node call. Return null for SUCCESS; an Error is a business
 * failure (FAILURE with the error's message as the reason).
 */
export type Handler = (c: Call) => Error | null;

// Created on first use: the SDK allocates nothing at the top level of its
// files, because AssemblyScript may run an imported file's top-level code
// before the garbage collector's lazily initialized globals are set when
// imports are circular.
let handlers: Map<string, Handler> | null = null;

function table(): Map<string, Handler> {
  let t = handlers;
  if (t === null) {
    t = new Map<string, Handler>();
    handlers = t;
  }
  return t;
}

/**
 * Registers h as the handler of node id (a node id of the package
 * manifest). Call it at the top level of the module's entry file, which
 * runs once when the host initializes the module.
 *
 * ```ts
 * handle("add", add);
 * ```
 *
 * Registering an id twice aborts, which fails the module's initialization.
 */
export function handle(id: string, h: Handler): void {
  const t = table();
  if (t.has(id)) abort("weft: node \"" + id + "\" is registered twice");
  t.set(id, h);
}

/** The registered node ids, sorted. */
export function registered(): Array<string> {
  const ids = table().keys();
  ids.sort();
  return ids;
}

/**
 * Runs the request JSON (UTF-8) against the registered handlers with host
 * and returns the response JSON (UTF-8). weft_run calls it with the real
 * host; tests can call it with a fake one.
 *
 * It never fails: a request it cannot parse, an unknown node id, a
 * handler's error and an output that cannot be written all become
 * {"status":"failure","error":...}. A trap in a handler (an index out of
 * range, an abort) is not caught: AssemblyScript has no unwinding, so the
 * host fails the node with the trap's message and discards the instance.
 */
export function serve(host: Host, request: ArrayBuffer): ArrayBuffer {
  return serveBytes(host, changetype<usize>(request), request.byteLength);
}

/** serve over the bytes [ptr, ptr+len). @internal */
export function serveBytes(host: Host, ptr: usize, len: i32): ArrayBuffer {
  const parsed = parseJSON(ptr, len);
  if (!parsed.ok) return failure("bad request: not valid JSON: " + parsed.error!.message);
  const req = parsed.value;
  if (!req.isObject) return failure("bad request: request: expected an object, found " + req.describe());

  const abi = req.get("abi");
  if (abi === null) return failure("bad request: field \"abi\" is missing, expected " + ABI_VERSION.toString());
  const av = abi.asInt();
  if (!av.ok || av.value != ABI_VERSION) return failure("bad request: field \"abi\": expected " + ABI_VERSION.toString() + ", found " + abi.describe());

  const nodeV = req.get("node");
  if (nodeV === null) return failure("bad request: field \"node\" is missing");
  const nodeS = nodeV.asString();
  if (!nodeS.ok) return failure("bad request: field \"node\": expected a string, found " + nodeV.describe());
  const node = nodeS.value;

  const inputs = new Map<string, Value>();
  const inV = req.get("inputs");
  if (inV !== null && !inV.isNull) {
    if (!inV.isObject) return failure("bad request: field \"inputs\": expected an object, found " + inV.describe());
    const keys = inV.keys();
    for (let i = 0; i < keys.length; i++) inputs.set(keys[i], inV.get(keys[i])!);
  }

  const ctx = new RunContext();
  ctx.node = node;
  const cV = req.get("context");
  if (cV !== null && !cV.isNull) {
    if (!cV.isObject) return failure("bad request: field \"context\": expected an object, found " + cV.describe());
    const problem = readContext(ctx, cV);
    if (problem.length > 0) return failure("bad request: " + problem);
  }

  const t = table();
  if (!t.has(node)) {
    const ids = registered();
    return failure("unknown node \"" + node + "\": this module implements " + (ids.length > 0 ? ids.join(", ") : "none"));
  }
  const h = t.get(node);
  const c = new Call(host, ctx, inputs);
  const e = h(c);
  const outs = c.finish();
  if (e !== null) {
    const msg = e.message;
    return failure(msg.length > 0 ? msg : "node failed (its error has no message)");
  }
  if (!outs.ok) return failure(outs.error!.message);
  return success(outs.value);
}

/** Fills ctx from the request's "context"; returns a problem or "". */
function readContext(ctx: RunContext, c: Value): string {
  const keys = c.keys();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = c.get(k)!;
    if (k == "attempt" || k == "deadline_unix_ms") {
      let n: i64 = 0;
      if (!v.isNull) {
        const r = v.isInteger ? parseI64(v.numberText) : null;
        if (r === null || !r.ok) return "field \"context." + k + "\": expected an integer, found " + v.describe();
        n = r.value;
      }
      if (k == "attempt") ctx.attempt = <i32>n;
      else ctx.deadlineUnixMs = n;
      continue;
    }
    if (k != "run_id" && k != "workflow" && k != "node_instance" && k != "tenant") continue;
    let s = "";
    if (!v.isNull) {
      const r = v.asString();
      if (!r.ok) return "field \"context." + k + "\": expected a string, found " + v.describe();
      s = r.value;
    }
    if (k == "run_id") ctx.runId = s;
    else if (k == "workflow") ctx.workflow = s;
    else if (k == "node_instance") ctx.nodeInstance = s;
    else ctx.tenant = s;
  }
  return "";
}

/** {"status":"success","outputs":{...}} */
function success(outputs: Map<string, Value>): ArrayBuffer {
  const w = new Writer();
  w.ascii("{\"status\":\"success\",\"outputs\":{");
  const names = outputs.keys();
  for (let i = 0; i < names.length; i++) {
    if (i > 0) w.byte(0x2c);
    w.string(names[i]);
    w.byte(0x3a);
    outputs.get(names[i]).writeTo(w);
  }
  w.ascii("}}");
  return w.toBuffer();
}

/** {"status":"failure","error":msg} */
export function failure(msg: string): ArrayBuffer {
  const w = new Writer();
  w.ascii("{\"status\":\"failure\",\"error\":");
  w.string(msg);
  w.byte(0x7d);
  return w.toBuffer();
}

