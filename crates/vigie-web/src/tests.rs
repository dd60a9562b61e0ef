//! Unit tests of the UI routes: content types, security headers, caching
//! and 404s.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::*;

async fn get(path: &str, if_none_match: Option<&str>) -> Response {
    let mut req = Request::get(path);
    if let Some(tag) = if_none_match {
        req = req.header(header::IF_NONE_MATCH, tag);
    }
    routes()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn header_of<'a>(r: &'a Response, name: &header::HeaderName) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn assert_secure(r: &Response) {
    assert_eq!(header_of(r, &header::CONTENT_SECURITY_POLICY), CSP);
    assert!(CSP.contains("script-src 'self';"));
    assert!(CSP.contains("frame-ancestors 'none'"));
    assert_eq!(header_of(r, &header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_of(r, &header::REFERRER_POLICY), "no-referrer");
    assert_eq!(header_of(r, &header::X_FRAME_OPTIONS), "DENY");
}

async fn body_text(r: Response) -> String {
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn the_page_is_html_with_security_headers() {
    let r = get("/", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        header_of(&r, &header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_secure(&r);
    assert_eq!(header_of(&r, &header::CACHE_CONTROL), "no-cache");
    let html = body_text(r).await;
    assert!(html.contains(r#"<script type="module" src="/ui/app.js">"#));
    // The CSP forbids inline scripts and styles: the page has none.
    assert!(!html.contains("<script>"), "inline script");
    assert!(!html.contains("style="), "inline style");
    assert!(!html.contains("<style"), "style element");
}

#[tokio::test]
async fn assets_have_their_content_type() {
    for (path, ty) in [
        ("/ui/app.js", "text/javascript; charset=utf-8"),
        ("/ui/chart.js", "text/javascript; charset=utf-8"),
        ("/ui/app.css", "text/css; charset=utf-8"),
        ("/ui/icon.svg", "image/svg+xml"),
    ] {
        let r = get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&r, &header::CONTENT_TYPE), ty, "{path}");
        assert_secure(&r);
        assert!(!body_text(r).await.is_empty(), "{path}");
    }
}

#[tokio::test]
async fn every_asset_is_served_and_no_script_uses_inline_styles_or_eval() {
    for a in ASSETS.iter().filter(|a| a.name != "index.html") {
        let r = get(&format!("/ui/{}", a.name), None).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", a.name);
        if a.name.ends_with(".js") {
            let text = body_text(r).await;
            for banned in [
                "eval(",
                "new Function",
                ".innerHTML",
                "setAttribute('style'",
            ] {
                assert!(!text.contains(banned), "{} uses {banned}", a.name);
            }
        }
    }
}

#[tokio::test]
async fn etags_give_not_modified() {
    let r = get("/ui/app.js", None).await;
    let etag = header_of(&r, &header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let r = get("/ui/app.js", Some(&etag)).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_secure(&r);
    assert!(body_text(r).await.is_empty());
    // Another asset's tag does not match.
    let other = find("api.js").unwrap().etag().to_owned();
    assert_ne!(other, etag);
    let r = get("/ui/app.js", Some(&other)).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_assets_are_404_with_security_headers() {
    for path in [
        "/ui/nope.js",
        "/ui/",
        "/ui/../Cargo.toml",
        "/ui/index.html",
        "/ui/app.js/x",
    ] {
        let r = get(path, None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_secure(&r);
    }
}

#[test]
fn imported_modules_are_all_embedded() {
    // Every `from './x.js'` in a script names an embedded asset.
    for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
        let text = std::str::from_utf8(a.body).unwrap();
        for part in text.split("from './").skip(1) {
            let name = &part[..part.find('\'').unwrap()];
            assert!(find(name).is_some(), "{} imports {name}", a.name);
        }
    }
}
