/**
 * Types of the `"weft"` module, the SDK of weft custom nodes written in
 * TypeScript.
 *
 * A node is one file whose default export is {@link node}`({...})`. weft
 * (`weft pkg build`, or the server on upload) bundles it with esbuild and
 * runs it in a QuickJS sandbox: ES2020 built-ins only, no Node.js or DOM
 * APIs, and no imports but `"weft"`. Projects map `"weft"` to this file
 * with `tsconfig.json`'s `paths`; the runtime code behind it is `weft.js`.
 *
 * Needs TypeScript 5.4 or later (`const` type parameters and `NoInfer`).
 *
 * @example
 * ```ts
 * import { node } from "weft";
 *
 * export default node({
 *   inputs: { name: { type: "string", default: "world" } },
 *   outputs: { greeting: "string" },
 *   run(ctx, input) {
 *     ctx.log.info(`greeting ${input.name}`);
 *     return { greeting: `Hello, ${input.name}!` };
 *   },
 * });
 * ```
 *
 * @packageDocumentation
 */

// ---------------------------------------------------------------------------
// Values

/**
 * A JSON value: what pins, variables, cache and state entries, stream data
 * and host-call requests and replies hold.
 *
 * Numbers are JavaScript numbers: integers are exact up to 2^53 in
 * magnitude. Objects must not hold `undefined`, functions or cycles.
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/**
 * A JSON value whose arrays and objects may be read-only: what a pin's
 * `default` may be (definitions are inferred as `const`, so their arrays
 * are read-only tuples). Every {@link Value} is one.
 */
export type ReadonlyValue =
  | null
  | boolean
  | number
  | string
  | readonly ReadonlyValue[]
  | { readonly [key: string]: ReadonlyValue };

// ---------------------------------------------------------------------------
// Pins

/**
 * The JavaScript value a node sees for each pin type, as the ABI encodes it
 * in JSON. The keys are the pin type names of the manifest.
 */
export interface PinValues {
  /** Text. */
  string: string;
  /** A whole number (JSON without a fraction; exact up to 2^53 here). The host refuses a fraction in an `integer` output. */
  integer: number;
  /** A number. NaN and infinities have no JSON form. */
  float: number;
  /** `true` or `false`. */
  boolean: boolean;
  /** An RFC 3339 date-time text, e.g. `"2025-01-01T00:00:00Z"`. */
  date: string;
  /**
   * A storage path: relative, `/`-separated and canonical (`"dir/file.txt"`;
   * never `"/a"`, `"../a"`, `"./a"`, `"a//b"`, `"a/"` or a backslash), never
   * a host path. The host refuses any other in inputs and outputs.
   */
  path: string;
  /** A JSON object. */
  struct: { [key: string]: Value };
  /** Bytes as standard base64 text (with padding). */
  bytes: string;
  /** Any JSON value, `null` included. */
  generic: Value;
}

/**
 * A pin's type: one of the manifest's pin types (`execution` is not offered
 * to TypeScript nodes).
 */
export type PinType = keyof PinValues;

/**
 * How a pin wraps its type: `normal` (one value, the default), `array`
 * (a JSON array), `map` (a JSON object with string keys), `set` (a JSON
 * array without duplicates).
 */
export type ValueType = "normal" | "array" | "map" | "set";

/** The JavaScript value of pin type `T` wrapped as value type `V`. */
export type WrappedValue<T extends PinType, V extends ValueType> = V extends "array" | "set"
  ? PinValues[T][]
  : V extends "map"
    ? { [key: string]: PinValues[T] }
    : PinValues[T];

/**
 * The value a `default` may hold for each pin type: {@link PinValues} with
 * read-only arrays and objects (definitions are inferred as `const`).
 */
