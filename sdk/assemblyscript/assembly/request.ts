// The one-pass reader of a weft_run request: it validates the whole JSON
// text and records where the top-level fields, each input (name and value)
// and the context members are, without building any Value or string. The
// Call decodes a name or a value only when the handler asks for it.
//
// It accepts exactly the texts json.ts's parser accepts, or fewer: a text
// it refuses is handed to the full parser (serve.ts), which words the
// error, so error messages do not depend on this reader. Duplicate names
// resolve as the parser's Map does: the last value wins.

import { MAX_DEPTH, decodeStringAt } from "./json";

// The scanner's functions take the position p and the end e and return
// the position after what they read, or 0 when it is malformed (a request
// never starts at address 0): locals, not globals, because WebAssembly
// runtimes keep locals in registers. A string's kind is left in sSimple.
let sSimple: bool = true;

/** Where a top-level field's value is: [start, end); start 0 when absent. */
export let abiStart: usize = 0;
export let abiEnd: usize = 0;
export let nodeStart: usize = 0;
export let nodeEnd: usize = 0;
export let nodeSimple: bool = true;
export let inputsStart: usize = 0;
export let contextStart: usize = 0;

/** The context members the SDK reads, in this order. */
export const CTX_RUN_ID = 0;
export const CTX_WORKFLOW = 1;
export const CTX_NODE_INSTANCE = 2;
export const CTX_TENANT = 3;
export const CTX_ATTEMPT = 4;
export const CTX_DEADLINE = 5;

/**
 * The spans, in one table of u32 words outside the garbage collector:
 * CTX_WORDS words of (start, end) for the context members (start 0 when
 * absent), then INPUT_WORDS per input (name start, name end, simple name,
 * value start, value end). A served Call reads it in place and adds its
 * outputs after the inputs (call.ts); it copies what it holds first when
 * another request is about to be read (serve() from a handler).
 */
export const CTX_WORDS = 12;
export const INPUT_WORDS = 5;
export let spanTab: usize = 0;
/** Its capacity in words. */
export let spanCap: i32 = 0;
export let inCount: i32 = 0;
/** The first-byte mask of the inputs' names (pushInput). */
export let inMask: u32 = 0;

/** Makes room for words words in the table. */
export function spanRoom(words: i32): void {
  if (words <= spanCap) return;
  let cap = spanCap == 0 ? 128 : spanCap * 2;
  while (cap < words) cap *= 2;
  spanTab = spanTab == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(spanTab, <usize>cap << 2);
  spanCap = cap;
}

/** Where the value of context member m starts (0 when absent), and ends. */
export function ctxStart(m: i32): usize {
  return <usize>load<u32>(spanTab + (<usize>(m * 2) << 2));
}
export function ctxEnd(m: i32): usize {
  return <usize>load<u32>(spanTab + (<usize>(m * 2 + 1) << 2));
}

// @ts-ignore: decorator
@inline
function setCtx(m: i32, s: usize, e: usize): void {
  store<u32>(spanTab + (<usize>(m * 2) << 2), <u32>s);
  store<u32>(spanTab + (<usize>(m * 2 + 1) << 2), <u32>e);
}

// @ts-ignore: decorator
@inline
function pushInput(ks: usize, ke: usize, simple: bool, vs: usize, ve: usize): void {
  const w = CTX_WORDS + inCount * INPUT_WORDS;
  if (w + INPUT_WORDS > spanCap) spanRoom(w + INPUT_WORDS);
  const p = spanTab + (<usize>w << 2);
  store<u32>(p, <u32>ks);
  store<u32>(p, <u32>ke, 4);
  store<u32>(p, simple ? 1 : 0, 8);
  // A name's first byte, as a bit of a mask has() tests before it searches
  // (every bit for a name that is not simple).
  inMask |= simple && ke - ks > 2 ? <u32>1 << (load<u8>(ks + 1) & 31) : 0xffffffff;
  store<u32>(p, <u32>vs, 12);
  store<u32>(p, <u32>ve, 16);
  inCount++;
}

// @ts-ignore: decorator
@inline
function ws(p: usize, e: usize): usize {
  while (p < e) {
    const c = load<u8>(p);
    if (c > 0x20 || (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d)) break;
    p++;
  }
  return p;
}

// @ts-ignore: decorator
@inline
function at(p: usize, e: usize): i32 {
  return p < e ? <i32>load<u8>(p) : -1;
}

// @ts-ignore: decorator
@inline
function isHex(c: u32): bool {
  return c - 0x30 < 10 || (c | 0x20) - 0x61 < 6;
}

