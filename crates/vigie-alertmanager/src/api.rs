//! The HTTP API: Alertmanager 0.25's API v2 paths and its management
//! endpoints, answering as Alertmanager does (status codes and bodies from
//! [`vigie_alert::api_v2`]).
//!
//! | path | methods |
//! |---|---|
//! | `/api/v2/alerts` | `GET`, `POST` |
//! | `/api/v2/alerts/groups` | `GET` |
//! | `/api/v2/silences` | `GET`, `POST` |
//! | `/api/v2/silence/{id}` | `GET`, `DELETE` |
//! | `/api/v2/status`, `/api/v2/receivers` | `GET` |
//! | `/-/reload` | `POST` |
//! | `/-/healthy`, `/-/ready` | `GET` (and `HEAD`) |
//!
//! Request bodies of the `POST`s must be JSON: another (or no)
//! `Content-Type` answers 415 as go-openapi does (`unsupported media type
//! "text/plain", only [application/json] are allowed`); bodies larger than
//! [`crate::AlertManagerOptions::max_request_body_bytes`] answer 413.
//! Authentication is the host's business: it wraps the router.

use std::sync::Arc;

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use bytes::Bytes;
use serde::Serialize;
use vigie_alert::api_v2::filter::AlertsQuery;
use vigie_alert::api_v2::request::ApiAnswer;

use crate::service::{AlertManager, ExpireError};

type Shared = State<Arc<AlertManager>>;
type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The API v2 routes in groups a host can guard separately (each with its
/// own authorization), then merge.
pub struct ApiRoutes {
    /// What only reads: `GET` of alerts, alert groups, silences, one
    /// silence, status and receivers.
    pub read: Router,
    /// `POST /api/v2/alerts`: what alert sources (Prometheus) call.
    pub post_alerts: Router,
    /// What changes silences: `POST /api/v2/silences` and
    /// `DELETE /api/v2/silence/{id}`.
    pub silences: Router,
}

/// The API v2 routes serving `service`, grouped by what they may change.
pub fn routes(service: Arc<AlertManager>) -> ApiRoutes {
    let limit = service.options().max_request_body_bytes;
    let read = Router::new()
        .route("/api/v2/alerts", get(get_alerts))
        .route("/api/v2/alerts/groups", get(get_alert_groups))
        .route("/api/v2/silences", get(get_silences))
        .route("/api/v2/silence/{id}", get(get_silence))
        .route("/api/v2/status", get(get_status))
        .route("/api/v2/receivers", get(get_receivers))
        .with_state(service.clone());
    let post_alerts = Router::new()
        .route("/api/v2/alerts", post(post_alerts))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(service.clone());
    let silences = Router::new()
        .route("/api/v2/silences", post(post_silences))
        .route("/api/v2/silence/{id}", delete(delete_silence))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(service);
    ApiRoutes {
        read,
        post_alerts,
        silences,
    }
}

/// The router of the whole API, serving `service`: every route of
/// [`routes`] plus the management endpoints, without authorization.
pub fn router(service: Arc<AlertManager>) -> Router {
    let ApiRoutes {
        read,
        post_alerts,
        silences,
    } = routes(service.clone());
    read.merge(post_alerts).merge(silences).merge(
        Router::new()
            .route("/-/reload", post(reload))
            .route("/-/healthy", get(ok_text))
            .route("/-/ready", get(ok_text))
            .with_state(service),
    )
}

/// A JSON answer.
fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The HTTP form of an [`ApiAnswer`].
fn answer(api_answer: ApiAnswer) -> Response {
    let status =
        StatusCode::from_u16(api_answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match api_answer.body {
        Some(body) => json_response(status, &body),
        None => status.into_response(),
    }
}

/// go-swagger's error body `{"code": ..., "message": ...}`.
fn swagger_error(status: StatusCode, message: impl Into<String>) -> ApiAnswer {
    ApiAnswer::swagger_error(status.as_u16(), message)
}

fn query_pairs(pairs: Pairs) -> Result<Vec<(String, String)>, ApiAnswer> {
    match pairs {
        Ok(Query(pairs)) => Ok(pairs),
        Err(rejection) => Err(swagger_error(
            StatusCode::BAD_REQUEST,
            rejection.body_text(),
        )),
    }
}

/// The alert list parameters. An empty `receiver` is no parameter at all
/// for go-swagger's binder (an empty regex would match no receiver).
fn alerts_query(pairs: Pairs) -> Result<AlertsQuery, ApiAnswer> {
    let pairs = query_pairs(pairs)?;
    AlertsQuery::from_pairs(
        pairs
            .iter()
            .filter(|(k, v)| !(k == "receiver" && v.is_empty()))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

/// go-openapi's checks of a request body: its size (413) and, when there
/// is one, a JSON `Content-Type` (415; missing means
/// `application/octet-stream`).
fn json_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiAnswer> {
    let body =
        body.map_err(|rejection| swagger_error(rejection.status(), rejection.body_text()))?;
    if body.is_empty() {
        return Ok(body);
    }
    let raw = match headers.get(header::CONTENT_TYPE) {
        None => "application/octet-stream".to_string(),
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
    };
    let media_type = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media_type == "application/json" {
        return Ok(body);
    }
    Err(swagger_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!("unsupported media type {media_type:?}, only [application/json] are allowed"),
    ))
}

async fn get_alerts(State(service): Shared, pairs: Pairs) -> Response {
    match alerts_query(pairs) {
        Ok(query) => json_response(StatusCode::OK, &service.list_alerts(&query).await),
        Err(error) => answer(error),
    }
}

async fn post_alerts(
    State(service): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match json_body(&headers, body) {
        Ok(body) => answer(service.post_alerts_body(&body).await),
        Err(error) => answer(error),
    }
}

async fn get_alert_groups(State(service): Shared, pairs: Pairs) -> Response {
    match alerts_query(pairs) {
        Ok(query) => json_response(StatusCode::OK, &service.list_alert_groups(&query).await),
        Err(error) => answer(error),
    }
}

async fn get_silences(State(service): Shared, pairs: Pairs) -> Response {
    let pairs = match query_pairs(pairs) {
        Ok(pairs) => pairs,
        Err(error) => return answer(error),
    };
    let filter: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "filter")
        .map(|(_, v)| v.as_str())
        .collect();
    match service.list_silences(&filter).await {
        Ok(silences) => json_response(StatusCode::OK, &silences),
        Err(api_answer) => answer(api_answer),
    }
}

async fn post_silences(
    State(service): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match json_body(&headers, body) {
        Ok(body) => answer(service.post_silence_body(&body).await),
        Err(error) => answer(error),
    }
}

/// go-openapi's `strfmt` UUID check of the path parameter (422 otherwise).
fn check_silence_id(id: &str) -> Result<(), ApiAnswer> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    let hyphens = id.len() - hex.len();
    let well_formed = hex.len() == 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
        && (hyphens == 0
            || [8, 13, 18, 23]
                .iter()
                .all(|&i| id.as_bytes().get(i) == Some(&b'-')));
    if well_formed && (hyphens == 0 || hyphens == 4) {
        Ok(())
    } else {
        Err(swagger_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("silenceID in path must be of type strfmt.UUID: {id:?}"),
        ))
    }
}

