//! Administration of users and API tokens (scope `admin`; every change is
//! audited by the guard):
//! - `GET /api/v1/users`, `POST /api/v1/users` `{"name","role","password"}`,
//!   `DELETE /api/v1/users/{name}`, `PUT /api/v1/users/{name}/password`
//!   `{"password"}` (ends the user's sessions);
//! - `GET /api/v1/tokens`, `POST /api/v1/tokens` `{"name","scopes"}` (the
//!   answer holds the secret, shown only this once),
//!   `DELETE /api/v1/tokens/{name}` (stored tokens only).

// Helpers return the error response itself, as axum handlers do; it is
// built once per refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{Scope, TokenError};
use crate::users::{Role, UserError};
use crate::{ApiError, AppState};

fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes, what: &str) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{what}: {e} (line {} column {})", e.line(), e.column()),
        )
        .into_response()
    })
}

fn user_error(e: UserError) -> Response {
    let status = match e {
        UserError::Exists(_) => StatusCode::CONFLICT,
        UserError::Unknown(_) => StatusCode::NOT_FOUND,
        UserError::LastAdmin => StatusCode::CONFLICT,
        UserError::Hash | UserError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        UserError::BadName | UserError::WeakPassword => StatusCode::BAD_REQUEST,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "user change failed");
    }
    ApiError::new(status, e.to_string()).into_response()
}

fn token_error(e: TokenError) -> Response {
    let status = match e {
        TokenError::Exists(_) | TokenError::Configured(_) => StatusCode::CONFLICT,
        TokenError::Unknown(_) => StatusCode::NOT_FOUND,
        TokenError::BadName | TokenError::NoScope => StatusCode::BAD_REQUEST,
        TokenError::Random(_) | TokenError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "token change failed");
    }
    ApiError::new(status, e.to_string()).into_response()
}

/// `GET /api/v1/users`.
pub(crate) async fn list_users(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let users: Vec<_> = state
        .users
        .list()
        .into_iter()
        .map(|u| json!({"name": u.name, "role": u.role.as_str()}))
        .collect();
    Json(json!(users))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: String,
    password: String,
}

/// `POST /api/v1/users`.
pub(crate) async fn create_user(State(state): State<Arc<AppState>>, bytes: Bytes) -> Response {
    let new: NewUser = match body(&bytes, "user") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(role) = Role::parse(&new.role) else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown role `{}`: expected admin, analyst or viewer",
                new.role
            ),
        )
        .into_response();
    };
    let st = state.clone();
    let name = new.name.clone();
    match tokio::task::spawn_blocking(move || st.users.create(&name, role, &new.password)).await {
        Ok(Ok(())) => (
            StatusCode::CREATED,
            Json(json!({"name": new.name, "role": role.as_str()})),
        )
            .into_response(),
        Ok(Err(e)) => user_error(e),
        Err(_) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "user not created").into_response()
        }
    }
}

/// `DELETE /api/v1/users/{name}`.
pub(crate) async fn delete_user(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Response {
    match state.users.delete(&name) {
        Ok(()) => {
            state.sessions.remove_user(&name);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => user_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

/// `PUT /api/v1/users/{name}/password`.
pub(crate) async fn set_password(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    bytes: Bytes,
) -> Response {
    let new: NewPassword = match body(&bytes, "password") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let st = state.clone();
    let user = name.clone();
    match tokio::task::spawn_blocking(move || st.users.set_password(&user, &new.password)).await {
        Ok(Ok(())) => {
            state.sessions.remove_user(&name);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(Err(e)) => user_error(e),
        Err(_) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "password not set").into_response()
        }
    }
}

/// `GET /api/v1/tokens`: names, scopes and sources; never secrets.
pub(crate) async fn list_tokens(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let tokens: Vec<_> = state
        .tokens
        .list()
        .into_iter()
        .map(|(e, source)| json!({"name": e.name, "scopes": e.scopes, "source": source}))
        .collect();
    Json(json!(tokens))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
}

/// `POST /api/v1/tokens`.
pub(crate) async fn create_token(State(state): State<Arc<AppState>>, bytes: Bytes) -> Response {
    let new: NewToken = match body(&bytes, "token") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut scopes = Vec::new();
    for s in &new.scopes {
        match Scope::parse(s) {
            Some(scope) => scopes.push(scope),
            None => {
                return ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("unknown scope `{s}`: expected ingest, read, write or admin"),
                )
                .into_response()
            }
        }
    }
    match state.tokens.create(&new.name, scopes.clone()) {
        Ok(secret) => (
            StatusCode::CREATED,
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            Json(json!({"name": new.name, "scopes": scopes, "token": secret})),
        )
            .into_response(),
        Err(e) => token_error(e),
    }
}

/// `DELETE /api/v1/tokens/{name}`.
pub(crate) async fn delete_token(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Response {
    match state.tokens.delete(&name) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => token_error(e),
    }
}
