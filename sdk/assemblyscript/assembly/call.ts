// Call: the handle a handler gets — typed input getters, typed output
// setters, the run context, logging and the way to the host.

import { Result, ok, err, HostError, InputError, Code } from "./result";
import { Value, Writer, parseJSON, decodeStringAt } from "./json";
import { parseDecimal, formatFloat } from "./float";
import { base64Encode } from "./base64";
import { inCount, inMask, spanTab, spanCap, spanRoom, CTX_WORDS, INPUT_WORDS, parseIntSpan, parsedInt, CTX_RUN_ID, CTX_WORKFLOW, CTX_NODE_INSTANCE, CTX_TENANT, CTX_ATTEMPT, CTX_DEADLINE } from "./request";
import { DateTime } from "./datetime";
import { Host, Level, MAX_HOST_CALL_BYTES } from "./host";
import { Vars, Cache, State, Stream, Http, Storage, OAuth } from "./ops";

/** What the host says about this call (the request's "context"). */
export class RunContext {
  /** The node id of the manifest that is running. */
  node: string = "";
  /** The run's id. */
  runId: string = "";
  /** The workflow's id. */
  workflow: string = "";
  /** The node's id in the workflow (its instance). */
  nodeInstance: string = "";
  /** The tenant the run belongs to. */
  tenant: string = "";
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: i32 = 0;
  /** When the host stops the call, in Unix milliseconds; 0 if none was sent. */
  deadlineUnixMs: i64 = 0;

  /** The deadline as a DateTime; null if none was sent. */
  get deadline(): DateTime | null {
    return this.deadlineUnixMs == 0 ? null : DateTime.fromUnixMillis(this.deadlineUnixMs);
  }
}

/**
 * One run of a node: its inputs, its outputs, its context and its way to
 * the host. A handler gets it as its argument; it is valid until the
 * handler returns.
 *
 * ```ts
 * function add(c: Call): Error | null {
 *   const a = c.int("a");
 *   if (!a.ok) return a.error;
 *   const b = c.intOr("b", 0);
 *   if (!b.ok) return b.error;
 *   return c.setInt("sum", a.value + b.value);
 * }
 * ```
 *
 * Getters return a Result: an InputError when the input is missing
 * (`missing` true) or not of the getter's type. The `...Or` getters return
 * the default when the request has no value for the pin. Setters return
 * an Error or null; a value that cannot be written (a NaN float) also
 * fails the call when the handler ignores the error.
 */
export class Call {
  private _host: Host;
  private _ctx: RunContext | null;
  private _node: string = "";
  // Inputs come either from a Map (a Call made with the constructor) or,
  // for a call served from a request, from the request's bytes, located
  // by _tab: names and values are decoded when the handler asks.
  private _inputs: Map<string, Value> | null;
  private _served: bool = false;
  private _n: i32 = 0;
  // The call's table of u32 words (request.ts): CTX_WORDS words of context
  // spans, then INPUT_WORDS per input, then OUT_WORDS per output. A served
  // call uses the reader's table in place (no allocation) until it needs
  // more room or another request is read; then it copies it into _own.
  private _tab: usize = 0;
  private _cap: i32 = 0;
  private _own: StaticArray<u32> | null = null;
  private _outAt: i32 = 0;
  private _outN: i32 = 0;
  private _names: Array<string | null> | null = null;
  private _lastName: usize = 0;
  private _lastK: i32 = -1;
  private _mask: u32 = 0xffffffff;
  private _vals: Array<Value | null> | null = null;
  // Outputs are written as `"name":value,` straight into _out after _base
  // (for a served call, _out is the response and _base follows its head);
  // a Value output is kept by reference (_kept) and written at the end, as
  // a Map of Values would be. Setting a pin again, or a Value output, makes
  // finishInto reassemble the text in first-set order.
  private _out: Writer | null = null;
  private _base: i32 = 0;
  private _kept: Array<Value> | null = null;
  private _rebuild: bool = false;
  private _outErr: Error | null = null;
  private _done: bool = false;

  constructor(host: Host, ctx: RunContext, inputs: Map<string, Value> | null = null) {
    this._host = host;
    this._ctx = ctx;
    this._inputs = inputs;
  }