export interface DefaultPinValues {
  /** Text. */
  string: string;
  /** A whole number. */
  integer: number;
  /** A finite number. */
  float: number;
  /** `true` or `false`. */
  boolean: boolean;
  /** An RFC 3339 date-time text. */
  date: string;
  /** A storage path. */
  path: string;
  /** A JSON object. */
  struct: { readonly [key: string]: ReadonlyValue };
  /** Standard base64 text. */
  bytes: string;
  /** Any JSON value. */
  generic: ReadonlyValue;
}

/** The type of a `default` of pin type `T` wrapped as value type `V`. */
export type DefaultValue<T extends PinType, V extends ValueType> = V extends "array" | "set"
  ? readonly DefaultPinValues[T][]
  : V extends "map"
    ? { readonly [key: string]: DefaultPinValues[T] }
    : DefaultPinValues[T];

/** The pin types that may list valid values. */
export type ValidValuesType = "string" | "integer" | "float" | "boolean" | "date" | "path";

/** The fields every pin object has. */
interface PinFields<T extends PinType, V extends ValueType> {
  /** The pin's type. */
  type: T;
  /** How the value is wrapped; `normal` when absent. */
  value_type?: V;
  /** Shown in catalogs and editors. */
  description?: string;
  /**
   * The only values the pin takes (each element's, for arrays, sets and
   * maps), of its type, at least one and none twice; only on
   * {@link ValidValuesType} pins. The host refuses any other value, in
   * inputs before `run` and in outputs after it, and the pin's value is
   * typed as their union: `{ type: "string", valid_values: ["fast", "slow"] }`
   * is `"fast" | "slow"`.
   */
  valid_values?: T extends ValidValuesType ? readonly [DefaultPinValues[T], ...DefaultPinValues[T][]] : never;
}

/** An input pin object of type `T` and value type `V`. */
type InputPinFor<T extends PinType, V extends ValueType> =
  | (PinFields<T, V> & {
      /** Absent or `false`: the input may be left out. */
      required?: false;
      /** The value the host uses when the workflow leaves the input out. */
      default?: DefaultValue<T, V>;
    })
  | (PinFields<T, V> & {
      /** `true`: a workflow must give this input. */
      required: true;
      /** A required pin has no default (the manifest refuses one). */
      default?: never;
    });

/** An output pin object of type `T` and value type `V`. */
type OutputPinFor<T extends PinType, V extends ValueType> = PinFields<T, V> & {
  /** Outputs are never required: a node may leave any of them out. */
  required?: never;
  /** Outputs have no default. */
  default?: never;
};

/**
 * An input pin written as an object:
 * `{ type, value_type?, description?, required?, default?, valid_values? }`, the keys of
 * the manifest's `[[nodes.inputs]]`. A `default` must have the pin's type,
 * and a `required: true` pin has none.
 *
 * @example
 * ```ts
 * { type: "integer", default: 3, description: "How many times" }
 * { type: "string", value_type: "array", required: true }
 * ```
 */
export type InputPinObject = {
  [T in PinType]: { [V in ValueType]: InputPinFor<T, V> }[ValueType];
}[PinType];

/**
 * An output pin written as an object: `{ type, value_type?, description?, valid_values? }`,
 * the keys of the manifest's `[[nodes.outputs]]`.
 */
export type OutputPinObject = {
  [T in PinType]: { [V in ValueType]: OutputPinFor<T, V> }[ValueType];
}[PinType];

/** An input pin: a type name (`"string"`), or an {@link InputPinObject}. */
export type InputPinSpec = PinType | InputPinObject;

/** An output pin: a type name (`"boolean"`), or an {@link OutputPinObject}. */
export type OutputPinSpec = PinType | OutputPinObject;

/** A pin of either side. */
export type PinSpec = InputPinSpec | OutputPinSpec;

/** A node's input pins by name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export type InputSpecs = { readonly [name: string]: InputPinSpec };

/** A node's output pins by name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
export type OutputSpecs = { readonly [name: string]: OutputPinSpec };

/** The pin type of a pin spec. */
export type PinTypeOf<P> = P extends PinType ? P : P extends { readonly type: infer T extends PinType } ? T : never;

