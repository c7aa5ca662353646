// The conformance nodes (../README.md) written with the TypeScript SDK
// (sdk/typescript): one node per named export, the SDK's ctx for logging
// and host operations, errors as thrown failures. `weft pkg build` (or
// loading this folder) compiles it in-process; package.json names the
// package test.conformance.typescript.
import { node, isHostError } from "weft";

// The package's permissions; every node of a module shares them.
const permissions = { memory: "light", timeout: "quick", variables: true, cache: true, state: true } as const;

export const echo = node({
  name: "Echo",
  description: "Each input comes back as the output of the same name, through the typed getters and setters.",
  inputs: {
    s: "string", i: "integer", f: "float", b: "boolean", d: "date", p: "path", st: "struct", by: "bytes", g: "generic",
    ia: { type: "integer", value_type: "array" },
    sm: { type: "string", value_type: "map" },
    ss: { type: "string", value_type: "set" },
  },
  outputs: {
    s: "string", i: "integer", f: "float", b: "boolean", d: "date", p: "path", st: "struct", by: "bytes", g: "generic",
    ia: { type: "integer", value_type: "array" },
    sm: { type: "string", value_type: "map" },
    ss: { type: "string", value_type: "set" },
  },
  permissions,
  run(_ctx, input) {
    // Absent inputs are absent outputs.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
    return out;
  },
});

export const fail = node({
  name: "Fail",
  description: "A business failure: conformance: REASON.",
  inputs: { reason: { type: "string", required: true } },
  outputs: {},
  permissions,
  run(_ctx, input) {
    throw new Error(`conformance: ${input.reason}`);
  },
});

export const log = node({
  name: "Log",
  description: "Logs conformance log: MSG at info.",
  inputs: { msg: { type: "string", required: true } },
  outputs: { logged: "boolean" },
  permissions,
  run(ctx, input) {
    ctx.log.info(`conformance log: ${input.msg}`);
    return { logged: true };
  },
});

export const vars = node({
  name: "Vars",
  description: "vars.set then vars.get.",
  inputs: { name: { type: "string", required: true }, value: { type: "generic", required: true } },
  outputs: { got: "generic" },
  permissions,
  async run(ctx, input) {
    await ctx.vars.set(input.name, input.value);
    return { got: await ctx.vars.get(input.name) };
  },
});

export const cache = node({
  name: "Cache",
  description: "cache.set then cache.get.",
  inputs: { key: { type: "string", required: true }, value: { type: "generic", required: true } },
  outputs: { got: "generic" },
  permissions,
  async run(ctx, input) {
    await ctx.cache.set(input.key, input.value);
    return { got: await ctx.cache.get(input.key) };
  },
});

export const state = node({
  name: "State counter",
  description: "Counts its calls in state.count.",
  inputs: {},
  outputs: { count: "integer" },
  permissions,
  async run(ctx) {
    const count = ((await ctx.state.get<number>("count")) ?? 0) + 1;
    await ctx.state.set("count", count);
    return { count };
  },
});

export const denied = node({
  name: "Denied",
  description: "Calls http.request without the permission and reports the error code.",
  inputs: {},
  outputs: { code: "string" },
  permissions,
  async run(ctx) {
    try {
      const r = await ctx.http.request({ method: "GET", url: "https://example.com/" });
      throw new Error(`conformance: http.request was allowed (HTTP ${r.status})`);
    } catch (e) {
      if (isHostError(e)) return { code: e.code };
      throw e;
    }
  },
});
