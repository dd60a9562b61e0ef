//! How the state reaches the disk: each part on its own schedule, alerts
//! in chunks, everything restored at the next start.

use std::time::Duration;

use vigie_alert::api_v2::filter::AlertsQuery;
use vigie_alert::api_v2::PostableAlert;
use vigie_alertmanager::{AlertManager, AlertManagerOptions, ConfigSource};

const CONFIG: &str =
    "route:\n  receiver: quiet\n  group_by: [alertname]\nreceivers:\n  - name: quiet\n";

fn alerts(n: usize) -> Vec<PostableAlert> {
    (0..n)
        .map(|i| PostableAlert {
            labels: [
                ("alertname", "Many".to_string()),
                ("instance", format!("host-{i}")),
            ]
            .into_iter()
            .collect(),
            annotations: [("summary", "saved in chunks")].into_iter().collect(),
            ..PostableAlert::default()
        })
        .collect()
}

fn saved_alert_count(path: &std::path::Path) -> usize {
    let text = std::fs::read(path).expect("alerts.json");
    let value: serde_json::Value = serde_json::from_slice(&text).expect("valid JSON");
    assert_eq!(value["format"], 1);
    value["data"].as_object().expect("a map of alerts").len()
}

#[tokio::test]
async fn regression_silences_save_at_once_while_a_flood_of_alerts_waits_its_interval() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(&config, CONFIG).expect("write config");
    let data = dir.path().join("data");
    let mut options = AlertManagerOptions::new(ConfigSource::File(config), &data);
    options.persist_debounce = Duration::from_millis(50);
    options.alert_persist_interval = Duration::from_millis(1500);
    let am = AlertManager::start(options.clone()).await.expect("starts");

    // More alerts than one save chunk holds.
    let answer = am.post_alerts(alerts(5000)).await;
    assert_eq!(answer.status, 200);
    let silence = serde_json::json!({
        "matchers": [{"name": "instance", "value": "host-1", "isRegex": false}],
        "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z",
        "createdBy": "ops", "comment": "saved soon"
    });
    let answer = am.post_silence_body(silence.to_string().as_bytes()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        data.join("silences.json").exists(),
        "silences saved after the debounce"
    );
    assert!(
        !data.join("alerts.json").exists(),
        "alerts wait for their own interval, not the silence's save"
    );

    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(saved_alert_count(&data.join("alerts.json")), 5000);

    am.post_alerts(alerts(5100)).await;
    am.shutdown().await.expect("saved at shutdown");
    assert_eq!(saved_alert_count(&data.join("alerts.json")), 5100);

    let again = AlertManager::start(options).await.expect("restarts");
    let listed = again.list_alerts(&AlertsQuery::default()).await;
    assert_eq!(listed.len(), 5100);
    assert!(listed
        .iter()
        .all(|a| a.annotations.get("summary") == Some("saved in chunks")));
    assert_eq!(
        again.group_count().await,
        1,
        "restored alerts are grouped again"
    );
    again.shutdown().await.expect("saved");
}
