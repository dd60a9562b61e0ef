//! The ingest API: `POST /api/v1/ingest[/{dataset}]`, the Kubernetes audit
//! webhook (`/api/v1/k8s/audit`) and Falco / Falcosidekick
//! (`/api/v1/falco`).
//!
//! A request is checked in this order, each step answering with its own
//! status and message: content type (415), body size (413), content
//! encoding and decompressed size (415/413/400), dataset (404), records
//! (each rejected alone, listed in the reply), queue admission (429 with
//! `Retry-After`, all-or-nothing). Every refusal is counted in `/metrics`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use vigie_ingest::{check_content_type, decode, DecodeError, Encoding};
use vigie_normalize::{normalize_payload, Output};
use vigie_pipeline::{AckError, QueueError};

use crate::{ApiError, AppState};

/// The most per-record errors listed in one reply.
const MAX_LISTED_ERRORS: usize = 100;
const INPUT: &str = "http";

/// One rejected record in the reply.
#[derive(Debug, Serialize)]
pub struct RecordError {
    pub index: usize,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    pub error: String,
}

/// The reply to an ingest request.
#[derive(Debug, Serialize)]
pub struct IngestReply {
    /// Records accepted (each produced its events, now queued).
    pub accepted: usize,
    /// Records (or items inside records) rejected.
    pub rejected: usize,
    /// Records skipped on purpose (headers, digest files).
    pub skipped: usize,
    /// Events queued for the pipeline.
    pub events: usize,
    pub errors: Vec<RecordError>,
    /// True when more errors happened than are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub errors_truncated: bool,
}

pub async fn ingest_auto(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    ingest(state, None, headers, body).await
}

pub async fn ingest_dataset(
    State(state): State<Arc<AppState>>,
    Path(dataset): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    ingest(state, Some(dataset), headers, body).await
}

/// The kube-apiserver audit webhook backend posts `EventList`s here.
pub async fn ingest_k8s_audit(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    ingest(state, Some("kubernetes.audit".into()), headers, body).await
}

/// Falco's `http_output` and Falcosidekick's webhook output post here.
pub async fn ingest_falco(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    ingest(state, Some("falco.alerts".into()), headers, body).await
}

/// Counts and logs a refused request; the error becomes its answer.
pub(crate) fn refuse(
    state: &AppState,
    input: &'static str,
    reason: &'static str,
    err: ApiError,
) -> ApiError {
    state.metrics.request_error(input, reason);
    tracing::debug!(reason, status = err.status.as_u16(), message = %err.message, "ingest request refused");
    err
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<&str>, ()> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| ()),
    }
}

async fn ingest(
    state: Arc<AppState>,
    dataset: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(name) = dataset.as_deref() {
        if state.registry.get(name).is_none() {
            let known: Vec<&str> = state.registry.datasets().collect();
            let message = format!(
                "unknown dataset `{name}`; known datasets: {}",
                known.join(", ")
            );
            let err = ApiError::new(StatusCode::NOT_FOUND, message);
            return refuse(&state, INPUT, "unknown_dataset", err).into_response();
        }
    }
    let (raw, encoding) = match read_body(&state, INPUT, &headers, body).await {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    let limits = state.limits;
    let name = dataset.clone();
    let output = decode_then(&state, INPUT, raw, encoding, move |st, payload| {
        let normalizer = name.as_deref().and_then(|n| st.registry.get(n));
        normalize_payload(&st.registry, normalizer, payload, &limits.record)
    })
    .await;
    match output {
        Ok(output) => admit(&state, dataset.as_deref(), output).await,
        Err(err) => err.into_response(),
    }
}

/// Checks the content type and encoding headers and reads the body within
/// `max_body_bytes`; counts the request and its bytes under `input`.
pub(crate) async fn read_body(
    state: &AppState,
    input: &'static str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Bytes, Option<Encoding>), ApiError> {
    let limits = state.limits;
    let labels = vigie_metrics::InputLabels { input };
    state.metrics.ingest_requests.get_or_create(&labels).inc();
    let media = |message: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);

    let Ok(content_type) = header_str(headers, header::CONTENT_TYPE) else {
        let err = media("the Content-Type header is not valid text".into());
        return Err(refuse(state, input, "content_type", err));
    };
    if let Err(e) = check_content_type(content_type) {
        return Err(refuse(state, input, e.kind(), media(e.to_string())));
    }
    let encoding = match header_str(headers, header::CONTENT_ENCODING) {
        Ok(None) => None,
        Ok(Some(v)) => match Encoding::from_header(v) {
            Ok(Encoding::Identity) => None,
            Ok(enc) => Some(enc),
            Err(e) => return Err(refuse(state, input, e.kind(), media(e.to_string()))),
        },
        Err(()) => {
            let err = media("the Content-Encoding header is not valid text".into());
            return Err(refuse(state, input, "content_encoding", err));
        }
    };

    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "request body exceeds the limit of {} bytes (ingest.max_body_bytes)",
                limits.max_body_bytes
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return Err(refuse(state, input, "body_too_large", too_large()));
    }
    let raw = match axum::body::to_bytes(body, limits.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => {
            let is_limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            if is_limit {
                return Err(refuse(state, input, "body_too_large", too_large()));
            }
            let err = ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("could not read the request body: {e}"),
            );
            return Err(refuse(state, input, "body_read", err));
        }
    };
    state
        .metrics
        .ingest_bytes
        .get_or_create(&labels)
        .inc_by(raw.len() as u64);
    Ok((raw, encoding))
}