/** The string whose opening quote is at p; sets sSimple (ASCII, no escape). */
function scanString(p: usize, e: usize): usize {
  p++;
  let simple = true;
  while (p < e) {
    const c = <u32>load<u8>(p);
    if (c == 0x22) {
      sSimple = simple;
      return p + 1;
    }
    if (c == 0x5c) {
      simple = false;
      p++;
      if (p >= e) return 0;
      const x = <u32>load<u8>(p);
      if (x == 0x75) {
        if (p + 4 >= e) return 0;
        if (!isHex(load<u8>(p + 1)) || !isHex(load<u8>(p + 2)) || !isHex(load<u8>(p + 3)) || !isHex(load<u8>(p + 4))) return 0;
        p += 5;
        continue;
      }
      if (x != 0x22 && x != 0x5c && x != 0x2f && x != 0x62 && x != 0x66 && x != 0x6e && x != 0x72 && x != 0x74) return 0;
      p++;
      continue;
    }
    if (c < 0x20) return 0;
    if (c >= 0x80) simple = false;
    p++;
  }
  return 0;
}

// @ts-ignore: decorator
@inline
function digitAt(p: usize, e: usize): bool {
  return p < e && <u32>load<u8>(p) - 0x30 < 10;
}

function scanNumber(p: usize, e: usize): usize {
  if (load<u8>(p) == 0x2d) p++;
  if (p >= e) return 0;
  const c = load<u8>(p);
  if (c == 0x30) p++;
  else if (c >= 0x31 && c <= 0x39) {
    p++;
    while (digitAt(p, e)) p++;
  } else return 0;
  if (p < e && load<u8>(p) == 0x2e) {
    p++;
    if (!digitAt(p, e)) return 0;
    while (digitAt(p, e)) p++;
  }
  if (p < e && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < e && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (!digitAt(p, e)) return 0;
    while (digitAt(p, e)) p++;
  }
  return p;
}

function scanValue(p: usize, e: usize, depth: i32): usize {
  const c = at(p, e);
  if (c == 0x22) return scanString(p, e);
  if (c == 0x2d || <u32>(c - 0x30) < 10) return scanNumber(p, e);
  if (c == 0x7b || c == 0x5b) return scanNested(p, e, depth + 1);
  if (c == 0x74) return p + 4 <= e && load<u32>(p) == 0x65757274 ? p + 4 : 0; // true
  if (c == 0x6e) return p + 4 <= e && load<u32>(p) == 0x6c6c756e ? p + 4 : 0; // null
  if (c == 0x66) return p + 5 <= e && load<u32>(p) == 0x736c6166 && load<u8>(p + 4) == 0x65 ? p + 5 : 0; // false
  return 0;
}

/** An object or array (not inlined: it recurses). */
function scanNested(p: usize, e: usize, depth: i32): usize {
  return load<u8>(p) == 0x7b ? scanObject(p, e, depth) : scanArray(p, e, depth);
}

function scanArray(p: usize, e: usize, depth: i32): usize {
  if (depth > MAX_DEPTH) return 0;
  p = ws(p + 1, e);
  if (at(p, e) == 0x5d) return p + 1;
  while (true) {
    p = scanValue(ws(p, e), e, depth);
    if (p == 0) return 0;
    p = ws(p, e);
    const c = at(p, e);
    if (c == 0x2c) {
      p++;
      continue;
    }
    if (c != 0x5d) return 0;
    return p + 1;
  }
  return 0;
}

function scanObject(p: usize, e: usize, depth: i32): usize {
  if (depth > MAX_DEPTH) return 0;
  p = ws(p + 1, e);
  if (at(p, e) == 0x7d) return p + 1;
  while (true) {
    p = ws(p, e);
    if (at(p, e) != 0x22) return 0;
    p = scanString(p, e);
    if (p == 0) return 0;
    p = ws(p, e);
    if (at(p, e) != 0x3a) return 0;
    p = scanValue(ws(p + 1, e), e, depth);
    if (p == 0) return 0;
    p = ws(p, e);
    const c = at(p, e);
    if (c == 0x2c) {
      p++;
      continue;
    }
    if (c != 0x7d) return 0;
    return p + 1;
  }
  return 0;
}

/**
 * Whether the name whose literal spans [ks, ke) is lit: bytes compared for
 * a simple name, the decoded name otherwise (an escaped name like
 * "\u0061bi" is "abi", as the parser reads it).
 */
