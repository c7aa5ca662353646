// Exact conversions between decimal text and f64, written here because
// AssemblyScript's own parseFloat and f64.toString are not exact (parseFloat
// can be far off for long mantissas with large exponents, toString can
// print a different double):
//
// - parseDecimal is correctly rounded (ties to even): an estimate from the
//   first 19 digits, refined by comparing the exact decimal with the
//   midpoints between neighbouring doubles in big-integer arithmetic
//   (Clinger's AlgorithmR).
// - formatFloat prints the shortest digits that read back as the same
//   double, the closest such when there are several (Burger & Dybvig's
//   free-format algorithm), laid out as Go's encoding/json and JavaScript
//   lay them out: 0.000001, 1e-7, 123456789, 1e+21, -0.

/** Text of a finite f64 as JSON, e.g. "0.1", "-0", "1e+21", "5e-324". */
export function formatFloat(x: f64): string {
  if (x == 0) return 1 / x < 0 ? "-0" : "0";
  const neg = x < 0;
  if (neg) x = -x;
  if (x < 9007199254740992 && Math.floor(x) == x) {
    // An integer below 2^53: its digits are exact and no shorter ones read back the same.
    const t = (<u64>x).toString();
    return neg ? "-" + t : t;
  }
  const sd = shortest(x);
  const digits = sd.digits;
  const k = sd.k; // x = 0.DIGITS * 10^k
  const n = digits.length;
  let s: string;
  if (x < 1e-6 || x >= 1e21) {
    s = digits.charAt(0);
    if (n > 1) s += "." + digits.substring(1);
    const e = k - 1;
    s += e < 0 ? "e-" + (-e).toString() : "e+" + (e < 10 ? "0" : "") + e.toString();
  } else if (k <= 0) {
    s = "0." + "0".repeat(-k) + digits;
  } else if (k < n) {
    s = digits.substring(0, k) + "." + digits.substring(k);
  } else {
    s = digits + "0".repeat(k - n);
  }
  return neg ? "-" + s : s;
}

class Digits {
  constructor(public digits: string, public k: i32) {}
}

/**
 * The fast path of shortest: v rounded to 15 significant digits with f64
 * arithmetic, accepted only when it reads back as v. At most one 15-digit
 * decimal lies within v's rounding interval (the interval is narrower than
 * the spacing of 15-digit decimals), so an accepted result is the shortest
 * and closest. Null when v needs 16 or 17 digits or the rounding slipped.
 */
function shortest15(v: f64): Digits | null {
  if (v < 2.2250738585072014e-308) return null; // subnormal: the interval is wider
  const e = <i32>Math.floor(Math.log10(v));
  const sc = 14 - e;
  let y: f64;
  if (sc >= 0) {
    if (sc > 300) return null;
    y = v * pow10(sc);
  } else {
    y = v / pow10(-sc);
  }
  if (!(y >= 1e14 && y < 1e15)) return null;
  const n = <u64>Math.round(y);
  if (n >= 1000000000000000) return null;
  const ds = new Array<u8>(15);
  let t = n;
  for (let i = 14; i >= 0; i--) {
    ds[i] = <u8>(t % 10);
    t /= 10;
  }
  let len = 15;
  while (len > 1 && ds[len - 1] == 0) len--;
  ds.length = len;
  const x10 = e + 1 - len;
  if (decimalToF64(ds, <i64>x10) != v) return null;
  const chars = new Array<string>(len);
  for (let i = 0; i < len; i++) chars[i] = String.fromCharCode(0x30 + ds[i]);
  return new Digits(chars.join(""), e + 1);
}

