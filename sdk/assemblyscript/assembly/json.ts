// A small JSON model: Value, its parser and its writer. Numbers keep their
// text, so integers survive exactly (both i64 extremes, and beyond for
// generic values) and nothing is rounded through f64 unless asked.

import { Result, ok, err } from "./result";
import { formatFloat, parseDecimal } from "./float";
import { base64Encode, base64Decode } from "./base64";
import { DateTime } from "./datetime";

/** The kind of a JSON value. */
export enum Kind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

/** How deep arrays and objects may nest when parsing (weft itself refuses workflow values nested over 200 levels). */
export const MAX_DEPTH = 1000;

/**
 * One JSON value: null, a boolean, a number (kept as its text), a string, an
 * array or an object (members in insertion order; setting a key again keeps
 * its place).
 *
 * ```ts
 * const v = Value.object().set("name", Value.string("weft")).set("n", Value.int(3));
 * v.toJSON(); // {"name":"weft","n":3}
 * const r = Value.parse('{"a":[1,2.5,"x"]}');
 * if (r.ok) r.value.get("a")!.at(1)!.asFloat().value; // 2.5
 * ```
 */
export class Value {
  private _kind: Kind;
  private _bool: bool = false;
  private _text: string = "";
  private _items: Array<Value> | null = null;
  private _members: Map<string, Value> | null = null;

  constructor(kind: Kind) {
    this._kind = kind;
  }

  // ---- constructors ----

  /** JSON null. */
  static null(): Value {
    return new Value(Kind.Null);
  }

  /** true or false. */
  static bool(b: bool): Value {
    const v = new Value(Kind.Bool);
    v._bool = b;
    return v;
  }

  /** An integer, written exactly. */
  static int(i: i64): Value {
    const v = new Value(Kind.Number);
    v._text = i.toString();
    return v;
  }

  /** An unsigned integer, written exactly (above i64's range it no longer fits an integer pin). */
  static uint(i: u64): Value {
    const v = new Value(Kind.Number);
    v._text = i.toString();
    return v;
  }

  /**
   * A float, written as Go writes it (shortest digits that read back the
   * same). NaN and ±Infinity have no JSON form and become null, as
   * JSON.stringify does; the Call setters refuse them instead.
   */
  static float(f: f64): Value {
    if (!isFinite(f)) return Value.null();
    const v = new Value(Kind.Number);
    v._text = formatFloat(f);
    return v;
  }

  /**
   * A number from its JSON text, e.g. "12345678901234567890123" or "1e400"
   * (kept verbatim). Null when text is not a JSON number.
   */
  static number(text: string): Value | null {
    if (!isJSONNumber(text)) return null;
    const v = new Value(Kind.Number);
    v._text = text;
    return v;
  }

  /** A string. */
  static string(s: string): Value {
    const v = new Value(Kind.String);
    v._text = s;
    return v;
  }

  /** An array holding items (not copied); empty when omitted. */
  static array(items: Array<Value> | null = null): Value {
    const v = new Value(Kind.Array);
    v._items = items === null ? new Array<Value>() : items;
    return v;
  }

  /** An empty object; add members with set. */
  static object(): Value {
    const v = new Value(Kind.Object);
    v._members = new Map<string, Value>();
    return v;
  }

  /**
   * The Value of x, whose type is known at compile time: bool, any integer,
   * f32/f64 (non-finite: null), string, Value, DateTime (RFC 3339 string),
   * Uint8Array (base64 string), arrays of those, or null for a nullable T.
   */
  static from<T>(x: T): Value {
    if (isBoolean<T>()) return Value.bool(<bool>x);
    if (isInteger<T>()) {
      if (!isSigned<T>() && sizeof<T>() == 8) return Value.uint(<u64>x);
      return Value.int(<i64>x);
    }
    if (isFloat<T>()) return Value.float(<f64>x);
    if (isReference<T>()) {
      if (isNullable<T>()) {
        if (changetype<usize>(x) == 0) return Value.null();
      }
      if (isString<T>()) return Value.string(changetype<string>(x));
      if (idof<NonNullable<T>>() == idof<Value>()) return changetype<Value>(x);
      if (idof<NonNullable<T>>() == idof<DateTime>()) return Value.string(changetype<DateTime>(x).toString());
      if (idof<NonNullable<T>>() == idof<Uint8Array>()) return Value.string(base64Encode(changetype<Uint8Array>(x)));
      if (isArray<T>()) {
        // @ts-ignore: T is an Array<U> here
        const a = changetype<T>(x);
        const items = new Array<Value>(a.length);
        // @ts-ignore: indexing an Array<U>
        for (let i = 0; i < a.length; i++) items[i] = Value.from(unchecked(a[i]));
        return Value.array(items);
      }
    }
    ERROR("Value.from: unsupported type (use bool, integers, floats, string, Value, DateTime, Uint8Array or arrays of those)");
    return Value.null();
  }