export function nameIs(ks: usize, ke: usize, simple: bool, lit: string): bool {
  if (!simple) return decodeStringAt(ks, ke) == lit;
  const n = <i32>(ke - ks - 2);
  if (n != lit.length) return false;
  const p = ks + 1;
  const q = changetype<usize>(lit);
  for (let i = 0; i < n; i++) {
    if (<u16>load<u8>(p + <usize>i) != load<u16>(q + (<usize>i << 1))) return false;
  }
  return true;
}

/**
 * The members of the inputs object (inputs set: each is recorded) or the
 * context object (the six it knows are recorded) whose '{' is at p.
 */
function scanMembers(p: usize, e: usize, inputs: bool): usize {
  // The object is at depth 2 (the request is 1).
  p = ws(p + 1, e);
  if (at(p, e) == 0x7d) return p + 1;
  while (true) {
    p = ws(p, e);
    const ks = p;
    if (at(p, e) != 0x22) return 0;
    p = scanString(p, e);
    if (p == 0) return 0;
    const ke = p;
    const simple = sSimple;
    p = ws(p, e);
    if (at(p, e) != 0x3a) return 0;
    const vs = ws(p + 1, e);
    p = scanValue(vs, e, 2);
    if (p == 0) return 0;
    if (inputs) pushInput(ks, ke, simple, vs, p);
    else {
      const m = contextMember(ks, ke, simple);
      if (m >= 0) {
        setCtx(m, vs, p);
      }
    }
    p = ws(p, e);
    const c = at(p, e);
    if (c == 0x2c) {
      p++;
      continue;
    }
    if (c != 0x7d) return 0;
    return p + 1;
  }
  return 0;
}

/** Which top-level field the key [ks, ke) names: 1 abi, 2 node, 3 inputs, 4 context, 0 another. */
// @ts-ignore: decorator
@inline
function topField(ks: usize, ke: usize, simple: bool): i32 {
  if (simple) {
    const n = ke - ks - 2;
    if (n == 3) return nameIs(ks, ke, true, "abi") ? 1 : 0;
    if (n == 4) return nameIs(ks, ke, true, "node") ? 2 : 0;
    if (n == 6) return nameIs(ks, ke, true, "inputs") ? 3 : 0;
    if (n == 7) return nameIs(ks, ke, true, "context") ? 4 : 0;
    return 0;
  }
  const k = decodeStringAt(ks, ke);
  if (k == "abi") return 1;
  if (k == "node") return 2;
  if (k == "inputs") return 3;
  if (k == "context") return 4;
  return 0;
}

// @ts-ignore: decorator
@inline
function contextMember(ks: usize, ke: usize, simple: bool): i32 {
  if (simple) {
    // The names differ in length but for run_id and tenant.
    const n = ke - ks - 2;
    if (n == 6) {
      if (nameIs(ks, ke, true, "run_id")) return CTX_RUN_ID;
      if (nameIs(ks, ke, true, "tenant")) return CTX_TENANT;
      return -1;
    }
    if (n == 8) return nameIs(ks, ke, true, "workflow") ? CTX_WORKFLOW : -1;
    if (n == 13) return nameIs(ks, ke, true, "node_instance") ? CTX_NODE_INSTANCE : -1;
    if (n == 7) return nameIs(ks, ke, true, "attempt") ? CTX_ATTEMPT : -1;
    if (n == 16) return nameIs(ks, ke, true, "deadline_unix_ms") ? CTX_DEADLINE : -1;
    return -1;
  }
  if (nameIs(ks, ke, simple, "run_id")) return CTX_RUN_ID;
  if (nameIs(ks, ke, simple, "workflow")) return CTX_WORKFLOW;
  if (nameIs(ks, ke, simple, "node_instance")) return CTX_NODE_INSTANCE;
  if (nameIs(ks, ke, simple, "tenant")) return CTX_TENANT;
  if (nameIs(ks, ke, simple, "attempt")) return CTX_ATTEMPT;
  if (nameIs(ks, ke, simple, "deadline_unix_ms")) return CTX_DEADLINE;
  return -1;
}

export function clearContext(): void {
  spanRoom(CTX_WORDS);
  for (let i: usize = 0; i < <usize>CTX_WORDS; i += 2) store<u64>(spanTab + (i << 2), 0);
}

