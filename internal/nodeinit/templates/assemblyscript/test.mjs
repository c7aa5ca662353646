// Tests of the nodes of {{.Name}}: runs the built module ({{.Name}}.wasm)
// in Node.js against a small fake host (weft.log and weft.call in
// JavaScript; no host operations), through weft_alloc and weft_run as weft
// does. `node test.mjs`, or `weft node test` (after the build). Add a case
// per node; a failed assertion exits 1.
import fs from "node:fs";
import assert from "node:assert/strict";

const dec = new TextDecoder();
const enc = new TextEncoder();
const mod = await WebAssembly.compile(fs.readFileSync(new URL("./{{.Name}}.wasm", import.meta.url)));
let inst;
const logs = [];
const mem = () => new Uint8Array(inst.exports.memory.buffer);

function put(s) {
  const b = enc.encode(s);
  const p = inst.exports.weft_alloc(b.length);
  if (p === 0) return 0n;
  mem().set(b, p);
  return (BigInt(p) << 32n) | BigInt(b.length);
}

inst = new WebAssembly.Instance(mod, {
  weft: {
    log(level, p, n) { logs.push([level, dec.decode(mem().subarray(p, p + n))]); },
    call() { return put('{"error":{"code":"unknown_op","message":"the test host has no operations"}}'); },
  },
  wasi_snapshot_preview1: {
    clock_time_get(id, precision, ptr) {
      new DataView(inst.exports.memory.buffer).setBigUint64(ptr, BigInt(Date.now()) * 1000000n, true);
      return 0;
    },
    random_get(ptr, n) { for (let i = 0; i < n; i++) mem()[ptr + i] = (Math.random() * 256) | 0; return 0; },
  },
});
inst.exports._initialize();
assert.equal(inst.exports.weft_abi_version(), 1);

/** Runs node with inputs (an object) and returns the parsed response. */
function run(node, inputs) {
  const r = put(JSON.stringify({ abi: 1, node, inputs, context: { tenant: "test", attempt: 1 } }));
  const res = BigInt.asUintN(64, inst.exports.weft_run(Number(r >> 32n), Number(r & 0xffffffffn)));
  const p = Number(res >> 32n);
  return JSON.parse(dec.decode(mem().subarray(p, p + Number(res & 0xffffffffn))));
}

assert.deepEqual(run("greet", { name: "weft" }), { status: "success", outputs: { greeting: "Hello, weft!" } });
assert.deepEqual(logs.at(-1), [2, "greeting weft"]);
assert.deepEqual(run("greet", {}), { status: "success", outputs: { greeting: "Hello, world!" } });
console.log("ok: the nodes of {{.Name}} pass");
