//! [`PromDuration`]: durations written the Prometheus way (`30s`, `5m`,
//! `1h30m`, `1d`, `2w`, `1y`, `500ms`, or `0`), parsed and printed as
//! Prometheus `model.Duration` does (millisecond precision, units in
//! decreasing order, each at most once; `y` is 365 days).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;
const MS_PER_WEEK: u64 = 7 * MS_PER_DAY;
const MS_PER_YEAR: u64 = 365 * MS_PER_DAY;

/// Units in the order they must appear, with their length in milliseconds.
const UNITS: [(&str, u64); 7] = [
    ("y", MS_PER_YEAR),
    ("w", MS_PER_WEEK),
    ("d", MS_PER_DAY),
    ("h", MS_PER_HOUR),
    ("m", MS_PER_MINUTE),
    ("s", MS_PER_SECOND),
    ("ms", 1),
];

/// Largest duration Go can hold (`int64` nanoseconds), in milliseconds.
const MAX_MS: u64 = (i64::MAX as u64) / 1_000_000;

/// A duration in Prometheus notation; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PromDuration(pub Duration);

/// Why a duration did not parse (Prometheus's messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration string")]
    Empty,
    #[error("not a valid duration string: {0:?}")]
    Invalid(String),
    #[error("duration out of range")]
    OutOfRange,
}

impl PromDuration {
    /// `n` seconds.
    pub const fn secs(n: u64) -> Self {
        Self(Duration::from_secs(n))
    }

    /// The wrapped duration.
    pub const fn get(self) -> Duration {
        self.0
    }

    /// Whether the duration is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl FromStr for PromDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "" => return Err(DurationError::Empty),
            "0" => return Ok(Self::default()),
            _ => {}
        }
        let invalid = || DurationError::Invalid(text.to_string());
        let mut rest = text;
        let mut next_unit = 0;
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(invalid());
            }
            let (number, after) = rest.split_at(digits);
            // "ms" must be tried before "m".
            let unit_len = if after.starts_with("ms") {
                2
            } else {
                after.chars().next().map_or(0, char::len_utf8)
            };
            let unit = after.get(..unit_len).ok_or_else(invalid)?;
            let position = UNITS[next_unit..]
                .iter()
                .position(|(name, _)| *name == unit)
                .ok_or_else(invalid)?;
            let (_, unit_ms) = UNITS[next_unit + position];
            next_unit += position + 1;
            let n: u64 = number.parse().map_err(|_| DurationError::OutOfRange)?;
            total = n
                .checked_mul(unit_ms)
                .and_then(|ms| total.checked_add(ms))
                .filter(|ms| *ms <= MAX_MS)
                .ok_or(DurationError::OutOfRange)?;
            rest = &after[unit_len..];
        }
        Ok(Self(Duration::from_millis(total)))
    }
}

impl fmt::Display for PromDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX);
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, unit_ms) in UNITS {
            // Years and weeks are only used when they divide exactly.
            let exact_only = matches!(unit, "y" | "w");
            if exact_only && ms % unit_ms != 0 {
                continue;
            }
            let count = ms / unit_ms;
            if count > 0 {
                write!(f, "{count}{unit}")?;
                ms -= count * unit_ms;
            }
        }
        Ok(())
    }
}

impl Serialize for PromDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u128 {
        text.parse::<PromDuration>()
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .0
            .as_millis()
    }

    #[test]
    fn parses_every_unit_and_combinations() {
        assert_eq!(ms("30s"), 30_000);
        assert_eq!(ms("5m"), 300_000);
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("1d"), 86_400_000);
        assert_eq!(ms("1w"), 604_800_000);
        assert_eq!(ms("1y"), 31_536_000_000);
        assert_eq!(ms("1m500ms"), 60_500);
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("0s"), 0);
    }

    #[test]
    fn refuses_what_prometheus_refuses() {
        for bad in [
            "5", "1.5h", "m", "5M", "30m1h", "1h1h", " 5m", "5m ", "-5m", "1x",
        ] {
            assert!(
                matches!(bad.parse::<PromDuration>(), Err(DurationError::Invalid(_))),
                "{bad}"
            );
        }
        assert_eq!("".parse::<PromDuration>(), Err(DurationError::Empty));
        assert_eq!(
            "99999999999999y".parse::<PromDuration>(),
            Err(DurationError::OutOfRange)
        );
    }

    #[test]
    fn prints_like_prometheus() {
        let show = |text: &str| text.parse::<PromDuration>().unwrap().to_string();
        assert_eq!(show("0"), "0s");
        assert_eq!(show("90m"), "1h30m");
        assert_eq!(show("7d"), "1w");
        assert_eq!(show("8d"), "8d");
        assert_eq!(show("365d"), "1y");
        assert_eq!(show("1500ms"), "1s500ms");
        assert_eq!(show("4h"), "4h");
    }
}
