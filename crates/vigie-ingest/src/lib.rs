//! Decoding of ingest payloads, shared by the HTTP API, file import and
//! `vigie normalize`.
//!
//! A payload arrives as bytes with an optional content type and content
//! encoding. [`check_content_type`] accepts the JSON and text types and
//! refuses the rest; [`decode`] undoes gzip or zstd (named, or sniffed from
//! the magic bytes) while bounding the decompressed size, so a gzip bomb
//! costs at most `max_decompressed` bytes of memory before it is refused.
//!
//! Everything here works on in-memory buffers: no sockets, no files.

pub mod loki;

use std::borrow::Cow;
use std::io::Read;

/// Why a payload could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error(
        "unsupported content type `{0}`: send application/json, application/x-ndjson or text/plain"
    )]
    ContentType(String),
    #[error("unsupported content encoding `{0}`: send identity, gzip or zstd")]
    Encoding(String),
    #[error("decompressed body exceeds the limit of {limit} bytes")]
    DecompressedTooLarge { limit: usize },
    #[error("corrupt {encoding} body: {reason}")]
    Corrupt {
        encoding: &'static str,
        reason: String,
    },
}

impl DecodeError {
    /// A stable label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ContentType(_) => "content_type",
            Self::Encoding(_) => "content_encoding",
            Self::DecompressedTooLarge { .. } => "decompressed_too_large",
            Self::Corrupt { .. } => "corrupt_body",
        }
    }
}

/// A payload compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Zstd,
}

impl Encoding {
    /// Parses a `Content-Encoding` header value.
    pub fn from_header(value: &str) -> Result<Self, DecodeError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => Ok(Self::Identity),
            "gzip" | "x-gzip" => Ok(Self::Gzip),
            "zstd" => Ok(Self::Zstd),
            other => Err(DecodeError::Encoding(other.to_owned())),
        }
    }

    /// Guesses the compression from the first bytes (for files and for
    /// clients that compress without saying so).
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::Identity
        }
    }
}

/// Accepts the content types vigie ingests: JSON, NDJSON/JSON Lines (and
/// their `+json`/`+x-ndjson` structured suffixes, as the Elasticsearch
/// clients send), plain text (line formats), and `application/octet-stream`
/// or none at all (payloads are sniffed). Parameters such as `charset` are
/// ignored.
pub fn check_content_type(value: Option<&str>) -> Result<(), DecodeError> {
    let Some(value) = value else { return Ok(()) };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let ok = matches!(
        essence.as_str(),
        "" | "application/json"
            | "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/json-lines"
            | "application/x-json-stream"
            | "application/jsonlines"
            | "text/plain"
            | "text/x-log"
            | "application/octet-stream"
            | "application/gzip"
            | "application/x-gzip"
            | "application/zstd"
    ) || essence.ends_with("+json")
        || essence.ends_with("+x-ndjson")
        || essence.ends_with("+ndjson");
    if ok {
        Ok(())
    } else {
        Err(DecodeError::ContentType(value.to_owned()))
    }
}

/// Decompresses `body` if `encoding` (or, for `None`, the sniffed magic
/// bytes) says so. The output never exceeds `max_decompressed` bytes:
/// past that the decoder stops and the payload is refused.
pub fn decode(
    body: &[u8],
    encoding: Option<Encoding>,
    max_decompressed: usize,
) -> Result<Cow<'_, [u8]>, DecodeError> {
    let encoding = encoding.unwrap_or_else(|| Encoding::sniff(body));
    match encoding {
        Encoding::Identity => Ok(Cow::Borrowed(body)),
        Encoding::Gzip => read_bounded(
            flate2::read::MultiGzDecoder::new(body),
            "gzip",
            max_decompressed,
        ),
        Encoding::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(body).map_err(|e| {
                DecodeError::Corrupt {
                    encoding: "zstd",
                    reason: e.to_string(),
                }
            })?;
            read_bounded(decoder, "zstd", max_decompressed)
        }
    }
}

fn read_bounded<R: Read>(
    reader: R,
    encoding: &'static str,
    limit: usize,
) -> Result<Cow<'static, [u8]>, DecodeError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Corrupt {
            encoding,
            reason: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(DecodeError::DecompressedTooLarge { limit });
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_and_zstd_round_trip_and_are_sniffed() {
        let data = b"{\"a\":1}\n{\"b\":2}\n";
        let gz = gzip(data);
        assert_eq!(
            decode(&gz, Some(Encoding::Gzip), 1 << 20).unwrap().as_ref(),
            data
        );
        assert_eq!(decode(&gz, None, 1 << 20).unwrap().as_ref(), data);
        let zs = zstd::encode_all(&data[..], 3).unwrap();
        assert_eq!(decode(&zs, None, 1 << 20).unwrap().as_ref(), data);
        assert_eq!(decode(data, None, 1 << 20).unwrap().as_ref(), data);
    }

    #[test]
    fn concatenated_gzip_members_are_all_read() {
        let mut both = gzip(b"one\n");
        both.extend(gzip(b"two\n"));
        assert_eq!(
            decode(&both, None, 1 << 20).unwrap().as_ref(),
            b"one\ntwo\n"
        );
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![0u8; 50 << 20]);
        assert!(bomb.len() < 100 << 10, "the bomb is small: {}", bomb.len());
        let err = decode(&bomb, None, 1 << 20).unwrap_err();
        assert_eq!(err, DecodeError::DecompressedTooLarge { limit: 1 << 20 });
    }

    #[test]
    fn corrupt_gzip_is_named() {
        let mut gz = gzip(b"hello world, hello world");
        let n = gz.len();
        gz.truncate(n - 6);
        let err = decode(&gz, Some(Encoding::Gzip), 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Corrupt {
                    encoding: "gzip",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(None).is_ok());
        assert!(check_content_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_content_type(Some("application/x-ndjson")).is_ok());
        assert!(check_content_type(Some("application/cloudevents+json")).is_ok());
        // What the official Elasticsearch clients send to `_bulk`.
        let es = "application/vnd.elasticsearch+x-ndjson; compatible-with=8";
        assert!(check_content_type(Some(es)).is_ok());
        let err = check_content_type(Some("application/x-www-form-urlencoded")).unwrap_err();
        assert!(err.to_string().contains("x-www-form-urlencoded"));
        assert!(check_content_type(Some("multipart/form-data; boundary=x")).is_err());
        assert_eq!(
            Encoding::from_header("br").unwrap_err().kind(),
            "content_encoding"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_respect_the_limit(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            for enc in [None, Some(Encoding::Gzip), Some(Encoding::Zstd)] {
                if let Ok(out) = decode(&data, enc, 256) {
                    proptest::prop_assert!(out.len() <= 256 || enc.is_none());
                }
            }
        }
    }
}
