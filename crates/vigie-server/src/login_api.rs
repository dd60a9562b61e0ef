//! The web UI's login API: `POST /api/v1/auth/login`, `GET
//! /api/v1/auth/session`, `POST /api/v1/auth/logout` and `POST
//! /api/v1/auth/password` (change one's own password).
//!
//! Password checks run argon2 on blocking threads, at most a few at once,
//! behind the per-address failure limit. Unknown users and wrong passwords
//! get the same answer in the same time.

// Helpers return the error response itself, as axum handlers do; it is
// built once per refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, Actor, AuditRecord};
use crate::guard::{client_ip, rate_limited, refuse, session_cookie, CSRF_HEADER};
use crate::session::{clear_cookie, set_cookie, Session, SessionError};
use crate::users::UserEntry;
use crate::{ApiError, AppState};

/// Largest login or password body.
const MAX_BODY: usize = 4096;

/// Password checks running at once (each takes ~19 MiB and a core).
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(4))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    current_password: String,
    new_password: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes, what: &str) -> Result<T, Response> {
    if body.len() > MAX_BODY {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{what} body is larger than {MAX_BODY} bytes"),
        )
        .into_response());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "{what} body: {e} (expected JSON, line {} column {})",
                e.line(),
                e.column()
            ),
        )
        .into_response()
    })
}

fn session_json(s: &Session) -> serde_json::Value {
    let expires = s
        .expires_at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let expires_at = vigie_event::Timestamp::from_secs(expires)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    json!({
        "user": s.user,
        "role": s.role.as_str(),
        "scopes": s.role.scopes().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "csrf_token": s.csrf_token,
        "expires_at": expires_at,
    })
}

fn audit_login(state: &AppState, action: &str, actor: Actor, ip: IpAddr, path: &str, status: u16) {
    state.metrics.auth.audit_records.inc();
    audit::write(
        &state.queue,
        &AuditRecord {
            action,
            actor,
            source_ip: Some(ip),
            method: "POST",
            path,
            status,
        },
    );
}

/// Checks a password on a blocking thread, at most a few at once.
async fn verify(state: &Arc<AppState>, user: String, password: String) -> Option<UserEntry> {
    let _permit = hashing_permits().acquire().await.ok()?;
    let st = state.clone();
    tokio::task::spawn_blocking(move || st.users.verify(&user, &password))
        .await
        .ok()
        .flatten()
}

fn login_response(state: &AppState, user: &UserEntry) -> Response {
    let (id, session) = state.sessions.create(&user.name, user.role);
    state
        .metrics
        .auth
        .sessions
        .set(state.sessions.count() as i64);
    let cookie = set_cookie(&id, state.is_tls(), state.sessions.limits().max_age);
    let mut resp = Json(session_json(&session)).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /api/v1/auth/login`.
pub(crate) async fn login(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ip = client_ip(&req);
    if let Some(r) = rate_limited(&state, ip) {
        return r;
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY + 1).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("login body is larger than {MAX_BODY} bytes"),
            )
            .into_response()
        }
    };
    let body: LoginBody = match parse(&body, "login") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let path = "/api/v1/auth/login";
    match verify(&state, body.username.clone(), body.password).await {
        Some(user) => {
            state.metrics.auth.login(true);
            audit_login(
                &state,
                "login",
                Actor::User(user.name.clone()),
                ip,
                path,
                200,
            );
            login_response(&state, &user)
        }
        None => {
            state.metrics.auth.login(false);
            // Name the account only when it exists: a password typed into
            // the user field must not reach the audit log.
            let actor = match state.users.get(&body.username) {
                Some(u) => Actor::User(u.name),
                None => Actor::Anonymous,
            };
            audit_login(&state, "login_failed", actor, ip, path, 401);
            refuse(
                &state,
                ip,
                StatusCode::UNAUTHORIZED,
                "wrong_password",
                "invalid username or password".into(),
            )
        }
    }
}

/// The session a request's cookie names, or the 401 to answer.
fn current(state: &AppState, req: &Request) -> Result<(String, Session), Response> {
    let Some(id) = session_cookie(req) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "not logged in").into_response());
    };
    match state.sessions.touch(&id) {
        Ok(s) => Ok((id, s)),
        Err(SessionError::Expired) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session expired: log in again",
        )
        .into_response()),
        Err(SessionError::Unknown) => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "not logged in").into_response())
        }
    }
}

fn csrf_matches(req: &Request, session: &Session) -> bool {
    req.headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| {
            crate::auth::ct_eq(
                &crate::auth::digest(sent),
                &crate::auth::digest(&session.csrf_token),
            )
        })
}

/// `GET /api/v1/auth/session`: who is logged in (not counted as a failure
/// when nobody is: the UI asks on every load).
pub(crate) async fn session(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match current(&state, &req) {
        Ok((_, s)) => {
            let mut resp = Json(session_json(&s)).into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(r) => r,
    }
}

/// `POST /api/v1/auth/logout`.
pub(crate) async fn logout(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ip = client_ip(&req);
    let (id, s) = match current(&state, &req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !csrf_matches(&req, &s) {
        return refuse(
            &state,
            ip,
            StatusCode::FORBIDDEN,
            "csrf",
            format!("missing or wrong CSRF token: send the session's token in `{CSRF_HEADER}`"),
        );
    }
    state.sessions.remove(&id);
    state
        .metrics
        .auth
        .sessions
        .set(state.sessions.count() as i64);
    audit_login(
        &state,
        "logout",
        Actor::User(s.user),
        ip,
        "/api/v1/auth/logout",
        204,
    );
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(state.is_tls())) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// `POST /api/v1/auth/password`: `{"current_password","new_password"}`.
/// Ends every session of the user and opens a new one.
pub(crate) async fn change_password(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let ip = client_ip(&req);
    if let Some(r) = rate_limited(&state, ip) {
        return r;
    }
    let (_, s) = match current(&state, &req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !csrf_matches(&req, &s) {
        return refuse(
            &state,
            ip,
            StatusCode::FORBIDDEN,
            "csrf",
            format!("missing or wrong CSRF token: send the session's token in `{CSRF_HEADER}`"),
        );
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY + 1).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response()
        }
    };
    let body: PasswordBody = match parse(&body, "password change") {
        Ok(b) => b,
        Err(r) => return r,
    };
    let path = "/api/v1/auth/password";
    let Some(user) = verify(&state, s.user.clone(), body.current_password).await else {
        audit_login(
            &state,
            "password_change",
            Actor::User(s.user),
            ip,
            path,
            401,
        );
        return refuse(
            &state,
            ip,
            StatusCode::UNAUTHORIZED,
            "wrong_password",
            "the current password is wrong".into(),
        );
    };
    let st = state.clone();
    let name = user.name.clone();
    let changed =
        tokio::task::spawn_blocking(move || st.users.set_password(&name, &body.new_password)).await;
    match changed {
        Ok(Ok(())) => {
            state.sessions.remove_user(&user.name);
            audit_login(
                &state,
                "password_change",
                Actor::User(user.name.clone()),
                ip,
                path,
                200,
            );
            login_response(&state, &user)
        }
        Ok(Err(e)) => ApiError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        Err(_) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "password change failed")
            .into_response(),
    }
}
