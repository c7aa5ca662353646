// The conformance nodes (../README.md) written with the AssemblyScript SDK:
// typed getters and setters, the SDK's logging, its host-operation
// wrappers, errors as values.

import { Call, DateTime, HostError, HttpRequest, Value, handle } from "@weft/node";
export { weft_abi_version, weft_alloc, weft_free, weft_run } from "@weft/node";

handle("echo", echo);
handle("fail", fail);
handle("log", log);
handle("vars", vars);
handle("cache", cache);
handle("state", state);
handle("denied", denied);

/** Each input that is present comes back through the getter and setter of its type. */
function echo(c: Call): Error | null {
  let e: Error | null = null;
  if (c.has("s")) {
    const r = c.string("s");
    if (!r.ok) return r.error;
    e = c.setString("s", r.value);
    if (e !== null) return e;
  }
  if (c.has("i")) {
    const r = c.int("i");
    if (!r.ok) return r.error;
    e = c.setInt("i", r.value);
    if (e !== null) return e;
  }
  if (c.has("f")) {
    const r = c.float("f");
    if (!r.ok) return r.error;
    e = c.setFloat("f", r.value);
    if (e !== null) return e;
  }
  if (c.has("b")) {
    const r = c.bool("b");
    if (!r.ok) return r.error;
    e = c.setBool("b", r.value);
    if (e !== null) return e;
  }
  if (c.has("d")) {
    const r = c.date("d");
    if (!r.ok) return r.error;
    const d: DateTime = r.value;
    e = c.setDate("d", d);
    if (e !== null) return e;
  }
  if (c.has("p")) {
    const r = c.path("p");
    if (!r.ok) return r.error;
    e = c.setPath("p", r.value);
    if (e !== null) return e;
  }
  if (c.has("st")) {
    const r = c.object("st");
    if (!r.ok) return r.error;
    e = c.setValue("st", r.value);
    if (e !== null) return e;
  }
  if (c.has("by")) {
    const r = c.bytes("by");
    if (!r.ok) return r.error;
    e = c.setBytes("by", r.value);
    if (e !== null) return e;
  }
  if (c.has("g")) {
    const r = c.value("g");
    if (!r.ok) return r.error;
    e = c.setValue("g", r.value);
    if (e !== null) return e;
  }
  if (c.has("ia")) {
    const r = c.arrayOf<i64>("ia");
    if (!r.ok) return r.error;
    e = c.setArray<i64>("ia", r.value);
    if (e !== null) return e;
  }
  if (c.has("sm")) {
    const r = c.mapOf<string>("sm");
    if (!r.ok) return r.error;
    e = c.setMap<string>("sm", r.value);
    if (e !== null) return e;
  }
  if (c.has("ss")) {
    const r = c.setOf<string>("ss");
    if (!r.ok) return r.error;
    e = c.setSet<string>("ss", r.value);
    if (e !== null) return e;
  }
  return null;
}

/** A business failure: "conformance: " + reason. */
function fail(c: Call): Error | null {
  const reason = c.string("reason");
  if (!reason.ok) return reason.error;
  return new Error("conformance: " + reason.value);
}

/** Logs "conformance log: " + msg at info. */
function log(c: Call): Error | null {
  const msg = c.string("msg");
  if (!msg.ok) return msg.error;
  c.info("conformance log: " + msg.value);
  return c.setBool("logged", true);
}

/** vars.set(name, value), then vars.get(name). */
function vars(c: Call): Error | null {
  const name = c.string("name");
  if (!name.ok) return name.error;
  const value = c.value("value");
  if (!value.ok) return value.error;
  const e = c.vars().set<Value>(name.value, value.value);
  if (e !== null) return e;
  const got = c.vars().get(name.value);
  if (!got.ok) return got.error;
  return c.setValue("got", got.value);
}

/** cache.set(key, value), then cache.get(key). */
function cache(c: Call): Error | null {
  const key = c.string("key");
  if (!key.ok) return key.error;
  const value = c.value("value");
  if (!value.ok) return value.error;
  const e = c.cache().set<Value>(key.value, value.value);
  if (e !== null) return e;
  const got = c.cache().get(key.value);
  if (!got.ok) return got.error;
  return c.setValue("got", got.value);
}

/** Counts its calls in state "count" (absent: 0). */
function state(c: Call): Error | null {
  const n = c.state().getOr<i64>("count", 0);
  if (!n.ok) return n.error;
  const count = n.value + 1;
  const e = c.state().set<i64>("count", count);
  if (e !== null) return e;
  return c.setInt("count", count);
}

/** http.request without the permission: reports the error reply's code. */
function denied(c: Call): Error | null {
  const r = c.http().send(new HttpRequest("https://example.com/", "GET"));
  if (r.ok) return new Error("conformance: http.request succeeded (HTTP " + r.value.status.toString() + ") but the manifest grants no HTTP");
  const e = r.error!;
  if (!(e instanceof HostError)) return e;
  return c.setString("code", (e as HostError).code);
}
