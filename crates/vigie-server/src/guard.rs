//! The middleware that guards every route but health, the login API and
//! the UI's static assets.
//!
//! A request is authenticated by an API token (`Authorization`) or by a
//! web UI session cookie. With a cookie, every request that changes state
//! must also carry the session's CSRF token in `X-CSRF-Token`
//! (`SameSite=Strict` already keeps other sites' requests from carrying the
//! cookie; the header is the second lock). Each refusal is counted by
//! reason and against the client's address ([`crate::auth_limit`]);
//! state-changing requests (scopes `write` and `admin`) are written to the
//! audit log.

// Helpers return the error response itself, as axum handlers do; it is
// built once per refused request, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::audit::{self, Actor, AuditRecord};
use crate::auth::{presented_token, Scope, TokenEntry};
use crate::session::{cookie_value, Session, SessionError};
use crate::{ApiError, AppState};

/// Header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who is making a request, put in the request's extensions once
/// authenticated.
#[derive(Debug, Clone)]
pub enum Principal {
    Token { entry: TokenEntry },
    Session { id: String, session: Session },
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match self {
            Self::Token { entry } => Actor::Token(entry.name.clone()),
            Self::Session { session, .. } => Actor::User(session.user.clone()),
        }
    }
}

/// The client's address (unspecified when the server was not given it).
pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Whether `method` changes state (and so needs CSRF protection and an
/// audit record).
pub fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A refusal: counted by `reason`, against the client, and answered; once
/// the client is past its failure budget, answered 429 instead. Valid
/// tokens and sessions (256 random bits: not guessable) are never slowed,
/// so a misconfigured client cannot lock out a working one on the same
/// host; password logins check the budget before the password.
pub(crate) fn refuse(
    state: &AppState,
    ip: IpAddr,
    status: StatusCode,
    reason: &'static str,
    message: String,
) -> Response {
    if let Some(r) = rate_limited(state, ip) {
        return r;
    }
    state.metrics.auth_failure(reason);
    state.limiter.record_failure(ip);
    tracing::debug!(reason, client = %ip, "request refused by authentication");
    let mut err = ApiError::new(status, message);
    err.challenge = status == StatusCode::UNAUTHORIZED;
    err.into_response()
}

/// 429 for a client past its failure budget.
pub(crate) fn rate_limited(state: &AppState, ip: IpAddr) -> Option<Response> {
    let wait = state.limiter.blocked(ip)?;
    state.metrics.auth_failure("rate_limited");
    let secs = wait.as_secs().max(1);
    let mut err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many authentication failures from {ip}: retry in {secs} s"),
    );
    err.retry_after = Some(u32::try_from(secs).unwrap_or(u32::MAX));
    Some(err.into_response())
}

/// Checks a presented CSRF token against the session's, in constant time.
fn csrf_ok(req: &Request, session: &Session) -> bool {
    let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    crate::auth::ct_eq(
        &crate::auth::digest(sent),
        &crate::auth::digest(&session.csrf_token),
    )
}

/// The session cookie a request carries, if any.
pub fn session_cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(cookie_value)
        .map(str::to_owned)
}

/// Authenticates `req`: a principal, or the refusal to answer.
fn authenticate(state: &AppState, req: &Request, ip: IpAddr) -> Result<Principal, Response> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let Some(token) = presented_token(req) else {
            return Err(refuse(
                state,
                ip,
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "unreadable Authorization header: send `Authorization: Bearer <token>`".into(),
            ));
        };
        return match state.tokens.authenticate(&token) {
            Some(entry) => Ok(Principal::Token { entry }),
            None => Err(refuse(
                state,
                ip,
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "invalid token".into(),
            )),
        };
    }
    let Some(id) = session_cookie(req) else {
        return Err(refuse(
            state,
            ip,
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "missing token: send `Authorization: Bearer <token>` (or log in to the web UI)".into(),
        ));
    };
    let session = state.sessions.touch(&id).map_err(|e| match e {
        SessionError::Expired => refuse(
            state,
            ip,
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "session expired: log in again".into(),
        ),
        SessionError::Unknown => refuse(
            state,
            ip,
            StatusCode::UNAUTHORIZED,
            "invalid_session",
            "not logged in: the session is unknown (logged out, or the server restarted)".into(),
        ),
    })?;
    if is_mutating(req.method()) && !csrf_ok(req, &session) {
        return Err(refuse(
            state,
            ip,
            StatusCode::FORBIDDEN,
            "csrf",
            format!("missing or wrong CSRF token: send the session's token in `{CSRF_HEADER}`"),
        ));
    }
    Ok(Principal::Session { id, session })
}

fn grants(principal: &Principal, scope: Scope) -> Result<(), String> {
    match principal {
        Principal::Token { entry } => {
            if entry.grants(scope) {
                Ok(())
            } else {
                Err(format!(
                    "token `{}` lacks the `{}` scope",
                    entry.name,
                    scope.as_str()
                ))
            }
        }
        Principal::Session { session, .. } => {
            if session.role.grants(scope) {
                Ok(())
            } else {
                Err(format!(
                    "user `{}` (role {}) lacks the `{}` scope",
                    session.user,
                    session.role.as_str(),
                    scope.as_str()
                ))
            }
        }
    }
}

/// Middleware: refuses the request unless it carries a token or session
/// with `scope`; audits it when it changes state outside ingest.
pub async fn require_scope(
    State((state, scope)): State<(Arc<AppState>, Scope)>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = client_ip(&req);
    let principal = match authenticate(&state, &req, ip) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(message) = grants(&principal, scope) {
        return refuse(
            &state,
            ip,
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            message,
        );
    }
    // Changes are audited; reads (even `POST /api/v1/query`) and ingest are
    // not: they are counted in the metrics instead.
    let audited = matches!(scope, Scope::Write | Scope::Admin) && is_mutating(req.method());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let actor = principal.actor();
    req.extensions_mut().insert(principal);
    let resp = next.run(req).await;
    if audited {
        state.metrics.auth.audit_records.inc();
        audit::write(
            &state.queue,
            &AuditRecord {
                action: "request",
                actor,
                source_ip: Some(ip),
                method: method.as_str(),
                path: &path,
                status: resp.status().as_u16(),
            },
        );
    }
    resp
}
