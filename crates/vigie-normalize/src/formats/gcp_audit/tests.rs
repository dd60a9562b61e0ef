//! Unit and property tests of the `gcp.audit` normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::Event;

use super::util::base64_encode;
use super::*;

fn run(record: &str) -> Result<Vec<Event>, NormalizeError> {
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    GcpAudit.normalize(record, &mut StreamState::default(), &mut out)?;
    assert!(out.item_errors().is_empty());
    Ok(events)
}

fn one(record: &str) -> Event {
    let mut events = run(record).unwrap_or_else(|e| panic!("{e}: {record}"));
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn get(ev: &Event, key: &str) -> Option<Value> {
    ev.fields.get(key).cloned()
}

fn entry(payload: Value) -> Value {
    json!({
        "insertId": "abc123",
        "logName": "projects/demo-proj/logs/cloudaudit.googleapis.com%2Factivity",
        "timestamp": "2024-03-01T10:00:00.123456Z",
        "receiveTimestamp": "2024-03-01T10:00:01Z",
        "severity": "NOTICE",
        "resource": {"type": "gce_instance", "labels": {"instance_id": "42", "zone": "europe-west1-b"}},
        "protoPayload": payload,
    })
}

fn payload() -> Value {
    json!({
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "serviceName": "compute.googleapis.com",
        "methodName": "v1.compute.instances.delete",
        "resourceName": "projects/demo-proj/zones/europe-west1-b/instances/vm-1",
        "authenticationInfo": {"principalEmail": "ops@example.org"},
        "requestMetadata": {"callerIp": "2001:db8::7", "callerSuppliedUserAgent": "gcloud/460"},
        "authorizationInfo": [{"permission": "compute.instances.delete", "granted": true, "resourceAttributes": {}}],
        "request": {"@type": "type.googleapis.com/compute.instances.delete"},
    })
}

#[test]
fn maps_the_core_fields() {
    let text = entry(payload()).to_string();
    let ev = one(&text);
    assert_eq!(ev.original, text);
    assert_eq!(ev.dataset(), "gcp.audit");
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-03-01T10:00:00.123456Z");
    assert_eq!(get(&ev, "user.email"), Some(json!("ops@example.org")));
    assert_eq!(get(&ev, "user.name"), Some(json!("ops@example.org")));
    assert_eq!(get(&ev, "source.ip"), Some(json!("2001:db8::7")));
    assert_eq!(
        get(&ev, "event.action"),
        Some(json!("v1.compute.instances.delete"))
    );
    assert_eq!(
        get(&ev, "event.provider"),
        Some(json!("compute.googleapis.com"))
    );
    assert_eq!(get(&ev, "event.outcome"), Some(json!("success")));
    assert_eq!(get(&ev, "event.id"), Some(json!("abc123")));
    assert_eq!(get(&ev, "cloud.project.id"), Some(json!("demo-proj")));
    assert_eq!(get(&ev, "cloud.instance.id"), Some(json!("42")));
    assert_eq!(
        get(&ev, "cloud.availability_zone"),
        Some(json!("europe-west1-b"))
    );
    assert_eq!(get(&ev, "gcp.audit.log_type"), Some(json!("activity")));
    assert_eq!(
        get(&ev, "gcp.audit.log_name"),
        Some(json!(
            "projects/demo-proj/logs/cloudaudit.googleapis.com/activity"
        ))
    );
    assert_eq!(get(&ev, "log.level"), Some(json!("NOTICE")));
    assert_eq!(
        get(&ev, "gcp.audit.authorization_info"),
        Some(json!([{"permission": "compute.instances.delete", "granted": true}]))
    );
    assert_eq!(get(&ev, "event.type"), Some(json!(["access", "allowed"])));
    let request: Value =
        serde_json::from_str(get(&ev, "gcp.audit.request").unwrap().as_str().unwrap()).unwrap();
    assert_eq!(request, payload()["request"]);
    assert!(get(&ev, "orchestrator.type").is_none());
}

#[test]
fn hidden_caller_ips_are_addresses_only() {
    for hidden in ["private", "gce-internal-ip"] {
        let mut p = payload();
        p["requestMetadata"]["callerIp"] = json!(hidden);
        let ev = one(&entry(p).to_string());
        assert_eq!(get(&ev, "source.address"), Some(json!(hidden)));
        assert!(get(&ev, "source.ip").is_none() && get(&ev, "related.ip").is_none());
    }
}

#[test]
fn a_non_zero_status_is_a_failure() {
    let mut p = payload();
    p["status"] = json!({"code": 7, "message": "PERMISSION_DENIED"});
    p["authorizationInfo"][0]["granted"] = json!(false);
    let ev = one(&entry(p).to_string());
    assert_eq!(get(&ev, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(&ev, "error.code"), Some(json!("7")));
    assert_eq!(get(&ev, "error.message"), Some(json!("PERMISSION_DENIED")));
    assert_eq!(get(&ev, "event.type"), Some(json!(["access", "denied"])));
    let mut p = payload();
    p["status"] = json!({"code": "0"});
    assert_eq!(
        get(&one(&entry(p).to_string()), "event.outcome"),
        Some(json!("success"))
    );
}

#[test]
fn long_running_operations_are_sessions() {
    let mut e = entry(payload());
    e["operation"] = json!({"id": "op-1", "producer": "compute.googleapis.com", "first": "true"});
    let ev = one(&e.to_string());
    assert_eq!(
        get(&ev, "gcp.audit.logentry_operation.first"),
        Some(json!(true))
    );
    assert_eq!(
        get(&ev, "event.category"),
        Some(json!(["session", "network", "configuration"]))
    );
    assert_eq!(
        get(&ev, "event.type"),
        Some(json!(["start", "access", "allowed"]))
    );
}

#[test]
fn delegation_chain_and_subject() {
    let mut p = payload();
    p["authenticationInfo"] = json!({
        "principalSubject": "serviceAccount:ci@demo-proj.iam.gserviceaccount.com",
        "serviceAccountDelegationInfo": [
            {"firstPartyPrincipal": {"principalEmail": "alice@example.org"}},
            {"principalSubject": "principal://iam.googleapis.com/pool/x"},
            {}
        ]
    });
    let ev = one(&entry(p).to_string());
    assert_eq!(
        get(&ev, "user.email"),
        Some(json!("ci@demo-proj.iam.gserviceaccount.com"))
    );
    assert_eq!(
        get(&ev, "gcp.audit.authentication_info.delegation_chain"),
        Some(json!([
            "alice@example.org",
            "principal://iam.googleapis.com/pool/x"
        ]))
    );
    assert_eq!(
        get(&ev, "related.user"),
        Some(json!([
            "ci@demo-proj.iam.gserviceaccount.com",
            "alice@example.org",
            "principal://iam.googleapis.com/pool/x"
        ]))
    );
}

#[test]
fn gke_entries_get_orchestrator_fields() {
    let mut e = entry(json!({
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "serviceName": "k8s.io",
        "methodName": "io.k8s.core.v1.pods.exec.create",
        "resourceName": "core/v1/namespaces/shop/pods/web-0/exec",
        "authenticationInfo": {"principalEmail": "dev@example.org"},
        "status": {"code": 0}
    }));
    e["resource"] = json!({"type": "k8s_cluster", "labels": {"cluster_name": "prod-1", "location": "us-central1", "project_id": "p2"}});
    let ev = one(&e.to_string());
    assert_eq!(get(&ev, "orchestrator.type"), Some(json!("kubernetes")));
    assert_eq!(get(&ev, "orchestrator.cluster.name"), Some(json!("prod-1")));
    assert_eq!(get(&ev, "orchestrator.namespace"), Some(json!("shop")));
    assert_eq!(get(&ev, "orchestrator.resource.type"), Some(json!("pods")));
    assert_eq!(get(&ev, "orchestrator.resource.name"), Some(json!("web-0")));
    assert_eq!(
        get(&ev, "orchestrator.resource.subtype"),
        Some(json!("exec"))
    );
    assert_eq!(get(&ev, "orchestrator.api_version"), Some(json!("v1")));
    assert_eq!(get(&ev, "cloud.project.id"), Some(json!("p2")));
    assert_eq!(get(&ev, "cloud.region"), Some(json!("us-central1")));
}

#[test]
fn pubsub_push_envelopes_are_decoded() {
    let inner = entry(payload()).to_string();
    let envelope = json!({
        "message": {"data": base64_encode(inner.as_bytes()), "messageId": "m-1", "message_id": "m-1",
                    "publishTime": "2024-03-01T10:00:02Z", "attributes": {"logging.googleapis.com/timestamp": "x"}},
        "subscription": "projects/demo-proj/subscriptions/audit-push"
    })
    .to_string();
    assert!(GcpAudit.sniff(&envelope));
    let ev = one(&envelope);
    assert_eq!(ev.original, envelope);
    assert_eq!(get(&ev, "user.email"), Some(json!("ops@example.org")));
    assert_eq!(
        get(&ev, "gcp.audit.pubsub.subscription"),
        Some(json!("projects/demo-proj/subscriptions/audit-push"))
    );
    assert_eq!(get(&ev, "gcp.audit.pubsub.message_id"), Some(json!("m-1")));
}

#[test]
fn wazuh_wrapped_entries_are_unwrapped() {
    let text = json!({"gcp": entry(payload()), "integration": "gcp"}).to_string();
    let ev = one(&text);
    assert_eq!(ev.original, text);
    assert_eq!(
        get(&ev, "event.action"),
        Some(json!("v1.compute.instances.delete"))
    );
}

#[test]
fn bad_records_are_rejected_with_the_field() {
    let err = |text: &str| run(text).unwrap_err().to_string();
    let mut p = payload();
    p["@type"] = json!("type.googleapis.com/google.cloud.audit.Other");
    assert!(err(&entry(p).to_string()).contains("protoPayload.@type"));
    assert!(err(r#"{"insertId":"x"}"#).contains("protoPayload"));
    let mut e = entry(payload());
    e["timestamp"] = json!("yesterday");
    e["receiveTimestamp"] = Value::Null;
    assert!(err(&e.to_string()).contains("`timestamp`"));
    let bad64 = r#"{"message":{"data":"a$b"},"subscription":"projects/p/subscriptions/s"}"#;
    assert!(err(bad64).contains("message.data"), "{}", err(bad64));
    let not_audit = json!({"message": {"data": base64_encode(b"{\"jsonPayload\":{}}")}, "subscription": "projects/p/subscriptions/s"});
    assert!(err(&not_audit.to_string()).contains("no protoPayload"));
    assert!(err("{").contains("invalid JSON"));
}

#[test]
fn sniff_is_specific() {
    assert!(GcpAudit.sniff(&entry(payload()).to_string()));
    assert!(!GcpAudit.sniff(r#"{"Records":[{"eventSource":"s3.amazonaws.com"}]}"#));
    assert!(!GcpAudit.sniff(r#"{"message":"hello","data":1}"#));
}

proptest! {
    #[test]
    fn mapped_fields_equal_the_generated_values(
        email in "[a-z]{1,10}@[a-z]{1,8}\\.(com|org)",
        method in "[A-Za-z][A-Za-z0-9.]{0,40}",
        service in "[a-z]{2,12}\\.googleapis\\.com",
        project in "[a-z][a-z0-9-]{4,20}",
        ip in prop_oneof![
            any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
            any::<[u16; 8]>().prop_map(|s| std::net::Ipv6Addr::from(s).to_string()),
            "[a-z-]{1,16}",
        ],
        code in prop_oneof![Just(None), (0i64..17).prop_map(Some)],
        nanos in 0i64..4_000_000_000_000_000_000,
    ) {
        let ts = vigie_event::Timestamp::from_nanos(nanos);
        let mut p = payload();
        p["authenticationInfo"]["principalEmail"] = json!(email);
        p["methodName"] = json!(method);
        p["serviceName"] = json!(service);
        p["requestMetadata"]["callerIp"] = json!(ip);
        if let Some(c) = code {
            p["status"] = json!({"code": c});
        }
        let mut e = entry(p);
        e["timestamp"] = json!(ts.to_rfc3339());
        e["logName"] = json!(format!("projects/{project}/logs/cloudaudit.googleapis.com%2Fdata_access"));
        e["resource"] = json!({"type": "project"});
        let text = e.to_string();
        let ev = one(&text);
        prop_assert_eq!(&ev.original, &text);
        prop_assert_eq!(ev.timestamp, ts);
        prop_assert_eq!(get(&ev, "user.email"), Some(json!(email)));
        prop_assert_eq!(get(&ev, "event.action"), Some(json!(method)));
        prop_assert_eq!(get(&ev, "event.provider"), Some(json!(service)));
        prop_assert_eq!(get(&ev, "cloud.project.id"), Some(json!(project)));
        prop_assert_eq!(get(&ev, "gcp.audit.log_type"), Some(json!("data_access")));
        prop_assert_eq!(get(&ev, "source.address"), Some(json!(ip)));
        let is_ip = ip.parse::<std::net::IpAddr>().is_ok();
        prop_assert_eq!(get(&ev, "source.ip"), is_ip.then(|| json!(ip)));
        let outcome = if code.unwrap_or(0) == 0 { "success" } else { "failure" };
        prop_assert_eq!(get(&ev, "event.outcome"), Some(json!(outcome)));
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        if let Ok(events) = run(&s) {
            for ev in events {
                prop_assert_eq!(ev.original, s.clone());
            }
        }
    }

    #[test]
    fn damaged_records_never_panic(cut in 0usize..2000, junk in ".{0,8}", at in 0usize..2000) {
        let text = entry(payload()).to_string();
        let mut damaged: String = text.chars().take(cut).collect();
        let pos = damaged.char_indices().map(|(i, _)| i).nth(at % (damaged.chars().count() + 1)).unwrap_or(damaged.len());
        damaged.insert_str(pos, &junk);
        if let Ok(events) = run(&damaged) {
            for ev in events {
                prop_assert_eq!(ev.original, damaged.clone());
            }
        }
    }
}
