//! `vigie alertmanager`: the alert manager alone, started with
//! Alertmanager's own flags and file, driven by the real `amtool`; open only
//! on loopback unless a token file is given.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{curl, json, raw_get, scratch, vigie_bin};

struct Running {
    child: Child,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

const CONFIG: &str = "\
route:
  receiver: team
  group_by: [alertname]
receivers:
  - name: team
";

fn start(dir: &Path, extra: &[&str]) -> Running {
    let config = dir.join("alertmanager.yml");
    std::fs::write(&config, CONFIG).unwrap();
    let addr = free_addr();
    let child = Command::new(vigie_bin())
        .arg("alertmanager")
        .arg("--config.file")
        .arg(&config)
        .arg("--storage.path")
        .arg(dir.join("data"))
        .arg("--web.listen-address")
        .arg(&addr)
        .args(["--cluster.listen-address", "", "--log.level", "debug"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("am.log")).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running { child, addr };
    let deadline = Instant::now() + Duration::from_secs(20);
    while raw_get(&running.addr, "/-/ready") != Some(200) {
        if let Some(status) = running.child.try_wait().unwrap() {
            panic!(
                "vigie alertmanager exited ({status}): {}",
                std::fs::read_to_string(dir.join("am.log")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "not ready in 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

#[test]
fn vigie_alertmanager_runs_an_alertmanager_file_for_amtool_without_a_token_on_loopback() {
    let dir = scratch("am-mode");
    let am = start(&dir, &[]);
    let url = format!("--alertmanager.url=http://{}/", am.addr);
    let out = Command::new("amtool")
        .args([
            &url,
            "alert",
            "add",
            "alertname=Standalone",
            "severity=page",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("amtool")
        .args([&url, "alert", "query", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let alerts = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(alerts[0]["labels"]["alertname"], "Standalone");
    assert_eq!(alerts[0]["receivers"][0]["name"], "team");
    // Alertmanager's own metric names, for its dashboards and rules.
    let (status, metrics) = curl(&[&format!("http://{}/metrics", am.addr)]);
    assert_eq!(status, 200);
    assert!(
        metrics.contains("alertmanager_alerts{state=\"active\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("alertmanager_alerts{state=\"suppressed\"} 0\n"),
        "{metrics}"
    );
    let out = Command::new("amtool")
        .args([&url, "config", "show"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("receiver: team"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn vigie_alertmanager_refuses_to_listen_beyond_loopback_without_a_token() {
    let dir = scratch("am-mode-open");
    std::fs::write(dir.join("alertmanager.yml"), CONFIG).unwrap();
    let out = Command::new(vigie_bin())
        .arg("alertmanager")
        .arg("--config.file")
        .arg(dir.join("alertmanager.yml"))
        .arg("--storage.path")
        .arg(dir.join("data"))
        .args(["--web.listen-address", ":0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
    assert!(err.contains("--auth.token-file"), "{err}");
}

#[test]
fn vigie_alertmanager_with_a_token_file_refuses_requests_without_it() {
    let dir = scratch("am-mode-token");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "s3cret-token-for-tests\n").unwrap();
    let am = start(&dir, &["--auth.token-file", token_file.to_str().unwrap()]);
    let status_url = format!("http://{}/api/v2/status", am.addr);
    assert_eq!(curl(&[&status_url]).0, 401);
    let (status, body) = curl(&[
        "-H",
        "Authorization: Bearer s3cret-token-for-tests",
        &status_url,
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["cluster"]["status"], "disabled");
    // Health stays open for probes.
    assert_eq!(raw_get(&am.addr, "/-/healthy"), Some(200));
    let log = std::fs::read_to_string(dir.join("am.log")).unwrap_or_default();
    assert!(!log.contains("s3cret-token-for-tests"), "{log}");
}
