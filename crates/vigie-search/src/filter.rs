//! Token filters: one Bloom filter of token hashes per Parquet row group.
//!
//! Sizing (fixed by format version 1 of the sidecar, see [`crate::index`]):
//! [`BITS_PER_TOKEN`] = 10 bits per distinct token and [`NUM_HASHES`] = 7
//! probes, about 0.8 % false positives; the bit array is rounded up to whole
//! 64-bit words, at least one word, at most [`MAX_FILTER_BYTES`] (8 MiB; past
//! that the false-positive rate grows instead of the filter).
//!
//! Probes use double hashing from the one 64-bit [`crate::token_hash`]:
//! `x = mix(hash)` (the SplitMix64 finalizer), `h1 = x`,
//! `h2 = x.rotate_left(32) | 1`, probe `i` sets bit `(h1 + i * h2) mod m`
//! (wrapping arithmetic), where `m` is the number of bits.
//!
//! Serialized form of one filter: one byte `k` (number of probes), then the
//! bit array as little-endian `u64` words.

use crate::tokens::{for_each_value_token, token_hash};

/// Bits of filter per distinct token.
pub const BITS_PER_TOKEN: usize = 10;
/// Number of probes per token.
pub const NUM_HASHES: u8 = 7;
/// Largest bit array of one filter, in bytes.
pub const MAX_FILTER_BYTES: usize = 8 * 1024 * 1024;
/// Most probes a serialized filter may declare.
const MAX_HASHES: u8 = 32;
const MAX_WORDS: usize = MAX_FILTER_BYTES / 8;

/// Collects token hashes, then builds a [`TokenFilter`].
#[derive(Debug, Clone, Default)]
pub struct TokenFilterBuilder {
    hashes: Vec<u64>,
}

impl TokenFilterBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one token hash (duplicates are removed at build time).
    pub fn insert_hash(&mut self, hash: u64) {
        self.hashes.push(hash);
    }

    /// Adds every token of an event text (JSON-aware, see
    /// [`crate::for_each_value_token`]).
    pub fn insert_text(&mut self, text: &str) {
        for_each_value_token(text, |token| self.hashes.push(token_hash(token)));
    }

    /// Number of hashes collected so far, duplicates included.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True if nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Builds a filter sized for the distinct hashes collected.
    pub fn build(mut self) -> TokenFilter {
        self.hashes.sort_unstable();
        self.hashes.dedup();
        let words = self
            .hashes
            .len()
            .saturating_mul(BITS_PER_TOKEN)
            .div_ceil(64)
            .clamp(1, MAX_WORDS);
        let mut filter = TokenFilter {
            num_hashes: NUM_HASHES,
            words: vec![0; words],
        };
        for hash in self.hashes {
            filter.set(hash);
        }
        filter
    }
}

/// A Bloom filter of token hashes: no false negatives, about 1 % false
/// positives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFilter {
    num_hashes: u8,
    words: Vec<u64>,
}

/// Why a serialized filter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FilterFormatError {
    /// The length is not one byte plus a whole, non-zero number of words.
    #[error("filter length {0} is not 1 + 8 * n bytes with n >= 1")]
    BadLength(usize),
    /// More than [`MAX_FILTER_BYTES`] of bits.
    #[error("filter of {0} bytes exceeds the 8 MiB cap")]
    TooLarge(usize),
    /// Zero probes or more than 32.
    #[error("filter declares {0} probes, expected 1..=32")]
    BadHashCount(u8),
}

impl TokenFilter {
    /// Could a token with this hash have been inserted? `false` is certain.
    pub fn might_contain(&self, hash: u64) -> bool {
        self.probes(hash).all(|(word, mask)| {
            self.words
                .get(word)
                .is_some_and(|&bits| bits & mask == mask)
        })
    }

    /// Size of the bit array in bits.
    pub fn bit_len(&self) -> usize {
        self.words.len() * 64
    }

    /// Number of probes per token.
    pub fn num_hashes(&self) -> u8 {
        self.num_hashes
    }

