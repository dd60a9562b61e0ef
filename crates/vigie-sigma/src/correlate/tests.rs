//! Unit tests of the correlator: rules loaded from YAML, events as JSON.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::ast::Correlation;
use crate::view::JsonView;
use crate::{load_texts, LoadOptions};

const BASE: &str = "title: Failed login
id: failed-login
name: failed_login
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ConsoleLogin}
  condition: sel
---
title: Success login
id: ok-login
name: ok_login
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ConsoleLogin}
  condition: sel
---
title: Role change
id: role-change
name: role_change
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: AttachRolePolicy}
  condition: sel
";

/// The correlations of `BASE` + `extra`.
fn corrs(extra: &str) -> Vec<Arc<Correlation>> {
    let text = format!("{BASE}---\n{extra}");
    let (engine, report) = load_texts([(PathBuf::from("t.yml"), text)], &LoadOptions::default());
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(!engine.correlations().is_empty());
    engine.correlations().to_vec()
}

fn correlator(extra: &str) -> Correlator {
    Correlator::new(&corrs(extra), Limits::default())
}

fn feed(c: &mut Correlator, rule: &str, t: i64, ev: Value) -> Vec<CorrelationAlert> {
    let mut out = Vec::new();
    let view = JsonView {
        root: &ev,
        event: None,
        aliases: &[],
    };
    // Base rules are named like their id, with `_` for `-`.
    let name = rule.replace('-', "_");
    let hit = Hit {
        rule_id: Some(rule),
        rule_name: Some(&name),
        time_ms: t,
        event_id: Some("ev"),
    };
    c.observe(&hit, &view, &mut out);
    out
}

const COUNT3: &str = "title: brute
id: brute
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user]
  timespan: 10s
  condition: {gte: 3}
";

#[test]
fn event_count_fires_per_group_and_resets() {
    let mut c = correlator(COUNT3);
    assert!(feed(&mut c, "failed-login", 0, json!({"user": "a"})).is_empty());
    assert!(feed(&mut c, "failed-login", 1, json!({"user": "b"})).is_empty());
    assert!(feed(&mut c, "failed-login", 2, json!({"user": "a"})).is_empty());
    let out = feed(&mut c, "failed-login", 3, json!({"user": "a"}));
    assert_eq!(out.len(), 1);
    let a = &out[0];
    assert_eq!(a.group, vec![("user".to_owned(), "a".to_owned())]);
    assert_eq!((a.value, a.first_ms, a.last_ms), (3, 0, 3));
    assert_eq!(a.rules, vec!["failed_login".to_owned()]);
    assert_eq!(a.event_ids.len(), 3);
    // Reset: two more hits do not fire, the third does.
    assert!(feed(&mut c, "failed-login", 4, json!({"user": "a"})).is_empty());
    assert!(feed(&mut c, "failed-login", 5, json!({"user": "a"})).is_empty());
    assert_eq!(
        feed(&mut c, "failed-login", 6, json!({"user": "a"})).len(),
        1
    );
    assert_eq!(c.stats().groups, 1, "only b is left");
}

#[test]
fn timespan_is_inclusive() {
    let mut c = correlator(COUNT3);
    feed(&mut c, "failed-login", 0, json!({"user": "a"}));
    feed(&mut c, "failed-login", 5_000, json!({"user": "a"}));
    assert_eq!(
        feed(&mut c, "failed-login", 10_000, json!({"user": "a"})).len(),
        1
    );
    let mut c = correlator(COUNT3);
    feed(&mut c, "failed-login", 0, json!({"user": "a"}));
    feed(&mut c, "failed-login", 5_000, json!({"user": "a"}));
    assert!(feed(&mut c, "failed-login", 10_001, json!({"user": "a"})).is_empty());
    assert_eq!(
        feed(&mut c, "failed-login", 10_002, json!({"user": "a"})).len(),
        1
    );
}

#[test]
fn value_count_counts_distinct() {
    let mut c = correlator(
        "title: spray
id: spray
correlation:
  type: value_count
  rules: [failed-login]
  group-by: [ip]
  timespan: 1m
  condition: {gte: 3, field: user}
",
    );
    for u in ["a", "a", "b", "b"] {
        assert!(feed(
            &mut c,
            "failed-login",
            1,
            json!({"ip": "1.2.3.4", "user": u})
        )
        .is_empty());
    }
    let out = feed(
        &mut c,
        "failed-login",
        2,
        json!({"ip": "1.2.3.4", "user": "c"}),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].value, 3);
    // The counted field missing: ignored and counted.
    feed(&mut c, "failed-login", 3, json!({"ip": "1.2.3.4"}));
    assert_eq!(c.stats().missing_group_field, 1);
}

const TEMPORAL: &str = "title: seq
id: seq
correlation:
  type: temporal
  rules: [failed_login, ok_login, role_change]
  group-by: [user]
  timespan: 10s
";