async fn get_silence(State(service): Shared, Path(id): Path<String>) -> Response {
    if let Err(error) = check_silence_id(&id) {
        return answer(error);
    }
    match service.get_silence(&id).await {
        Some(silence) => json_response(StatusCode::OK, &silence),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete_silence(State(service): Shared, Path(id): Path<String>) -> Response {
    if let Err(error) = check_silence_id(&id) {
        return answer(error);
    }
    match service.expire_silence(&id).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(ExpireError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error @ ExpireError::AlreadyExpired(_)) => {
            json_response(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string())
        }
    }
}

async fn get_status(State(service): Shared) -> Response {
    json_response(StatusCode::OK, &service.status().await)
}

async fn get_receivers(State(service): Shared) -> Response {
    json_response(StatusCode::OK, &service.receivers().await)
}

async fn reload(State(service): Shared) -> Response {
    match service.reload_from_source().await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {error}"),
        )
            .into_response(),
    }
}

async fn ok_text() -> &'static str {
    "OK"
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn silence_ids_are_checked_like_go_openapi_uuids() {
        assert!(check_silence_id("0a1b2c3d-0000-4000-8000-00000000abcd").is_ok());
        assert!(check_silence_id("0a1b2c3d000040008000000000000abcd").is_err());
        assert!(check_silence_id("0a1b2c3d00004000800000000000abcd").is_ok());
        assert!(check_silence_id("not-a-uuid").is_err());
        assert!(check_silence_id("0a1b2c3d-0000-4000-8000-00000000abc-").is_err());
        assert!(check_silence_id("").is_err());
    }

    #[test]
    fn a_body_without_json_content_type_is_415_with_go_openapis_message() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "text/plain; charset=utf-8".parse().unwrap(),
        );
        let refused = json_body(&headers, Ok(Bytes::from_static(b"[]"))).expect_err("415");
        assert_eq!(refused.status, 415);
        assert_eq!(
            refused.body,
            Some(
                json!({"code": 415, "message": "unsupported media type \"text/plain\", only [application/json] are allowed"})
            )
        );
        let missing = json_body(&HeaderMap::new(), Ok(Bytes::from_static(b"[]")));
        assert_eq!(missing.expect_err("415").status, 415);
        let mut json_headers = HeaderMap::new();
        json_headers.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert!(json_body(&json_headers, Ok(Bytes::from_static(b"[]"))).is_ok());
        assert!(
            json_body(&HeaderMap::new(), Ok(Bytes::new())).is_ok(),
            "empty: 422 later"
        );
    }
}
