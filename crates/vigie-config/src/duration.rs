//! [`HumanDuration`]: a [`std::time::Duration`] written as a whole number
//! followed by a unit: `500ms`, `30s`, `5m`, `1h`, `2d` (also `us` and `ns`).
//!
//! Display prints the largest unit that divides the value exactly, so that
//! printing then parsing gives the same value back, down to the nanosecond.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{Deserialize, Deserializer, Error as _};

/// A duration written for humans; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Units from the largest to the smallest, with their length in nanoseconds.
const UNITS: &[(&str, u128)] = &[
    ("d", 86_400 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("s", NANOS_PER_SEC),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// Why a duration did not parse (the message names the rejected text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(String);

impl HumanDuration {
    /// `n` seconds.
    pub const fn secs(n: u64) -> Self {
        Self(Duration::from_secs(n))
    }

    /// `n` milliseconds.
    pub const fn millis(n: u64) -> Self {
        Self(Duration::from_millis(n))
    }

    /// The wrapped duration.
    pub const fn get(self) -> Duration {
        self.0
    }
}

impl From<Duration> for HumanDuration {
    fn from(d: Duration) -> Self {
        Self(d)
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Self {
        d.0
    }
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            DurationError(format!(
                "invalid duration \"{text}\": {why}expected a whole number followed by a unit \
                 (ms, s, m, h, d; also us, ns), e.g. \"30s\""
            ))
        };
        let s = text.trim();
        let digits_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(digits_end);
        let number: String = number.chars().filter(|c| *c != '_').collect();
        let unit = unit.trim_start();
        if number.is_empty() {
            return Err(bad(""));
        }
        if unit.is_empty() {
            return Err(bad("missing unit, "));
        }
        let Some((_, nanos_per_unit)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(bad(""));
        };
        let total = number
            .parse::<u128>()
            .ok()
            .and_then(|n| n.checked_mul(*nanos_per_unit))
            .ok_or_else(|| bad("too large, "))?;
        let secs = u64::try_from(total / NANOS_PER_SEC).map_err(|_| bad("too large, "))?;
        // The remainder is below 10^9, so it always fits in a u32.
        let nanos = u32::try_from(total % NANOS_PER_SEC).unwrap_or(0);
        Ok(Self(Duration::new(secs, nanos)))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.as_nanos();
        if total == 0 {
            return f.write_str("0s");
        }
        for (unit, n) in UNITS {
            if total.is_multiple_of(*n) {
                return write!(f, "{}{unit}", total / n);
            }
        }
        write!(f, "{total}ns")
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_unit() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("30s", Duration::from_secs(30)),
            ("5m", Duration::from_secs(300)),
            ("1h", Duration::from_secs(3600)),
            ("2d", Duration::from_secs(2 * 86_400)),
            ("7us", Duration::from_micros(7)),
            ("9ns", Duration::from_nanos(9)),
            (" 30 s ", Duration::from_secs(30)),
            ("0s", Duration::ZERO),
        ];
        for (text, want) in cases {
            assert_eq!(
                text.parse::<HumanDuration>(),
                Ok(HumanDuration(want)),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_bad_durations_with_the_text() {
        for text in ["30", "30 parsecs", "", "s", "1.5s", "-3s", "30S"] {
            let err = text.parse::<HumanDuration>().unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid duration \"{text}\"")),
                "{err}"
            );
        }
        assert!("30"
            .parse::<HumanDuration>()
            .unwrap_err()
            .to_string()
            .contains("missing unit"));
        let huge = format!("{}d", u64::MAX);
        assert!(huge
            .parse::<HumanDuration>()
            .unwrap_err()
            .to_string()
            .contains("too large"));
    }

    #[test]
    fn display_picks_the_largest_exact_unit() {
        assert_eq!(HumanDuration::secs(30).to_string(), "30s");
        assert_eq!(HumanDuration::secs(90).to_string(), "90s");
        assert_eq!(HumanDuration::secs(120).to_string(), "2m");
        assert_eq!(HumanDuration::secs(7200).to_string(), "2h");
        assert_eq!(HumanDuration::secs(172_800).to_string(), "2d");
        assert_eq!(HumanDuration::millis(1500).to_string(), "1500ms");
        assert_eq!(HumanDuration::default().to_string(), "0s");
    }

    proptest! {
        #[test]
        fn display_round_trips(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
            let d = HumanDuration(Duration::new(secs, nanos));
            prop_assert_eq!(d.to_string().parse::<HumanDuration>(), Ok(d));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<HumanDuration>();
        }
    }
}
