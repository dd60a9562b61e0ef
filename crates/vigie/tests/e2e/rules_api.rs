//! The rules API of the web UI's Rules page, end to end: the rule list,
//! switching a rule off and on (at once, kept across a reload and a
//! restart), the scopes, testing a rule on pasted events; and the metrics
//! of detection and of the Falco and Gatekeeper sources.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::{curl, fixture, json, metric, scratch, Server};

const ADMIN: &str = "rules-admin-secret-0123456789";
const READER: &str = "rules-reader-secret-0123456789";
const TOKENS: &str = "auth:\n  tokens:\n    - name: admin\n      token: ${ADMIN_TOKEN}\n      scopes: [admin]\n    - name: reader\n      token: ${READER_TOKEN}\n      scopes: [read]\n";

const TRAIL_ID: &str = "11111111-0000-0000-0000-000000000002";
const TRAIL: &str = "title: Trail stopped\nid: 11111111-0000-0000-0000-000000000002\nlevel: critical\ndescription: Someone stopped a CloudTrail trail\ntags: [attack.defense-evasion, attack.t1562.008]\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: {eventName: StopLogging}\n  condition: sel\n";
const LOGIN: &str = "title: Console login\nid: 11111111-0000-0000-0000-000000000001\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: {eventName: ConsoleLogin}\n  condition: sel\n";

fn cloudtrail(event_name: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "userName": "mallory", "accountId": "111122223333"},
        "eventTime": "2024-05-01T10:00:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.9",
        "eventID": format!("id-{event_name}"),
        "eventType": "AwsApiCall",
    })
}

fn start(dir: &Path) -> Server {
    let env = [("ADMIN_TOKEN", ADMIN), ("READER_TOKEN", READER)];
    let mut server = Server::start_with_env(dir, Some(TOKENS), &env);
    server.token = ADMIN.to_owned();
    server
}

fn post_as(server: &Server, token: &str, path: &str, body: &str) -> (u16, String) {
    let auth = format!("Authorization: Bearer {token}");
    curl(&[
        "-X",
        "POST",
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
        &server.url(path),
    ])
}

fn metrics(server: &Server) -> String {
    let (status, text) = server.get("/metrics");
    assert_eq!(status, 200, "{text}");
    text
}

