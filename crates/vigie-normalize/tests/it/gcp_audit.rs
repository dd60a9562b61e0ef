//! `gcp.audit` against Elastic's GCP audit fixture (compared field by
//! field with its expected document), the GKE event of Elastic's Kubernetes
//! fixture, and the Cloud Audit Log lines of Wazuh's GCP rule tests.

use serde_json::Value;
use vigie_normalize::Event;

use crate::common::{
    self, assert_ecs_fields, expected_docs, field, normalize_bytes, normalize_clean,
};

const IAM: &str = "elastic/gcp/audit/test-iamcredentials-googleapis-com.log";

fn raw_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("fixture line is JSON")
}

fn millis(ev: &Event) -> String {
    // Elastic stores milliseconds; vigie keeps the source's nanoseconds.
    let ns = ev.timestamp.as_nanos();
    vigie_normalize::Timestamp::from_nanos(ns - ns.rem_euclid(1_000_000)).to_rfc3339()
}

fn json_text_field(ev: &Event, name: &str) -> Value {
    let text = field(ev, name).unwrap_or_else(|| panic!("{name} missing"));
    serde_json::from_str(text.as_str().expect("JSON text")).expect("valid JSON text")
}

#[test]
fn iamcredentials_matches_elastic_field_by_field() {
    let raw = common::read(IAM);
    let line = std::str::from_utf8(&raw).unwrap().trim_end();
    let expected = expected_docs(&format!("{IAM}-expected.json"));
    for dataset in [Some("gcp.audit"), None] {
        let events = normalize_clean(dataset, IAM);
        assert_eq!(events.len(), expected.len());
        let (ev, exp) = (&events[0], &expected[0]);
        assert_eq!(ev.dataset(), "gcp.audit");
        assert_ecs_fields(
            "iamcredentials",
            exp,
            ev,
            &[
                "cloud.project.id",
                "cloud.provider",
                "event.action",
                "event.category",
                "event.id",
                "event.kind",
                "event.outcome",
                "event.type",
                "gcp.audit.authorization_info",
                "gcp.audit.logentry_operation.id",
                "gcp.audit.resource_name",
                "gcp.audit.type",
                "log.level",
                "log.logger",
                "related.ip",
                "source.ip",
                "user_agent.original",
                "event.original",
            ],
            &[],
        );
        assert_eq!(ev.original, line);
        assert_eq!(millis(ev), exp["@timestamp"].as_str().unwrap());
        // Deliberate differences, checked against the same expected values:
        // Elastic puts the log type in event.provider and the service in
        // service.name; vigie puts the service in event.provider.
        assert_eq!(
            field(ev, "gcp.audit.log_type").as_ref(),
            Some(&exp["event"]["provider"])
        );
        assert_eq!(
            field(ev, "event.provider").as_ref(),
            Some(&exp["service"]["name"])
        );
        assert_eq!(
            field(ev, "gcp.audit.service_name").as_ref(),
            Some(&exp["service"]["name"])
        );
        // client.user.id in Elastic is user.id here.
        assert_eq!(
            field(ev, "user.id").as_ref(),
            Some(&exp["client"]["user"]["id"])
        );
        // request and metadata are kept as JSON text, not as objects.
        assert_eq!(
            json_text_field(ev, "gcp.audit.request"),
            exp["gcp"]["audit"]["request"]
        );
        assert_eq!(
            json_text_field(ev, "gcp.audit.metadata"),
            exp["gcp"]["audit"]["metadata"]
        );
        assert_eq!(
            field(ev, "gcp.audit.identity_delegation_chain").as_ref(),
            Some(&exp["gcp"]["audit"]["metadata"]["identityDelegationChain"])
        );
    }
}

