// Typed wrappers of the host operations, each a thin layer over
// Call.hostCall that builds the ABI's request and reads its reply:
// Vars (vars.*), Cache (cache.*), State (state.*), Stream (stream.emit),
// Http (http.request), Storage (storage.*) and OAuth (oauth.token).

import { Result, ok, err, HostError, Code } from "./result";
import { Value } from "./json";
import { DateTime } from "./datetime";
import { base64Encode, base64Decode } from "./base64";
import { Call } from "./call";

/** Reads `op {keyName: key}` → value or null, as T with a default. */
function getOr<T>(c: Call, op: string, keyName: string, key: string, def: T): Result<T> {
  const r = c.hostCall(op, Value.object().set(keyName, Value.string(key)));
  if (!r.ok) return err<T>(r.error!);
  if (r.value.isNull) return ok<T>(def);
  const t = r.value.as<T>();
  if (!t.ok) return err<T>(new Error(op + " \"" + key + "\": " + t.error!.message));
  return t;
}

function done(r: Result<Value>): Error | null {
  return r.error;
}

/**
 * The run's blackboard (operations vars.get, vars.set; manifest permission
 * `variables = true`): a variable set by an earlier node is there, and one
 * set here is there for later nodes.
 *
 * ```ts
 * const g = c.vars().getOr<string>("greeting", "Hello");
 * if (!g.ok) return g.error;
 * const e = c.vars().set("last_greeting", g.value + ", weft!");
 * ```
 */
export class Vars {
  constructor(private c: Call) {}

  /**
   * The value of variable name: JSON null when it is not set.
   *
   * # Errors
   *
   * As Call.hostCall; HostError with Code.PermissionDenied without the
   * manifest's variables permission.
   */
  get(name: string): Result<Value> {
    return this.c.hostCall("vars.get", Value.object().set("name", Value.string(name)));
  }

  /** Variable name as T (see Value.as); def when it is unset or null. */
  getOr<T>(name: string, def: T): Result<T> {
    return getOr<T>(this.c, "vars.get", "name", name, def);
  }

  /** Writes value (see Value.from: a Value, bool, number, string, ...) to variable name. */
  set<T>(name: string, value: T): Error | null {
    return done(this.c.hostCall("vars.set", Value.object().set("name", Value.string(name)).set("value", Value.from<T>(value))));
  }
}

/**
 * The package's cache: values shared by all runs of the tenant for this
 * package, optionally expiring (operations cache.get, cache.set,
 * cache.delete; manifest permission `cache = true`). A cache may drop a
 * value at any time; use State for what must last.
 */
export class Cache {
  constructor(private c: Call) {}

  /** The value of key: JSON null when it is missing, expired or null. */
  get(key: string): Result<Value> {
    return this.c.hostCall("cache.get", Value.object().set("key", Value.string(key)));
  }

  /** Key as T (see Value.as); def when it is missing, expired or null. */
  getOr<T>(key: string, def: T): Result<T> {
    return getOr<T>(this.c, "cache.get", "key", key, def);
  }

  /**
   * Stores value (see Value.from) under key, with no expiry.
   *
   * # Errors
   *
   * As Call.hostCall; HostError with Code.LimitExceeded when the
   * package's cache is full.
   */
  set<T>(key: string, value: T): Error | null {
    return done(this.c.hostCall("cache.set", Value.object().set("key", Value.string(key)).set("value", Value.from<T>(value))));
  }

  /**
   * Stores value under key for ttlMs milliseconds.
   *
   * # Errors
   *
   * A HostError with Code.InvalidRequest, without calling the host, when
   * ttlMs is not positive (use set for a value that does not expire).
   */
  setWithTTL<T>(key: string, value: T, ttlMs: i64): Error | null {
    if (ttlMs <= 0) {
      return new HostError("cache.set", Code.InvalidRequest, "ttl " + ttlMs.toString() + " ms is not positive (set stores a value without expiry)");
    }
    const req = Value.object().set("key", Value.string(key)).set("value", Value.from<T>(value)).set("ttl_ms", Value.int(ttlMs));
    return done(this.c.hostCall("cache.set", req));
  }

  /** Removes key; deleting a missing key is not an error. */
  delete(key: string): Error | null {
    return done(this.c.hostCall("cache.delete", Value.object().set("key", Value.string(key))));
  }
}

/**
 * The node instance's persistent state: values kept per tenant, workflow
 * and node instance across runs and restarts (operations state.get,
 * state.set; manifest permission `state = true`).
 *
 * ```ts
 * const n = c.state().getOr<i64>("count", 0);
 * if (!n.ok) return n.error;
 * const e = c.state().set<i64>("count", n.value + 1);
 * ```
 */
export class State {
  constructor(private c: Call) {}

  /** The value of key: JSON null when it was never set (or set to null). */
  get(key: string): Result<Value> {
    return this.c.hostCall("state.get", Value.object().set("key", Value.string(key)));
  }

  /** Key as T (see Value.as); def when it was never set or is null. */
  getOr<T>(key: string, def: T): Result<T> {
    return getOr<T>(this.c, "state.get", "key", key, def);
  }

