// The SDK's tests: builds tests/assembly/index.ts with the options of
// ../asconfig.json, checks the module's imports and exports against ABI v1,
// and runs its test nodes through weft_alloc / weft_run with a fake host
// (weft.log and weft.call in JavaScript). Run with `npm test` in
// sdk/assemblyscript (after `npm install`).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import asc from "assemblyscript/asc";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const out = path.join(here, "build", "tests.wasm");

// ---- build ----
// The options of ../asconfig.json, with the --use aliases renamed: the
// test module imports the SDK by relative path, so its files are
// assembly/... instead of ~lib/@weft/node/assembly/...
const config = JSON.parse(fs.readFileSync(path.join(root, "asconfig.json"), "utf8"));
config.options.use = config.options.use.map((u) => u.replace("~lib/@weft/node/", ""));
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(path.join(here, "build", "asconfig.json"), JSON.stringify(config, null, 2));
const args = ["tests/assembly/index.ts", "-o", path.relative(root, out), "--config", "tests/build/asconfig.json", "--baseDir", root];
const { error, stderr } = await asc.main(args, {});
if (error) {
  console.error(stderr.toString());
  throw error;
}
const bytes = fs.readFileSync(out);
const mod = await WebAssembly.compile(bytes);

// ---- the module's shape (ABI v1) ----
{
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`);
  for (const i of imports) assert.ok(i.startsWith("weft.") || i.startsWith("wasi_snapshot_preview1."), `unexpected import ${i}`);
  const exports = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
  assert.deepEqual(exports, ["_initialize", "memory", "weft_abi_version", "weft_alloc", "weft_cleanup", "weft_free", "weft_init", "weft_run"]);
}

// ---- a fake host ----
const dec = new TextDecoder();
const enc = new TextEncoder();
let inst, logs, calls, store;

function reset() {
  logs = [];
  calls = [];
  store = { vars: new Map(), cache: new Map(), state: new Map(), files: new Map() };
}

const mem = () => new Uint8Array(inst.exports.memory.buffer);

function put(s) {
  const b = enc.encode(s);
  const p = inst.exports.weft_alloc(b.length);
  if (p === 0) return 0n;
  mem().set(b, p);
  return (BigInt(p) << 32n) | BigInt(b.length);
}

// rawField extracts the raw JSON text of the last member "value" the SDK
// wrote (it writes "value" after "key"/"name"), so integers stay exact.
function rawValue(req) {
  const i = req.indexOf(',"value":');
  return req.slice(i + 9, req.indexOf(',"ttl_ms"') > 0 ? req.indexOf(',"ttl_ms"') : req.length - 1);
}

function hostCall(op, req) {
  calls.push([op, req]);
  const r = JSON.parse(req);
  const ok = (v) => `{"ok":${v}}`;
  const fail = (code, msg) => JSON.stringify({ error: { code, message: msg } });
  switch (op) {
    case "vars.get": return ok(store.vars.get(r.name) ?? "null");
    case "vars.set": store.vars.set(r.name, rawValue(req)); return ok("null");
    case "cache.get": return ok(store.cache.get(r.key) ?? "null");
    case "cache.set":
      if (r.ttl_ms !== undefined && !(r.ttl_ms > 0)) return fail("invalid_request", "bad ttl");
      store.cache.set(r.key, rawValue(req)); return ok("null");
    case "cache.delete": store.cache.delete(r.key); return ok("null");
    case "state.get": return ok(store.state.get(r.key) ?? "null");
    case "state.set": store.state.set(r.key, rawValue(req)); return ok("null");
    case "stream.emit": return ok("null");
    case "http.request": {
      if (!r.url.startsWith("https://api.example.com/")) return fail("permission_denied", "host not allowed");
      if (r.body_base64 !== undefined) {
        const n = Buffer.from(r.body_base64, "base64").length;
        return ok(JSON.stringify({ status: 200, headers: {}, body: "", body_base64: Buffer.alloc(n, 0xfe).toString("base64") }));
      }
      return ok(JSON.stringify({ status: 201, headers: { "content-type": r.headers["Content-Type"] }, body: `${r.method} ${r.body}` }));
    }
    case "storage.write": store.files.set(r.path, r.data_base64); return ok("null");
    case "storage.read":
      if (!store.files.has(r.path)) return fail("not_found", "no such file");
      return ok(JSON.stringify({ data_base64: store.files.get(r.path) }));
    case "storage.list": return ok(JSON.stringify([...store.files.keys()].filter((k) => k.startsWith(r.prefix ?? "")).sort()));
    case "storage.delete": store.files.delete(r.path); return ok("null");
    case "oauth.token": return ok(JSON.stringify({ access_token: "secret-token", expires_at: "2030-01-02T03:04:05+01:00" }));
    case "test.malformed": return `{"ok":1,"error":{"code":"x"}}`;
    case "test.zero": return null;
    default: return fail("unknown_op", `no operation ${op}`);
  }
}

function instantiate() {
  reset();
  inst = new WebAssembly.Instance(mod, {
    weft: {
      log(level, p, n) { logs.push([level, dec.decode(mem().subarray(p, p + n))]); },
      call(op, on, rp, rn) {
        const reply = hostCall(dec.decode(mem().subarray(op, op + on)), dec.decode(mem().subarray(rp, rp + rn)));
        return reply === null ? 0n : put(reply);
      },
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
}

/** Runs one request (a JSON text) and returns the response text. */
function runRaw(text) {
  const r = put(text);
  const res = BigInt.asUintN(64, inst.exports.weft_run(Number(r >> 32n), Number(r & 0xffffffffn)));
  const p = Number(res >> 32n);
  const n = Number(res & 0xffffffffn);
  return dec.decode(mem().subarray(p, p + n));
}

/** Runs node with inputs given as raw JSON text; returns the response text. */
function run(node, inputsJSON = "{}", context = "{}") {
  return runRaw(`{"abi":1,"node":${JSON.stringify(node)},"inputs":${inputsJSON},"context":${context}}`);
}

/** Runs node and returns its outputs object (raw JSON text of the response parsed normally). */
function outputs(node, inputsJSON) {
  const r = JSON.parse(run(node, inputsJSON));
  assert.equal(r.status, "success", JSON.stringify(r));
  return r.outputs;
}

let failures = 0;
let passed = 0;
function test(name, fn) {
  try {
    instantiate();
    fn();
    passed++;
  } catch (e) {
    failures++;
    console.error(`FAIL ${name}\n${e.stack}\n`);
  }
}

// ---- tests ----

test("JSON round trips exactly", () => {
  const cases = [
    ["null", "null"], ["true", "true"], ["false", "false"], ["0", "0"], ["-0", "-0"],
    ["-9223372036854775808", "-9223372036854775808"], ["9223372036854775807", "9223372036854775807"],
    ["123456789012345678901234567890", "123456789012345678901234567890"], ["1e400", "1e400"], ["-1.5E-3", "-1.5E-3"],
    [' { "a" : [ 1 , 2 , { } , [ ] ] , "b" : "x" } ', '{"a":[1,2,{},[]],"b":"x"}'],
    ['"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/\\b\\f\\r"', '"é😀\\n\\t\\"\\\\/\\b\\f\\r"'],
    ['"\\u0001\\u001f"', '"\\u0001\\u001f"'],
    ['"\\ud800 lone"', '"\\ud800 lone"'], ['"\\udc00"', '"\\udc00"'],
    ['"\u2028\u2029"', '"\\u2028\\u2029"'],
    ['"ü☃😀"', '"ü☃😀"'],
    ['{"a":1,"a":2}', '{"a":2}'],
    ['{"b":1,"a":2}', '{"b":1,"a":2}'],
  ];
  for (const [input, want] of cases) {
    const r = JSON.parse(run("roundtrip", JSON.stringify({ text: input })));
    assert.equal(r.status, "success", `${input}: ${JSON.stringify(r)}`);
    assert.equal(r.outputs.json, want, input);
  }
});

test("invalid JSON is an error, not a trap", () => {
  for (const bad of ["", " ", "{", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", ".5", "1e", "-", "+1", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\u0001\"", "[1 2]", "{\"a\":1,}", "1 2", "NaN", "Infinity", "'a'"]) {
    const r = JSON.parse(run("roundtrip", JSON.stringify({ text: bad })));
    assert.equal(r.status, "failure", `${JSON.stringify(bad)} parsed`);
    assert.match(r.error, /invalid JSON at offset \d+: /, bad);
  }
});

test("deep nesting up to the limit", () => {
  const deep = "[".repeat(1000) + "]".repeat(1000);
  let r = JSON.parse(run("roundtrip", JSON.stringify({ text: deep })));
  assert.equal(r.outputs.json, deep);
  const tooDeep = "[".repeat(1001) + "]".repeat(1001);
  r = JSON.parse(run("roundtrip", JSON.stringify({ text: tooDeep })));
  assert.match(r.error, /nested too deeply/);
});

test("floats parse correctly rounded and print shortest, as Go does", () => {
  const texts = [
    "0.1", "0.2", "0.30000000000000004", "1", "-1", "3.25", "-0.000001", "1e21", "1e-7", "123456.789",
    "5e-324", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "2.4703282292062327208e-324",
    "1.7976931348623157e308", "1.7976931348623158e308", "2.2250738585072011e-308", "2.2250738585072014e-308",
    "9007199254740993", "9007199254740992.5", "9007199254740993.0000000000000001", "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
    "7.038531e-26", "1e-400", "123456789012345678901234567890", "0." + "0".repeat(400) + "1e400",
    "1" + "0".repeat(900), "1" + "0".repeat(300) + "e-300", "8.98846567431158e307", "0.000001", "1e-6", "1e20", "1.5e300",
    "2.225073858507201136057409796709131975934819546351645648e-308",
    "4.4501477170144022721148195934182639518696390927032912960468522194496444440421538910330590478162701758282983178260792422137401728773891892910553144148156412434867599762821265346585071045737627442980259622449029037796981144446145705102663115100318287949527959668236039986479250965780342141637013812613333119898765515451440315261253813266652951306000184917766328660755595837392240989947807556594098101021612198814605258742579179000071675999344145086087205681577915435923018910334964869420614052182892431445797605163650903606514140377217442262561590244668525767372446430075513332450079650686719491377688478005309963967709758965844137894433796621993967316936280457084866613206797017728916080020698679408551343728867675409720757232455434770912461317493580281734466552734375e-308",
  ];
  for (const t of texts) {
    const r = JSON.parse(run("float", JSON.stringify({ text: t })));
    const want = Number(t);
    if (!Number.isFinite(want)) {
      assert.equal(r.status, "failure", t);
      assert.match(r.error, /float64 range/);
      continue;
    }
    assert.equal(r.status, "success", `${t}: ${JSON.stringify(r)}`);
    const bits = new DataView(new Float64Array([want]).buffer).getBigUint64(0, true).toString(16);
    assert.equal(r.outputs.bits, bits, `bits of ${t}`);
    const wantText = Object.is(want, -0) ? "-0" : String(want);
    assert.equal(r.outputs.text, wantText, `text of ${t}`);
  }
});

test("random floats: exact parse of shortest, 17 and 25 digits; shortest print", () => {
  const dv = new DataView(new ArrayBuffer(8));
  let mismatchedPrint = 0;
  for (let k = 0; k < 3000; k++) {
    dv.setUint32(0, (Math.random() * 2 ** 32) >>> 0, true);
    dv.setUint32(4, (Math.random() * 2 ** 32) >>> 0, true);
    const x = dv.getFloat64(0, true);
    if (!Number.isFinite(x)) continue;
    for (const t of [String(x), x.toExponential(16), x.toPrecision(25).replace(/^(-?)\./, "$10.")]) {
      const text = t.replace("e+", "e");
      const r = JSON.parse(run("float", JSON.stringify({ text })));
      assert.equal(r.status, "success", text);
      const want = new DataView(new Float64Array([Number(text)]).buffer).getBigUint64(0, true).toString(16);
      assert.equal(r.outputs.bits, want, `bits of ${text}`);
      assert.equal(Number(r.outputs.text), Number(text), `round trip of ${text} via ${r.outputs.text}`);
      if (r.outputs.text !== (Object.is(x, -0) ? "-0" : String(Number(text)))) { mismatchedPrint++; console.error("print", text, r.outputs.text, String(Number(text))); }
    }
  }
  assert.equal(mismatchedPrint, 0, `${mismatchedPrint} prints differ from JavaScript's (= Go's)`);
});

test("random short decimals print as JavaScript (= Go) prints them", () => {
  for (let k = 0; k < 3000; k++) {
    const nd = 1 + Math.floor(Math.random() * 16);
    let digits = String(1 + Math.floor(Math.random() * 9));
    for (let i = 1; i < nd; i++) digits += String(Math.floor(Math.random() * 10));
    const text = (Math.random() < 0.5 ? "-" : "") + digits + "e" + (Math.floor(Math.random() * 640) - 330);
    const x = Number(text);
    if (!Number.isFinite(x)) continue;
    const r = JSON.parse(run("float", JSON.stringify({ text })));
    assert.equal(r.status, "success", text);
    assert.equal(r.outputs.text, Object.is(x, -0) ? "-0" : String(x), text);
  }
});

test("halfway decimals round to even", () => {
  // The exact decimal midpoint between x and its successor, for random x.
  const dv = new DataView(new ArrayBuffer(8));
  for (let k = 0; k < 300; k++) {
    dv.setUint32(0, (Math.random() * 2 ** 32) >>> 0, true);
    dv.setUint32(4, (Math.random() * 2 ** 31) >>> 0, true); // positive
    const x = dv.getFloat64(0, true);
    if (!Number.isFinite(x) || x === 0) continue;
    const bits = dv.getBigUint64(0, true);
    const exp = Number((bits >> 52n) & 0x7ffn);
    let m = bits & 0xfffffffffffffn;
    let e2;
    if (exp === 0) e2 = -1074; else { m |= 1n << 52n; e2 = exp - 1075; }
    // midpoint = (2m+1) * 2^(e2-1)
    const num = 2n * m + 1n;
    const e = e2 - 1;
    let text;
    if (e >= 0) text = (num << BigInt(e)).toString();
    else text = (num * 5n ** BigInt(-e)).toString() + "e" + e; // (2m+1)*5^-e * 10^e
    const want = new DataView(new Float64Array([Number(text)]).buffer).getBigUint64(0, true).toString(16);
    const r = JSON.parse(run("float", JSON.stringify({ text })));
    assert.equal(r.outputs.bits, want, `midpoint ${text.slice(0, 40)}...`);
  }
});

test("integers are exact at both extremes", () => {
  let o = outputs("int", '{"i":-9223372036854775808}');
  assert.equal(o.i32, 'input "i": wrong input type: expected integer in i32 range, found number -9223372036854775808');
  assert.match(run("int", '{"i":-9223372036854775808}'), /"i":-9223372036854775808[,}]/);
  assert.match(run("int", '{"i":9223372036854775807}'), /"i":9223372036854775807[,}]/);
  o = outputs("int", '{"i":-2147483648}');
  assert.equal(o.i32, "-2147483648");
  for (const bad of ["9223372036854775808", "-9223372036854775809", "1.0", "1e3", "\"1\"", "null", "true"]) {
    const r = JSON.parse(run("int", `{"i":${bad}}`));
    assert.equal(r.status, "failure", bad);
    assert.match(r.error, /^input "i": wrong input type: expected integer/, bad);
  }
});

test("dates: RFC 3339 in, RFC 3339 out, Unix conversions", () => {
  let o = outputs("date", '{"d":"2025-06-30T08:15:00.123456789+02:00"}');
  assert.equal(o.d, "2025-06-30T08:15:00.123456789+02:00");
  assert.equal(o.utc, "2025-06-30T06:15:00.123456789Z");
  assert.equal(o.ms, Date.parse("2025-06-30T06:15:00.123Z"));
  assert.equal(o.date, "2025-06-30T06:15:00.123Z");
  o = outputs("date", '{"d":"2024-02-29T23:59:59.500000000Z"}');
  assert.equal(o.d, "2024-02-29T23:59:59.5Z");
  o = outputs("date", '{"d":"1969-12-31T23:59:59.999-00:30"}');
  assert.equal(o.ms, Date.parse("1970-01-01T00:29:59.999Z"));
  o = outputs("date", '{"d":"0001-01-01T00:00:00Z"}');
  assert.equal(o.ms, -62135596800000);
  o = outputs("date", '{"d":"2025-01-01T00:00:00.1234567891234Z"}');
  assert.equal(o.d, "2025-01-01T00:00:00.123456789Z");
  for (const bad of ["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-01-01 00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:00:60Z",
    "2025-01-01T00:00:00", "2025-01-01T00:00:00z", "2025-01-01T00:00:00+0100", "2025-01-01T00:00:00.Z", "2025-01-01", "x", "2025-01-01T00:00:00+24:00"]) {
    const r = JSON.parse(run("date", JSON.stringify({ d: bad })));
    assert.equal(r.status, "failure", bad);
    assert.match(r.error, /RFC 3339/, bad);
  }
  for (const ms of [0, -1, 1, 951782400000, -62135596800000, 253402300799999, -86400001, Date.now()]) {
    const u = outputs("unix", `{"ms":${ms}}`);
    assert.equal(u.d, new Date(ms).toISOString().replace(".000Z", "Z").replace(/(\.\d*?)0+Z$/, "$1Z"), `ms ${ms}`);
    assert.equal(u.back, ms);
  }
});

test("bytes: base64 both ways", () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("base64");
  let o = outputs("bytes", JSON.stringify({ by: all }));
  assert.equal(o.by, all);
  assert.equal(o.len, 256);
  for (const s of ["", "a", "ab", "abc", "héllo😀"]) {
    o = outputs("bytes", JSON.stringify({ s }));
    assert.equal(o.b64, Buffer.from(s).toString("base64"));
    assert.equal(o.same, true);
  }
  o = outputs("bytes", JSON.stringify({ by: "AAEC\r\n/w==" }));
  assert.equal(o.by, "AAEC/w==");
  for (const bad of ["A", "AAE", "AA=A", "AAE=A===", "AA==AA==", "****", "AAEC/w", "AA=="+"="]) {
    const r = JSON.parse(run("bytes", JSON.stringify({ by: bad })));
    assert.equal(r.status, "failure", bad);
    assert.match(r.error, /standard base64/, bad);
  }
});

test("getters: missing inputs, wrong types, defaults", () => {
  const o = outputs("getters", '{"s":"x","i":7,"f":2.5,"b":false,"n":null,"o":{"k":[1]},"by":"AAE="}').out;
  assert.equal(o.s.string, "ok:x");
  assert.equal(o.s.int, 'type:input "s": wrong input type: expected integer, found string "x"');
  assert.equal(o.i.int, "ok:7");
  assert.equal(o.i.float, "ok:7.0");
  assert.equal(o.f.int, 'type:input "f": wrong input type: expected integer, found number 2.5');
  assert.equal(o.f.float, "ok:2.5");
  assert.equal(o.b.bool, "ok:false");
  assert.equal(o.n.string, 'type:input "n": wrong input type: expected string, found null');
  assert.equal(o.n.intOr, 'type:input "n": wrong input type: expected integer, found null');
  assert.equal(o.o.object, 'ok:{"k":[1]}');
  assert.equal(o.s.object, 'type:input "s": wrong input type: expected object, found string "x"');
  assert.equal(o.by.bytes, "ok:2");
  assert.equal(o.absent.string, 'missing:missing input "absent"');
  assert.equal(o.absent.intOr, "ok:42");
  assert.equal(o.absent.stringOr, "ok:def");
  assert.equal(o.absent.boolOr, "ok:true");
  assert.equal(o.absent.floatOr, "ok:0.5");
  const long = outputs("getters", JSON.stringify({ l: "y".repeat(100) })).out;
  assert.equal(long.l.int, `type:input "l": wrong input type: expected integer, found string "${"y".repeat(39)}...`);
});

