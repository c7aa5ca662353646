// weft.js: the runtime of the "weft" module that weft custom nodes written in
// TypeScript import. The node compiler serves this file, as it is, as the
// only module a node may import; the types and their documentation are in
// weft.d.ts beside it. Plain ES2020: it runs in weft's QuickJS sandbox,
// whose built-ins are frozen.
//
// The runtime that calls a node builds its `ctx` and reads the default
// export; this module only gives nodes `node`, `HostError` and `isHostError`.

/**
 * Declares a node: checks that `def` is an object with a `run` function and
 * returns it. The runtime reads name, description, category, inputs,
 * outputs, permissions and run from the module's default export.
 */
export function node(def) {
  if (typeof def !== "object" || def === null || Array.isArray(def)) {
    throw new TypeError(`node(): expected the node's definition, an object with a run(ctx, input) function, found ${describe(def)}`);
  }
  if (typeof def.run !== "function") {
    throw new TypeError(`node(): expected run to be a function (ctx, input) => outputs, found ${describe(def.run)}`);
  }
  return def;
}

/**
 * A host operation that was refused or failed: `code` (e.g. "not_found"),
 * `op` (e.g. "storage.read") and the message "CODE: text".
 * `e instanceof HostError` is true for any Error-like object with name
 * "HostError" and a string code, so it holds for the errors the runtime makes.
 */
export class HostError extends Error {
  constructor(code, op, message) {
    const text = String(message ?? "");
    super(text.startsWith(`${code}: `) ? text : `${code}: ${text}`);
    this.code = String(code);
    this.op = String(op);
  }

  static [Symbol.hasInstance](value) {
    // A subclass keeps the ordinary prototype check.
    if (this !== HostError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isHostErrorLike(value);
  }
}

// The name lives on the prototype, as a built-in error's does. It is
// defined, not assigned, so that it does not depend on the sandbox turning
// the frozen Error.prototype.name into a property assignments may shadow.
Object.defineProperty(HostError.prototype, "name", { value: "HostError", writable: true, configurable: true });

/** Whether `value` is a HostError (see `instanceof` above), with `code` when given. */
export function isHostError(value, code) {
  return isHostErrorLike(value) && (code === undefined || value.code === code);
}

function isHostErrorLike(value) {
  return typeof value === "object" && value !== null && value.name === "HostError" && typeof value.code === "string";
}

function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "object":
      return "an object";
    case "string":
      return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
    case "number":
    case "bigint":
    case "boolean":
      return `the ${typeof v} ${String(v)}`;
    default:
      return `a ${typeof v}`;
  }
}
