//! Field-name keys: a hash of a field name that ignores ASCII case,
//! computed eight bytes at a time.
//!
//! Sigma field names are matched exactly, then equal but for ASCII case
//! (the lookup rule of [`crate::view::FieldView`]). A flat event computes
//! the key of each of its field names once; a lookup then compares keys
//! (one integer) before it compares names. Keys are only a filter: equal
//! keys are always confirmed by comparing the names.

use std::collections::HashMap;

/// The fast hash of the engine's per-event maps (not DoS-resistant seeds:
/// the keys are rule field names and literals, chosen by the operator).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// An empty [`FastMap`].
pub fn fast_map<K, V>() -> FastMap<K, V> {
    HashMap::with_hasher(foldhash::fast::FixedState::default())
}

/// Folds a word into the running hash (a 64x64->128 multiply, the halves
/// xored).
fn mix(h: u64, word: u64) -> u64 {
    let m = u128::from(h ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (m as u64) ^ ((m >> 64) as u64)
}

/// Sets bit 5 of every byte: ASCII upper-case letters become lower-case
/// (other bytes change too, consistently, which a hash allows).
const CASE_BITS: u64 = 0x2020_2020_2020_2020;

/// The case-insensitive key of `name`.
pub fn name_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut h = 0x243f_6a88_85a3_08d3 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = chunk
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = mix(h, word | CASE_BITS);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let word = rest
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = mix(h, word | CASE_BITS);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_ascii_case_and_tell_names_apart() {
        assert_eq!(name_key("CommandLine"), name_key("commandline"));
        assert_eq!(
            name_key("ParentProcessCommandLine"),
            name_key("PARENTPROCESSCOMMANDLINE")
        );
        let names = [
            "Image",
            "ImageLoaded",
            "CommandLine",
            "ParentImage",
            "TargetObject",
            "a",
            "b",
            "",
            "EventID",
            "EventId1",
        ];
        let mut keys: Vec<u64> = names.iter().map(|n| name_key(n)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), names.len(), "distinct names, distinct keys");
    }
}