  /**
   * A Call on the request request.ts has just read (node is the handler's
   * registered id), writing its outputs into w. @internal
   */
  static fromRequest(host: Host, node: string, w: Writer): Call {
    const c = new Call(host, changetype<RunContext>(0), null);
    c._served = true;
    c._node = node;
    const n = inCount;
    c._n = n;
    c._mask = inMask;
    const at = CTX_WORDS + n * INPUT_WORDS;
    spanRoom(at + 8 * OUT_WORDS);
    c._tab = spanTab;
    c._cap = spanCap;
    c._outAt = at;
    c._out = w;
    return c;
  }

  /**
   * Moves this call's table out of the reader's, which is about to read
   * another request, into memory of its own. @internal
   */
  detach(): void {
    if (this._own !== null || this._tab == 0 || this._done) return;
    this.regrow(this._outAt + (this._outN + 4) * OUT_WORDS);
  }

  /** Copies the table into a StaticArray of words words. */
  private regrow(words: i32): void {
    const nt = new StaticArray<u32>(words);
    const used = this._outAt + this._outN * OUT_WORDS;
    if (this._tab != 0) memory.copy(changetype<usize>(nt), this._tab, <usize>used << 2);
    this._own = nt;
    this._tab = changetype<usize>(nt);
    this._cap = words;
  }

  /** Word i of the table. */
  // @ts-ignore: decorator
  @inline
  private tw(i: i32): u32 {
    return load<u32>(this._tab + (<usize>i << 2));
  }

  // @ts-ignore: decorator
  @inline
  private tset(i: i32, v: u32): void {
    store<u32>(this._tab + (<usize>i << 2), v);
  }

  /** What the host says about this call: node, run, workflow, instance, tenant, attempt, deadline. */
  get context(): RunContext {
    let ctx = this._ctx;
    if (ctx === null) {
      // Made when first asked for, from the request (which is gone once
      // the call has finished: then only the node is known).
      ctx = new RunContext();
      ctx.node = this._node;
      if (!this._done) {
        const t = this._tab;
        ctx.runId = ctxString(t, CTX_RUN_ID);
        ctx.workflow = ctxString(t, CTX_WORKFLOW);
        ctx.nodeInstance = ctxString(t, CTX_NODE_INSTANCE);
        ctx.tenant = ctxString(t, CTX_TENANT);
        ctx.attempt = <i32>ctxInt(t, CTX_ATTEMPT);
        ctx.deadlineUnixMs = ctxInt(t, CTX_DEADLINE);
      }
      this._ctx = ctx;
    }
    return ctx;
  }

  /** The host this call talks to. */
  get host(): Host {
    return this._host;
  }

  /** Marks where the outputs start in the response writer. @internal */
  startOutputs(): void {
    this._base = this._out!.length;
  }

  /** Word i of output j. */
  // @ts-ignore: decorator
  @inline
  private ow(j: i32, i: i32): i32 {
    return <i32>this.tw(this._outAt + j * OUT_WORDS + i);
  }

  /**
   * Ends the call and hands back its outputs (or the first output error).
   * @internal
   */
  finish(): Result<Map<string, Value>> {
    this._done = true;
    if (this._outErr !== null) return err<Map<string, Value>>(this._outErr!);
    const m = new Map<string, Value>();
    if (this._outN == 0) return ok<Map<string, Value>>(m);
    const p = this._out!.dataStart;
    for (let j = 0; j < this._outN; j++) {
      const name = decodeStringAt(p + <usize>this.ow(j, O_NAME), p + <usize>this.ow(j, O_NAME_END) - 1);
      const kept = this.ow(j, O_KEPT);
      if (kept > 0) m.set(name, unchecked(this._kept![kept - 1]));
      else {
        const vs = this.ow(j, O_START);
        m.set(name, parseJSON(p + <usize>vs, this.ow(j, O_END) - vs).value);
      }
    }
    return ok<Map<string, Value>>(m);
  }

