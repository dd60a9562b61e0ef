//! [`Timestamp`]: an instant in UTC with nanosecond precision, and the
//! parsers for the timestamp spellings security sources use.
//!
//! Sources disagree on how to write time: RFC 3339 with `Z`, offsets with
//! and without a colon (`-0400`), 7-digit fractions (Azure), a space instead
//! of `T`, epoch seconds as floats (Zeek, Gatekeeper) or strings, epoch
//! nanoseconds (Falco `evt.time`). They all end up here, parsed exactly
//! (decimal strings never go through `f64`).

use std::fmt;

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// Why a timestamp did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp {input:?}: {reason}")]
pub struct TimestampError {
    pub input: String,
    pub reason: &'static str,
}

impl Timestamp {
    pub const fn from_nanos(nanos: i64) -> Self {
        Self(nanos)
    }

    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    pub fn from_secs(secs: i64) -> Option<Self> {
        secs.checked_mul(NANOS_PER_SEC).map(Self)
    }

    pub fn from_millis(millis: i64) -> Option<Self> {
        millis.checked_mul(1_000_000).map(Self)
    }

    /// Epoch seconds as a float (as JSON numbers carry them). Precision is
    /// that of `f64`: prefer [`Timestamp::parse_epoch_decimal`] on text.
    pub fn from_secs_f64(secs: f64) -> Option<Self> {
        if !secs.is_finite() {
            return None;
        }
        let nanos = (secs * 1e9).round();
        if nanos.abs() >= i64::MAX as f64 {
            return None;
        }
        Some(Self(nanos as i64))
    }

    /// The current time, from the system clock.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(d.as_nanos().min(i64::MAX as u128) as i64)
    }

    /// Epoch seconds written in decimal (`1641811200.123456`), parsed exactly.
    pub fn parse_epoch_decimal(s: &str) -> Result<Self, TimestampError> {
        let err = |reason| TimestampError {
            input: s.to_owned(),
            reason,
        };
        let s_trim = s.trim();
        let (neg, body) = match s_trim.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s_trim),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected decimal epoch seconds"));
        }
        if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected decimal epoch seconds"));
        }
        let secs: i64 = int_part.parse().map_err(|_| err("seconds out of range"))?;
        let nanos = fraction_nanos(frac_part.as_bytes());
        let total = secs
            .checked_mul(NANOS_PER_SEC)
            .and_then(|n| n.checked_add(nanos))
            .ok_or_else(|| err("seconds out of range"))?;
        Ok(Self(if neg { -total } else { total }))
    }

    /// RFC 3339 and the common relaxations of it: `t`/space separator,
    /// `,` decimal mark, any number of fraction digits (beyond 9 ignored),
    /// offsets `Z`, `+hh:mm`, `+hhmm`, `+hh`; no offset means UTC.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        parse_rfc3339_bytes(s.as_bytes()).map_err(|reason| TimestampError {
            input: s.chars().take(64).collect(),
            reason,
        })
    }

    /// Builds a timestamp from civil UTC fields; `None` if out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
            || nanos >= 1_000_000_000
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        secs.checked_mul(NANOS_PER_SEC)?
            .checked_add(i64::from(nanos))
            .map(Self)
    }

    /// The civil UTC date and time: (year, month, day, hour, minute, second, nanos).
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let secs = self.0.div_euclid(NANOS_PER_SEC);
        let nanos = self.0.rem_euclid(NANOS_PER_SEC) as u32;
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        (y, m, d, sod / 3600, (sod % 3600) / 60, sod % 60, nanos)
    }

    /// RFC 3339 in UTC with at least millisecond precision, more digits only
    /// when the value has them: `2024-01-02T03:04:05.000Z`.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, n) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if n % 1_000_000 == 0 {
            write!(f, ".{:03}Z", n / 1_000_000)
        } else if n % 1_000 == 0 {
            write!(f, ".{:06}Z", n / 1_000)
        } else {
            write!(f, ".{n:09}Z")
        }
    }
}

