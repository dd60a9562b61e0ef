//! The detection rules API: `GET /api/v1/rules` (scope `read`) says what is
//! loaded, idle and failed; `POST /api/v1/rules/reload` (scope `admin`)
//! reads the rules again and swaps them in atomically.
//!
//! The server does not know about Sigma: the binary hands it a
//! [`RulesControl`].

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use crate::{ApiError, AppState};

/// What the rules API needs from the detection stage.
pub trait RulesControl: Send + Sync + 'static {
    /// The current rules: counts, idle rules and failures.
    fn status(&self) -> Value;
    /// Reloads the rules (blocking file I/O); the new status, or why the
    /// previous rules stay.
    fn reload(&self) -> Result<Value, String>;
}

fn control(state: &AppState) -> Result<Arc<dyn RulesControl>, ApiError> {
    state.rules().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "detection is not enabled on this server",
        )
    })
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