/** The value type of a pin spec (`normal` when it names none). */
export type ValueTypeOf<P> = P extends { readonly value_type: infer V extends ValueType } ? V : "normal";

/**
 * One value of a pin spec (an element, for arrays, sets and maps): the
 * union of its `valid_values` when it lists some, else its type's value.
 */
export type ElementOf<P> = P extends { readonly valid_values: readonly (infer E)[] } ? E : PinValues[PinTypeOf<P>];

/**
 * The JavaScript value of a pin: `PinValue<"integer">` is `number`,
 * `PinValue<{ type: "string", value_type: "map" }>` is
 * `{ [key: string]: string }`, `PinValue<{ type: "string", valid_values:
 * ["a", "b"] }>` is `"a" | "b"`.
 */
export type PinValue<P extends PinSpec> = ValueTypeOf<P> extends "array" | "set"
  ? ElementOf<P>[]
  : ValueTypeOf<P> extends "map"
    ? { [key: string]: ElementOf<P> }
    : ElementOf<P>;

/** Whether an input pin always has a value: it is required or has a default. */
type IsPresent<P> = P extends { readonly required: true } ? true : P extends { readonly default: unknown } ? true : false;

/** Flattens an intersection for readable hovers. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The `input` object `run` receives for input pins `I`. An input that is
 * `required` or has a `default` is always there; any other may be
 * `undefined` (the workflow left it out).
 *
 * @example
 * ```ts
 * // { a: number; b: number; note?: string | undefined }
 * type In = Inputs<{ a: { type: "integer"; required: true }; b: { type: "integer"; default: 0 }; note: "string" }>;
 * ```
 */
export type Inputs<I extends InputSpecs> = Simplify<
  { -readonly [K in keyof I as IsPresent<I[K]> extends true ? K : never]: PinValue<I[K]> } & {
    -readonly [K in keyof I as IsPresent<I[K]> extends true ? never : K]?: PinValue<I[K]> | undefined;
  }
>;

/**
 * The object `run` returns for output pins `O`. Every output is optional
 * (the ABI lets a node leave outputs out); pins not declared are refused
 * by the host. With no outputs declared, only `{}` (or nothing) fits.
 */
export type Outputs<O extends OutputSpecs> = string extends keyof O
  ? { [name: string]: Value | undefined }
  : [keyof O] extends [never]
    ? { [name: string]: never }
    : { -readonly [K in keyof O]?: PinValue<O[K]> | undefined };

/**
 * What `run` may return: the outputs, nothing (no outputs), or a Promise of
 * either.
 */
export type NodeResult<O extends OutputSpecs> = Outputs<O> | void | Promise<Outputs<O> | void>;

// ---------------------------------------------------------------------------
// Permissions

/** Memory tiers: the VM's memory cap (minimal 16 MiB, light 32, standard 64, heavy 128, intensive 256). */
export type MemoryTier = "minimal" | "light" | "standard" | "heavy" | "intensive";

/** Timeout tiers: a call's time limit (quick 5 s, standard 30 s, extended 60 s, long_running 300 s). */
export type TimeoutTier = "quick" | "standard" | "extended" | "long_running";

/** `[permissions.http]`: where `ctx.http.request` may go. */
export interface HttpPermission {
  /**
   * Host names the node may reach: an entry matches the URL's host exactly
   * (any port), or, written `*.example.com`, any subdomain of it.
   * `localhost` and `127.0.0.1` are different entries.
   */
  allowed_hosts: readonly string[];
  /** `true` lets a listed host resolve to a loopback or private address (tests, intranets). */
  allow_private?: boolean;
}

