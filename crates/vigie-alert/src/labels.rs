//! Label sets and their fingerprints, as Prometheus and Alertmanager define
//! them.
//!
//! A [`LabelSet`] is a map from label name to value, kept sorted by name.
//! Its [`Fingerprint`] is the one of Prometheus `model.LabelSet.Fingerprint()`:
//! FNV-1a 64 over, for each label in name order, the name, a `0xFF` byte, the
//! value and a `0xFF` byte; the empty set hashes to the FNV offset basis.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

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
///
/// The set is immutable once built and shared: a clone is a reference
/// count, so the alert store, the aggregation groups and notifications
/// hold the same labels. Names and values live in one text buffer with
/// their bounds beside it (three allocations however many labels), and
/// the fingerprint is computed once, when the set is built. Changing a set
/// ([`LabelSet::insert`], [`LabelSet::remove_empty_values`]) builds a new
/// one.
#[derive(Clone, Default)]
pub struct LabelSet(Option<Arc<Packed>>);

/// The labels of a non-empty set.
struct Packed {
    fingerprint: Fingerprint,
    /// Every name and value, in name order, with no separator.
    text: Box<str>,
    /// For label `i`: bound `2 * i` ends its name, bound `2 * i + 1`
    /// ends its value (byte offsets into `text`); the name starts where the
    /// previous value ended.
    bounds: Bounds,
}

/// Offsets into the text: 32-bit ones unless the text is larger than that.
#[derive(PartialEq, Eq)]
enum Bounds {
    Small(Box<[u32]>),
    Large(Box<[usize]>),
}

impl Bounds {
    fn from_offsets(offsets: Vec<usize>, text_len: usize) -> Self {
        if u32::try_from(text_len).is_ok() {
            Bounds::Small(offsets.iter().map(|&o| o as u32).collect())
        } else {
            Bounds::Large(offsets.into_boxed_slice())
        }
    }

    fn get(&self, index: usize) -> usize {
        match self {
            Bounds::Small(b) => b[index] as usize,
            Bounds::Large(b) => b[index],
        }
    }

    fn len(&self) -> usize {
        match self {
            Bounds::Small(b) => b.len(),
            Bounds::Large(b) => b.len(),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Bounds::Small(b) => std::mem::size_of_val(&**b),
            Bounds::Large(b) => std::mem::size_of_val(&**b),
        }
    }
}

impl Packed {
    fn pair(&self, index: usize) -> (&str, &str) {
        let start = if index == 0 {
            0
        } else {
            self.bounds.get(2 * index - 1)
        };
        let name_end = self.bounds.get(2 * index);
        let value_end = self.bounds.get(2 * index + 1);
        (&self.text[start..name_end], &self.text[name_end..value_end])
    }

    fn len(&self) -> usize {
        self.bounds.len() / 2
    }
}

/// Builds the shared form of pairs already sorted by name, with unique
/// names.
fn pack<'a>(sorted: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> LabelSet {
    let (count, bytes) = sorted
        .clone()
        .fold((0, 0), |(n, b), (k, v)| (n + 1, b + k.len() + v.len()));
    if count == 0 {
        return LabelSet(None);
    }
    let mut text = String::with_capacity(bytes);
    let mut bounds = Vec::with_capacity(2 * count);
    let mut hash = FNV_OFFSET_BASIS;
    for (name, value) in sorted {
        text.push_str(name);
        bounds.push(text.len());
        text.push_str(value);
        bounds.push(text.len());
        hash = fnv1a_add(hash, name.as_bytes());
        hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
        hash = fnv1a_add(hash, value.as_bytes());
        hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
    }
    let bounds = Bounds::from_offsets(bounds, text.len());
    LabelSet(Some(Arc::new(Packed {
        fingerprint: Fingerprint(hash),
        text: text.into_boxed_str(),
        bounds,
    })))
}

/// Sorts owned pairs by name, the last of equal names winning (as repeated
/// inserts into a map), and packs them.
fn pack_unsorted<K: AsRef<str>, V: AsRef<str>>(mut pairs: Vec<(K, V)>) -> LabelSet {
    // A stable sort keeps equal names in arrival order: keep the last one.
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut kept: Vec<(&str, &str)> = Vec::with_capacity(pairs.len());
    for (k, v) in &pairs {
        match kept.last_mut() {
            Some(last) if last.0 == k.as_ref() => *last = (k.as_ref(), v.as_ref()),
            _ => kept.push((k.as_ref(), v.as_ref())),
        }
    }
    pack(kept.iter().copied())
}

