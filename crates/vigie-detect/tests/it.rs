//! The detection stage end to end: rules from files, batches through the
//! stage into a sink that records what it gets, reloads, and correlation
//! state across a restart.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use vigie_detect::{
    DetectingSink, Detector, LogAndStore, RuleSettings, StageSettings, ALERT_DATASET,
};
use vigie_event::{Event, Timestamp};
use vigie_metrics::Metrics;
use vigie_pipeline::{Sink, SinkError};
use vigie_sigma::correlate::Limits;

/// A sink that keeps what it is given.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Sink for Recorder {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError> {
        self.0.lock().unwrap().extend_from_slice(events);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

impl Recorder {
    fn alerts(&self) -> Vec<Event> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.dataset() == ALERT_DATASET)
            .cloned()
            .collect()
    }
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

const LOGIN_RULE: &str = r#"
title: Console login
id: 11111111-1111-1111-1111-111111111111
level: high
tags: [attack.t1078]
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: ConsoleLogin}
  condition: selection
"#;

const DELETE_RULE: &str = r#"
title: Trail deleted
id: 22222222-2222-2222-2222-222222222222
level: critical
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: DeleteTrail}
  condition: selection
"#;

fn event(name: &str, ip: &str, secs: i64) -> Event {
    let original =
        json!({"eventName": name, "sourceIPAddress": ip, "eventSource": "signin.amazonaws.com"});
    let mut e = Event::new(
        "aws.cloudtrail",
        Timestamp::from_secs(1_700_000_000 + secs).unwrap(),
        original.to_string(),
    );
    e.fields.set("source.ip", ip);
    e.fields.set("event.action", name);
    e
}

fn settings(dir: &Path, state: bool) -> StageSettings {
    StageSettings {
        limits: Limits::default(),
        state_file: state.then(|| dir.join("state/correlation.json")),
        save_interval: Duration::from_secs(3600),
        threads: 2,
    }
}

type Stage = (
    DetectingSink<Recorder>,
    Recorder,
    Arc<Detector>,
    Arc<Metrics>,
);

/// The stage over the rules of `rules`, keeping its state under `dir` when
/// `state` is set.
fn stage(dir: &Path, rules: &Path, state: bool) -> Stage {
    stage_with(
        dir,
        RuleSettings {
            paths: vec![rules.to_path_buf()],
            ..Default::default()
        },
        state,
    )
}

fn stage_with(dir: &Path, rules: RuleSettings, state: bool) -> Stage {
    let metrics = Arc::new(Metrics::new());
    let detector = Arc::new(Detector::load(rules, metrics.clone()).unwrap());
    let rec = Recorder::default();
    let sink = DetectingSink::new(
        rec.clone(),
        detector.clone(),
        Box::new(LogAndStore { store: true }),
        settings(dir, state),
        metrics.clone(),
    );
    (sink, rec, detector, metrics)
}

#[test]
fn matching_events_raise_alerts_that_are_stored_after_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("login.yml"), LOGIN_RULE).unwrap();
    let (mut sink, rec, _, metrics) = stage(dir.path(), &rules, false);
    sink.write(&[
        event("ConsoleLogin", "198.51.100.7", 0),
        event("GetObject", "198.51.100.7", 1),
        event("ConsoleLogin", "198.51.100.8", 2),
    ])
    .unwrap();
    let alerts = rec.alerts();
    assert_eq!(rec.count(), 5, "3 events then 2 alerts");
    assert_eq!(alerts.len(), 2);
    let a = &alerts[0];
    assert_eq!(
        a.fields.get_str("rule.id"),
        Some("11111111-1111-1111-1111-111111111111")
    );
    assert_eq!(a.fields.get_str("source.ip"), Some("198.51.100.7"));
    let doc: serde_json::Value = serde_json::from_str(&a.original).unwrap();
    assert_eq!(doc["labels"]["severity"], "high");
    assert_eq!(doc["labels"]["alertname"], "Console login");
    assert_eq!(doc["annotations"]["attack"], "t1078");
    let text = metrics.encode();
    assert!(text.contains("vigie_detection_events_total 3"), "{text}");
    assert!(
        text.contains("vigie_detection_alerts_total{severity=\"high\"} 2"),
        "{text}"
    );
}

