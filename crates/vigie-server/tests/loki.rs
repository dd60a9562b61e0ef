//! The Loki push API in process: JSON and protobuf+snappy bodies, labels
//! as fields, dataset routing, every refusal with its status and its
//! count in `/metrics`.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use vigie_event::Event;
use vigie_ingest::loki::{
    proto::encode_snappy, EntryAdapter, LabelPairAdapter, ProtoTimestamp, PushRequest,
    StreamAdapter,
};
use vigie_metrics::Metrics;
use vigie_normalize::Registry;
use vigie_pipeline::{queue, Pipeline, Sink, SinkError};
use vigie_server::auth::{digest, Scope, TokenEntry, TokenStore};
use vigie_server::{router, AppState, IngestLimits};

const TOKEN: &str = "loki-ingest-token-0123456789";
const READER: &str = "loki-reader-token-0123456789";
const PUSH: &str = "/loki/api/v1/push";
const CLOUDTRAIL: &str = r#"{"eventVersion":"1.05","userIdentity":{"type":"IAMUser","principalId":"AIDACKCEVSQ6C2EXAMPLE","arn":"arn:aws:iam::111122223333:user/JohnDoe","accountId":"111122223333","userName":"JohnDoe"},"eventTime":"2014-07-16T15:49:27.000Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-2","sourceIPAddress":"89.160.20.156","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"eventID":"3fcfb182-98f8-4744-bd45-10aEXAMPLE"}"#;
const SYSLOG: &str = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";

/// Collects what the pipeline drains, for the tests to look at.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Value>>>);

