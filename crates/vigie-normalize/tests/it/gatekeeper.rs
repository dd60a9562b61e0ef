//! `gatekeeper.audit` against the samples of Gatekeeper's documentation.

use serde_json::Value;
use vigie_normalize::{Event, NormalizeError, RecordOutput, Registry, StreamState, Timestamp};

use crate::common::{field, normalize_bytes, normalize_clean, normalize_file, read};

const DATASET: &str = "gatekeeper.audit";
const AUDIT_BLOCK: &str = "gatekeeper/samples/audit_block1.json";

fn normalize_direct(
    record: &str,
) -> (Result<(), NormalizeError>, Vec<Event>, Option<&'static str>) {
    let registry = Registry::default();
    let n = registry.get(DATASET).unwrap();
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    let r = n.normalize(record, &mut StreamState::default(), &mut out);
    drop(out);
    let skipped = if r.is_ok() && events.is_empty() {
        Some("skipped")
    } else {
        None
    };
    (r, events, skipped)
}

#[test]
fn the_documented_audit_event_is_invalid_json_and_says_where() {
    // Upstream's example lacks the comma after `resource_name` (line 23).
    let out = normalize_file(Some(DATASET), AUDIT_BLOCK);
    assert!(out.events.is_empty());
    assert_eq!(out.rejected.len(), 1);
    match &out.rejected[0].error {
        NormalizeError::Json { line, column, .. } => assert_eq!((*line, *column), (24, 3)),
        other => panic!("expected a JSON error, got {other:?}"),
    }
    // Given the text directly, the normalizer reports the same position.
    let text = String::from_utf8(read(AUDIT_BLOCK)).unwrap();
    let (r, events, _) = normalize_direct(&text);
    assert!(events.is_empty());
    let err = r.unwrap_err();
    assert!(
        matches!(
            err,
            NormalizeError::Json {
                line: 24,
                column: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid JSON at line 24 column 3: expected `,` or `}`"
    );
}

#[test]
fn the_corrected_audit_event_normalizes() {
    let text = String::from_utf8(read(AUDIT_BLOCK)).unwrap();
    let fixed = text.replacen(
        "\"kube-scheduler-kind-control-plane\"\n",
        "\"kube-scheduler-kind-control-plane\",\n",
        1,
    );
    assert_ne!(fixed, text);
    let src: Value = serde_json::from_str(&fixed).unwrap();
    let out = normalize_bytes(None, fixed.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events.len(), 1);
    let e = &out.events[0];
    assert_eq!(e.dataset(), DATASET);
    assert_eq!(e.original, fixed.trim_end());
    // ts, read exactly from its decimal text in the source.
    let after = &fixed[fixed.find("\"ts\":").unwrap() + 5..];
    let ts_text = after[..after.find(',').unwrap()].trim();
    assert_eq!(ts_text, "1632889070.3075402");
    assert_eq!(
        e.timestamp,
        Timestamp::parse_epoch_decimal(ts_text).unwrap()
    );
    assert_eq!(field(e, "event.kind"), Some("alert".into()));
    assert_eq!(
        field(e, "event.action").as_ref(),
        src.get("constraint_action")
    );
    assert_eq!(field(e, "rule.name").as_ref(), src.get("constraint_name"));
    assert_eq!(
        field(e, "rule.category").as_ref(),
        src.get("constraint_kind")
    );
    assert_eq!(field(e, "message").as_ref(), src.get("msg"));
    assert_eq!(
        field(e, "orchestrator.resource.type").as_ref(),
        src.get("resource_kind")
    );
    assert_eq!(
        field(e, "orchestrator.resource.name").as_ref(),
        src.get("resource_name")
    );
    assert_eq!(
        field(e, "orchestrator.namespace").as_ref(),
        src.get("resource_namespace")
    );
    assert_eq!(
        field(e, "orchestrator.api_version").as_ref(),
        src.get("resource_api_version")
    );
    assert_eq!(
        field(e, "gatekeeper.audit_id").as_ref(),
        src.get("audit_id")
    );
    assert_eq!(
        field(e, "gatekeeper.event_type").as_ref(),
        src.get("event_type")
    );
    assert_eq!(
        field(e, "gatekeeper.constraint.annotations").as_ref(),
        src.get("constraint_annotations")
    );
    assert_eq!(
        field(e, "gatekeeper.resource.labels").as_ref(),
        src.get("resource_labels")
    );
    assert_eq!(field(e, "log.level").as_ref(), src.get("level"));
    assert_eq!(field(e, "log.logger").as_ref(), src.get("logger"));
    assert_eq!(field(e, "vigie.timestamp_source"), None);
}

fn check_export(e: &Event, src: &Value) {
    assert_eq!(e.dataset(), DATASET);
    assert_eq!(field(e, "event.kind"), Some("alert".into()));
    assert_eq!(
        field(e, "event.action").as_ref(),
        src.get("enforcementAction")
    );
    assert_eq!(field(e, "rule.name").as_ref(), src.get("name"));
    assert_eq!(field(e, "rule.category").as_ref(), src.get("kind"));
    assert_eq!(field(e, "message").as_ref(), src.get("message"));
    assert_eq!(
        field(e, "orchestrator.resource.type").as_ref(),
        src.get("resourceKind")
    );
    assert_eq!(
        field(e, "orchestrator.resource.name").as_ref(),
        src.get("resourceName")
    );
    assert_eq!(
        field(e, "orchestrator.namespace").as_ref(),
        src.get("resourceNamespace")
    );
    assert_eq!(field(e, "gatekeeper.details").as_ref(), src.get("details"));
    assert_eq!(
        field(e, "gatekeeper.resource.labels").as_ref(),
        src.get("resourceLabels")
    );
    assert_eq!(field(e, "gatekeeper.audit_id").as_ref(), src.get("id"));
    // No time of its own: the audit run's id (its start time) stands in.
    let id = Timestamp::parse_rfc3339(src["id"].as_str().unwrap()).unwrap();
    assert_eq!(e.timestamp, id);
    assert_eq!(field(e, "vigie.timestamp_source"), Some("audit_id".into()));
}

#[test]
fn the_documented_export_message_normalizes() {
    let rel = "gatekeeper/samples/export_block24.json";
    let events = normalize_clean(None, rel);
    assert_eq!(events.len(), 1);
    let src: Value = serde_json::from_slice(&read(rel)).unwrap();
    check_export(&events[0], &src);
}

#[test]
fn an_exported_message_from_the_subscriber_log_normalizes() {
    let text = String::from_utf8(read("gatekeeper/samples/export_block23.log")).unwrap();
    let line = text.lines().find(|l| l.contains("\"eventType\"")).unwrap();
    let json = &line[line.find('{').unwrap()..];
    let src: Value = serde_json::from_str(json).unwrap();
    let out = normalize_bytes(None, json.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events[0].original, json);
    check_export(&out.events[0], &src);
}

#[test]
fn ordinary_gatekeeper_log_lines_are_skipped_not_rejected() {
    let body = concat!(
        r#"{"level":"info","ts":1632889060.1,"logger":"controller","msg":"starting audit manager","process":"audit"}"#,
        "\n",
        r#"{"level":"info","ts":1632889067.0,"logger":"controller","msg":"auditing constraints and violations","process":"audit","audit_id":"2021-09-29T04:17:47Z","event_type":"audit_started"}"#,
        "\n",
    );
    let out = normalize_bytes(Some(DATASET), body.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.skipped, 1);
    assert_eq!(out.events.len(), 1);
    assert_eq!(field(&out.events[0], "event.kind"), Some("event".into()));
    assert_eq!(
        field(&out.events[0], "event.action"),
        Some("audit_started".into())
    );
    let (r, events, skipped) = normalize_direct(body.lines().next().unwrap());
    assert!(r.is_ok() && events.is_empty() && skipped.is_some());
}
