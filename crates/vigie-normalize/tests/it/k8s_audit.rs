//! `kubernetes.audit` against Elastic's expected documents, the AKS-wrapped
//! sample, and the 47 Falco k8s audit trace files.

use serde_json::Value;
use vigie_normalize::{NormalizeError, Timestamp};

use crate::common::{self, assert_ecs_fields, expected_docs, field, normalize_bytes, read};

const DATASET: &str = "kubernetes.audit";

/// The fields compared with Elastic's documents.
const COMPARED: &[&str] = &[
    "event.kind",
    "event.action",
    "event.outcome",
    "event.category",
    "event.type",
    "event.id",
    "user.name",
    "user.id",
    "source.ip",
    "related.ip",
    "related.user",
    "user_agent.original",
    "orchestrator.type",
    "orchestrator.namespace",
    "orchestrator.resource.type",
    "orchestrator.resource.name",
    "orchestrator.api_version",
    "kubernetes.audit.auditID",
    "kubernetes.audit.level",
    "kubernetes.audit.stage",
    "kubernetes.audit.verb",
    "kubernetes.audit.requestURI",
    "kubernetes.audit.requestReceivedTimestamp",
    "kubernetes.audit.stageTimestamp",
    "kubernetes.audit.sourceIPs",
    "kubernetes.audit.user.groups",
    "kubernetes.audit.objectRef.resource",
    "kubernetes.audit.objectRef.namespace",
    "kubernetes.audit.objectRef.name",
    "kubernetes.audit.objectRef.apiGroup",
    "kubernetes.audit.objectRef.apiVersion",
    "kubernetes.audit.responseStatus.code",
    "kubernetes.audit.annotations.authorization_k8s_io/decision",
    "kubernetes.audit.annotations.authorization_k8s_io/reason",
];

/// Fields vigie sets where Elastic's pipeline does not.
const EXTRA_OK: &[&str] = &["event.category", "event.type", "event.id"];

