//! The token-index sidecar: the token filters of every row group of one
//! Parquet file.
//!
//! Format version 1, all integers little-endian:
//!
//! | offset | size | content                                          |
//! |--------|------|--------------------------------------------------|
//! | 0      | 4    | magic `VGTI`                                     |
//! | 4      | 2    | format version, `1`                              |
//! | 6      | 4    | number of filters (row groups)                   |
//! | 10     | …    | per filter: `u32` length, then the filter bytes  |
//! | end-4  | 4    | CRC-32 (IEEE) of every byte before it            |
//!
//! A filter's bytes are described in [`crate::filter`].

use crate::filter::{FilterFormatError, TokenFilter};

/// The four bytes every sidecar starts with.
pub const MAGIC: [u8; 4] = *b"VGTI";
/// The format version this crate writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 10;
const CRC_LEN: usize = 4;

/// The token filters of one Parquet file, in row-group order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenIndex {
    /// One filter per row group.
    pub row_groups: Vec<TokenFilter>,
}

/// Why a sidecar could not be read; `offset` is a byte offset in the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The input ends before a field that must be there.
    #[error("token index truncated at byte {offset}: missing {what}")]
    Truncated { offset: usize, what: &'static str },
    /// The input does not start with `VGTI`.
    #[error("not a token index: bad magic at byte 0")]
    BadMagic,
    /// A format version this build cannot read.
    #[error("unsupported token index version {version} at byte 4 (expected 1)")]
    UnsupportedVersion { version: u16 },
    /// The trailing CRC-32 does not match the content.
    #[error("token index checksum mismatch at byte {offset}: stored {stored:#010x}, computed {computed:#010x}")]
    ChecksumMismatch {
        offset: usize,
        stored: u32,
        computed: u32,
    },
    /// The filter count cannot fit in the bytes that follow it.
    #[error("token index declares {count} filters at byte 6 but only {remaining} bytes follow")]
    CountTooLarge { count: u32, remaining: usize },
    /// A filter length runs past the end of the content.
    #[error("filter length {length} at byte {offset} exceeds the {remaining} bytes remaining")]
    LengthTooLarge {
        offset: usize,
        length: u32,
        remaining: usize,
    },
    /// A filter's bytes are malformed.
    #[error("malformed filter at byte {offset}: {source}")]
    BadFilter {
        offset: usize,
        source: FilterFormatError,
    },
    /// Bytes left between the last filter and the checksum.
    #[error("{count} unexpected bytes at byte {offset} after the last filter")]
    TrailingBytes { offset: usize, count: usize },
}

impl TokenIndex {
    /// The sidecar bytes (see the module documentation).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&len_u32(self.row_groups.len()).to_le_bytes());
        for filter in &self.row_groups {
            let bytes = filter.to_bytes();
            out.extend_from_slice(&len_u32(bytes.len()).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads sidecar bytes, checking magic, version, checksum and every
    /// length. Never allocates more than the input size allows.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, IndexError> {
        let magic = bytes.get(0..4).ok_or(IndexError::Truncated {
            offset: bytes.len(),
            what: "magic",
        })?;
        if magic != MAGIC {
            return Err(IndexError::BadMagic);
        }
        let version = read_u16(bytes, 4, "format version")?;
        if version != FORMAT_VERSION {
            return Err(IndexError::UnsupportedVersion { version });
        }
        let count = read_u32(bytes, 6, "filter count")?;
        let crc_at = bytes
            .len()
            .checked_sub(CRC_LEN)
            .filter(|&at| at >= HEADER_LEN)
            .ok_or(IndexError::Truncated {
                offset: bytes.len(),
                what: "checksum",
            })?;
        let stored = read_u32(bytes, crc_at, "checksum")?;
        let content = bytes.get(..crc_at).unwrap_or_default();
        let computed = crc32fast::hash(content);
        if stored != computed {
            return Err(IndexError::ChecksumMismatch {
                offset: crc_at,
                stored,
                computed,
            });
        }
        let remaining = crc_at - HEADER_LEN;
        // Each filter takes at least its 4-byte length.
        if usize::try_from(count).map_or(true, |c| c > remaining / 4) {
            return Err(IndexError::CountTooLarge { count, remaining });
        }
        let mut row_groups = Vec::with_capacity(remaining / 4);
        let mut offset = HEADER_LEN;
        for _ in 0..count {
            let length = read_u32(content, offset, "filter length")?;
            let start = offset + 4;
            let remaining = crc_at.saturating_sub(start);
            let body = usize::try_from(length)
                .ok()
                .and_then(|len| content.get(start..start.checked_add(len)?))
                .ok_or(IndexError::LengthTooLarge {
                    offset,
                    length,
                    remaining,
                })?;
            let filter = TokenFilter::from_bytes(body).map_err(|source| IndexError::BadFilter {
                offset: start,
                source,
            })?;
            row_groups.push(filter);
            offset = start + body.len();
        }
        if offset != crc_at {
            return Err(IndexError::TrailingBytes {
                offset,
                count: crc_at - offset,
            });
        }
        Ok(Self { row_groups })
    }
}

/// Lengths in a sidecar are u32; a filter is capped at 8 MiB and a file
/// would need four billion row groups to overflow.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn read_u16(bytes: &[u8], offset: usize, what: &'static str) -> Result<u16, IndexError> {
    let mut buf = [0u8; 2];
    buf.copy_from_slice(
        bytes
            .get(offset..offset + 2)
            .ok_or(IndexError::Truncated { offset, what })?,
    );
    Ok(u16::from_le_bytes(buf))
}