  /**
   * Ends a served call: completes {"status":"success","outputs":{...}} in
   * the response writer and returns the first output error (null when
   * none). With failed set (the handler returned an error) it only ends
   * the call. @internal
   */
  finishInto(failed: bool): Error | null {
    this._done = true;
    if (failed || this._outErr !== null) return this._outErr;
    const w = this._out!;
    if (this._outN == 0) {
      w.ascii("}}");
      return null;
    }
    if (!this._rebuild) {
      w.truncate(w.length - 1); // the last ','
      w.ascii("}}");
      return null;
    }
    // Reassemble: copy the text aside, then write each pin once, in the
    // order it was first set, with its last value.
    const base = this._base;
    const t = scratch();
    t.reset();
    t.raw(w.dataStart + <usize>base, w.length - base);
    w.truncate(base);
    const p = t.dataStart - <usize>base;
    for (let j = 0; j < this._outN; j++) {
      if (j > 0) w.byte(0x2c);
      const ns = this.ow(j, O_NAME);
      w.raw(p + <usize>ns, this.ow(j, O_NAME_END) - ns);
      const kept = this.ow(j, O_KEPT);
      if (kept > 0) unchecked(this._kept![kept - 1]).writeTo(w);
      else {
        const vs = this.ow(j, O_START);
        w.raw(p + <usize>vs, this.ow(j, O_END) - vs);
      }
    }
    w.ascii("}}");
    return null;
  }

  // ---- inputs ----

  /** Whether this call read its inputs from request bytes that are gone now that it finished. */
  private get gone(): bool {
    return this._done && this._served;
  }

  /** The index of input name in the request (its last occurrence); -1 when absent. */
  // @ts-ignore: decorator
  @inline
  private find(name: string): i32 {
    if (this._done) return -1;
    // has(name) then get(name) look the same literal up twice: the last
    // answer is kept by the string's address (nothing is collected while
    // a call runs, so an address names one string for the whole call).
    const q = changetype<usize>(name);
    if (q == this._lastName) return this._lastK;
    // No input's name starts with this name's first code unit (an empty
    // name has none: searched).
    const k = name.length > 0 && (this._mask & (<u32>1 << (load<u16>(q) & 31))) == 0 ? -1 : this.search(name);
    this._lastName = q;
    this._lastK = k;
    return k;
  }

