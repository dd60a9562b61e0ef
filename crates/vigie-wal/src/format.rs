//! On-disk encoding of segment headers and records, as pure functions over
//! byte slices (no I/O). See the crate documentation for the layout.

use crate::WalError;

/// First four bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 4] = *b"VGWL";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Length of the segment header: magic, version, padding to 8 bytes.
pub const SEGMENT_HEADER_LEN: u64 = 8;
/// Length of a record header: payload length, CRC, sequence number.
pub const RECORD_HEADER_LEN: u64 = 16;
/// Largest payload a record may carry; a larger length on disk is corruption.
pub const MAX_PAYLOAD_LEN: u32 = 256 * 1024 * 1024;
/// Extension of segment files.
pub const SEGMENT_EXTENSION: &str = "wal";
/// Number of decimal digits in a segment file stem.
const SEGMENT_STEM_DIGITS: usize = 20;

/// The header every segment starts with.
pub fn segment_header() -> [u8; SEGMENT_HEADER_LEN as usize] {
    let mut header = [0u8; SEGMENT_HEADER_LEN as usize];
    let version = FORMAT_VERSION.to_le_bytes();
    header[..4].copy_from_slice(&SEGMENT_MAGIC);
    header[4..6].copy_from_slice(&version);
    header
}

/// File name of the segment whose first record has sequence `first_seq`.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("{first_seq:020}.{SEGMENT_EXTENSION}")
}

/// The first sequence number encoded in a segment file name, or `None` if
/// the name is not one of ours.
pub fn parse_segment_file_name(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(SEGMENT_EXTENSION)?.strip_suffix('.')?;
    if stem.len() != SEGMENT_STEM_DIGITS || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// What the first bytes of a segment file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderCheck {
    Valid,
    /// Shorter than a header: a crash while the segment was being created.
    Torn,
    BadMagic,
    UnsupportedVersion(u16),
}

pub(crate) fn check_header(bytes: &[u8]) -> HeaderCheck {
    let Some(header) = bytes.get(..SEGMENT_HEADER_LEN as usize) else {
        return HeaderCheck::Torn;
    };
    if header.get(..4) != Some(&SEGMENT_MAGIC[..]) {
        return HeaderCheck::BadMagic;
    }
    match read_u16(header, 4) {
        Some(FORMAT_VERSION) => HeaderCheck::Valid,
        Some(other) => HeaderCheck::UnsupportedVersion(other),
        None => HeaderCheck::Torn,
    }
}

