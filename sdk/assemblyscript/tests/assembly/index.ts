// Test nodes for the SDK's own tests (run.mjs drives them with a fake host).

import {
  Call, Value, DateTime, Result, HostError, InputError, HttpRequest, Level, handle, base64Encode, base64Decode, isValidUTF8,
  onInit, onCleanup, serve,
} from "../../assembly/index";
export { weft_abi_version, weft_alloc, weft_free, weft_run, weft_init, weft_cleanup } from "../../assembly/index";

// Lifecycle hooks: init keeps the config (and fails without api_key);
// the node "lifecycle" reports it with the number of inits and cleanups.
let initConfig: Value | null = null;
/** The reserve node's previous Call, kept past its handler on purpose. */
let kept: Call | null = null;
let inits = 0;
let cleanups = 0;
onInit(setup);
onCleanup(teardown);
handle("lifecycle", lifecycle);

function setup(config: Value): Error | null {
  inits++;
  initConfig = config;
  const k = config.get("api_key");
  if (k === null || !k.isString) return new Error("no api_key in the config");
  return null;
}

function teardown(): void {
  cleanups++;
}

function lifecycle(c: Call): Error | null {
  const cfg = initConfig;
  const e = c.setString("config", cfg === null ? "none" : cfg.toJSON());
  if (e !== null) return e;
  const e2 = c.setInt("inits", inits);
  if (e2 !== null) return e2;
  return c.setInt("cleanups", cleanups);
}

handle("roundtrip", roundtrip);
handle("float", float);
handle("int", int);
handle("date", date);
handle("unix", unix);
handle("bytes", bytes);
handle("getters", getters);
handle("collections", collections);
handle("ops", ops);
handle("abort", doAbort);
handle("nan", nan);
handle("context", context);
handle("garbage", garbage);
handle("utf8", utf8);
handle("equals", equals);
handle("reader", reader);
handle("reserve", reserve);
handle("nested", nested);
// An id made at run time (the registry must keep it alive across collections).
handle("dyn" + String.fromCharCode(0x41), reader);

/** text → parse → compact JSON (or the parse error as a failure). */
function roundtrip(c: Call): Error | null {
  const t = c.string("text");
  if (!t.ok) return t.error;
  const v = Value.parse(t.value);
  if (!v.ok) return v.error;
  return c.setString("json", v.value.toJSON());
}

/** text (a JSON number) → f64 bits (hex) and the f64 written back. */
function float(c: Call): Error | null {
  const t = c.string("text");
  if (!t.ok) return t.error;
  const v = Value.number(t.value);
  if (v === null) return new Error("not a number");
  const f = v.asFloat();
  if (!f.ok) return f.error;
  c.setString("bits", reinterpret<u64>(f.value).toString(16));
  return c.setString("text", Value.float(f.value).toJSON());
}

/** i (an integer input) → i, and i as i32 when it fits. */
function int(c: Call): Error | null {
  const i = c.int("i");
  if (!i.ok) return i.error;
  c.setInt("i", i.value);
  const small = c.get<i32>("i");
  c.setString("i32", small.ok ? small.value.toString() : small.error!.message);
  return null;
}

/** d (a date) → d, its Unix ms, its UTC form; bad dates fail. */
function date(c: Call): Error | null {
  const d = c.date("d");
  if (!d.ok) return d.error;
  c.setDate("d", d.value);
  c.setInt("ms", d.value.toUnixMillis());
  c.setString("utc", d.value.toUTC().toString());
  c.setString("date", DateTime.fromDate(d.value.toDate()).toString());
  return null;
}

/** ms → the UTC date. */
function unix(c: Call): Error | null {
  const ms = c.int("ms");
  if (!ms.ok) return ms.error;
  const d = DateTime.fromUnixMillis(ms.value);
  c.setString("d", d.toString());
  c.setInt("back", d.toUnixMillis());
  return null;
}

/** by (bytes) → by and its length; s (string) → its base64. */
function bytes(c: Call): Error | null {
  if (c.has("by")) {
    const b = c.bytes("by");
    if (!b.ok) return b.error;
    c.setBytes("by", b.value);
    c.setInt("len", b.value.length);
  }
  if (c.has("s")) {
    const s = c.string("s");
    if (!s.ok) return s.error;
    const data = Uint8Array.wrap(String.UTF8.encode(s.value));
    const enc = base64Encode(data);
    c.setString("b64", enc);
    const dec = base64Decode(enc);
    c.setBool("same", dec !== null && String.UTF8.decodeUnsafe(dec.dataStart, dec.length) == s.value);
  }
  return null;
}

