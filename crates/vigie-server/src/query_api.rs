//! The query APIs over the event store:
//! - `POST /api/v1/query`: SQL over the `events` table (body: the SQL as
//!   text, or JSON `{"query": "..."}`); `?format=ndjson` for one JSON
//!   object per row;
//! - `GET /api/v1/search?q=&from=&to=&size=&cursor=`: newest first;
//! - `GET /api/v1/aggregate?q=&from=&to=&interval=5m[&by=field]` or
//!   `…&field=source.ip&top=10`.
//!
//! Errors answer as Prometheus does: 400 for a mistake in the query (with
//! its line and column), 422 when the query needs more memory than allowed,
//! 503 when it runs out of time.

// Helpers return the error response itself, as axum handlers do; it is
// built once per failed request, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vigie_store::query::AggregateRequest;
use vigie_store::{QueryError, SearchRequest, Store};

use crate::AppState;

fn store(state: &AppState) -> Result<&Store, Response> {
    state.store.as_ref().ok_or_else(|| {
        error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "the event store is not open",
            None,
        )
    })
}

fn error_response(
    status: StatusCode,
    message: &str,
    position: Option<vigie_store::query::Position>,
) -> Response {
    let mut body = serde_json::json!({
        "status": "error",
        "code": status.as_u16(),
        "error": message,
    });
    if let Some(p) = position {
        body["position"] = serde_json::json!({ "line": p.line, "column": p.column });
    }
    (status, axum::Json(body)).into_response()
}

fn query_error(e: QueryError) -> Response {
    let status = match &e {
        QueryError::Invalid { .. } => StatusCode::BAD_REQUEST,
        QueryError::Memory { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        QueryError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
        QueryError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_response(status, &e.to_string(), e.position())
}

fn bad(message: String) -> Response {
    error_response(StatusCode::BAD_REQUEST, &message, None)
}

#[derive(Debug, Deserialize)]
pub(crate) struct SqlParams {
    format: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SqlBody {
    query: String,
}

/// `POST /api/v1/query`.
pub(crate) async fn sql(
    State(state): State<Arc<AppState>>,
    Query(params): Query<SqlParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let store = match store(&state) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let text = if is_json {
        match serde_json::from_slice::<SqlBody>(&body) {
            Ok(b) => b.query,
            Err(e) => return bad(format!("the body is not {{\"query\": \"…\"}}: {e}")),
        }
    } else {
        match String::from_utf8(body.to_vec()) {
            Ok(s) => s,
            Err(e) => {
                return bad(format!(
                    "the query is not UTF-8 (byte {})",
                    e.utf8_error().valid_up_to()
                ))
            }
        }
    };
    if text.trim().is_empty() {
        return bad("the query is empty".into());
    }
    match store.sql(&text).await {
        Ok(out) if params.format.as_deref() == Some("ndjson") => {
            let mut body = String::new();
            for row in &out.rows {
                let obj: serde_json::Map<String, serde_json::Value> = out
                    .columns
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect();
                body.push_str(&serde_json::Value::Object(obj).to_string());
                body.push('\n');
            }
            ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response()
        }
        Ok(out) => axum::Json(out).into_response(),
        Err(e) => query_error(e),
    }
}

/// Parses `from`/`to`.
fn time_param(name: &str, v: Option<&str>) -> Result<Option<i64>, Response> {
    let now = vigie_event::Timestamp::now().as_nanos();
    match v {
        None | Some("") => Ok(None),
        Some(s) => vigie_store::query::parse_time(s, now).map(Some).ok_or_else(|| {
            bad(format!("{name}={s:?} is not a time (RFC 3339, a date, now, now-15m, or epoch milliseconds)"))
        }),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SearchParams {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    size: Option<usize>,
    cursor: Option<String>,
}

/// The `from` and `to` parameters (nanoseconds since the epoch).
fn time_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), Response> {
    Ok((time_param("from", from)?, time_param("to", to)?))
}

/// `GET /api/v1/search`.
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    Query(p): Query<SearchParams>,
) -> Response {
    let store = match store(&state) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (from, to) = match time_range(p.from.as_deref(), p.to.as_deref()) {
        Ok(range) => range,
        Err(r) => return r,
    };
    let req = SearchRequest {
        query: p.q.unwrap_or_default(),
        from,
        to,
        size: p.size.unwrap_or(100),
        cursor: p.cursor.filter(|c| !c.is_empty()),
    };
    match store.search(&req).await {
        Ok(page) => axum::Json(page).into_response(),
        Err(e) => query_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct AggregateParams {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    interval: Option<String>,
    by: Option<String>,
    field: Option<String>,
    top: Option<usize>,
}

/// Parses `30s`, `5m`, `1h`, `1d`.
fn interval_param(s: &str) -> Option<Duration> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    (n > 0).then(|| Duration::from_secs(n * secs))
}

/// `GET /api/v1/aggregate`.
pub(crate) async fn aggregate(
    State(state): State<Arc<AppState>>,
    Query(p): Query<AggregateParams>,
) -> Response {
    let store = match store(&state) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (from, to) = match time_range(p.from.as_deref(), p.to.as_deref()) {
        Ok(range) => range,
        Err(r) => return r,
    };
    let interval = match p.interval.as_deref() {
        None | Some("") => None,
        Some(s) => match interval_param(s) {
            Some(d) => Some(d),
            None => {
                return bad(format!(
                    "interval={s:?} is not a duration like 30s, 5m, 1h or 1d"
                ))
            }
        },
    };
    let req = AggregateRequest {
        query: p.q.unwrap_or_default(),
        from,
        to,
        interval,
        by: p.by.filter(|s| !s.is_empty()),
        field: p.field.filter(|s| !s.is_empty()),
        top: p.top.unwrap_or(10),
    };
    match store.aggregate(&req).await {
        Ok(res) => axum::Json(res).into_response(),
        Err(e) => query_error(e),
    }
}
