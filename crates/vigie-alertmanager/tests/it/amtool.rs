//! The real `amtool` (Alertmanager 0.25's command-line client) against
//! the router: alerts, silences (add, query, update, expire, import) and
//! the configuration (show, routes test).
//!
//! These tests need `/usr/bin/amtool` (Debian package
//! `prometheus-alertmanager`); without it they fail, they do not skip.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{alert_body, config, Hook, TestAm};

const AMTOOL: &str = "/usr/bin/amtool";

/// Runs `amtool --alertmanager.url=<am> <args>`; returns stdout, panics
/// with stderr when it fails.
async fn amtool(am: &TestAm, args: &[&str]) -> String {
    assert!(
        Path::new(AMTOOL).exists(),
        "{AMTOOL} is missing: install the Debian package prometheus-alertmanager \
         (apt-get install -y prometheus-alertmanager)"
    );
    let mut all = vec![format!("--alertmanager.url={}", am.url)];
    all.extend(args.iter().map(ToString::to_string));
    let output = tokio::task::spawn_blocking(move || Command::new(AMTOOL).args(&all).output())
        .await
        .expect("join")
        .expect("run amtool");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "amtool {args:?} failed ({}):\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );
    stdout
}

async fn started() -> (tempfile::TempDir, Hook, TestAm) {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    let am = TestAm::start(dir.path(), &config(&hook.url)).await;
    (dir, hook, am)
}

#[tokio::test]
async fn amtool_alert_add_and_query() {
    let (_dir, _hook, am) = started().await;
    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "DiskFull"), ("instance", "a")], None),
    )
    .await;
    amtool(
        &am,
        &[
            "alert",
            "add",
            "CpuHot",
            "instance=b",
            "--annotation=summary=hot",
        ],
    )
    .await;

    let all = amtool(&am, &["alert", "query"]).await;
    assert!(all.contains("DiskFull") && all.contains("CpuHot"), "{all}");
    let only_cpu = amtool(&am, &["alert", "query", "alertname=CpuHot"]).await;
    assert!(
        only_cpu.contains("CpuHot") && !only_cpu.contains("DiskFull"),
        "{only_cpu}"
    );

    let json: Value =
        serde_json::from_str(&amtool(&am, &["-o", "json", "alert", "query", "instance=b"]).await)
            .expect("amtool JSON");
    assert_eq!(json[0]["labels"]["alertname"], "CpuHot");
    assert_eq!(json[0]["annotations"]["summary"], "hot");
    assert_eq!(json[0]["receivers"][0]["name"], "hook");
    am.stop().await;
}

#[tokio::test]
async fn amtool_silence_add_query_update_and_expire() {
    let (_dir, _hook, am) = started().await;
    let added = amtool(
        &am,
        &[
            "silence",
            "add",
            "alertname=DiskFull",
            "instance=~\"a|b\"",
            "--comment=disk swap",
            "--author=ops",
            "--duration=1h",
        ],
    )
    .await;
    let id = added.trim().to_string();
    assert_eq!(id.len(), 36, "a UUID: {added}");

    let listed = amtool(&am, &["silence", "query"]).await;
    assert!(
        listed.contains(&id) && listed.contains("disk swap"),
        "{listed}"
    );
    let ids = amtool(&am, &["silence", "query", "-q", "alertname=DiskFull"]).await;
    assert_eq!(ids.trim(), id);

    amtool(
        &am,
        &[
            "silence",
            "update",
            "--comment=longer swap",
            "--duration=2h",
            &id,
        ],
    )
    .await;
    let json: Value = serde_json::from_str(&amtool(&am, &["-o", "json", "silence", "query"]).await)
        .expect("amtool JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json[0]["comment"], "longer swap");
    assert_eq!(
        json[0]["id"],
        id.as_str(),
        "an active silence is updated in place"
    );

    amtool(&am, &["silence", "expire", &id]).await;
    let active = amtool(&am, &["silence", "query", "-q"]).await;
    assert_eq!(active.trim(), "", "no active silence left");
    let expired = amtool(&am, &["silence", "query", "-q", "--expired"]).await;
    assert_eq!(expired.trim(), id);
    am.stop().await;
}

#[tokio::test]
async fn amtool_silence_import_recreates_exported_silences() {
    let (dir, _hook, am) = started().await;
    for team in ["db", "web"] {
        amtool(
            &am,
            &[
                "silence",
                "add",
                &format!("team={team}"),
                "--comment=import me",
                "--author=ops",
                "--duration=1h",
            ],
        )
        .await;
    }
    let exported = amtool(&am, &["-o", "json", "silence", "query"]).await;
    let file = dir.path().join("silences.json");
    std::fs::write(&file, &exported).expect("write export");
    let file_arg = file.to_string_lossy().into_owned();

    // Imported into a second, empty alert manager.
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = TestAm::start(
        other_dir.path(),
        &std::fs::read_to_string(&am.config_path).expect("config"),
    )
    .await;
    amtool(&other, &["silence", "import", &file_arg]).await;
    let listed: Value =
        serde_json::from_str(&amtool(&other, &["-o", "json", "silence", "query"]).await)
            .expect("amtool JSON");
    let mut teams: Vec<String> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|s| {
            s["matchers"][0]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    teams.sort();
    assert_eq!(teams, ["db", "web"]);
    assert!(listed
        .as_array()
        .expect("array")
        .iter()
        .all(|s| s["comment"] == "import me"));
    other.stop().await;
    am.stop().await;
}

#[tokio::test]
async fn amtool_config_show_and_routes_test() {
    let (_dir, hook, am) = started().await;
    let shown = amtool(&am, &["config", "show"]).await;
    assert!(shown.contains("group_wait: 1s"), "{shown}");
    assert!(shown.contains(&hook.url), "{shown}");

    let routed_db = amtool(
        &am,
        &["config", "routes", "test", "alertname=Down", "team=db"],
    )
    .await;
    assert_eq!(routed_db.trim(), "db");
    let routed_default = amtool(&am, &["config", "routes", "test", "alertname=Down"]).await;
    assert_eq!(routed_default.trim(), "hook");
    am.stop().await;
}

#[tokio::test]
async fn amtool_config_show_masks_secrets_and_routes_still_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    let text = format!(
        "global:\n  smtp_auth_password: smtp-pass-1\n  slack_api_url: http://127.0.0.1:1/slack-token-2\nroute:\n  receiver: hook\n  group_wait: 1s\n  routes:\n    - receiver: pager\n      matchers: [team=db]\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: {}\n        http_config:\n          basic_auth: {{username: u, password: basic-pass-3}}\n  - name: pager\n    pagerduty_configs:\n      - routing_key: routing-key-4\n    slack_configs:\n      - channel: '#db'\n    opsgenie_configs:\n      - api_key: opsgenie-key-5\n",
        hook.url
    );
    let am = TestAm::start(dir.path(), &text).await;
    let shown = amtool(&am, &["config", "show"]).await;
    for secret in [
        "smtp-pass-1",
        "slack-token-2",
        "basic-pass-3",
        "routing-key-4",
        "opsgenie-key-5",
    ] {
        assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
    }
    assert!(shown.contains("smtp_auth_password: <secret>"), "{shown}");
    assert!(shown.contains("routing_key: <secret>"), "{shown}");
    assert!(shown.contains(&hook.url), "{shown}");
    // amtool loads the shown configuration with Alertmanager's loader.
    let routed = amtool(&am, &["config", "routes", "test", "team=db"]).await;
    assert_eq!(routed.trim(), "pager");
    am.stop().await;
}