  // ---- inspection ----

  /** Its kind. */
  get kind(): Kind {
    return this._kind;
  }
  get isNull(): bool {
    return this._kind == Kind.Null;
  }
  get isBool(): bool {
    return this._kind == Kind.Bool;
  }
  get isNumber(): bool {
    return this._kind == Kind.Number;
  }
  get isString(): bool {
    return this._kind == Kind.String;
  }
  get isArray(): bool {
    return this._kind == Kind.Array;
  }
  get isObject(): bool {
    return this._kind == Kind.Object;
  }

  /** True for a number without fraction or exponent (it may still exceed i64). */
  get isInteger(): bool {
    return this._kind == Kind.Number && isIntegerText(this._text);
  }

  /** The JSON text of a number ("" for other kinds). */
  get numberText(): string {
    return this._kind == Kind.Number ? this._text : "";
  }

  /** The number of items of an array or members of an object (0 otherwise). */
  get length(): i32 {
    if (this._kind == Kind.Array) return this._items!.length;
    if (this._kind == Kind.Object) return this._members!.size;
    return 0;
  }

  /** Item i of an array; null when out of range or not an array. */
  at(i: i32): Value | null {
    if (this._kind != Kind.Array) return null;
    const items = this._items!;
    if (i < 0 || i >= items.length) return null;
    return unchecked(items[i]);
  }

  /** Member key of an object; null when absent or not an object. */
  get(key: string): Value | null {
    if (this._kind != Kind.Object) return null;
    const m = this._members!;
    return m.has(key) ? m.get(key) : null;
  }

  /** Whether an object has member key. */
  has(key: string): bool {
    return this._kind == Kind.Object && this._members!.has(key);
  }

  /** The member names of an object in order ([] otherwise). */
  keys(): Array<string> {
    if (this._kind != Kind.Object) return new Array<string>();
    return this._members!.keys();
  }

  /** The items of an array (the live array; [] for other kinds). */
  items(): Array<Value> {
    if (this._kind != Kind.Array) return new Array<Value>();
    return this._items!;
  }

  // ---- building ----

  /**
   * Sets member key of an object to v and returns this object, for
   * chaining. Does nothing to other kinds.
   */
  set(key: string, v: Value): Value {
    if (this._kind == Kind.Object) this._members!.set(key, v);
    return this;
  }

  /** Removes member key of an object. */
  remove(key: string): Value {
    if (this._kind == Kind.Object && this._members!.has(key)) this._members!.delete(key);
    return this;
  }

  /** Appends v to an array and returns this array. Does nothing to other kinds. */
  push(v: Value): Value {
    if (this._kind == Kind.Array) this._items!.push(v);
    return this;
  }

  // ---- typed reads (errors as values) ----

  /** The boolean. */
  asBool(): Result<bool> {
    if (this._kind != Kind.Bool) return err<bool>(this.mismatch("boolean"));
    return ok<bool>(this._bool);
  }

  /** The integer, exactly: a number without fraction or exponent in i64 range. */
  asInt(): Result<i64> {
    if (this._kind != Kind.Number || !isIntegerText(this._text)) return err<i64>(this.mismatch("integer"));
    const r = parseI64(this._text);
    if (!r.ok) return err<i64>(this.mismatch("integer in int64 range"));
    return r;
  }

  /** The number as f64 (correctly rounded; an integer is accepted too). */
  asFloat(): Result<f64> {
    if (this._kind != Kind.Number) return err<f64>(this.mismatch("number"));
    const f = parseDecimal(this._text);
    if (!isFinite(f)) return err<f64>(this.mismatch("number in float64 range"));
    return ok<f64>(f);
  }