impl Sink for Collect {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        let mut seen = self.0.lock().unwrap();
        seen.extend(events.iter().map(Event::to_json));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

struct Harness {
    app: Router,
    state: Arc<AppState>,
    seen: Collect,
}

impl Harness {
    /// Waits (bounded) until `n` events reached the sink, and returns them.
    fn events(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.seen.0.lock().unwrap().clone();
            if got.len() >= n || Instant::now() > deadline {
                assert_eq!(got.len(), n, "events drained: {got:#?}");
                return got;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn metrics(&self) -> String {
        self.state.metrics.encode()
    }
}

fn harness(limits: IngestLimits) -> Harness {
    let metrics = Arc::new(Metrics::new());
    let (q, rx) = queue(1000, metrics.clone());
    let seen = Collect::default();
    // The pipeline thread stops when the queue handles are dropped.
    let _pipeline = Pipeline::start(rx, seen.clone());
    let tokens = TokenStore::new(vec![
        TokenEntry {
            name: "promtail".into(),
            sha256: digest(TOKEN),
            scopes: vec![Scope::Ingest],
        },
        TokenEntry {
            name: "grafana".into(),
            sha256: digest(READER),
            scopes: vec![Scope::Read],
        },
    ]);
    let state = AppState::new(Arc::new(Registry::default()), q, metrics, tokens, limits);
    Harness {
        app: router(state.clone()),
        state,
        seen,
    }
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn push(ctype: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(PUSH).header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    if let Some(c) = ctype {
        b = b.header(header::CONTENT_TYPE, c);
    }
    b.body(body.into()).unwrap()
}

fn entry(seconds: i64, nanos: i32, line: &str, meta: &[(&str, &str)]) -> EntryAdapter {
    EntryAdapter {
        timestamp: Some(ProtoTimestamp { seconds, nanos }),
        line: line.as_bytes().to_vec(),
        structured_metadata: meta
            .iter()
            .map(|(n, v)| LabelPairAdapter {
                name: (*n).into(),
                value: (*v).into(),
            })
            .collect(),
    }
}

fn stream(labels: &str, entries: Vec<EntryAdapter>) -> StreamAdapter {
    StreamAdapter {
        labels: labels.into(),
        entries,
        hash: 0,
    }
}

fn has(metrics: &str, series: &str) -> bool {
    metrics.lines().any(|l| l == series)
}

fn by_message<'a>(events: &'a [Value], message: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["message"] == message || e["event"]["original"] == message)
        .unwrap_or_else(|| panic!("no event for {message:?} in {events:#?}"))
}

#[tokio::test]
async fn json_push_keeps_lines_as_raw_events_with_labels_and_entry_time() {
    let h = harness(IngestLimits::default());
    let body = json!({"streams": [{
        "stream": {"job": "api", "host": "web-1", "filename": "/var/log/app.log", "env": "prod"},
        "values": [
            ["1700000000123456789", "user alice logged in"],
            ["1700000001000000000", "cache miss", {"trace_id": "t-1", "user.name": "bob"}]
        ]
    }]});
    let (status, text) = send(&h.app, push(Some("application/json"), body.to_string())).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(text, "");

    let events = h.events(2);
    let first = by_message(&events, "user alice logged in");
    assert_eq!(first["event"]["dataset"], "raw");
    assert_eq!(first["@timestamp"], "2023-11-14T22:13:20.123456789Z");
    assert_eq!(first["labels"], json!({"job": "api", "env": "prod"}));
    assert_eq!(first["service"]["name"], "api");
    assert_eq!(first["host"]["name"], "web-1");
    assert_eq!(first["log"]["file"]["path"], "/var/log/app.log");
    let second = by_message(&events, "cache miss");
    assert_eq!(second["@timestamp"], "2023-11-14T22:13:21.000Z");
    assert_eq!(
        second["labels"],
        json!({"job": "api", "env": "prod", "trace_id": "t-1", "user_name": "bob"})
    );
    assert!(has(
        &h.metrics(),
        r#"vigie_ingest_records_total{dataset="raw",outcome="accepted"} 2"#
    ));
}

#[tokio::test]
async fn protobuf_snappy_push_routes_by_dataset_label_and_detects_the_rest() {
    let h = harness(IngestLimits::default());
    let request = PushRequest {
        streams: vec![
            stream(
                r#"{job="cloudtrail", dataset="aws.cloudtrail"}"#,
                vec![entry(1_700_000_000, 0, CLOUDTRAIL, &[])],
            ),
            stream(
                r#"{job="varlogs", filename="/var/log/auth.log", host="collector"}"#,
                vec![
                    entry(1_700_000_002, 5, SYSLOG, &[("pod", "p-1")]),
                    entry(1_700_000_003, 0, "plain application text", &[]),
                ],
            ),
        ],
    };
    let (status, text) = send(
        &h.app,
        push(Some("application/x-protobuf"), encode_snappy(&request)),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");

    let events = h.events(3);
    let ct = by_message(&events, CLOUDTRAIL);
    assert_eq!(ct["event"]["dataset"], "aws.cloudtrail");
    assert_eq!(
        ct["@timestamp"], "2014-07-16T15:49:27.000Z",
        "record time kept"
    );
    assert_eq!(ct["labels"], json!({"job": "cloudtrail"}));
    assert_eq!(ct["service"]["name"], "cloudtrail");

    let sys = events
        .iter()
        .find(|e| e["event"]["original"] == SYSLOG)
        .unwrap();
    assert_eq!(sys["event"]["dataset"], "syslog");
    assert_eq!(sys["host"]["name"], "mymachine", "the record's host wins");
    assert_eq!(sys["log"]["file"]["path"], "/var/log/auth.log");
    assert_eq!(sys["labels"], json!({"job": "varlogs", "pod": "p-1"}));

    let raw = by_message(&events, "plain application text");
    assert_eq!(raw["event"]["dataset"], "raw");
    assert_eq!(raw["host"]["name"], "collector");
    assert_eq!(raw["@timestamp"], "2023-11-14T22:13:23.000Z");
}

#[tokio::test]
async fn gzip_on_top_of_json_is_undone() {
    let h = harness(IngestLimits::default());
    let body = json!({"streams": [{"stream": {"job": "gz"}, "values": [["1700000000000000000", "zipped"]]}]});
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body.to_string().as_bytes()).unwrap();
    let req = Request::post(PUSH)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(enc.finish().unwrap()))
        .unwrap();
    let (status, text) = send(&h.app, req).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(h.events(1)[0]["message"], "zipped");
}

#[tokio::test]
async fn an_unknown_dataset_rejects_its_stream_only() {
    let h = harness(IngestLimits::default());
    let body = json!({"streams": [
        {"stream": {"dataset": "no.such"}, "values": [["1", "a"], ["2", "b"]]},
        {"stream": {"job": "ok"}, "values": [["3", "kept"]]}
    ]});
    let (status, text) = send(&h.app, push(Some("application/json"), body.to_string())).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(h.events(1)[0]["message"], "kept");
    let m = h.metrics();
    assert!(
        has(
            &m,
            r#"vigie_ingest_rejected_records_total{dataset="unknown",reason="unknown_dataset"} 2"#
        ),
        "{m}"
    );

    // Every entry rejected: 400 naming why, counted as a refusal.
    let body = json!({"streams": [{"stream": {"dataset": "no.such"}, "values": [["1", "a"]]}]});
    let (status, text) = send(&h.app, push(Some("application/json"), body.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let err = serde_json::from_str::<Value>(&text).unwrap()["error"].clone();
    assert_eq!(
        err,
        "all 1 entries rejected: stream 0, entry 0: unknown dataset `no.such`"
    );
    assert!(has(
        &h.metrics(),
        r#"vigie_ingest_request_errors_total{input="loki",reason="entries_rejected"} 1"#
    ));
}

#[tokio::test]
async fn broken_bodies_are_refused_with_their_status_and_counted() {
    let limits = IngestLimits {
        max_decompressed_bytes: 1 << 20,
        ..IngestLimits::default()
    };
    let h = harness(limits);
    let proto = Some("application/x-protobuf");

    // Header says 10 bytes, then a copy before any literal.
    let (status, text) = send(&h.app, push(proto, vec![0x0a, 0x01, 0x00])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("corrupt snappy body"), "{text}");

    // Valid snappy around a truncated protobuf message.
    let broken = snap_raw(&[0x0a, 100, 1]);
    let (status, text) = send(&h.app, push(proto, broken)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("invalid protobuf PushRequest"), "{text}");

    // A 7-byte body whose header claims 2 GiB.
    let lying = vec![0x80, 0x80, 0x80, 0x80, 0x08, 0x00, b'a'];
    let (status, text) = send(&h.app, push(proto, lying)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert!(
        text.contains("declares 2147483648 decompressed bytes; the limit is 1048576"),
        "{text}"
    );

    let (status, text) = send(&h.app, push(Some("text/plain"), "x")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{text}");
    assert!(text.contains("application/x-protobuf"), "{text}");

    let (status, text) = send(&h.app, push(Some("application/json"), "{\"streams\":")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("invalid JSON push request"), "{text}");

    let m = h.metrics();
    for reason in [
        "corrupt_snappy",
        "protobuf",
        "decompressed_too_large",
        "content_type",
        "json",
    ] {
        let series =
            format!(r#"vigie_ingest_request_errors_total{{input="loki",reason="{reason}"}} 1"#);
        assert!(has(&m, &series), "{series} in\n{m}");
    }
    assert!(h.seen.0.lock().unwrap().is_empty());
}

/// Builds a snappy block by hand: the length varint, then one literal.
fn snap_raw(data: &[u8]) -> Vec<u8> {
    assert!(data.len() <= 60 && !data.is_empty());
    let mut out = vec![data.len() as u8, ((data.len() - 1) as u8) << 2];
    out.extend_from_slice(data);
    out
}

#[tokio::test]
async fn promtail_basic_auth_is_accepted_and_no_token_is_401() {
    let h = harness(IngestLimits::default());
    let request = PushRequest {
        streams: vec![stream(r#"{job="auth"}"#, vec![entry(1, 0, "hello", &[])])],
    };
    let req = |auth: Option<String>| {
        let mut b = Request::post(PUSH).header(header::CONTENT_TYPE, "application/x-protobuf");
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(Body::from(encode_snappy(&request))).unwrap()
    };
    let (status, text) = send(&h.app, req(None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let reader = base64::engine::general_purpose::STANDARD.encode(format!("tenant1:{READER}"));
    let (status, _) = send(&h.app, req(Some(format!("Basic {reader}")))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Promtail's basic_auth: the tenant as user, the token as password.
    let cred = base64::engine::general_purpose::STANDARD.encode(format!("tenant1:{TOKEN}"));
    let (status, text) = send(&h.app, req(Some(format!("Basic {cred}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(h.events(1)[0]["message"], "hello");
}