test("typed collections", () => {
  const r = run("collections", '{"fa":[1,2.5,-0,1e300],"ba":[true,false],"da":["2025-01-01T00:00:00+01:00"],"bya":["AAE=",""],' +
    '"va":[null,{"a":[1]},"s"],"im":{"a":-9223372036854775808,"b":1},"is":[3,1,3,2],"u8":[0,255]}');
  const want = '{"status":"success","outputs":{"fa":[1,2.5,-0,1e+300],"ba":[true,false],"da":["2025-01-01T00:00:00+01:00"],"bya":["AAE=",""],' +
    '"va":[null,{"a":[1]},"s"],"im":{"a":-9223372036854775808,"b":1},"is":[3,1,2],"is_size":3,"u8":[0,255],' +
    '"generic_s":"x","generic_i":-5,"generic_u":18446744073709551615,"generic_b":true}}';
  assert.equal(r, want);
  let e = JSON.parse(run("collections", '{"u8":[256]}'));
  assert.equal(e.error, 'input "u8": wrong input type: item 0: expected integer in u8 range, found number 256');
  e = JSON.parse(run("collections", '{"im":{"a":"x"}}'));
  assert.equal(e.error, 'input "im": wrong input type: member "a": expected integer, found string "x"');
  e = JSON.parse(run("collections", '{"fa":{}}'));
  assert.equal(e.error, 'input "fa": wrong input type: expected array, found object {}');
});

