//! The whole path over HTTP: alerts posted to the API reach a local
//! webhook receiver after `group_wait`, deduplicated, silenced, resolved,
//! retried, and survive a restart without being sent again.

use std::time::Duration;

use serde_json::json;

use crate::support::{alert_body, config, rfc3339_in, silence_body, started, Hook, TestAm};

const WAIT: Duration = Duration::from_secs(6);

#[tokio::test]
async fn a_posted_alert_reaches_the_webhook_after_group_wait_as_a_v4_payload() {
    let (_dir, hook, am) = started().await;
    let response = am
        .post_json(
            "/api/v2/alerts",
            &alert_body(&[("alertname", "DiskFull"), ("instance", "a")], None),
        )
        .await;
    assert_eq!(response.status(), 200);

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(hook.calls().is_empty(), "nothing before group_wait (1s)");
    let calls = hook.wait_for_calls(1, WAIT).await;
    let call = &calls[0];
    assert_eq!(call.content_type, "application/json");
    assert!(
        call.user_agent.starts_with("Alertmanager/"),
        "{}",
        call.user_agent
    );
    let body = &call.body;
    assert_eq!(body["version"], "4");
    assert_eq!(body["receiver"], "hook");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["groupLabels"], json!({"alertname": "DiskFull"}));
    assert_eq!(body["groupKey"], "{}:{alertname=\"DiskFull\"}");
    assert_eq!(body["externalURL"], "http://am.test:9093");
    assert_eq!(body["alerts"][0]["labels"]["instance"], "a");
    assert_eq!(body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    am.stop().await;
}

#[tokio::test]
async fn an_alert_posted_again_is_not_sent_again() {
    let (_dir, hook, am) = started().await;
    let alert = alert_body(&[("alertname", "DiskFull"), ("instance", "a")], None);
    am.post_json("/api/v2/alerts", &alert).await;
    hook.wait_for_calls(1, WAIT).await;
    for _ in 0..3 {
        am.post_json("/api/v2/alerts", &alert).await;
        tokio::time::sleep(Duration::from_millis(900)).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(hook.calls().len(), 1, "group_interval passed, nothing new");

    // A new alert in the group is news: the group is sent with both.
    let other = alert_body(&[("alertname", "DiskFull"), ("instance", "b")], None);
    am.post_json("/api/v2/alerts", &other).await;
    let calls = hook.wait_for_calls(2, WAIT).await;
    assert_eq!(calls[1].body["alerts"].as_array().map(Vec::len), Some(2));
    am.stop().await;
}

#[tokio::test]
async fn a_silence_suppresses_notification_and_shows_in_the_alert_status() {
    let (_dir, hook, am) = started().await;
    let silence = silence_body("instance", "a", 3600, "maintenance");
    let response = am.post_json("/api/v2/silences", &silence).await;
    assert_eq!(response.status(), 200);
    let id = response.json::<serde_json::Value>().await.expect("JSON")["silenceID"]
        .as_str()
        .expect("silenceID")
        .to_string();

    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "DiskFull"), ("instance", "a")], None),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        hook.calls().is_empty(),
        "silenced alert notified: {:?}",
        hook.calls()
    );

    let alerts = am.get_json("/api/v2/alerts").await;
    assert_eq!(alerts[0]["status"]["state"], "suppressed");
    assert_eq!(alerts[0]["status"]["silencedBy"], json!([id]));
    let unsilenced = am.get_json("/api/v2/alerts?silenced=false").await;
    assert_eq!(unsilenced, json!([]));
    am.stop().await;
}

#[tokio::test]
async fn a_resolved_alert_is_sent_to_a_webhook_with_send_resolved() {
    let (_dir, hook, am) = started().await;
    let labels = [("alertname", "DiskFull"), ("instance", "a")];
    am.post_json("/api/v2/alerts", &alert_body(&labels, None))
        .await;
    hook.wait_for_calls(1, WAIT).await;
    am.post_json("/api/v2/alerts", &alert_body(&labels, Some(&rfc3339_in(0))))
        .await;
    let calls = hook.wait_for_calls(2, WAIT).await;
    assert_eq!(calls[1].body["status"], "resolved");
    assert_eq!(calls[1].body["alerts"][0]["status"], "resolved");
    // Delivered: the resolved alert left its group, which is gone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(am.service.group_count().await, 0);
    am.stop().await;
}

#[tokio::test]
async fn a_restart_keeps_silences_and_alerts_and_does_not_send_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    let first = TestAm::start(dir.path(), &config(&hook.url)).await;
    first
        .post_json(
            "/api/v2/alerts",
            &alert_body(&[("alertname", "DiskFull"), ("instance", "a")], None),
        )
        .await;
    hook.wait_for_calls(1, WAIT).await;
    let silence = silence_body("instance", "z", 3600, "kept across restarts");
    assert_eq!(
        first.post_json("/api/v2/silences", &silence).await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.stop().await;

    let second = TestAm::start(dir.path(), &config(&hook.url)).await;
    let silences = second.get_json("/api/v2/silences").await;
    assert_eq!(silences[0]["comment"], "kept across restarts");
    let alerts = second.get_json("/api/v2/alerts").await;
    assert_eq!(alerts[0]["labels"]["instance"], "a");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        hook.calls().len(),
        1,
        "the log says it was sent: {:?}",
        hook.calls()
    );
    second.stop().await;
}