#[test]
fn temporal_any_order() {
    let mut c = correlator(TEMPORAL);
    let u = json!({"user": "a"});
    assert!(feed(&mut c, "role-change", 0, u.clone()).is_empty());
    assert!(feed(&mut c, "ok-login", 1, u.clone()).is_empty());
    assert!(feed(&mut c, "ok-login", 2, u.clone()).is_empty());
    let out = feed(&mut c, "failed-login", 3, u.clone());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].value, 3);
    assert_eq!(out[0].rules.len(), 3);
}

#[test]
fn temporal_ordered_needs_order() {
    let mut c = correlator(&TEMPORAL.replace("type: temporal", "type: temporal_ordered"));
    let u = json!({"user": "a"});
    // Wrong order: role change first.
    assert!(feed(&mut c, "role-change", 0, u.clone()).is_empty());
    assert!(feed(&mut c, "failed-login", 1, u.clone()).is_empty());
    assert!(feed(&mut c, "ok-login", 2, u.clone()).is_empty());
    // Now the role change after both: in order.
    let out = feed(&mut c, "role-change", 3, u.clone());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].first_ms, 0);
    // Out of order (within lateness) still counts when it lands in order.
    let mut c = correlator(&TEMPORAL.replace("type: temporal", "type: temporal_ordered"));
    assert!(feed(&mut c, "role-change", 5_000, u.clone()).is_empty());
    assert!(feed(&mut c, "ok-login", 3_000, u.clone()).is_empty());
    assert_eq!(feed(&mut c, "failed-login", 1_000, u.clone()).len(), 1);
}

#[test]
fn aliases_map_fields_per_rule() {
    let mut c = correlator(
        "title: login then role
id: lr
correlation:
  type: temporal
  rules: [ok_login, role-change]
  group-by: [actor]
  timespan: 10s
  aliases:
    actor:
      ok_login: userIdentity.userName
      role-change: requestParameters.userName
",
    );
    assert!(feed(
        &mut c,
        "ok-login",
        0,
        json!({"userIdentity": {"userName": "bob"}})
    )
    .is_empty());
    assert!(feed(
        &mut c,
        "role-change",
        1,
        json!({"requestParameters": {"userName": "eve"}})
    )
    .is_empty());
    let out = feed(
        &mut c,
        "role-change",
        2,
        json!({"requestParameters": {"userName": "bob"}}),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].group, vec![("actor".to_owned(), "bob".to_owned())]);
}

#[test]
fn lt_is_decided_at_advance() {
    let mut c = correlator(&COUNT3.replace("gte: 3", "lt: 3"));
    feed(&mut c, "failed-login", 0, json!({"user": "a"}));
    feed(&mut c, "failed-login", 1_000, json!({"user": "a"}));
    for t in [0, 500, 1_000] {
        feed(&mut c, "failed-login", t, json!({"user": "b"}));
    }
    let mut out = Vec::new();
    // Window [0, 10_000]; lateness 60s: closes once the watermark passes.
    c.advance(70_000, &mut out);
    assert!(
        out.is_empty(),
        "watermark 10_000 is not past the window end"
    );
    c.advance(70_001, &mut out);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].group, vec![("user".to_owned(), "a".to_owned())]);
    assert_eq!(out[0].value, 2);
    assert_eq!(c.stats().groups, 0);
    c.advance(200_000, &mut out);
    assert_eq!(out.len(), 1, "no second decision");
}

#[test]
fn chained_correlation_fires() {
    let mut c = correlator(
        "title: brute
id: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user]
  timespan: 10s
  condition: {gte: 2}
---
title: brute then role
id: brute-role
correlation:
  type: temporal_ordered
  rules: [brute, role_change]
  group-by: [user]
  timespan: 1m
",
    );
    let u = json!({"user": "a"});
    feed(&mut c, "failed-login", 0, u.clone());
    let out = feed(&mut c, "failed-login", 1, u.clone());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].correlation.meta.id.as_deref(), Some("brute"));
    let out = feed(&mut c, "role-change", 2, u.clone());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].correlation.meta.id.as_deref(), Some("brute-role"));
    assert_eq!(
        out[0].rules,
        vec!["brute".to_owned(), "role_change".to_owned()]
    );
    assert_eq!(out[0].first_ms, 1);
}

#[test]
fn self_referencing_chain_is_bounded() {
    let mut c = correlator(
        "title: loop
id: loop
correlation:
  type: event_count
  rules: [failed_login, loop]
  timespan: 10s
  condition: {gte: 1}
",
    );
    let out = feed(&mut c, "failed-login", 0, json!({}));
    assert_eq!(out.len(), MAX_CHAIN_DEPTH);
}

#[test]
fn late_hits_are_dropped_and_counted() {
    let mut c = correlator(COUNT3);
    feed(&mut c, "failed-login", 100_000, json!({"user": "a"}));
    // Watermark 40_000: 39_999 is late, 40_000 is not (but outside the window).
    feed(&mut c, "failed-login", 39_999, json!({"user": "z"}));
    assert_eq!(c.stats().late_hits, 1);
    feed(&mut c, "failed-login", 40_000, json!({"user": "z"}));
    assert_eq!(c.stats().late_hits, 1);
    assert_eq!(c.stats().groups, 2);
    // Out of order within the lateness and the window: counted.
    feed(&mut c, "failed-login", 95_000, json!({"user": "a"}));
    assert_eq!(
        feed(&mut c, "failed-login", 91_000, json!({"user": "a"})).len(),
        1
    );
}