test("host operations through their wrappers", () => {
  const res = outputs("ops", "{}").res;
  assert.deepEqual(res, {
    "vars.set": "ok", "vars.get": -9223372036854775808, "vars.getOr": -9223372036854775808, "vars.getOr.unset": "dflt",
    "vars.getOr.badType": 'vars.get "n": expected string, found number -9223372036854775808',
    "cache.set": "ok", "cache.setWithTTL": "ok", "cache.setWithTTL.zero": "invalid_request", "cache.get": "v", "cache.delete": "ok",
    "state.getOr": 0, "state.set": "ok", "stream.emit": "ok",
    "http.status": 201, "http.body": "POST héllo", "http.ctype": "text/plain", "http.bin": 3, "http.denied": "permission_denied",
    "storage.write": "ok", "storage.read": "data", "storage.read.missing": "not_found", "storage.list": ["a/b.txt"], "storage.delete": "ok",
    "oauth.token": "OAuth token for google (expires 2030-01-02T02:04:05Z, 12 bytes, redacted)", "oauth.bearerLen": 19,
    "unknown": "unknown_op", "malformed": 'internal host call test.malformed: internal: malformed reply: expected exactly one of "ok" and "error"',
    "zero": "limit_exceeded",
  });
  // exactness on the wire
  assert.equal(store.vars.get("n"), "-9223372036854775808");
  const reqs = Object.fromEntries(calls.map(([op, req]) => [op, req]));
  assert.ok(calls.some(([op, r]) => op === "vars.get" && r === '{"name":"unset"}'));
  assert.equal(reqs["cache.delete"], '{"key":"k"}');
  assert.equal(reqs["stream.emit"], '{"event":"progress","data":{"done":3}}');
  assert.equal(reqs["storage.list"], '{"prefix":"a/"}');
  assert.equal(calls.find(([op, r]) => op === "cache.set" && r.includes("ttl_ms"))[1], '{"key":"t","value":[1],"ttl_ms":1500}');
  assert.equal(calls.find(([op]) => op === "http.request")[1], '{"method":"POST","url":"https://api.example.com/x","headers":{"Content-Type":"text/plain"},"body":"héllo"}');
  assert.equal(calls.filter(([op]) => op === "http.request")[1][1], '{"method":"PUT","url":"https://api.example.com/bin","body_base64":"/wCA"}');
  assert.equal(calls.filter(([op]) => op === "cache.set").length, 2, "a zero TTL is refused without a host call");
  assert.deepEqual(logs, [[3, "ops done"]]);
  // state persists in the host across calls
  const again = outputs("ops", "{}").res;
  assert.equal(again["state.getOr"], 1);
});