/** The shortest round-tripping digits of a positive finite x (Burger & Dybvig). */
function shortest(v: f64): Digits {
  const fast = shortest15(v);
  if (fast !== null) return fast;
  const bits = reinterpret<u64>(v);
  const be = <i32>((bits >> 52) & 0x7ff);
  let f: u64 = bits & 0xfffffffffffff;
  let e: i32;
  if (be == 0) {
    e = -1074;
  } else {
    f |= <u64>1 << 52;
    e = be - 1075;
  }
  const even = (f & 1) == 0;
  const boundary = f == <u64>1 << 52 && be > 1; // the gap below is half the gap above
  let r: BigNat, s: BigNat, mp: BigNat, mm: BigNat;
  if (e >= 0) {
    if (!boundary) {
      r = BigNat.fromU64(f);
      r.shl(e + 1);
      s = BigNat.fromU64(2);
      mp = BigNat.fromU64(1);
      mp.shl(e);
      mm = BigNat.fromU64(1);
      mm.shl(e);
    } else {
      r = BigNat.fromU64(f);
      r.shl(e + 2);
      s = BigNat.fromU64(4);
      mp = BigNat.fromU64(1);
      mp.shl(e + 1);
      mm = BigNat.fromU64(1);
      mm.shl(e);
    }
  } else {
    if (!boundary) {
      r = BigNat.fromU64(f << 1);
      s = BigNat.fromU64(1);
      s.shl(1 - e);
      mp = BigNat.fromU64(1);
      mm = BigNat.fromU64(1);
    } else {
      r = BigNat.fromU64(f << 2);
      s = BigNat.fromU64(1);
      s.shl(2 - e);
      mp = BigNat.fromU64(2);
      mm = BigNat.fromU64(1);
    }
  }
  // k estimate: correct or one too small; fixed up below.
  let k = <i32>Math.ceil(Math.log10(v) - 1e-10);
  if (k >= 0) s.mulPow10(k);
  else {
    r.mulPow10(-k);
    mp.mulPow10(-k);
    mm.mulPow10(-k);
  }
  // fixup: is v at or above the first digit position?
  const scratch = new BigNat();
  const c = scratch.setSum(r, mp).cmp(s);
  if (even ? c >= 0 : c > 0) {
    k++;
  } else {
    r.mulSmall(10);
    mp.mulSmall(10);
    mm.mulSmall(10);
  }
  const out = new Array<string>();
  while (true) {
    const d = r.divSmallQuotient(s); // r = r mod s, d = r / s (d < 10)
    const lc = r.cmp(mm);
    const tc1 = even ? lc <= 0 : lc < 0;
    const hc = scratch.setSum(r, mp).cmp(s);
    const tc2 = even ? hc >= 0 : hc > 0;
    if (!tc1 && !tc2) {
      out.push(String.fromCharCode(0x30 + d));
      r.mulSmall(10);
      mp.mulSmall(10);
      mm.mulSmall(10);
      continue;
    }
    let last = d;
    if (tc1 && tc2) {
      // Both d and d+1 read back as v: the closer one, the even one on a tie (as JavaScript and Go).
      const c2 = scratch.setSum(r, r).cmp(s);
      if (c2 > 0 || (c2 == 0 && (d & 1) == 1)) last = d + 1;
    } else if (tc2) {
      last = d + 1;
    }
    out.push(String.fromCharCode(0x30 + last));
    break;
  }
  return new Digits(out.join(""), k);
}

/**
 * Parses a JSON number (text already validated: -?int(.frac)?([eE][+-]?exp)?)
 * to the nearest f64, ties to even. Overflow gives ±Infinity, underflow ±0.
 */
export function parseDecimal(text: string): f64 {
  let i = 0;
  const n = text.length;
  let neg = false;
  if (i < n && text.charCodeAt(i) == 0x2d) {
    neg = true;
    i++;
  }
  // Significant digits (leading zeros dropped) and the decimal exponent of
  // the digit string read as an integer: value = digits * 10^exp10.
  const digits = new Array<u8>();
  let exp10: i64 = 0;
  let truncatedNonZero = false;
  const maxDigits = 800;
  let seenDot = false;
  for (; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch == 0x2e) {
      seenDot = true;
      continue;
    }
    if (ch < 0x30 || ch > 0x39) break;
    const d = <u8>(ch - 0x30);
    if (digits.length == 0 && d == 0) {
      if (seenDot) exp10--;
      continue;
    }
    if (digits.length < maxDigits) {
      digits.push(d);
      if (seenDot) exp10--;
    } else {
      if (d != 0) truncatedNonZero = true;
      if (!seenDot) exp10++;
    }
  }
  if (i < n && (text.charCodeAt(i) | 0x20) == 0x65) {
    i++;
    let eneg = false;
    if (i < n && (text.charCodeAt(i) == 0x2b || text.charCodeAt(i) == 0x2d)) {
      eneg = text.charCodeAt(i) == 0x2d;
      i++;
    }
    let e: i64 = 0;
    for (; i < n; i++) {
      const ch = text.charCodeAt(i);
      if (ch < 0x30 || ch > 0x39) break;
      if (e < 100000000) e = e * 10 + (ch - 0x30);
    }
    exp10 += eneg ? -e : e;
  }
  // Trailing zeros carry no information.
  while (digits.length > 0 && digits[digits.length - 1] == 0 && !truncatedNonZero) {
    digits.pop();
    exp10++;
  }
  if (truncatedNonZero) {
    // A non-zero tail beyond 800 digits only decides halfway cases; a 1
    // digit past the kept ones stands for it exactly enough.
    digits.push(1);
    exp10--;
  }
  const r = decimalToF64(digits, exp10);
  return neg ? -r : r;
}