/// CRC-32 of a record: over the little-endian sequence number then the payload.
pub fn record_crc(seq: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// The bytes of one record.
pub fn encode_record(seq: u64, payload: &[u8]) -> Result<Vec<u8>, WalError> {
    let too_large = || WalError::PayloadTooLarge {
        len: payload.len(),
        max: MAX_PAYLOAD_LEN,
    };
    let len = u32::try_from(payload.len()).map_err(|_| too_large())?;
    if len > MAX_PAYLOAD_LEN {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(RECORD_HEADER_LEN as usize + payload.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&record_crc(seq, payload).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// A record read back from a segment, borrowing its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecodedRecord<'a> {
    pub seq: u64,
    pub payload: &'a [u8],
    /// Offset just past the record.
    pub end: usize,
}

/// Why the bytes at an offset are not a valid record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RecordDefect {
    #[error("torn record header ({available} of 16 bytes present)")]
    TornHeader { available: usize },
    #[error("payload length {len} exceeds the {MAX_PAYLOAD_LEN}-byte cap")]
    LengthOverCap { len: u32 },
    #[error("torn payload ({available} of {len} bytes present)")]
    TornPayload { len: u32, available: usize },
    #[error("CRC mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    CrcMismatch { stored: u32, computed: u32 },
}

/// Decodes the record starting at `offset`. `Ok(None)` means `offset` is
/// exactly the end of `bytes` (a clean end).
pub(crate) fn decode_record(
    bytes: &[u8],
    offset: usize,
) -> Result<Option<DecodedRecord<'_>>, RecordDefect> {
    let rest = bytes.get(offset..).unwrap_or_default();
    if rest.is_empty() {
        return Ok(None);
    }
    let (Some(len), Some(stored), Some(seq)) =
        (read_u32(rest, 0), read_u32(rest, 4), read_u64(rest, 8))
    else {
        return Err(RecordDefect::TornHeader {
            available: rest.len(),
        });
    };
    if len > MAX_PAYLOAD_LEN {
        return Err(RecordDefect::LengthOverCap { len });
    }
    let header_len = RECORD_HEADER_LEN as usize;
    let payload_end = header_len.saturating_add(len as usize);
    let Some(payload) = rest.get(header_len..payload_end) else {
        return Err(RecordDefect::TornPayload {
            len,
            available: rest.len().saturating_sub(header_len),
        });
    };
    let computed = record_crc(seq, payload);
    if computed != stored {
        return Err(RecordDefect::CrcMismatch { stored, computed });
    }
    Ok(Some(DecodedRecord {
        seq,
        payload,
        end: offset.saturating_add(payload_end),
    }))
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(raw.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(raw.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(raw.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_round_trips_and_rejects_other_versions() {
        let header = segment_header();
        assert_eq!(&header[..4], b"VGWL");
        assert_eq!(check_header(&header), HeaderCheck::Valid);
        assert_eq!(check_header(&header[..7]), HeaderCheck::Torn);
        let mut future = header;
        future[4] = 2;
        assert_eq!(check_header(&future), HeaderCheck::UnsupportedVersion(2));
        let mut garbage = header;
        garbage[0] = b'X';
        assert_eq!(check_header(&garbage), HeaderCheck::BadMagic);
    }

    #[test]
    fn segment_names_are_twenty_digits_and_parse_back() {
        assert_eq!(segment_file_name(42), "00000000000000000042.wal");
        assert_eq!(
            parse_segment_file_name("00000000000000000042.wal"),
            Some(42)
        );
        assert_eq!(parse_segment_file_name("42.wal"), None);
        assert_eq!(parse_segment_file_name("0000000000000000004x.wal"), None);
        assert_eq!(parse_segment_file_name("00000000000000000042.tmp"), None);
        // 20 digits but above u64::MAX.
        assert_eq!(parse_segment_file_name("99999999999999999999.wal"), None);
    }

    #[test]
    fn length_over_cap_is_a_defect_not_an_allocation() {
        let mut bytes = encode_record(1, b"x").unwrap();
        bytes[..4].copy_from_slice(&(MAX_PAYLOAD_LEN + 1).to_le_bytes());
        assert_eq!(
            decode_record(&bytes, 0),
            Err(RecordDefect::LengthOverCap {
                len: MAX_PAYLOAD_LEN + 1
            })
        );
    }

    #[test]
    fn crc_covers_the_sequence_number() {
        let mut bytes = encode_record(7, b"payload").unwrap();
        bytes[8] ^= 1; // seq 7 -> 6, payload untouched
        assert!(matches!(
            decode_record(&bytes, 0),
            Err(RecordDefect::CrcMismatch { .. })
        ));
    }

    proptest! {
        #[test]
        fn encoded_records_decode_back_in_order(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..8),
            first_seq in 0u64..u64::MAX / 2,
        ) {
            let mut bytes = Vec::new();
            for (i, payload) in payloads.iter().enumerate() {
                bytes.extend(encode_record(first_seq + i as u64, payload).unwrap());
            }
            let mut offset = 0;
            let mut decoded = Vec::new();
            while let Some(record) = decode_record(&bytes, offset).unwrap() {
                decoded.push((record.seq, record.payload.to_vec()));
                offset = record.end;
            }
            prop_assert_eq!(offset, bytes.len());
            let expected: Vec<_> = payloads.iter().enumerate()
                .map(|(i, p)| (first_seq + i as u64, p.clone())).collect();
            prop_assert_eq!(decoded, expected);
        }

        #[test]
        fn any_strict_prefix_of_a_record_is_a_defect(
            payload in proptest::collection::vec(any::<u8>(), 0..64),
            cut_fraction in 0.0f64..1.0,
        ) {
            let bytes = encode_record(3, &payload).unwrap();
            let cut = 1 + ((bytes.len() - 1) as f64 * cut_fraction) as usize;
            prop_assume!(cut < bytes.len());
            prop_assert!(decode_record(&bytes[..cut], 0).is_err());
        }

        #[test]
        fn decoding_arbitrary_bytes_only_yields_records_with_valid_crc(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let mut offset = 0;
            while let Ok(Some(record)) = decode_record(&bytes, offset) {
                let header = &bytes[offset..offset + 16];
                let stored = u32::from_le_bytes(header[4..8].try_into().unwrap());
                prop_assert_eq!(stored, record_crc(record.seq, record.payload));
                prop_assert!(record.end > offset);
                offset = record.end;
            }
        }
    }
}
