//! The alert manager inside `vigie serve`: its API v2 behind tokens (real
//! `amtool` with a bearer token), Sigma detections reaching a webhook
//! through grouping, alerts posted by others stored as events on state
//! changes, configuration mistakes placed at their line in vigie's file,
//! and reloads (`POST /-/reload`, SIGHUP) that keep silences.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{curl, json, metric, scratch, vigie, Server};

/// A webhook receiver on loopback: records each POSTed body, answers 200.
struct Webhook {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Webhook {
    fn start() -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    if let Ok(v) = serde_json::from_slice(&body) {
                        seen.lock().unwrap().push(v);
                    }
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Webhook { url, bodies }
    }

    /// Waits (at most `secs`) until `n` notifications arrived.
    fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.bodies.lock().unwrap().clone();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Waits until `check` holds for the answer to `GET path`.
fn poll(server: &Server, path: &str, secs: u64, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (status, body) = server.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        let v = json(&body);
        if check(&v) || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `amtool` pointed at `server`, authenticating with its token.
fn amtool(server: &Server, dir: &Path, args: &[&str]) -> (bool, String) {
    let http_config = dir.join("amtool-http.yml");
    std::fs::write(
        &http_config,
        format!("authorization:\n  credentials: {}\n", server.token),
    )
    .unwrap();
    let out = Command::new("amtool")
        .arg(format!("--alertmanager.url=http://{}/", server.addr))
        .arg(format!("--http.config.file={}", http_config.display()))
        .args(args)
        .output()
        .expect("amtool is installed (scripts/test.sh installs prometheus-alertmanager)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_alertmanager_api_needs_a_token_and_amtool_works_with_one() {
    let dir = scratch("alerting-api");
    let server = Server::start(&dir, None);
    // No token: refused, as every API but health.
    let url = server.url("/api/v2/status");
    let (status, body) = curl(&[&url]);
    assert_eq!(status, 401, "{body}");
    // The embedded default configuration is served.
    let (status, body) = server.get("/api/v2/status");
    assert_eq!(status, 200, "{body}");
    let st = json(&body);
    let original = st["config"]["original"].as_str().unwrap();
    assert!(original.contains("receiver: vigie"), "{original}");
    assert_eq!(st["cluster"]["status"], "disabled");

    let (ok, out) = amtool(
        &server,
        &dir,
        &[
            "alert",
            "add",
            "alertname=DiskFull",
            "team=ops",
            "--annotation=summary=full",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = amtool(&server, &dir, &["alert", "query", "-o", "json"]);
    assert!(ok, "{out}");
    let alerts = json(out.trim());
    assert_eq!(alerts.as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(alerts[0]["labels"]["alertname"], "DiskFull");
    assert_eq!(alerts[0]["receivers"][0]["name"], "vigie");

    let (ok, out) = amtool(
        &server,
        &dir,
        &[
            "silence",
            "add",
            "team=ops",
            "--comment=maintenance",
            "--author=e2e",
        ],
    );
    assert!(ok, "{out}");
    let silence_id = out.trim().to_string();
    let v = poll(&server, "/api/v2/alerts?silenced=true", 5, |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    });
    assert_eq!(v[0]["status"]["silencedBy"][0], silence_id.as_str(), "{v}");

    // A wrong token is refused too.
    let (status, _) = curl(&[
        "-H",
        "Authorization: Bearer vigie_not-a-token",
        &server.url("/api/v2/alerts"),
    ]);
    assert_eq!(status, 401);
    let (_, metrics) = server.get("/metrics");
    assert_eq!(
        metric(&metrics, "vigie_alerting_alerts_stored_total"),
        Some(1.0),
        "amtool's alert stored once as an event:\n{metrics}"
    );
}

/// A CloudTrail `StopLogging` call, which SigmaHQ's rule
/// `4db60cc0-36fb-42b7-9b58-a5b53019fb74` fires on.
const STOP_LOGGING: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","userName":"mallory"},"eventTime":"2024-05-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0","requestParameters":{"name":"management-events"},"responseElements":null,"requestID":"0f1e2d3c-aaaa-bbbb-cccc-111122223333","eventID":"5b7c1a2e-1111-2222-3333-444455556666","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

fn sigma_cloud_rules() -> std::path::PathBuf {
    std::env::var("VIGIE_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        })
        .join("sigma/rules/cloud/aws")
}

#[test]
fn a_sigma_detection_becomes_an_alert_that_a_webhook_receives_once_grouped() {
    let dir = scratch("alerting-detect");
    let hook = Webhook::start();
    let config = format!(
        "\
detection:
  rules: [{rules}]
alerting:
  alertmanager:
    route:
      receiver: soc
      group_by: [rule_id]
      group_wait: 1s
      group_interval: 1m
    receivers:
      - name: soc
        webhook_configs:
          - url: {url}
",
        rules = sigma_cloud_rules().display(),
        url = hook.url
    );
    let server = Server::start(&dir, Some(&config));
    // Two identical events: one alert (same labels), one notification.
    for _ in 0..2 {
        let (status, body) = server.post(
            "/api/v1/ingest/aws.cloudtrail",
            "application/json",
            STOP_LOGGING,
        );
        assert_eq!(status, 200, "{body}");
    }
    let got = hook.wait_for(1, 20);
    assert_eq!(
        got.len(),
        1,
        "one notification: {got:#?}\n{}",
        server.log_text()
    );
    let n = &got[0];
    assert_eq!(n["version"], "4");
    assert_eq!(n["status"], "firing");
    assert_eq!(n["receiver"], "soc");
    assert_eq!(
        n["groupLabels"]["rule_id"],
        "4db60cc0-36fb-42b7-9b58-a5b53019fb74"
    );
    let alerts = n["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{n}");
    let labels = &alerts[0]["labels"];
    assert_eq!(labels["severity"], "medium");
    assert_eq!(labels["dataset"], "aws.cloudtrail");
    assert_eq!(labels["user"], "mallory");
    assert_eq!(labels["source_ip"], "203.0.113.9");
    assert_eq!(alerts[0]["startsAt"], "2024-05-01T10:00:00Z");
    assert!(
        alerts[0]["annotations"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{n}"
    );
    // The same alert through the API, and as stored events (one per match).
    let v = poll(&server, "/api/v2/alerts", 5, |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    });
    assert_eq!(
        v[0]["labels"]["rule_id"],
        "4db60cc0-36fb-42b7-9b58-a5b53019fb74"
    );
    assert_eq!(v[0]["status"]["state"], "active");
    let (_, metrics) = server.get("/metrics");
    assert_eq!(
        metric(
            &metrics,
            "vigie_alerting_alerts_received_total{source=\"detection\"}"
        ),
        Some(2.0),
        "{metrics}"
    );
    // No second notification for the repeat within the group interval.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(hook.bodies.lock().unwrap().len(), 1);
    // The notification and the alert's state show in /metrics (synced
    // every 5 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, metrics) = server.get("/metrics");
        let sent = metric(
            &metrics,
            "vigie_alerting_notifications_total{receiver=\"soc\",integration=\"webhook\"}",
        );
        let active = metric(
            &metrics,
            "vigie_alerting_alerts{state=\"active\",severity=\"medium\"}",
        );
        if sent == Some(1.0) && active == Some(1.0) {
            break;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn alerts_posted_by_other_tools_are_stored_as_events_once_per_state_change() {
    let dir = scratch("alerting-store");
    let server = Server::start(&dir, None);
    let firing = r#"[{"labels":{"alertname":"HighErrorRate","severity":"critical","service":"api"},"annotations":{"description":"5% errors"},"generatorURL":"http://prometheus:9090/graph"}]"#;
    for _ in 0..3 {
        // Prometheus re-sends a firing alert at every evaluation.
        let (status, body) = server.post("/api/v2/alerts", "application/json", firing);
        assert_eq!(status, 200, "{body}");
    }
    let resolved = r#"[{"labels":{"alertname":"HighErrorRate","severity":"critical","service":"api"},"annotations":{"description":"5% errors"},"endsAt":"2020-01-01T00:00:00Z","startsAt":"2019-12-31T23:00:00Z"}]"#;
    let (status, body) = server.post("/api/v2/alerts", "application/json", resolved);
    assert_eq!(status, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let hits = loop {
        let (status, body) = server
            .get("/api/v1/search?q=event.dataset:vigie.alerts%20rule.name:HighErrorRate&size=10");
        assert_eq!(status, 200, "{body}");
        let hits = json(&body)["hits"].as_array().cloned().unwrap_or_default();
        if hits.len() >= 2 || Instant::now() > deadline {
            break hits;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut actions: Vec<String> = hits
        .iter()
        .map(|h| {
            h["fields"]["event.action"]
                .as_str()
                .unwrap_or("?")
                .to_string()
        })
        .collect();
    actions.sort();
    assert_eq!(actions, ["firing", "resolved"], "{hits:#?}");
    for h in &hits {
        let f = &h["fields"];
        assert_eq!(f["event.kind"], "alert");
        assert_eq!(f["rule.ruleset"], "alertmanager");
        assert_eq!(f["event.severity_name"], "critical");
        assert_eq!(f["rule.description"], "5% errors");
        assert_eq!(f["labels"]["service"], "api");
    }
    // A resolved alert posted again changes nothing: still two events.
    let (status, _) = server.post("/api/v2/alerts", "application/json", resolved);
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_secs(2));
    let (_, body) =
        server.get("/api/v1/search?q=event.dataset:vigie.alerts%20rule.name:HighErrorRate&size=10");
    assert_eq!(json(&body)["hits"].as_array().map(Vec::len), Some(2));
    let (_, metrics) = server.get("/metrics");
    assert_eq!(
        metric(&metrics, "vigie_alerting_alerts_stored_total"),
        Some(2.0),
        "{metrics}"
    );
}

#[test]
fn an_inline_alertmanager_mistake_is_reported_at_its_line_in_vigies_file() {
    let dir = scratch("alerting-check");
    let path = dir.join("vigie.yaml");
    std::fs::write(
        &path,
        "\
server:
  listen: 127.0.0.1:9999
alerting:
  alertmanager:
    route:
      receiver: nobody
      group_wait: soon
    receivers:
      - name: team
",
    )
    .unwrap();
    let out = vigie(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let file = path.display().to_string();
    assert!(
        err.contains(&format!(
            "{file}:7:19: alerting.alertmanager.route.group_wait:"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:6:17: alerting.alertmanager.route.receiver:"
        )) && err.contains("nobody"),
        "{err}"
    );
    // An Alertmanager file given instead: its own name and lines.
    let am = dir.join("alertmanager.yml");
    std::fs::write(&am, "route:\n  receiver: x\nreceivers:\n  - name: y\n").unwrap();
    std::fs::write(
        &path,
        format!("alerting:\n  config_file: {}\n", am.display()),
    )
    .unwrap();
    let out = vigie(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:2:13: route.receiver:", am.display())),
        "{err}"
    );
    // A missing file is named.
    std::fs::remove_file(&am).unwrap();
    let out = vigie(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alerting.config_file: cannot read"), "{err}");
}

#[test]
fn reloading_applies_a_new_configuration_keeps_silences_and_refuses_a_broken_one() {
    let dir = scratch("alerting-reload");
    let config = |receiver: &str| {
        format!(
            "alerting:\n  alertmanager:\n    route:\n      receiver: {receiver}\n    receivers:\n      - name: {receiver}\n"
        )
    };
    let server = Server::start(&dir, Some(&config("first")));
    let silence = r#"{"matchers":[{"name":"team","value":"ops","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"e2e","comment":"kept"}"#;
    let (status, body) = server.post("/api/v2/silences", "application/json", silence);
    assert_eq!(status, 200, "{body}");
    let id = json(&body)["silenceID"].as_str().unwrap().to_string();

    std::fs::write(dir.join("vigie.yaml"), config("second")).unwrap();
    let (status, body) = server.post("/-/reload", "application/json", "");
    assert_eq!(status, 200, "{body}");
    let (_, body) = server.get("/api/v2/receivers");
    assert_eq!(json(&body), serde_json::json!([{"name": "second"}]));
    let (_, body) = server.get(&format!("/api/v2/silence/{id}"));
    assert_eq!(json(&body)["comment"], "kept");

    // A broken file: 500 naming the line; the running configuration stays.
    std::fs::write(
        dir.join("vigie.yaml"),
        "alerting:\n  alertmanager:\n    route:\n      receiver: third\n    receivers: []\n",
    )
    .unwrap();
    let (status, body) = server.post("/-/reload", "application/json", "");
    assert_eq!(status, 500, "{body}");
    assert!(
        body.starts_with("failed to reload config: alerting: "),
        "{body}"
    );
    assert!(
        body.contains(":4:17: alerting.alertmanager.route.receiver:"),
        "{body}"
    );
    let (_, body) = server.get("/api/v2/receivers");
    assert_eq!(json(&body), serde_json::json!([{"name": "second"}]));

    // SIGHUP reloads too.
    std::fs::write(dir.join("vigie.yaml"), config("fourth")).unwrap();
    let ok = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let v = poll(&server, "/api/v2/receivers", 10, |v| {
        v == &serde_json::json!([{"name": "fourth"}])
    });
    assert_eq!(v, serde_json::json!([{"name": "fourth"}]));
    let (_, metrics) = server.get("/metrics");
    assert_eq!(
        metric(
            &metrics,
            "vigie_alerting_config_reloads_total{outcome=\"failure\"}"
        ),
        Some(1.0),
        "{metrics}"
    );
}