  private search(name: string): i32 {
    const len = name.length;
    const q = changetype<usize>(name);
    const t = this._tab;
    for (let k = this._n - 1; k >= 0; k--) {
      const w = t + (<usize>(CTX_WORDS + k * INPUT_WORDS) << 2);
      const ks = <usize>load<u32>(w);
      const ke = <usize>load<u32>(w, 4);
      if (load<u32>(w, 8) != 0) {
        // A simple name (ASCII, no escape): compared byte by code unit.
        if (<i32>(ke - ks - 2) != len) continue;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (<u16>load<u8>(ks + 1 + <usize>i) != load<u16>(q + (<usize>i << 1))) {
            same = false;
            break;
          }
        }
        if (same) return k;
      } else if (this.nameAt(k) == name) return k;
    }
    return -1;
  }

  /** The decoded name of input k. */
  private nameAt(k: i32): string {
    let names = this._names;
    if (names === null) {
      names = new Array<string | null>(this._n);
      this._names = names;
    }
    let s = unchecked(names[k]);
    if (s === null) {
      const w = CTX_WORDS + k * INPUT_WORDS;
      s = decodeStringAt(<usize>this.tw(w), <usize>this.tw(w + 1));
      unchecked((names[k] = s));
    }
    return s;
  }

  /** The Value of input k, parsed once (the same Value each time it is asked for). */
  private valueAt(k: i32): Value {
    let vals = this._vals;
    if (vals === null) {
      vals = new Array<Value | null>(this._n);
      this._vals = vals;
    }
    let v = unchecked(vals[k]);
    if (v === null) {
      const w = CTX_WORDS + k * INPUT_WORDS;
      const vs = <usize>this.tw(w + 3);
      const ve = <usize>this.tw(w + 4);
      // Already validated by the reader: parsing cannot fail.
      v = parseJSON(vs, <i32>(ve - vs)).value;
      unchecked((vals[k] = v));
    }
    return v;
  }

  /** Input name's Value; null when the request has none. */
  private lookup(name: string): Value | null {
    const m = this._inputs;
    if (m !== null) return m.has(name) ? m.get(name) : null;
    const k = this.find(name);
    return k < 0 ? null : this.valueAt(k);
  }

  /** Whether the request carries a value (possibly null) for input pin name. */
  has(name: string): bool {
    const m = this._inputs;
    if (m !== null) return m.has(name);
    return this.find(name) >= 0;
  }

  /** The names of the inputs the request carries, sorted. */
  inputs(): Array<string> {
    const m = this._inputs;
    if (m !== null) {
      const names = m.keys();
      names.sort();
      return names;
    }
    const seen = new Set<string>();
    if (!this._done) for (let k = 0; k < this._n; k++) seen.add(this.nameAt(k));
    const names = seen.values();
    names.sort();
    return names;
  }

  /** The raw JSON value of input name; null when the request has none. */
  input(name: string): Value | null {
    return this.lookup(name);
  }

  private missing<T>(name: string): Result<T> {
    // Served inputs live in the request, which is freed when the call ends.
    if (this.gone) return err<T>(new Error("input \"" + name + "\": node call has finished"));
    return err<T>(new InputError(name, true, "missing input \"" + name + "\""));
  }

  private wrong<T>(name: string, e: Error): Result<T> {
    return err<T>(new InputError(name, false, "input \"" + name + "\": wrong input type: " + e.message));
  }

  /**
   * Input name as T, whose type is known at compile time: bool, any
   * integer (range-checked), f32/f64, string, Value, DateTime, Uint8Array.
   *
   * ```ts
   * const n = c.get<i32>("count");
   * ```
   */
  get<T>(name: string): Result<T> {
    const m = this._inputs;
    if (m !== null) {
      if (!m.has(name)) return this.missing<T>(name);
      const r = m.get(name).as<T>();
      if (!r.ok) return this.wrong<T>(name, r.error!);
      return r;
    }
    const k = this.find(name);
    if (k < 0) return this.missing<T>(name);
    // The common pin types straight from the request's bytes; anything
    // they refuse goes through the Value, whose error says why.
    const vs = <usize>this.tw(CTX_WORDS + k * INPUT_WORDS + 3);
    const ve = <usize>this.tw(CTX_WORDS + k * INPUT_WORDS + 4);
    const c = load<u8>(vs);
    if (isBoolean<T>()) {
      if (c == 0x74) return ok<T>(<T>true);
      if (c == 0x66) return ok<T>(<T>false);
    } else if (isInteger<T>()) {
      if (parseIntSpan(vs, ve)) {
        const i = parsedInt;
        let fits = true;
        if (isSigned<T>()) {
          if (sizeof<T>() < 8) {
            const bits = <i64>(sizeof<T>() * 8 - 1);
            fits = i >= -(<i64>1 << bits) && i < <i64>1 << bits;
          }
        } else {
          fits = i >= 0 && (sizeof<T>() == 8 || i < <i64>1 << <i64>(sizeof<T>() * 8));
        }
        if (fits) return ok<T>(<T>i);
      }
    } else if (isFloat<T>()) {
      if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
        const f = parseDecimal(asciiText(vs, ve));
        if (isFinite(f)) return ok<T>(<T>f);
      }
    } else if (isString<T>()) {
      if (c == 0x22) return ok<T>(changetype<T>(decodeStringAt(vs, ve)));
    }
    const r = this.valueAt(k).as<T>();
    if (!r.ok) return this.wrong<T>(name, r.error!);
    return r;
  }

  /** As get<T>, returning def when the request has no value for name. */
  getOr<T>(name: string, def: T): Result<T> {
    if (!this.has(name) && !this.gone) return ok<T>(def);
    return this.get<T>(name);
  }

  /** The string input name (string pins). */
  string(name: string): Result<string> {
    return this.get<string>(name);
  }

  /** string, returning def when the request has no value for name. */
  stringOr(name: string, def: string): Result<string> {
    return this.getOr<string>(name, def);
  }

  /** The path input name: a storage path, never a host path (path pins). */
  path(name: string): Result<string> {
    return this.get<string>(name);
  }

  /** path, returning def when the request has no value for name. */
  pathOr(name: string, def: string): Result<string> {
    return this.getOr<string>(name, def);
  }

  /**
   * The integer input name, exactly (never through f64): a JSON number
   * without fraction or exponent in i64 range (integer pins).
   */
  int(name: string): Result<i64> {
    return this.get<i64>(name);
  }

  /** int, returning def when the request has no value for name. */
  intOr(name: string, def: i64): Result<i64> {
    return this.getOr<i64>(name, def);
  }

  /** The number input name, correctly rounded; an integer is accepted too (float pins). */
  float(name: string): Result<f64> {
    return this.get<f64>(name);
  }

  /** float, returning def when the request has no value for name. */
  floatOr(name: string, def: f64): Result<f64> {
    return this.getOr<f64>(name, def);
  }

  /** The boolean input name (boolean pins). */
  bool(name: string): Result<bool> {
    return this.get<bool>(name);
  }

  /** bool, returning def when the request has no value for name. */
  boolOr(name: string, def: bool): Result<bool> {
    return this.getOr<bool>(name, def);
  }

  /** The bytes input name, decoded from standard base64 (bytes pins). */
  bytes(name: string): Result<Uint8Array> {
    return this.get<Uint8Array>(name);
  }

  /** The date input name, parsed from RFC 3339 (date pins). */
  date(name: string): Result<DateTime> {
    return this.get<DateTime>(name);
  }

  /** Input name as any JSON value, null included (generic pins). */
  value(name: string): Result<Value> {
    const v = this.lookup(name);
    if (v === null) return this.missing<Value>(name);
    return ok<Value>(v);
  }

  /** The object input name (struct pins); read it with get, keys, as. */
  object(name: string): Result<Value> {
    const v = this.lookup(name);
    if (v === null) return this.missing<Value>(name);
    const r = v.asObject();
    if (!r.ok) return this.wrong<Value>(name, r.error!);
    return r;
  }

  /**
   * The array input name with items of type T (array pins):
   * `c.arrayOf<i64>("ids")`, `c.arrayOf<string>("names")`, `c.arrayOf<Value>("rows")`.
   */
  arrayOf<T>(name: string): Result<Array<T>> {
    const v = this.lookup(name);
    if (v === null) return this.missing<Array<T>>(name);
    const a = v.asArray();
    if (!a.ok) return this.wrong<Array<T>>(name, a.error!);
    const items = a.value;
    const out = new Array<T>(items.length);
    for (let i = 0; i < items.length; i++) {
      const r = unchecked(items[i]).as<T>();
      if (!r.ok) return this.wrong<Array<T>>(name, new Error("item " + i.toString() + ": " + r.error!.message));
      unchecked((out[i] = r.value));
    }
    return ok<Array<T>>(out);
  }

  /**
   * The map input name, string keys to values of type T (map pins):
   * `c.mapOf<string>("labels")`. Keys keep the request's order.
   */
  mapOf<T>(name: string): Result<Map<string, T>> {
    const v = this.lookup(name);
    if (v === null) return this.missing<Map<string, T>>(name);
    const o = v.asObject();
    if (!o.ok) return this.wrong<Map<string, T>>(name, o.error!);
    const obj = o.value;
    const keys = obj.keys();
    const out = new Map<string, T>();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      const r = obj.get(k)!.as<T>();
      if (!r.ok) return this.wrong<Map<string, T>>(name, new Error("member \"" + k + "\": " + r.error!.message));
      out.set(k, r.value);
    }
    return ok<Map<string, T>>(out);
  }

  /**
   * The set input name with items of type T (set pins; a JSON array
   * without duplicates): `c.setOf<string>("tags")`. Items keep the
   * request's order; T is bool, an integer, a float or string.
   */
  setOf<T>(name: string): Result<Set<T>> {
    if (isReference<T>() && !isString<T>()) ERROR("Call.setOf: T must be bool, an integer, a float or string");
    const a = this.arrayOf<T>(name);
    if (!a.ok) return err<Set<T>>(a.error!);
    const out = new Set<T>();
    const items = a.value;
    for (let i = 0; i < items.length; i++) out.add(unchecked(items[i]));
    return ok<Set<T>>(out);
  }

  // ---- outputs ----

  /**
   * Starts output name's value text: its entry is created (and its name
   * written) on first use. The index of the entry; -1 once the call has
   * finished.
   */
  private open(name: string): i32 {
    if (this._done) return -1;
    let w = this._out;
    if (w === null) {
      w = new Writer();
      this._out = w;
    }
    const p = w.dataStart;
    let j = 0;
    for (; j < this._outN; j++) {
      if (writtenNameIs(p + <usize>this.ow(j, O_NAME) + 1, p + <usize>this.ow(j, O_NAME_END) - 2, name)) break;
    }
    if (j == this._outN) {
      const need = this._outAt + (j + 1) * OUT_WORDS;
      if (need > this._cap) this.regrow(this._outAt + (j + 1) * 2 * OUT_WORDS);
      const e = this._outAt + j * OUT_WORDS;
      this.tset(e + O_NAME, w.length);
      w.string(name);
      w.byte(0x3a);
      this.tset(e + O_NAME_END, w.length);
      this._outN = j + 1;
    } else {
      this._rebuild = true; // set again: the last value, at the first place
    }
    const e = this._outAt + j * OUT_WORDS;
    this.tset(e + O_START, w.length);
    this.tset(e + O_KEPT, 0);
    return j;
  }

  /** Ends the value text open started. */
  private close(j: i32): Error | null {
    const w = this._out!;
    this.tset(this._outAt + j * OUT_WORDS + O_END, w.length);
    w.byte(0x2c);
    return null;
  }

  private finished(name: string): Error {
    return new Error("output \"" + name + "\": node call has finished");
  }

  /** Keeps v by reference, written when the call ends (as a Map of Values would). */
  private put(name: string, v: Value): Error | null {
    const j = this.open(name);
    if (j < 0) return this.finished(name);
    let kept = this._kept;
    if (kept === null) {
      kept = new Array<Value>();
      this._kept = kept;
    }
    kept.push(v);
    const e = this._outAt + j * OUT_WORDS;
    this.tset(e + O_KEPT, kept.length);
    this.tset(e + O_END, this.tw(e + O_START));
    this._rebuild = true;
    return null;
  }

  private refuse(name: string, why: string): Error {
    const e = new Error("output \"" + name + "\": " + why);
    if (this._outErr === null) this._outErr = e;
    return e;
  }

  /**
   * Sets output pin name to x, whose type is known at compile time (see
   * Value.from). Setting a pin twice keeps the last value.
   *
   * # Errors
   *
   * A non-finite float (also remembered: the call then ends in FAILURE),
   * or a call that has finished.
   */
  set<T>(name: string, x: T): Error | null {
    if (isFloat<T>()) {
      if (!isFinite(<f64>x)) return this.refuse(name, "float " + (<f64>x).toString() + " has no JSON form");
    }
    if (!isPlain<T>()) return this.put(name, Value.from<T>(x));
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    writePlain<T>(this._out!, x);
    return this.close(o);
  }

  /** Sets string output name. */
  setString(name: string, s: string): Error | null {
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    this._out!.string(s);
    return this.close(o);
  }

  /** Sets path output name (a storage path). */
  setPath(name: string, p: string): Error | null {
    return this.setString(name, p);
  }

  /** Sets integer output name, written exactly. */
  setInt(name: string, i: i64): Error | null {
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    this._out!.int(i);
    return this.close(o);
  }

  /** Sets float output name; NaN and ±Infinity are refused. */
  setFloat(name: string, f: f64): Error | null {
    return this.set<f64>(name, f);
  }

  /** Sets boolean output name. */
  setBool(name: string, b: bool): Error | null {
    return this.set<bool>(name, b);
  }

  /** Sets bytes output name (written as standard base64). */
  setBytes(name: string, data: Uint8Array): Error | null {
    return this.set<Uint8Array>(name, data);
  }

  /** Sets date output name (written as RFC 3339). */
  setDate(name: string, d: DateTime): Error | null {
    return this.set<DateTime>(name, d);
  }

  /** Sets struct or generic output name to any JSON value. */
  setValue(name: string, v: Value): Error | null {
    return this.put(name, v);
  }

  /** Sets execution output name (null). */
  setNull(name: string): Error | null {
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    this._out!.ascii("null");
    return this.close(o);
  }

  /** Sets array output name from items of type T (see Value.from). */
  setArray<T>(name: string, items: Array<T>): Error | null {
    if (isFloat<T>()) {
      for (let i = 0; i < items.length; i++) {
        const x = unchecked(items[i]);
        if (!isFinite(<f64>x)) return this.refuse(name, "item " + i.toString() + ": float " + (<f64>x).toString() + " has no JSON form");
      }
    }
    if (!isPlain<T>()) {
      const out = new Array<Value>(items.length);
      for (let i = 0; i < items.length; i++) unchecked((out[i] = Value.from<T>(unchecked(items[i]))));
      return this.put(name, Value.array(out));
    }
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    const w = this._out!;
    w.byte(0x5b);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) w.byte(0x2c);
      writePlain<T>(w, unchecked(items[i]));
    }
    w.byte(0x5d);
    return this.close(o);
  }

  /** Sets map output name from string keys to values of type T. */
  setMap<T>(name: string, m: Map<string, T>): Error | null {
    const keys = m.keys();
    if (isFloat<T>()) {
      for (let i = 0; i < keys.length; i++) {
        const k = unchecked(keys[i]);
        const x = m.get(k);
        if (!isFinite(<f64>x)) return this.refuse(name, "member \"" + k + "\": float " + (<f64>x).toString() + " has no JSON form");
      }
    }
    if (!isPlain<T>()) {
      const obj = Value.object();
      for (let i = 0; i < keys.length; i++) {
        const k = unchecked(keys[i]);
        obj.set(k, Value.from<T>(m.get(k)));
      }
      return this.put(name, obj);
    }
    const o = this.open(name);
    if (o < 0) return this.finished(name);
    const w = this._out!;
    w.byte(0x7b);
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      if (i > 0) w.byte(0x2c);
      w.string(k);
      w.byte(0x3a);
      writePlain<T>(w, m.get(k));
    }
    w.byte(0x7d);
    return this.close(o);
  }

  /** Sets set output name (a JSON array, in the set's insertion order). */
  setSet<T>(name: string, s: Set<T>): Error | null {
    return this.setArray<T>(name, s.values());
  }

  // ---- logging ----

  /**
   * Writes one line to the run log at level.
   *
   * The host cuts lines over 16 KiB and keeps at most 10,000 lines per
   * call. Lines logged after the handler returned are dropped.
   */
  log(level: Level, msg: string): void {
    if (this._done) return;
    this._host.log(level, msg);
  }

  /** Logs msg at Level.Trace. */
  trace(msg: string): void {
    this.log(Level.Trace, msg);
  }

  /** Logs msg at Level.Debug. */
  debug(msg: string): void {
    this.log(Level.Debug, msg);
  }

  /** Logs msg at Level.Info. */
  info(msg: string): void {
    this.log(Level.Info, msg);
  }

  /** Logs msg at Level.Warn. */
  warn(msg: string): void {
    this.log(Level.Warn, msg);
  }

  /** Logs msg at Level.Error. */
  error(msg: string): void {
    this.log(Level.Error, msg);
  }

  // ---- host calls ----

  /**
   * Performs host operation op with request req (null sends {}) and
   * returns the reply's ok value. The typed helpers (vars, cache, state,
   * http, storage, oauth, stream) wrap it; use it for an operation newer
   * than this SDK.
   *
   * ```ts
   * const r = c.hostCall("cache.get", Value.object().set("key", Value.string("k")));
   * ```
   *
   * # Errors
   *
   * A HostError for an error reply (Code.PermissionDenied when the
   * manifest does not grant the operation, Code.UnknownOp, ...); a
   * HostError with Code.LimitExceeded when the request is over 16 MiB or
   * the host could not allocate the reply; Code.Internal for a malformed
   * reply. An Error after the handler returned.
   */
  hostCall(op: string, req: Value | null = null): Result<Value> {
    if (this._done) return err<Value>(new Error("host call " + op + ": node call has finished"));
    const w = new Writer();
    if (req === null) w.ascii("{}");
    else req.writeTo(w);
    if (w.length > MAX_HOST_CALL_BYTES) {
      return err<Value>(new HostError(op, Code.LimitExceeded, "request is " + w.length.toString() + " bytes, the limit is " + MAX_HOST_CALL_BYTES.toString()));
    }
    const reply = this._host.call(op, w.toBuffer());
    if (!reply.ok) {
      const e = reply.error!;
      if (e instanceof HostError) return err<Value>(e);
      return err<Value>(new HostError(op, Code.Internal, "malformed reply: " + e.message));
    }
    return parseReply(op, reply.value);
  }

  /** The run's blackboard (vars.get, vars.set; permission variables = true). */
  vars(): Vars {
    return new Vars(this);
  }

  /** The package's cache, per tenant, with TTLs (cache.*; permission cache = true). */
  cache(): Cache {
    return new Cache(this);
  }

  /** The node instance's persistent state (state.*; permission state = true). */
  state(): State {
    return new State(this);
  }

  /** Live events of the run (stream.emit; always allowed). */
  stream(): Stream {
    return new Stream(this);
  }

  /** Outbound HTTP to the manifest's allowed_hosts (http.request). */
  http(): Http {
    return new Http(this);
  }

  /** The package's files (storage.*; permission storage = true). */
  storage(): Storage {
    return new Storage(this);
  }

  /** OAuth tokens the operator stored (oauth.token). */
  oauth(): OAuth {
    return new OAuth(this);
  }
}

