//! [`Fields`]: the flat, insertion-ordered list of normalized fields.
//!
//! Field names are dotted ECS paths (`source.ip`). A flat list is cheaper to
//! build than nested maps on the ingest hot path, and every consumer (search
//! columns, Sigma field lookups) addresses fields by their dotted name anyway.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// Normalized fields of one event, keyed by dotted ECS name.
///
/// Each entry carries a 32-bit hash of its key: lookups (and the duplicate
/// check of [`Fields::set`]) compare integers and touch key bytes only on a
/// hash match, which keeps setting ~40 fields per event cheap on the ingest
/// hot path and field lookups cheap for detection rules.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    hash: u32,
    key: Cow<'static, str>,
    value: Value,
}

/// A constant-time hash of a field name: its length and its first and last
/// eight bytes. Field names that share all three are rare, and a collision
/// only costs one string comparison; lookups stay correct either way.
#[inline]
fn key_hash(key: &str) -> u32 {
    let b = key.as_bytes();
    let word = |s: &[u8]| {
        let mut w = [0u8; 8];
        w[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(w)
    };
    let n = b.len();
    let head = word(&b[..n.min(8)]);
    let tail = word(&b[n.saturating_sub(8)..]);
    let h = (head.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tail.rotate_left(29))
        .wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ n as u64;
    (h >> 32) as u32 ^ h as u32
}

impl PartialEq for Fields {
    /// Equal when both hold the same keys with the same values, in the
    /// same order.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.key == b.key && a.value == b.value)
    }
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, hash: u32, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.hash == hash && e.key == key)
    }

    /// Sets `key` to `value`, replacing an earlier value of the same key.
    /// A `null` value removes the key: absent and null mean the same here.
    pub fn set(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        let hash = key_hash(&key);
        match (self.position(hash, &key), value.is_null()) {
            (Some(i), true) => {
                self.entries.remove(i);
            }
            (Some(i), false) => self.entries[i].value = value,
            (None, true) => {}
            (None, false) => self.entries.push(Entry { hash, key, value }),
        }
    }

    /// Sets a string field unless `value` is `None` or empty.
    pub fn set_str(&mut self, key: impl Into<Cow<'static, str>>, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.set(key, Value::String(v.to_owned()));
        }
    }

    /// Sets `key` only if it has no value yet.
    pub fn set_default(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        let key = key.into();
        if self.get(&key).is_none() {
            self.set(key, value);
        }
    }

    /// Appends `value` to the list at `key` unless it is already there
    /// (the `related.*` and `event.category` style fields are sets).
    pub fn push_unique(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        if value.is_null() || value.as_str() == Some("") {
            return;
        }
        let hash = key_hash(&key);
        match self
            .position(hash, &key)
            .map(|i| &mut self.entries[i].value)
        {
            Some(Value::Array(items)) => {
                if !items.contains(&value) {
                    items.push(value);
                }
            }
            Some(existing) => {
                if *existing != value {
                    let old = std::mem::take(existing);
                    *existing = Value::Array(vec![old, value]);
                }
            }
            None => self.entries.push(Entry {
                hash,
                key,
                value: Value::Array(vec![value]),
            }),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key_hash(key), key)
            .map(|i| &self.entries[i].value)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key_hash(key), key)?;
        Some(self.entries.remove(i).value)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|e| (e.key.as_ref(), &e.value))
    }

    /// Nests the dotted names into JSON objects (`source.ip` becomes
    /// `{"source":{"ip":...}}`). When a name is both a leaf and a prefix
    /// (`a` and `a.b`), the later one is kept under its full dotted name.
    pub fn to_nested(&self) -> Map<String, Value> {
        let mut root = Map::new();
        for e in &self.entries {
            insert_nested(&mut root, &e.key, e.value.clone());
        }
        root
    }
}

fn insert_nested(root: &mut Map<String, Value>, key: &str, value: Value) {
    let mut map = root;
    let mut rest = key;
    while let Some((part, tail)) = rest.split_once('.') {
        let is_leaf = map.get(part).is_some_and(|v| !v.is_object());
        if is_leaf {
            // `part` already holds a leaf: keep this value under its flat name.
            map.insert(rest.to_owned(), value);
            return;
        }
        let slot = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(inner) = slot else {
            unreachable!("checked above that the slot is an object")
        };
        map = inner;
        rest = tail;
    }
    map.insert(rest.to_owned(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_replaces_and_null_removes() {
        let mut f = Fields::new();
        f.set("user.name", "alice");
        f.set("user.name", "bob");
        assert_eq!(f.get_str("user.name"), Some("bob"));
        assert_eq!(f.len(), 1);
        f.set("user.name", Value::Null);
        assert!(f.get("user.name").is_none());
    }

    #[test]
    fn keys_with_the_same_ends_and_length_stay_apart() {
        let mut f = Fields::new();
        // Same length, same first and last 8 bytes: a forced hash collision.
        f.set("kubernetes.a.audit.uid", 1);
        f.set("kubernetes.b.audit.uid", 2);
        assert_eq!(
            key_hash("kubernetes.a.audit.uid"),
            key_hash("kubernetes.b.audit.uid")
        );
        assert_eq!(f.get("kubernetes.a.audit.uid"), Some(&Value::from(1)));
        assert_eq!(f.get("kubernetes.b.audit.uid"), Some(&Value::from(2)));
        assert_eq!(f.len(), 2);
        assert_eq!(f.remove("kubernetes.b.audit.uid"), Some(Value::from(2)));
        assert_eq!(f.get("kubernetes.a.audit.uid"), Some(&Value::from(1)));
    }

    #[test]
    fn push_unique_builds_a_set() {
        let mut f = Fields::new();
        f.push_unique("related.ip", "10.0.0.1");
        f.push_unique("related.ip", "10.0.0.2");
        f.push_unique("related.ip", "10.0.0.1");
        f.push_unique("related.ip", "");
        assert_eq!(f.get("related.ip"), Some(&json!(["10.0.0.1", "10.0.0.2"])));
    }

    #[test]
    fn nesting_splits_dots_and_keeps_conflicts_flat() {
        let mut f = Fields::new();
        f.set("source.ip", "1.2.3.4");
        f.set("source.port", 22);
        f.set("labels", "x");
        f.set("labels.team", "y");
        let nested = Value::Object(f.to_nested());
        assert_eq!(
            nested,
            json!({"source": {"ip": "1.2.3.4", "port": 22}, "labels": "x", "labels.team": "y"})
        );
    }
}
