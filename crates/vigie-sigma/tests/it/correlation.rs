//! Correlation rules end to end: CloudTrail records go through the engine,
//! the matching rules' hits go to the correlator, alerts come out.

use std::path::PathBuf;

use serde_json::{json, Value};
use vigie_sigma::correlate::{CorrelationAlert, Correlator, Hit, Limits};
use vigie_sigma::view::JsonView;
use vigie_sigma::{load_texts, Engine, LoadOptions};

const RULES: &str = "title: Console login failed
id: 0d1f0c39-0000-4000-8000-000000000001
name: aws_console_login_failed
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: sel
---
title: Console login succeeded
id: 0d1f0c39-0000-4000-8000-000000000002
name: aws_console_login_ok
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Success
  condition: sel
---
title: Unrelated
id: 0d1f0c39-0000-4000-8000-000000000003
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ListBuckets}
  condition: sel
---
title: Brute force
id: 0d1f0c39-0000-4000-8000-0000000000a1
name: aws_brute_force
correlation:
  type: event_count
  rules: [aws_console_login_failed]
  group-by: [sourceIPAddress]
  timespan: 5m
  condition: {gte: 3}
---
title: Brute force then success
id: 0d1f0c39-0000-4000-8000-0000000000a2
correlation:
  type: temporal_ordered
  rules: [aws_brute_force, aws_console_login_ok]
  group-by: [sourceIPAddress]
  timespan: 10m
  generate: true
";

fn load() -> (Engine, Correlator) {
    let (engine, report) = load_texts(
        [(PathBuf::from("corr.yml"), RULES.to_owned())],
        &LoadOptions::default(),
    );
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.correlations, 2);
    let corr = Correlator::new(engine.correlations(), Limits::default());
    (engine, corr)
}

fn login(ip: &str, result: &str) -> Value {
    json!({
        "eventName": "ConsoleLogin",
        "sourceIPAddress": ip,
        "responseElements": {"ConsoleLogin": result},
    })
}

/// Runs one record through the engine, then its hits through the
/// correlator; returns the alerts.
fn step(engine: &Engine, corr: &mut Correlator, t: i64, record: &Value) -> Vec<CorrelationAlert> {
    let mut matched = Vec::new();
    engine.evaluate_json("aws.cloudtrail", record, &mut matched);
    let view = JsonView {
        root: record,
        event: None,
        aliases: &[],
    };
    let mut out = Vec::new();
    for i in matched {
        let Some(rule) = engine.rules().get(i as usize) else {
            continue;
        };
        let meta = &rule.rule.meta;
        if !corr.is_referenced(meta.id.as_deref(), meta.name.as_deref()) {
            continue;
        }
        let hit = Hit {
            rule_id: meta.id.as_deref(),
            rule_name: meta.name.as_deref(),
            time_ms: t,
            event_id: None,
        };
        corr.observe(&hit, &view, &mut out);
    }
    out
}

#[test]
fn brute_force_then_success_chains() {
    let (engine, mut corr) = load();
    let ip = "203.0.113.7";
    assert!(step(&engine, &mut corr, 0, &login(ip, "Failure")).is_empty());
    assert!(step(&engine, &mut corr, 1_000, &login("198.51.100.1", "Failure")).is_empty());
    assert!(step(&engine, &mut corr, 2_000, &login(ip, "Failure")).is_empty());
    let out = step(&engine, &mut corr, 3_000, &login(ip, "Failure"));
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].correlation.meta.name.as_deref(),
        Some("aws_brute_force")
    );
    assert_eq!(
        out[0].group,
        vec![("sourceIPAddress".to_owned(), ip.to_owned())]
    );
    let out = step(&engine, &mut corr, 4_000, &login(ip, "Success"));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].rules.len(), 2);
    assert_eq!((out[0].first_ms, out[0].last_ms), (3_000, 4_000));
    // The success on the other address is not after a brute force.
    assert!(step(&engine, &mut corr, 5_000, &login("198.51.100.1", "Success")).is_empty());
}

#[test]
fn generate_and_references() {
    let (_, corr) = load();
    let failed = (
        Some("0d1f0c39-0000-4000-8000-000000000001"),
        Some("aws_console_login_failed"),
    );
    assert!(corr.suppresses_base_alert(failed.0, failed.1));
    // Referenced by a correlation with generate: true.
    assert!(!corr.suppresses_base_alert(
        Some("0d1f0c39-0000-4000-8000-000000000002"),
        Some("aws_console_login_ok")
    ));
    assert!(!corr.suppresses_base_alert(Some("0d1f0c39-0000-4000-8000-000000000003"), None));
    assert!(!corr.is_referenced(Some("0d1f0c39-0000-4000-8000-000000000003"), None));
}

#[test]
fn state_survives_snapshot_and_reload() {
    let (engine, mut corr) = load();
    let ip = "203.0.113.9";
    step(&engine, &mut corr, 0, &login(ip, "Failure"));
    step(&engine, &mut corr, 1, &login(ip, "Failure"));
    let snap = corr.snapshot();
    let (engine2, mut fresh) = load();
    assert_eq!(fresh.restore(&snap), Ok(2));
    assert_eq!(
        step(&engine2, &mut fresh, 2, &login(ip, "Failure")).len(),
        1
    );
    let (_, mut reloaded) = load();
    assert_eq!(reloaded.carry_over(&corr), 2);
    assert_eq!(reloaded.stats().groups, 1);
}