/// Ingests `StopLogging`, waits until detection saw it; the rule matches
/// counted so far.
fn stop_logging_matches(server: &Server) -> f64 {
    let seen = metric(&metrics(server), "vigie_detection_events_total").unwrap_or(0.0);
    let body = cloudtrail("StopLogging").to_string();
    let (status, reply) = server.post("/api/v1/ingest/aws.cloudtrail", "application/json", &body);
    assert_eq!(status, 200, "{reply}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = metrics(server);
        if metric(&text, "vigie_detection_events_total").unwrap_or(0.0) > seen {
            return metric(&text, "vigie_detection_matches_total").unwrap_or(0.0);
        }
        assert!(
            Instant::now() < deadline,
            "the event never reached detection"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rule<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id} in {list}"))
}

#[test]
fn a_disabled_rule_stops_matching_at_once_across_a_reload_and_a_restart_and_matches_again_once_enabled(
) {
    let dir = scratch("rules-switch");
    let rules = dir.join("data/rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("trail.yml"), TRAIL).unwrap();
    std::fs::write(rules.join("login.yml"), LOGIN).unwrap();
    let mut server = start(&dir);

    let (status, body) = server.get("/api/v1/rules");
    assert_eq!(status, 200, "{body}");
    let list = json(&body);
    assert_eq!(list["rule_count"], 2, "{list}");
    let ids: Vec<&str> = list["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["11111111-0000-0000-0000-000000000001", TRAIL_ID]);
    let trail = rule(&list, TRAIL_ID);
    assert_eq!(trail["title"], "Trail stopped");
    assert_eq!(trail["level"], "critical");
    assert_eq!(trail["status"], "enabled");
    assert_eq!(trail["enabled"], true);
    assert_eq!(
        trail["tags"],
        json!(["attack.defense-evasion", "attack.t1562.008"])
    );
    assert_eq!(
        trail["logsource"],
        json!({"product": "aws", "service": "cloudtrail", "category": null})
    );
    assert!(trail["path"].as_str().unwrap().ends_with("trail.yml"));
    assert_eq!(trail["description"], "Someone stopped a CloudTrail trail");

    assert_eq!(stop_logging_matches(&server), 1.0, "the rule matches");

    let path = format!("/api/v1/rules/{TRAIL_ID}/disable");
    let (status, body) = post_as(&server, READER, &path, "");
    assert_eq!(status, 403, "a read token cannot switch rules: {body}");
    assert!(body.contains("lacks the `write` scope"), "{body}");
    let (status, body) = server.post("/api/v1/rules/nope/disable", "application/json", "");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no loaded rule has the id `nope`"), "{body}");
    let (status, body) = server.post(&path, "application/json", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["id"], TRAIL_ID);
    assert_eq!(json(&body)["enabled"], false);
    let saved = std::fs::read_to_string(rules.join("disabled.json")).unwrap();
    assert_eq!(json(&saved)["disabled"], json!([TRAIL_ID]));
    let (_, body) = server.get("/api/v1/rules");
    assert_eq!(rule(&json(&body), TRAIL_ID)["status"], "disabled");
    assert!(metrics(&server).contains("vigie_detection_rules{state=\"disabled\"} 1"));

    assert_eq!(stop_logging_matches(&server), 1.0, "no match once disabled");
    let (status, body) = server.post("/api/v1/rules/reload", "application/json", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(rule(&json(&body), TRAIL_ID)["enabled"], false);
    assert_eq!(
        stop_logging_matches(&server),
        1.0,
        "still none after a reload"
    );
    // The switch is in the audit log, searchable.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = server.get("/api/v1/search?q=event.dataset:vigie.audit&size=100");
        assert_eq!(status, 200, "{body}");
        let hits = json(&body)["hits"].as_array().cloned().unwrap_or_default();
        let done = hits.iter().any(|h| {
            h["fields"]["url.path"] == path.as_str()
                && h["fields"]["http.response.status_code"] == 200
        });
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no audit event for {path}: {hits:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.terminate().success());

    let server = start(&dir);
    let (_, body) = server.get("/api/v1/rules");
    assert_eq!(rule(&json(&body), TRAIL_ID)["status"], "disabled");
    assert_eq!(
        stop_logging_matches(&server),
        0.0,
        "still none after a restart"
    );
    let (status, body) = server.post(
        &format!("/api/v1/rules/{TRAIL_ID}/enable"),
        "application/json",
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["enabled"], true);
    assert_eq!(stop_logging_matches(&server), 1.0, "matching again");
    let saved = std::fs::read_to_string(rules.join("disabled.json")).unwrap();
    assert_eq!(json(&saved)["disabled"], json!([]));
}

#[test]
fn a_pasted_rule_is_tested_on_pasted_events_and_bad_input_is_refused_clearly() {
    let dir = scratch("rules-test");
    let server = start(&dir);
    let body = json!({
        "rule": TRAIL,
        "dataset": "aws.cloudtrail",
        "events": [cloudtrail("ConsoleLogin"), cloudtrail("StopLogging")],
    });
    let (status, reply) = post_as(&server, READER, "/api/v1/rules/test", &body.to_string());
    assert_eq!(status, 200, "{reply}");
    let out = json(&reply);
    assert_eq!(out["rule"]["id"], TRAIL_ID);
    assert_eq!(out["rule"]["title"], "Trail stopped");
    assert_eq!(out["rule"]["level"], "critical");
    assert_eq!(out["evaluated"], 2);
    let matches = out["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{out}");
    assert_eq!(matches[0]["index"], 1);
    assert_eq!(matches[0]["event"]["eventName"], "StopLogging");

    // Without a dataset, each event is recognised as ingest would.
    let body = json!({"rule": TRAIL, "events": [cloudtrail("StopLogging")]});
    let (status, reply) = server.post("/api/v1/rules/test", "application/json", &body.to_string());
    assert_eq!(status, 200, "{reply}");
    assert_eq!(json(&reply)["matches"][0]["index"], 0, "{reply}");

    let broken = "title: x\nlogsource: {product: aws}\ndetection:\n  sel: {eventName: [a\n  condition: sel\n";
    let body = json!({"rule": broken, "events": []});
    let (status, reply) = server.post("/api/v1/rules/test", "application/json", &body.to_string());
    assert_eq!(status, 400, "{reply}");
    let err = json(&reply);
    assert!(err["line"].as_u64().unwrap() >= 4, "{err}");
    assert!(err["column"].as_u64().unwrap() >= 1, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid rule: line "),
        "{err}"
    );

    let modifier = TRAIL.replace("eventName:", "eventName|contans:");
    let body = json!({"rule": modifier, "events": []});
    let (status, reply) = server.post("/api/v1/rules/test", "application/json", &body.to_string());
    assert_eq!(status, 400, "{reply}");
    assert_eq!(json(&reply)["line"], 8, "{reply}");
    assert!(reply.contains("contans"), "{reply}");

    let many: Vec<Value> = (0..1001).map(|_| json!({"a": 1})).collect();
    let body = json!({"rule": TRAIL, "events": many});
    let (status, reply) = server.post("/api/v1/rules/test", "application/json", &body.to_string());
    assert_eq!(status, 400, "{reply}");
    assert!(reply.contains("at most 1000 events"), "{reply}");

    let huge = json!({"rule": TRAIL, "events": ["x".repeat(1 << 21)]});
    let file = dir.join("huge.json");
    std::fs::write(&file, huge.to_string()).unwrap();
    let auth = format!("Authorization: Bearer {ADMIN}");
    let (status, reply) = curl(&[
        "-X",
        "POST",
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &format!("@{}", file.display()),
        &server.url("/api/v1/rules/test"),
    ]);
    assert_eq!(status, 413, "{reply}");

    let (status, reply) = curl(&["-X", "POST", &server.url("/api/v1/rules/test")]);
    assert_eq!(status, 401, "{reply}");
}

#[test]
fn falco_and_gatekeeper_fixtures_are_counted_by_priority_and_action_with_evaluation_time() {
    let dir = scratch("rules-metrics");
    let server = start(&dir);
    let falco = std::fs::read_to_string(fixture(
        "falco/output_files/single_rule_with_cat_write.json",
    ))
    .unwrap();
    let warnings = falco.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(warnings, 8);
    let (status, body) = server.post("/api/v1/falco", "application/x-ndjson", &falco);
    assert_eq!(status, 200, "{body}");
    // Falcosidekick's test payloads: the first is an `Error`.
    let sidekick =
        std::fs::read_to_string(fixture("falcosidekick/test_payloads_extracted.jsonl")).unwrap();
    let first = json(sidekick.lines().next().unwrap());
    let (status, body) = server.post(
        "/api/v1/falco",
        "application/json",
        first["raw"].as_str().unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    let gatekeeper =
        std::fs::read_to_string(fixture("gatekeeper/samples/export_block24.json")).unwrap();
    let (status, body) = server.post(
        "/api/v1/ingest/gatekeeper.audit",
        "application/json",
        &gatekeeper,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["events"], 1, "{body}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = metrics(&server);
        if metric(&text, "vigie_detection_events_total") == Some(10.0) {
            break text;
        }
        assert!(Instant::now() < deadline, "events not detected:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        metric(&text, "vigie_falco_events_total{priority=\"warning\"}"),
        Some(8.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "vigie_falco_events_total{priority=\"error\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "vigie_gatekeeper_events_total{event_type=\"violation_audited\",enforcement_action=\"deny\"}"
        ),
        Some(1.0),
        "{text}"
    );
    for dataset in ["falco.alerts", "gatekeeper.audit"] {
        let count = format!("vigie_detection_evaluation_seconds_count{{dataset=\"{dataset}\"}}");
        assert!(
            metric(&text, &count).unwrap_or(0.0) >= 1.0,
            "{count}:\n{text}"
        );
    }
    assert!(text.contains("# TYPE vigie_detection_evaluation_seconds histogram"));
}
