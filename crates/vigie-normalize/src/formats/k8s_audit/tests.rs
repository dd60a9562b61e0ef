//! Unit and property tests of the `kubernetes.audit` normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::*;

use crate::formats::test_support::Run;

fn run(record: &str) -> Run {
    crate::formats::test_support::run(&K8sAudit, record)
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

fn sample() -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "a-1", "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/prod/pods/web-0/exec?command=sh",
        "verb": "create",
        "user": {"username": "alice", "uid": "u-1", "groups": ["dev", "system:authenticated"], "extra": {"k": ["v"]}},
        "impersonatedUser": {"username": "system:admin"},
        "sourceIPs": ["10.0.0.7", "192.168.1.1"], "userAgent": "kubectl/v1.30",
        "objectRef": {"resource": "pods", "subresource": "exec", "namespace": "prod", "name": "web-0", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 403, "reason": "Forbidden"},
        "requestObject": {"a": [1, 2]},
        "requestReceivedTimestamp": "2024-05-01T10:00:00.123456Z",
        "stageTimestamp": "2024-05-01T10:00:00.2Z",
        "annotations": {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""}
    })
}

#[test]
fn maps_a_v1_event() {
    let text = sample().to_string();
    let e = one(&text);
    assert_eq!(e.original, text);
    assert_eq!(e.timestamp.to_rfc3339(), "2024-05-01T10:00:00.123456Z");
    assert_eq!(get(&e, "user.name"), Some(json!("alice")));
    assert_eq!(get(&e, "user.id"), Some(json!("u-1")));
    assert_eq!(get(&e, "user.effective.name"), Some(json!("system:admin")));
    assert_eq!(
        get(&e, "related.user"),
        Some(json!(["u-1", "alice", "system:admin"]))
    );
    assert_eq!(get(&e, "source.ip"), Some(json!("10.0.0.7")));
    assert_eq!(
        get(&e, "related.ip"),
        Some(json!(["10.0.0.7", "192.168.1.1"]))
    );
    assert_eq!(get(&e, "event.action"), Some(json!("create")));
    assert_eq!(get(&e, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(&e, "event.type"), Some(json!(["creation", "denied"])));
    assert_eq!(get(&e, "orchestrator.resource.type"), Some(json!("pods")));
    assert_eq!(
        get(&e, "orchestrator.resource.subtype"),
        Some(json!("exec"))
    );
    assert_eq!(get(&e, "orchestrator.namespace"), Some(json!("prod")));
    assert_eq!(
        get(&e, "kubernetes.audit.user.groups"),
        Some(json!(["dev", "system:authenticated"]))
    );
    assert_eq!(
        get(&e, "kubernetes.audit.user.extra"),
        Some(json!({"k": ["v"]}))
    );
    assert_eq!(
        get(&e, "kubernetes.audit.requestObject"),
        Some(json!(r#"{"a":[1,2]}"#))
    );
    assert_eq!(
        get(&e, "kubernetes.audit.responseStatus.code"),
        Some(json!(403))
    );
    assert_eq!(
        get(
            &e,
            "kubernetes.audit.annotations.authorization_k8s_io/decision"
        ),
        Some(json!("forbid"))
    );
    assert_eq!(
        get(
            &e,
            "kubernetes.audit.annotations.authorization_k8s_io/reason"
        ),
        None
    );
}

#[test]
fn outcome_follows_the_code_and_unknown_without_one() {
    let mut v = sample();
    v["annotations"] = json!({});
    v["responseStatus"]["code"] = json!(201);
    assert_eq!(
        get(&one(&v.to_string()), "event.outcome"),
        Some(json!("success"))
    );
    v["stage"] = json!("RequestReceived");
    v.as_object_mut().unwrap().remove("responseStatus");
    assert_eq!(
        get(&one(&v.to_string()), "event.outcome"),
        Some(json!("unknown"))
    );
    v["stage"] = json!("Panic");
    assert_eq!(
        get(&one(&v.to_string()), "event.outcome"),
        Some(json!("failure"))
    );
}

#[test]
fn timestamp_falls_back_and_a_bad_one_names_its_field() {
    let mut v = sample();
    v.as_object_mut()
        .unwrap()
        .remove("requestReceivedTimestamp");
    assert_eq!(
        one(&v.to_string()).timestamp.to_rfc3339(),
        "2024-05-01T10:00:00.200Z"
    );
    v["stageTimestamp"] = json!("yesterday");
    let err = run(&v.to_string()).result.unwrap_err();
    assert!(err.to_string().contains("stageTimestamp"), "{err}");
    v.as_object_mut().unwrap().remove("stageTimestamp");
    let err = run(&v.to_string()).result.unwrap_err();
    assert_eq!(
        err,
        NormalizeError::MissingField("requestReceivedTimestamp")
    );
}

#[test]
fn event_list_items_are_events_with_their_own_text() {
    let good = sample().to_string();
    let record = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{good}, {{"auditID":"x","verb":"get","requestReceivedTimestamp":"nope"}} ,{good}]}}"#
    );
    let r = run(&record);
    r.result.unwrap();
    assert_eq!(r.events.len(), 2);
    assert!(r.events.iter().all(|e| e.original == good));
    assert_eq!(r.item_errors.len(), 1);
    assert_eq!(r.item_errors[0].0, 1);
    assert!(r.item_errors[0]
        .1
        .to_string()
        .contains("requestReceivedTimestamp"));

    let empty = run(r#"{"kind":"EventList","items":[]}"#);
    assert!(empty.result.is_ok() && empty.events.is_empty());
    assert!(empty.skipped.is_some());
}

