// The runtime test of weft.js: `node test/runtime.mjs`. Built-ins are
// frozen first, as in weft's sandbox, so that an assignment that only works
// on mutable built-ins shows here.

import assert from "node:assert/strict";

for (const name of ["Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "Error", "TypeError", "RangeError", "SyntaxError", "JSON", "Math", "Promise", "Reflect"]) {
  const v = globalThis[name];
  Object.freeze(v);
  if (v.prototype) Object.freeze(v.prototype);
}

const { node, HostError, isHostError } = await import("../weft.js");

// node() returns its definition and refuses what is not one.
const def = { inputs: { a: "string" }, run() {} };
assert.equal(node(def), def);
assert.equal(node({ run: async () => ({}) }).inputs, undefined);
for (const [bad, says] of [
  [undefined, "found undefined"],
  [null, "found null"],
  ["x", 'found the string "x"'],
  [[], "found an array"],
  [() => {}, "found a function"],
  [{}, "expected run to be a function (ctx, input) => outputs, found undefined"],
  [{ run: "go" }, 'found the string "go"'],
  [{ run: {} }, "found an object"],
]) {
  assert.throws(() => node(bad), (e) => e instanceof TypeError && e.message.startsWith("node(): ") && e.message.includes(says), String(bad));
}

// HostError: name, code, op, message "CODE: text".
const e = new HostError("not_found", "storage.read", "no file notes.txt");
assert.ok(e instanceof Error);
assert.ok(e instanceof HostError);
assert.equal(e.name, "HostError");
assert.equal(e.code, "not_found");
assert.equal(e.op, "storage.read");
assert.equal(e.message, "not_found: no file notes.txt");
assert.equal(String(e), "HostError: not_found: no file notes.txt");
assert.equal(Object.keys(e).includes("name"), false);
assert.equal(new HostError("timeout", "http.request", "timeout: took too long").message, "timeout: took too long");
assert.equal(new HostError("internal", "x").message, "internal: ");
const renamed = new HostError("internal", "op", "m");
renamed.name = "Renamed"; // the prototype's name is writable, so shadowing it works
assert.equal(renamed.name, "Renamed");

// instanceof and isHostError hold for errors the runtime makes itself.
const made = Object.assign(new Error("permission_denied: declare storage"), { code: "permission_denied", op: "storage.read" });
Object.defineProperty(made, "name", { value: "HostError" });
assert.ok(made instanceof HostError);
assert.ok(isHostError(made));
assert.ok(isHostError(made, "permission_denied"));
assert.ok(!isHostError(made, "not_found"));
assert.ok(isHostError(e, "not_found"));
for (const v of [new Error("x"), { name: "HostError" }, { name: "HostError", code: 1 }, "HostError", null, undefined, 3]) {
  assert.ok(!(v instanceof HostError), String(v));
  assert.ok(!isHostError(v), String(v));
}
assert.ok({ name: "HostError", code: "internal" } instanceof HostError); // Error-like is enough

// A subclass keeps the ordinary instanceof.
class MyError extends HostError {}
assert.ok(new MyError("internal", "op", "m") instanceof MyError);
assert.ok(new MyError("internal", "op", "m") instanceof HostError);
assert.ok(!(e instanceof MyError));

// A rejected host call reads naturally with await.
await assert.rejects(Promise.reject(made), (err) => err instanceof HostError && err.code === "permission_denied");

console.log("weft.js: ok");
