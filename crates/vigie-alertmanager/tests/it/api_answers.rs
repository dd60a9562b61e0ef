//! The HTTP answers of the API for bad requests and the management
//! endpoints, as Alertmanager 0.25 gives them.

use serde_json::{json, Value};

use crate::support::{alert_body, config, Hook, TestAm};

async fn started() -> (tempfile::TempDir, Hook, TestAm) {
    let dir = tempfile::tempdir().expect("temp dir");
    let hook = Hook::start().await;
    let am = TestAm::start(dir.path(), &config(&hook.url)).await;
    (dir, hook, am)
}

async fn post_raw(
    am: &TestAm,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", am.url))
        .body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn a_body_that_is_not_json_content_is_refused_with_415() {
    let (_dir, _hook, am) = started().await;
    let (status, body) = post_raw(&am, "/api/v2/alerts", Some("text/plain"), "[]").await;
    assert_eq!(status, 415);
    let body: Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(
        body,
        json!({"code": 415, "message": "unsupported media type \"text/plain\", only [application/json] are allowed"})
    );
    let (status, _) = post_raw(&am, "/api/v2/silences", None, "{}").await;
    assert_eq!(status, 415, "no Content-Type is application/octet-stream");
    am.stop().await;
}

#[tokio::test]
async fn malformed_and_incomplete_bodies_get_alertmanagers_400_and_422() {
    let (_dir, _hook, am) = started().await;
    let json_type = Some("application/json");
    let (status, body) = post_raw(&am, "/api/v2/alerts", json_type, "[{").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post_raw(&am, "/api/v2/alerts", json_type, "[{\"annotations\":{}}]").await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("JSON")["message"],
        "0.labels in body is required"
    );
    let (status, _) = post_raw(&am, "/api/v2/alerts", json_type, "").await;
    assert_eq!(status, 422, "an empty body is a missing body");
    let (status, body) = post_raw(&am, "/api/v2/alerts", json_type, "[{\"labels\":{}}]").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = post_raw(&am, "/api/v2/silences", json_type, "{\"comment\":\"c\"}").await;
    assert_eq!(status, 422);
    am.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let (_dir, _hook, am) = started().await;
    let huge = format!(
        "[{{\"labels\":{{\"alertname\":\"{}\"}}}}]",
        "x".repeat(100 * 1024)
    );
    let (status, _) = post_raw(&am, "/api/v2/alerts", Some("application/json"), &huge).await;
    assert_eq!(status, 413);
    am.stop().await;
}

#[tokio::test]
async fn silences_by_id_answer_404_unknown_422_malformed_and_expire_once() {
    let (_dir, _hook, am) = started().await;
    let client = reqwest::Client::new();
    let unknown = format!(
        "{}/api/v2/silence/0a1b2c3d-0000-4000-8000-00000000abcd",
        am.url
    );
    assert_eq!(
        client.get(&unknown).send().await.expect("get").status(),
        404
    );
    assert_eq!(
        client
            .delete(&unknown)
            .send()
            .await
            .expect("delete")
            .status(),
        404
    );
    let malformed = client
        .get(format!("{}/api/v2/silence/nope", am.url))
        .send()
        .await
        .expect("get");
    assert_eq!(malformed.status(), 422);

    let silence = crate::support::silence_body("alertname", "DiskFull", 600, "c");
    let created: Value = am
        .post_json("/api/v2/silences", &silence)
        .await
        .json()
        .await
        .expect("JSON");
    let id = created["silenceID"].as_str().expect("id");
    let url = format!("{}/api/v2/silence/{id}", am.url);
    let got = am.get_json(&format!("/api/v2/silence/{id}")).await;
    assert_eq!(got["status"]["state"], "active");
    assert_eq!(
        client.delete(&url).send().await.expect("delete").status(),
        200
    );
    let got = am.get_json(&format!("/api/v2/silence/{id}")).await;
    assert_eq!(got["status"]["state"], "expired");
    let again = client.delete(&url).send().await.expect("delete");
    assert_eq!(again.status(), 500, "already expired");
    am.stop().await;
}

#[tokio::test]
async fn status_receivers_groups_and_health_answer() {
    let (_dir, hook, am) = started().await;
    let status = am.get_json("/api/v2/status").await;
    assert_eq!(status["config"]["original"], config(&hook.url));
    assert_eq!(status["cluster"]["status"], "disabled");
    assert_eq!(status["versionInfo"]["version"], "0.25.0");
    let receivers = am.get_json("/api/v2/receivers").await;
    assert_eq!(receivers, json!([{"name": "hook"}, {"name": "db"}]));

    am.post_json(
        "/api/v2/alerts",
        &alert_body(&[("alertname", "Down"), ("team", "db")], None),
    )
    .await;
    let groups = am.get_json("/api/v2/alerts/groups").await;
    assert_eq!(groups[0]["receiver"]["name"], "db");
    assert_eq!(groups[0]["labels"], json!({"alertname": "Down"}));
    let empty_receiver = am.get_json("/api/v2/alerts?receiver=").await;
    assert_eq!(
        empty_receiver.as_array().map(Vec::len),
        Some(1),
        "regression: receiver= filters nothing"
    );
    let by_receiver = am.get_json("/api/v2/alerts?receiver=hook").await;
    assert_eq!(by_receiver, json!([]));
    let filtered = am.get_json("/api/v2/alerts?filter=team%3D%22web%22").await;
    assert_eq!(filtered, json!([]));
    let bad = reqwest::get(format!("{}/api/v2/alerts?filter=%7B", am.url))
        .await
        .expect("get");
    assert_eq!(bad.status(), 400);

    for path in ["/-/healthy", "/-/ready"] {
        let response = reqwest::get(format!("{}{path}", am.url))
            .await
            .expect("get");
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.expect("text"), "OK");
    }
    am.stop().await;
}

#[tokio::test]
async fn regression_go_zero_times_posted_by_amtool_mean_not_given() {
    let (_dir, _hook, am) = started().await;
    let body = json!([{
        "labels": {"alertname": "CpuHot"},
        "startsAt": "0001-01-01T00:00:00.000Z",
        "endsAt": "0001-01-01T00:00:00Z"
    }]);
    let response = am.post_json("/api/v2/alerts", &body).await;
    assert_eq!(response.status(), 200);
    let alerts = am.get_json("/api/v2/alerts").await;
    let starts_at = alerts[0]["startsAt"].as_str().expect("startsAt");
    assert!(!starts_at.starts_with("0001"), "starts now: {starts_at}");
    assert_eq!(
        alerts[0]["status"]["state"], "active",
        "firing until the resolve timeout"
    );
    am.stop().await;
}