test("a trap logs its message and the next instance works", () => {
  assert.throws(() => run("abort", "{}"), WebAssembly.RuntimeError);
  assert.equal(logs[0][1], "before");
  assert.equal(logs[1][0], 4);
  assert.match(logs[1][1], /^abort: Index out of range at ~lib\/array\.ts:\d+:\d+$/);
});

test("a NaN output fails the call even when its error is ignored", () => {
  const r = JSON.parse(run("nan", "{}"));
  assert.deepEqual(r, { status: "failure", error: 'output "f": float NaN has no JSON form' });
});

test("request problems are failures", () => {
  const cases = [
    ["not json", /^bad request: not valid JSON: invalid JSON at offset 0/],
    ["[]", /^bad request: request: expected an object, found array \[\]$/],
    ['{"node":"int"}', /^bad request: field "abi" is missing, expected 1$/],
    ['{"abi":2,"node":"int"}', /^bad request: field "abi": expected 1, found number 2$/],
    ['{"abi":1}', /^bad request: field "node" is missing$/],
    ['{"abi":1,"node":5}', /^bad request: field "node": expected a string, found number 5$/],
    ['{"abi":1,"node":"int","inputs":[]}', /^bad request: field "inputs": expected an object, found array \[\]$/],
    ['{"abi":1,"node":"int","context":{"attempt":"x"}}', /^bad request: field "context.attempt": expected an integer, found string "x"$/],
    ['{"abi":1,"node":"int","context":{"tenant":1}}', /^bad request: field "context.tenant": expected a string, found number 1$/],
    ['{"abi":1,"node":"nope"}', /^unknown node "nope": this module implements abort, bytes, collections, context, date, dynA, equals, float, garbage, getters, int, lifecycle, nan, nested, ops, reader, reserve, roundtrip, unix, utf8$/],
    ['{"abi":1,"node":"int","inputs":{}}', /^missing input "i"$/],
  ];
  for (const [req, want] of cases) {
    const r = JSON.parse(runRaw(req));
    assert.equal(r.status, "failure", req);
    assert.match(r.error, want, req);
  }
  // unknown fields and null inputs/context are fine
  const r = JSON.parse(runRaw('{"abi":1,"node":"context","inputs":null,"context":null,"extra":[1]}'));
  assert.equal(r.status, "success");
});

