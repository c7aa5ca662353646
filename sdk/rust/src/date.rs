//! RFC 3339 dates: how `date` pins travel in ABI v1 (`"2025-01-01T00:00:00Z"`).
//!
//! The SDK hands dates to handlers as the RFC 3339 text itself
//! ([`Call::input_date`](crate::Call::input_date)), checked; this module
//! turns that text into numbers and back when a node needs to compute with
//! it, without any dependency.
//!
//! ```
//! use weft_node::date::DateTime;
//!
//! let d = DateTime::parse("2025-01-01T01:30:00.250+01:00").unwrap();
//! assert_eq!(d.unix_ms(), 1735691400250);
//! assert_eq!(d.to_string(), "2025-01-01T01:30:00.25+01:00");
//! assert_eq!(DateTime::from_unix_ms(1735691400250).to_string(), "2025-01-01T00:30:00.25Z");
//! assert!(DateTime::parse("2025-02-30T00:00:00Z").is_err());
//! ```

use std::fmt;

/// A date and time with a UTC offset, as RFC 3339 writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The year, 0 to 9999.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59.
    pub second: u8,
    /// The fraction of the second, in nanoseconds.
    pub nanos: u32,
    /// The offset from UTC in minutes (`+01:00` is 60; `Z` is 0).
    pub offset_minutes: i32,
}

/// Why a text is not an RFC 3339 date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError {
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateError {}

fn bad(what: &str) -> DateError {
    DateError { message: format!("not an RFC 3339 date (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)): {}", what) }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let (m, d) = (m as i64, d as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

impl DateTime {
    /// Parses an RFC 3339 date-time: `2025-01-01T00:00:00Z`,
    /// `2025-01-01T12:00:00.5+02:00`. `T` and `Z` may be lower case, the
    /// fraction may have 1 to 9 digits; leap seconds (`:60`) are refused.
    ///
    /// # Errors
    ///
    /// A [`DateError`] saying what does not fit.
    pub fn parse(s: &str) -> Result<DateTime, DateError> {
        let b = s.as_bytes();
        let num = |from: usize, len: usize, what: &str| -> Result<u32, DateError> {
            let part = b.get(from..from + len).ok_or_else(|| bad(what))?;
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(bad(what));
            }
            Ok(part.iter().fold(0u32, |n, &c| n * 10 + (c - b'0') as u32))
        };
        let sep = |at: usize, c: &[u8], what: &str| -> Result<(), DateError> {
            match b.get(at) {
                Some(x) if c.contains(x) => Ok(()),
                _ => Err(bad(what)),
            }
        };
        let year = num(0, 4, "year")? as i32;
        sep(4, b"-", "'-' after the year")?;
        let month = num(5, 2, "month")? as u8;
        sep(7, b"-", "'-' after the month")?;
        let day = num(8, 2, "day")? as u8;
        sep(10, b"Tt", "'T' after the date")?;
        let hour = num(11, 2, "hour")? as u8;
        sep(13, b":", "':' after the hour")?;
        let minute = num(14, 2, "minute")? as u8;
        sep(16, b":", "':' after the minute")?;
        let second = num(17, 2, "second")? as u8;
        let mut i = 19;
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = i - start;
            if digits == 0 || digits > 9 {
                return Err(bad("fraction of a second (1 to 9 digits)"));
            }
            nanos = num(start, digits, "fraction")? * 10u32.pow(9 - digits as u32);
        }
        let offset_minutes = match b.get(i) {
            Some(b'Z') | Some(b'z') => {
                i += 1;
                0
            }
            Some(&c) if c == b'+' || c == b'-' => {
                let h = num(i + 1, 2, "offset hours")?;
                sep(i + 3, b":", "':' in the offset")?;
                let m = num(i + 4, 2, "offset minutes")?;
                if h > 23 || m > 59 {
                    return Err(bad("offset out of range"));
                }
                i += 6;
                let o = (h * 60 + m) as i32;
                if c == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return Err(bad("time zone ('Z' or +HH:MM)")),
        };
        if i != b.len() {
            return Err(bad("text after the time zone"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("month out of range"));
        }
        if day < 1 || day > days_in_month(year as i64, month) {
            return Err(bad("day out of range"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("time out of range"));
        }
        Ok(DateTime { year, month, day, hour, minute, second, nanos, offset_minutes })
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(&self) -> i64 {
        days_from_civil(self.year as i64, self.month, self.day) * 86400
            + self.hour as i64 * 3600
            + self.minute as i64 * 60
            + self.second as i64
            - self.offset_minutes as i64 * 60
    }

    /// Milliseconds since 1970-01-01T00:00:00Z (the fraction truncated
    /// towards the past).
    pub fn unix_ms(&self) -> i64 {
        self.unix_seconds() * 1000 + (self.nanos / 1_000_000) as i64
    }

    /// The UTC date-time of `ms` milliseconds since 1970-01-01T00:00:00Z.
    pub fn from_unix_ms(ms: i64) -> DateTime {
        let secs = ms.div_euclid(1000);
        let nanos = ms.rem_euclid(1000) as u32 * 1_000_000;
        Self::from_unix(secs, nanos)
    }

    /// The UTC date-time of `secs` seconds and `nanos` nanoseconds since
    /// 1970-01-01T00:00:00Z.
    pub fn from_unix(secs: i64, nanos: u32) -> DateTime {
        let days = secs.div_euclid(86400);
        let rem = secs.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        DateTime {
            year: y as i32,
            month: m,
            day: d,
            hour: (rem / 3600) as u8,
            minute: (rem / 60 % 60) as u8,
            second: (rem % 60) as u8,
            nanos: nanos % 1_000_000_000,
            offset_minutes: 0,
        }
    }

    /// The same instant in UTC.
    pub fn to_utc(&self) -> DateTime {
        Self::from_unix(self.unix_seconds(), self.nanos)
    }

    /// The current time (UTC), from the host's wall clock.
    pub fn now() -> DateTime {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self::from_unix(d.as_secs() as i64, d.subsec_nanos())
    }
}

/// RFC 3339 as Go's `time.RFC3339Nano` writes it: the fraction without
/// trailing zeros (none when zero), `Z` for UTC, else `+HH:MM`.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanos > 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        if self.offset_minutes == 0 {
            f.write_str("Z")
        } else {
            let o = self.offset_minutes.abs();
            let sign = if self.offset_minutes < 0 { '-' } else { '+' };
            write!(f, "{}{:02}:{:02}", sign, o / 60, o % 60)
        }
    }
}

/// Reports whether `s` is an RFC 3339 date-time ([`DateTime::parse`] accepts it).
pub fn is_rfc3339(s: &str) -> bool {
    DateTime::parse(s).is_ok()
}