#[test]
fn gke_kubernetes_audit_in_audit_log_form() {
    let raw = common::read("elastic/kubernetes/audit_logs/test-audit.log");
    let line = std::str::from_utf8(&raw)
        .unwrap()
        .lines()
        .nth(3)
        .expect("line 4");
    let src = raw_json(line.as_bytes());
    let expected = &expected_docs("elastic/kubernetes/audit_logs/test-audit.log-expected.json")[3];
    let out = normalize_bytes(Some("gcp.audit"), line.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let ev = &out.events[0];
    assert_eq!(ev.original, line);
    assert_ecs_fields(
        "gke",
        expected,
        ev,
        &[
            "orchestrator.type",
            "orchestrator.cluster.name",
            "event.kind",
            "event.outcome",
        ],
        &[],
    );
    let pp = &src["protoPayload"];
    assert_eq!(
        field(ev, "user.email").as_ref(),
        Some(&pp["authenticationInfo"]["principalEmail"])
    );
    assert_eq!(
        field(ev, "source.ip").as_ref(),
        Some(&pp["requestMetadata"]["callerIp"])
    );
    assert_eq!(field(ev, "event.action").as_ref(), Some(&pp["methodName"]));
    assert_eq!(
        field(ev, "event.provider").as_ref(),
        Some(&pp["serviceName"])
    );
    assert_eq!(
        field(ev, "gcp.audit.resource_name").as_ref(),
        Some(&pp["resourceName"])
    );
    assert_eq!(
        field(ev, "cloud.project.id").as_ref(),
        Some(&src["resource"]["labels"]["project_id"])
    );
    assert_eq!(
        field(ev, "gcp.audit.status.code").as_ref(),
        Some(&pp["status"]["code"])
    );
    // `readyz` is not an API object: no orchestrator.resource.* is guessed.
    assert!(field(ev, "orchestrator.resource.type").is_none());
    assert_eq!(
        field(ev, "gcp.audit.labels.authorization_k8s_io/decision").as_ref(),
        Some(&src["labels"]["authorization.k8s.io/decision"])
    );
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = c.iter().fold(0u32, |a, b| a << 8 | u32::from(*b)) << (8 * (3 - c.len()));
        for k in 0..4 {
            out.push(if k <= c.len() {
                A[(n >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

#[test]
fn pubsub_push_envelope_of_the_fixture() {
    let raw = common::read(IAM);
    let line = std::str::from_utf8(&raw).unwrap().trim_end();
    let envelope = format!(
        r#"{{"message":{{"data":"{}","messageId":"123","publishTime":"2024-11-19T00:49:57Z"}},"subscription":"projects/project-id/subscriptions/audit"}}"#,
        base64(line.as_bytes())
    );
    let direct = &normalize_clean(Some("gcp.audit"), IAM)[0];
    for dataset in [Some("gcp.audit"), None] {
        let out = normalize_bytes(dataset, envelope.as_bytes());
        assert!(out.rejected.is_empty(), "{:?}", out.rejected);
        let ev = &out.events[0];
        assert_eq!(ev.original, envelope);
        assert_eq!(ev.timestamp, direct.timestamp);
        for (k, v) in direct.fields.iter() {
            assert_eq!(ev.fields.get(k), Some(v), "{k}");
        }
        assert_eq!(
            field(ev, "gcp.audit.pubsub.subscription").unwrap(),
            "projects/project-id/subscriptions/audit"
        );
    }
}

#[test]
fn wazuh_gcp_audit_lines() {
    let text = String::from_utf8(common::read("wazuh/ruleset-testing-tests/gcp.ini")).unwrap();
    let mut seen = 0;
    for line in text
        .lines()
        .filter_map(|l| l.split_once(" pass = ").map(|(_, j)| j))
    {
        let src = raw_json(line.as_bytes());
        let entry = &src["gcp"];
        let pp = &entry["protoPayload"];
        if pp["@type"] != "type.googleapis.com/google.cloud.audit.AuditLog" {
            continue;
        }
        seen += 1;
        for dataset in [Some("gcp.audit"), None] {
            let out = normalize_bytes(dataset, line.as_bytes());
            assert!(out.rejected.is_empty(), "{line}: {:?}", out.rejected);
            assert_eq!(out.events.len(), 1);
            let ev = &out.events[0];
            assert_eq!(ev.dataset(), "gcp.audit");
            assert_eq!(ev.original, line);
            let ts =
                vigie_normalize::Timestamp::parse_rfc3339(entry["timestamp"].as_str().unwrap())
                    .unwrap();
            assert_eq!(ev.timestamp, ts);
            assert_eq!(field(ev, "event.id").as_ref(), Some(&entry["insertId"]));
            assert_eq!(field(ev, "event.action").as_ref(), Some(&pp["methodName"]));
            assert_eq!(
                field(ev, "event.provider").as_ref(),
                Some(&pp["serviceName"])
            );
            assert_eq!(
                field(ev, "user.email").as_ref(),
                Some(&pp["authenticationInfo"]["principalEmail"])
            );
            assert_eq!(
                field(ev, "source.ip").as_ref(),
                Some(&pp["requestMetadata"]["callerIp"])
            );
            assert_eq!(
                field(ev, "cloud.project.id").as_ref(),
                Some(&entry["resource"]["labels"]["project_id"])
            );
            assert_eq!(field(ev, "log.level").as_ref(), Some(&entry["severity"]));
            let log_name = entry["logName"].as_str().unwrap();
            let kind = log_name.rsplit("%2F").next().unwrap();
            assert_eq!(field(ev, "gcp.audit.log_type").unwrap(), kind);
            let status = pp["status"]["code"].as_i64().unwrap_or(0);
            let outcome = if status == 0 { "success" } else { "failure" };
            assert_eq!(field(ev, "event.outcome").unwrap(), outcome);
            if let Some(last) = entry["operation"]["last"].as_str() {
                assert_eq!(
                    field(ev, "gcp.audit.logentry_operation.last").unwrap(),
                    last == "true"
                );
            }
        }
    }
    assert_eq!(seen, 25, "Wazuh's gcp.ini has 25 Cloud Audit Log lines");
}