  /** The string. */
  asString(): Result<string> {
    if (this._kind != Kind.String) return err<string>(this.mismatch("string"));
    return ok<string>(this._text);
  }

  /** The bytes of a standard, padded base64 string. */
  asBytes(): Result<Uint8Array> {
    if (this._kind != Kind.String) return err<Uint8Array>(this.mismatch("base64 string"));
    const b = base64Decode(this._text);
    if (b === null) return err<Uint8Array>(this.mismatch("standard base64"));
    return ok<Uint8Array>(b);
  }

  /** The date of an RFC 3339 string. */
  asDate(): Result<DateTime> {
    if (this._kind != Kind.String) return err<DateTime>(this.mismatch("RFC 3339 date string"));
    const d = DateTime.parse(this._text);
    if (!d.ok) return err<DateTime>(this.mismatch("RFC 3339 date string"));
    return d;
  }

  /** The items of an array. */
  asArray(): Result<Array<Value>> {
    if (this._kind != Kind.Array) return err<Array<Value>>(this.mismatch("array"));
    return ok<Array<Value>>(this._items!);
  }

  /** This value when it is an object (use get, keys, set on it). */
  asObject(): Result<Value> {
    if (this._kind != Kind.Object) return err<Value>(this.mismatch("object"));
    return ok<Value>(this);
  }

  /**
   * This value as T, whose type is known at compile time: bool, any
   * integer (range-checked), f32/f64, string, Value (any value), DateTime
   * (RFC 3339 string), Uint8Array (base64 string).
   *
   * ```ts
   * const n = v.as<i32>(); // an error when v is not an integer in i32 range
   * ```
   */
  as<T>(): Result<T> {
    if (isBoolean<T>()) {
      const r = this.asBool();
      return new Result<T>(<T>r.value, r.error);
    }
    if (isInteger<T>()) {
      const r = this.asInt();
      if (!r.ok) return err<T>(r.error!);
      const i = r.value;
      if (isSigned<T>()) {
        if (sizeof<T>() < 8) {
          const bits = <i64>(sizeof<T>() * 8 - 1);
          if (i < -(<i64>1 << bits) || i >= <i64>1 << bits) return err<T>(this.mismatch("integer in " + nameof<T>() + " range"));
        }
      } else {
        if (i < 0 || (sizeof<T>() < 8 && i >= <i64>1 << <i64>(sizeof<T>() * 8))) {
          return err<T>(this.mismatch("integer in " + nameof<T>() + " range"));
        }
      }
      return ok<T>(<T>i);
    }
    if (isFloat<T>()) {
      const r = this.asFloat();
      return new Result<T>(<T>r.value, r.error);
    }
    if (isReference<T>()) {
      if (isString<T>()) {
        const r = this.asString();
        return new Result<T>(changetype<T>(r.value), r.error);
      }
      if (idof<NonNullable<T>>() == idof<Value>()) return ok<T>(changetype<T>(this));
      if (idof<NonNullable<T>>() == idof<DateTime>()) {
        const r = this.asDate();
        return new Result<T>(changetype<T>(r.value), r.error);
      }
      if (idof<NonNullable<T>>() == idof<Uint8Array>()) {
        const r = this.asBytes();
        return new Result<T>(changetype<T>(r.value), r.error);
      }
    }
    ERROR("Value.as: unsupported type (use bool, integers, floats, string, Value, DateTime or Uint8Array)");
    return err<T>(new Error("unsupported type"));
  }

  // ---- comparison and text ----

  /**
   * Deep equality: same kind, numbers equal as decimals (1.0 == 1, 1e2 ==
   * 100), strings and booleans equal, arrays item by item, objects with the
   * same keys (in any order) and equal members.
   */
  equals(o: Value): bool {
    if (this._kind != o._kind) return false;
    switch (this._kind) {
      case Kind.Null:
        return true;
      case Kind.Bool:
        return this._bool == o._bool;
      case Kind.String:
        return this._text == o._text;
      case Kind.Number:
        return this._text == o._text || sameNumber(this._text, o._text);
      case Kind.Array: {
        const a = this._items!;
        const b = o._items!;
        if (a.length != b.length) return false;
        for (let i = 0; i < a.length; i++) if (!unchecked(a[i]).equals(unchecked(b[i]))) return false;
        return true;
      }
      default: {
        const a = this._members!;
        const b = o._members!;
        if (a.size != b.size) return false;
        const keys = a.keys();
        for (let i = 0; i < keys.length; i++) {
          const k = unchecked(keys[i]);
          if (!b.has(k) || !a.get(k).equals(b.get(k))) return false;
        }
        return true;
      }
    }
  }