    /// The serialized form (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.words.len() * 8);
        out.push(self.num_hashes);
        for word in &self.words {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// Parses the serialized form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FilterFormatError> {
        let Some((&num_hashes, body)) = bytes.split_first() else {
            return Err(FilterFormatError::BadLength(0));
        };
        if body.is_empty() || body.len() % 8 != 0 {
            return Err(FilterFormatError::BadLength(bytes.len()));
        }
        if body.len() > MAX_FILTER_BYTES {
            return Err(FilterFormatError::TooLarge(body.len()));
        }
        if num_hashes == 0 || num_hashes > MAX_HASHES {
            return Err(FilterFormatError::BadHashCount(num_hashes));
        }
        let words = body
            .chunks_exact(8)
            .map(|chunk| {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                u64::from_le_bytes(word)
            })
            .collect();
        Ok(Self { num_hashes, words })
    }

    fn set(&mut self, hash: u64) {
        for (word, mask) in probes(self.num_hashes, self.words.len(), hash) {
            if let Some(bits) = self.words.get_mut(word) {
                *bits |= mask;
            }
        }
    }

    fn probes(&self, hash: u64) -> impl Iterator<Item = (usize, u64)> {
        probes(self.num_hashes, self.words.len(), hash)
    }
}

/// (word index, bit mask) of each probe of `hash` in a filter of `words`
/// 64-bit words.
fn probes(num_hashes: u8, words: usize, hash: u64) -> impl Iterator<Item = (usize, u64)> {
    let bits = (words as u64 * 64).max(1);
    let x = mix(hash);
    let (h1, h2) = (x, x.rotate_left(32) | 1);
    (0..u64::from(num_hashes)).map(move |i| {
        let bit = h1.wrapping_add(i.wrapping_mul(h2)) % bits;
        ((bit / 64) as usize, 1u64 << (bit % 64))
    })
}

/// The SplitMix64 finalizer: spreads FNV's weak low bits.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn false_positive_rate_is_below_three_percent() {
        let mut builder = TokenFilterBuilder::new();
        for i in 0..10_000 {
            builder.insert_hash(token_hash(&format!("present-{i}")));
        }
        let filter = builder.build();
        let false_positives = (0..10_000)
            .filter(|i| filter.might_contain(token_hash(&format!("absent-{i}"))))
            .count();
        assert!(false_positives < 300, "{false_positives} false positives");
    }

    #[test]
    fn empty_filter_contains_nothing() {
        let filter = TokenFilterBuilder::new().build();
        assert_eq!(filter.bit_len(), 64);
        assert!(!filter.might_contain(token_hash("x")));
    }

    #[test]
    fn duplicates_do_not_grow_the_filter() {
        let mut builder = TokenFilterBuilder::new();
        for _ in 0..1000 {
            builder.insert_text("same same same");
        }
        assert_eq!(builder.len(), 3000);
        assert_eq!(builder.build().bit_len(), 64);
    }

    #[test]
    fn insert_text_uses_json_values_only() {
        let mut builder = TokenFilterBuilder::new();
        builder.insert_text(r#"{"secretkey":"Alice"}"#);
        let filter = builder.build();
        assert!(filter.might_contain(token_hash("alice")));
        assert!(filter.might_contain(token_hash("ALICE")));
    }

    #[test]
    fn serialized_filters_are_validated() {
        assert_eq!(
            TokenFilter::from_bytes(&[]),
            Err(FilterFormatError::BadLength(0))
        );
        assert_eq!(
            TokenFilter::from_bytes(&[7]),
            Err(FilterFormatError::BadLength(1))
        );
        assert_eq!(
            TokenFilter::from_bytes(&[7, 0, 0]),
            Err(FilterFormatError::BadLength(3))
        );
        assert_eq!(
            TokenFilter::from_bytes(&[0; 9]),
            Err(FilterFormatError::BadHashCount(0))
        );
    }

    proptest! {
        #[test]
        fn no_false_negatives(hashes in proptest::collection::vec(any::<u64>(), 0..300)) {
            let mut builder = TokenFilterBuilder::new();
            for &hash in &hashes {
                builder.insert_hash(hash);
            }
            let filter = builder.build();
            for &hash in &hashes {
                prop_assert!(filter.might_contain(hash));
            }
            let reparsed = TokenFilter::from_bytes(&filter.to_bytes());
            prop_assert_eq!(reparsed.as_ref(), Ok(&filter));
        }
    }
}