fn fraction_nanos(digits: &[u8]) -> i64 {
    let mut nanos: i64 = 0;
    for i in 0..9 {
        nanos = nanos * 10 + digits.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    nanos
}

fn digits(b: &[u8], at: usize, n: usize) -> Result<u32, &'static str> {
    let slice = b.get(at..at + n).ok_or("truncated")?;
    let mut v = 0u32;
    for &c in slice {
        if !c.is_ascii_digit() {
            return Err("expected a digit");
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Ok(v)
}

fn expect(b: &[u8], at: usize, what: &[u8]) -> Result<(), &'static str> {
    match b.get(at) {
        Some(c) if what.contains(c) => Ok(()),
        Some(_) => Err("unexpected character"),
        None => Err("truncated"),
    }
}

fn parse_rfc3339_bytes(b: &[u8]) -> Result<Timestamp, &'static str> {
    let b = b.trim_ascii();
    let year = digits(b, 0, 4)?;
    expect(b, 4, b"-")?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b"-")?;
    let day = digits(b, 8, 2)?;
    expect(b, 10, b"Tt ")?;
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b":")?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b":")?;
    let second = digits(b, 17, 2)?;
    let mut i = 19;
    let mut nanos = 0i64;
    if matches!(b.get(i), Some(b'.') | Some(b',')) {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return Err("empty fraction");
        }
        nanos = fraction_nanos(&b[start..end]);
        i = end;
    }
    let offset_secs: i64 = match b.get(i) {
        None => 0,
        Some(b'Z') | Some(b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            i += 3;
            let om = if b.get(i) == Some(&b':') {
                let m = digits(b, i + 1, 2)?;
                i += 3;
                m
            } else if b.get(i).is_some_and(u8::is_ascii_digit) {
                let m = digits(b, i, 2)?;
                i += 2;
                m
            } else {
                0
            };
            if oh > 23 || om > 59 {
                return Err("offset out of range");
            }
            let off = i64::from(oh * 3600 + om * 60);
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        Some(_) => return Err("unexpected character after time"),
    };
    if i != b.len() {
        return Err("trailing characters");
    }
    let second = second.min(59); // a leap second lands on :59
    let ts = Timestamp::from_civil(
        i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
        nanos as u32,
    )
    .ok_or("date or time out of range")?;
    ts.0.checked_sub(offset_secs * NANOS_PER_SEC)
        .map(Timestamp)
        .ok_or("date out of range")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> String {
        Timestamp::parse_rfc3339(s).unwrap().to_rfc3339()
    }

    #[test]
    fn parses_the_spellings_sources_use() {
        assert_eq!(p("2014-07-16T15:49:27Z"), "2014-07-16T15:49:27.000Z");
        assert_eq!(
            p("2019-10-10T10:04:33.1234567Z"),
            "2019-10-10T10:04:33.123456700Z"
        );
        assert_eq!(
            p("2021-03-15T12:00:00.123456-0400"),
            "2021-03-15T16:00:00.123456Z"
        );
        assert_eq!(p("2021-03-15T12:00:00-05:00"), "2021-03-15T17:00:00.000Z");
        assert_eq!(
            p("2022-05-11T12:29:19.905+0000"),
            "2022-05-11T12:29:19.905Z"
        );
        assert_eq!(p("2022-05-11 12:29:19"), "2022-05-11T12:29:19.000Z");
        assert_eq!(p("2016-12-31T23:59:60Z"), "2016-12-31T23:59:59.000Z");
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        for bad in [
            "",
            "2014-13-01T00:00:00Z",
            "2014-02-30T00:00:00Z",
            "2014-07-16",
            "2014-07-16T15:49:27Zjunk",
            "abcd-ef-ghT",
        ] {
            let e = Timestamp::parse_rfc3339(bad).unwrap_err();
            assert!(!e.reason.is_empty(), "{bad}");
        }
    }

    #[test]
    fn epoch_decimal_is_exact() {
        let t = Timestamp::parse_epoch_decimal("1641811200.123456789").unwrap();
        assert_eq!(t.as_nanos(), 1_641_811_200_123_456_789);
        assert_eq!(
            Timestamp::parse_epoch_decimal("-1.5").unwrap().as_nanos(),
            -1_500_000_000
        );
        assert!(Timestamp::parse_epoch_decimal("12a").is_err());
        assert!(Timestamp::parse_epoch_decimal("99999999999999999999").is_err());
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(n in -9_000_000_000_000_000_000i64..9_000_000_000_000_000_000i64) {
            let t = Timestamp::from_nanos(n);
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
            let _ = Timestamp::parse_epoch_decimal(&s);
        }
    }
}
