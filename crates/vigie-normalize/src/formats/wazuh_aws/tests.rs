//! Unit tests of `wazuh.aws`: each source shape, the time parser, errors,
//! and properties over generated records and arbitrary input.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::s3::parse_clf_time;
use super::*;
use crate::formats::test_support::run;

fn one(record: &str) -> Event {
    let r = run(&WazuhAws, record);
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.events.len(), 1);
    r.events.into_iter().next().unwrap()
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

fn s3_record(ip: &str, requester: &str, status: &str, error: &str, key: &str) -> Value {
    json!({"integration": "aws", "aws": {
        "log_info": {"log_file": "access_logs/x", "s3bucket": "logs"},
        "bucket": "b1", "time": "29/Apr/2021:08:47:53 +0200", "remote_ip": ip,
        "requester": requester, "request_id": "R1", "operation": "REST.GET.OBJECT",
        "key": key, "request_uri": "GET /b1/k HTTP/1.1", "http_status": status,
        "error_code": error, "bytes_sent": "12", "total_time": "29", "referer": "-",
        "user_agent": "curl/8", "tls_version": "TLSv1.2", "source": "s3_server_access"}})
}

#[test]
fn maps_an_s3_access_line() {
    let rec = s3_record(
        "10.1.2.3",
        "arn:aws:iam::123456789012:user/dev/alice",
        "403",
        "AccessDenied",
        "k",
    )
    .to_string();
    let e = one(&rec);
    assert_eq!(e.original, rec);
    assert_eq!(
        e.timestamp,
        Timestamp::parse_rfc3339("2021-04-29T06:47:53Z").unwrap()
    );
    assert_eq!(get(&e, "event.provider"), Some(json!("s3_server_access")));
    assert_eq!(get(&e, "event.module"), Some(json!("aws")));
    assert_eq!(get(&e, "source.ip"), Some(json!("10.1.2.3")));
    assert_eq!(get(&e, "related.ip"), Some(json!(["10.1.2.3"])));
    assert_eq!(get(&e, "user.name"), Some(json!("alice")));
    assert_eq!(get(&e, "related.user"), Some(json!(["alice"])));
    assert_eq!(get(&e, "cloud.account.id"), Some(json!("123456789012")));
    assert_eq!(get(&e, "event.action"), Some(json!("REST.GET.OBJECT")));
    assert_eq!(get(&e, "http.response.status_code"), Some(json!(403)));
    assert_eq!(get(&e, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(&e, "error.code"), Some(json!("AccessDenied")));
    assert_eq!(get(&e, "http.request.method"), Some(json!("GET")));
    assert_eq!(get(&e, "url.original"), Some(json!("/b1/k")));
    assert_eq!(get(&e, "aws.s3.object.key"), Some(json!("k")));
    assert_eq!(get(&e, "event.duration"), Some(json!(29_000_000)));
    assert_eq!(get(&e, "tls.version"), Some(json!("1.2")));
    assert_eq!(get(&e, "http.request.referrer"), None);
}

#[test]
fn dashes_are_absent_and_service_requesters_have_no_user_name() {
    let rec = s3_record("-", "svc:s3.amazonaws.com", "200", "-", "-").to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "source.ip"), None);
    assert_eq!(get(&e, "user.name"), None);
    assert_eq!(get(&e, "user.id"), Some(json!("svc:s3.amazonaws.com")));
    assert_eq!(get(&e, "aws.s3.object.key"), None);
    assert_eq!(get(&e, "error.code"), None);
    assert_eq!(get(&e, "event.outcome"), Some(json!("success")));
}

#[test]
fn maps_a_security_hub_finding() {
    let rec = json!({"integration": "aws", "aws": {"source": "securityhub", "finding": {
        "Title": "T", "Description": "D", "Id": "F1", "AwsAccountId": "123",
        "Region": "eu-west-1", "UpdatedAt": "2024-05-01T22:11:50.865Z",
        "CreatedAt": "2024-01-22T09:54:13.094Z",
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "Severity": {"Label": "HIGH"}, "Compliance": {"Status": "FAILED"},
        "Network": {"Direction": "IN", "Protocol": "TCP", "SourceIpV4": "1.2.3.4",
                    "SourcePort": 4444, "DestinationIpV4": "10.0.0.1", "DestinationPort": 22},
        "Resources": [{"Type": "AwsIamUser", "Id": "arn:aws:iam::123:user/bob"}]}}})
    .to_string();
    let e = one(&rec);
    assert_eq!(
        e.timestamp,
        Timestamp::parse_rfc3339("2024-05-01T22:11:50.865Z").unwrap()
    );
    assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
    assert_eq!(get(&e, "event.category"), Some(json!(["configuration"])));
    assert_eq!(get(&e, "message"), Some(json!("T")));
    assert_eq!(get(&e, "event.severity"), Some(json!(70)));
    assert_eq!(
        get(&e, "aws.securityhub_findings.severity.label"),
        Some(json!("HIGH"))
    );
    assert_eq!(get(&e, "source.ip"), Some(json!("1.2.3.4")));
    assert_eq!(get(&e, "destination.port"), Some(json!(22)));
    assert_eq!(get(&e, "network.direction"), Some(json!("ingress")));
    assert_eq!(get(&e, "user.name"), Some(json!("bob")));
    assert_eq!(get(&e, "cloud.region"), Some(json!("eu-west-1")));
}