  /** Compact JSON text. */
  toJSON(): string {
    const w = new Writer();
    this.writeTo(w);
    return w.toString();
  }

  /** Compact JSON text (as toJSON). */
  toString(): string {
    return this.toJSON();
  }

  /** Appends compact JSON (UTF-8) to w. */
  writeTo(w: Writer): void {
    switch (this._kind) {
      case Kind.Null:
        w.ascii("null");
        break;
      case Kind.Bool:
        w.ascii(this._bool ? "true" : "false");
        break;
      case Kind.Number:
        w.ascii(this._text);
        break;
      case Kind.String:
        w.string(this._text);
        break;
      case Kind.Array: {
        const a = this._items!;
        w.byte(0x5b);
        for (let i = 0; i < a.length; i++) {
          if (i > 0) w.byte(0x2c);
          unchecked(a[i]).writeTo(w);
        }
        w.byte(0x5d);
        break;
      }
      default: {
        const m = this._members!;
        const keys = m.keys();
        w.byte(0x7b);
        for (let i = 0; i < keys.length; i++) {
          if (i > 0) w.byte(0x2c);
          const k = unchecked(keys[i]);
          w.string(k);
          w.byte(0x3a);
          m.get(k).writeTo(w);
        }
        w.byte(0x7d);
      }
    }
  }

  /**
   * Parses one JSON value (surrounding white space allowed).
   *
   * # Errors
   *
   * An Error naming the offset and the problem for text that is not JSON.
   */
  static parse(text: string): Result<Value> {
    const buf = String.UTF8.encode(text);
    const r = parseJSON(changetype<usize>(buf), buf.byteLength);
    return r;
  }

  /** Parses JSON from UTF-8 bytes. */
  static parseBytes(bytes: Uint8Array): Result<Value> {
    return parseJSON(bytes.dataStart, bytes.length);
  }

  /** "kind text" for error messages: the kind and up to 40 characters of JSON. */
  describe(): string {
    if (this._kind == Kind.Null) return "null";
    let kind = "object";
    switch (this._kind) {
      case Kind.Bool:
        kind = "boolean";
        break;
      case Kind.Number:
        kind = "number";
        break;
      case Kind.String:
        kind = "string";
        break;
      case Kind.Array:
        kind = "array";
        break;
    }
    let s = this.toJSON();
    if (s.length > 40) {
      let cut = 40;
      const c = s.charCodeAt(cut - 1);
      if (c >= 0xd800 && c < 0xdc00) cut--; // don't split a surrogate pair
      s = s.substring(0, cut) + "...";
    }
    return kind + " " + s;
  }

  private mismatch(want: string): Error {
    return new Error("expected " + want + ", found " + this.describe());
  }
}

// ---- numbers ----

/** Whether s is a JSON number. */
export function isJSONNumber(s: string): bool {
  const n = s.length;
  let i = 0;
  if (i < n && s.charCodeAt(i) == 0x2d) i++;
  if (i >= n) return false;
  let c = s.charCodeAt(i);
  if (c == 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  } else return false;
  if (i < n && s.charCodeAt(i) == 0x2e) {
    i++;
    if (i >= n || !isDigit(s.charCodeAt(i))) return false;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  }
  if (i < n && (s.charCodeAt(i) | 0x20) == 0x65) {
    i++;
    if (i < n && (s.charCodeAt(i) == 0x2b || s.charCodeAt(i) == 0x2d)) i++;
    if (i >= n || !isDigit(s.charCodeAt(i))) return false;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
  }
  return i == n;
}

// @ts-ignore: decorator
@inline
function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Whether JSON number text has neither fraction nor exponent. */
function isIntegerText(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2e || c == 0x65 || c == 0x45) return false;
  }
  return true;
}

