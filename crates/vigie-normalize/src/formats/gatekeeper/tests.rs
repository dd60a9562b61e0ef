//! Unit and property tests of the `gatekeeper.audit` normalizer.

use proptest::prelude::*;
use serde_json::json;

use super::*;

use crate::formats::test_support::Run;

fn run(record: &str) -> Run {
    crate::formats::test_support::run(&Gatekeeper, record)
}

fn one(record: &str) -> Event {
    let r = run(record);
    r.result.unwrap();
    assert_eq!(r.events.len(), 1);
    r.events.into_iter().next().unwrap()
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

#[test]
fn maps_an_audit_violation_log_line() {
    let rec = json!({
        "level": "info", "ts": 1632889070.3075402, "logger": "controller", "msg": "no limits",
        "process": "audit", "audit_id": "2021-09-29T04:17:47Z", "event_type": "violation_audited",
        "constraint_group": "constraints.gatekeeper.sh", "constraint_api_version": "v1beta1",
        "constraint_kind": "K8sContainerLimits", "constraint_name": "must-have-limits",
        "constraint_namespace": "", "constraint_action": "deny", "constraint_enforcement_actions": [],
        "constraint_annotations": {"a": "1"}, "resource_group": "apps", "resource_api_version": "v1",
        "resource_kind": "Deployment", "resource_namespace": "kube-system", "resource_name": "dns",
        "resource_labels": {"env": "prod"}
    })
    .to_string();
    let e = one(&rec);
    assert_eq!(e.original, rec);
    assert_eq!(e.timestamp.as_nanos(), 1_632_889_070_307_540_200);
    assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
    assert_eq!(get(&e, "event.action"), Some(json!("deny")));
    assert_eq!(get(&e, "rule.name"), Some(json!("must-have-limits")));
    assert_eq!(get(&e, "rule.category"), Some(json!("K8sContainerLimits")));
    assert_eq!(
        get(&e, "rule.id"),
        Some(json!("K8sContainerLimits/must-have-limits"))
    );
    assert_eq!(
        get(&e, "orchestrator.resource.type"),
        Some(json!("Deployment"))
    );
    assert_eq!(get(&e, "orchestrator.resource.name"), Some(json!("dns")));
    assert_eq!(
        get(&e, "orchestrator.namespace"),
        Some(json!("kube-system"))
    );
    assert_eq!(get(&e, "orchestrator.api_version"), Some(json!("apps/v1")));
    assert_eq!(
        get(&e, "gatekeeper.audit_id"),
        Some(json!("2021-09-29T04:17:47Z"))
    );
    assert_eq!(
        get(&e, "gatekeeper.resource.labels"),
        Some(json!({"env": "prod"}))
    );
    assert_eq!(get(&e, "gatekeeper.constraint.enforcement_actions"), None);
    assert_eq!(get(&e, "gatekeeper.constraint.namespace"), None);
    assert_eq!(get(&e, "log.level"), Some(json!("info")));
    assert_eq!(get(&e, "message"), Some(json!("no limits")));
    assert_eq!(get(&e, TIMESTAMP_SOURCE), None);
}

#[test]
fn audit_run_markers_are_plain_events() {
    let started = one(
        r#"{"level":"info","ts":1632889067.0,"msg":"auditing constraints and violations","process":"audit","audit_id":"2021-09-29T04:17:47Z","event_type":"audit_started"}"#,
    );
    assert_eq!(get(&started, "event.kind"), Some(json!("event")));
    assert_eq!(get(&started, "event.action"), Some(json!("audit_started")));
    let audited = one(
        r#"{"level":"info","ts":"1632889070","process":"audit","audit_id":"x","event_type":"constraint_audited","constraint_kind":"K","constraint_name":"n","constraint_action":"warn","constraint_violations":"3"}"#,
    );
    assert_eq!(
        get(&audited, "gatekeeper.constraint.violations"),
        Some(json!(3))
    );
    assert_eq!(get(&audited, "event.action"), Some(json!("warn")));
    assert_eq!(audited.timestamp.to_rfc3339(), "2021-09-29T04:17:50.000Z");
}

#[test]
fn export_messages_use_the_admission_time_or_the_audit_id() {
    let audit = one(
        r#"{"id":"2023-07-18T21:21:52Z","details":{"missing_labels":["test"]},"eventType":"violation_audited","group":"constraints.gatekeeper.sh","version":"v1beta1","kind":"K8sRequiredLabels","name":"pod-must-have-test","message":"you must provide labels","enforcementAction":"deny","resourceAPIVersion":"v1","resourceKind":"Pod","resourceNamespace":"nginx","resourceName":"web"}"#,
    );
    assert_eq!(audit.timestamp.to_rfc3339(), "2023-07-18T21:21:52.000Z");
    assert_eq!(get(&audit, TIMESTAMP_SOURCE), Some(json!("audit_id")));
    assert_eq!(
        get(&audit, "rule.id"),
        Some(json!("K8sRequiredLabels/pod-must-have-test"))
    );
    assert_eq!(get(&audit, "orchestrator.api_version"), Some(json!("v1")));
    assert_eq!(
        get(&audit, "gatekeeper.details"),
        Some(json!({"missing_labels": ["test"]}))
    );
    assert_eq!(
        get(&audit, "gatekeeper.audit_id"),
        Some(json!("2023-07-18T21:21:52Z"))
    );

    let admission = one(
        r#"{"eventType":"violation_admission","kind":"K8sRequiredLabels","name":"n","enforcementAction":"deny","resourceKind":"Pod","resourceName":"p","timestamp":"2025-01-02T03:04:05Z","operation":"CREATE","requestUsername":"alice","requestUserUID":"u1","requestUserGroups":["dev"],"dryRun":false}"#,
    );
    assert_eq!(admission.timestamp.to_rfc3339(), "2025-01-02T03:04:05.000Z");
    assert_eq!(get(&admission, TIMESTAMP_SOURCE), None);
    assert_eq!(get(&admission, "user.name"), Some(json!("alice")));
    assert_eq!(get(&admission, "user.id"), Some(json!("u1")));
    assert_eq!(
        get(&admission, "gatekeeper.request.operation"),
        Some(json!("CREATE"))
    );
    assert_eq!(
        get(&admission, "gatekeeper.request.dry_run"),
        Some(json!(false))
    );
    assert_eq!(get(&admission, "event.kind"), Some(json!("alert")));

    let timeless = one(
        r#"{"eventType":"violation_audited","kind":"K","name":"n","enforcementAction":"dryrun"}"#,
    );
    assert_eq!(get(&timeless, TIMESTAMP_SOURCE), Some(json!("ingest")));
}

#[test]
fn ordinary_log_lines_are_skipped_and_others_rejected() {
    let r =
        run(r#"{"level":"info","ts":1632889070.1,"logger":"controller","msg":"starting workers"}"#);
    assert!(r.result.is_ok() && r.events.is_empty());
    assert!(r.skipped.is_some());
    let err = run(r#"{"foo":"bar"}"#).result.unwrap_err();
    assert!(matches!(err, NormalizeError::WrongFormat { .. }), "{err:?}");
    let err = run(r#"{"event_type":"violation_audited","ts":"later"}"#)
        .result
        .unwrap_err();
    assert!(err.to_string().contains("`ts`"), "{err}");
    let err = run("[1]").result.unwrap_err();
    assert!(matches!(err, NormalizeError::WrongFormat { .. }), "{err:?}");
}

#[test]
fn sniff_needs_gatekeeper_keys() {
    assert!(sniff(r#"{"audit_id":"x"}"#));
    assert!(sniff(
        r#"{"enforcementAction":"deny","resourceKind":"Pod"}"#
    ));
    assert!(sniff(r#"{"eventType":"violation_admission"}"#));
    assert!(!sniff(r#"{"level":"info","msg":"hello"}"#));
}

proptest! {
    #[test]
    fn mapped_fields_equal_the_generated_values(
        kind in "[A-Za-z0-9]{1,20}", name in "\\PC{1,30}", r_kind in "[A-Za-z]{1,12}",
        r_name in "\\PC{1,30}", r_ns in "[a-z0-9-]{1,20}", secs in 0u64..4_000_000_000, micros in 0u64..1_000_000,
        action in prop::sample::select(vec!["deny", "dryrun", "warn"]), export in any::<bool>(),
    ) {
        let rec = if export {
            json!({"id": "run", "eventType": "violation_audited", "kind": kind, "name": name,
                "enforcementAction": action, "resourceKind": r_kind, "resourceName": r_name,
                "resourceNamespace": r_ns, "timestamp": format!("{secs}.{micros:06}")})
        } else {
            json!({"ts": format!("{secs}.{micros:06}"), "audit_id": "run", "event_type": "violation_audited",
                "constraint_kind": kind, "constraint_name": name, "constraint_action": action,
                "resource_kind": r_kind, "resource_name": r_name, "resource_namespace": r_ns})
        }
        .to_string();
        let e = one(&rec);
        prop_assert_eq!(&e.original, &rec);
        prop_assert_eq!(e.timestamp.as_nanos() as u64, secs * 1_000_000_000 + micros * 1000);
        prop_assert_eq!(get(&e, "rule.name"), Some(json!(name)));
        prop_assert_eq!(get(&e, "rule.category"), Some(json!(kind)));
        prop_assert_eq!(get(&e, "event.action"), Some(json!(action)));
        prop_assert_eq!(get(&e, "orchestrator.resource.type"), Some(json!(r_kind)));
        prop_assert_eq!(get(&e, "orchestrator.resource.name"), Some(json!(r_name)));
        prop_assert_eq!(get(&e, "orchestrator.namespace"), Some(json!(r_ns)));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&s);
        prop_assert!(r.events.iter().all(|e| e.original == s));
        let _ = sniff(&s);
    }
}