/** Splits a reply into its ok value or its HostError. */
function parseReply(op: string, reply: Value): Result<Value> {
  if (!reply.isObject) return err<Value>(new HostError(op, Code.Internal, "malformed reply: expected an object, found " + reply.describe()));
  const hasOk = reply.has("ok");
  const e = reply.get("error");
  if (hasOk && e === null) return ok<Value>(reply.get("ok")!);
  if (!hasOk && e !== null && e.isObject) {
    let code = "";
    let message = "";
    const c = e.get("code");
    if (c !== null && c.isString) code = c.asString().value;
    const m = e.get("message");
    if (m !== null && m.isString) message = m.asString().value;
    if (code.length == 0) code = Code.Internal;
    return err<Value>(new HostError(op, code, message));
  }
  return err<Value>(new HostError(op, Code.Internal, "malformed reply: expected exactly one of \"ok\" and \"error\""));
}


// The outputs' part of a call's table.
/** Words per output: where its `"name":` starts and ends, where its value's text starts and ends, and its kept Value (index + 1; 0 for none). */
const OUT_WORDS = 5;
const O_NAME = 0;
const O_NAME_END = 1;
const O_START = 2;
const O_END = 3;
const O_KEPT = 4;

/**
 * Whether the name a Writer wrote as a JSON string, whose inside is
 * [p, e), is name: compared in place when it is plain ASCII, decoded
 * otherwise (the Writer's escapes decode back to the same string).
 */
