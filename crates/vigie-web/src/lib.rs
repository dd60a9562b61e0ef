//! vigie's web UI: a single-page application (hand-written HTML, CSS and
//! JavaScript modules, no framework) embedded in the binary.
//!
//! [`routes`] serves `GET /` (the page) and `GET /ui/<asset>` (scripts,
//! styles, the icon), every answer with strict security headers (a
//! Content-Security-Policy that allows nothing but this origin, no framing,
//! no referrer, no MIME sniffing). The assets hold no data: every number
//! the pages show comes from the authenticated APIs, so the routes are
//! public (`AppState::add_public_routes`).

mod assets;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use assets::{find, Asset, ASSETS};

/// The Content-Security-Policy of every answer.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
form-action 'self'";

/// The routes of the UI: `GET /` and `GET /ui/{asset}`.
pub fn routes() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/ui", get(missing))
        .route("/ui/", get(missing))
        .route("/ui/{*path}", get(asset))
}

async fn missing() -> Response {
    serve(None, &HeaderMap::new())
}

/// Headers every answer of the UI carries.
fn security_headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

async fn index(headers: HeaderMap) -> Response {
    serve(find("index.html"), &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    // index.html is served at `/` only.
    serve(find(&path).filter(|a| a.name != "index.html"), &headers)
}

/// The answer for `asset` (None: 404), honouring `If-None-Match`.
fn serve(asset: Option<&'static Asset>, request: &HeaderMap) -> Response {
    let Some(asset) = asset else {
        let mut r = (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found\n",
        )
            .into_response();
        r.headers_mut().extend(security_headers());
        return r;
    };
    let etag = asset.etag();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut r = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let h = r.headers_mut();
    h.extend(security_headers());
    // Names are not versioned: browsers revalidate every time (a 304 when
    // the binary has not changed).
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    r
}

#[cfg(test)]
mod tests;