/** Parses a JSON integer text exactly; an error when it is outside i64. */
export function parseI64(s: string): Result<i64> {
  let i = 0;
  const neg = s.length > 0 && s.charCodeAt(0) == 0x2d;
  if (neg) i = 1;
  if (i >= s.length) return err<i64>(new Error("empty integer"));
  // Accumulate negatively: -9223372036854775808 has no positive twin.
  let v: i64 = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return err<i64>(new Error("not an integer"));
    const d = <i64>(c - 0x30);
    if (v < (i64.MIN_VALUE + d) / 10) return err<i64>(new Error("integer out of range"));
    v = v * 10 - d;
  }
  if (!neg) {
    if (v == i64.MIN_VALUE) return err<i64>(new Error("integer out of range"));
    v = -v;
  }
  return ok<i64>(v);
}

/** Whether two JSON number texts denote the same decimal. */
function sameNumber(a: string, b: string): bool {
  return canonicalDecimal(a) == canonicalDecimal(b);
}

/** A canonical form of a JSON number: sign, significant digits, exponent. */
function canonicalDecimal(s: string): string {
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) == 0x2d) {
    neg = true;
    i++;
  }
  const digits = new Array<string>();
  let exp: i64 = 0;
  let dot = false;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2e) {
      dot = true;
      continue;
    }
    if (!isDigit(c)) break;
    if (digits.length == 0 && c == 0x30) {
      if (dot) exp--;
      continue;
    }
    digits.push(String.fromCharCode(c));
    if (dot) exp--;
  }
  if (i < s.length) {
    i++;
    let eneg = false;
    if (s.charCodeAt(i) == 0x2b || s.charCodeAt(i) == 0x2d) {
      eneg = s.charCodeAt(i) == 0x2d;
      i++;
    }
    let e: i64 = 0;
    for (; i < s.length; i++) if (e < 1000000000) e = e * 10 + (s.charCodeAt(i) - 0x30);
    exp += eneg ? -e : e;
  }
  while (digits.length > 0 && digits[digits.length - 1] == "0") {
    digits.pop();
    exp++;
  }
  if (digits.length == 0) return "0";
  return (neg ? "-" : "") + digits.join("") + "e" + exp.toString();
}

// ---- writer ----

/**
 * A growable UTF-8 byte buffer that writes JSON text. Strings get the
 * escapes JSON requires (plus U+2028 and U+2029, as Go writes them); a lone
 * surrogate, which has no UTF-8 form, is written as \uXXXX, so the output
 * is always valid UTF-8.
 */