test("the run context", () => {
  const o = outputs("context", "{}");
  assert.equal(o.node, "context");
  assert.equal(o.deadline_date, "none");
  const r = JSON.parse(run("context", "{}", '{"run_id":"01J","workflow":"wf","node_instance":"n1","tenant":"t","attempt":2,"deadline_unix_ms":1763790000000,"future":true}'));
  assert.deepEqual(r.outputs, { node: "context", run_id: "01J", workflow: "wf", node_instance: "n1", tenant: "t", attempt: 2,
    deadline: 1763790000000, deadline_date: "2025-11-22T05:40:00Z", now_year_ok: "yes" });
  assert.deepEqual(logs.at(-1), [1, "trace: context 1.5, -2.0"]);
});

test("memory stays flat across calls (garbage is collected at each weft_run)", () => {
  outputs("garbage", '{"n":2000}');
  const after1 = inst.exports.memory.buffer.byteLength;
  for (let i = 0; i < 200; i++) outputs("garbage", '{"n":2000}');
  assert.equal(inst.exports.memory.buffer.byteLength, after1);
});

test("weft_alloc, weft_free and a request that is not from weft_alloc", () => {
  const ex = inst.exports;
  assert.equal(ex.weft_alloc(-1), 0);
  assert.equal(ex.weft_alloc(256 * 1024 * 1024 + 1), 0);
  const p = ex.weft_alloc(0);
  assert.notEqual(p, 0);
  ex.weft_free(p, 0);
  ex.weft_free(12345, 1); // unknown: ignored
  const q = ex.weft_alloc(10);
  const leftover = ex.weft_alloc(100); // never reaches weft_run: freed by the next weft_run
  let res = BigInt.asUintN(64, ex.weft_run(q + 1, 5));
  let text = dec.decode(mem().subarray(Number(res >> 32n), Number(res >> 32n) + Number(res & 0xffffffffn)));
  assert.equal(text, '{"status":"failure","error":"request buffer was not obtained from weft_alloc"}');
  const r = put('{"abi":1,"node":"context"}');
  res = BigInt.asUintN(64, ex.weft_run(Number(r >> 32n), 1000));
  text = dec.decode(mem().subarray(Number(res >> 32n), Number(res >> 32n) + Number(res & 0xffffffffn)));
  assert.equal(text, '{"status":"failure","error":"request length is larger than its weft_alloc buffer"}');
  void leftover;
});

