//! The HTTP API in process (no sockets): authentication, every refusal
//! path with its status and message, all-or-nothing admission, metrics.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vigie_event::Event;
use vigie_metrics::Metrics;
use vigie_normalize::Registry;
use vigie_pipeline::{queue, Pipeline, QueueReceiver, Sink, SinkError};
use vigie_server::auth::{digest, Scope, TokenEntry, TokenStore};
use vigie_server::{router, AppState, IngestLimits};

const INGEST: &str = "ingest-token-0123456789";
const READER: &str = "reader-token-0123456789";

struct Harness {
    app: Router,
    state: Arc<AppState>,
    /// Events the pipeline wrote (acknowledged requests only).
    written: Arc<AtomicU64>,
    /// Held when no pipeline drains the queue.
    _rx: Option<QueueReceiver>,
}

impl Harness {
    fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

/// Counts what the pipeline writes.
struct CountingSink(Arc<AtomicU64>);

impl Sink for CountingSink {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.0.fetch_add(events.len() as u64, Ordering::SeqCst);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// The API over a queue drained by a pipeline into a [`CountingSink`], so
/// that admitted requests are acknowledged.
fn harness(capacity: usize, limits: IngestLimits) -> Harness {
    harness_with(capacity, limits, true)
}

fn harness_with(capacity: usize, limits: IngestLimits, drained: bool) -> Harness {
    let metrics = Arc::new(Metrics::new());
    let (q, rx) = queue(capacity, metrics.clone());
    let tokens = TokenStore::new(vec![
        TokenEntry {
            name: "shipper".into(),
            sha256: digest(INGEST),
            scopes: vec![Scope::Ingest],
        },
        TokenEntry {
            name: "grafana".into(),
            sha256: digest(READER),
            scopes: vec![Scope::Read],
        },
    ]);
    let state = AppState::new(Arc::new(Registry::default()), q, metrics, tokens, limits);
    let written = Arc::new(AtomicU64::new(0));
    let rx = if drained {
        // Detached: the thread ends with the process.
        let _ = Pipeline::start(rx, CountingSink(written.clone()));
        None
    } else {
        Some(rx)
    };
    Harness {
        app: router(state.clone()),
        state,
        written,
        _rx: rx,
    }
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn post(
    path: &str,
    token: Option<&str>,
    ctype: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut b = Request::post(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(c) = ctype {
        b = b.header(header::CONTENT_TYPE, c);
    }
    b.body(body.into()).unwrap()
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn line(i: usize) -> String {
    format!(
        "{{\"@timestamp\":\"2024-05-01T00:00:{:02}Z\",\"message\":\"m{i}\"}}\n",
        i % 60
    )
}

#[tokio::test]
async fn health_is_open_and_everything_else_needs_a_token() {
    let h = harness(100, IngestLimits::default());
    let get = |p: &str| Request::get(p).body(Body::empty()).unwrap();
    assert_eq!(call(&h.app, get("/-/healthy")).await.0, StatusCode::OK);
    assert_eq!(call(&h.app, get("/-/ready")).await.0, StatusCode::OK);
    let (status, headers, body) = call(&h.app, get("/metrics")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("missing token"));

    let (status, _, body) = call(
        &h.app,
        post("/api/v1/ingest", Some("wrong-token"), None, "{}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&body)["error"], "invalid token");

    // A reader cannot ingest; an ingester cannot read metrics.
    let (status, _, body) = call(&h.app, post("/api/v1/ingest", Some(READER), None, line(0))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("lacks the `ingest` scope"));
    let req = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&h.app, req).await.0, StatusCode::FORBIDDEN);

    let req = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {READER}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, text) = call(&h.app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains(r#"vigie_auth_failures_total{reason="missing_token"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"vigie_auth_failures_total{reason="insufficient_scope"} 2"#),
        "{text}"
    );
}

#[tokio::test]
async fn basic_auth_with_the_token_as_password_is_accepted() {
    let h = harness(100, IngestLimits::default());
    use base64::Engine;
    let cred = base64::engine::general_purpose::STANDARD.encode(format!("falco:{INGEST}"));
    let req = Request::post("/api/v1/ingest/json")
        .header(header::AUTHORIZATION, format!("Basic {cred}"))
        .body(Body::from(line(1)))
        .unwrap();
    let (status, _, body) = call(&h.app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["accepted"], 1);
}

#[tokio::test]
async fn a_full_queue_answers_429_with_retry_after_and_admits_nothing() {
    // Nothing drains the queue: 4 of its 5 places are taken.
    let h = harness_with(5, IngestLimits::default(), false);
    let waiting: Vec<Event> = (0..4)
        .map(|i| Event::new("json", vigie_event::Timestamp::from_nanos(i), "x"))
        .collect();
    let _pending = h.state.queue.try_enqueue(waiting).unwrap();
    let body3: String = (0..3).map(line).collect();
    let (status, headers, body) = call(
        &h.app,
        post("/api/v1/ingest/json", Some(INGEST), None, body3),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "1");
    assert!(json(&body)["error"]
        .as_str()
        .unwrap()
        .contains("nothing from this request was accepted"));
    assert_eq!(
        h.state.queue.depth(),
        4,
        "the refused batch left no event behind"
    );
    let text = h.state.metrics.encode();
    assert!(
        text.contains(r#"vigie_ingest_request_errors_total{input="http",reason="queue_full"} 1"#),
        "{text}"
    );
    assert!(
        !text.contains(r#"vigie_ingest_records_total{dataset="json",outcome="accepted"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn size_limits_answer_413_with_the_limit_named() {
    let limits = IngestLimits {
        max_body_bytes: 1000,
        max_decompressed_bytes: 4000,
        ..IngestLimits::default()
    };
    let h = harness(1000, limits);
    let big: String = (0..50).map(line).collect();
    let (status, _, body) = call(
        &h.app,
        post("/api/v1/ingest/json", Some(INGEST), None, big.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("limit of 1000 bytes"), "{body}");

    // Small on the wire, large once decompressed: a gzip bomb in miniature.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![b' '; 256 << 10]).unwrap();
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 1000);
    let req = Request::post("/api/v1/ingest/json")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST}"))
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(bomb))
        .unwrap();
    let (status, _, body) = call(&h.app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body.contains("decompressed body exceeds the limit of 4000 bytes"),
        "{body}"
    );
    let text = h.state.metrics.encode();
    assert!(text.contains(r#"reason="body_too_large"} 1"#), "{text}");
    assert!(
        text.contains(r#"reason="decompressed_too_large"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn wrong_content_type_or_encoding_is_415_and_corrupt_gzip_is_400() {
    let h = harness(100, IngestLimits::default());
    let (status, _, body) = call(
        &h.app,
        post(
            "/api/v1/ingest",
            Some(INGEST),
            Some("application/x-www-form-urlencoded"),
            "a=b",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body.contains("x-www-form-urlencoded"));
    let req = Request::post("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST}"))
        .header(header::CONTENT_ENCODING, "br")
        .body(Body::from("x"))
        .unwrap();
    assert_eq!(
        call(&h.app, req).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let req = Request::post("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST}"))
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(&b"\x1f\x8b\x08\x00garbage"[..]))
        .unwrap();
    let (status, _, body) = call(&h.app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("corrupt gzip body"), "{body}");
}

#[tokio::test]
async fn bad_records_are_listed_with_index_and_reason_and_neighbours_kept() {
    let h = harness(100, IngestLimits::default());
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let body = format!("{}{{\"broken\":\n{deep}\n{}", line(0), line(2));
    let (status, _, text) = call(
        &h.app,
        post(
            "/api/v1/ingest/json",
            Some(INGEST),
            Some("application/x-ndjson"),
            body,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let reply = json(&text);
    assert_eq!(reply["accepted"], 2);
    assert_eq!(reply["rejected"], 2);
    assert_eq!(reply["errors"][0]["index"], 1);
    assert!(reply["errors"][0]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(reply["errors"][1]["index"], 2);
    assert!(reply["errors"][1]["error"]
        .as_str()
        .unwrap()
        .contains("nested deeper than 64"));
    assert_eq!(h.written(), 2);

    // Only bad records: 400, nothing queued.
    let (status, _, _) = call(
        &h.app,
        post("/api/v1/ingest/json", Some(INGEST), None, "{\"a\":\n"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(h.written(), 2);
}

#[tokio::test]
async fn unknown_dataset_is_404_and_lists_the_known_ones() {
    let h = harness(100, IngestLimits::default());
    let (status, _, body) = call(
        &h.app,
        post("/api/v1/ingest/nope", Some(INGEST), None, line(0)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body.contains("unknown dataset `nope`") && body.contains("aws.cloudtrail"),
        "{body}"
    );
}

#[tokio::test]
async fn not_ready_while_shutting_down() {
    let h = harness(100, IngestLimits::default());
    h.state.set_ready(false);
    let (status, _, _) = call(
        &h.app,
        Request::get("/-/ready").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn zstd_bodies_and_pretty_printed_json_are_accepted() {
    let h = harness(100, IngestLimits::default());
    let body: String = (0..3).map(line).collect();
    let compressed = zstd::encode_all(body.as_bytes(), 3).unwrap();
    let req = Request::post("/api/v1/ingest/json")
        .header(header::AUTHORIZATION, format!("Bearer {INGEST}"))
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .header(header::CONTENT_ENCODING, "zstd")
        .body(Body::from(compressed))
        .unwrap();
    let (status, _, text) = call(&h.app, req).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["events"], 3);

    // One object spread over several lines, as `jq .` prints it.
    let pretty = "{\n  \"@timestamp\": \"2024-05-01T00:00:00Z\",\n  \"message\": \"pretty\"\n}\n";
    let (status, _, text) = call(
        &h.app,
        post(
            "/api/v1/ingest/json",
            Some(INGEST),
            Some("application/json"),
            pretty,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(json(&text)["events"], 1);
    assert_eq!(h.written(), 4);
}
