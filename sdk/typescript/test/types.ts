// The type test of weft.d.ts: `tsc -p .` (strict, noEmit) must pass. Lines
// marked `@ts-expect-error` must be errors (tsc fails when one is not), so
// they prove wrong inputs, outputs, pins and permissions are refused.

import {
  node,
  HostError,
  isHostError,
  type Context,
  type Inputs,
  type NodeDefinition,
  type Outputs,
  type PinValue,
  type Permissions,
  type Value,
} from "weft";

/** Compile-time equality: `expectType<Equal<A, B>>(true)` fails unless A is B. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

// --- the contract's example -------------------------------------------------

export const slack = node({
  name: "Send Slack message",
  description: "Posts a message to a Slack channel",
  category: "Messaging",
  inputs: {
    channel: "string",
    message: { type: "string", description: "Text", required: true },
    retries: { type: "integer", default: 0 },
  },
  outputs: { sent: "boolean", ts: { type: "string", description: "Message timestamp" } },
  permissions: { http: { allowed_hosts: ["slack.com"] }, timeout: "quick", memory: "light" },
  async run(ctx, input) {
    expectType<Equal<typeof ctx, Context>>(true);
    expectType<Equal<typeof input.channel, string | undefined>>(true);
    expectType<Equal<typeof input.message, string>>(true);
    expectType<Equal<typeof input.retries, number>>(true);
    // @ts-expect-error: no such input
    input.nope;
    // @ts-expect-error: channel is optional, so it may be undefined
    input.channel.length;
    const r = await ctx.http.request({ method: "POST", url: "https://slack.com/api/chat.postMessage", body: { channel: input.channel ?? "#general", text: input.message } });
    ctx.log.info(`status ${r.status}`);
    return { sent: r.status === 200, ts: "1" };
  },
});

// --- every pin type, value type and presence ----------------------------------

export const pins = node({
  inputs: {
    s: "string",
    i: { type: "integer", required: true },
    f: { type: "float", default: 1.5 },
    b: { type: "boolean", default: false },
    d: { type: "date", required: true },
    p: { type: "path", required: true },
    st: { type: "struct", required: true },
    by: { type: "bytes", required: true },
    g: { type: "generic", required: true },
    arr: { type: "integer", value_type: "array", default: [1, 2] },
    set: { type: "string", value_type: "set", default: ["a"] },
    map: { type: "float", value_type: "map", default: { x: 1 } },
    n: { type: "string", value_type: "normal", required: true },
    gdef: { type: "generic", default: { a: [1, { b: null }] } },
    sdef: { type: "struct", default: { nested: { list: [true] } } },
    notReq: { type: "string", required: false },
  },
  outputs: {},
  run(_ctx, input) {
    type I = typeof input;
    expectType<
      Equal<
        I,
        {
          i: number;
          f: number;
          b: boolean;
          d: string;
          p: string;
          st: { [key: string]: Value };
          by: string;
          g: Value;
          arr: number[];
          set: string[];
          map: { [key: string]: number };
          n: string;
          gdef: Value;
          sdef: { [key: string]: Value };
          s?: string | undefined;
          notReq?: string | undefined;
        }
      >
    >(true);
    input.arr.push(3); // inputs are plain, mutable values
  },
});

// --- outputs are checked ------------------------------------------------------

node({
  outputs: { sent: "boolean", ts: "string", tags: { type: "string", value_type: "array" } },
  run() {
    return { sent: true, tags: ["a"] }; // outputs may be left out
  },
});

node({
  outputs: { sent: "boolean" },
  // @ts-expect-error: sent is a boolean
  run() {
    return { sent: "yes" };
  },
});

node({
  outputs: { sent: "boolean" },
  // @ts-expect-error: an async run is checked too
  async run() {
    return { sent: 1 };
  },
});

node({
  outputs: { tags: { type: "string", value_type: "set" } },
  // @ts-expect-error: a set is an array of its type
  run() {
    return { tags: [1] };
  },
});

node({
  outputs: { sent: "boolean" },
  // @ts-expect-error: nothing in common with the declared outputs
  run() {
    return { delivered: true };
  },
});

// @ts-expect-error: an undeclared output ("Property '"undeclared output extra"' is missing")
node({ outputs: { sent: "boolean" }, run() { return { sent: true, extra: 1 }; } });

// @ts-expect-error: an undeclared output in one of several returns of an async run
node({
  inputs: { fail: "boolean" },
  outputs: { sent: "boolean", error: "string" },
  async run(_ctx, input) {
    if (input.fail) return { error: "no" };
    return { sent: true, extra: 1 };
  },
});

node({
  inputs: { fail: "boolean" },
  outputs: { sent: "boolean", error: "string" },
  async run(_ctx, input) {
    if (input.fail) return { error: "no" };
    if (input.fail === undefined) return;
    return { sent: true };
  },
});

node({
  // @ts-expect-error: with no outputs declared, only {} or nothing fits
  run() {
    return { x: 1 };
  },
});

node({ run() {} });                       // no pins, no outputs
node({ async run() { return {}; } });
node({ outputs: { a: "string" }, async run() {} });

// --- pins are checked ---------------------------------------------------------

node({
  // @ts-expect-error: execution pins are not offered
  inputs: { go: "execution" },
  run() {},
});

node({
  // @ts-expect-error: not a pin type
  inputs: { x: { type: "text" } },
  run() {},
});

node({
  // @ts-expect-error: not a value type
  inputs: { x: { type: "string", value_type: "list" } },
  run() {},
});

node({
  // @ts-expect-error: a default has the pin's type
  inputs: { retries: { type: "integer", default: "3" } },
  run() {},
});

node({
  // @ts-expect-error: an array pin's default is an array
  inputs: { xs: { type: "integer", value_type: "array", default: 3 } },
  run() {},
});

node({
  // @ts-expect-error: a required pin has no default
  inputs: { x: { type: "string", required: true, default: "a" } },
  run() {},
});

node({
  // @ts-expect-error: outputs have no default
  outputs: { x: { type: "string", default: "a" } },
  run() {},
});

node({
  // @ts-expect-error: outputs are never required
  outputs: { x: { type: "string", required: true } },
  run() {},
});

// --- permissions ----------------------------------------------------------------

const everything: Permissions = {
  memory: "intensive",
  timeout: "long_running",
  variables: true,
  cache: true,
  state: true,
  storage: true,
  http: { allowed_hosts: ["api.example.com", "*.googleapis.com"], allow_private: true },
  oauth_scopes: [{ provider: "google", scopes: ["drive.readonly"], reason: "Read files", required: true }],
};
node({ permissions: everything, run() {} });
node({ permissions: { http: { allowed_hosts: ["a.example"] } } as const, run() {} });

// @ts-expect-error: not a memory tier
node({ permissions: { memory: "huge" }, run() {} });
// @ts-expect-error: not a timeout tier
node({ permissions: { timeout: "5s" }, run() {} });
// @ts-expect-error: unknown keys are refused, as in manifest.toml
node({ permissions: { network: true }, run() {} });
// @ts-expect-error: allowed_hosts is required in http
node({ permissions: { http: {} }, run() {} });

// --- the definition itself ------------------------------------------------------

// @ts-expect-error: run is required
node({ inputs: { a: "string" } });
// @ts-expect-error: unknown keys are refused
node({ run() {}, tags: ["x"] });

// Pins declared outside the call need `as const`.
const shared = { a: "integer", b: { type: "string", default: "x" } } as const;
node({
  inputs: shared,
  run(_ctx, input) {
    expectType<Equal<typeof input, { b: string; a?: number | undefined }>>(true);
  },
});

// The helper types on their own.
expectType<Equal<PinValue<"bytes">, string>>(true);
expectType<Equal<PinValue<{ type: "boolean"; value_type: "map" }>, { [key: string]: boolean }>>(true);
expectType<Equal<Inputs<{ a: "float"; b: { type: "float"; required: true } }>, { b: number; a?: number | undefined }>>(true);
expectType<Equal<Outputs<{ a: "integer" }>, { a?: number | undefined }>>(true);
const def: NodeDefinition<{ a: "string" }, { b: "string" }> = {
  inputs: { a: "string" },
  outputs: { b: "string" },
  run: (_ctx, input) => ({ b: input.a }),
};
node(def);
const noPins: NodeDefinition<{}, {}> = { run() {} };
node(noPins);
const anyNode: NodeDefinition = { inputs: { a: "string" }, outputs: { b: "integer" }, run: () => ({ b: 1 }) };
node(anyNode);

// --- the context ------------------------------------------------------------------

export const everyOp = node({
  inputs: { path: { type: "path", default: "notes.txt" } },
  outputs: { report: "struct" },
  permissions: everything,
  async run(ctx, input) {
    const run: { id: string; workflow: string; nodeInstance: string; tenant: string; attempt: number; deadline: number } = ctx.run;
    const v: Value | null = await ctx.vars.get("orderId");
    const n = await ctx.state.get<number>("count");
    expectType<Equal<typeof n, number | null>>(true);
    await ctx.vars.set("seen", [1, "two", { three: null }]);
    await ctx.cache.set("k", { a: 1 }, { ttlMs: 60_000 });
    await ctx.cache.set("k2", "v");
    const c: Value | null = await ctx.cache.get("k");
    await ctx.cache.delete("k");
    await ctx.state.set("count", (n ?? 0) + 1);

    const r = await ctx.http.request({ url: "https://api.example.com/x" });
    const r2 = await ctx.http.request({ method: "PUT", url: "https://api.example.com/y", headers: { "x-a": "b" }, body: "text" });
    await ctx.http.request({ method: "POST", url: "https://api.example.com/z", bodyBase64: "AAE=" });
    const status: number = r.status;
    const headers: Record<string, string> = r2.headers;
    const body: string = r.body;
    const b64: string | undefined = r.bodyBase64;
    const parsed = r.json<{ id: string }>();
    expectType<Equal<typeof parsed, { id: string }>>(true);
    const untyped = r.json();
    expectType<Equal<typeof untyped, Value>>(true);
    // @ts-expect-error: url is required
    await ctx.http.request({ method: "GET" });

    const bytes: Uint8Array = await ctx.storage.read(input.path);
    const text: string = await ctx.storage.readText(input.path);
    await ctx.storage.write("out/a.txt", "text");
    await ctx.storage.write("out/b.bin", new Uint8Array([1, 2]));
    const files: string[] = await ctx.storage.list();
    await ctx.storage.list("out/");
    await ctx.storage.delete("out/a.txt");

    const tok = await ctx.oauth.token("google");
    const access: string = tok.accessToken;
    const expires: string | undefined = tok.expiresAt;

    await ctx.stream.emit("progress", { done: 1 });
    await ctx.stream.emit("started");
    ctx.log.trace("t");
    ctx.log.debug("d");
    ctx.log.info("i");
    ctx.log.warn("w");
    ctx.log.error("e");
    // @ts-expect-error: log lines are strings
    ctx.log.info({ a: 1 });
    const raw: Value = await ctx.call("vars.get", { name: "x" });

    // @ts-expect-error: undefined is not a JSON value
    await ctx.vars.set("x", undefined);
    // @ts-expect-error: functions are not JSON values
    await ctx.state.set("x", () => 1);

    return {
      report: { run: run.id, v, c, status, headers, body, b64: b64 ?? null, bytes: bytes.length, text, files, access, expires: expires ?? null, raw },
    };
  },
});

// --- errors -------------------------------------------------------------------------

export const errors = node({
  outputs: { text: "string" },
  permissions: { storage: true },
  async run(ctx) {
    try {
      return { text: await ctx.storage.readText("notes.txt") };
    } catch (e) {
      if (e instanceof HostError) {
        const code: string = e.code;
        const op: string = e.op;
        const name: "HostError" = e.name;
        const msg: string = e.message;
        ctx.log.warn(`${name} ${code} ${op} ${msg}`);
        if (e.code === "not_found") return { text: "" };
      }
      if (isHostError(e, "permission_denied")) throw new Error(`declare storage: ${e.message}`);
      if (isHostError(e)) throw e;
      throw new HostError("internal", "storage.read", "something else");
    }
  },
});

const he = new HostError("not_found", "storage.read", "no such file");
const asError: Error = he;
expectType<Equal<typeof he.code, typeof he.code>>(true);
void asError;

// --- valid_values: the pin's value is their union ----------------------------------

export const choices = node({
  inputs: {
    mode: { type: "string", valid_values: ["fast", "slow"], default: "fast" },
    levels: { type: "integer", value_type: "array", valid_values: [1, 2, 3], required: true },
    free: { type: "string" },
  },
  outputs: { status: { type: "string", valid_values: ["ok", "skipped"] } },
  run(_ctx, input) {
    expectType<Equal<typeof input.mode, "fast" | "slow">>(true);
    expectType<Equal<typeof input.levels, (1 | 2 | 3)[]>>(true);
    expectType<Equal<typeof input.free, string | undefined>>(true);
    return { status: input.mode === "fast" ? "ok" : "skipped" };
  },
});

node({
  outputs: { status: { type: "string", valid_values: ["ok", "skipped"] } },
  // @ts-expect-error: "maybe" is not one of the output's valid values
  run() {
    return { status: "maybe" };
  },
});

node({
  // @ts-expect-error: struct pins take no valid_values
  inputs: { st: { type: "struct", valid_values: [{}] } },
  run() {
    return {};
  },
});

node({
  // @ts-expect-error: valid values have the pin's type
  inputs: { n: { type: "integer", valid_values: ["one"] } },
  run() {
    return {};
  },
});