test("isValidUTF8", () => {
  const cases = [["", true], ["aGk=", true], [Buffer.from("héllo😀").toString("base64"), true], ["/w==", false], ["wIA=", false],
    [Buffer.from([0xed, 0xa0, 0x80]).toString("base64"), false], [Buffer.from([0xf4, 0x90, 0x80, 0x80]).toString("base64"), false],
    [Buffer.from([0xe2, 0x82]).toString("base64"), false], [Buffer.from([0xf0, 0x9f, 0x98, 0x80]).toString("base64"), true]];
  for (const [b64, want] of cases) assert.equal(outputs("utf8", JSON.stringify({ by: b64 })).valid, want, b64);
});

test("Value.equals", () => {
  const cases = [["1", "1.0", true], ["1e2", "100", true], ["0.10", "1e-1", true], ["-0", "0", true], ["1", "2", false],
    ['{"a":1,"b":[1,{"c":null}]}', '{"b":[1,{"c":null}],"a":1}', true], ['{"a":1}', '{"a":1,"b":2}', false],
    ["[1,2]", "[2,1]", false], ['"x"', '"x"', true], ["null", "false", false], ["12345678901234567890123", "1.2345678901234567890123e22", true]];
  for (const [a, b, want] of cases) assert.equal(outputs("equals", `{"a":${a},"b":${b}}`).eq, want, `${a} == ${b}`);
});

// ---- the one-pass request reader (request.ts) ----
// Requests in the host's layout take scanExact, any other text scanGeneral,
// a refused one the full parser (for its error): all three must agree.

/** A request in the layout weft's host writes (internal/wasmhost). */
function hostReq(node, inputsJSON, ctx = '"run_id":"r1","workflow":"wf","node_instance":"n1","tenant":"t","attempt":2,"deadline_unix_ms":1765000000000') {
  return `{"abi":1,"node":${JSON.stringify(node)},"inputs":${inputsJSON},"context":{${ctx}}}`;
}

/** The same request with its fields reordered and white space everywhere JSON allows it. */
function spacedReq(node, inputsJSON) {
  return ` {\n "context" :\t{ "deadline_unix_ms" : 1765000000000 , "attempt" : 2 , "tenant" : "t" , "node_instance" : "n1" , "workflow" : "wf" , "run_id" : "r1" } ,\r\n` +
    ` "inputs" : ${inputsJSON} , "node" : ${JSON.stringify(node)} , "abi" : 1 } `;
}

const readerInputs = [
  '{}', '{"s":"hello","i":42}', '{"i":1,"i":2}', '{"\\u0069":5,"i":6}', '{"i":7,"\\u0069":8}', '{"é":"x","\\u00e9":"y"}',
  '{"a\\"b":1,"a\\\\b":2,"a/b":"\\/"}', '{"s":"\\ud83d\\ude00 \\ud800 \\udc00 \\u2028 é ☃ 😀 \\n\\t\\"\\\\"}',
  '{"n":-9223372036854775808,"m":9223372036854775807,"o":9223372036854775808,"p":-0,"q":1.5,"r":1e400,"u":255,"v":256,"w":18446744073709551615}',
  '{"b":true,"c":false,"z":null,"arr":[1,[2,[3,{"x":[]}]]],"obj":{"k":{"k":{"k":"v"}},"k":1}}', '{"":"empty name","f":"1.5"}',
];