fn lines(rel: &str) -> Vec<String> {
    String::from_utf8(read(rel))
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn matches_elastic_expected_documents() {
    let raw = lines("elastic/kubernetes/audit_logs/test-audit.log");
    let expected = expected_docs("elastic/kubernetes/audit_logs/test-audit.log-expected.json");
    assert_eq!(raw.len(), expected.len());
    // Line 4 is a GKE event in GCP AuditLog form: gcp.audit's business.
    for (i, (line, doc)) in raw.iter().zip(&expected).enumerate().take(3) {
        let out = normalize_bytes(Some(DATASET), line.as_bytes());
        assert!(
            out.rejected.is_empty(),
            "line {}: {:?}",
            i + 1,
            out.rejected
        );
        assert_eq!(out.events.len(), 1);
        let event = &out.events[0];
        assert_eq!(&event.original, line);
        assert_ecs_fields(
            &format!("test-audit.log line {}", i + 1),
            doc,
            event,
            COMPARED,
            EXTRA_OK,
        );
        let src: Value = serde_json::from_str(line).unwrap();
        let received = src["requestReceivedTimestamp"].as_str().unwrap();
        assert_eq!(event.timestamp, Timestamp::parse_rfc3339(received).unwrap());
    }
}

#[test]
fn lines_are_auto_detected() {
    let raw = lines("elastic/kubernetes/audit_logs/test-audit.log@0b97ab02");
    for i in [0, 1, 2, 4] {
        let out = normalize_bytes(None, raw[i].as_bytes());
        assert_eq!(out.events.len(), 1, "line {}: {:?}", i + 1, out.rejected);
        assert_eq!(out.events[0].dataset(), DATASET, "line {}", i + 1);
    }
}

#[test]
fn aks_wrapped_event_is_unwrapped() {
    let raw = lines("elastic/kubernetes/audit_logs/test-audit.log@0b97ab02");
    let line = &raw[4];
    let src: Value = serde_json::from_str(line).unwrap();
    let log = &src["properties"]["log"];
    let out = normalize_bytes(Some(DATASET), line.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let e = &out.events[0];
    assert_eq!(&e.original, line);
    let s = |v: &Value| Some(v.clone());
    assert_eq!(field(e, "user.name"), s(&log["user"]["username"]));
    assert_eq!(field(e, "event.action"), s(&log["verb"]));
    assert_eq!(
        field(e, "orchestrator.resource.type"),
        s(&log["objectRef"]["resource"])
    );
    assert_eq!(
        field(e, "orchestrator.resource.name"),
        s(&log["objectRef"]["name"])
    );
    assert_eq!(
        field(e, "orchestrator.namespace"),
        s(&log["objectRef"]["namespace"])
    );
    assert_eq!(
        field(e, "kubernetes.audit.objectRef.uid"),
        s(&log["objectRef"]["uid"])
    );
    assert_eq!(field(e, "source.ip"), s(&log["sourceIPs"][0]));
    assert_eq!(field(e, "azure.category"), s(&src["category"]));
    assert_eq!(field(e, "azure.resource.id"), s(&src["resourceId"]));
    assert_eq!(
        field(e, "orchestrator.cluster.name"),
        Some(Value::from("TEST-AKS"))
    );
    assert_eq!(field(e, "cloud.provider"), Some(Value::from("azure")));
    let received = log["requestReceivedTimestamp"].as_str().unwrap();
    assert_eq!(e.timestamp, Timestamp::parse_rfc3339(received).unwrap());

    // The same event as Azure exports it: `properties.log` a JSON string.
    let mut as_string = src.clone();
    as_string["properties"]["log"] = Value::String(log.to_string());
    let text = as_string.to_string();
    let out = normalize_bytes(Some(DATASET), text.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events[0].original, text);
    assert_eq!(
        field(&out.events[0], "user.name"),
        s(&log["user"]["username"])
    );
}

fn trace_files() -> Vec<(String, Vec<u8>)> {
    let dir = common::logs("falco/k8s_audit_trace_files");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The events of a trace file as the source wrote them (an independent
/// reading with serde_json's stream deserializer).
fn source_events(bytes: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn every_falco_trace_file_normalizes() {
    let files = trace_files();
    assert_eq!(files.len(), 47);
    let mut total = 0;
    for (name, bytes) in &files {
        let out = normalize_bytes(Some(DATASET), bytes);
        if name == "fal_01_003.json" {
            // `{"kind": 0}`: a fuzzing regression input, not an event.
            assert!(out.events.is_empty());
            assert_eq!(out.rejected.len(), 1);
            let err = &out.rejected[0].error;
            assert!(matches!(err, NormalizeError::WrongFormat { .. }), "{err:?}");
            assert!(err.to_string().contains("`kind` is 0"), "{err}");
            continue;
        }
        assert!(out.rejected.is_empty(), "{name}: {:?}", out.rejected);
        let src = source_events(bytes);
        assert_eq!(out.events.len(), src.len(), "{name}");
        for (e, s) in out.events.iter().zip(&src) {
            let label = format!("{name} {}", s["auditID"]);
            assert_eq!(
                field(e, "user.name").as_ref(),
                s["user"].get("username"),
                "{label}"
            );
            assert_eq!(field(e, "event.action").as_ref(), s.get("verb"), "{label}");
            assert_eq!(
                field(e, "kubernetes.audit.stage").as_ref(),
                s.get("stage"),
                "{label}"
            );
            assert_eq!(
                field(e, "orchestrator.resource.type").as_ref(),
                s["objectRef"].get("resource"),
                "{label}"
            );
            assert!(
                field(e, "user.name").is_some() && field(e, "event.action").is_some(),
                "{label}"
            );
            assert!(field(e, "orchestrator.resource.type").is_some(), "{label}");
            let received = s["requestReceivedTimestamp"].as_str().unwrap();
            assert_eq!(
                e.timestamp,
                Timestamp::parse_rfc3339(received).unwrap(),
                "{label}"
            );
            if let Some(obj) = s.get("requestObject") {
                let kept = field(e, "kubernetes.audit.requestObject").unwrap();
                let reparsed: Value = serde_json::from_str(kept.as_str().unwrap()).unwrap();
                assert_eq!(&reparsed, obj, "{label}");
            }
        }
        total += out.events.len();
    }
    assert_eq!(total, 51);
}

#[test]
fn trace_files_spot_checks() {
    let files = trace_files();
    let get = |n: &str| {
        let bytes = &files.iter().find(|(name, _)| name == n).unwrap().1;
        normalize_bytes(Some(DATASET), bytes).events
    };
    // A `kubectl exec` is a ResponseStarted event with code 101.
    let exec = get("exec_pod.json");
    assert_eq!(
        field(&exec[0], "kubernetes.audit.stage"),
        Some("ResponseStarted".into())
    );
    assert_eq!(
        field(&exec[0], "orchestrator.resource.subtype"),
        Some("exec".into())
    );
    assert_eq!(field(&exec[0], "event.outcome"), Some("success".into()));
    assert_eq!(field(&exec[0], "user.name"), Some("minikube-user".into()));
    // v1beta1 with a service account actor; source IP `::1`.
    let pod = get("create_nginx_pod_privileged.json");
    assert_eq!(
        field(&pod[0], "user.name"),
        Some("system:serviceaccount:kube-system:replicaset-controller".into())
    );
    assert_eq!(
        field(&pod[0], "orchestrator.api_version"),
        Some("audit.k8s.io/v1beta1".into())
    );
    assert_eq!(field(&pod[0], "source.ip"), Some("::1".into()));
    assert_eq!(
        field(&pod[0], "event.type"),
        Some(serde_json::json!(["creation"]))
    );
    // Anonymous access.
    let anon = get("anonymous_creates_namespace_foo.json");
    assert_eq!(
        field(&anon[0], "user.name"),
        Some("system:anonymous".into())
    );
    assert_eq!(
        field(&anon[0], "orchestrator.resource.type"),
        Some("namespaces".into())
    );
    assert_eq!(get("create_configmap_sensitive_values.json").len(), 6);
}

#[test]
fn an_event_list_of_trace_events_keeps_each_item_and_isolates_a_bad_one() {
    let files = trace_files();
    let items: Vec<String> = files
        .iter()
        .filter(|(n, _)| n.starts_with("create_service"))
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap().trim().to_owned())
        .collect();
    assert!(items.len() >= 2);
    let mut all: Vec<String> = items.clone();
    all.insert(
        1,
        r#"{"kind":"Event","auditID":"bad","verb":"get"}"#.to_owned(),
    );
    let body = format!(
        "{{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[\n{}\n]}}",
        all.join(",\n")
    );
    let out = normalize_bytes(None, body.as_bytes());
    assert_eq!(out.events.len(), items.len());
    for (e, item) in out.events.iter().zip(&items) {
        assert_eq!(&e.original, item);
        assert_eq!(e.dataset(), DATASET);
    }
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].item, Some(1));
    assert_eq!(
        out.rejected[0].error,
        NormalizeError::MissingField("requestReceivedTimestamp")
    );
    assert_eq!(out.accepted, 1);
}