/** Each getter against each input; outputs "ok:VALUE" or the error text. */
function getters(c: Call): Error | null {
  const names = c.inputs();
  names.push("absent");
  const out = Value.object();
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    const r = Value.object();
    const s = c.string(n);
    r.set("string", s.ok ? Value.string("ok:" + s.value) : Value.string(kind(s.error!) + s.error!.message));
    const it = c.int(n);
    r.set("int", it.ok ? Value.string("ok:" + it.value.toString()) : Value.string(kind(it.error!) + it.error!.message));
    const f = c.float(n);
    r.set("float", f.ok ? Value.string("ok:" + f.value.toString()) : Value.string(kind(f.error!) + f.error!.message));
    const b = c.bool(n);
    r.set("bool", b.ok ? Value.string("ok:" + b.value.toString()) : Value.string(kind(b.error!) + b.error!.message));
    const by = c.bytes(n);
    r.set("bytes", by.ok ? Value.string("ok:" + by.value.length.toString()) : Value.string(kind(by.error!) + by.error!.message));
    const o = c.object(n);
    r.set("object", o.ok ? Value.string("ok:" + o.value.toJSON()) : Value.string(kind(o.error!) + o.error!.message));
    const io = c.intOr(n, 42);
    r.set("intOr", io.ok ? Value.string("ok:" + io.value.toString()) : Value.string(kind(io.error!) + io.error!.message));
    const so = c.stringOr(n, "def");
    r.set("stringOr", so.ok ? Value.string("ok:" + so.value) : Value.string(kind(so.error!) + so.error!.message));
    const bo = c.boolOr(n, true);
    r.set("boolOr", bo.ok ? Value.string("ok:" + bo.value.toString()) : Value.string(kind(bo.error!) + bo.error!.message));
    const fo = c.floatOr(n, 0.5);
    r.set("floatOr", fo.ok ? Value.string("ok:" + fo.value.toString()) : Value.string(kind(fo.error!) + fo.error!.message));
    out.set(n, r);
  }
  return c.setValue("out", out);
}

function kind(e: Error): string {
  if (e instanceof InputError) return (e as InputError).missing ? "missing:" : "type:";
  return "other:";
}

/** Typed collections: arrays, maps, sets of several element types. */
function collections(c: Call): Error | null {
  if (c.has("fa")) {
    const r = c.arrayOf<f64>("fa");
    if (!r.ok) return r.error;
    const e = c.setArray<f64>("fa", r.value);
    if (e !== null) return e;
  }
  if (c.has("ba")) {
    const r = c.arrayOf<bool>("ba");
    if (!r.ok) return r.error;
    c.setArray<bool>("ba", r.value);
  }
  if (c.has("da")) {
    const r = c.arrayOf<DateTime>("da");
    if (!r.ok) return r.error;
    c.setArray<DateTime>("da", r.value);
  }
  if (c.has("bya")) {
    const r = c.arrayOf<Uint8Array>("bya");
    if (!r.ok) return r.error;
    c.setArray<Uint8Array>("bya", r.value);
  }
  if (c.has("va")) {
    const r = c.arrayOf<Value>("va");
    if (!r.ok) return r.error;
    c.setArray<Value>("va", r.value);
  }
  if (c.has("im")) {
    const r = c.mapOf<i64>("im");
    if (!r.ok) return r.error;
    c.setMap<i64>("im", r.value);
  }
  if (c.has("is")) {
    const r = c.setOf<i64>("is");
    if (!r.ok) return r.error;
    c.setSet<i64>("is", r.value);
    c.setInt("is_size", r.value.size);
  }
  if (c.has("u8")) {
    const r = c.arrayOf<u8>("u8");
    if (!r.ok) return r.error;
    c.setArray<u8>("u8", r.value);
  }
  c.set<string>("generic_s", "x");
  c.set<i32>("generic_i", -5);
  c.set<u64>("generic_u", u64.MAX_VALUE);
  c.set<bool>("generic_b", true);
  return null;
}