/** The f64 nearest to digits * 10^exp10 (digits without leading zeros). */
function decimalToF64(digits: Array<u8>, exp10: i64): f64 {
  let r: f64 = 0;
  const nd = digits.length;
  if (nd == 0) {
    r = 0;
  } else if (exp10 + nd > 310) {
    r = Infinity;
  } else if (exp10 + nd < -324) {
    r = 0;
  } else if (nd <= 16 && exp10 >= -22 && exp10 <= 22 && mantissa(digits) < 9007199254740992) {
    // Clinger's fast path: the mantissa (below 2^53) and 10^|exp| are both
    // exact, so one correctly rounded operation gives the answer.
    const m = <f64>mantissa(digits);
    r = exp10 >= 0 ? m * pow10small(<i32>exp10) : m / pow10small(<i32>-exp10);
  } else {
    r = refine(digits, <i32>exp10, estimate(digits, <i32>exp10));
  }
  return r;
}

/** The digits (at most 19) as an integer. */
function mantissa(digits: Array<u8>): u64 {
  let m: u64 = 0;
  for (let k = 0; k < digits.length; k++) m = m * 10 + <u64>unchecked(digits[k]);
  return m;
}

// In static memory rather than a StaticArray global, which the collector
// would visit at every weft_run.
// @ts-ignore: decorator
@lazy const POW10_DATA: usize = memory.data<f64>([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]);
// @ts-ignore: decorator
@inline
function pow10small(i: i32): f64 {
  return load<f64>(POW10_DATA + (<usize>i << 3));
}

/** 10^e for 0 <= e, within a few ulps (Infinity past 1e308). */
function pow10(e: i32): f64 {
  let r: f64 = 1;
  while (e > 22) {
    r *= 1e22;
    e -= 22;
  }
  return r * pow10small(e);
}

/** A first guess within a few ulps: the leading 19 digits times 10^exp. */
function estimate(digits: Array<u8>, exp10: i32): f64 {
  let m: u64 = 0;
  const used = min(digits.length, 19);
  for (let k = 0; k < used; k++) m = m * 10 + <u64>digits[k];
  const e = exp10 + (digits.length - used);
  const f = <f64>m;
  if (e >= 0) return f * pow10(e);
  if (e >= -300) return f / pow10(-e);
  return f / 1e300 / pow10(-e - 300);
}

/**
 * Clinger's AlgorithmR: starting from an estimate z, compares the exact
 * decimal with the midpoints to z's neighbours and steps until z is the
 * correctly rounded result.
 */
function refine(digits: Array<u8>, exp10: i32, z: f64): f64 {
  if (!isFinite(z)) z = f64.MAX_VALUE;
  if (z == 0) z = f64.MIN_VALUE;
  // D = f * 10^exp10 is compared with h * 2^e2 as f * 5^a * 2^exp10 vs
  // h * 5^b * 2^e2 with a = max(exp10, 0), b = max(-exp10, 0).
  const left = BigNat.fromDigits(digits);
  const p5 = BigNat.fromU64(1);
  if (exp10 >= 0) left.mulPow5(exp10);
  else p5.mulPow5(-exp10);
  const cmp = new Comparer(left, p5, exp10);
  for (let iter = 0; iter < 1000; iter++) {
    const bits = reinterpret<u64>(z);
    const be = <i32>((bits >> 52) & 0x7ff);
    let m: u64 = bits & 0xfffffffffffff;
    let k: i32;
    if (be == 0) {
      k = -1074;
    } else {
      m |= <u64>1 << 52;
      k = be - 1075;
    }
    // Upper midpoint (2m+1) * 2^(k-1).
    const cu = cmp.sign(2 * m + 1, k - 1);
    if (cu > 0 || (cu == 0 && (m & 1) == 1)) {
      if (z == f64.MAX_VALUE) return Infinity;
      z = reinterpret<f64>(bits + 1);
      continue;
    }
    // Lower midpoint: (2m-1) * 2^(k-1), or (4m-1) * 2^(k-2) when z is a
    // power of two whose lower neighbour is closer.
    let cl: i32;
    if (m == <u64>1 << 52 && be > 1) cl = cmp.sign(4 * m - 1, k - 2);
    else cl = cmp.sign(2 * m - 1, k - 1);
    if (cl < 0 || (cl == 0 && (m & 1) == 1)) {
      if (bits == 1) return 0; // at or below half the smallest subnormal
      z = reinterpret<f64>(bits - 1);
      continue;
    }
    return z;
  }
  return z;
}

