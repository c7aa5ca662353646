// The handler registry and serve: one request JSON in, one response JSON
// out. The request is read in one pass (request.ts) and the response
// written as the handler sets its outputs (call.ts); a request the reader
// refuses is parsed again by json.ts's parser only to word the error.

import { Value, Writer, parseJSON, parseI64, decodeStringAt } from "./json";
import { scanRequest, scannedExact, nameIs, parseIntSpan, parsedInt, abiStart, abiEnd, nodeStart, nodeEnd, nodeSimple, inputsStart, contextStart, ctxStart, ctxEnd, CTX_ATTEMPT } from "./request";
import { Call, RunContext } from "./call";
import { Host } from "./host";

/** The version of weft's node ABI this SDK implements. */
export const ABI_VERSION: i32 = 1;

/**
 * Runs one node call. Return null for SUCCESS; an Error is a business
 * failure (FAILURE with the error's message as the reason).
 */
export type Handler = (c: Call) => Error | null;

// The registry: (id, handler) pairs in memory outside the garbage
// collector, so that the collection at each weft_run does not walk it. An
// id is kept as a pointer to its string (a literal lives in static memory;
// any other string is also held by regKeep, so it is never collected) and
// a handler as a pointer to its function (AssemblyScript has no closures:
// a function value is static). A request
// names its node as UTF-8 bytes, which are compared with each id in place
// (a module has a handful of nodes), so no string is made to find it.
let regTab: usize = 0;
let regCap: i32 = 0;
let regLen: i32 = 0;
let regKeep: Array<string> | null = null;
let regKeepFns: Array<Handler> | null = null;

// @ts-ignore: decorator
@inline
function regId(i: i32): string {
  return changetype<string>(load<usize>(regTab + (<usize>i << 3)));
}

// @ts-ignore: decorator
@inline
function regFn(i: i32): Handler {
  return changetype<Handler>(load<usize>(regTab + (<usize>i << 3) + 4));
}

/** The index of id in the registry; -1 when absent. */
function regFind(id: string): i32 {
  for (let i = 0; i < regLen; i++) if (regId(i) == id) return i;
  return -1;
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
  if (regFind(id) >= 0) abort("weft: node \"" + id + "\" is registered twice");
  if (regLen == regCap) {
    const cap = regCap == 0 ? 16 : regCap * 2;
    regTab = regTab == 0 ? heap.alloc(<usize>cap << 3) : heap.realloc(regTab, <usize>cap << 3);
    regCap = cap;
  }
  const ip = changetype<usize>(id);
  const hp = changetype<usize>(h);
  if (ip >= __heap_base) {
    // An id made at run time: kept alive here (a literal is static).
    let k = regKeep;
    if (k === null) {
      k = new Array<string>();
      regKeep = k;
    }
    k.push(id);
  }
  if (hp >= __heap_base) {
    // Not made by this compiler version (functions are static), but kept
    // alive all the same should a function value ever live on the heap.
    let f = regKeepFns;
    if (f === null) {
      f = new Array<Handler>();
      regKeepFns = f;
    }
    f.push(h);
  }
  store<usize>(regTab + (<usize>regLen << 3), ip);
  store<usize>(regTab + (<usize>regLen << 3) + 4, hp);
  regLen++;
}

/** The registered node ids, sorted. */
export function registered(): Array<string> {
  const ids = new Array<string>(regLen);
  for (let i = 0; i < regLen; i++) unchecked((ids[i] = regId(i)));
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
  const w = new Writer();
  serveInto(host, ptr, len, w);
  return w.toBuffer();
}


// @ts-ignore: decorator
@lazy const L_SUCCESS: usize = memory.data<u8>([123, 34, 115, 116, 97, 116, 117, 115, 34, 58, 34, 115, 117, 99, 99, 101, 115, 115, 34, 44, 34, 111, 117, 116, 112, 117, 116, 115, 34, 58, 123]);

/** The served call using request.ts's table, while its handler runs. */
let active: Call | null = null;

/**
 * serve into w (reset first): weft_run passes a Writer it keeps from call
 * to call, so a response costs no allocation. The request is read in one
 * pass (request.ts); the handler's inputs are decoded when it asks and its
 * outputs written straight after the response's head. @internal
 */