fn read_u32(bytes: &[u8], offset: usize, what: &'static str) -> Result<u32, IndexError> {
    let mut buf = [0u8; 4];
    buf.copy_from_slice(
        bytes
            .get(offset..offset + 4)
            .ok_or(IndexError::Truncated { offset, what })?,
    );
    Ok(u32::from_le_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::TokenFilterBuilder;
    use crate::tokens::token_hash;
    use proptest::prelude::*;

    fn sample() -> TokenIndex {
        let mut first = TokenFilterBuilder::new();
        first.insert_text("alice logged in from 10.0.0.1");
        let mut second = TokenFilterBuilder::new();
        second.insert_text(r#"{"user":"bob"}"#);
        TokenIndex {
            row_groups: vec![first.build(), second.build()],
        }
    }

    /// Rewrites the trailing checksum so that a deliberate edit reaches the
    /// structural checks.
    fn with_fixed_crc(mut bytes: Vec<u8>) -> Vec<u8> {
        let at = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..at]);
        bytes[at..].copy_from_slice(&crc.to_le_bytes());
        bytes
    }

    #[test]
    fn round_trips() {
        let index = sample();
        let back = TokenIndex::from_bytes(&index.to_bytes()).expect("valid sidecar");
        assert_eq!(back, index);
        assert!(back.row_groups[0].might_contain(token_hash("Alice")));
        assert!(back.row_groups[1].might_contain(token_hash("bob")));
    }

    #[test]
    fn empty_index_round_trips() {
        let bytes = TokenIndex::default().to_bytes();
        assert_eq!(bytes.len(), 14);
        assert_eq!(TokenIndex::from_bytes(&bytes), Ok(TokenIndex::default()));
    }

    #[test]
    fn bad_magic_and_version_are_named() {
        let mut bytes = sample().to_bytes();
        bytes[0] = b'X';
        assert_eq!(TokenIndex::from_bytes(&bytes), Err(IndexError::BadMagic));
        let mut bytes = sample().to_bytes();
        bytes[4] = 2;
        assert_eq!(
            TokenIndex::from_bytes(&bytes),
            Err(IndexError::UnsupportedVersion { version: 2 })
        );
    }

    #[test]
    fn corruption_is_caught_by_the_checksum() {
        let mut bytes = sample().to_bytes();
        let at = bytes.len() - 10;
        bytes[at] ^= 0x40;
        let crc_at = bytes.len() - 4;
        assert!(matches!(
            TokenIndex::from_bytes(&bytes),
            Err(IndexError::ChecksumMismatch { offset, .. }) if offset == crc_at
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(TokenIndex::from_bytes(&bytes[..len]).is_err(), "len {len}");
        }
        assert_eq!(
            TokenIndex::from_bytes(b"VGTI\x01"),
            Err(IndexError::Truncated {
                offset: 4,
                what: "format version"
            })
        );
    }

    #[test]
    fn oversized_length_field_is_refused_with_its_offset() {
        let mut bytes = sample().to_bytes();
        bytes[10..14].copy_from_slice(&u32::MAX.to_le_bytes());
        let bytes = with_fixed_crc(bytes);
        assert!(matches!(
            TokenIndex::from_bytes(&bytes),
            Err(IndexError::LengthTooLarge {
                offset: 10,
                length: u32::MAX,
                ..
            })
        ));
    }

    #[test]
    fn oversized_count_is_refused_before_allocating() {
        let mut bytes = TokenIndex::default().to_bytes();
        bytes[6..10].copy_from_slice(&u32::MAX.to_le_bytes());
        let bytes = with_fixed_crc(bytes);
        assert_eq!(
            TokenIndex::from_bytes(&bytes),
            Err(IndexError::CountTooLarge {
                count: u32::MAX,
                remaining: 0
            })
        );
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = TokenIndex::default().to_bytes();
        bytes.splice(10..10, [0u8; 3]);
        let bytes = with_fixed_crc(bytes);
        assert_eq!(
            TokenIndex::from_bytes(&bytes),
            Err(IndexError::TrailingBytes {
                offset: 10,
                count: 3
            })
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut framed = b"VGTI\x01\x00".to_vec();
            framed.extend_from_slice(&bytes);
            let framed = if framed.len() >= 14 { with_fixed_crc(framed) } else { framed };
            // Either a valid index that re-serializes identically, or an error.
            if let Ok(index) = TokenIndex::from_bytes(&framed) {
                prop_assert_eq!(index.to_bytes(), framed);
            }
        }
    }
}