/** One `[[permissions.oauth_scopes]]` entry: a provider whose token `ctx.oauth.token` may read. */
export interface OAuthScope {
  /** The provider's name, e.g. `"slack"`; its token is the tenant's secret `oauth/PROVIDER`. */
  provider: string;
  /** The scopes the token needs, shown for review. */
  scopes: readonly string[];
  /** Why, shown for review. */
  reason?: string;
  /** Whether the node cannot work without it. */
  required?: boolean;
}

/**
 * What the node may do, with the keys and values of manifest.toml's
 * `[permissions]` (weft writes them into the package's manifest).
 * Everything not declared is denied: the host operation then rejects with a
 * {@link HostError} of code `permission_denied`.
 */
export interface Permissions {
  /** The VM's memory cap; `standard` (64 MiB) when absent. */
  memory?: MemoryTier;
  /** The time limit of one call; `standard` (30 s) when absent. */
  timeout?: TimeoutTier;
  /** `ctx.vars`: the run's blackboard. */
  variables?: boolean;
  /** `ctx.cache`: values shared by all runs of the tenant for this package. */
  cache?: boolean;
  /** `ctx.state`: values kept per workflow node instance, across runs. */
  state?: boolean;
  /** `ctx.storage`: the tenant's files of this package. */
  storage?: boolean;
  /** `ctx.http`: outbound HTTP to the listed hosts. */
  http?: HttpPermission;
  /** `ctx.oauth`: the providers whose tokens the node may read. */
  oauth_scopes?: readonly OAuthScope[];
}

// ---------------------------------------------------------------------------
// The node

/**
 * A node: what the default export of a node file holds.
 *
 * @typeParam I - the input pins
 * @typeParam O - the output pins
 * @typeParam R - what `run` returns (inferred by {@link node}, which checks it)
 */
export interface NodeDefinition<
  I extends InputSpecs = InputSpecs,
  O extends OutputSpecs = OutputSpecs,
  R extends NodeResult<NoInfer<O>> = NodeResult<NoInfer<O>>,
> {
  /** The display name in catalogs; the package's name when absent. */
  name?: string;
  /** What the node does; the package's description when absent. */
  description?: string;
  /** A catalog category such as `"Messaging"` or `"Math/Arithmetic"`. */
  category?: string;
  /** The input pins, by name: a type name or a pin object each. */
  inputs?: I;
  /** The output pins, by name: a type name or a pin object each. */
  outputs?: O;
  /** What the node may do; everything else is denied. */
  permissions?: Permissions;
  /**
   * Runs the node once. Returns its outputs (or a Promise of them);
   * returning nothing means no outputs. A thrown error or a rejected
   * Promise fails the node with the error's message (a business failure,
   * the FAILURE of the behavior tree).
   *
   * @param ctx - the run and the host operations
   * @param input - the inputs the workflow gave, defaults applied
   */
  run(ctx: Context, input: Inputs<NoInfer<I>>): R;
}

/** The keys of every member of a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;

/** The names `run` may return (`R`) that are not output pins of `O`. */
type UndeclaredOutputs<R, O> =
  string extends KeysOf<Awaited<R>> ? never : Exclude<KeysOf<Awaited<R>>, keyof O | number | symbol>;

/**
 * `unknown` when `run` returns declared outputs only; otherwise a type no
 * definition has, whose missing property names the first offender:
 * `Property '"undeclared output extra"' is missing`.
 */
type CheckOutputs<R, O> = [UndeclaredOutputs<R, O>] extends [never]
  ? unknown
  : { [K in `undeclared output ${UndeclaredOutputs<R, O> & string}`]: never };

