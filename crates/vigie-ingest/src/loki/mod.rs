//! The Loki push API's bodies (`POST /loki/api/v1/push`), as Promtail,
//! Grafana Alloy, Vector and Fluent Bit send them.
//!
//! [`decode_push`] turns a body (already freed of any `Content-Encoding`)
//! into a [`Push`]: streams with their labels and entries. Two formats:
//! JSON ([`json`]) and snappy-compressed protobuf ([`proto`]). The label
//! string of a protobuf stream is parsed by [`labels`]. A stream whose
//! labels are invalid keeps its entries with the reason, so the caller can
//! reject that stream alone.

pub mod json;
pub mod labels;
pub mod proto;

#[cfg(test)]
mod tests;

pub use labels::{is_valid_label_name, parse_labels, LabelError};
pub use proto::{EntryAdapter, LabelPairAdapter, ProtoTimestamp, PushRequest, StreamAdapter};

/// Why a push body could not be decoded. Each variant but
/// [`LokiError::TooLarge`] is the client's mistake (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LokiError {
    #[error("snappy body declares {declared} decompressed bytes; the limit is {limit}")]
    TooLarge { declared: usize, limit: usize },
    #[error("corrupt snappy body: {0}")]
    Snappy(String),
    #[error("invalid protobuf PushRequest: {0}")]
    Protobuf(String),
    #[error("invalid JSON push request: {0}")]
    Json(String),
    #[error("stream {stream}, entry {entry}: {reason}")]
    Entry {
        stream: usize,
        entry: usize,
        reason: String,
    },
}

impl LokiError {
    /// A stable label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "decompressed_too_large",
            Self::Snappy(_) => "corrupt_snappy",
            Self::Protobuf(_) => "protobuf",
            Self::Json(_) => "json",
            Self::Entry { .. } => "invalid_entry",
        }
    }
}

/// The body formats of the push API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/x-protobuf`: a snappy block holding a `PushRequest`.
    Protobuf,
}

impl Format {
    /// The format a `Content-Type` names: JSON for `application/json`,
    /// protobuf for `application/x-protobuf` (or `application/protobuf`)
    /// and for no content type at all (as Loki does); `None` for the rest.
    pub fn from_content_type(value: Option<&str>) -> Option<Self> {
        let Some(value) = value else {
            return Some(Self::Protobuf);
        };
        let essence = value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Some(Self::Json),
            "application/x-protobuf" | "application/protobuf" => Some(Self::Protobuf),
            _ => None,
        }
    }
}

/// A stream's labels in order, or why they are invalid.
pub type StreamLabels = Result<Vec<(String, String)>, String>;

/// A decoded push request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Push {
    pub streams: Vec<Stream>,
}

/// One stream: its labels and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    pub labels: StreamLabels,
    pub entries: Vec<Entry>,
}

/// One log entry: one record for vigie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Nanoseconds since the Unix epoch, as the shipper stamped it.
    pub timestamp_ns: i64,
    /// The line, as bytes: invalid UTF-8 is the record's problem, not the
    /// request's.
    pub line: Vec<u8>,
    /// Structured metadata, in order.
    pub metadata: Vec<(String, String)>,
}

impl Push {
    /// Entries in all streams.
    pub fn entries(&self) -> usize {
        self.streams.iter().map(|s| s.entries.len()).sum()
    }
}

/// Decodes a push body. `max_decompressed` bounds the snappy block's
/// declared size (the JSON body was bounded by the transport already).
pub fn decode_push(
    body: &[u8],
    format: Format,
    max_decompressed: usize,
) -> Result<Push, LokiError> {
    match format {
        Format::Json => json::decode_json(body),
        Format::Protobuf => proto::decode_protobuf(body, max_decompressed),
    }
}
