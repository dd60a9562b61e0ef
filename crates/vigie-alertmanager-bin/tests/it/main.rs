//! The `vigie-alertmanager` binary, started as Alertmanager is: its flags,
//! its file, its API, its token, its state across a restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vigie-alertmanager");

const CONFIG: &str =
    "route:\n  receiver: nobody\n  group_by: [alertname]\nreceivers:\n  - name: nobody\n";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `vigie-alertmanager`, killed when dropped.
struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(dir: &Path, extra: &[String]) -> Running {
    let config = dir.join("alertmanager.yml");
    if !config.exists() {
        std::fs::write(&config, CONFIG).expect("config written");
    }
    let port = free_port();
    let child = Command::new(BIN)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .args(extra)
        .stdin(Stdio::null())
        .spawn()
        .expect("vigie-alertmanager starts");
    // Owned at once, so a failed wait below still kills and reaps it.
    let running = Running {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{}/-/ready", running.base)).await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return running;
        }
        assert!(Instant::now() < deadline, "not ready in 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn terminate(mut running: Running) -> std::process::ExitStatus {
    let pid = running.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()), "SIGTERM sent");
    running.child.wait().expect("exit status")
}

#[tokio::test]
async fn alerts_posted_are_listed_counted_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let am = start(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let posted = client
        .post(format!("{}/api/v2/alerts", am.base))
        .header("content-type", "application/json")
        .body(r#"[{"labels":{"alertname":"DiskFull","instance":"db-1"}}]"#)
        .send()
        .await
        .expect("POST answered");
    assert_eq!(posted.status(), 200);
    let listed: serde_json::Value = client
        .get(format!("{}/api/v2/alerts", am.base))
        .send()
        .await
        .expect("GET answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["labels"]["instance"], "db-1");
    let fingerprint = listed[0]["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let metrics = client
        .get(format!("{}/metrics", am.base))
        .send()
        .await
        .expect("metrics answered")
        .text()
        .await
        .expect("text");
    let held: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("alertmanager_alerts{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(held, 1, "one alert counted:\n{metrics}");
    assert!(terminate(am).success(), "a clean shutdown exits 0");

    let again = start(dir.path(), &[]).await;
    let listed: serde_json::Value = client
        .get(format!("{}/api/v2/alerts", again.base))
        .send()
        .await
        .expect("GET answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["fingerprint"], fingerprint.as_str());
}

#[tokio::test]
async fn with_a_token_file_every_path_but_health_needs_the_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").expect("token written");
    let am = start(
        dir.path(),
        &[format!("--auth.token-file={}", token_file.display())],
    )
    .await;
    let client = reqwest::Client::new();
    let status = |r: reqwest::Response| r.status().as_u16();
    let url = format!("{}/api/v2/status", am.base);
    let none = client.get(&url).send().await.map(status);
    assert_eq!(none.ok(), Some(401));
    let wrong = client
        .get(&url)
        .bearer_auth("s3cret")
        .send()
        .await
        .map(status);
    assert_eq!(wrong.ok(), Some(401));
    let right = client
        .get(&url)
        .bearer_auth("s3cret-token")
        .send()
        .await
        .map(status);
    assert_eq!(right.ok(), Some(200));
    let healthy = client
        .get(format!("{}/-/healthy", am.base))
        .send()
        .await
        .map(status);
    assert_eq!(healthy.ok(), Some(200));
}

/// Runs the binary on `config_text` until it exits (it should not start).
fn run_to_exit(config_text: &str, listen: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, config_text).expect("config written");
    Command::new(BIN)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={listen}"))
        .output()
        .expect("runs")
}

#[test]
fn listening_beyond_loopback_without_a_token_is_refused() {
    let out = run_to_exit(CONFIG, &format!(":{}", free_port()));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
}

#[test]
fn a_broken_configuration_exits_1_naming_the_file_and_line() {
    let out = run_to_exit(
        "route:\n  receiver: nobody\n  group_wait: soon\nreceivers:\n  - name: nobody\n",
        &format!("127.0.0.1:{}", free_port()),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("alertmanager.yml:3:"), "names the line: {err}");
    assert!(err.contains("group_wait"), "names the key: {err}");
}