#[tokio::test]
async fn a_5xx_answer_is_retried_until_delivered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    hook.answer_with(&[500, 503]);
    let am = TestAm::start(dir.path(), &config(&hook.url)).await;
    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "DiskFull")], None),
    )
    .await;
    let calls = hook.wait_for_calls(3, WAIT).await;
    assert_eq!(
        calls[2].body["alerts"][0]["labels"]["alertname"],
        "DiskFull"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        hook.calls().len(),
        3,
        "delivered on the third attempt, then logged"
    );
    am.stop().await;
}

#[tokio::test]
async fn regression_a_4xx_answer_is_not_retried_within_the_flush() {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    hook.answer_with(&[400]);
    let am = TestAm::start(dir.path(), &config(&hook.url)).await;
    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "DiskFull")], None),
    )
    .await;
    hook.wait_for_calls(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(hook.calls().len(), 1, "no retry after 400");
    // Not logged as sent: the next flush (group_interval) tries again.
    hook.wait_for_calls(2, WAIT).await;
    am.stop().await;
}

#[tokio::test]
async fn a_reload_keeps_silences_and_alerts_and_does_not_send_again() {
    let (_dir, hook, am) = started().await;
    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "DiskFull")], None),
    )
    .await;
    hook.wait_for_calls(1, WAIT).await;
    // Let the delivery be logged (the webhook answered, the log is written
    // right after).
    tokio::time::sleep(Duration::from_millis(200)).await;

    let new_config = config(&hook.url).replace("repeat_interval: 1h", "repeat_interval: 2h");
    std::fs::write(&am.config_path, &new_config).expect("write config");
    let client = reqwest::Client::new();
    let reload = client
        .post(format!("{}/-/reload", am.url))
        .send()
        .await
        .expect("reload");
    assert_eq!(reload.status(), 200);
    let status = am.get_json("/api/v2/status").await;
    assert_eq!(status["config"]["original"], new_config);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(hook.calls().len(), 1, "groups rebuilt, log kept");

    std::fs::write(&am.config_path, "route: [").expect("write config");
    let refused = client
        .post(format!("{}/-/reload", am.url))
        .send()
        .await
        .expect("reload");
    assert_eq!(refused.status(), 500);
    let text = refused.text().await.expect("text");
    assert!(text.starts_with("failed to reload config: "), "{text}");
    let status = am.get_json("/api/v2/status").await;
    assert_eq!(
        status["config"]["original"], new_config,
        "the running one stays"
    );
    am.stop().await;
}

#[tokio::test]
async fn a_change_is_saved_shortly_after_without_waiting_for_shutdown() {
    let (dir, _hook, am) = started().await;
    let silence = silence_body("team", "db", 3600, "saved on change");
    assert_eq!(
        am.post_json("/api/v2/silences", &silence).await.status(),
        200
    );
    let file = dir.path().join("data/silences.json");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let saved = std::fs::read_to_string(&file).unwrap_or_default();
        if saved.contains("saved on change") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not saved: {saved:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    am.stop().await;
}

#[tokio::test]
async fn user_template_files_are_loaded_relative_to_the_config_and_reloaded() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tmpl")).expect("mkdir");
    std::fs::write(
        dir.path().join("tmpl/custom.tmpl"),
        r#"{{ define "custom.title" }}{{ .Status | toUpper }} {{ .CommonLabels.alertname }} on {{ range .Alerts }}{{ .Labels.instance }}{{ end }}{{ end }}"#,
    )
    .expect("write template");
    let slack = crate::fake_services::Recorder::start().await;
    let text = format!(
        "templates: ['tmpl/*.tmpl']\nroute:\n  receiver: team-x\n  group_by: [alertname]\n  group_wait: 1s\nreceivers:\n  - name: team-x\n    slack_configs:\n      - api_url: {}/slack\n        title: '{{{{ template \"custom.title\" . }}}}'\n",
        slack.base
    );
    let am = crate::support::TestAm::start(dir.path(), &text).await;
    am.post_json(
        "/api/v2/alerts",
        &crate::support::alert_body(&[("alertname", "Down"), ("instance", "web-1")], None),
    )
    .await;
    let requests = slack.wait_for(1).await;
    let attachment = &requests[0].body["attachments"][0];
    assert_eq!(attachment["title"], "FIRING Down on web-1");
    assert_eq!(
        attachment["title_link"],
        "http://am.test:9093/#/alerts?receiver=team-x"
    );

    // A template file that does not parse makes the reload fail, naming
    // the file; the running configuration stays.
    std::fs::write(
        dir.path().join("tmpl/broken.tmpl"),
        "{{ define \"x\" }}{{ if }}",
    )
    .expect("write");
    let e = am.service.reload_from_source().await.unwrap_err();
    assert!(e.to_string().starts_with("template: broken.tmpl:1:"), "{e}");
    am.stop().await;
}