#[test]
fn parallel_evaluation_finds_the_same_matches_in_event_order() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("login.yml"), LOGIN_RULE).unwrap();
    let (mut sink, rec, _, _) = stage(dir.path(), &rules, false);
    let events: Vec<Event> = (0..1000)
        .map(|i| {
            let name = if i % 7 == 0 {
                "ConsoleLogin"
            } else {
                "ListBuckets"
            };
            event(name, &format!("10.0.{}.{}", i / 250, i % 250), i)
        })
        .collect();
    sink.write(&events).unwrap();
    let alerts = rec.alerts();
    assert_eq!(alerts.len(), 143, "every 7th of 1000 events");
    let times: Vec<i64> = alerts.iter().map(|a| a.timestamp.as_nanos()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "alerts follow event order");
}

#[test]
fn a_reload_swaps_the_rules_and_a_failed_reload_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("r.yml"), LOGIN_RULE).unwrap();
    let (mut sink, rec, detector, _) = stage(dir.path(), &rules, false);
    std::fs::write(rules.join("r.yml"), DELETE_RULE).unwrap();
    let loaded = detector.reload().unwrap();
    assert_eq!(loaded.generation, 2);
    sink.write(&[
        event("ConsoleLogin", "1.1.1.1", 0),
        event("DeleteTrail", "1.1.1.1", 1),
    ])
    .unwrap();
    let alerts = rec.alerts();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].fields.get_str("rule.name"), Some("Trail deleted"));
    std::fs::remove_dir_all(&rules).unwrap();
    assert!(detector.reload().is_err());
    assert_eq!(detector.current().generation, 2, "the previous rules stay");
    sink.write(&[event("DeleteTrail", "1.1.1.1", 2)]).unwrap();
    assert_eq!(rec.alerts().len(), 2);
}

/// A rule written against another schema's field name (`action`).
const MAPPED_RULE: &str = r#"
title: Login under another name
id: 55555555-5555-5555-5555-555555555555
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {action: ConsoleLogin}
  condition: selection
"#;

const PIPELINE_TO_EVENT_NAME: &str =
    "name: map\ntransformations:\n  - type: field_name_mapping\n    mapping: {action: eventName}\n";
const PIPELINE_TO_NOWHERE: &str = "name: map\ntransformations:\n  - type: field_name_mapping\n    mapping: {action: nosuchfield}\n";

#[test]
fn a_reload_reads_the_pipeline_files_again_and_a_broken_one_keeps_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("r.yml"), MAPPED_RULE).unwrap();
    let pipeline = dir.path().join("map.yml");
    std::fs::write(&pipeline, PIPELINE_TO_NOWHERE).unwrap();
    let (mut sink, rec, detector, _) = stage_with(
        dir.path(),
        RuleSettings {
            paths: vec![rules.clone()],
            pipeline_paths: vec![pipeline.clone()],
            ..Default::default()
        },
        false,
    );
    sink.write(&[event("ConsoleLogin", "1.1.1.1", 0)]).unwrap();
    assert_eq!(rec.alerts().len(), 0, "mapped to a field the event lacks");

    std::fs::write(&pipeline, PIPELINE_TO_EVENT_NAME).unwrap();
    assert_eq!(detector.reload().unwrap().generation, 2);
    sink.write(&[event("ConsoleLogin", "1.1.1.1", 1)]).unwrap();
    assert_eq!(rec.alerts().len(), 1, "the edited pipeline is in force");

    std::fs::write(&pipeline, "name: [unclosed\n").unwrap();
    let err = detector.reload().unwrap_err().to_string();
    assert!(err.contains("map.yml:"), "names the file: {err}");
    assert_eq!(detector.current().generation, 2, "the previous rules stay");
    sink.write(&[event("ConsoleLogin", "1.1.1.1", 2)]).unwrap();
    assert_eq!(rec.alerts().len(), 2);
}

const BRUTE: &str = r#"
title: Failed login
id: 33333333-3333-3333-3333-333333333333
name: failed_login
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: ConsoleLogin, errorMessage: Failed authentication}
  condition: selection