/**
 * Declares a node; `export default` its result.
 *
 * The pins are inferred from the literal (no `as const` needed), so `input`
 * is typed from `inputs` and `run`'s result is checked against `outputs`:
 * each value has its pin's type, and a name that is not an output pin is
 * an error (`Property '"undeclared output NAME"' is missing ...`).
 * Pins defined outside the call need `as const`
 * (`const inputs = { a: "integer" } as const`).
 *
 * @example
 * ```ts
 * import { node, HostError } from "weft";
 *
 * export default node({
 *   name: "Fetch status",
 *   category: "Web",
 *   inputs: {
 *     url: { type: "string", required: true, description: "What to fetch" },
 *     tries: { type: "integer", default: 1 },
 *   },
 *   outputs: { status: "integer", body: "string" },
 *   permissions: { http: { allowed_hosts: ["api.example.com"] }, timeout: "quick" },
 *   async run(ctx, input) {            // input: { url: string; tries: number }
 *     try {
 *       const r = await ctx.http.request({ url: input.url });
 *       return { status: r.status, body: r.body };
 *     } catch (e) {
 *       if (e instanceof HostError && e.code === "permission_denied") ctx.log.warn(e.message);
 *       throw e;                        // fails the node with the message
 *     }
 *   },
 * });
 * ```
 *
 * @param definition - the node
 * @returns `definition` itself
 * @throws TypeError when `definition` is not an object with a `run` function
 */
export declare function node<
  const I extends InputSpecs = {},
  const O extends OutputSpecs = {},
  R extends NodeResult<NoInfer<O>> = NodeResult<NoInfer<O>>,
>(definition: NodeDefinition<I, O, R> & CheckOutputs<R, NoInfer<O>>): NodeDefinition<I, O>;

// ---------------------------------------------------------------------------
// The context

/** The run a node call belongs to (`ctx.run`). */
export interface RunInfo {
  /** The run's id. */
  readonly id: string;
  /** The workflow's id. */
  readonly workflow: string;
  /** The node's `id` in the workflow. */
  readonly nodeInstance: string;
  /** The tenant the run belongs to (`default` on the command line). */
  readonly tenant: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /** When the call must be done, in Unix milliseconds (compare with `Date.now()`). */
  readonly deadline: number;
}

/** `ctx.vars`: the run's blackboard (permission `variables`). */
export interface Vars {
  /**
   * A variable's value, `null` when it is not set. `T` only names what
   * you expect: the value is not checked.
   */
  get<T extends Value = Value>(name: string): Promise<T | null>;
  /** Sets a variable for the nodes that run after this one. */
  set(name: string, value: Value): Promise<void>;
}

/** Options of `ctx.cache.set`. */
export interface CacheSetOptions {
  /** Time to live in whole milliseconds; absent or 0: no expiry. */
  ttlMs?: number;
}

/**
 * `ctx.cache`: values shared by all runs and nodes of this package in the
 * tenant, kept in the weft process's memory (permission `cache`). Keys are
 * 1 to 1024 bytes.
 */
