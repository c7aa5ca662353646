// Result<T> and the SDK's error classes: errors are values, never traps.

/**
 * A value or an error, the AssemblyScript form of Go's `(T, error)`.
 *
 * ```ts
 * const a = c.int("a");
 * if (!a.ok) return a.error;
 * const n: i64 = a.value;
 * ```
 *
 * When `ok` is false, `value` holds the zero value of `T` (0, false, "" or,
 * for other reference types, a null reference that must not be used).
 */
export class Result<T> {
  constructor(
    /** The value; meaningful only when `ok`. */
    public readonly value: T,
    /** The error, or null on success. */
    public readonly error: Error | null,
  ) {}

  /** True when there is no error. */
  get ok(): bool {
    return this.error === null;
  }

  /** The value, or `def` when there is an error. */
  valueOr(def: T): T {
    return this.error === null ? this.value : def;
  }
}

/** A successful Result holding `value`. */
export function ok<T>(value: T): Result<T> {
  return new Result<T>(value, null);
}

/** A failed Result holding `error` (and the zero value of T). */
export function err<T>(error: Error): Result<T> {
  return new Result<T>(zero<T>(), error);
}

/** The zero value of T: 0, false, "", or a null reference. */
// @ts-ignore: decorator
@inline
export function zero<T>(): T {
  if (isString<T>()) return changetype<T>("");
  if (isReference<T>()) return changetype<T>(<usize>0);
  return <T>0;
}

/**
 * The error codes of host-call replies (ABI v1). Branch on `HostError.code`:
 *
 * ```ts
 * if (e instanceof HostError && (e as HostError).code == Code.PermissionDenied) { ... }
 * ```
 */
// Getters rather than constants: a string held by a global is a root the
// collector visits at every weft_run, a literal returned by a getter is not.
export class Code {
  /** The manifest does not grant the operation. */
  static get PermissionDenied(): string {
    return "permission_denied";
  }
  /** The thing asked for does not exist (storage.read, oauth.token). */
  static get NotFound(): string {
    return "not_found";
  }
  /** The request is malformed or breaks the operation's rules. */
  static get InvalidRequest(): string {
    return "invalid_request";
  }
  /** The host does not know the operation. */
  static get UnknownOp(): string {
    return "unknown_op";
  }
  /** A size, quota or rate limit. */
  static get LimitExceeded(): string {
    return "limit_exceeded";
  }
  /** The host does not provide the service, or cannot reach it now. */
  static get Unavailable(): string {
    return "unavailable";
  }
  /** The call's deadline passed while the host worked on it. */
  static get Timeout(): string {
    return "timeout";
  }
  /** A fault in the host (or a reply the SDK could not read). */
  static get Internal(): string {
    return "internal";
  }
}

/**
 * An error reply to a host call. Its `message` reads
 * `host call OP: CODE: DETAIL`, like the Go SDK's HostError.
 */
export class HostError extends Error {
  constructor(
    /** The operation, e.g. "vars.get". */
    public op: string,
    /** One of the `Code` constants (or a newer host's code). */
    public code: string,
    /** The host's explanation. */
    public detail: string,
  ) {
    super("host call " + op + ": " + code + ": " + detail);
    this.name = "HostError";
  }
}

/**
 * An input that is missing (`missing` is true: the request has no value
 * for the pin) or not of the type the getter reads (`missing` is false).
 */
export class InputError extends Error {
  constructor(
    /** The input pin's name. */
    public input: string,
    /** True when the request has no value for the pin. */
    public missing: bool,
    message: string,
  ) {
    super(message);
    this.name = "InputError";
  }
}
