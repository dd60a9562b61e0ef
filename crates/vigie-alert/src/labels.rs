//! Label sets and their fingerprints, as Prometheus and Alertmanager define
//! them.
//!
//! A [`LabelSet`] is a map from label name to value, kept sorted by name.
//! Its [`Fingerprint`] is the one of Prometheus `model.LabelSet.Fingerprint()`:
//! FNV-1a 64 over, for each label in name order, the name, a `0xFF` byte, the
//! value and a `0xFF` byte; the empty set hashes to the FNV offset basis.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// FNV-1a 64-bit offset basis: also the fingerprint of the empty label set.
pub const FNV_OFFSET_BASIS: u64 = 14_695_981_039_346_656_037;
const FNV_PRIME: u64 = 1_099_511_628_211;
/// Separates names and values in the fingerprint input (never valid UTF-8,
/// so no label text can imitate it).
const SEPARATOR_BYTE: u8 = 0xFF;

/// Why a label set was refused (the messages are Alertmanager's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A name outside `^[a-zA-Z_][a-zA-Z0-9_]*$`.
    #[error("invalid label set: invalid name {0:?}")]
    InvalidName(String),
    /// An alert must carry at least one label.
    #[error("at least one label pair required")]
    Empty,
}

/// Whether `name` is a valid label name: `^[a-zA-Z_][a-zA-Z0-9_]*$`.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A set of labels, sorted by name (byte order, as Go sorts strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LabelSet(BTreeMap<String, String>);

impl LabelSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, returning the previous value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> Option<String> {
        self.0.insert(name.into(), value.into())
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name`, with a missing label read as the empty string
    /// (how Alertmanager's matchers and `equal` lists see it).
    pub fn value_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no label.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(name, value)` pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Drops labels whose value is empty (Alertmanager's API does this to
    /// posted alerts before validating them).
    pub fn remove_empty_values(&mut self) {
        self.0.retain(|_, v| !v.is_empty());
    }

    /// The labels whose names are in `names` (missing names are skipped).
    pub fn subset<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> LabelSet {
        names
            .into_iter()
            .filter_map(|n| self.0.get_key_value(n))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Checks every name (values are Rust strings, so always valid UTF-8).
    pub fn validate(&self) -> Result<(), LabelError> {
        match self.0.keys().find(|n| !is_valid_label_name(n)) {
            Some(bad) => Err(LabelError::InvalidName(bad.clone())),
            None => Ok(()),
        }
    }

    /// [`LabelSet::validate`] plus the rule that an alert has at least one
    /// label, in the order Alertmanager checks them.
    pub fn validate_for_alert(&self) -> Result<(), LabelError> {
        self.validate()?;
        if self.is_empty() {
            return Err(LabelError::Empty);
        }
        Ok(())
    }

    /// The Prometheus fingerprint of the set (see the module docs).
    pub fn fingerprint(&self) -> Fingerprint {
        let mut hash = FNV_OFFSET_BASIS;
        for (name, value) in &self.0 {
            hash = fnv1a_add(hash, name.as_bytes());
            hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
            hash = fnv1a_add(hash, value.as_bytes());
            hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
        }
        Fingerprint(hash)
    }
}

fn fnv1a_add(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for LabelSet {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl fmt::Display for LabelSet {
    /// `{a="1", b="2"}`, the shape Prometheus prints (values escaped the
    /// Rust way, which agrees with Go for printable text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value:?}")?;
        }
        f.write_str("}")
    }
}

/// A label set's 64-bit fingerprint; displays as 16 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Text that is not 1 to 16 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fingerprint {0:?}: expected up to 16 hexadecimal digits")]
pub struct FingerprintParseError(pub String);

impl FromStr for Fingerprint {
    type Err = FingerprintParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || FingerprintParseError(s.chars().take(40).collect());
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        u64::from_str_radix(s, 16)
            .map(Fingerprint)
            .map_err(|_| bad())
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> LabelSet {
        pairs.iter().copied().collect()
    }

    #[test]
    fn fingerprint_matches_prometheus_test_values() {
        assert_eq!(LabelSet::new().fingerprint().0, 14_695_981_039_346_656_037);
        let ls = set(&[("name", "garland, briggs"), ("fear", "love is not enough")]);
        assert_eq!(ls.fingerprint().0, 5_799_056_148_416_392_346);
    }

    #[test]
    fn fingerprint_of_a_single_label_follows_fnv1a_by_hand() {
        // a, 0xFF, b, 0xFF folded one byte at a time.
        let mut h = FNV_OFFSET_BASIS;
        for b in [b'a', 0xFF, b'b', 0xFF] {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
        assert_eq!(set(&[("a", "b")]).fingerprint().0, h);
    }

    #[test]
    fn fingerprint_separates_name_from_value() {
        assert_ne!(
            set(&[("ab", "c")]).fingerprint(),
            set(&[("a", "bc")]).fingerprint()
        );
    }

    #[test]
    fn fingerprint_displays_as_sixteen_hex_digits_and_parses_back() {
        let fp = Fingerprint(0xab);
        assert_eq!(fp.to_string(), "00000000000000ab");
        assert_eq!("00000000000000ab".parse::<Fingerprint>(), Ok(fp));
        let ls = set(&[("name", "garland, briggs"), ("fear", "love is not enough")]);
        assert_eq!(ls.fingerprint().to_string(), "507a62d79ee76c9a");
        assert!("xyz".parse::<Fingerprint>().is_err());
        assert!("12345678901234567".parse::<Fingerprint>().is_err());
        assert!("".parse::<Fingerprint>().is_err());
    }

    #[test]
    fn label_names_follow_the_prometheus_pattern() {
        for good in ["a", "_", "_a1", "Alert_Name", "a9"] {
            assert!(is_valid_label_name(good), "{good}");
        }
        for bad in ["", "1a", "a-b", "a:b", "é", "a b"] {
            assert!(!is_valid_label_name(bad), "{bad}");
        }
    }

    #[test]
    fn alert_label_validation_reports_bad_names_then_emptiness() {
        assert_eq!(
            set(&[("ok", "1"), ("bad-name", "x")]).validate_for_alert(),
            Err(LabelError::InvalidName("bad-name".into()))
        );
        assert_eq!(LabelSet::new().validate_for_alert(), Err(LabelError::Empty));
        assert_eq!(set(&[("a", "")]).validate_for_alert(), Ok(()));
    }

    #[test]
    fn empty_values_are_removed_and_missing_reads_as_empty() {
        let mut ls = set(&[("a", ""), ("b", "x")]);
        ls.remove_empty_values();
        assert_eq!(ls.len(), 1);
        assert_eq!(ls.value_or_empty("a"), "");
        assert_eq!(ls.value_or_empty("b"), "x");
    }

    #[test]
    fn display_and_subset_and_serde() {
        let ls = set(&[("b", "2"), ("a", "1\"")]);
        assert_eq!(ls.to_string(), r#"{a="1\"", b="2"}"#);
        assert_eq!(ls.subset(["b", "zz"]), set(&[("b", "2")]));
        let json = serde_json::to_string(&ls).unwrap();
        assert_eq!(json, r#"{"a":"1\"","b":"2"}"#);
        assert_eq!(serde_json::from_str::<LabelSet>(&json).unwrap(), ls);
    }
}
