//! Test harness: an alert manager served on 127.0.0.1:0 with a temporary
//! data directory, and a local webhook receiver that records what it gets
//! and answers with scripted status codes.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use serde_json::Value;
use tokio::task::JoinHandle;
use vigie_alertmanager::notify::RetryPolicy;
use vigie_alertmanager::{AlertManager, AlertManagerOptions, ConfigSource};

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Call {
    pub body: Value,
    pub content_type: String,
    pub user_agent: String,
}

#[derive(Default)]
struct HookState {
    calls: Mutex<Vec<Call>>,
    /// Status codes to answer, in order; 200 once empty.
    answers: Mutex<VecDeque<u16>>,
}

/// A webhook receiver.
pub struct Hook {
    pub url: String,
    state: Arc<HookState>,
    server: JoinHandle<()>,
}

impl Hook {
    pub async fn start() -> Self {
        let state = Arc::new(HookState::default());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let (addr, server) = serve(app).await;
        Self {
            url: format!("http://{addr}/hook"),
            state,
            server,
        }
    }

    /// The next answers, before falling back to 200.
    pub fn answer_with(&self, statuses: &[u16]) {
        self.state
            .answers
            .lock()
            .expect("lock")
            .extend(statuses.iter().copied());
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().expect("lock").clone()
    }

    /// Waits until at least `count` calls arrived (panics after `within`).
    pub async fn wait_for_calls(&self, count: usize, within: Duration) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let calls = self.calls();
            if calls.len() >= count {
                return calls;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} webhook calls within {within:?}, got {}: {calls:?}",
                calls.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(state): State<Arc<HookState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    let call = Call {
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        content_type: text(header::CONTENT_TYPE),
        user_agent: text(header::USER_AGENT),
    };
    state.calls.lock().expect("lock").push(call);
    let status = state
        .answers
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

async fn serve(app: Router) -> (SocketAddr, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, server)
}

/// A configuration sending everything to `hook_url`, grouped by
/// `alertname`, with short timers; `db` alerts (`team=db`) go to `db`.
pub fn config(hook_url: &str) -> String {
    format!(
        "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 1h\n  routes:\n    - receiver: db\n      matchers: [team=db]\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: {hook_url}\n        send_resolved: true\n  - name: db\n    webhook_configs:\n      - url: {hook_url}\n"
    )
}

/// A running alert manager and its API address.
pub struct TestAm {
    pub service: Arc<AlertManager>,
    pub url: String,
    pub config_path: PathBuf,
    server: JoinHandle<()>,
}

impl TestAm {
    /// Starts on `dir` (`dir/alertmanager.yml` holds `config_text`, state
    /// goes to `dir/data`).
    pub async fn start(dir: &Path, config_text: &str) -> Self {
        let config_path = dir.join("alertmanager.yml");
        std::fs::write(&config_path, config_text).expect("write config");
        let mut options =
            AlertManagerOptions::new(ConfigSource::File(config_path.clone()), dir.join("data"));
        options.external_url = "http://am.test:9093".into();
        options.persist_debounce = Duration::from_millis(50);
        options.alert_persist_interval = Duration::from_millis(50);
        options.min_flush_timeout = Duration::from_secs(1);
        options.max_request_body_bytes = 64 * 1024;
        options.retry = RetryPolicy {
            initial_backoff: Duration::from_millis(50),
            multiplier: 1.5,
            max_backoff: Duration::from_millis(200),
        };
        let service = AlertManager::start(options)
            .await
            .expect("alert manager starts");
        let (addr, server) = serve(vigie_alertmanager::api::router(service.clone())).await;
        Self {
            service,
            url: format!("http://{addr}"),
            config_path,
            server,
        }
    }

    /// Stops serving and shuts the service down (state saved).
    pub async fn stop(self) {
        self.server.abort();
        self.service.shutdown().await.expect("state saved");
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = reqwest::get(format!("{}{path}", self.url))
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON answer")
    }
}

/// `[{"labels": {...}}]` for one alert, with an optional `endsAt`.
pub fn alert_body(labels: &[(&str, &str)], ends_at: Option<&str>) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
        .collect();
    let mut alert =
        serde_json::json!({ "labels": labels, "annotations": {"summary": "test alert"} });
    if let Some(end) = ends_at {
        alert["endsAt"] = Value::String(end.to_string());
    }
    Value::Array(vec![alert])
}

/// A webhook receiver and a service in a fresh data directory, configured
/// by [`config`] to notify that receiver (the directory lives as long as
/// the returned guard).
pub async fn started() -> (tempfile::TempDir, Hook, TestAm) {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    let am = TestAm::start(dir.path(), &config(&hook.url)).await;
    (dir, hook, am)
}

/// A silence of one equality matcher, active from a second ago for
/// `seconds`.
pub fn silence_body(name: &str, value: &str, seconds: i64, comment: &str) -> Value {
    serde_json::json!({
        "matchers": [{"name": name, "value": value, "isRegex": false}],
        "startsAt": rfc3339_in(-1), "endsAt": rfc3339_in(seconds),
        "createdBy": "ops", "comment": comment
    })
}

/// RFC 3339 text for now plus `seconds` (may be negative).
pub fn rfc3339_in(seconds: i64) -> String {
    let now = vigie_alert::Timestamp::now().as_nanos();
    vigie_alert::Timestamp::from_nanos(now + seconds * 1_000_000_000).to_rfc3339()
}
