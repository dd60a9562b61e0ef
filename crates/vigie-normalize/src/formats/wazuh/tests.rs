//! Unit tests of the Wazuh alerts normalizer, with property tests.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::Wazuh;
use crate::formats::suricata::Suricata;
use crate::formats::test_support::run;
use crate::{NormalizeError, Normalizer};

fn one(record: &str) -> Event {
    let mut r = run(&Wazuh, record);
    assert_eq!(r.result, Ok(()), "{record}");
    assert_eq!(r.events.len(), 1);
    r.events.remove(0)
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

#[test]
fn maps_an_alert() {
    let rec = json!({"timestamp": "2022-05-11T12:29:19.905+0000",
        "rule": {"level": 5, "description": "sshd: authentication success.", "id": "5715",
            "mitre": {"id": ["T1078"], "tactic": ["Defense Evasion", "Persistence"], "technique": ["Valid Accounts"]},
            "groups": ["syslog", "sshd", "authentication_success"], "pci_dss": ["10.2.5"]},
        "agent": {"id": "001", "name": "web-1", "ip": "10.0.0.5"}, "manager": {"name": "mgr"},
        "id": "1652272159.1549653", "decoder": {"parent": "sshd", "name": "sshd"},
        "data": {"srcip": "192.0.2.1", "srcport": "22022", "dstuser": "root"},
        "full_log": "line one\n  line two ", "location": "journald"})
    .to_string();
    let e = one(&rec);
    assert_eq!(e.original, rec);
    assert_eq!(
        e.timestamp,
        Timestamp::parse_rfc3339("2022-05-11T12:29:19.905Z").unwrap()
    );
    assert_eq!(get(&e, "event.severity"), Some(json!(5)));
    assert_eq!(get(&e, "event.outcome"), Some(json!("success")));
    assert_eq!(
        get(&e, "threat.tactic.name"),
        Some(json!(["Defense Evasion", "Persistence"]))
    );
    assert_eq!(get(&e, "host.ip"), Some(json!("10.0.0.5")));
    assert_eq!(get(&e, "source.port"), Some(json!(22022)));
    assert_eq!(get(&e, "user.target.name"), Some(json!("root")));
    assert_eq!(get(&e, "message"), Some(json!("line one\n  line two ")));
    assert_eq!(get(&e, "log.file.path"), None);
    assert_eq!(get(&e, "wazuh.location"), Some(json!("journald")));
}

#[test]
fn errors_name_the_field() {
    let r = run(&Wazuh, r#"{"rule":{"id":"1"},"agent":{}}"#);
    assert_eq!(r.result, Err(NormalizeError::MissingField("timestamp")));
    let r = run(&Wazuh, r#"{"timestamp":"x","rule":{}}"#);
    assert!(
        matches!(r.result, Err(NormalizeError::InvalidField { ref field, .. }) if field == "timestamp")
    );
    let r = run(&Wazuh, r#"{"timestamp":"2022-05-11T12:29:19.905+0000"}"#);
    assert_eq!(r.result, Err(NormalizeError::MissingField("rule")));
}

#[test]
fn a_wazuh_alert_about_suricata_is_not_eve() {
    let rec = r#"{"timestamp":"2022-05-11T12:29:19.905+0000","rule":{"id":"86601"},"agent":{"id":"001"},"manager":{"name":"m"},"decoder":{"name":"json"},"data":{"timestamp":"2022-05-11T12:29:19.905+0000","event_type":"alert","src_ip":"10.0.0.1"}}"#;
    assert!(Wazuh.sniff(rec));
    assert!(!Suricata.sniff(rec));
}

proptest! {
    #[test]
    fn generated_alerts_map_exactly(
        secs in 0i64..4_000_000_000, ms in 0i64..1000, level in 0i64..16, id in 1u32..999_999,
        desc in "\\PC{1,40}", agent in "[a-z0-9.-]{1,20}", agent_id in "[0-9]{3}", ip in any::<[u8; 4]>(),
        srcip in any::<std::net::Ipv6Addr>(), port in 0u16..=65535, user in "\\PC{1,16}",
        tech in "T[0-9]{4}", tactic in "[A-Za-z ]{1,20}", full in "\\PC{0,60}",
        path in "/[a-z/]{1,20}",
    ) {
        let ts = Timestamp::from_nanos((secs * 1000 + ms) * 1_000_000);
        let (y, mo, d, h, mi, s, ns) = ts.to_civil();
        let text_ts = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}+0000", ns / 1_000_000);
        let ip = std::net::Ipv4Addr::from(ip).to_string();
        let rec = json!({"timestamp": text_ts, "rule": {"level": level, "description": desc, "id": id.to_string(),
            "mitre": {"id": [tech], "tactic": [tactic]}},
            "agent": {"id": agent_id, "name": agent, "ip": ip}, "manager": {"name": "m"},
            "decoder": {"name": "d"}, "data": {"srcip": srcip.to_string(), "srcport": port.to_string(), "srcuser": user},
            "full_log": full, "location": path}).to_string();
        let e = one(&rec);
        prop_assert_eq!(&e.original, &rec);
        prop_assert_eq!(e.timestamp, ts);
        prop_assert_eq!(get(&e, "rule.id"), Some(json!(id.to_string())));
        prop_assert_eq!(get(&e, "rule.name"), Some(json!(desc)));
        prop_assert_eq!(get(&e, "event.severity"), Some(json!(level)));
        prop_assert_eq!(get(&e, "host.name"), Some(json!(agent)));
        prop_assert_eq!(get(&e, "host.ip"), Some(json!(ip)));
        prop_assert_eq!(get(&e, "wazuh.agent.id"), Some(json!(agent_id)));
        prop_assert_eq!(get(&e, "source.ip"), Some(json!(srcip.to_string())));
        prop_assert_eq!(get(&e, "source.port"), Some(json!(port)));
        prop_assert_eq!(get(&e, "user.name"), Some(json!(user)));
        prop_assert_eq!(get(&e, "threat.technique.id"), Some(json!([tech])));
        prop_assert_eq!(get(&e, "threat.tactic.name"), Some(json!([tactic])));
        prop_assert_eq!(get(&e, "message"), (!full.is_empty()).then(|| json!(full)));
        prop_assert_eq!(get(&e, "log.file.path"), Some(json!(path)));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&Wazuh, &s);
        for e in &r.events {
            prop_assert_eq!(&e.original, &s);
        }
    }

    #[test]
    fn arbitrary_alert_shapes_never_panic(
        vals in prop::collection::vec("[1-9][0-9]{0,3}|\"[a-zA-Z:/ ]{0,8}\"|true|null|\\[\\]|\\{\\}|\\[\"x\"\\]", 10),
    ) {
        let rec = format!(
            "{{\"timestamp\":\"2022-05-11T12:29:19.905+0000\",\"rule\":{{\"id\":{},\"level\":{},\"groups\":{},\"mitre\":{{\"id\":{}}}}},\"agent\":{{\"ip\":{},\"id\":{}}},\"data\":{{\"srcip\":{},\"srcport\":{}}},\"full_log\":{},\"location\":{}}}",
            vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7], vals[8], vals[9]
        );
        let r = run(&Wazuh, &rec);
        prop_assert!(r.result.is_ok(), "{:?}", r.result);
        for e in &r.events {
            prop_assert_eq!(&e.original, &rec);
        }
    }
}
