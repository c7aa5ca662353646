// DateTime: an RFC 3339 date-time, the ABI's encoding of date pins.

import { Result, ok, err } from "./result";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
declare function wasi_clock_time_get(id: u32, precision: u64, out: usize): u16;

/**
 * A date and time as RFC 3339 writes it: a calendar date, a wall-clock
 * time with nanoseconds, and a UTC offset in minutes. It keeps what it
 * parsed, so a date read and written back is the same instant in the same
 * offset (written as Go writes time.Time in JSON: RFC 3339 with trailing
 * zeros of the fraction removed, "Z" for offset 0).
 *
 * ```ts
 * const d = c.date("due");
 * if (!d.ok) return d.error;
 * const ms = d.value.toUnixMillis();
 * c.setDate("next", DateTime.fromUnixMillis(ms + 86400000));
 * ```
 */
export class DateTime {
  constructor(
    public year: i32,
    public month: i32,
    public day: i32,
    public hour: i32 = 0,
    public minute: i32 = 0,
    public second: i32 = 0,
    public nanosecond: i32 = 0,
    /** Offset from UTC in minutes (+120 for +02:00). */
    public offsetMinutes: i32 = 0,
  ) {}

  /**
   * Parses an RFC 3339 date-time such as "2025-01-01T00:00:00Z" or
   * "2025-06-30T08:15:00.5+02:00", with Go's rules: upper-case T and Z,
   * years 0000-9999, a day that exists in its month, seconds 00-59,
   * fractions of up to 9 digits kept (more are truncated).
   *
   * # Errors
   *
   * An Error saying what is wrong.
   */
  static parse(s: string): Result<DateTime> {
    if (s.length < 20) return badDate(s);
    if (s.charCodeAt(4) != 0x2d || s.charCodeAt(7) != 0x2d || s.charCodeAt(10) != 0x54 || s.charCodeAt(13) != 0x3a || s.charCodeAt(16) != 0x3a) {
      return badDate(s);
    }
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 2);
    const day = digits(s, 8, 2);
    const hour = digits(s, 11, 2);
    const minute = digits(s, 14, 2);
    const second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return badDate(s);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return badDate(s);
    let i = 19;
    let nanos = 0;
    if (i < s.length && s.charCodeAt(i) == 0x2e) {
      i++;
      const start = i;
      let scale = 100000000;
      while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
        nanos += (s.charCodeAt(i) - 0x30) * scale;
        scale /= 10;
        i++;
      }
      if (i == start) return badDate(s);
    }
    let offset = 0;
    const rest = s.length - i;
    if (rest == 1 && s.charCodeAt(i) == 0x5a) {
      offset = 0;
    } else if (rest == 6 && (s.charCodeAt(i) == 0x2b || s.charCodeAt(i) == 0x2d) && s.charCodeAt(i + 3) == 0x3a) {
      const oh = digits(s, i + 1, 2);
      const om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return badDate(s);
      offset = oh * 60 + om;
      if (s.charCodeAt(i) == 0x2d) offset = -offset;
    } else {
      return badDate(s);
    }
    return ok<DateTime>(new DateTime(year, month, day, hour, minute, second, nanos, offset));
  }

  /** The UTC date-time of a Unix time in seconds and nanoseconds. */
  static fromUnix(seconds: i64, nanos: i32 = 0): DateTime {
    let days = seconds / 86400;
    let secs = seconds % 86400;
    if (secs < 0) {
      secs += 86400;
      days--;
    }
    // Howard Hinnant's civil_from_days.
    const z = days + 719468;
    const era = (z >= 0 ? z : z - 146096) / 146097;
    const doe = z - era * 146097;
    const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const mp = (5 * doy + 2) / 153;
    const d = <i32>(doy - (153 * mp + 2) / 5 + 1);
    const m = <i32>(mp < 10 ? mp + 3 : mp - 9);
    const y = <i32>(yoe + era * 400 + (m <= 2 ? 1 : 0));
    return new DateTime(y, m, d, <i32>(secs / 3600), <i32>((secs / 60) % 60), <i32>(secs % 60), nanos, 0);
  }

  /** The UTC date-time of Unix milliseconds. */
  static fromUnixMillis(ms: i64): DateTime {
    let s = ms / 1000;
    let rem = ms % 1000;
    if (rem < 0) {
      rem += 1000;
      s--;
    }
    return DateTime.fromUnix(s, <i32>rem * 1000000);
  }

  /** The UTC date-time of an AssemblyScript Date. */
  static fromDate(d: Date): DateTime {
    return DateTime.fromUnixMillis(d.getTime());
  }

  /**
   * The current time in UTC, from WASI's real-time clock (the module then
   * imports wasi_snapshot_preview1.clock_time_get, which weft provides).
   */
  static now(): DateTime {
    const buf = new ArrayBuffer(8);
    wasi_clock_time_get(0, 1000, changetype<usize>(buf));
    const ns = load<i64>(changetype<usize>(buf));
    return DateTime.fromUnix(ns / 1000000000, <i32>(ns % 1000000000));
  }

  /** Seconds since 1970-01-01T00:00:00Z (the fraction dropped toward the past). */
  toUnix(): i64 {
    const y = <i64>(this.month <= 2 ? this.year - 1 : this.year);
    const era = (y >= 0 ? y : y - 399) / 400;
    const yoe = y - era * 400;
    const mp = <i64>(this.month > 2 ? this.month - 3 : this.month + 9);
    const doy = (153 * mp + 2) / 5 + <i64>this.day - 1;
    const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const days = era * 146097 + doe - 719468;
    return days * 86400 + <i64>this.hour * 3600 + <i64>this.minute * 60 + <i64>this.second - <i64>this.offsetMinutes * 60;
  }

  /** Milliseconds since 1970-01-01T00:00:00Z. */
  toUnixMillis(): i64 {
    return this.toUnix() * 1000 + <i64>(this.nanosecond / 1000000);
  }

  /** An AssemblyScript Date (millisecond precision). */
  toDate(): Date {
    return new Date(this.toUnixMillis());
  }

  /** The same instant with offset 0. */
  toUTC(): DateTime {
    return DateTime.fromUnix(this.toUnix(), this.nanosecond);
  }

  /** Whether o is the same instant (offsets may differ). */
  sameInstant(o: DateTime): bool {
    return this.toUnix() == o.toUnix() && this.nanosecond == o.nanosecond;
  }

  /** RFC 3339 text, e.g. "2025-01-01T00:00:00Z" or "2025-06-30T08:15:00.5+02:00". */
  toString(): string {
    let s = pad(this.year, 4) + "-" + pad(this.month, 2) + "-" + pad(this.day, 2) + "T" + pad(this.hour, 2) + ":" + pad(this.minute, 2) + ":" + pad(this.second, 2);
    if (this.nanosecond != 0) {
      let f = pad(this.nanosecond, 9);
      let end = 9;
      while (end > 0 && f.charCodeAt(end - 1) == 0x30) end--;
      s += "." + f.substring(0, end);
    }
    if (this.offsetMinutes == 0) return s + "Z";
    const o = this.offsetMinutes < 0 ? -this.offsetMinutes : this.offsetMinutes;
    return s + (this.offsetMinutes < 0 ? "-" : "+") + pad(o / 60, 2) + ":" + pad(o % 60, 2);
  }
}

function badDate(s: string): Result<DateTime> {
  return err<DateTime>(new Error("not an RFC 3339 date-time: \"" + s + "\""));
}

function digits(s: string, at: i32, n: i32): i32 {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

function pad(v: i32, width: i32): string {
  let s = v.toString();
  while (s.length < width) s = "0" + s;
  return s;
}

function daysIn(year: i32, month: i32): i32 {
  if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
  if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
  return 31;
}