/// The `(name, value)` pairs of a set, in name order.
#[derive(Clone)]
pub struct Iter<'a> {
    packed: Option<&'a Packed>,
    next: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let packed = self.packed?;
        if self.next >= packed.len() {
            return None;
        }
        self.next += 1;
        Some(packed.pair(self.next - 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.packed.map_or(0, |p| p.len() - self.next.min(p.len()));
        (left, Some(left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl LabelSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, returning the previous value (builds a new
    /// set: meant for building, not for hot paths).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> Option<String> {
        let (name, value) = (name.into(), value.into());
        let previous = self.get(&name).map(str::to_string);
        let mut pairs: Vec<(&str, &str)> = self.iter().filter(|(k, _)| *k != name).collect();
        let at = pairs.partition_point(|(k, _)| *k < name.as_str());
        pairs.insert(at, (&name, &value));
        *self = pack(pairs.iter().copied());
        previous
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        let packed = self.0.as_deref()?;
        let (mut low, mut high) = (0, packed.len());
        while low < high {
            let middle = (low + high) / 2;
            let (k, v) = packed.pair(middle);
            match k.cmp(name) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(v),
            }
        }
        None
    }

    /// The value of `name`, with a missing label read as the empty string
    /// (how Alertmanager's matchers and `equal` lists see it).
    pub fn value_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.as_deref().map_or(0, Packed::len)
    }

    /// Whether there is no label.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `(name, value)` pairs in name order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            packed: self.0.as_deref(),
            next: 0,
        }
    }

    /// Drops labels whose value is empty (Alertmanager's API does this to
    /// posted alerts before validating them).
    pub fn remove_empty_values(&mut self) {
        if self.iter().any(|(_, v)| v.is_empty()) {
            *self = pack(self.iter().filter(|(_, v)| !v.is_empty()));
        }
    }

    /// The labels whose names are in `names` (missing names are skipped).
    pub fn subset<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> LabelSet {
        let wanted: Vec<&str> = names.into_iter().collect();
        pack(self.iter().filter(|(k, _)| wanted.contains(k)))
    }

    /// The fingerprint [`LabelSet::subset`] would have, without building
    /// the subset: `names` must be sorted and unique.
    pub fn subset_fingerprint<'a>(
        &self,
        sorted_names: impl IntoIterator<Item = &'a str>,
    ) -> Fingerprint {
        let mut hash = FNV_OFFSET_BASIS;
        for name in sorted_names {
            if let Some(value) = self.get(name) {
                hash = fnv1a_add(hash, name.as_bytes());
                hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
                hash = fnv1a_add(hash, value.as_bytes());
                hash = fnv1a_add(hash, &[SEPARATOR_BYTE]);
            }
        }
        Fingerprint(hash)
    }

    /// Checks every name (values are Rust strings, so always valid UTF-8).
    pub fn validate(&self) -> Result<(), LabelError> {
        match self.iter().find(|(n, _)| !is_valid_label_name(n)) {
            Some((bad, _)) => Err(LabelError::InvalidName(bad.to_string())),
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

    /// The Prometheus fingerprint of the set (see the module docs),
    /// computed when the set was built.
    pub fn fingerprint(&self) -> Fingerprint {
        self.0
            .as_deref()
            .map_or(Fingerprint(FNV_OFFSET_BASIS), |p| p.fingerprint)
    }

    /// Bytes held by this set (shared with its clones), for accounting.
    pub fn heap_bytes(&self) -> usize {
        self.0.as_deref().map_or(0, |p| {
            std::mem::size_of::<Packed>()
                + 2 * std::mem::size_of::<usize>()
                + p.text.len()
                + p.bounds.heap_bytes()
        })
    }
}

impl PartialEq for LabelSet {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.fingerprint == b.fingerprint && a.bounds == b.bounds && a.text == b.text)
            }
            _ => false,
        }
    }
}

impl Eq for LabelSet {}

impl std::hash::Hash for LabelSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fingerprint().0.hash(state);
    }
}

impl PartialOrd for LabelSet {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LabelSet {
    /// Pair by pair in name order, as maps compare.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl fmt::Debug for LabelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a LabelSet {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Serialize for LabelSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for LabelSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(LabelSetVisitor)
    }
}

struct LabelSetVisitor;

impl<'de> serde::de::Visitor<'de> for LabelSetVisitor {
    type Value = LabelSet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of label names to string values")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LabelSet, A::Error> {
        let mut pairs: Vec<(Cow<'de, str>, Cow<'de, str>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, v)) = map.next_entry::<BorrowedOrOwned<'de>, BorrowedOrOwned<'de>>()? {
            pairs.push((k.0, v.0));
        }
        Ok(pack_unsorted(pairs))
    }
}

/// A string that borrows from the input when it can (no escapes).
struct BorrowedOrOwned<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for BorrowedOrOwned<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = BorrowedOrOwned<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Text)
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
        pack_unsorted(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect::<Vec<(String, String)>>(),
        )
    }
}

impl fmt::Display for LabelSet {
    /// `{a="1", b="2"}`, the shape Prometheus prints (values escaped the
    /// Rust way, which agrees with Go for printable text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (name, value)) in self.iter().enumerate() {
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
mod tests;