test("the reader: the host's layout, any other layout and white space read alike", () => {
  for (const inp of readerInputs) {
    const a = runRaw(hostReq("reader", inp));
    assert.match(a, /^\{"status":"success"/, inp);
    assert.equal(runRaw(spacedReq("reader", inp)), a, inp);
    // the inputs as the parser reads them (a Value of the whole object)
    const r = JSON.parse(a).outputs.inputs;
    const v = JSON.parse(run("roundtrip", JSON.stringify({ text: inp }))).outputs.json;
    assert.deepEqual(Object.keys(r).sort(), Object.keys(JSON.parse(v)).sort(), inp);
  }
  const o = JSON.parse(runRaw(hostReq("reader", '{"s":"hello","i":42}'))).outputs;
  assert.equal(o.context, "reader|r1|wf|n1|t|2|1765000000000");
  assert.equal(JSON.parse(runRaw(spacedReq("reader", "{}"))).outputs.context, "reader|r1|wf|n1|t|2|1765000000000");
  // a node id made at run time survives the collection at each weft_run
  for (let i = 0; i < 3; i++) outputs("garbage", '{"n":200}');
  assert.equal(JSON.parse(runRaw(hostReq("dynA", "{}"))).outputs.context, "dynA|r1|wf|n1|t|2|1765000000000");
  assert.equal(o.missing, 'err:missing input "no such input"');
  assert.equal(o.missingOr, "ok:dflt");
  assert.deepEqual(o.inputs.i, { has: true, json: "42", string: 'err:input "i": wrong input type: expected string, found number 42', int: "ok:42", i32: "ok:42", u8: "ok:42", u64: "ok:42", float: "ok:42", f32: "ok:42", bool: 'err:input "i": wrong input type: expected boolean, found number 42', same: true });
});

test("the reader: duplicate names, the last value wins", () => {
  let o = JSON.parse(runRaw(hostReq("reader", '{"i":1,"i":2}'))).outputs.inputs;
  assert.deepEqual(Object.keys(o), ["i"]);
  assert.equal(o.i.int, "ok:2");
  o = JSON.parse(runRaw(hostReq("reader", '{"\\u0069":5,"i":6}'))).outputs.inputs; // an escaped name is the same name
  assert.equal(o.i.int, "ok:6");
  o = JSON.parse(runRaw(hostReq("reader", '{"i":7,"\\u0069":8}'))).outputs.inputs;
  assert.equal(o.i.int, "ok:8");
  o = JSON.parse(runRaw(hostReq("reader", '{"é":"x","\\u00e9":"y"}'))).outputs.inputs;
  assert.deepEqual(Object.keys(o), ["é"]);
  assert.equal(o["é"].string, "ok:y");
  // top-level fields and context members: the last one too
  let r = JSON.parse(runRaw('{"abi":1,"node":"reader","inputs":{"i":1},"inputs":{"j":2},"context":{"attempt":"x"},"context":{"attempt":4,"tenant":"a","tenant":"b"}}'));
  assert.deepEqual(Object.keys(r.outputs.inputs), ["j"]);
  assert.equal(r.outputs.context, "reader||||b|4|0");
  r = JSON.parse(runRaw('{"abi":2,"abi":1,"node":"nope","node":"reader"}'));
  assert.equal(r.status, "success");
  r = JSON.parse(runRaw('{"abi":1,"abi":2,"node":"reader"}'));
  assert.equal(r.error, 'bad request: field "abi": expected 1, found number 2');
  r = JSON.parse(runRaw('{"abi":1,"node":"reader","context":{"attempt":4,"attempt":"x"}}'));
  assert.equal(r.error, 'bad request: field "context.attempt": expected an integer, found string "x"');
});

test("the reader: escapes and unicode in names and values", () => {
  let r = JSON.parse(runRaw('{"\\u0061bi":1,"n\\u006fde":"re\\u0061der","inputs":{"a\\"b":1,"a\\\\b":2,"a/b":"\\/"},"context":{"t\\u0065nant":"\\u00e9\\n"}}'));
  assert.equal(r.status, "success", JSON.stringify(r));
  assert.deepEqual(Object.keys(r.outputs.inputs).sort(), ["a\"b", "a/b", "a\\b"]);
  assert.equal(r.outputs.inputs["a/b"].string, "ok:/");
  assert.equal(r.outputs.context, "reader||||é\n|0|0");
  r = JSON.parse(runRaw(hostReq("reader", '{"s":"\\ud83d\\ude00 \\ud800 \\udc00 \\u2028 é ☃ 😀 \\n\\t\\"\\\\"}')));
  assert.equal(r.outputs.inputs.s.string, "ok:😀 \ud800 \udc00 \u2028 é ☃ 😀 \n\t\"\\");
  assert.equal(r.outputs.inputs.s.json, '"😀 \\ud800 \\udc00 \\u2028 é ☃ 😀 \\n\\t\\"\\\\"');
  // the echo of a string with every kind of escape, through the string getter and setter
  const text = "é😀\u0001\u001f\"\\/\b\f\n\r\t\u2028\ud800x";
  r = JSON.parse(runRaw(hostReq("getters", JSON.stringify({ s: text }))));
  assert.equal(r.outputs.out.s.string, "ok:" + text);
  // invalid UTF-8 in a name and a value is decoded leniently, as the parser does
  const bytes = new Uint8Array([...enc.encode('{"abi":1,"node":"reader","inputs":{"s'), 0xff, ...enc.encode('":"x'), 0xc3, ...enc.encode('"}}')]);
  const p = inst.exports.weft_alloc(bytes.length);
  mem().set(bytes, p);
  const res = BigInt.asUintN(64, inst.exports.weft_run(p, bytes.length));
  const out = JSON.parse(dec.decode(mem().subarray(Number(res >> 32n), Number(res >> 32n) + Number(res & 0xffffffffn))));
  assert.equal(out.status, "success");
  assert.equal(Object.keys(out.outputs.inputs).length, 1);
});

test("the reader: numbers and nested values", () => {
  const o = JSON.parse(runRaw(hostReq("reader", readerInputs[8]))).outputs.inputs;
  assert.equal(o.n.int, "ok:-9223372036854775808");
  assert.equal(o.m.int, "ok:9223372036854775807");
  assert.equal(o.o.int, 'err:input "o": wrong input type: expected integer in int64 range, found number 9223372036854775808');
  assert.equal(o.o.float, "ok:9223372036854776000");
  assert.equal(o.p.int, "ok:0");
  assert.equal(o.q.int, 'err:input "q": wrong input type: expected integer, found number 1.5');
  assert.equal(o.r.float, 'err:input "r": wrong input type: expected number in float64 range, found number 1e400');
  assert.equal(o.u.u8, "ok:255");
  assert.equal(o.v.u8, 'err:input "v": wrong input type: expected integer in u8 range, found number 256');
  assert.equal(o.w.u64, 'err:input "w": wrong input type: expected integer in int64 range, found number 18446744073709551615');
  assert.equal(o.n.u64, 'err:input "n": wrong input type: expected integer in u64 range, found number -9223372036854775808');
  const n = JSON.parse(runRaw(hostReq("reader", readerInputs[9]))).outputs.inputs;
  assert.equal(n.arr.json, '[1,[2,[3,{"x":[]}]]]');
  assert.equal(n.obj.json, '{"k":1}');
  assert.equal(n.z.string, 'err:input "z": wrong input type: expected string, found null');
  assert.equal(n.b.bool, "ok:true");
  // nesting: the request is depth 1 and its inputs 2, so a value may nest 998 deeper
  const deep = (k) => hostReq("reader", `{"g":${"[".repeat(k)}${"]".repeat(k)}}`);
  assert.equal(JSON.parse(runRaw(deep(998))).status, "success");
  assert.equal(JSON.parse(runRaw(deep(999))).error, "bad request: not valid JSON: invalid JSON at offset 1037: nested too deeply");
});

test("the reader: a malformed request gets the full parser's error", () => {
  const base = hostReq("reader", '{"s":"h\\u00e9","i":-42,"f":1.5e3,"b":true,"o":{"k":[1,null]}}');
  const parserSays = (text) => {
    const r = JSON.parse(run("roundtrip", JSON.stringify({ text })));
    return r.status === "success" ? null : r.error;
  };
  let checked = 0;
  for (let i = 0; i <= base.length; i++) {
    for (const t of [base.slice(0, i), base.slice(0, i) + base.slice(i + 1), base.slice(0, i) + "x" + base.slice(i), base.slice(0, i) + '"' + base.slice(i + 1), base.slice(0, i) + "\\" + base.slice(i + 1), base.slice(0, i) + "\u0001" + base.slice(i + 1)]) {
      const r = JSON.parse(runRaw(t));
      const want = parserSays(t);
      if (want === null) {
        assert.ok(!/not valid JSON/.test(r.error ?? ""), `${t}: ${r.error}`);
      } else {
        assert.equal(r.error, "bad request: not valid JSON: " + want, t);
        checked++;
      }
    }
  }
  assert.ok(checked > 300, `only ${checked} malformed requests`);
  for (const [req, want] of [
    ['{"abi":1,"node":"reader","inputs":{"i":1,}}', "bad request: not valid JSON: invalid JSON at offset 41: expected a string key in an object"],
    ['{"abi":1,"node":"reader"} x', "bad request: not valid JSON: invalid JSON at offset 26: data after the JSON value"],
    ['{"abi":1,"node":"reader","inputs":{"s":"\\x"}}', "bad request: not valid JSON: invalid JSON at offset 42: bad escape \\x"],
    ['{"abi":1,"node":"reader","inputs":{"s":"\\u12"}}', "bad request: not valid JSON: invalid JSON at offset 44: bad \\u escape"],
    ['{"abi":1.0,"node":"reader"}', 'bad request: field "abi": expected 1, found number 1.0'],
    ['{"abi":1,"node":"reader","context":{"attempt":99999999999999999999}}', 'bad request: field "context.attempt": expected an integer, found number 99999999999999999999'],
    [hostReq("reader", "{}", '"run_id":"r","workflow":"w","node_instance":"n","tenant":5,"attempt":1,"deadline_unix_ms":1'), 'bad request: field "context.tenant": expected a string, found number 5'],
  ]) assert.equal(JSON.parse(runRaw(req)).error, want, req);
});

test("a handler that serves another request keeps its own inputs and outputs", () => {
  const inner = hostReq("reader", '{"x":"inner","y":1,"z":2}');
  const r = JSON.parse(runRaw(hostReq("nested", JSON.stringify({ s: "outer", i: 7, request: inner }))));
  assert.equal(r.status, "success", JSON.stringify(r));
  assert.equal(r.outputs.before, "outer");
  assert.equal(r.outputs.after, "outer");
  assert.equal(r.outputs.i, 7);
  const o = JSON.parse(r.outputs.inner);
  assert.deepEqual(Object.keys(o.outputs.inputs), ["x", "y", "z"]);
  assert.equal(o.outputs.inputs.x.string, "ok:inner");
  assert.equal(o.outputs.context, "reader|r1|wf|n1|t|2|1765000000000");
});

test("outputs: set twice keeps the last value in the first place; a Value is written as it ends; a kept Call is finished", () => {
  const want = '{"status":"success","outputs":{"twice":"second é","late":{"a":1,"b":true},"vals":[{"a":1,"b":true}],"ints":[1,-2,3],' +
    '"m":{"k\\"":"v"},"nil":null,"big":18446744073709551615,"min":-9223372036854775808,"é\\"":"name with escapes"}}';
  assert.equal(runRaw(hostReq("reserve", "{}")), want);
  const r = JSON.parse(runRaw(hostReq("reserve", '{"a":"x"}')));
  assert.equal(r.outputs.prev_get, 'err:input "a": node call has finished');
  assert.equal(r.outputs.prev_has, false);
  assert.equal(r.outputs.prev_set, 'output "a": node call has finished');
  assert.equal(r.outputs.prev_node, "reserve");
});

/** Calls weft_init with request text; returns "" for 0 (success) or the response text. */
function initRaw(text) {
  const r = put(text);
  const res = BigInt.asUintN(64, inst.exports.weft_init(Number(r >> 32n), Number(r & 0xffffffffn)));
  if (res === 0n) return "";
  const p = Number(res >> 32n);
  return dec.decode(mem().subarray(p, p + Number(res & 0xffffffffn)));
}

test("lifecycle: weft_init gets the config, weft_cleanup runs the hook", () => {
  const cases = [
    ['{"abi":1,"config":{"api_key":"k","n":12345678901234567890}}', ""],
    ['{"abi":1,"config":{}}', '{"status":"failure","error":"no api_key in the config"}'],
    ['{"abi":1}', '{"status":"failure","error":"no api_key in the config"}'],
    ['{"abi":1,"config":[1]}', '{"status":"failure","error":"weft_init request: config must be a JSON object, found array [1]"}'],
    ['{"abi":2,"config":{}}', '{"status":"failure","error":"weft_init request has abi 2, this SDK implements 1"}'],
    ['[]', '{"status":"failure","error":"weft_init request must be a JSON object, found array []"}'],
  ];
  for (const [req, want] of cases) {
    instantiate();
    assert.equal(initRaw(req), want, req);
  }
  instantiate();
  assert.equal(initRaw('{"abi":1,"config":{"api_key":"k","n":12345678901234567890}}'), "");
  let o = outputs("lifecycle", "{}");
  assert.deepEqual([o.config, o.inits, o.cleanups], ['{"api_key":"k","n":12345678901234567890}', 1, 0]);
  inst.exports.weft_cleanup();
  o = outputs("lifecycle", "{}");
  assert.equal(o.cleanups, 1);
  assert.match(initRaw('{"abi":1,'), /^\{"status":"failure","error":"weft_init request is not valid JSON: /);
});

console.log(`${passed} passed, ${failures} failed; test module ${bytes.length} bytes`);
if (failures > 0) process.exit(1);
