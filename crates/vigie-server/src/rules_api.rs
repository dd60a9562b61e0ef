//! The detection rules API:
//! - `GET /api/v1/rules` (scope `read`): counts, every rule with its
//!   metadata and status, idle and failed documents;
//! - `POST /api/v1/rules/reload` (scope `admin`): reads the rules again and
//!   swaps them in atomically;
//! - `POST /api/v1/rules/{id}/enable|disable` (scope `write`): switches one
//!   rule on or off at once, without a reload (kept across reloads and
//!   restarts);
//! - `POST /api/v1/rules/test` (scope `read`): one rule, given as YAML,
//!   run on pasted events normalized as ingest normalizes them.
//!
//! The server does not know about Sigma: the binary hands it a
//! [`RulesControl`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_event::Event;
use vigie_normalize::normalize_payload;

use crate::{ApiError, AppState};

/// Largest body of a rule test.
pub const TEST_MAX_BODY: usize = 1 << 20;
/// Most events in one rule test.
pub const TEST_MAX_EVENTS: usize = 1000;
/// Longest a rule test may evaluate.
pub const TEST_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Why a rules API call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesError {
    /// No loaded rule has this id (404).
    UnknownRule(String),
    /// The rule given to test is not valid (400), with its position.
    Invalid {
        line: usize,
        column: usize,
        message: String,
    },
    /// The test did not finish in time (422).
    TimedOut(String),
    /// Anything else (500): a file could not be saved.
    Failed(String),
}

/// One event to test a rule on, once normalized: the events it became, or
/// why it was rejected.
pub type NormalizedEvent = Result<Vec<Event>, String>;

/// What the rules API needs from the detection stage.
pub trait RulesControl: Send + Sync + 'static {
    /// The current rules: counts, the rules, idle rules and failures.
    fn status(&self) -> Value;
    /// Reloads the rules (blocking file I/O); the new status, or why the
    /// previous rules stay.
    fn reload(&self) -> Result<Value, String>;
    /// Switches rule `id` on or off (blocking file I/O):
    /// `{"id", "enabled", "changed"}`.
    fn set_enabled(&self, id: &str, enabled: bool) -> Result<Value, RulesError>;
    /// Compiles `rule` and evaluates it on `events` until `deadline`:
    /// `{"rule": {..}, "matches": [{"index", "selections"}], "evaluated",
    /// "diagnostics"}` (CPU work).
    fn test(
        &self,
        rule: &str,
        events: &[NormalizedEvent],
        deadline: Instant,
    ) -> Result<Value, RulesError>;
}

fn control(state: &AppState) -> Result<Arc<dyn RulesControl>, ApiError> {
    state.rules().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "detection is not enabled on this server",
        )
    })
}

impl IntoResponse for RulesError {
    fn into_response(self) -> Response {
        match self {
            RulesError::UnknownRule(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no loaded rule has the id `{id}` (GET /api/v1/rules lists them)"),
            )
            .into_response(),
            RulesError::Invalid {
                line,
                column,
                message,
            } => {
                let body = json!({
                    "status": "error",
                    "code": 400,
                    "error": format!("invalid rule: line {line}, column {column}: {message}"),
                    "line": line,
                    "column": column,
                });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
            RulesError::TimedOut(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m).into_response()
            }
            RulesError::Failed(m) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m).into_response()
            }
        }
    }
}

/// `GET /api/v1/rules`.
pub async fn status(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    Ok(Json(control(&state)?.status()))
}

/// `POST /api/v1/rules/reload`.
pub async fn reload(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let c = control(&state)?;
    match tokio::task::spawn_blocking(move || c.reload()).await {
        Ok(Ok(v)) => Ok(Json(v)),
        Ok(Err(e)) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e)),
        Err(_) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the reload did not finish",
        )),
    }
}

async fn switch(state: Arc<AppState>, id: String, enabled: bool) -> Response {
    let c = match control(&state) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match tokio::task::spawn_blocking(move || c.set_enabled(&id, enabled)).await {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the change did not finish",
        )
        .into_response(),
    }
}