function writtenNameIs(p: usize, e: usize, name: string): bool {
  const n = <i32>(e - p);
  const q = changetype<usize>(name);
  let same = n == name.length;
  for (let i = 0; i < n; i++) {
    const b = load<u8>(p + <usize>i);
    if (b >= 0x80 || b == 0x5c) return decodeStringAt(p - 1, e + 1) == name;
    if (same && <u16>b != load<u16>(q + (<usize>i << 1))) same = false;
  }
  return same;
}

function ctxString(t: usize, m: i32): string {
  const s = <usize>load<u32>(t + (<usize>(2 * m) << 2));
  if (s == 0 || load<u8>(s) == 0x6e) return "";
  return decodeStringAt(s, <usize>load<u32>(t + (<usize>(2 * m + 1) << 2)));
}

function ctxInt(t: usize, m: i32): i64 {
  const s = <usize>load<u32>(t + (<usize>(2 * m) << 2));
  if (s == 0 || load<u8>(s) == 0x6e) return 0;
  parseIntSpan(s, <usize>load<u32>(t + (<usize>(2 * m + 1) << 2)));
  return parsedInt;
}

/**
 * Whether an output of type T is written when it is set: values whose
 * JSON cannot change afterwards. A Value (or an array of them) may be
 * changed by the handler after it is set, so it is written at the end.
 */
