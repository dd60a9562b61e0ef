//! What the poller does with one downloaded object: gunzip it (bounded),
//! normalize it, and tag every event with the bucket and key.

use std::borrow::Cow;

use vigie_ingest::{decode, DecodeError, Encoding};
use vigie_normalize::{normalize_payload, Limits, Normalizer, Output, Registry};

/// Largest object downloaded, and largest object after decompression. The
/// input has no setting of its own yet: this matches the default of
/// `ingest.max_decompressed_bytes`.
#[cfg(test)]
const MAX_OBJECT_BYTES: usize = 128 << 20;

/// Keys under this directory are CloudTrail digest files: skipped without
/// being downloaded.
pub const DIGEST_DIR: &str = "CloudTrail-Digest/";

/// Whether `key` is a CloudTrail digest file.
pub fn is_digest(key: &str) -> bool {
    key.starts_with(DIGEST_DIR) || key.contains(&format!("/{DIGEST_DIR}"))
}

/// Why an object yielded nothing.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Not gzip although named so, truncated, or a gzip bomb.
    #[error("{0}")]
    Corrupt(DecodeError),
    /// No record of it is in a known format.
    #[error("no record is in a known format ({records} records, first error: {first})")]
    Unknown { records: usize, first: String },
}

impl ObjectError {
    /// The `reason` label of `vigie_input_errors_total`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Corrupt(_) => "corrupt_object",
            Self::Unknown { .. } => "decode",
        }
    }
}

/// The object's content: gunzipped when `key` ends in `.gz` or `bytes`
/// start with the gzip magic, bounded by `max`.
pub fn decompress<'a>(
    key: &str,
    bytes: &'a [u8],
    max: usize,
) -> Result<Cow<'a, [u8]>, DecodeError> {
    if key.ends_with(".gz") || Encoding::sniff(bytes) == Encoding::Gzip {
        decode(bytes, Some(Encoding::Gzip), max)
    } else {
        Ok(Cow::Borrowed(bytes))
    }
}

/// Decompresses and normalizes one object, tagging each event with
/// `aws.s3.bucket.name`, `aws.s3.object.key` and `log.file.path`
/// (`s3://bucket/key`). An object none of whose records is recognised is an
/// error (the output is still returned so its rejects can be counted).
pub fn normalize_object(
    registry: &Registry,
    normalizer: Option<&dyn Normalizer>,
    limits: &Limits,
    bucket: &str,
    key: &str,
    bytes: &[u8],
    max_decompressed: usize,
) -> (Output, Option<ObjectError>) {
    let payload = match decompress(key, bytes, max_decompressed) {
        Ok(p) => p,
        Err(e) => return (Output::default(), Some(ObjectError::Corrupt(e))),
    };
    let mut out = normalize_payload(registry, normalizer, &payload, limits);
    let path = format!("s3://{bucket}/{key}");
    for ev in &mut out.events {
        ev.fields.set("aws.s3.bucket.name", bucket);
        ev.fields.set("aws.s3.object.key", key);
        ev.fields.set("log.file.path", path.as_str());
    }
    let error = match out.rejected.first() {
        Some(first) if out.events.is_empty() && out.skipped == 0 => Some(ObjectError::Unknown {
            records: out.records,
            first: format!("line {}: {}", first.line, first.error),
        }),
        _ => None,
    };
    (out, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn digest_keys_are_recognised() {
        assert!(is_digest(
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/11/23/x.json.gz"
        ));
        assert!(is_digest("CloudTrail-Digest/x.json.gz"));
        assert!(!is_digest(
            "AWSLogs/1/CloudTrail/us-east-1/2026/11/23/x.json.gz"
        ));
    }

    #[test]
    fn gzip_is_undone_by_name_or_magic_and_bounded() {
        let gz = gzip(b"hello");
        assert_eq!(decompress("a.gz", &gz, 100).unwrap().as_ref(), b"hello");
        assert_eq!(decompress("a.json", &gz, 100).unwrap().as_ref(), b"hello");
        assert_eq!(
            decompress("a.json", b"plain", 100).unwrap().as_ref(),
            b"plain"
        );
        assert!(decompress("a.gz", b"not gzip", 100).is_err());
        let bomb = gzip(&vec![0u8; 10_000]);
        assert_eq!(
            decompress("a.gz", &bomb, 1000).unwrap_err().kind(),
            "decompressed_too_large"
        );
    }

    #[test]
    fn events_are_tagged_and_unknown_objects_are_errors() {
        let registry = Registry::default();
        let limits = Limits::default();
        let file = r#"{"Records":[{"eventVersion":"1.08","eventTime":"2026-11-23T08:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","eventID":"e1","eventType":"AwsApiCall","recipientAccountId":"123456789012","userIdentity":{"type":"IAMUser"}}]}"#;
        let (out, err) = normalize_object(
            &registry,
            None,
            &limits,
            "bkt",
            "k/a.json.gz",
            &gzip(file.as_bytes()),
            MAX_OBJECT_BYTES,
        );
        assert!(err.is_none(), "{err:?}");
        assert_eq!(out.events.len(), 1);
        let f = &out.events[0].fields;
        assert_eq!(f.get_str("aws.s3.bucket.name"), Some("bkt"));
        assert_eq!(f.get_str("aws.s3.object.key"), Some("k/a.json.gz"));
        assert_eq!(f.get_str("log.file.path"), Some("s3://bkt/k/a.json.gz"));
        assert_eq!(f.get_str("event.action"), Some("GetObject"));

        let (_, err) = normalize_object(
            &registry,
            None,
            &limits,
            "b",
            "x.txt",
            b"\x01\x02 what",
            MAX_OBJECT_BYTES,
        );
        assert_eq!(err.map(|e| e.reason()), Some("decode"));
        let (_, err) = normalize_object(
            &registry,
            None,
            &limits,
            "b",
            "x.gz",
            b"nope",
            MAX_OBJECT_BYTES,
        );
        assert_eq!(err.map(|e| e.reason()), Some("corrupt_object"));
    }
}