/** Every host-operation wrapper; each result or error code becomes an output. */
function ops(c: Call): Error | null {
  const res = Value.object();
  // vars
  res.set("vars.set", codeV(c.vars().set<i64>("n", i64.MIN_VALUE)));
  const vg = c.vars().get("n");
  res.set("vars.get", vg.ok ? vg.value : Value.string(code(vg.error)));
  const vo = c.vars().getOr<i64>("n", 0);
  res.set("vars.getOr", vo.ok ? Value.int(vo.value) : Value.string(code(vo.error)));
  const vu = c.vars().getOr<string>("unset", "dflt");
  res.set("vars.getOr.unset", vu.ok ? Value.string(vu.value) : Value.string(code(vu.error)));
  const vbad = c.vars().getOr<string>("n", "x");
  res.set("vars.getOr.badType", Value.string(vbad.ok ? "ok" : vbad.error!.message));
  // cache
  res.set("cache.set", codeV(c.cache().set<string>("k", "v")));
  res.set("cache.setWithTTL", codeV(c.cache().setWithTTL<Value>("t", Value.array().push(Value.int(1)), 1500)));
  res.set("cache.setWithTTL.zero", codeV(c.cache().setWithTTL<i32>("t", 1, 0)));
  const cg = c.cache().get("k");
  res.set("cache.get", cg.ok ? cg.value : Value.string(code(cg.error)));
  res.set("cache.delete", codeV(c.cache().delete("k")));
  // state
  const sg = c.state().getOr<i64>("count", 0);
  res.set("state.getOr", sg.ok ? Value.int(sg.value) : Value.string(code(sg.error)));
  res.set("state.set", codeV(c.state().set<i64>("count", sg.valueOr(0) + 1)));
  // stream
  res.set("stream.emit", codeV(c.stream().emit<Value>("progress", Value.object().set("done", Value.int(3)))));
  // http
  const h = c.http().send(new HttpRequest("https://api.example.com/x", "POST").header("Content-Type", "text/plain").text("héllo"));
  if (h.ok) {
    res.set("http.status", Value.int(h.value.status));
    res.set("http.body", Value.string(h.value.text()));
    res.set("http.ctype", Value.string(h.value.headers.has("content-type") ? h.value.headers.get("content-type") : "-"));
  } else res.set("http.error", Value.string(code(h.error)));
  const bin = new Uint8Array(3);
  bin[0] = 0xff;
  bin[1] = 0x00;
  bin[2] = 0x80;
  const h2 = c.http().send(new HttpRequest("https://api.example.com/bin", "PUT").bytes(bin));
  res.set("http.bin", h2.ok ? Value.int(h2.value.body.length) : Value.string(code(h2.error)));
  const h3 = c.http().get("https://denied.example.com/");
  res.set("http.denied", Value.string(h3.ok ? "ok" : code(h3.error)));
  // storage
  res.set("storage.write", codeV(c.storage().write("a/b.txt", Uint8Array.wrap(String.UTF8.encode("data")))));
  const sr = c.storage().read("a/b.txt");
  res.set("storage.read", sr.ok ? Value.string(String.UTF8.decodeUnsafe(sr.value.dataStart, sr.value.length)) : Value.string(code(sr.error)));
  const sm = c.storage().read("missing");
  res.set("storage.read.missing", Value.string(sm.ok ? "ok" : code(sm.error)));
  const sl = c.storage().list("a/");
  res.set("storage.list", sl.ok ? Value.from<Array<string>>(sl.value) : Value.string(code(sl.error)));
  res.set("storage.delete", codeV(c.storage().delete("a/b.txt")));
  // oauth
  const t = c.oauth().token("google");
  if (t.ok) {
    res.set("oauth.token", Value.string(t.value.toString()));
    res.set("oauth.bearerLen", Value.int(t.value.bearer().length));
  } else res.set("oauth.token", Value.string(code(t.error)));
  // generic and unknown
  const u = c.hostCall("no.such.op");
  res.set("unknown", Value.string(u.ok ? "ok" : code(u.error)));
  const mal = c.hostCall("test.malformed");
  res.set("malformed", Value.string(mal.ok ? "ok" : code(mal.error) + " " + mal.error!.message));
  const z = c.hostCall("test.zero");
  res.set("zero", Value.string(z.ok ? "ok" : code(z.error)));
  c.log(Level.Warn, "ops done");
  return c.setValue("res", res);
}

function codeV(e: Error | null): Value {
  return Value.string(code(e));
}

function code(e: Error | null): string {
  if (e === null) return "ok";
  if (e instanceof HostError) return (e as HostError).code;
  return "error: " + e.message;
}

/** Aborts: the module traps after logging the message. */
function doAbort(c: Call): Error | null {
  const a = new Array<i32>(2);
  c.info("before");
  const i = c.intOr("i", 5);
  return c.setInt("x", a[<i32>i.value]); // index out of range
}

/** A NaN output whose error is ignored still fails the call. */
function nan(c: Call): Error | null {
  c.setFloat("f", NaN);
  c.setInt("i", 1);
  return null;
}

/** The run context. */
function context(c: Call): Error | null {
  const x = c.context;
  c.setString("node", x.node);
  c.setString("run_id", x.runId);
  c.setString("workflow", x.workflow);
  c.setString("node_instance", x.nodeInstance);
  c.setString("tenant", x.tenant);
  c.setInt("attempt", x.attempt);
  c.setInt("deadline", x.deadlineUnixMs);
  const d = x.deadline;
  c.setString("deadline_date", d === null ? "none" : d.toString());
  c.setString("now_year_ok", DateTime.now().year >= 2024 ? "yes" : "no");
  trace("context", 2, 1.5, -2); // AssemblyScript's trace, aliased to weftTrace: a debug log line
  return null;
}