export class Writer {
  private buf: ArrayBuffer;
  private len: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.buf = new ArrayBuffer(capacity);
  }

  /** Bytes written so far. */
  get length(): i32 {
    return this.len;
  }

  private grow(n: i32): void {
    const need = this.len + n;
    let cap = this.buf.byteLength;
    if (need <= cap) return;
    while (cap < need) cap = cap < 1 << 20 ? cap << 1 : cap + (cap >> 1);
    const nb = new ArrayBuffer(cap);
    memory.copy(changetype<usize>(nb), changetype<usize>(this.buf), this.len);
    this.buf = nb;
  }

  /** One byte. */
  byte(b: u8): void {
    if (this.len >= this.buf.byteLength) this.grow(1);
    store<u8>(changetype<usize>(this.buf) + this.len, b);
    this.len++;
  }

  /** An ASCII string, unescaped (numbers, literals, punctuation). */
  ascii(s: string): void {
    const n = s.length;
    this.grow(n);
    const p = changetype<usize>(this.buf) + <usize>this.len;
    const q = changetype<usize>(s);
    for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>load<u16>(q + (<usize>i << 1)));
    this.len += n;
  }

  /** Raw UTF-8 bytes (already JSON). */
  raw(ptr: usize, n: i32): void {
    this.grow(n);
    memory.copy(changetype<usize>(this.buf) + this.len, ptr, n);
    this.len += n;
  }

  /** A JSON string literal with quotes and escapes. */
  string(s: string): void {
    const n = s.length;
    // Room for the quotes and one byte per code unit, re-reserved after
    // each escape or multi-byte character, so the common ASCII run is
    // stored without a capacity check per byte.
    this.grow(n + 2);
    store<u8>(changetype<usize>(this.buf) + this.len, 0x22);
    this.len++;
    const src = changetype<usize>(s);
    for (let i = 0; i < n; i++) {
      const c = <i32>load<u16>(src + (<usize>i << 1));
      if (c >= 0x20 && c < 0x80 && c != 0x22 && c != 0x5c) {
        store<u8>(changetype<usize>(this.buf) + this.len, <u8>c);
        this.len++;
        continue;
      }
      if (c == 0x22 || c == 0x5c) {
        this.byte(0x5c);
        this.byte(<u8>c);
      } else if (c < 0x20) {
        this.byte(0x5c);
        if (c == 0x0a) this.byte(0x6e);
        else if (c == 0x0d) this.byte(0x72);
        else if (c == 0x09) this.byte(0x74);
        else if (c == 0x08) this.byte(0x62);
        else if (c == 0x0c) this.byte(0x66);
        else this.hex4(c);
      } else if (c < 0x800) {
        this.byte(<u8>(0xc0 | (c >> 6)));
        this.byte(<u8>(0x80 | (c & 0x3f)));
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) == 0xdc00) {
        const cp = 0x10000 + (((c - 0xd800) << 10) | (s.charCodeAt(i + 1) - 0xdc00));
        i++;
        this.byte(<u8>(0xf0 | (cp >> 18)));
        this.byte(<u8>(0x80 | ((cp >> 12) & 0x3f)));
        this.byte(<u8>(0x80 | ((cp >> 6) & 0x3f)));
        this.byte(<u8>(0x80 | (cp & 0x3f)));
      } else if ((c & 0xf800) == 0xd800 || c == 0x2028 || c == 0x2029) {
        // a lone surrogate (no UTF-8 form), or a JS line separator
        this.byte(0x5c);
        this.hex4(c);
      } else {
        this.byte(<u8>(0xe0 | (c >> 12)));
        this.byte(<u8>(0x80 | ((c >> 6) & 0x3f)));
        this.byte(<u8>(0x80 | (c & 0x3f)));
      }
      this.grow(n - i + 1);
    }
    this.byte(0x22);
  }

  /** An integer in decimal, as i64.toString writes it, without making a string. */
  int(i: i64): void {
    this.grow(20);
    let p = changetype<usize>(this.buf) + <usize>this.len;
    // Digits of the magnitude as a u64, so i64.MIN_VALUE needs no special case.
    let u: u64 = i < 0 ? <u64>(-i) : <u64>i;
    if (i < 0) {
      store<u8>(p, 0x2d);
      p++;
      this.len++;
    }
    let n = 1;
    if (u <= <u64>u32.MAX_VALUE) {
      // 32-bit digits, divided by 10 as a multiply and a shift (exact for
      // every u32): WebAssembly runtimes emit a real division for u64 / 10.
      let v = <u32>u;
      for (let t = v; t >= 10; t = <u32>((<u64>t * 0xcccccccd) >> 35)) n++;
      for (let k = n - 1; k >= 0; k--) {
        const q = <u32>((<u64>v * 0xcccccccd) >> 35);
        store<u8>(p + <usize>k, <u8>(0x30 + v - q * 10));
        v = q;
      }
    } else {
      for (let t = u; t >= 10; t /= 10) n++;
      for (let k = n - 1; k >= 0; k--) {
        store<u8>(p + <usize>k, <u8>(0x30 + <i32>(u % 10)));
        u /= 10;
      }
    }
    this.len += n;
  }

  /** Forgets what was written, keeping the buffer (shrunk back when a call made it large). @internal */
  reset(): void {
    if (this.buf.byteLength > 1 << 20) this.buf = new ArrayBuffer(256);
    this.len = 0;
  }

  /** Cuts the text back to its first n bytes. @internal */
  truncate(n: i32): void {
    if (n >= 0 && n < this.len) this.len = n;
  }

  /** Where the bytes start (valid until the next write). @internal */
  get dataStart(): usize {
    return changetype<usize>(this.buf);
  }

  private hex4(c: i32): void {
    this.byte(0x75);
    for (let sh = 12; sh >= 0; sh -= 4) {
      const d = (c >> sh) & 0xf;
      this.byte(<u8>(d < 10 ? 0x30 + d : 0x61 + d - 10));
    }
  }

  /** The bytes written, as a new ArrayBuffer of exactly that length. */
  toBuffer(): ArrayBuffer {
    const out = new ArrayBuffer(this.len);
    memory.copy(changetype<usize>(out), changetype<usize>(this.buf), this.len);
    return out;
  }

  /** The text written. */
  toString(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buf), this.len);
  }
}