/// `POST /api/v1/rules/{id}/enable`.
pub async fn enable(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    switch(state, id, true).await
}

/// `POST /api/v1/rules/{id}/disable`.
pub async fn disable(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    switch(state, id, false).await
}

/// The body of `POST /api/v1/rules/test`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestRequest {
    /// One Sigma rule, as YAML.
    rule: String,
    /// Records, as objects (JSON records) or strings (text lines).
    events: Vec<Value>,
    /// The dataset of every event; detected per event when absent.
    #[serde(default)]
    dataset: Option<String>,
}

fn bad(message: impl Into<String>) -> Response {
    ApiError::new(StatusCode::BAD_REQUEST, message).into_response()
}

/// `POST /api/v1/rules/test`.
pub async fn test(State(state): State<Arc<AppState>>, body: Body) -> Response {
    let c = match control(&state) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let raw = match axum::body::to_bytes(body, TEST_MAX_BODY).await {
        Ok(raw) => raw,
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            return if too_large {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("a rule test body is at most {TEST_MAX_BODY} bytes"),
                )
                .into_response()
            } else {
                bad(format!("could not read the request body: {e}"))
            };
        }
    };
    let req: TestRequest = match serde_json::from_slice(&raw) {
        Ok(r) => r,
        Err(e) => {
            return bad(format!(
                "expected {{\"rule\": \"<Sigma YAML>\", \"events\": [...], \"dataset\": optional}}: {e}"
            ))
        }
    };
    if req.events.len() > TEST_MAX_EVENTS {
        return bad(format!(
            "at most {TEST_MAX_EVENTS} events per rule test ({} given)",
            req.events.len()
        ));
    }
    if let Some(name) = req.dataset.as_deref() {
        if state.registry.get(name).is_none() {
            let known: Vec<&str> = state.registry.datasets().collect();
            return bad(format!(
                "unknown dataset `{name}`; known datasets: {}",
                known.join(", ")
            ));
        }
    }
    let deadline = Instant::now() + TEST_TIME_LIMIT;
    let st = state.clone();
    let work = tokio::task::spawn_blocking(move || {
        let normalizer = req.dataset.as_deref().and_then(|n| st.registry.get(n));
        let mut normalized: Vec<NormalizedEvent> = Vec::with_capacity(req.events.len());
        for e in &req.events {
            let bytes = match e {
                Value::String(s) => s.clone().into_bytes(),
                other => serde_json::to_vec(other).unwrap_or_default(),
            };
            let out = normalize_payload(&st.registry, normalizer, &bytes, &st.limits.record);
            normalized.push(match out.rejected.first() {
                Some(r) if out.events.is_empty() => Err(r.error.to_string()),
                _ => Ok(out.events),
            });
        }
        let mut answer = c.test(&req.rule, &normalized, deadline)?;
        if let Some(matches) = answer.get_mut("matches").and_then(Value::as_array_mut) {
            for m in matches {
                let event = m
                    .get("index")
                    .and_then(Value::as_u64)
                    .and_then(|i| req.events.get(i as usize))
                    .cloned();
                if let (Some(obj), Some(event)) = (m.as_object_mut(), event) {
                    obj.insert("event".into(), event);
                }
            }
        }
        Ok::<Value, RulesError>(answer)
    });
    let late = || {
        RulesError::TimedOut(format!(
            "the rule test took longer than {} s",
            TEST_TIME_LIMIT.as_secs()
        ))
        .into_response()
    };
    match tokio::time::timeout(TEST_TIME_LIMIT + Duration::from_secs(1), work).await {
        Ok(Ok(Ok(v))) => Json(v).into_response(),
        Ok(Ok(Err(e))) => e.into_response(),
        Ok(Err(_)) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the rule test did not finish",
        )
        .into_response(),
        Err(_) => late(),
    }
}