/** Compares the decimal left * 2^e10 (left = f * 5^max(e10,0)) with h * p5 * 2^e2. */
class Comparer {
  private a: BigNat = new BigNat();
  private b: BigNat = new BigNat();

  constructor(private left: BigNat, private p5: BigNat, private e10: i32) {}

  /** Sign of f*10^e10 - h*2^e2. */
  sign(h: u64, e2: i32): i32 {
    const a = this.a.setCopy(this.left);
    const b = this.b.setCopy(this.p5);
    b.mulU64(h);
    const m2 = min(this.e10, e2);
    if (this.e10 > m2) a.shl(this.e10 - m2);
    if (e2 > m2) b.shl(e2 - m2);
    return a.cmp(b);
  }
}

/** A small arbitrary-precision natural number (base 2^32, little-endian). */
class BigNat {
  limbs: Array<u32> = new Array<u32>();

  static fromDigits(digits: Array<u8>): BigNat {
    const b = new BigNat();
    let k = 0;
    // Nine digits at a time.
    while (k < digits.length) {
      let chunk: u32 = 0;
      let mul: u32 = 1;
      for (let j = 0; j < 9 && k < digits.length; j++, k++) {
        chunk = chunk * 10 + digits[k];
        mul *= 10;
      }
      b.mulSmall(mul);
      b.addSmall(chunk);
    }
    return b;
  }

  static fromU64(x: u64): BigNat {
    const b = new BigNat();
    if (x != 0) b.limbs.push(<u32>x);
    if (x >> 32 != 0) b.limbs.push(<u32>(x >> 32));
    return b;
  }

  /** this = o (reusing this's storage); returns this. */
  setCopy(o: BigNat): BigNat {
    const n = o.limbs.length;
    this.limbs.length = n;
    for (let i = 0; i < n; i++) unchecked((this.limbs[i] = unchecked(o.limbs[i])));
    return this;
  }

  /** this = x + y (reusing this's storage); returns this. */
  setSum(x: BigNat, y: BigNat): BigNat {
    const n = max(x.limbs.length, y.limbs.length);
    this.limbs.length = n;
    let carry: u64 = 0;
    for (let i = 0; i < n; i++) {
      const s = <u64>(i < x.limbs.length ? unchecked(x.limbs[i]) : 0) + <u64>(i < y.limbs.length ? unchecked(y.limbs[i]) : 0) + carry;
      unchecked((this.limbs[i] = <u32>s));
      carry = s >> 32;
    }
    if (carry != 0) this.limbs.push(<u32>carry);
    return this;
  }

  clone(): BigNat {
    const b = new BigNat();
    b.limbs = this.limbs.slice(0);
    return b;
  }

  private trim(): void {
    let n = this.limbs.length;
    while (n > 0 && this.limbs[n - 1] == 0) n--;
    this.limbs.length = n;
  }

  mulSmall(m: u32): void {
    let carry: u64 = 0;
    for (let i = 0; i < this.limbs.length; i++) {
      const p = <u64>unchecked(this.limbs[i]) * <u64>m + carry;
      unchecked((this.limbs[i] = <u32>p));
      carry = p >> 32;
    }
    if (carry != 0) this.limbs.push(<u32>carry);
  }

