//! Fixture tests of the `auditd` dataset: Elastic's raw and enriched
//! samples (compared with Elastic's expected document) and Wazuh's
//! ruleset test lines.

use serde_json::{json, Value};

use crate::common::{self, assert_ecs_fields, expected_docs, field, normalize_bytes};

const RAW: &str = "elastic/auditd/log/test-auditd-raw.log";
const ENRICHED: &str = "elastic/auditd/log/test-enhanced-syscall.log";

#[test]
fn raw_fixture_every_record_becomes_an_event() {
    let text = String::from_utf8(common::read(RAW)).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let out = normalize_bytes(Some("auditd"), text.as_bytes());
    assert!(out.rejected.is_empty(), "{:#?}", out.rejected);
    // Every line is in exactly one event's original.
    let mut seen: Vec<&str> = out
        .events
        .iter()
        .flat_map(|e| e.original.split('\n'))
        .collect();
    let mut want = lines.clone();
    seen.sort_unstable();
    want.sort_unstable();
    assert_eq!(seen, want);
    for e in &out.events {
        assert_eq!(e.dataset(), "auditd");
        assert!(field(e, "event.action").is_some(), "{}", e.original);
    }
    // Auto-detection takes the whole file too (UNKNOWN[1329] included).
    let auto = normalize_bytes(None, text.as_bytes());
    assert!(auto.rejected.is_empty(), "{:#?}", auto.rejected);
    assert_eq!(auto.events.len(), out.events.len());
}

/// Checks each event's fields against its own first record.
#[test]
fn raw_fixture_fields_follow_the_source() {
    let out = common::normalize_clean(Some("auditd"), RAW);
    for e in &out {
        let first = e.original.split('\n').next().unwrap();
        let pair = |k: &str| {
            first
                .split([' ', '\''])
                .find_map(|w| w.strip_prefix(&format!("{k}=")))
                .map(|v| v.trim_matches('"').to_owned())
        };
        if let Some(pid) = pair("pid").and_then(|p| p.parse::<i64>().ok()) {
            assert_eq!(field(e, "process.pid"), Some(json!(pid)), "{first}");
        }
        match pair("auid").as_deref() {
            Some("4294967295") | Some("-1") | Some("?") | None => {
                assert_eq!(field(e, "user.audit.id"), None, "{first}")
            }
            Some(a) => assert_eq!(field(e, "user.audit.id"), Some(json!(a)), "{first}"),
        }
        if let Some(addr) = pair("addr").filter(|a| a != "?") {
            assert_eq!(field(e, "source.ip"), Some(json!(addr)), "{first}");
        }
        if let Some(node) = first.strip_prefix("node=") {
            let node = node.split(' ').next().unwrap();
            assert_eq!(field(e, "host.name"), Some(json!(node)));
        }
        let rtype = first
            .split(' ')
            .find_map(|w| w.strip_prefix("type="))
            .unwrap();
        assert_eq!(field(e, "auditd.log.record_type"), Some(json!(rtype)));
    }
    // Hex-decoded values from the fixture.
    let charon = out
        .iter()
        .find(|e| e.original.contains("comm=\"charon\""))
        .unwrap();
    let exe_hex = charon
        .original
        .split("exe=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(
        field(charon, "process.executable"),
        Some(json!(unhex(exe_hex)))
    );
    assert_eq!(field(charon, "event.action"), Some(json!("sendto")));
    let title = out
        .iter()
        .find(|e| e.original.contains("737368643A"))
        .unwrap();
    let title_hex = title.original.split("proctitle=").nth(1).unwrap();
    assert_eq!(field(title, "process.title"), Some(json!(unhex(title_hex))));
    let login = out
        .iter()
        .find(|e| e.original.contains("type=USER_LOGIN"))
        .unwrap();
    assert_eq!(field(login, "event.outcome"), Some(json!("success")));
    assert_eq!(
        field(login, "event.category"),
        Some(json!(["authentication"]))
    );
    // The CWD and PATH records of serial 479 form one event.
    let g = out.iter().find(|e| e.original.contains(":479)")).unwrap();
    assert_eq!(g.original.lines().count(), 2);
    assert_eq!(field(g, "file.path"), Some(json!("/sbin/auditctl")));
    assert_eq!(
        field(g, "process.working_directory"),
        Some(json!("/home/some_user"))
    );
}

#[test]
fn enriched_syscall_matches_elastic() {
    let events = common::normalize_clean(Some("auditd"), ENRICHED);
    let docs = expected_docs(&format!("{ENRICHED}-expected.json"));
    assert_eq!(events.len(), docs.len());
    for (i, (e, doc)) in events.iter().zip(&docs).enumerate() {
        assert_ecs_fields(
            &format!("{ENRICHED}[{i}]"),
            doc,
            e,
            &[
                "@timestamp",
                "event.kind",
                "event.category",
                "event.type",
                "event.original",
                "auditd.log.record_type",
                "auditd.log.sequence",
                "host.architecture",
                "host.name",
                "process.executable",
                "process.name",
                "process.pid",
                "process.parent.pid",
                "process.exit_code",
                "user.id",
                "user.name",
                "user.audit.id",
                "user.effective.id",
                "user.group.id",
                "user.effective.group.id",
                "user.saved.id",
                "user.saved.group.id",
                "user.filesystem.id",
                "user.filesystem.group.id",
                "related.user",
            ],
            // Elastic leaves the node in auditd.log.node and the enriched
            // names in auditd.log.*; vigie maps them to ECS as well.
            &["host.name", "user.name", "related.user"],
        );
        let log = &doc["auditd"]["log"];
        // Elastic's action is "deleted"; vigie keeps the syscall name.
        assert_eq!(field(e, "event.action"), Some(log["SYSCALL"].clone()));
        assert_eq!(field(e, "host.name"), Some(log["node"].clone()));
        assert_eq!(field(e, "user.name"), Some(log["UID"].clone()));
        assert_eq!(field(e, "user.audit.name"), Some(log["AUID"].clone()));
        assert_eq!(field(e, "event.outcome"), Some(json!("success")));
        assert_eq!(field(e, "auditd.data.key"), Some(log["key"].clone()));
    }
}

#[test]
fn wazuh_ruleset_lines_all_normalize() {
    let ini = String::from_utf8(common::read("wazuh/ruleset-testing-tests/auditd.ini")).unwrap();
    let lines: Vec<&str> = ini
        .lines()
        .filter_map(|l| l.split_once(" pass = ").map(|(_, raw)| raw))
        .collect();
    assert!(lines.len() > 30);
    for raw in lines {
        let out = normalize_bytes(Some("auditd"), raw.as_bytes());
        assert!(out.rejected.is_empty(), "{raw}: {:#?}", out.rejected);
        assert_eq!(out.events.len(), 1, "{raw}");
        let e = &out.events[0];
        assert_eq!(e.original, raw);
        let detected = normalize_bytes(None, raw.as_bytes());
        assert_eq!(
            detected.events.first().map(|e| e.dataset()),
            Some("auditd"),
            "{raw}"
        );
        let serial: u64 = raw
            .split_once("msg=audit(")
            .and_then(|(_, r)| r.split_once(')'))
            .and_then(|(s, _)| s.split_once(':'))
            .and_then(|(_, s)| s.parse().ok())
            .unwrap();
        assert_eq!(field(e, "auditd.log.sequence"), Some(Value::from(serial)));
    }
}

/// Decodes a hex string (test-side, independent of the normalizer).
fn unhex(h: &str) -> String {
    let bytes: Vec<u8> = (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}
