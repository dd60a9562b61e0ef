//! Sigma detection end to end: SigmaHQ rules loaded by `vigie serve` raise
//! alerts on ingested CloudTrail and Windows events, stored and searchable;
//! rules reload on SIGHUP and through the API, with broken rules reported
//! by file and line; `vigie rules check|test` and `vigie hunt`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{curl, json, metric, scratch, vigie, vigie_bin, Server};

fn shared() -> PathBuf {
    std::env::var("VIGIE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
}

/// A CloudTrail `StopLogging` call, as AWS writes it.
const STOP_LOGGING: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","userName":"mallory"},"eventTime":"2024-05-01T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userAgent":"aws-cli/2.15.0","requestParameters":{"name":"management-events"},"responseElements":null,"requestID":"0f1e2d3c-aaaa-bbbb-cccc-111122223333","eventID":"5b7c1a2e-1111-2222-3333-444455556666","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

/// The SigmaHQ rule that `STOP_LOGGING` must fire.
const TRAIL_RULE: &str = "4db60cc0-36fb-42b7-9b58-a5b53019fb74";
/// A SigmaHQ regression case: 3 findstr runs, one of which the rule fires on.
const FINDSTR_RULE: &str = "47e4bab7-c626-47dc-967b-255608c9a920";

fn findstr_events() -> PathBuf {
    shared().join("testdata/sigma-events/sigmahq-regression-jsonl/regression_data/rules/windows/process_creation/proc_creation_win_findstr_recon_everyone").join(format!("{FINDSTR_RULE}.jsonl"))
}

fn alerts(server: &Server, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = server.get("/api/v1/search?q=event.dataset:vigie.alerts&size=100");
        assert_eq!(status, 200, "{body}");
        let hits = json(&body)["hits"].as_array().cloned().unwrap_or_default();
        if hits.len() >= want || Instant::now() > deadline {
            return hits;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigmahq_rules_raise_alerts_on_ingested_events_that_are_stored_searchable_and_huntable() {
    let Some(dir) = shared_or_skip("detect-alerts") else {
        return;
    };
    let sigma = shared().join("sigma/rules");
    let config = format!(
        "detection:\n  rules:\n    - {}\n    - {}\n",
        sigma.join("cloud/aws").display(),
        sigma.join("windows/process_creation").display()
    );
    let mut server = Server::start(&dir, Some(&config));
    let (status, body) = server.post(
        "/api/v1/ingest/aws.cloudtrail",
        "application/json",
        STOP_LOGGING,
    );
    assert_eq!(status, 200, "{body}");
    let windows = std::fs::read_to_string(findstr_events()).unwrap();
    assert_eq!(windows.lines().filter(|l| !l.is_empty()).count(), 3);
    let (status, body) = server.post(
        "/api/v1/ingest/windows.evtx",
        "application/x-ndjson",
        &windows,
    );
    assert_eq!(status, 200, "{body}");

    let hits = alerts(&server, 2);
    let mut ids: Vec<&str> = hits
        .iter()
        .filter_map(|h| h["fields"]["rule.id"].as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![FINDSTR_RULE, TRAIL_RULE], "{hits:#?}");
    let trail = hits
        .iter()
        .find(|h| h["fields"]["rule.id"] == TRAIL_RULE)
        .unwrap();
    let doc = json(trail["original"].as_str().unwrap());
    assert_eq!(
        doc["labels"]["alertname"],
        "AWS CloudTrail Important Change"
    );
    assert_eq!(doc["labels"]["severity"], "medium");
    assert_eq!(doc["labels"]["dataset"], "aws.cloudtrail");
    assert_eq!(doc["labels"]["source_ip"], "203.0.113.9");
    assert_eq!(
        doc["annotations"]["event_id"],
        "5b7c1a2e-1111-2222-3333-444455556666"
    );
    assert!(doc["annotations"]["attack"]
        .as_str()
        .unwrap()
        .contains("t1685.002"));

    let (status, body) = server.get("/api/v1/rules");
    assert_eq!(status, 200, "{body}");
    let rules = json(&body);
    assert!(rules["rule_count"].as_u64().unwrap() > 1000, "{rules}");
    assert!(rules["rules"].as_array().unwrap().len() > 1000, "{rules}");
    assert_eq!(rules["failed"].as_array().map(Vec::len), Some(0), "{rules}");
    let (_, text) = server.get("/metrics");
    assert_eq!(metric(&text, "vigie_detection_events_total"), Some(4.0));
    // Both rules are of level medium.
    assert_eq!(
        metric(&text, "vigie_detection_alerts_total{severity=\"medium\"}"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(metric(&text, "vigie_detection_matches_total"), Some(2.0));
    assert!(server.terminate().success());

    // The same rules over the stored events find the same two matches.
    let out = Command::new(vigie_bin())
        .args(["hunt", "--offline", "--format", "ndjson", "--rules"])
        .arg(sigma.join("cloud/aws"))
        .arg("--rules")
        .arg(sigma.join("windows/process_creation"))
        .env("VIGIE_DATA_DIR", dir.join("data"))
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| json(l)["rule_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    found.sort();
    assert_eq!(found, vec![FINDSTR_RULE.to_owned(), TRAIL_RULE.to_owned()]);
}

fn shared_or_skip(name: &str) -> Option<PathBuf> {
    if shared().join("sigma").is_dir() {
        Some(scratch(name))
    } else {
        eprintln!("skipped: ../shared/sigma is absent");
        None
    }
}

const LOGIN_RULE: &str = "title: Console login\nid: 11111111-0000-0000-0000-000000000001\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: {eventName: ConsoleLogin}\n  condition: sel\n";
const TRAIL_RULE_LOCAL: &str = "title: Trail stopped\nid: 11111111-0000-0000-0000-000000000002\nlevel: critical\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: {eventName: StopLogging}\n  condition: sel\n";
const BROKEN_RULE: &str = "title: Broken\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName|contans: x\n  condition: sel\n";

fn generation(server: &Server) -> u64 {
    let (status, body) = server.get("/api/v1/rules");
    assert_eq!(status, 200, "{body}");
    json(&body)["generation"].as_u64().unwrap_or(0)
}

fn write_rule(rules: &Path, name: &str, text: &str) {
    std::fs::write(rules.join(name), text).unwrap();
}

#[test]
fn rules_reload_on_sighup_and_through_the_api_and_a_broken_rule_is_reported_by_line() {
    let dir = scratch("detect-reload");
    let rules = dir.join("data/rules");
    std::fs::create_dir_all(&rules).unwrap();
    write_rule(&rules, "login.yml", LOGIN_RULE);
    let server = Server::start(&dir, None);
    assert_eq!(generation(&server), 1);
    let (status, _) = server.post(
        "/api/v1/ingest/aws.cloudtrail",
        "application/json",
        STOP_LOGGING,
    );
    assert_eq!(status, 200);

    write_rule(&rules, "trail.yml", TRAIL_RULE_LOCAL);
    write_rule(&rules, "broken.yml", BROKEN_RULE);
    let ok = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while generation(&server) < 2 {
        assert!(
            Instant::now() < deadline,
            "no reload after SIGHUP:\n{}",
            server.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, body) = server.get("/api/v1/rules");
    let status = json(&body);
    let failed = status["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{status}");
    assert!(failed[0]["file"].as_str().unwrap().ends_with("broken.yml"));
    assert_eq!(failed[0]["line"], 5);
    assert!(failed[0]["reason"]
        .as_str()
        .unwrap()
        .contains("unknown value modifier 'contans'"));
    assert!(server.log_text().contains("sigma rule not loaded"));

    let (status, _) = server.post(
        "/api/v1/ingest/aws.cloudtrail",
        "application/json",
        STOP_LOGGING,
    );
    assert_eq!(status, 200);
    let hits = alerts(&server, 1);
    assert_eq!(hits.len(), 1, "only the event after the reload: {hits:#?}");
    assert_eq!(hits[0]["fields"]["rule.name"], "Trail stopped");

    std::fs::remove_file(rules.join("broken.yml")).unwrap();
    let (status, body) = server.post("/api/v1/rules/reload", "application/json", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["generation"], 3);
    assert_eq!(json(&body)["failed"].as_array().map(Vec::len), Some(0));
    let (status, _) = curl(&["-X", "POST", &server.url("/api/v1/rules/reload")]);
    assert_eq!(status, 401, "reloading needs a token");
}

#[test]
fn rules_check_reports_the_corpus_and_points_at_broken_rules_and_rules_test_explains_matches() {
    let Some(dir) = shared_or_skip("detect-cli") else {
        return;
    };
    let sigma = shared().join("sigma");
    let out = vigie(&[
        "rules",
        "check",
        sigma.join("rules").to_str().unwrap(),
        sigma.join("rules-emerging-threats").to_str().unwrap(),
        sigma.join("rules-threat-hunting").to_str().unwrap(),
        sigma.join("rules-compliance").to_str().unwrap(),
        sigma.join("rules-placeholder").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("3780 documents"), "{text}");
    assert!(text.contains("0 failed; 100.00% loaded"), "{text}");

    write_rule(&dir, "good.yml", LOGIN_RULE);
    write_rule(&dir, "broken.yml", BROKEN_RULE);
    let out = vigie(&["rules", "check", dir.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("broken.yml:5:5: "), "{text}");
    assert!(text.contains("1 failed"), "{text}");
    let out = vigie(&[
        "rules",
        "check",
        "--min-percent",
        "50",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());

    let out = vigie(&[
        "rules",
        "test",
        "--format",
        "ndjson",
        "--events",
        findstr_events().to_str().unwrap(),
        sigma
            .join("rules/windows/process_creation")
            .to_str()
            .unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(json)
        .collect();
    let mine: Vec<&Value> = lines
        .iter()
        .filter(|l| l["rule_id"] == FINDSTR_RULE)
        .collect();
    assert_eq!(mine.len(), 1, "{lines:#?}");
    let why: Vec<&str> = mine[0]["selections"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !why.is_empty() && why.iter().all(|s| s.starts_with("selection")),
        "{why:?}"
    );
}
