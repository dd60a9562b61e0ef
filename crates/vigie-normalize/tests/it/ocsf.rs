//! `ocsf` against the Amazon Security Lake lines of Wazuh's rule tests
//! (OCSF 0.26 Cloud API and DNS Activity, OCSF 0.39 Network Activity; some
//! lines hold several concatenated records): every line normalizes, and
//! the time, user, endpoints and API fields equal the raw record's.

use serde_json::value::RawValue;
use serde_json::Value;
use vigie_normalize::Timestamp;

use crate::common::{self, field, normalize_bytes};

fn s(v: &Value) -> Option<Value> {
    v.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_owned()))
}

#[test]
fn wazuh_security_lake_lines() {
    let text = String::from_utf8(common::read(
        "wazuh/ruleset-testing-tests/amazon_sec_lake.ini",
    ))
    .unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(" pass = ").map(|(_, j)| j.trim()))
        .collect();
    assert_eq!(lines.len(), 20);
    let (mut records, mut users, mut ips) = (0, 0, 0);
    for line in &lines {
        let raws: Vec<&RawValue> = serde_json::Deserializer::from_str(line)
            .into_iter::<&RawValue>()
            .collect::<Result<_, _>>()
            .unwrap();
        for dataset in [Some("ocsf"), None] {
            let out = normalize_bytes(dataset, line.as_bytes());
            assert!(out.rejected.is_empty(), "{line}: {:?}", out.rejected);
            assert_eq!(out.events.len(), raws.len(), "{line}");
            for (ev, raw) in out.events.iter().zip(&raws) {
                assert_eq!(ev.dataset(), "ocsf");
                assert_eq!(ev.original, raw.get());
                let r: Value = serde_json::from_str(raw.get()).unwrap();
                let ts = Timestamp::from_millis(r["time"].as_i64().unwrap()).unwrap();
                assert_eq!(ev.timestamp, ts);
                assert_eq!(field(ev, "ocsf.class_uid").as_ref(), Some(&r["class_uid"]));
                assert_eq!(field(ev, "ocsf.class_name"), s(&r["class_name"]));
                let user = if r["actor"]["user"].is_object() {
                    &r["actor"]["user"]
                } else {
                    &r["identity"]["user"]
                };
                assert_eq!(field(ev, "user.name"), s(&user["name"]), "{raw}");
                assert_eq!(field(ev, "user.id"), s(&user["uid"]));
                if let Some(name) = s(&user["name"]) {
                    assert_eq!(field(ev, "related.user"), Some(Value::Array(vec![name])));
                }
                assert_eq!(field(ev, "source.ip"), s(&r["src_endpoint"]["ip"]), "{raw}");
                assert_eq!(field(ev, "destination.ip"), s(&r["dst_endpoint"]["ip"]));
                for (side, ep) in [("source", "src_endpoint"), ("destination", "dst_endpoint")] {
                    let port = r[ep]["port"].as_i64().map(Value::from);
                    assert_eq!(field(ev, &format!("{side}.port")), port);
                }
                assert_eq!(field(ev, "cloud.region"), s(&r["cloud"]["region"]));
                let provider = r["cloud"]["provider"].as_str().map(|p| p.to_lowercase());
                assert_eq!(field(ev, "cloud.provider"), provider.map(Value::from));
                if r["api"].is_object() {
                    assert_eq!(field(ev, "event.action"), s(&r["api"]["operation"]));
                    assert_eq!(field(ev, "event.provider"), s(&r["api"]["service"]["name"]));
                    let error = s(&r["api"]["response"]["error"]);
                    let outcome = if error.is_some() {
                        "failure"
                    } else {
                        "success"
                    };
                    assert_eq!(field(ev, "event.outcome").unwrap(), outcome);
                    assert_eq!(field(ev, "error.code"), error);
                    assert_eq!(
                        field(ev, "user_agent.original"),
                        s(&r["http_request"]["user_agent"])
                    );
                    assert_eq!(field(ev, "cloud.account.id"), s(&user["account_uid"]));
                }
                if r["query"].is_object() {
                    let host = r["query"]["hostname"].as_str().unwrap();
                    assert_eq!(
                        field(ev, "dns.question.name").unwrap(),
                        host.trim_end_matches('.')
                    );
                }
                if dataset.is_some() {
                    records += 1;
                    users += usize::from(s(&user["name"]).is_some());
                    ips += usize::from(s(&r["src_endpoint"]["ip"]).is_some());
                }
            }
        }
    }
    assert_eq!(records, 28, "records in the 20 lines");
    assert!(users > 0 && ips > 0);
}

#[test]
fn prowler_ocsf_findings() {
    for cloud in ["aws", "azure", "gcp", "kubernetes"] {
        let rel = format!("prowler/examples/example_output_{cloud}.ocsf.json");
        let raw: Vec<Value> = serde_json::from_slice(&common::read(&rel)).unwrap();
        for dataset in [Some("ocsf"), None] {
            let out = common::normalize_file(dataset, &rel);
            assert!(out.rejected.is_empty(), "{rel}: {:?}", out.rejected);
            assert_eq!(out.events.len(), raw.len(), "{rel}");
            for (ev, r) in out.events.iter().zip(&raw) {
                assert_eq!(ev.dataset(), "ocsf");
                // Prowler writes `time` in epoch seconds (OCSF says
                // milliseconds); its `time_dt` is local time without offset.
                let secs = r["time"].as_i64().unwrap();
                assert_eq!(ev.timestamp, Timestamp::from_secs(secs).unwrap(), "{rel}");
                assert_eq!(field(ev, "rule.name"), s(&r["finding_info"]["title"]));
                assert_eq!(field(ev, "event.id"), s(&r["finding_info"]["uid"]));
                assert_eq!(field(ev, "message"), s(&r["message"]));
                assert_eq!(field(ev, "rule.id"), s(&r["metadata"]["event_code"]));
                assert_eq!(field(ev, "ocsf.status_code"), s(&r["status_code"]));
                assert_eq!(field(ev, "event.kind").unwrap(), "alert");
                assert_eq!(
                    field(ev, "cloud.account.id"),
                    s(&r["cloud"]["account"]["uid"])
                );
            }
        }
    }
}