/// Decompresses `raw` (bounded by `max_decompressed_bytes`) and runs `work`
/// on the payload, both on the blocking pool: decompression and
/// normalization are CPU work and must not stall the async workers.
pub(crate) async fn decode_then<T: Send + 'static>(
    state: &Arc<AppState>,
    input: &'static str,
    raw: Bytes,
    encoding: Option<Encoding>,
    work: impl FnOnce(&AppState, &[u8]) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let limit = state.limits.max_decompressed_bytes;
    let st = state.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let payload = decode(&raw, encoding, limit)?;
        Ok::<T, DecodeError>(work(&st, &payload))
    })
    .await;
    match joined {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => {
            let status = match e {
                DecodeError::DecompressedTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                DecodeError::Corrupt { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            };
            Err(refuse(
                state,
                input,
                e.kind(),
                ApiError::new(status, e.to_string()),
            ))
        }
        Err(_) => {
            let err = ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "normalization failed unexpectedly",
            );
            Err(refuse(state, input, "internal", err))
        }
    }
}

/// Admits `output`'s events to the queue as one batch (all or nothing),
/// counts every record outcome, then waits until the events are durable in
/// the write-ahead log. On refusal nothing is counted as accepted and the
/// response says why (429, 413, 503, or 507 when the disk is full).
/// Returns how many events were stored.
pub(crate) async fn enqueue(
    state: &AppState,
    input: &'static str,
    dataset: Option<&str>,
    output: &mut Output,
) -> Result<usize, ApiError> {
    let admitted = state.queue.admit(dataset, output).map_err(|e| {
        let (reason, err) = match e {
            QueueError::Full { .. } => (
                "queue_full",
                ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{e}; nothing from this request was accepted"),
                )
                .retry_after(1),
            ),
            QueueError::BatchTooLarge { .. } => (
                "batch_too_large",
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
            ),
            QueueError::Closed => (
                "shutting_down",
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).retry_after(5),
            ),
        };
        refuse(state, input, reason, err)
    })?;
    admitted.ack.durable().await.map_err(|e| {
        let (reason, err) = match &e {
            AckError::DiskFull(_) => (
                "disk_full",
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    format!("{e}; this request was not stored, retry once space is freed"),
                ),
            ),
            AckError::Failed(_) => (
                "store_failed",
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("{e}; retry later"))
                    .retry_after(5),
            ),
            AckError::Closed => (
                "shutting_down",
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()).retry_after(5),
            ),
        };
        refuse(state, input, reason, err)
    })?;
    Ok(admitted.events)
}

/// Queues the events, counts outcomes, builds the reply.
async fn admit(state: &AppState, dataset: Option<&str>, mut output: Output) -> Response {
    let n_events = match enqueue(state, INPUT, dataset, &mut output).await {
        Ok(n) => n,
        Err(err) => return err.into_response(),
    };
    let Output {
        accepted,
        skipped,
        rejected,
        ..
    } = output;
    let reply = IngestReply {
        accepted,
        rejected: rejected.len(),
        skipped,
        events: n_events,
        errors_truncated: rejected.len() > MAX_LISTED_ERRORS,
        errors: rejected
            .into_iter()
            .take(MAX_LISTED_ERRORS)
            .map(|r| RecordError {
                index: r.index,
                line: r.line,
                item: r.item,
                dataset: r.dataset,
                error: r.error.to_string(),
            })
            .collect(),
    };
    let status = if reply.accepted == 0 && reply.rejected > 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    (status, Json(reply)).into_response()
}