  /** Stores value (see Value.from) under key; null clears it. */
  set<T>(key: string, value: T): Error | null {
    return done(this.c.hostCall("state.set", Value.object().set("key", Value.string(key)).set("value", Value.from<T>(value))));
  }
}

/** Live events of the run (operation stream.emit; always allowed). */
export class Stream {
  constructor(private c: Call) {}

  /**
   * Sends one event named event with data (see Value.from), e.g. progress:
   * `c.stream().emit("progress", Value.object().set("done", Value.int(3)))`.
   */
  emit<T>(event: string, data: T): Error | null {
    return done(this.c.hostCall("stream.emit", Value.object().set("event", Value.string(event)).set("data", Value.from<T>(data))));
  }
}

/** One request for Http.send. */
export class HttpRequest {
  /** Headers sent as given, one value per name. */
  headers: Map<string, string> = new Map<string, string>();
  /**
   * The body: sent as text when it is valid UTF-8 and in base64 otherwise
   * (the ABI's "body" and "body_base64"); null or empty sends none.
   */
  body: Uint8Array | null = null;

  constructor(
    /** The absolute http or https URL; its host must be in allowed_hosts. */
    public url: string,
    /** The HTTP method. */
    public method: string = "GET",
  ) {}

  /** Sets header name and returns this request. */
  header(name: string, value: string): HttpRequest {
    this.headers.set(name, value);
    return this;
  }

  /** Sets the body to the UTF-8 text s and returns this request. */
  text(s: string): HttpRequest {
    this.body = Uint8Array.wrap(String.UTF8.encode(s));
    return this;
  }

  /** Sets the body to data and returns this request. */
  bytes(data: Uint8Array): HttpRequest {
    this.body = data;
    return this;
  }
}

/** The answer to Http.send. */
export class HttpResponse {
  constructor(
    /** The HTTP status code: a 404 or a 500 is a response, not an error. */
    public status: i32,
    /** One value per header name, names in lower case, repeated headers joined with ", ". */
    public headers: Map<string, string>,
    /** The body (decoded from base64 when the host sent it so). */
    public body: Uint8Array,
  ) {}

  /** The body as a string (invalid UTF-8 becomes U+FFFD). */
  text(): string {
    return String.UTF8.decodeUnsafe(this.body.dataStart, this.body.length);
  }
}

/**
 * The host's HTTP client (operation http.request; manifest permission
 * `[permissions.http] allowed_hosts`).
 *
 * ```ts
 * const r = c.http().send(new HttpRequest("https://api.example.com/v1/items", "POST")
 *   .header("Content-Type", "application/json").text('{"name":"x"}'));
 * if (!r.ok) return r.error;
 * if (r.value.status != 201) return new Error("HTTP " + r.value.status.toString());
 * ```
 */
export class Http {
  constructor(private c: Call) {}

  /**
   * Sends req and returns the response, whatever its status.
   *
   * # Errors
   *
   * As Call.hostCall: HostError with Code.PermissionDenied when the URL's
   * host is not allowed (or resolves to a private address without
   * allow_private), Code.Timeout, Code.LimitExceeded, Code.Unavailable when
   * the server cannot be reached. An Error when the reply is malformed.
   */
  send(req: HttpRequest): Result<HttpResponse> {
    const w = Value.object().set("method", Value.string(req.method.length > 0 ? req.method : "GET")).set("url", Value.string(req.url));
    if (req.headers.size > 0) {
      const h = Value.object();
      const names = req.headers.keys();
      for (let i = 0; i < names.length; i++) h.set(names[i], Value.string(req.headers.get(names[i])));
      w.set("headers", h);
    }
    const body = req.body;
    if (body !== null && body.length > 0) {
      if (isValidUTF8(body)) w.set("body", Value.string(String.UTF8.decodeUnsafe(body.dataStart, body.length)));
      else w.set("body_base64", Value.string(base64Encode(body)));
    }
    const r = this.c.hostCall("http.request", w);
    if (!r.ok) return err<HttpResponse>(r.error!);
    const v = r.value;
    const st = v.get("status");
    if (st === null || !st.as<i32>().ok) return err<HttpResponse>(new Error("host call http.request: the reply has no integer status"));
    const headers = new Map<string, string>();
    const hv = v.get("headers");
    if (hv !== null && hv.isObject) {
      const keys = hv.keys();
      for (let i = 0; i < keys.length; i++) {
        const s = hv.get(keys[i])!.asString();
        if (s.ok) headers.set(keys[i], s.value);
      }
    }
    let data = new Uint8Array(0);
    const b64 = v.get("body_base64");
    const text = v.get("body");
    if (b64 !== null && b64.isString) {
      const d = base64Decode(b64.asString().value);
      if (d === null) return err<HttpResponse>(new Error("host call http.request: body_base64 is not base64"));
      data = d;
    } else if (text !== null && text.isString) {
      data = Uint8Array.wrap(String.UTF8.encode(text.asString().value));
    }
    return ok<HttpResponse>(new HttpResponse(st.as<i32>().value, headers, data));
  }

