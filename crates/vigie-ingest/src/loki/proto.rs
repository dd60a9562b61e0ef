//! Loki's protobuf push body: a snappy block (not framed) holding a
//! `logproto.PushRequest`. The messages are written by hand with
//! `prost`'s derive (field numbers and types as in Loki's `push.proto`), so
//! no code generation is needed.
//!
//! The snappy header declares the decompressed length; it is checked
//! against the limit before anything is allocated, so a lying header costs
//! nothing.

use prost::Message;

use super::{labels::parse_labels, Entry, LokiError, Push, Stream, StreamLabels};

/// `logproto.PushRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct PushRequest {
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
}

/// `logproto.StreamAdapter`: a label string and its entries.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StreamAdapter {
    /// A Prometheus label string: `{job="varlogs"}`.
    #[prost(string, tag = "1")]
    pub labels: String,
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

/// `logproto.EntryAdapter`. The line is declared `string` in Loki; it is
/// read as bytes here (same wire type) so that one line of invalid UTF-8
/// is rejected alone instead of failing the whole request.
#[derive(Clone, PartialEq, prost::Message)]
pub struct EntryAdapter {
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<ProtoTimestamp>,
    #[prost(bytes = "vec", tag = "2")]
    pub line: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPairAdapter>,
}

/// `logproto.LabelPairAdapter`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LabelPairAdapter {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct ProtoTimestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// Encodes `request` as a client sends it: protobuf, then a snappy block.
pub fn encode_snappy(request: &PushRequest) -> Vec<u8> {
    let bytes = request.encode_to_vec();
    // Compressing an in-memory buffer fails only past snappy's maximum
    // input size (about 4 GiB); an empty body then is refused by the server.
    snap::raw::Encoder::new()
        .compress_vec(&bytes)
        .unwrap_or_default()
}

/// Undoes the snappy block, bounded by `max_decompressed` bytes.
pub fn decompress_snappy(body: &[u8], max_decompressed: usize) -> Result<Vec<u8>, LokiError> {
    let declared = snap::raw::decompress_len(body).map_err(|e| LokiError::Snappy(e.to_string()))?;
    if declared > max_decompressed {
        return Err(LokiError::TooLarge {
            declared,
            limit: max_decompressed,
        });
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| LokiError::Snappy(e.to_string()))
}

/// Decodes a snappy-compressed `PushRequest` into [`Push`].
pub fn decode_protobuf(body: &[u8], max_decompressed: usize) -> Result<Push, LokiError> {
    let raw = decompress_snappy(body, max_decompressed)?;
    let request =
        PushRequest::decode(raw.as_slice()).map_err(|e| LokiError::Protobuf(e.to_string()))?;
    let mut streams = Vec::with_capacity(request.streams.len());
    for (si, s) in request.streams.into_iter().enumerate() {
        let labels: StreamLabels = parse_labels(&s.labels).map_err(|e| e.to_string());
        let mut entries = Vec::with_capacity(s.entries.len());
        for (ei, e) in s.entries.into_iter().enumerate() {
            let ts = e.timestamp.unwrap_or_default();
            let timestamp_ns = i128::from(ts.seconds)
                .checked_mul(1_000_000_000)
                .map(|n| n + i128::from(ts.nanos))
                .and_then(|n| i64::try_from(n).ok())
                .ok_or_else(|| LokiError::Entry {
                    stream: si,
                    entry: ei,
                    reason: format!("timestamp {}s {}ns is out of range", ts.seconds, ts.nanos),
                })?;
            entries.push(Entry {
                timestamp_ns,
                line: e.line,
                metadata: e
                    .structured_metadata
                    .into_iter()
                    .map(|p| (p.name, p.value))
                    .collect(),
            });
        }
        streams.push(Stream { labels, entries });
    }
    Ok(Push { streams })
}
