//! Fake HTTP services standing in for Slack, PagerDuty, OpsGenie and
//! Microsoft Teams (a recorder of every request, with scripted answers),
//! and the alert group the notifier tests send.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use bytes::Bytes;
use serde_json::Value;
use vigie_alert::dispatch::Flush;
use vigie_alert::{Alert, Timestamp};

/// One request a fake service got.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    /// Path and query.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: String,
}

#[derive(Default)]
struct RecorderState {
    requests: Mutex<Vec<Request>>,
    answers: Mutex<VecDeque<u16>>,
}

/// A fake HTTP service recording every request (any path, any method).
pub struct Recorder {
    pub base: String,
    state: Arc<RecorderState>,
    server: tokio::task::JoinHandle<()>,
}

async fn record(
    State(state): State<Arc<RecorderState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let raw = String::from_utf8_lossy(&body).into_owned();
    state.requests.lock().expect("lock").push(Request {
        method,
        target: uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        raw,
    });
    let status = state
        .answers
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

impl Recorder {
    pub async fn start() -> Self {
        let state = Arc::new(RecorderState::default());
        let app = Router::new().fallback(record).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base: format!("http://{addr}"),
            state,
            server,
        }
    }

    pub fn answer_with(&self, statuses: &[u16]) {
        self.state
            .answers
            .lock()
            .expect("lock")
            .extend(statuses.iter().copied());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().expect("lock").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub const GROUP_KEY_HASH: &str = "af94c9e8f6a3043625e36c6f472fe6be85ac23a9117184ee4cb7b4ad7401a47e";
pub const EXTERNAL_URL: &str = "http://am.test:9093";
pub const AM_LINK: &str = "http://am.test:9093/#/alerts?receiver=team-x";
pub const LIST_A: &str = "Labels:\n - alertname = Down\n - instance = a\n - job = node\nAnnotations:\n - summary = a is down\nSource: http://prom/graph?g0.expr=up\n";
pub const LIST_B: &str = "Labels:\n - alertname = Down\n - instance = b\n - job = node\nAnnotations:\n - summary = b is down\nSource: http://prom/graph?g0.expr=up\n";

fn at(seconds: i64) -> Timestamp {
    let base = Timestamp::from_civil(2024, 3, 5, 12, 0, 0, 0).expect("date");
    Timestamp::from_nanos(base.as_nanos() + seconds * 1_000_000_000)
}

fn alert(instance: &str, ends: i64) -> Alert {
    Alert {
        labels: [
            ("alertname", "Down"),
            ("instance", instance),
            ("job", "node"),
        ]
        .into_iter()
        .collect(),
        annotations: [("summary", format!("{instance} is down"))]
            .into_iter()
            .collect(),
        starts_at: at(0),
        ends_at: at(ends),
        generator_url: "http://prom/graph?g0.expr=up".into(),
        updated_at: at(0),
        timeout: false,
    }
}

/// A flush of receiver `team-x`: `a` firing and `b` resolved, or both
/// resolved.
pub fn flush(all_resolved: bool) -> Flush {
    let a_end = if all_resolved { 30 } else { 3600 };
    Flush {
        group_key: "{}:{alertname=\"Down\"}".into(),
        receiver: "team-x".into(),
        route_id: "{}".into(),
        group_labels: [("alertname", "Down")].into_iter().collect(),
        alerts: vec![alert("a", a_end), alert("b", 30)],
        flushed_at: at(60),
        repeat_interval: Duration::from_secs(3600),
    }
}

impl Recorder {
    /// Waits until at least `count` requests arrived (panics after 10s).
    pub async fn wait_for(&self, count: usize) -> Vec<Request> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} requests, got {requests:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}
