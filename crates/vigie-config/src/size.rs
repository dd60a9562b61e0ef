//! [`ByteSize`]: a number of bytes written as `512`, `10KiB`, `16MiB`,
//! `1GiB` (binary units) or `10KB`, `16MB`, `1GB` (decimal units).
//!
//! Display prints the largest unit that divides the value exactly, so that
//! printing then parsing gives the same value back.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A size in bytes; see the module documentation for the accepted forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

const KIB: u64 = 1024;
const UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("KiB", KIB),
    ("MiB", KIB * KIB),
    ("GiB", KIB * KIB * KIB),
    ("KB", 1000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
];

/// Why a size did not parse (the message names the rejected text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ByteSizeError(String);

impl ByteSize {
    /// `n` bytes.
    pub const fn b(n: u64) -> Self {
        Self(n)
    }

    /// `n` KiB (1024 bytes each).
    pub const fn kib(n: u64) -> Self {
        Self(n * KIB)
    }

    /// `n` MiB.
    pub const fn mib(n: u64) -> Self {
        Self(n * KIB * KIB)
    }

    /// `n` GiB.
    pub const fn gib(n: u64) -> Self {
        Self(n * KIB * KIB * KIB)
    }

    /// The number of bytes.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The number of bytes as `usize`, saturating on 32-bit targets.
    pub fn as_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

impl FromStr for ByteSize {
    type Err = ByteSizeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            ByteSizeError(format!(
                "invalid size \"{text}\": {why}expected a number with an optional unit \
                 (B, KiB, MiB, GiB, KB, MB, GB)"
            ))
        };
        let s = text.trim();
        let digits_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(digits_end);
        let number: String = number.chars().filter(|c| *c != '_').collect();
        if number.is_empty() {
            return Err(bad(""));
        }
        let unit = unit.trim_start();
        let multiplier = if unit.is_empty() {
            1
        } else {
            match UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) {
                // "kib" and "kb" differ only by the `i`, so case does not matter.
                Some((_, m)) => *m,
                None => return Err(bad("")),
            }
        };
        number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(multiplier))
            .map(ByteSize)
            .ok_or_else(|| bad("too large, "))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n > 0 {
            // Binary units first (the usual case), then decimal ones.
            for (unit, m) in UNITS
                .iter()
                .skip(1)
                .take(3)
                .rev()
                .chain(UNITS[4..].iter().rev())
            {
                if n.is_multiple_of(*m) {
                    return write!(f, "{}{unit}", n / m);
                }
            }
        }
        write!(f, "{n}")
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as 512, 64KiB, 16MiB or 1GiB")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("invalid size {v}: must not be negative")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_every_unit() {
        let cases = [
            ("512", 512),
            ("0", 0),
            ("512B", 512),
            ("10KiB", 10 * 1024),
            ("16MiB", 16 << 20),
            ("1GiB", 1 << 30),
            ("10KB", 10_000),
            ("16MB", 16_000_000),
            ("1GB", 1_000_000_000),
            ("16 MiB", 16 << 20),
            ("16mib", 16 << 20),
            ("50_000", 50_000),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<ByteSize>(), Ok(ByteSize(want)), "{text}");
        }
    }

    #[test]
    fn rejects_bad_sizes_with_the_text() {
        for text in [
            "16 potatoes",
            "",
            "MiB",
            "-1",
            "1.5MiB",
            "99999999999999999999",
        ] {
            let err = text.parse::<ByteSize>().unwrap_err().to_string();
            assert!(err.contains(&format!("\"{text}\"")), "{err}");
        }
        assert_eq!(
            "16 potatoes".parse::<ByteSize>().unwrap_err().to_string(),
            "invalid size \"16 potatoes\": expected a number with an optional unit \
             (B, KiB, MiB, GiB, KB, MB, GB)"
        );
        assert!("20000000000GiB"
            .parse::<ByteSize>()
            .unwrap_err()
            .to_string()
            .contains("too large"));
    }

    #[test]
    fn display_picks_the_largest_exact_unit() {
        assert_eq!(ByteSize::mib(16).to_string(), "16MiB");
        assert_eq!(ByteSize(1536).to_string(), "1536");
        assert_eq!(ByteSize(2000).to_string(), "2KB");
        assert_eq!(ByteSize(1_000_000).to_string(), "1MB");
        assert_eq!(ByteSize(1023).to_string(), "1023");
        assert_eq!(ByteSize(0).to_string(), "0");
    }

    proptest! {
        #[test]
        fn display_round_trips(n in any::<u64>()) {
            let shown = ByteSize(n).to_string();
            prop_assert_eq!(shown.parse::<ByteSize>(), Ok(ByteSize(n)));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<ByteSize>();
        }
    }
}
