//! Unit and property tests of the `falco.alerts` normalizer.

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn run(record: &str) -> Result<Vec<Event>, NormalizeError> {
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    Falco.normalize(record, &mut StreamState::default(), &mut out)?;
    Ok(events)
}

fn one(record: &str) -> Event {
    let mut events = run(record).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

#[test]
fn maps_a_syscall_alert() {
    let rec = json!({
        "uuid": "u-1", "time": "2024-02-03T04:05:06.123456789Z", "priority": "Critical",
        "rule": "Terminal shell in container", "source": "syscall", "hostname": "node-1",
        "output": "04:05:06.123456789: Critical A shell was spawned",
        "tags": ["container", "shell", "mitre_execution", "T1059", "T1552.001", "mitre_remote_service"],
        "output_fields": {
            "evt.time": 1706933106123456789u64, "evt.type": "execve",
            "proc.name": "bash", "proc.cmdline": "bash -i", "proc.pid": 4242, "proc.ppid": "17",
            "proc.pname": "runc", "proc.exepath": "/bin/bash", "proc.aname[2]": "containerd",
            "user.name": "root", "user.uid": 0, "container.id": "abc123", "container.name": "web",
            "container.image.repository": "nginx", "container.image.tag": "1.25",
            "k8s.ns.name": "prod", "k8s.pod.name": "web-0", "fd.name": "/etc/shadow",
            "fd.sip": "10.0.0.2", "fd.cip": "<NA>", "fd.sport": 443, "proc.tty": null
        }
    })
    .to_string();
    let e = one(&rec);
    assert_eq!(e.original, rec);
    assert_eq!(e.timestamp.as_nanos(), 1_706_933_106_123_456_789);
    assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
    assert_eq!(get(&e, "event.id"), Some(json!("u-1")));
    assert_eq!(get(&e, "event.severity"), Some(json!(2)));
    assert_eq!(get(&e, "log.level"), Some(json!("critical")));
    assert_eq!(
        get(&e, "rule.name"),
        Some(json!("Terminal shell in container"))
    );
    assert_eq!(get(&e, "host.name"), Some(json!("node-1")));
    assert_eq!(get(&e, "process.name"), Some(json!("bash")));
    assert_eq!(get(&e, "process.pid"), Some(json!(4242)));
    assert_eq!(get(&e, "process.parent.pid"), Some(json!(17)));
    assert_eq!(get(&e, "process.executable"), Some(json!("/bin/bash")));
    assert_eq!(get(&e, "user.name"), Some(json!("root")));
    assert_eq!(get(&e, "user.id"), Some(json!("0")));
    assert_eq!(get(&e, "container.image.name"), Some(json!("nginx")));
    assert_eq!(get(&e, "container.image.tag"), Some(json!("1.25")));
    assert_eq!(get(&e, "orchestrator.resource.type"), Some(json!("pod")));
    assert_eq!(get(&e, "orchestrator.type"), Some(json!("kubernetes")));
    assert_eq!(get(&e, "file.path"), Some(json!("/etc/shadow")));
    assert_eq!(get(&e, "destination.ip"), Some(json!("10.0.0.2")));
    assert_eq!(get(&e, "destination.port"), Some(json!(443)));
    assert_eq!(get(&e, "source.ip"), None);
    assert_eq!(get(&e, "event.action"), Some(json!("execve")));
    assert_eq!(
        get(&e, "threat.technique.id"),
        Some(json!(["T1059", "T1552"]))
    );
    assert_eq!(
        get(&e, "threat.technique.subtechnique.id"),
        Some(json!(["T1552.001"]))
    );
    assert_eq!(get(&e, "threat.tactic.name"), Some(json!(["Execution"])));
    assert_eq!(get(&e, "threat.tactic.id"), Some(json!(["TA0002"])));
    let evt_time = get(&e, "falco.output_fields.evt.time").unwrap();
    assert_eq!(evt_time.as_u64(), Some(1_706_933_106_123_456_789));
    assert_eq!(
        get(&e, "falco.output_fields.proc.aname[2]"),
        Some(json!("containerd"))
    );
    assert_eq!(get(&e, "falco.output_fields.fd.cip"), None);
    assert_eq!(get(&e, "falco.output_fields.proc.tty"), None);
}

#[test]
fn maps_a_k8s_audit_alert() {
    let rec = json!({
        "time": "2024-02-03T04:05:06Z", "priority": "Warning", "rule": "Attach to cluster-admin Role",
        "source": "k8s_audit", "output": "x",
        "output_fields": {"ka.user.name": "minikube-user", "ka.verb": "create",
            "ka.target.resource": "clusterrolebindings", "ka.target.name": "crb",
            "ka.sourceips": ["192.168.99.1"], "ka.useragent": "kubectl"}
    })
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "user.name"), Some(json!("minikube-user")));
    assert_eq!(get(&e, "event.action"), Some(json!("create")));
    assert_eq!(
        get(&e, "orchestrator.resource.type"),
        Some(json!("clusterrolebindings"))
    );
    assert_eq!(get(&e, "orchestrator.resource.name"), Some(json!("crb")));
    assert_eq!(get(&e, "source.ip"), Some(json!("192.168.99.1")));
    assert_eq!(get(&e, "event.severity"), Some(json!(4)));
}