export interface Cache {
  /** The value, `null` when the key is missing or expired. `T` is not checked. */
  get<T extends Value = Value>(key: string): Promise<T | null>;
  /** Stores a value, optionally expiring. */
  set(key: string, value: Value, options?: CacheSetOptions): Promise<void>;
  /** Removes a key; a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * `ctx.state`: values kept per tenant, workflow and node instance, across
 * runs and restarts (permission `state`).
 */
export interface State {
  /** The value, `null` when it was never set. `T` is not checked. */
  get<T extends Value = Value>(key: string): Promise<T | null>;
  /** Stores a value (committed before the Promise resolves). */
  set(key: string, value: Value): Promise<void>;
}

/** A request for `ctx.http.request`. */
export interface HttpRequest {
  /** The HTTP method; `"GET"` when absent. */
  method?: string;
  /** An absolute `http` or `https` URL whose host is in `allowed_hosts`. */
  url: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /**
   * The body: a string is sent as it is; any other value is sent as JSON,
   * with `content-type: application/json` unless `headers` set one.
   */
  body?: string | Value;
  /** A binary body as standard base64 (instead of `body`). */
  bodyBase64?: string;
}

/** The reply of `ctx.http.request`. Any status, 404 and 500 included, is a reply, not an error. */
export interface HttpResponse {
  /** The HTTP status code. */
  status: number;
  /** Response headers, names in lower case; repeated headers joined with `", "`. */
  headers: Record<string, string>;
  /** The body as text; `""` when it is not UTF-8 (then see `bodyBase64`). */
  body: string;
  /** The body as standard base64, when it is not UTF-8. */
  bodyBase64?: string;
  /**
   * The body parsed as JSON (`JSON.parse(body)`); throws a SyntaxError
   * when it is not JSON. `T` is not checked.
   */
  json<T = Value>(): T;
}

/** `ctx.http`: outbound HTTP to the hosts of `permissions.http.allowed_hosts`. */
export interface Http {
  /**
   * Sends one request (redirects followed, 30 s at most, bodies up to
   * 16 MiB each way).
   *
   * @example
   * ```ts
   * const r = await ctx.http.request({ method: "POST", url: "https://api.example.com/items", body: { name: "x" } });
   * if (r.status >= 300) throw new Error(`api.example.com: ${r.status} ${r.body}`);
   * const item = r.json<{ id: string }>();
   * ```
   */
  request(req: HttpRequest): Promise<HttpResponse>;
}

/**
 * `ctx.storage`: a directory of files per tenant and package (permission
 * `storage`). Paths are relative, `/`-separated and canonical
 * (`reports/2025-01.csv`); a file holds at most 16 MiB.
 */
export interface Storage {
  /** A file's bytes; rejects with `not_found` when it does not exist. */
  read(path: string): Promise<Uint8Array>;
  /** A file's bytes decoded as UTF-8; rejects with `not_found` when it does not exist. */
  readText(path: string): Promise<string>;
  /** Writes (replaces) a file; a string is written as UTF-8. Parent folders are implicit. */
  write(path: string, data: string | Uint8Array): Promise<void>;
  /** The paths of the files that start with `prefix` (all when absent), sorted. */
  list(prefix?: string): Promise<string[]>;
  /** Deletes a file; a missing file is not an error. */
  delete(path: string): Promise<void>;
}

/** An access token from `ctx.oauth.token`. */
export interface OAuthToken {
  /** The token; keep it out of logs and outputs. */
  accessToken: string;
  /** When it expires (RFC 3339, UTC); absent when it does not. */
  expiresAt?: string;
}

/** `ctx.oauth`: tokens of the providers in `permissions.oauth_scopes`. */
export interface OAuth {
  /**
   * The tenant's token for `provider` (the secret `oauth/PROVIDER`);
   * rejects with `not_found` when none is stored, `unavailable` when it
   * expired.
   */
  token(provider: string): Promise<OAuthToken>;
}

/** `ctx.stream`: live events to whoever follows the run (always allowed). */
export interface Stream {
  /** Sends a named event, e.g. progress; results belong in outputs. */
  emit(event: string, data?: Value): Promise<void>;
}

/**
 * `ctx.log`: lines into the run log. Lines over 16 KiB are cut; a call
 * keeps 10,000 lines.
 */
export interface Logger {
  /** Logs at level trace. */
  trace(message: string): void;
  /** Logs at level debug. */
  debug(message: string): void;
  /** Logs at level info. */
  info(message: string): void;
  /** Logs at level warn. */
  warn(message: string): void;
  /** Logs at level error. */
  error(message: string): void;
}

/**
 * What `run` gets besides its inputs: the run it belongs to and the host
 * operations. Each host operation is synchronous underneath but returns a
 * Promise, so that `await` reads naturally. Each needs its permission; one
 * that is refused or fails rejects with a {@link HostError}.
 *
 * | member | permission |
 * |---|---|
 * | `ctx.vars` | `variables: true` |
 * | `ctx.cache` | `cache: true` |
 * | `ctx.state` | `state: true` |
 * | `ctx.http` | `http: { allowed_hosts: [...] }` |
 * | `ctx.storage` | `storage: true` |
 * | `ctx.oauth` | `oauth_scopes: [{ provider, scopes }]` |
 * | `ctx.stream`, `ctx.log`, `ctx.run` | none |
 *
 * @example
 * ```ts
 * export default node({
 *   outputs: { count: "integer" },
 *   permissions: { state: true, variables: true },
 *   async run(ctx) {
 *     const n = (await ctx.state.get<number>("count")) ?? 0;
 *     await ctx.state.set("count", n + 1);
 *     await ctx.vars.set("lastCounter", ctx.run.nodeInstance);
 *     ctx.log.info(`run ${ctx.run.id}, attempt ${ctx.run.attempt}: count ${n + 1}`);
 *     return { count: n + 1 };
 *   },
 * });
 * ```
 */
export interface Context {
  /** The run this call belongs to. */
  readonly run: RunInfo;
  /** The run's blackboard (`variables`). */
  readonly vars: Vars;
  /** The tenant's cache of this package (`cache`). */
  readonly cache: Cache;
  /** This node instance's persistent state (`state`). */
  readonly state: State;
  /** Outbound HTTP (`http.allowed_hosts`). */
  readonly http: Http;
  /** The package's files (`storage`). */
  readonly storage: Storage;
  /** OAuth access tokens (`oauth_scopes`). */
  readonly oauth: OAuth;
  /** Live events (always allowed). */
  readonly stream: Stream;
  /** The run log. */
  readonly log: Logger;
  /**
   * The raw ABI host call: operation `op` with its JSON request; resolves
   * to the reply's `ok` value, rejects with a {@link HostError} on an error
   * reply. For operations newer than these wrappers.
   *
   * @example
   * ```ts
   * const v = await ctx.call("vars.get", { name: "orderId" });
   * ```
   */
  call(op: string, request: Value): Promise<Value>;
}

// ---------------------------------------------------------------------------
// Errors

/** The codes of a host operation's error reply. */
export type HostErrorCode =
  | "permission_denied"
  | "not_found"
  | "invalid_request"
  | "unknown_op"
  | "limit_exceeded"
  | "unavailable"
  | "timeout"
  | "internal";

/**
 * A host operation that was refused or failed. Branch on `code`; the
 * message (`"CODE: text"`) is for people. `e instanceof HostError` is true
 * for the errors the runtime makes, and for any Error-like object with
 * `name` `"HostError"` and a string `code`.
 *
 * @example
 * ```ts
 * try {
 *   return { text: await ctx.storage.readText("notes.txt") };
 * } catch (e) {
 *   if (e instanceof HostError && e.code === "not_found") return { text: "" };
 *   throw e;
 * }
 * ```
 */
export declare class HostError extends Error {
  /**
   * @param code - the error code, e.g. `"not_found"`
   * @param op - the operation, e.g. `"storage.read"`
   * @param message - the host's text; the error's message is `"CODE: text"` (a text already starting with `"CODE: "` is kept)
   */
  constructor(code: HostErrorCode | (string & {}), op: string, message: string);
  /** Always `"HostError"`. */
  name: "HostError";
  /** The error code (one of {@link HostErrorCode}, or a newer host's). */
  readonly code: HostErrorCode | (string & {});
  /** The operation that failed, e.g. `"http.request"`. */
  readonly op: string;
  /** True for any Error-like object with `name` `"HostError"` and a string `code`. */
  static [Symbol.hasInstance](value: unknown): value is HostError;
}

/**
 * Whether `value` is a {@link HostError} (see its `instanceof` rule),
 * with code `code` when one is given.
 *
 * @example
 * ```ts
 * catch (e) { if (isHostError(e, "permission_denied")) ctx.log.warn("add the host to allowed_hosts"); throw e; }
 * ```
 */
export declare function isHostError(value: unknown, code?: HostErrorCode | (string & {})): value is HostError;