export function serveInto(host: Host, ptr: usize, len: i32, w: Writer): void {
  w.reset();
  // A handler serving another request: its call stops using the reader's
  // table, which this request is about to overwrite.
  const outer = active;
  if (outer !== null) {
    outer.detach();
    active = null;
  }
  if (!scanRequest(ptr, len) || !fieldsOK()) {
    failureInto(w, requestError(ptr, len));
    return;
  }
  // The handler: ids are compared with the node's bytes in place.
  let k = -1;
  if (nodeSimple) {
    for (let i = 0; i < regLen; i++) {
      if (nameIs(nodeStart, nodeEnd, true, regId(i))) {
        k = i;
        break;
      }
    }
  } else {
    k = regFind(decodeStringAt(nodeStart, nodeEnd));
  }
  if (k < 0) {
    const ids = registered();
    failureInto(w, "unknown node \"" + decodeStringAt(nodeStart, nodeEnd) + "\": this module implements " + (ids.length > 0 ? ids.join(", ") : "none"));
    return;
  }
  const c = Call.fromRequest(host, regId(k), w);
  active = c;
  w.raw(L_SUCCESS, 31); // {"status":"success","outputs":{
  c.startOutputs();
  const e = regFn(k)(c);
  const problem = c.finishInto(e !== null);
  active = null;
  if (e !== null) {
    const msg = e.message;
    failureInto(w, msg.length > 0 ? msg : "node failed (its error has no message)");
    return;
  }
  if (problem !== null) failureInto(w, problem.message);
}

/**
 * Whether the recorded fields are what a request needs: abi 1, a string
 * node, inputs and context objects (or null or absent), context members of
 * their types. Anything else goes to requestError for its wording.
 */
function fieldsOK(): bool {
  if (abiStart == 0 || abiEnd - abiStart != 1 || load<u8>(abiStart) != 0x31) return false;
  if (nodeStart == 0 || load<u8>(nodeStart) != 0x22) return false;
  if (inputsStart != 0) {
    const c = load<u8>(inputsStart);
    if (c != 0x7b && c != 0x6e) return false;
  }
  if (contextStart != 0 && !scannedExact) {
    const c = load<u8>(contextStart);
    if (c != 0x7b && c != 0x6e) return false;
    for (let m = 0; m < 6; m++) {
      const s = ctxStart(m);
      if (s == 0) continue;
      const v = load<u8>(s);
      if (v == 0x6e) continue;
      if (m >= CTX_ATTEMPT) {
        if (!parseIntSpan(s, ctxEnd(m))) return false;
      } else if (v != 0x22) return false;
    }
  }
  return true;
}

/**
 * Why the request at [ptr, ptr+len) is refused, worded by the full parser
 * as before the one-pass reader: the fast reader only says that it is
 * refused.
 */
function requestError(ptr: usize, len: i32): string {
  const parsed = parseJSON(ptr, len);
  if (!parsed.ok) return "bad request: not valid JSON: " + parsed.error!.message;
  const req = parsed.value;
  if (!req.isObject) return "bad request: request: expected an object, found " + req.describe();

  const abi = req.get("abi");
  if (abi === null) return "bad request: field \"abi\" is missing, expected " + ABI_VERSION.toString();
  const av = abi.asInt();
  if (!av.ok || av.value != ABI_VERSION) return "bad request: field \"abi\": expected " + ABI_VERSION.toString() + ", found " + abi.describe();

  const nodeV = req.get("node");
  if (nodeV === null) return "bad request: field \"node\" is missing";
  const nodeS = nodeV.asString();
  if (!nodeS.ok) return "bad request: field \"node\": expected a string, found " + nodeV.describe();

  const inV = req.get("inputs");
  if (inV !== null && !inV.isNull && !inV.isObject) return "bad request: field \"inputs\": expected an object, found " + inV.describe();

  const cV = req.get("context");
  if (cV !== null && !cV.isNull) {
    if (!cV.isObject) return "bad request: field \"context\": expected an object, found " + cV.describe();
    const problem = readContext(new RunContext(), cV);
    if (problem.length > 0) return "bad request: " + problem;
  }
  // Not reached: the reader refuses only what the parser or these checks
  // refuse (tests/run.mjs holds the two to the same requests).
  return "bad request: the request could not be read";
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

/** {"status":"failure","error":msg} */
export function failure(msg: string): ArrayBuffer {
  const w = new Writer();
  failureInto(w, msg);
  return w.toBuffer();
}

/** Replaces what w holds with {"status":"failure","error":msg}. @internal */
export function failureInto(w: Writer, msg: string): void {
  w.reset();
  w.ascii("{\"status\":\"failure\",\"error\":");
  w.string(msg);
  w.byte(0x7d);
}