// ---- parser ----

/**
 * Parses the JSON value in the UTF-8 bytes [ptr, ptr+len). The bytes must
 * stay alive and unchanged while it runs.
 */
export function parseJSON(ptr: usize, len: i32): Result<Value> {
  const p = new Parser(ptr, len);
  p.space();
  const v = p.value();
  if (v !== null) {
    p.space();
    if (p.pos < p.end) {
      p.fail("data after the JSON value");
    } else {
      return ok<Value>(v);
    }
  }
  return err<Value>(new Error(p.message));
}

/**
 * The string whose JSON literal spans [q, end) (q at its opening quote),
 * decoded exactly as the parser decodes it; the request reader uses it
 * for names and values it has already validated. @internal
 */
export function decodeStringAt(q: usize, end: usize): string {
  // No escape: one lenient UTF-8 decode of the run, as Parser.string does;
  // plain ASCII is widened straight into a string of the right size
  // (decodeUnsafe allocates twice the bytes, then shrinks).
  const last = end - 1;
  let plain = true;
  let p = q + 1;
  for (; p < last; p++) {
    const b = load<u8>(p);
    if (b == 0x5c) break;
    if (b >= 0x80) plain = false;
  }
  if (p >= last) {
    const n = <i32>(last - q - 1);
    if (!plain) return String.UTF8.decodeUnsafe(q + 1, n);
    if (n == 0) return "";
    const s = __new(<usize>n << 1, idof<string>());
    for (let k = 0; k < n; k++) store<u16>(s + (<usize>k << 1), load<u8>(q + 1 + <usize>k));
    return changetype<string>(s);
  }
  const parser = new Parser(q, <i32>(end - q));
  const s = parser.string();
  return s === null ? "" : s;
}

class Parser {
  pos: usize;
  end: usize;
  start: usize;
  depth: i32 = 0;
  message: string = "";

  constructor(ptr: usize, len: i32) {
    this.start = ptr;
    this.pos = ptr;
    this.end = ptr + <usize>len;
  }

  fail(what: string): void {
    if (this.message.length == 0) {
      this.message = "invalid JSON at offset " + (this.pos - this.start).toString() + ": " + what;
    }
  }

  space(): void {
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  peek(): i32 {
    return this.pos < this.end ? <i32>load<u8>(this.pos) : -1;
  }

  literal(word: string): bool {
    const n = <usize>word.length;
    if (this.pos + n > this.end) return false;
    for (let i: usize = 0; i < n; i++) {
      if (<i32>load<u8>(this.pos + i) != word.charCodeAt(<i32>i)) return false;
    }
    this.pos += n;
    return true;
  }

  value(): Value | null {
    const c = this.peek();
    if (c == 0x7b) return this.object();
    if (c == 0x5b) return this.array();
    if (c == 0x22) {
      const s = this.string();
      return s === null ? null : Value.string(s);
    }
    if (c == 0x74) {
      if (this.literal("true")) return Value.bool(true);
    } else if (c == 0x66) {
      if (this.literal("false")) return Value.bool(false);
    } else if (c == 0x6e) {
      if (this.literal("null")) return Value.null();
    } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      return this.number();
    }
    this.fail(c < 0 ? "unexpected end of input" : "unexpected character '" + String.fromCharCode(c) + "'");
    return null;
  }