/** Makes garbage: memory must not grow call after call. */
function garbage(c: Call): Error | null {
  const n = c.intOr("n", 1000);
  if (!n.ok) return n.error;
  let total = 0;
  for (let i: i64 = 0; i < n.value; i++) {
    const v = Value.object().set("i", Value.int(i)).set("s", Value.string("x".repeat(100)));
    total += v.toJSON().length;
  }
  return c.setInt("total", total);
}

/** isValidUTF8 of the base64 input. */
function utf8(c: Call): Error | null {
  const b = c.bytes("by");
  if (!b.ok) return b.error;
  return c.setBool("valid", isValidUTF8(b.value));
}

/** a.equals(b) for two generic inputs. */
function equals(c: Call): Error | null {
  const a = c.value("a");
  const b = c.value("b");
  if (!a.ok) return a.error;
  if (!b.ok) return b.error;
  return c.setBool("eq", a.value.equals(b.value));
}


/** "ok:" + the value, or "err:" + the error's message. */
function res<T>(r: Result<T>): string {
  if (!r.ok) return "err:" + r.error!.message;
  if (isString<T>()) return "ok:" + changetype<string>(r.value);
  if (isBoolean<T>()) return "ok:" + (r.value ? "true" : "false");
  if (isInteger<T>()) return "ok:" + (<i64>r.value).toString();
  if (isFloat<T>()) return "ok:" + Value.float(<f64>r.value).toJSON();
  return "ok:?";
}

/**
 * What the SDK reads of each input (names, raw JSON, every typed getter)
 * and of the context, and how repeated and Value outputs are written: the
 * one-pass reader is held to the full parser with it (run.mjs).
 */
function reader(c: Call): Error | null {
  const names = c.inputs();
  const out = Value.object();
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    const o = Value.object();
    o.set("has", Value.bool(c.has(n)));
    o.set("json", Value.string(c.input(n)!.toJSON()));
    o.set("string", Value.string(res<string>(c.string(n))));
    o.set("int", Value.string(res<i64>(c.int(n))));
    o.set("i32", Value.string(res<i32>(c.get<i32>(n))));
    o.set("u8", Value.string(res<u8>(c.get<u8>(n))));
    o.set("u64", Value.string(res<u64>(c.get<u64>(n))));
    o.set("float", Value.string(res<f64>(c.float(n))));
    o.set("f32", Value.string(res<f32>(c.get<f32>(n))));
    o.set("bool", Value.string(res<bool>(c.bool(n))));
    const v = c.value(n);
    o.set("same", Value.bool(v.ok && c.value(n).value === v.value)); // one Value per input
    out.set(n, o);
  }
  c.setValue("inputs", out);
  c.setString("missing", res<string>(c.string("no such input")));
  c.setString("missingOr", res<string>(c.stringOr("no such input", "dflt")));
  const x = c.context;
  c.setString("context", [x.node, x.runId, x.workflow, x.nodeInstance, x.tenant, x.attempt.toString(), x.deadlineUnixMs.toString()].join("|"));
  return null;
}


/** Outputs set twice, a Value changed after it is set, and a Call kept after its handler returned. */
function reserve(c: Call): Error | null {
  const prev = kept;
  if (prev !== null) {
    // The previous call has finished: its inputs are gone, its setters refuse.
    c.setString("prev_get", res<string>(prev.string("a")));
    c.setBool("prev_has", prev.has("a"));
    const e = prev.setInt("a", 1);
    c.setString("prev_set", e === null ? "null" : e.message);
    c.setString("prev_node", prev.context.node);
  }
  kept = c;
  c.setInt("twice", 1);
  const v = Value.object().set("a", Value.int(1));
  c.setValue("late", v);
  c.setString("twice", "second \u00e9");
  v.set("b", Value.bool(true)); // written when the call ends: b is in it
  c.setArray<Value>("vals", [v]);
  c.setArray<i64>("ints", [1, -2, 3]);
  c.setMap<string>("m", new Map<string, string>().set("k\"", "v"));
  c.setNull("nil");
  c.set<u64>("big", u64.MAX_VALUE);
  c.set<i64>("min", i64.MIN_VALUE);
  return c.setString("\u00e9\"", "name with escapes");
}

/**
 * Serves another request from inside a handler (with the same host): the
 * inner request is read over the reader's tables, so this call must keep
 * its own inputs and outputs.
 */
function nested(c: Call): Error | null {
  const before = c.string("s");
  if (!before.ok) return before.error;
  c.setString("before", before.value);
  const inner = c.string("request");
  if (!inner.ok) return inner.error;
  const res = serve(c.host, String.UTF8.encode(inner.value));
  c.setString("inner", String.UTF8.decode(res));
  const after = c.string("s");
  if (!after.ok) return after.error;
  c.setString("after", after.value);
  return c.setInt("i", c.int("i").valueOr(-1));
}