// @ts-ignore: decorator
@inline
function isPlain<T>(): bool {
  if (isBoolean<T>() || isInteger<T>() || isFloat<T>() || isString<T>()) return true;
  if (isReference<T>()) {
    if (idof<NonNullable<T>>() == idof<DateTime>() || idof<NonNullable<T>>() == idof<Uint8Array>()) return true;
  }
  return false;
}

/** Writes x (an isPlain type) as Value.from<T>(x).writeTo(w) would. */
function writePlain<T>(w: Writer, x: T): void {
  if (isBoolean<T>()) {
    w.ascii(x ? "true" : "false");
  } else if (isInteger<T>()) {
    if (!isSigned<T>() && sizeof<T>() == 8) w.ascii((<u64>x).toString());
    else w.int(<i64>x);
  } else if (isFloat<T>()) {
    w.ascii(formatFloat(<f64>x)); // finite: the setters refuse the rest
  } else if (isReference<T>()) {
    if (isNullable<T>()) {
      if (changetype<usize>(x) == 0) {
        w.ascii("null");
        return;
      }
    }
    if (isString<T>()) w.string(changetype<string>(x));
    else if (idof<NonNullable<T>>() == idof<DateTime>()) w.string(changetype<DateTime>(x).toString());
    else w.string(base64Encode(changetype<Uint8Array>(x)));
  }
}

/** The spare writer finishInto reassembles outputs with (kept: a call allocates nothing for it). */
let _scratch: Writer | null = null;
function scratch(): Writer {
  let s = _scratch;
  if (s === null) {
    s = new Writer();
    _scratch = s;
  }
  return s;
}

/** The ASCII text of [s, e) (a number the reader has validated). */
function asciiText(s: usize, e: usize): string {
  const n = <i32>(e - s);
  const t = __new(<usize>n << 1, idof<string>());
  for (let i = 0; i < n; i++) store<u16>(t + (<usize>i << 1), load<u8>(s + <usize>i));
  return changetype<string>(t);
}