#[test]
fn aks_records_are_unwrapped_from_a_string_or_an_object() {
    let inner = sample().to_string();
    let as_string = json!({
        "category": "kube-audit", "operationName": "x", "time": "2024-05-01T10:00:01Z",
        "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS1",
        "properties": {"log": inner, "stream": "stdout", "pod": "kube-apiserver-1"}
    })
    .to_string();
    let e = one(&as_string);
    assert_eq!(e.original, as_string);
    assert_eq!(get(&e, "user.name"), Some(json!("alice")));
    assert_eq!(get(&e, "cloud.provider"), Some(json!("azure")));
    assert_eq!(get(&e, "orchestrator.cluster.name"), Some(json!("AKS1")));
    assert_eq!(e.timestamp.to_rfc3339(), "2024-05-01T10:00:00.123456Z");

    let as_object =
        json!({"category": "kube-audit-admin", "properties": {"log": sample()}}).to_string();
    assert_eq!(get(&one(&as_object), "event.action"), Some(json!("create")));

    let other = run(r#"{"category":"guard","properties":{"log":"{}"}}"#);
    assert!(other.result.unwrap_err().to_string().contains("guard"));
    let broken = run(r#"{"category":"kube-audit","properties":{"log":"{\"auditID\":"}}"#);
    assert!(broken
        .result
        .unwrap_err()
        .to_string()
        .contains("properties.log"));
    let missing = run(r#"{"category":"kube-audit","properties":{}}"#);
    assert_eq!(
        missing.result.unwrap_err(),
        NormalizeError::MissingField("properties.log")
    );
}

#[test]
fn a_non_string_kind_is_rejected_with_a_reason() {
    let err = run(r#"{"kind": 0}"#).result.unwrap_err();
    assert!(matches!(err, NormalizeError::WrongFormat { .. }), "{err:?}");
    assert!(err.to_string().contains("`kind` is 0"), "{err}");
    let err = run(r#"{"kind":"Pod","auditID":"x"}"#).result.unwrap_err();
    assert!(err.to_string().contains("\"Pod\""), "{err}");
    let err = run(r#"{"foo":1}"#).result.unwrap_err();
    assert!(err.to_string().contains("not an audit event"), "{err}");
}

#[test]
fn sniff_accepts_events_lists_and_aks_but_not_azure_wrappers() {
    assert!(sniff(&sample().to_string()));
    assert!(sniff(
        r#"{"kind":"EventList","items":[{"auditID":"1","stage":"ResponseComplete"}]}"#
    ));
    assert!(sniff(
        r#"{"category":"kube-audit","properties":{"log":"{\"auditID\":\"1\"}"}}"#
    ));
    assert!(!sniff(
        r#"{ "records": [{"category":"kube-audit","properties":{"log":{"auditID":"1","verb":"get"}}}]}"#
    ));
    assert!(!sniff(r#"{"output":"x","priority":"Error","rule":"r"}"#));
    assert!(!sniff(r#"{"source":"kube-audit-shipper","msg":"hello"}"#));
    assert!(sniff(
        r#"{"category": "kube-audit-admin", "properties": {}}"#
    ));
}

fn name() -> impl Strategy<Value = String> {
    // Any printable text, quotes and backslashes included.
    "\\PC{1,24}"
}

proptest! {
    #[test]
    fn mapped_fields_equal_the_generated_values(
        username in name(), uid in name(), verb in "[a-z]{1,12}", namespace in name(),
        resource in "[a-z]{1,16}", obj in name(), ip in any::<[u8; 4]>(),
        stage in prop::sample::select(vec!["RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"]),
        code in 100i64..600, nanos in 0i64..4_000_000_000_000_000_000,
    ) {
        let ip = std::net::Ipv4Addr::from(ip).to_string();
        let ts = Timestamp::from_nanos(nanos);
        let v = json!({
            "kind": "Event", "auditID": "id", "stage": stage, "verb": verb,
            "user": {"username": username, "uid": uid}, "sourceIPs": [ip],
            "objectRef": {"resource": resource, "namespace": namespace, "name": obj},
            "responseStatus": {"code": code}, "requestReceivedTimestamp": ts.to_rfc3339(),
        });
        let text = v.to_string();
        let e = one(&text);
        prop_assert_eq!(&e.original, &text);
        prop_assert_eq!(e.timestamp, ts);
        prop_assert_eq!(get(&e, "user.name"), Some(json!(username)));
        prop_assert_eq!(get(&e, "user.id"), Some(json!(uid)));
        prop_assert_eq!(get(&e, "event.action"), Some(json!(verb)));
        prop_assert_eq!(get(&e, "kubernetes.audit.stage"), Some(json!(stage)));
        prop_assert_eq!(get(&e, "orchestrator.namespace"), Some(json!(namespace)));
        prop_assert_eq!(get(&e, "orchestrator.resource.type"), Some(json!(resource)));
        prop_assert_eq!(get(&e, "orchestrator.resource.name"), Some(json!(obj)));
        prop_assert_eq!(get(&e, "source.ip"), Some(json!(ip)));
        let expected = if stage == "Panic" || code >= 400 { "failure" } else { "success" };
        prop_assert_eq!(get(&e, "event.outcome"), Some(json!(expected)));
    }

    #[test]
    fn event_list_originals_are_the_items_text(users in prop::collection::vec(name(), 0..6)) {
        let items: Vec<String> = users
            .iter()
            .map(|u| json!({"auditID": "a", "verb": "get", "user": {"username": u},
                "stageTimestamp": "2024-01-01T00:00:00Z"}).to_string())
            .collect();
        let record = format!(r#"{{"kind":"EventList","items":[ {} ]}}"#, items.join(" ,\n"));
        let r = run(&record);
        prop_assert!(r.result.is_ok());
        prop_assert!(r.item_errors.is_empty());
        let originals: Vec<&str> = r.events.iter().map(|e| e.original.as_str()).collect();
        prop_assert_eq!(originals, items.iter().map(String::as_str).collect::<Vec<_>>());
        for (e, u) in r.events.iter().zip(&users) {
            prop_assert_eq!(get(e, "user.name"), Some(json!(u)));
        }
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&s);
        for e in &r.events {
            prop_assert!(s.contains(e.original.as_str()));
        }
        let _ = sniff(&s);
    }

    #[test]
    fn corrupted_events_never_panic(at in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = sample().to_string().into_bytes();
        let i = at % bytes.len();
        bytes[i] = byte;
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let r = run(s);
            if r.result.is_ok() {
                prop_assert!(r.events.iter().all(|e| e.original == s));
            }
        }
    }
}