  /** A GET of url. */
  get(url: string): Result<HttpResponse> {
    return this.send(new HttpRequest(url));
  }
}

/**
 * The package's files: a directory per tenant and package that its paths
 * cannot leave (operations storage.*; manifest permission `storage =
 * true`). Paths are relative, slash-separated and canonical
 * ("reports/a.csv"; never "/a", "./a", "a/../b", "a//b"); directories are
 * implicit.
 */
export class Storage {
  constructor(private c: Call) {}

  /**
   * The content of the file at path.
   *
   * # Errors
   *
   * HostError with Code.NotFound when there is no such file,
   * Code.InvalidRequest for a bad path.
   */
  read(path: string): Result<Uint8Array> {
    const r = this.c.hostCall("storage.read", Value.object().set("path", Value.string(path)));
    if (!r.ok) return err<Uint8Array>(r.error!);
    const d = r.value.get("data_base64");
    if (d === null || !d.isString) return err<Uint8Array>(new Error("host call storage.read: the reply has no data_base64"));
    const b = base64Decode(d.asString().value);
    if (b === null) return err<Uint8Array>(new Error("host call storage.read: data_base64 is not base64"));
    return ok<Uint8Array>(b);
  }

  /** Creates or replaces the file at path with data, making the directories it needs. */
  write(path: string, data: Uint8Array): Error | null {
    const req = Value.object().set("path", Value.string(path)).set("data_base64", Value.string(base64Encode(data)));
    return done(this.c.hostCall("storage.write", req));
  }

  /** The paths of the files that start with prefix ("" lists all), sorted. */
  list(prefix: string = ""): Result<Array<string>> {
    const req = Value.object();
    if (prefix.length > 0) req.set("prefix", Value.string(prefix));
    const r = this.c.hostCall("storage.list", req);
    if (!r.ok) return err<Array<string>>(r.error!);
    if (r.value.isNull) return ok<Array<string>>(new Array<string>());
    const items = r.value.asArray();
    if (!items.ok) return err<Array<string>>(new Error("host call storage.list: " + items.error!.message));
    const out = new Array<string>();
    for (let i = 0; i < items.value.length; i++) {
      const s = items.value[i].asString();
      if (!s.ok) return err<Array<string>>(new Error("host call storage.list: " + s.error!.message));
      out.push(s.value);
    }
    return ok<Array<string>>(out);
  }

  /** Removes the file at path; deleting a missing file is not an error. */
  delete(path: string): Error | null {
    return done(this.c.hostCall("storage.delete", Value.object().set("path", Value.string(path))));
  }
}

/**
 * An OAuth access token. toString never shows the token itself, so that
 * logging it by mistake does not leak it.
 */
export class OAuthToken {
  constructor(
    public provider: string,
    public accessToken: string,
    /** When the token stops working; null when the host does not know. */
    public expiresAt: DateTime | null,
  ) {}

  /** The value of an Authorization header: "Bearer " and the token. */
  bearer(): string {
    return "Bearer " + this.accessToken;
  }

  /** Describes the token without showing it. */
  toString(): string {
    const exp = this.expiresAt;
    const e = exp === null ? "no known expiry" : "expires " + exp.toUTC().toString();
    return "OAuth token for " + this.provider + " (" + e + ", " + String.UTF8.byteLength(this.accessToken).toString() + " bytes, redacted)";
  }
}

/**
 * Tokens the operator stored (operation oauth.token). A node gets a
 * provider's token only when its package declares the provider in
 * [[permissions.oauth_scopes]] and the node lists it in oauth_providers.
 * Never log the token or put it in an output.
 */
export class OAuth {
  constructor(private c: Call) {}

  /**
   * The access token of provider, e.g. "google".
   *
   * # Errors
   *
   * HostError with Code.PermissionDenied (not declared), Code.NotFound (no
   * token stored), Code.Unavailable (expired or unreadable).
   */
  token(provider: string): Result<OAuthToken> {
    const r = this.c.hostCall("oauth.token", Value.object().set("provider", Value.string(provider)));
    if (!r.ok) return err<OAuthToken>(r.error!);
    const at = r.value.get("access_token");
    if (at === null || !at.isString || at.asString().value.length == 0) {
      return err<OAuthToken>(new Error("host call oauth.token: the reply has no access_token"));
    }
    let exp: DateTime | null = null;
    const e = r.value.get("expires_at");
    if (e !== null && e.isString && e.asString().value.length > 0) {
      const d = DateTime.parse(e.asString().value);
      if (!d.ok) return err<OAuthToken>(new Error("host call oauth.token: expires_at \"" + e.asString().value + "\" is not an RFC 3339 time"));
      exp = d.value;
    }
    return ok<OAuthToken>(new OAuthToken(provider, at.asString().value, exp));
  }
}

/** Whether data is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
export function isValidUTF8(data: Uint8Array): bool {
  const n = data.length;
  let i = 0;
  while (i < n) {
    const c = <u32>data[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min: u32 = 0;
    let cp: u32 = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else return false;
    if (i + need >= n) return false;
    for (let k = 1; k <= need; k++) {
      const d = <u32>data[i + k];
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
