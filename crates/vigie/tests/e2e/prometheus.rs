//! The real Prometheus (Debian's `prometheus`) beside vigie: it sends its
//! firing alerts to vigie's alert manager through its `alerting:`
//! configuration, and scrapes vigie's `/metrics`, both with a token.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{curl, json, scratch, Server};

/// A running Prometheus, killed on drop.
struct Prometheus {
    child: Child,
    addr: String,
    log: std::path::PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The result vector of an instant query.
    fn query(&self, q: &str) -> Vec<Value> {
        let url = format!("http://{}/api/v1/query", self.addr);
        let (status, body) = curl(&["--get", "--data-urlencode", &format!("query={q}"), &url]);
        assert_eq!(status, 200, "{body}");
        json(&body)["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn start_prometheus(dir: &std::path::Path, vigie: &Server) -> Prometheus {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let token_file = dir.join("vigie-token");
    std::fs::write(&token_file, &vigie.token).unwrap();
    std::fs::write(
        dir.join("rules.yml"),
        "\
groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: warning
          team: platform
        annotations:
          summary: fires from the first evaluation
",
    )
    .unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - api_version: v2
      static_configs:
        - targets: ['{vigie}']
      authorization:
        credentials_file: {token}
scrape_configs:
  - job_name: vigie
    static_configs:
      - targets: ['{vigie}']
    authorization:
      credentials_file: {token}
",
            vigie = vigie.addr,
            token = token_file.display()
        ),
    )
    .unwrap();
    let log = dir.join("prometheus.log");
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--rules.alert.resend-delay=1s")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("prometheus is installed (scripts/test.sh installs Debian's prometheus)");
    Prometheus { child, addr, log }
}

#[test]
fn prometheus_sends_its_alerts_to_vigie_and_scrapes_vigies_metrics_with_a_token() {
    let dir = scratch("prometheus");
    let server = Server::start(&dir, None);
    let prom = start_prometheus(&dir, &server);

    // The alert Prometheus fires arrives in vigie's alert manager.
    let deadline = Instant::now() + Duration::from_secs(60);
    let alert = loop {
        let (status, body) = server.get("/api/v2/alerts?filter=alertname%3D%22AlwaysFiring%22");
        assert_eq!(status, 200, "{body}");
        let alerts = json(&body);
        if let Some(a) = alerts.as_array().and_then(|a| a.first()) {
            break a.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no alert from Prometheus in 60 s:\n{}",
            prom.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(alert["labels"]["severity"], "warning");
    assert_eq!(alert["labels"]["team"], "platform");
    assert_eq!(
        alert["annotations"]["summary"],
        "fires from the first evaluation"
    );
    assert_eq!(alert["status"]["state"], "active");
    assert_eq!(alert["receivers"][0]["name"], "vigie");
    let generator = alert["generatorURL"].as_str().unwrap_or_default();
    assert!(
        generator.contains(&prom.addr) || generator.contains("/graph?g0.expr="),
        "{generator}"
    );
    // Prometheus sets endsAt itself (4 evaluation intervals or resend delay
    // ahead): the alert is firing, not resolved by vigie's default timeout.
    assert!(
        alert["endsAt"].as_str().is_some_and(|s| s > "2000"),
        "{alert}"
    );

    // Prometheus scrapes vigie's /metrics with the token.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let up = prom.query("up{job=\"vigie\"}");
        if up
            .first()
            .and_then(|s| s["value"][1].as_str())
            .is_some_and(|v| v == "1")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus did not scrape vigie in 60 s: {up:?}\n{}",
            prom.log_text()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // vigie counts the alert Prometheus sent; a later scrape shows it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let received = prom.query("vigie_alerting_alerts_received_total{source=\"api\"}");
        let value = received
            .first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok());
        if value.is_some_and(|v| v >= 1.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "vigie_alerting_alerts_received_total never reached 1 in Prometheus: {received:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
