// Call: the handle a handler gets — typed input getters, typed output
// setters, the run context, logging and the way to the host.

import { Result, ok, err, HostError, InputError, Code } from "./result";
import { Value, Writer } from "./json";
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
  private _ctx: RunContext;
  private _inputs: Map<string, Value>;
  private _outputs: Map<string, Value> = new Map<string, Value>();
  private _outErr: Error | null = null;
  private _done: bool = false;

  constructor(host: Host, ctx: RunContext, inputs: Map<string, Value>) {
    this._host = host;
    this._ctx = ctx;
    this._inputs = inputs;
  }

  /** What the host says about this call: node, run, workflow, instance, tenant, attempt, deadline. */
  get context(): RunContext {
    return this._ctx;
  }

  /** The host this call talks to. */
  get host(): Host {
    return this._host;
  }

  /** Ends the call and hands back its outputs (or the first output error). @internal */
  finish(): Result<Map<string, Value>> {
    this._done = true;
    if (this._outErr !== null) return err<Map<string, Value>>(this._outErr!);
    return ok<Map<string, Value>>(this._outputs);
  }

  // ---- inputs ----

  /** Whether the request carries a value (possibly null) for input pin name. */
  has(name: string): bool {
    return this._inputs.has(name);
  }

  /** The names of the inputs the request carries, sorted. */
  inputs(): Array<string> {
    const names = this._inputs.keys();
    names.sort();
    return names;
  }

  /** The raw JSON value of input name; null when the request has none. */
  input(name: string): Value | null {
    return this._inputs.has(name) ? this._inputs.get(name) : null;
  }

  private missing<T>(name: string): Result<T> {
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
    if (!this._inputs.has(name)) return this.missing<T>(name);
    const r = this._inputs.get(name).as<T>();
    if (!r.ok) return this.wrong<T>(name, r.error!);
    return r;
  }

  /** As get<T>, returning def when the request has no value for name. */
  getOr<T>(name: string, def: T): Result<T> {
    if (!this._inputs.has(name)) return ok<T>(def);
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
    if (!this._inputs.has(name)) return this.missing<Value>(name);
    return ok<Value>(this._inputs.get(name));
  }

  /** The object input name (struct pins); read it with get, keys, as. */
  object(name: string): Result<Value> {
    if (!this._inputs.has(name)) return this.missing<Value>(name);
    const r = this._inputs.get(name).asObject();
    if (!r.ok) return this.wrong<Value>(name, r.error!);
    return r;
  }

  /**
   * The array input name with items of type T (array pins):
   * `c.arrayOf<i64>("ids")`, `c.arrayOf<string>("names")`, `c.arrayOf<Value>("rows")`.
   */
  arrayOf<T>(name: string): Result<Array<T>> {
    if (!this._inputs.has(name)) return this.missing<Array<T>>(name);
    const a = this._inputs.get(name).asArray();
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
    if (!this._inputs.has(name)) return this.missing<Map<string, T>>(name);
    const o = this._inputs.get(name).asObject();
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

  private put(name: string, v: Value): Error | null {
    if (this._done) return new Error("output \"" + name + "\": node call has finished");
    this._outputs.set(name, v);
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
    return this.put(name, Value.from<T>(x));
  }

  /** Sets string output name. */
  setString(name: string, s: string): Error | null {
    return this.put(name, Value.string(s));
  }

  /** Sets path output name (a storage path). */
  setPath(name: string, p: string): Error | null {
    return this.put(name, Value.string(p));
  }

  /** Sets integer output name, written exactly. */
  setInt(name: string, i: i64): Error | null {
    return this.put(name, Value.int(i));
  }

  /** Sets float output name; NaN and ±Infinity are refused. */
  setFloat(name: string, f: f64): Error | null {
    return this.set<f64>(name, f);
  }

  /** Sets boolean output name. */
  setBool(name: string, b: bool): Error | null {
    return this.put(name, Value.bool(b));
  }

  /** Sets bytes output name (written as standard base64). */
  setBytes(name: string, data: Uint8Array): Error | null {
    return this.put(name, Value.from<Uint8Array>(data));
  }

  /** Sets date output name (written as RFC 3339). */
  setDate(name: string, d: DateTime): Error | null {
    return this.put(name, Value.string(d.toString()));
  }

  /** Sets struct or generic output name to any JSON value. */
  setValue(name: string, v: Value): Error | null {
    return this.put(name, v);
  }

  /** Sets execution output name (null). */
  setNull(name: string): Error | null {
    return this.put(name, Value.null());
  }

  /** Sets array output name from items of type T (see Value.from). */
  setArray<T>(name: string, items: Array<T>): Error | null {
    const out = new Array<Value>(items.length);
    for (let i = 0; i < items.length; i++) {
      const x = unchecked(items[i]);
      if (isFloat<T>()) {
        if (!isFinite(<f64>x)) return this.refuse(name, "item " + i.toString() + ": float " + (<f64>x).toString() + " has no JSON form");
      }
      unchecked((out[i] = Value.from<T>(x)));
    }
    return this.put(name, Value.array(out));
  }

  /** Sets map output name from string keys to values of type T. */
  setMap<T>(name: string, m: Map<string, T>): Error | null {
    const obj = Value.object();
    const keys = m.keys();
    for (let i = 0; i < keys.length; i++) {
      const k = unchecked(keys[i]);
      const x = m.get(k);
      if (isFloat<T>()) {
        if (!isFinite(<f64>x)) return this.refuse(name, "member \"" + k + "\": float " + (<f64>x).toString() + " has no JSON form");
      }
      obj.set(k, Value.from<T>(x));
    }
    return this.put(name, obj);
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

