//! Unit tests of `ocsf`: the Cloud API, Network Activity, DNS and finding
//! classes, concatenated records, errors, and properties over generated
//! records and arbitrary input.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::*;
use crate::formats::test_support::run;

fn events(record: &str) -> Vec<Event> {
    let r = run(&Ocsf, record);
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert!(r.item_errors.is_empty(), "{:?}", r.item_errors);
    r.events
}

fn one(record: &str) -> Event {
    let mut evs = events(record);
    assert_eq!(evs.len(), 1);
    evs.remove(0)
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

fn cloud_api(user_key: &str, error: Value) -> Value {
    json!({"metadata": {"product": {"name": "CloudTrail", "vendor_name": "AWS"}, "version": "1.1.0"},
        "time": 1680609784000_i64, "class_uid": 5001, "class_name": "Cloud API",
        "api": {"operation": "GetUser", "service": {"name": "iam.amazonaws.com"},
                "response": {"error": error, "message": "denied"}},
        "src_endpoint": {"ip": "62.117.187.171"},
        user_key: {"user": {"name": "jl", "uid": "AIDA1", "account_uid": "5679", "type": "IAMUser"}},
        "cloud": {"region": "us-east-1", "provider": "AWS"},
        "http_request": {"user_agent": "aws-cli"}, "severity_id": 1,
        "activity_name": "Update", "unmapped": [["readOnly", "true"]]})
}

#[test]
fn maps_a_cloud_api_record_with_identity_or_actor() {
    for key in ["identity", "actor"] {
        let rec = cloud_api(key, json!("AccessDenied")).to_string();
        let e = one(&rec);
        assert_eq!(e.original, rec);
        assert_eq!(e.timestamp, Timestamp::from_millis(1680609784000).unwrap());
        assert_eq!(get(&e, "event.action"), Some(json!("GetUser")));
        assert_eq!(get(&e, "event.provider"), Some(json!("iam.amazonaws.com")));
        assert_eq!(get(&e, "source.ip"), Some(json!("62.117.187.171")));
        assert_eq!(get(&e, "related.ip"), Some(json!(["62.117.187.171"])));
        assert_eq!(get(&e, "user.name"), Some(json!("jl")));
        assert_eq!(get(&e, "related.user"), Some(json!(["jl"])));
        assert_eq!(get(&e, "user.id"), Some(json!("AIDA1")));
        assert_eq!(get(&e, "cloud.account.id"), Some(json!("5679")));
        assert_eq!(get(&e, "cloud.provider"), Some(json!("aws")));
        assert_eq!(get(&e, "event.outcome"), Some(json!("failure")));
        assert_eq!(get(&e, "error.code"), Some(json!("AccessDenied")));
        assert_eq!(get(&e, "error.message"), Some(json!("denied")));
        assert_eq!(get(&e, "user_agent.original"), Some(json!("aws-cli")));
        assert_eq!(get(&e, "event.severity"), Some(json!(1)));
        assert_eq!(get(&e, "ocsf.unmapped"), Some(json!({"readOnly": "true"})));
    }
    let e = one(&cloud_api("actor", Value::Null).to_string());
    assert_eq!(get(&e, "event.outcome"), Some(json!("success")));
    assert_eq!(get(&e, "error.code"), None);
    assert_eq!(get(&e, "error.message"), None);
}

#[test]
fn maps_network_and_dns_activity() {
    let rec = json!({"metadata": {"version": "0.39.0"}, "time": 1680290069000_i64,
        "class_uid": 4001, "src_endpoint": {"ip": "172.31.17.20", "port": 41354},
        "dst_endpoint": {"ip": "44.190.40.123", "port": 123},
        "connection_info": {"protocol_num": 17, "direction": "egress"},
        "traffic": {"packets": 1, "bytes": 76}, "start_time": 1680290069000_i64})
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "destination.ip"), Some(json!("44.190.40.123")));
    assert_eq!(get(&e, "destination.port"), Some(json!(123)));
    assert_eq!(get(&e, "source.port"), Some(json!(41354)));
    assert_eq!(get(&e, "network.transport"), Some(json!("udp")));
    assert_eq!(get(&e, "network.direction"), Some(json!("egress")));
    assert_eq!(get(&e, "network.bytes"), Some(json!(76)));
    assert_eq!(get(&e, "event.category"), Some(json!(["network"])));
    let rec = json!({"metadata": {"version": "0.26.1"}, "time": 1, "class_uid": 4003,
        "query": {"hostname": "example.com.", "type": "A"}, "rcode": "NOERROR",
        "answers": [{"rdata": "1.2.3.4", "type": "A"}], "dst_endpoint": {"instance_uid": null}})
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "dns.question.name"), Some(json!("example.com")));
    assert_eq!(get(&e, "dns.resolved_ip"), Some(json!(["1.2.3.4"])));
    assert_eq!(get(&e, "destination.ip"), None);
}