---
title: Many failed logins from one address
id: 44444444-4444-4444-4444-444444444444
level: high
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: {gte: 3}
"#;

fn failed(ip: &str, secs: i64) -> Event {
    let original = json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication", "sourceIPAddress": ip});
    Event::new(
        "aws.cloudtrail",
        Timestamp::from_secs(1_700_000_000 + secs).unwrap(),
        original.to_string(),
    )
}

#[test]
fn correlation_state_survives_a_restart_and_base_alerts_are_suppressed() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("brute.yml"), BRUTE).unwrap();
    {
        let (mut sink, rec, _, _) = stage(dir.path(), &rules, true);
        sink.write(&[
            failed("203.0.113.5", 0),
            failed("203.0.113.5", 10),
            failed("192.0.2.1", 20),
        ])
        .unwrap();
        assert!(
            rec.alerts().is_empty(),
            "no generate: base rule alerts are suppressed; 2 < 3"
        );
    } // dropped: state saved
    assert!(dir.path().join("state/correlation.json").exists());
    let (mut sink, rec, _, _) = stage(dir.path(), &rules, true);
    sink.write(&[failed("203.0.113.5", 30)]).unwrap();
    let alerts = rec.alerts();
    assert_eq!(
        alerts.len(),
        1,
        "the third hit after the restart completes the count"
    );
    let doc: serde_json::Value = serde_json::from_str(&alerts[0].original).unwrap();
    assert_eq!(
        doc["labels"]["rule_id"],
        "44444444-4444-4444-4444-444444444444"
    );
    assert_eq!(
        doc["labels"]["source_ip"], "203.0.113.5",
        "sourceIPAddress is the source IP"
    );
    assert_eq!(doc["annotations"]["value"], "3");
}

#[test]
fn a_rule_switched_off_stops_alerting_from_the_next_batch_and_the_switch_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(rules.join("login.yml"), LOGIN_RULE).unwrap();
    std::fs::write(rules.join("delete.yml"), DELETE_RULE).unwrap();
    let disabled_file = rules.join("disabled.json");
    let settings = RuleSettings {
        paths: vec![rules.clone()],
        disabled_file: Some(disabled_file.clone()),
        ..Default::default()
    };
    let (mut sink, rec, detector, metrics) = stage_with(dir.path(), settings.clone(), false);
    let login = "11111111-1111-1111-1111-111111111111";
    // A batch large enough to be evaluated on two threads.
    let batch: Vec<Event> = (0..300)
        .map(|i| match i % 3 {
            0 => event("ConsoleLogin", "198.51.100.7", i),
            1 => event("DeleteTrail", "198.51.100.7", i),
            _ => event("GetObject", "198.51.100.7", i),
        })
        .collect();
    sink.write(&batch).unwrap();
    assert_eq!(rec.alerts().len(), 200);
    assert!(detector.set_enabled(login, false).unwrap());
    assert!(matches!(
        detector.set_enabled("no-such-rule", false),
        Err(vigie_detect::DetectError::UnknownRule(_))
    ));
    sink.write(&batch).unwrap();
    let alerts = rec.alerts();
    assert_eq!(alerts.len(), 300, "only the 100 DeleteTrail alerts are new");
    assert!(alerts[200..]
        .iter()
        .all(|a| a.fields.get_str("rule.id") != Some(login)));
    // A reload keeps the switch; a new detector reads it back.
    detector.reload().unwrap();
    sink.write(&batch[..3]).unwrap();
    assert_eq!(rec.alerts().len(), 301);
    let text = metrics.encode();
    assert!(
        text.contains("vigie_detection_rules{state=\"disabled\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vigie_detection_rules{state=\"active\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vigie_detection_evaluation_seconds_count{dataset=\"aws.cloudtrail\"} 3"),
        "one observation per batch and dataset:\n{text}"
    );
    let again = Detector::load(settings, Arc::new(Metrics::new())).unwrap();
    assert!(again.disabled().contains(login));
    assert!(again.set_enabled(login, true).unwrap());
    assert!(!std::fs::read_to_string(&disabled_file)
        .unwrap()
        .contains(login));
}