  number(): Value | null {
    const s = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    let c = this.peek();
    if (c == 0x30) {
      this.pos++;
    } else if (c >= 0x31 && c <= 0x39) {
      while (isDigit(this.peek())) this.pos++;
    } else {
      this.fail("a number needs digits");
      return null;
    }
    if (this.peek() == 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) {
        this.fail("a number needs digits after '.'");
        return null;
      }
      while (isDigit(this.peek())) this.pos++;
    }
    c = this.peek();
    if (c == 0x65 || c == 0x45) {
      this.pos++;
      c = this.peek();
      if (c == 0x2b || c == 0x2d) this.pos++;
      if (!isDigit(this.peek())) {
        this.fail("a number needs digits in its exponent");
        return null;
      }
      while (isDigit(this.peek())) this.pos++;
    }
    // ASCII only, and already checked.
    const text = String.UTF8.decodeUnsafe(s, <i32>(this.pos - s));
    return Value.number(text);
  }

  /** A string literal at pos (which holds the opening quote). */
  string(): string | null {
    this.pos++; // the quote
    let runStart = this.pos;
    let parts: Array<string> | null = null;
    while (true) {
      if (this.pos >= this.end) {
        this.fail("unterminated string");
        return null;
      }
      const c = load<u8>(this.pos);
      if (c == 0x22) {
        const tail = String.UTF8.decodeUnsafe(runStart, this.pos - runStart);
        this.pos++;
        if (parts === null) return tail;
        parts.push(tail);
        return parts.join("");
      }
      if (c < 0x20) {
        this.fail("control character in a string");
        return null;
      }
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      // An escape: flush the run before it.
      if (parts === null) parts = new Array<string>();
      parts.push(String.UTF8.decodeUnsafe(runStart, this.pos - runStart));
      this.pos++;
      if (this.pos >= this.end) {
        this.fail("unterminated escape");
        return null;
      }
      const e = load<u8>(this.pos);
      this.pos++;
      let out: i32 = -1;
      switch (e) {
        case 0x22:
          out = 0x22;
          break;
        case 0x5c:
          out = 0x5c;
          break;
        case 0x2f:
          out = 0x2f;
          break;
        case 0x62:
          out = 0x08;
          break;
        case 0x66:
          out = 0x0c;
          break;
        case 0x6e:
          out = 0x0a;
          break;
        case 0x72:
          out = 0x0d;
          break;
        case 0x74:
          out = 0x09;
          break;
        case 0x75: {
          let u = 0;
          for (let k = 0; k < 4; k++) {
            if (this.pos >= this.end) {
              this.fail("short \\u escape");
              return null;
            }
            const h = <i32>load<u8>(this.pos);
            let d = -1;
            if (h >= 0x30 && h <= 0x39) d = h - 0x30;
            else if ((h | 0x20) >= 0x61 && (h | 0x20) <= 0x66) d = (h | 0x20) - 0x61 + 10;
            if (d < 0) {
              this.fail("bad \\u escape");
              return null;
            }
            u = (u << 4) | d;
            this.pos++;
          }
          out = u;
          break;
        }
      }
      if (out < 0) {
        this.fail("bad escape \\" + String.fromCharCode(e));
        return null;
      }
      // UTF-16 code units pass straight through: a \uD83D\uDE00 pair
      // becomes one code point, a lone surrogate stays one.
      parts.push(String.fromCharCode(out));
      runStart = this.pos;
    }
    return null;
  }

  array(): Value | null {
    if (++this.depth > MAX_DEPTH) {
      this.fail("nested too deeply");
      return null;
    }
    this.pos++; // [
    const items = new Array<Value>();
    this.space();
    if (this.peek() == 0x5d) {
      this.pos++;
      this.depth--;
      return Value.array(items);
    }
    while (true) {
      this.space();
      const v = this.value();
      if (v === null) return null;
      items.push(v);
      this.space();
      const c = this.peek();
      if (c == 0x2c) {
        this.pos++;
        continue;
      }
      if (c == 0x5d) {
        this.pos++;
        break;
      }
      this.fail("expected ',' or ']' in an array");
      return null;
    }
    this.depth--;
    return Value.array(items);
  }

  object(): Value | null {
    if (++this.depth > MAX_DEPTH) {
      this.fail("nested too deeply");
      return null;
    }
    this.pos++; // {
    const obj = Value.object();
    this.space();
    if (this.peek() == 0x7d) {
      this.pos++;
      this.depth--;
      return obj;
    }
    while (true) {
      this.space();
      if (this.peek() != 0x22) {
        this.fail("expected a string key in an object");
        return null;
      }
      const k = this.string();
      if (k === null) return null;
      this.space();
      if (this.peek() != 0x3a) {
        this.fail("expected ':' after an object key");
        return null;
      }
      this.pos++;
      this.space();
      const v = this.value();
      if (v === null) return null;
      obj.set(k, v);
      this.space();
      const c = this.peek();
      if (c == 0x2c) {
        this.pos++;
        continue;
      }
      if (c == 0x7d) {
        this.pos++;
        break;
      }
      this.fail("expected ',' or '}' in an object");
      return null;
    }
    this.depth--;
    return obj;
  }
}