// ---- the host's layout ----
//
// weft's host writes every request in one layout (internal/wasmhost's
// request): {"abi":1,"node":…,"inputs":{…},"context":{"run_id":…,
// "workflow":…,"node_instance":…,"tenant":…,"attempt":…,
// "deadline_unix_ms":…}} without white space. scanExact reads that layout
// with its punctuation and field names compared as blocks of bytes, and
// still validates every value (strings, numbers, each input); any other
// text, even valid JSON in another order, is read by scanGeneral.

// @ts-ignore: decorator
@lazy const L_HEAD: usize = memory.data<u8>([123, 34, 97, 98, 105, 34, 58, 49, 44, 34, 110, 111, 100, 101, 34, 58]);
// @ts-ignore: decorator
@lazy const L_INPUTS: usize = memory.data<u8>([44, 34, 105, 110, 112, 117, 116, 115, 34, 58, 123]);
// @ts-ignore: decorator
@lazy const L_CONTEXT: usize = memory.data<u8>([44, 34, 99, 111, 110, 116, 101, 120, 116, 34, 58, 123, 34, 114, 117, 110, 95, 105, 100, 34, 58]);
// @ts-ignore: decorator
@lazy const L_WORKFLOW: usize = memory.data<u8>([44, 34, 119, 111, 114, 107, 102, 108, 111, 119, 34, 58]);
// @ts-ignore: decorator
@lazy const L_INSTANCE: usize = memory.data<u8>([44, 34, 110, 111, 100, 101, 95, 105, 110, 115, 116, 97, 110, 99, 101, 34, 58]);
// @ts-ignore: decorator
@lazy const L_TENANT: usize = memory.data<u8>([44, 34, 116, 101, 110, 97, 110, 116, 34, 58]);
// @ts-ignore: decorator
@lazy const L_ATTEMPT: usize = memory.data<u8>([44, 34, 97, 116, 116, 101, 109, 112, 116, 34, 58]);
// @ts-ignore: decorator
@lazy const L_DEADLINE: usize = memory.data<u8>([44, 34, 100, 101, 97, 100, 108, 105, 110, 101, 95, 117, 110, 105, 120, 95, 109, 115, 34, 58]);

/** Whether the n bytes at p (before e) are the n bytes at lit; compared 8 at a time. */
// @ts-ignore: decorator
@inline
function bytesAre(p: usize, e: usize, lit: usize, n: usize): bool {
  if (p + n > e) return false;
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) if (load<u64>(p + i) != load<u64>(lit + i)) return false;
  for (; i < n; i++) if (load<u8>(p + i) != load<u8>(lit + i)) return false;
  return true;
}

/** A string value of context member m at p; its end, or 0. */
// @ts-ignore: decorator
@inline
function ctxStringAt(p: usize, e: usize, m: i32): usize {
  if (p >= e || load<u8>(p) != 0x22) return 0;
  const q = scanString(p, e);
  setCtx(m, p, q);
  return q;
}

/** An integer value of context member m at p (checked: in i64); its end, or 0. */
// @ts-ignore: decorator
@inline
function ctxIntAt(p: usize, e: usize, m: i32): usize {
  if (p >= e) return 0;
  const c = load<u8>(p);
  if (c != 0x2d && <u32>(c - 0x30) >= 10) return 0;
  const q = scanNumber(p, e);
  if (q == 0 || !parseIntSpan(p, q)) return 0;
  setCtx(m, p, q);
  return q;
}

/** Reads a request in the host's layout; false when it is not in it (or malformed). */
function scanExact(ptr: usize, e: usize): bool {
  if (!bytesAre(ptr, e, L_HEAD, 16)) return false;
  abiStart = ptr + 7;
  abiEnd = ptr + 8;
  let p = ptr + 16;
  if (p >= e || load<u8>(p) != 0x22) return false;
  nodeStart = p;
  p = scanString(p, e);
  if (p == 0) return false;
  nodeEnd = p;
  nodeSimple = sSimple;
  if (!bytesAre(p, e, L_INPUTS, 11)) return false;
  inputsStart = p + 10;
  p = scanMembers(p + 10, e, true);
  if (p == 0 || !bytesAre(p, e, L_CONTEXT, 21)) return false;
  contextStart = p + 11;
  p = ctxStringAt(p + 21, e, CTX_RUN_ID);
  if (p == 0 || !bytesAre(p, e, L_WORKFLOW, 12)) return false;
  p = ctxStringAt(p + 12, e, CTX_WORKFLOW);
  if (p == 0 || !bytesAre(p, e, L_INSTANCE, 17)) return false;
  p = ctxStringAt(p + 17, e, CTX_NODE_INSTANCE);
  if (p == 0 || !bytesAre(p, e, L_TENANT, 10)) return false;
  p = ctxStringAt(p + 10, e, CTX_TENANT);
  if (p == 0 || !bytesAre(p, e, L_ATTEMPT, 11)) return false;
  p = ctxIntAt(p + 11, e, CTX_ATTEMPT);
  if (p == 0 || !bytesAre(p, e, L_DEADLINE, 20)) return false;
  p = ctxIntAt(p + 20, e, CTX_DEADLINE);
  return p != 0 && p + 2 == e && load<u16>(p) == 0x7d7d;
}