#[test]
fn maps_a_finding() {
    let rec = json!({"metadata": {"version": "1.4.0", "event_code": "iam_root_mfa"},
        "time": 5, "class_uid": 2004, "status": "Failure",
        "finding_info": {"title": "Root MFA", "desc": "d", "uid": "f-1"}})
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
    assert_eq!(get(&e, "rule.name"), Some(json!("Root MFA")));
    assert_eq!(get(&e, "message"), Some(json!("Root MFA")));
    assert_eq!(get(&e, "rule.id"), Some(json!("iam_root_mfa")));
    assert_eq!(get(&e, "event.id"), Some(json!("f-1")));
    assert_eq!(get(&e, "event.outcome"), Some(json!("failure")));
}

#[test]
fn concatenated_records_become_events_with_their_own_text() {
    let a = cloud_api("identity", Value::Null).to_string();
    let b = json!({"metadata": {"version": "1"}, "time": 7, "class_uid": 4001}).to_string();
    let rec = format!("{a} {b}");
    let evs = events(&rec);
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].original, a);
    assert_eq!(evs[1].original, b);
    // A bad second record is rejected alone.
    let r = run(&Ocsf, &format!("{a} {{\"class_uid\": 1}}"));
    assert!(r.result.is_ok());
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.item_errors.len(), 1);
    assert_eq!(r.item_errors[0].0, 1);
}

#[test]
fn prowler_seconds_are_read_as_seconds() {
    let rec = r#"{"metadata": {"version": "1.4.0"}, "time": 1739539623, "class_uid": 2004,
        "status_code": "FAIL", "resources": [{"uid": "arn:1", "type": "AwsAccount"}]}"#;
    let e = one(rec);
    assert_eq!(e.timestamp, Timestamp::from_secs(1739539623).unwrap());
    assert_eq!(get(&e, "ocsf.status_code"), Some(json!("FAIL")));
    assert_eq!(get(&e, "ocsf.resources.uid"), Some(json!(["arn:1"])));
}

#[test]
fn errors_name_the_field() {
    let err = |s: &str| run(&Ocsf, s).result.unwrap_err().to_string();
    assert!(err(r#"{"metadata": {}, "time": 1}"#).contains("class_uid"));
    assert!(err(r#"{"class_uid": 1}"#).contains("time"));
    assert!(err(r#"{"class_uid": 1, "time": "noon"}"#).contains("time"));
    assert!(err(r#"[1]"#).contains("object"));
    assert!(err("{").contains("JSON"));
}

#[test]
fn sniff_needs_class_metadata_and_time() {
    assert!(Ocsf.sniff(r#"{"metadata": {"version": "1"}, "time": 1, "class_uid": 1}"#));
    assert!(!Ocsf.sniff(r#"{"metadata": {"version": "1"}, "time": 1}"#));
    assert!(!Ocsf.sniff(r#"{"class_uid": 1, "time": 1}"#));
}

proptest! {
    #[test]
    fn generated_records_map_their_values(
        time in 100_000_000_000i64..4_102_444_800_000, user in "[a-z][a-z0-9.]{0,12}",
        a in 1u8..=254, port in 0u16..=65535, op in "[A-Za-z]{1,20}",
        error in prop::option::of("[A-Za-z]{1,12}"), actor in any::<bool>(),
    ) {
        let ip = format!("{a}.0.0.9");
        let user_key = if actor { "actor" } else { "identity" };
        let mut rec = cloud_api(user_key, json!(error));
        rec["time"] = json!(time);
        rec[user_key]["user"]["name"] = json!(user);
        rec["src_endpoint"] = json!({"ip": ip, "port": port});
        rec["api"]["operation"] = json!(op);
        let text = rec.to_string();
        let e = one(&text);
        prop_assert_eq!(&e.original, &text);
        prop_assert_eq!(e.timestamp, Timestamp::from_millis(time).unwrap());
        prop_assert_eq!(get(&e, "user.name"), Some(json!(user)));
        prop_assert_eq!(get(&e, "source.ip"), Some(json!(ip)));
        prop_assert_eq!(get(&e, "source.port"), Some(json!(port)));
        prop_assert_eq!(get(&e, "event.action"), Some(json!(op)));
        let outcome = if error.is_some() { "failure" } else { "success" };
        prop_assert_eq!(get(&e, "event.outcome"), Some(json!(outcome)));
        prop_assert_eq!(get(&e, "error.code"), error.map(|e| json!(e)));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&Ocsf, &s);
        for e in &r.events {
            prop_assert!(s.contains(&e.original));
        }
    }

    #[test]
    fn arbitrary_values_never_panic(
        vals in prop::collection::btree_map(
            prop::sample::select(vec!["time", "class_uid", "api", "actor", "identity",
                "src_endpoint", "dst_endpoint", "cloud", "query", "answers", "unmapped",
                "connection_info", "finding_info", "start_time"]),
            prop_oneof![Just(json!(null)), any::<i64>().prop_map(|n| json!(n)),
                "\\PC{0,20}".prop_map(|s| json!(s)), Just(json!({"user": 1, "ip": 2})),
                Just(json!([[1, 2], ["k"], {"rdata": 5}]))],
            0..8),
    ) {
        let mut m = serde_json::Map::new();
        m.insert("time".into(), json!(1));
        m.insert("class_uid".into(), json!(4001));
        for (k, v) in vals {
            m.insert(k.into(), v);
        }
        let text = Value::Object(m).to_string();
        let r = run(&Ocsf, &text);
        for e in &r.events {
            prop_assert_eq!(&e.original, &text);
        }
    }
}