#[test]
fn maps_cloudtrail_keys_of_other_sources() {
    let rec = json!({"integration": "aws", "aws": {"source": "cloudtrail",
        "eventTime": "2024-01-01T00:00:00Z", "eventName": "ConsoleLogin",
        "sourceIPAddress": "8.8.8.8", "errorCode": "Denied",
        "userIdentity": {"arn": "arn:aws:iam::1:user/carol"}}})
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "event.provider"), Some(json!("cloudtrail")));
    assert_eq!(get(&e, "event.action"), Some(json!("ConsoleLogin")));
    assert_eq!(get(&e, "source.ip"), Some(json!("8.8.8.8")));
    assert_eq!(get(&e, "user.name"), Some(json!("carol")));
    assert_eq!(get(&e, "event.outcome"), Some(json!("failure")));
}

#[test]
fn errors_name_the_field() {
    let bad = |rec: Value| {
        run(&WazuhAws, &rec.to_string())
            .result
            .unwrap_err()
            .to_string()
    };
    assert!(bad(json!({"integration": "gcp", "aws": {}})).contains("integration"));
    assert!(bad(json!({"integration": "aws"})).contains("aws"));
    let mut rec = s3_record("1.1.1.1", "-", "200", "-", "-");
    rec["aws"]["time"] = json!("yesterday");
    assert!(bad(rec).contains("aws.time"));
    assert!(
        bad(json!({"integration": "aws", "aws": {"source": "securityhub"}}))
            .contains("aws.finding")
    );
    assert!(bad(json!({"integration": "aws", "aws": {"source": "macie"}})).contains("eventTime"));
}

#[test]
fn clf_time_zones() {
    let t = |s| parse_clf_time(s).map(Timestamp::to_rfc3339);
    assert_eq!(
        t("01/Jan/2024:00:30:00 -0130").as_deref(),
        Some("2024-01-01T02:00:00.000Z")
    );
    assert_eq!(t("31/Feb/2024:00:00:00 +0000"), None);
    assert_eq!(t("01/Foo/2024:00:00:00 +0000"), None);
    assert_eq!(t("01/Jan/2024:00:00:00"), None);
}

#[test]
fn sniffs_only_the_aws_integration() {
    assert!(WazuhAws.sniff(r#"{"integration": "aws", "aws": {}}"#));
    assert!(!WazuhAws.sniff(r#"{"integration": "gcp", "gcp": {}}"#));
    assert!(!WazuhAws.sniff(r#"{"aws": {}}"#));
}

proptest! {
    #[test]
    fn generated_s3_records_map_their_values(
        a in 1u8..=254, b in 0u8..=255, user in "[a-z][a-z0-9._-]{0,15}",
        account in "[0-9]{12}", status in 100u16..600, op in "[A-Z.]{1,20}",
        day in 1u32..=28, hour in 0u32..24, min in 0u32..60,
    ) {
        let ip = format!("{a}.{b}.0.1");
        let requester = format!("arn:aws:iam::{account}:user/{user}");
        let mut rec = s3_record(&ip, &requester, &status.to_string(), "-", "-");
        rec["aws"]["operation"] = json!(op);
        rec["aws"]["time"] = json!(format!("{day:02}/Mar/2023:{hour:02}:{min:02}:07 +0000"));
        let text = rec.to_string();
        let e = one(&text);
        prop_assert_eq!(&e.original, &text);
        prop_assert_eq!(get(&e, "source.ip"), Some(json!(ip)));
        prop_assert_eq!(get(&e, "user.name"), Some(json!(user)));
        prop_assert_eq!(get(&e, "cloud.account.id"), Some(json!(account)));
        prop_assert_eq!(get(&e, "http.response.status_code"), Some(json!(status)));
        prop_assert_eq!(get(&e, "event.action"), Some(json!(op)));
        let outcome = if status >= 400 { "failure" } else { "success" };
        prop_assert_eq!(get(&e, "event.outcome"), Some(json!(outcome)));
        let ts = Timestamp::from_civil(2023, 3, day, hour, min, 7, 0).unwrap();
        prop_assert_eq!(e.timestamp, ts);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&WazuhAws, &s);
        for e in &r.events {
            prop_assert_eq!(&e.original, &s);
        }
    }

    #[test]
    fn arbitrary_aws_objects_never_panic(
        source in prop::sample::select(vec!["s3_server_access", "securityhub", "guardduty", "x"]),
        vals in prop::collection::btree_map(
            prop::sample::select(vec!["time", "remote_ip", "requester", "http_status",
                "finding", "eventTime", "Resources", "Network", "start", "srcaddr"]),
            prop_oneof![Just(json!(null)), any::<i64>().prop_map(|n| json!(n)),
                "\\PC{0,30}".prop_map(|s| json!(s)), Just(json!({"UpdatedAt": 1})),
                Just(json!([{"Type": "AwsIamUser", "Id": 3}]))],
            0..6),
    ) {
        let mut aws = serde_json::Map::new();
        aws.insert("source".into(), json!(source));
        for (k, v) in vals {
            aws.insert(k.into(), v);
        }
        let text = json!({"integration": "aws", "aws": aws}).to_string();
        let r = run(&WazuhAws, &text);
        for e in &r.events {
            prop_assert_eq!(&e.original, &text);
        }
    }
}
