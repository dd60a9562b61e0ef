//! The Loki push API, `POST /loki/api/v1/push`, so that Promtail, Grafana
//! Alloy, Vector and Fluent Bit ship to vigie unchanged (point their Loki
//! output at `http://vigie:9190/loki/api/v1/push`, with the token as
//! Bearer or as the Basic password).
//!
//! Bodies are JSON (`application/json`) or a snappy-compressed protobuf
//! `PushRequest` (`application/x-protobuf`, or no content type, as Loki
//! assumes), optionally gzip/zstd on top; decoding lives in
//! `vigie_ingest::loki`. Each entry's line is one record: a stream label
//! `dataset` (or `vigie_dataset`) names its dataset, else the format is
//! detected per line and unknown lines are kept as `raw` events. Labels
//! and structured metadata become `labels.*` fields, except `host`,
//! `hostname` and `instance` (`host.name`), `filename` (`log.file.path`)
//! and `job` (kept, and also `service.name`). A `raw` event takes the
//! entry's timestamp; events of real formats keep the time in the record.
//!
//! Answers as Loki does: 204 when anything was accepted (rejected entries
//! are counted in `/metrics` and logged at debug), 400 with the reasons
//! when every entry was rejected, 429 when the queue is full (nothing
//! taken), 413/415 for size and content type.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use vigie_ingest::loki::{decode_push, Entry, Format, LokiError, Push};
use vigie_ingest::Encoding;
use vigie_normalize::formats::raw::{Raw, DATASET as RAW};
use vigie_normalize::{
    normalize_records, Event, Limits, NormalizeError, Output, Registry, Rejected, Timestamp,
};

use crate::ingest::{decode_then, enqueue, read_body, refuse};
use crate::{ApiError, AppState};

const INPUT: &str = "loki";
/// The most rejection reasons quoted in one answer.
const MAX_LISTED: usize = 20;