/** Whether the last request was in the host's layout (its context members are then known to be well typed). */
export let scannedExact: bool = false;

/** Empties what a scan records. */
function clearScan(): void {
  abiStart = abiEnd = nodeStart = nodeEnd = inputsStart = contextStart = 0;
  nodeSimple = true;
  inCount = 0;
  inMask = 0;
  clearContext();
}

/**
 * Reads the request at [ptr, ptr+len): true when it is one JSON object
 * whose every byte is valid JSON, with the spans recorded: in the host's
 * layout first, else in any layout.
 */
export function scanRequest(ptr: usize, len: i32): bool {
  const e = ptr + <usize>len;
  clearScan();
  if (scanExact(ptr, e)) {
    scannedExact = true;
    return true;
  }
  clearScan();
  scannedExact = false;
  return scanGeneral(ptr, e);
}

/**
 * Reads any request: one JSON object whose every byte is valid JSON, its
 * fields in any order, with white space. A later "inputs" or "context"
 * replaces an earlier one, as the parser's Map does.
 */
function scanGeneral(ptr: usize, e: usize): bool {
  let p = ws(ptr, e);
  if (at(p, e) != 0x7b) return false;
  p = ws(p + 1, e);
  if (at(p, e) == 0x7d) {
    p++;
  } else {
    while (true) {
      p = ws(p, e);
      const ks = p;
      if (at(p, e) != 0x22) return false;
      p = scanString(p, e);
      if (p == 0) return false;
      const ke = p;
      const f = topField(ks, ke, sSimple);
      p = ws(p, e);
      if (at(p, e) != 0x3a) return false;
      const vs = ws(p + 1, e);
      const c = at(vs, e);
      if (f == 3) {
        inCount = 0;
        inMask = 0;
        inputsStart = vs;
        p = c == 0x7b ? scanMembers(vs, e, true) : scanValue(vs, e, 1);
      } else if (f == 4) {
        clearContext();
        contextStart = vs;
        p = c == 0x7b ? scanMembers(vs, e, false) : scanValue(vs, e, 1);
      } else {
        p = scanValue(vs, e, 1);
        if (f == 1) {
          abiStart = vs;
          abiEnd = p;
        } else if (f == 2) {
          nodeStart = vs;
          nodeEnd = p;
          nodeSimple = c == 0x22 && sSimple;
        }
      }
      if (p == 0) return false;
      p = ws(p, e);
      const d = at(p, e);
      if (d == 0x2c) {
        p++;
        continue;
      }
      if (d != 0x7d) return false;
      p++;
      break;
    }
  }
  return ws(p, e) == e;
}

/**
 * The integer JSON number at [s, e), exactly; false for a fraction, an
 * exponent or a value outside i64 (the caller then asks the Value for its
 * error). The result is in parsedInt.
 */
export let parsedInt: i64 = 0;
export function parseIntSpan(s: usize, e: usize): bool {
  let p = s;
  const neg = p < e && load<u8>(p) == 0x2d;
  if (neg) p++;
  if (p >= e) return false;
  if (e - p <= 18) {
    // At most 18 digits always fit: no overflow check (a division per
    // digit, which WebAssembly runtimes do not turn into a multiply).
    let v: i64 = 0;
    for (; p < e; p++) {
      const c = <u32>load<u8>(p) - 0x30;
      if (c >= 10) return false;
      v = v * 10 + <i64>c;
    }
    parsedInt = neg ? -v : v;
    return true;
  }
  // Accumulate negatively: -9223372036854775808 has no positive twin.
  let v: i64 = 0;
  for (; p < e; p++) {
    const c = <i32>load<u8>(p) - 0x30;
    if (<u32>c >= 10) return false;
    const d = <i64>c;
    if (v < (i64.MIN_VALUE + d) / 10) return false;
    v = v * 10 - d;
  }
  if (!neg) {
    if (v == i64.MIN_VALUE) return false;
    v = -v;
  }
  parsedInt = v;
  return true;
}