#[test]
fn evictions_are_bounded_and_counted() {
    let limits = Limits {
        max_groups: 2,
        max_hits_per_group: 2,
        lateness_ms: 60_000,
    };
    let mut c = Correlator::new(&corrs(&COUNT3.replace("gte: 3", "gte: 100")), limits);
    for (t, u) in [(0, "a"), (1, "b"), (2, "a"), (3, "c")] {
        feed(&mut c, "failed-login", t, json!({ "user": u }));
    }
    // c evicts b (a was updated at 2).
    let s = c.stats();
    assert_eq!((s.groups, s.evicted_groups), (2, 1));
    for t in 4..7 {
        feed(&mut c, "failed-login", t, json!({"user": "a"}));
    }
    assert_eq!(c.stats().evicted_hits, 3);
    let snap = c.snapshot();
    let groups = snap["correlations"][0]["groups"].as_array().map(Vec::len);
    assert_eq!(groups, Some(2));
}

#[test]
fn missing_group_field_is_counted() {
    let mut c = correlator(COUNT3);
    for t in 0..5 {
        assert!(feed(&mut c, "failed-login", t, json!({"other": 1})).is_empty());
    }
    let s = c.stats();
    assert_eq!((s.missing_group_field, s.groups), (5, 0));
}

#[test]
fn snapshot_restore_round_trip() {
    let mut c = correlator(COUNT3);
    feed(&mut c, "failed-login", 0, json!({"user": "a"}));
    feed(&mut c, "failed-login", 1, json!({"user": "a"}));
    let snap = c.snapshot();
    assert_eq!(snap["version"], json!(1));
    let text = snap.to_string();
    let back: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let mut d = correlator(COUNT3);
    assert_eq!(d.restore(&back), Ok(1));
    assert_eq!(d.stats().groups, 1);
    assert_eq!(
        feed(&mut d, "failed-login", 2, json!({"user": "a"})).len(),
        1
    );
    // A changed correlation is skipped.
    let mut e = correlator(&COUNT3.replace("10s", "20s"));
    assert_eq!(e.restore(&back), Ok(0));
    assert!(feed(&mut e, "failed-login", 2, json!({"user": "a"})).is_empty());
    // Bad snapshots are errors.
    assert!(d.restore(&json!({"version": 2})).is_err());
    let mut bad = back.clone();
    bad["correlations"][0]["groups"][0]["entries"][0] = json!([0, 7, null]);
    assert!(d.restore(&bad).is_err());
}

#[test]
fn carry_over_keeps_unchanged() {
    let two = format!("{COUNT3}---\n{}", COUNT3.replace("brute", "brute2"));
    let mut old = correlator(&two);
    feed(&mut old, "failed-login", 0, json!({"user": "a"}));
    feed(&mut old, "failed-login", 1, json!({"user": "a"}));
    let changed = format!(
        "{COUNT3}---\n{}",
        COUNT3.replace("brute", "brute2").replace("10s", "1m")
    );
    let mut new = correlator(&changed);
    assert_eq!(new.carry_over(&old), 1);
    let out = feed(&mut new, "failed-login", 2, json!({"user": "a"}));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].correlation.meta.id.as_deref(), Some("brute"));
}

#[test]
fn generate_controls_base_alerts() {
    let c = correlator(COUNT3);
    assert!(c.suppresses_base_alert(Some("failed-login"), Some("failed_login")));
    assert!(!c.suppresses_base_alert(Some("role-change"), Some("role_change")));
    assert!(c.is_referenced(None, Some("failed_login")));
    assert!(!c.is_referenced(Some("role-change"), None));
    let c = correlator(&COUNT3.replace("timespan", "generate: true\n  timespan"));
    assert!(!c.suppresses_base_alert(Some("failed-login"), Some("failed_login")));
}

#[test]
fn fingerprint_is_stable_and_content_based() {
    let a = corrs(COUNT3);
    let b = corrs(&COUNT3.replace("title: brute", "title: other"));
    let c = corrs(&COUNT3.replace("gte: 3", "gte: 4"));
    assert_eq!(persist::fingerprint(&a[0]), persist::fingerprint(&b[0]));
    assert_ne!(persist::fingerprint(&a[0]), persist::fingerprint(&c[0]));
}

#[test]
fn advance_frees_expired_groups() {
    let mut c = correlator(COUNT3);
    feed(&mut c, "failed-login", 0, json!({"user": "a"}));
    let mut out = Vec::new();
    c.advance(70_000, &mut out);
    assert_eq!(
        c.stats().groups,
        1,
        "watermark 10_000: hit at 0 still in a window"
    );
    c.advance(70_001, &mut out);
    assert_eq!(c.stats().groups, 0);
    assert!(out.is_empty());
    c.advance(0, &mut out);
    assert_eq!(c.watermark(), 10_001, "never backwards");
}

#[test]
fn correlator_is_send() {
    fn send<T: Send>() {}
    send::<Correlator>();
}