/// `POST /loki/api/v1/push`.
pub async fn push(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let media = |m: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, m);
    let ctype = match headers.get(header::CONTENT_TYPE).map(|v| v.to_str()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            let err = media("the Content-Type header is not valid text".into());
            return refuse(&state, INPUT, "content_type", err).into_response();
        }
    };
    let Some(format) = Format::from_content_type(ctype) else {
        let err = media(format!(
            "unsupported content type `{}`: the Loki push API takes application/json or application/x-protobuf",
            ctype.unwrap_or_default()
        ));
        return refuse(&state, INPUT, "content_type", err).into_response();
    };
    // `read_body` knows the generic ingest types; protobuf is checked here.
    let mut checked = headers;
    if format == Format::Protobuf {
        checked.remove(header::CONTENT_TYPE);
    }
    let (raw, encoding) = match read_body(&state, INPUT, &checked, body).await {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    // A snappy block is never sniffed for gzip/zstd: only the header counts.
    let encoding = match format {
        Format::Protobuf => Some(encoding.unwrap_or(Encoding::Identity)),
        Format::Json => encoding,
    };
    let limits = state.limits;
    let decoded = decode_then(&state, INPUT, raw, encoding, move |st, payload| {
        let push = decode_push(payload, format, limits.max_decompressed_bytes)?;
        Ok::<_, LokiError>(normalize_push(&st.registry, push, &limits.record))
    })
    .await;
    let (mut output, reasons) = match decoded {
        Err(err) => return err.into_response(),
        Ok(Err(e)) => {
            let status = match e {
                LokiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let err = ApiError::new(status, e.to_string());
            return refuse(&state, INPUT, e.kind(), err).into_response();
        }
        Ok(Ok(done)) => done,
    };
    if let Err(err) = enqueue(&state, INPUT, None, &mut output).await {
        return err.into_response();
    }
    let rejected = output.rejected.len();
    if rejected == 0 {
        return StatusCode::NO_CONTENT.into_response();
    }
    let listed = reasons.join("; ");
    let more = if rejected > reasons.len() {
        format!(" (and {} more)", rejected - reasons.len())
    } else {
        String::new()
    };
    if output.accepted == 0 {
        let message = format!("all {rejected} entries rejected: {listed}{more}");
        let err = ApiError::new(StatusCode::BAD_REQUEST, message);
        return refuse(&state, INPUT, "entries_rejected", err).into_response();
    }
    tracing::debug!(
        accepted = output.accepted,
        rejected,
        reasons = %format!("{listed}{more}"),
        "loki push partly rejected"
    );
    StatusCode::NO_CONTENT.into_response()
}

/// Normalizes every stream of `push`; returns the merged output and up to
/// [`MAX_LISTED`] reasons for rejected entries, each naming its stream
/// and entry.
fn normalize_push(registry: &Registry, push: Push, limits: &Limits) -> (Output, Vec<String>) {
    let mut out = Output::default();
    let mut reasons = Vec::new();
    for (si, stream) in push.streams.into_iter().enumerate() {
        let entries = stream.entries;
        let refused = |error: NormalizeError| {
            (0..entries.len()).map(move |i| Rejected {
                index: i,
                line: i + 1,
                item: None,
                dataset: None,
                error: error.clone(),
            })
        };
        let labels = match stream.labels {
            Ok(l) => l,
            Err(reason) => {
                let rej = refused(NormalizeError::invalid("stream labels", reason));
                merge(&mut out, &mut reasons, si, Output::default(), rej);
                continue;
            }
        };
        let named = labels
            .iter()
            .find(|(k, _)| k == "dataset" || k == "vigie_dataset")
            .map(|(_, v)| v.as_str());
        let normalizer = match named {
            None => None,
            Some(name) => match registry.get(name) {
                Some(n) => Some(n),
                None => {
                    let rej = refused(NormalizeError::UnknownDataset(name.to_owned()));
                    merge(&mut out, &mut reasons, si, Output::default(), rej);
                    continue;
                }
            },
        };
        let lines = entries.iter().map(|e| e.line.as_slice());
        let o = normalize_records(registry, normalizer, Some(&Raw), lines, limits, |i, evs| {
            if let Some(entry) = entries.get(i) {
                for ev in evs {
                    annotate(ev, &labels, entry);
                }
            }
        });
        merge(&mut out, &mut reasons, si, o, std::iter::empty());
    }
    (out, reasons)
}

/// Adds one stream's output to the total and quotes its rejections.
fn merge(
    out: &mut Output,
    reasons: &mut Vec<String>,
    stream: usize,
    o: Output,
    extra: impl Iterator<Item = Rejected>,
) {
    let before = out.rejected.len();
    out.events.extend(o.events);
    out.accepted += o.accepted;
    out.skipped += o.skipped;
    out.records += o.records;
    out.rejected.extend(o.rejected);
    for r in extra {
        out.records += 1;
        out.rejected.push(r);
    }
    for r in &out.rejected[before..] {
        if reasons.len() < MAX_LISTED {
            reasons.push(format!("stream {stream}, entry {}: {}", r.index, r.error));
        }
    }
}

/// Adds the stream's labels and the entry's metadata and timestamp.
fn annotate(ev: &mut Event, labels: &[(String, String)], entry: &Entry) {
    for (k, v) in labels.iter().chain(&entry.metadata) {
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "dataset" | "vigie_dataset" => {}
            "host" | "hostname" | "instance" => ev.fields.set_default("host.name", v.as_str()),
            "filename" => ev.fields.set_default("log.file.path", v.as_str()),
            "job" => {
                ev.fields.set("labels.job", v.as_str());
                ev.fields.set_default("service.name", v.as_str());
            }
            _ => ev.fields.set(label_field(k), v.as_str()),
        }
    }
    if ev.dataset() == RAW && entry.timestamp_ns > 0 {
        ev.timestamp = Timestamp::from_nanos(entry.timestamp_ns);
    }
}

/// `labels.<name>`, with characters outside `[A-Za-z0-9_]` (possible in
/// JSON metadata names) replaced by `_` so the name stays one key.
fn label_field(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("labels.{clean}")
}