  mulU64(x: u64): void {
    const hi = <u32>(x >> 32);
    if (hi == 0) {
      this.mulSmall(<u32>x);
      return;
    }
    const n = this.limbs.length;
    const a = this.limbs.slice(0);
    this.mulSmall(<u32>x);
    while (this.limbs.length < n + 2) this.limbs.push(0);
    let carry: u64 = 0;
    for (let i = 0; i < n; i++) {
      const t = <u64>unchecked(this.limbs[i + 1]) + <u64>unchecked(a[i]) * <u64>hi + carry;
      unchecked((this.limbs[i + 1] = <u32>t));
      carry = t >> 32;
    }
    let j = n + 1;
    while (carry != 0) {
      const t = <u64>unchecked(this.limbs[j]) + carry;
      unchecked((this.limbs[j] = <u32>t));
      carry = t >> 32;
      j++;
      if (carry != 0 && j >= this.limbs.length) this.limbs.push(0);
    }
    this.trim();
  }

  addSmall(a: u32): void {
    let carry: u64 = a;
    for (let i = 0; i < this.limbs.length && carry != 0; i++) {
      const s = <u64>this.limbs[i] + carry;
      this.limbs[i] = <u32>s;
      carry = s >> 32;
    }
    if (carry != 0) this.limbs.push(<u32>carry);
  }

  add(o: BigNat): void {
    const n = max(this.limbs.length, o.limbs.length);
    while (this.limbs.length < n) this.limbs.push(0);
    let carry: u64 = 0;
    for (let i = 0; i < n; i++) {
      const s = <u64>this.limbs[i] + <u64>(i < o.limbs.length ? o.limbs[i] : 0) + carry;
      this.limbs[i] = <u32>s;
      carry = s >> 32;
    }
    if (carry != 0) this.limbs.push(<u32>carry);
  }

  /** this -= o; requires this >= o. */
  sub(o: BigNat): void {
    let borrow: i64 = 0;
    const n = this.limbs.length;
    const on = o.limbs.length;
    for (let i = 0; i < n; i++) {
      let d = <i64>unchecked(this.limbs[i]) - <i64>(i < on ? unchecked(o.limbs[i]) : 0) - borrow;
      if (d < 0) {
        d += <i64>1 << 32;
        borrow = 1;
      } else borrow = 0;
      unchecked((this.limbs[i] = <u32>d));
      if (borrow == 0 && i >= on) break;
    }
    this.trim();
  }

  /** Sets this to this mod s and returns this / s, which must be < 10. */
  divSmallQuotient(s: BigNat): i32 {
    let q = 0;
    while (this.cmp(s) >= 0) {
      this.sub(s);
      q++;
    }
    return q;
  }

  mulPow5(e: i32): void {
    while (e >= 13) {
      this.mulSmall(1220703125); // 5^13
      e -= 13;
    }
    let m: u32 = 1;
    for (let i = 0; i < e; i++) m *= 5;
    if (m != 1) this.mulSmall(m);
  }

  mulPow10(e: i32): void {
    this.mulPow5(e);
    this.shl(e);
  }

  shl(bits: i32): void {
    if (this.limbs.length == 0 || bits == 0) return;
    const words = bits >> 5;
    const rem = bits & 31;
    if (rem != 0) {
      let carry: u32 = 0;
      for (let i = 0; i < this.limbs.length; i++) {
        const v = unchecked(this.limbs[i]);
        unchecked((this.limbs[i] = (v << rem) | carry));
        carry = v >> (32 - rem);
      }
      if (carry != 0) this.limbs.push(carry);
    }
    if (words > 0) {
      const n = this.limbs.length;
      this.limbs.length = n + words;
      for (let i = n - 1; i >= 0; i--) unchecked((this.limbs[i + words] = unchecked(this.limbs[i])));
      for (let i = 0; i < words; i++) unchecked((this.limbs[i] = 0));
    }
  }

  cmp(o: BigNat): i32 {
    let a = this.limbs.length;
    let b = o.limbs.length;
    while (a > 0 && unchecked(this.limbs[a - 1]) == 0) a--;
    while (b > 0 && unchecked(o.limbs[b - 1]) == 0) b--;
    if (a != b) return a < b ? -1 : 1;
    for (let i = a - 1; i >= 0; i--) {
      const x = unchecked(this.limbs[i]);
      const y = unchecked(o.limbs[i]);
      if (x != y) return x < y ? -1 : 1;
    }
    return 0;
  }
}