#[test]
fn time_falls_back_to_evt_time_and_rule_is_required() {
    let e = one(
        r#"{"rule":"r","priority":"Debug","output":"o","output_fields":{"evt.time":1507591916746609046}}"#,
    );
    assert_eq!(e.timestamp.as_nanos(), 1_507_591_916_746_609_046);
    let err =
        run(r#"{"priority":"Debug","output":"o","time":"2024-01-01T00:00:00Z"}"#).unwrap_err();
    assert_eq!(err, NormalizeError::MissingField("rule"));
    let err = run(r#"{"rule":"r","output":"o","priority":"Debug"}"#).unwrap_err();
    assert_eq!(err, NormalizeError::MissingField("time"));
    let err = run(r#"{"rule":"r","time":"soon"}"#).unwrap_err();
    assert!(err.to_string().contains("`time`"), "{err}");
}

#[test]
fn priorities_follow_syslog_numbering() {
    let names = [
        "Emergency",
        "Alert",
        "Critical",
        "Error",
        "Warning",
        "Notice",
        "Informational",
        "Debug",
    ];
    for (i, p) in names.iter().enumerate() {
        assert_eq!(severity(p), Some(i as u8));
        assert_eq!(severity(&p.to_uppercase()), Some(i as u8));
    }
    assert_eq!(severity("Info"), Some(6));
    assert_eq!(severity("loud"), None);
}

#[test]
fn technique_tags() {
    assert_eq!(technique("T1059"), Some(("T1059", None)));
    assert_eq!(technique("T1059.004"), Some(("T1059", Some("T1059.004"))));
    for no in [
        "T105",
        "T10599",
        "T1059.04",
        "TA0002",
        "x1059",
        "T1059x004",
        "",
    ] {
        assert_eq!(technique(no), None, "{no}");
    }
}

const PRIORITIES: &[&str] = &[
    "Emergency",
    "Alert",
    "Critical",
    "Error",
    "Warning",
    "Notice",
    "Informational",
    "Debug",
];

proptest! {
    #[test]
    fn mapped_fields_equal_the_generated_values(
        rule in "\\PC{1,30}", p in 0usize..8, proc_name in "\\PC{1,16}", cmdline in "\\PC{1,40}",
        pid in any::<u32>(), user in "\\PC{1,16}", ns in "[a-z0-9-]{1,20}", pod in "[a-z0-9-]{1,20}",
        evt_time in any::<u64>(), host in "[a-z0-9.-]{1,20}", secs in 0i64..4_000_000_000, nanos in 0i64..1_000_000_000,
    ) {
        let ts = Timestamp::from_nanos(secs * 1_000_000_000 + nanos);
        let rec = json!({
            "time": ts.to_rfc3339(), "rule": rule, "priority": PRIORITIES[p], "output": "o",
            "hostname": host, "source": "syscall",
            "output_fields": {"proc.name": proc_name, "proc.cmdline": cmdline, "proc.pid": pid,
                "user.name": user, "k8s.ns.name": ns, "k8s.pod.name": pod, "evt.time": evt_time}
        }).to_string();
        let e = one(&rec);
        prop_assert_eq!(&e.original, &rec);
        prop_assert_eq!(e.timestamp, ts);
        prop_assert_eq!(get(&e, "rule.name"), Some(json!(rule)));
        prop_assert_eq!(get(&e, "event.severity"), Some(json!(p)));
        prop_assert_eq!(get(&e, "process.name"), Some(json!(proc_name)));
        prop_assert_eq!(get(&e, "process.command_line"), Some(json!(cmdline)));
        prop_assert_eq!(get(&e, "process.pid"), Some(json!(pid)));
        prop_assert_eq!(get(&e, "user.name"), Some(json!(user)));
        prop_assert_eq!(get(&e, "orchestrator.namespace"), Some(json!(ns)));
        prop_assert_eq!(get(&e, "orchestrator.resource.name"), Some(json!(pod)));
        prop_assert_eq!(get(&e, "host.name"), Some(json!(host)));
        let kept = get(&e, "falco.output_fields.evt.time").and_then(|v| v.as_u64());
        prop_assert_eq!(kept, Some(evt_time));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        if let Ok(events) = run(&s) {
            prop_assert!(events.iter().all(|e| e.original == s));
        }
        let _ = Falco.sniff(&s);
    }

    #[test]
    fn arbitrary_output_fields_are_kept(fields in prop::collection::btree_map("[a-z.\\[\\]0-9_]{1,12}", any::<i64>(), 0..8)) {
        let rec = json!({"rule": "r", "time": "2024-01-01T00:00:00Z", "output_fields": fields}).to_string();
        let e = one(&rec);
        for (k, v) in &fields {
            prop_assert_eq!(get(&e, &format!("falco.output_fields.{k}")), Some(json!(v)));
        }
    }
}
