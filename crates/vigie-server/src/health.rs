//! Health, readiness, metrics and discovery endpoints.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use crate::AppState;

/// `GET /-/healthy`: the process is up. Needs no token.
pub async fn healthy() -> &'static str {
    "vigie is Healthy.\n"
}

/// `GET /-/ready`: the server accepts work (503 while shutting down).
pub async fn ready(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    if state.is_ready() {
        (StatusCode::OK, "vigie is Ready.\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "vigie is shutting down.\n")
    }
}

/// `GET /metrics`: Prometheus text exposition (scope `read`).
pub async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    state.metrics.queue_depth.set(state.queue.depth() as i64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.encode(),
    )
}

/// `GET /api/v1/datasets`: the datasets this server can ingest.
pub async fn datasets(State(state): State<Arc<AppState>>) -> Json<Vec<String>> {
    Json(state.registry.datasets().map(str::to_owned).collect())
}
