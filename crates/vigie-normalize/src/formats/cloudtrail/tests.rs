//! Unit and property tests of the CloudTrail normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{ecs, Event};

use super::CloudTrail;
use crate::{NormalizeError, Normalizer};

use crate::formats::test_support::Run;

fn run(record: &str) -> Run {
    crate::formats::test_support::run(&CloudTrail, record)
}

fn one(record: &str) -> Event {
    let r = run(record);
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.events.len(), 1, "{:?}", r.item_errors);
    r.events.into_iter().next().unwrap()
}

fn get<'e>(ev: &'e Event, key: &str) -> Option<&'e Value> {
    ev.fields.get(key)
}

const API_CALL: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDA1","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","accessKeyId":"AKIA1","userName":"bob"},"eventTime":"2023-05-01T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.0","requestParameters":{"userName":"mallory","tags":[]},"responseElements":{"user":{"userName":"mallory","userId":"AIDA2","arn":"arn:aws:iam::111122223333:user/mallory","tags":null}},"requestID":"r-1","eventID":"e-1","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}}"#;

#[test]
fn maps_an_api_call() {
    let ev = one(API_CALL);
    assert_eq!(ev.timestamp.to_rfc3339(), "2023-05-01T10:00:00.000Z");
    assert_eq!(ev.original, API_CALL);
    let s = |k| get(&ev, k).and_then(Value::as_str);
    assert_eq!(s(ecs::EVENT_ACTION), Some("CreateUser"));
    assert_eq!(s(ecs::EVENT_PROVIDER), Some("iam.amazonaws.com"));
    assert_eq!(s(ecs::EVENT_OUTCOME), Some("success"));
    assert_eq!(s(ecs::USER_NAME), Some("bob"));
    assert_eq!(s(ecs::USER_ID), Some("AIDA1"));
    assert_eq!(s(ecs::USER_TARGET_NAME), Some("mallory"));
    assert_eq!(s(ecs::USER_TARGET_ID), Some("AIDA2"));
    assert_eq!(s(ecs::SOURCE_IP), Some("198.51.100.7"));
    assert_eq!(s(ecs::CLOUD_ACCOUNT_ID), Some("111122223333"));
    assert_eq!(s(ecs::TLS_VERSION), Some("1.2"));
    assert_eq!(s(ecs::TLS_VERSION_PROTOCOL), Some("tls"));
    assert_eq!(get(&ev, ecs::EVENT_CATEGORY), Some(&json!(["iam"])));
    assert_eq!(
        get(&ev, ecs::EVENT_TYPE),
        Some(&json!(["user", "creation"]))
    );
    assert_eq!(
        get(&ev, ecs::RELATED_USER),
        Some(&json!(["bob", "mallory"]))
    );
    assert_eq!(get(&ev, "aws.cloudtrail.read_only"), Some(&json!(false)));
    assert_eq!(
        get(&ev, "aws.cloudtrail.management_event"),
        Some(&json!(true))
    );
    // requestParameters is kept as its JSON text only; the response also
    // has a flattened copy, without its empty values.
    assert_eq!(
        s("aws.cloudtrail.request_parameters"),
        Some(r#"{"userName":"mallory","tags":[]}"#)
    );
    assert_eq!(
        get(&ev, "aws.cloudtrail.flattened.request_parameters"),
        None
    );
    assert_eq!(
        get(&ev, "aws.cloudtrail.flattened.response_elements"),
        Some(
            &json!({"user": {"userName": "mallory", "userId": "AIDA2", "arn": "arn:aws:iam::111122223333:user/mallory"}})
        )
    );
}

#[test]
fn error_code_means_failure_and_console_login_uses_its_response() {
    let failed = API_CALL.replace(
        r#""requestID""#,
        r#""errorCode":"AccessDenied","requestID""#,
    );
    let ev = one(&failed);
    assert_eq!(get(&ev, ecs::EVENT_OUTCOME), Some(&json!("failure")));
    assert_eq!(
        get(&ev, "aws.cloudtrail.error_code"),
        Some(&json!("AccessDenied"))
    );

    let login = r#"{"eventVersion":"1.05","eventTime":"2014-07-16T15:49:27Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"Yes","MobileVersion":"No"}}"#;
    let ev = one(login);
    assert_eq!(get(&ev, ecs::EVENT_OUTCOME), Some(&json!("success")));
    assert_eq!(
        get(&ev, ecs::EVENT_CATEGORY),
        Some(&json!(["authentication"]))
    );
    assert_eq!(
        get(
            &ev,
            "aws.cloudtrail.console_login.additional_eventdata.mfa_used"
        ),
        Some(&json!(true))
    );
    assert_eq!(
        get(
            &ev,
            "aws.cloudtrail.console_login.additional_eventdata.mobile_version"
        ),
        Some(&json!(false))
    );
}

#[test]
fn service_name_source_is_an_address_not_an_ip() {
    let rec = API_CALL.replace("198.51.100.7", "ec2.amazonaws.com");
    let ev = one(&rec);
    assert_eq!(
        get(&ev, ecs::SOURCE_ADDRESS),
        Some(&json!("ec2.amazonaws.com"))
    );
    assert_eq!(
        get(&ev, ecs::SOURCE_DOMAIN),
        Some(&json!("ec2.amazonaws.com"))
    );
    assert_eq!(get(&ev, ecs::SOURCE_IP), None);
    assert_eq!(get(&ev, ecs::RELATED_IP), None);

    let internal = API_CALL.replace("198.51.100.7", "AWS Internal");
    let ev = one(&internal);
    assert_eq!(get(&ev, ecs::SOURCE_ADDRESS), Some(&json!("AWS Internal")));
    assert_eq!(get(&ev, ecs::SOURCE_DOMAIN), None);
}

#[test]
fn records_wrapper_keeps_each_original_and_rejects_bad_items_alone() {
    let wrapper = format!("{{\"Records\": [{API_CALL}, \"oops\", {API_CALL}, {{\"foo\":1}}]}}");
    let r = run(&wrapper);
    assert!(r.result.is_ok());
    assert_eq!(r.events.len(), 2);
    assert!(r.events.iter().all(|e| e.original == API_CALL));
    let items: Vec<usize> = r.item_errors.iter().map(|(i, _)| *i).collect();
    assert_eq!(items, [1, 3]);
    assert!(matches!(
        r.item_errors[1].1,
        NormalizeError::WrongFormat { .. }
    ));

    let empty = run(r#"{"Records":[]}"#);
    assert!(empty.events.is_empty() && empty.skipped.is_some());
}

#[test]
fn eventbridge_envelope_is_unwrapped() {
    let envelope = format!(
        r#"{{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"111122223333","time":"2023-05-01T10:00:01Z","region":"us-east-1","resources":["arn:a"],"detail":{API_CALL}}}"#
    );
    assert!(CloudTrail.sniff(&envelope));
    let ev = one(&envelope);
    assert_eq!(ev.original, envelope);
    assert_eq!(get(&ev, ecs::EVENT_ACTION), Some(&json!("CreateUser")));
    assert_eq!(ev.timestamp.to_rfc3339(), "2023-05-01T10:00:00.000Z");
}

#[test]
fn cloudwatch_logs_payload_is_unwrapped() {
    let payload = json!({
        "messageType": "DATA_MESSAGE",
        "logEvents": [{"id": "1", "timestamp": 1, "message": API_CALL}, {"id": "2"}]
    })
    .to_string();
    assert!(CloudTrail.sniff(&payload));
    let r = run(&payload);
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].original, API_CALL);
    assert_eq!(r.item_errors.len(), 1);
}

#[test]
fn digest_files_are_skipped() {
    let digest = r#"{"awsAccountId":"111122223333","digestStartTime":"2023-05-01T10:00:00Z","digestEndTime":"2023-05-01T11:00:00Z","digestS3Bucket":"b","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2023/05/01/x.json.gz","logFiles":[]}"#;
    assert!(CloudTrail.sniff(digest));
    let r = run(digest);
    assert!(r.result.is_ok() && r.events.is_empty());
    assert_eq!(r.skipped, Some("cloudtrail digest file"));
}

#[test]
fn logstash_timestamp_is_the_fallback_time() {
    let rec = r#"{"@version":"1","@timestamp":"2020-09-14T00:44:23.000Z","eventVersion":"1.05","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","sourceIPAddress":"1.2.3.4"}"#;
    let ev = one(rec);
    assert_eq!(ev.timestamp.to_rfc3339(), "2020-09-14T00:44:23.000Z");
    let missing = run(r#"{"eventVersion":"1.05","eventName":"X"}"#);
    assert_eq!(
        missing.result,
        Err(NormalizeError::MissingField("eventTime"))
    );
    let bad = run(r#"{"eventVersion":"1.05","eventName":"X","eventTime":"yesterday"}"#);
    assert!(
        matches!(bad.result, Err(NormalizeError::InvalidField { ref field, .. }) if field == "eventTime")
    );
}

#[test]
fn odd_scalar_types_do_not_cost_the_record() {
    let rec = r#"{"eventVersion":1.05,"eventTime":"2023-05-01T10:00:00Z","eventName":{"nested":true},"eventSource":"x.amazonaws.com","readOnly":"true","userIdentity":{"type":"Root","accountId":111122223333}}"#;
    let ev = one(rec);
    assert_eq!(
        get(&ev, "aws.cloudtrail.event_version"),
        Some(&json!("1.05"))
    );
    assert_eq!(get(&ev, ecs::EVENT_ACTION), None);
    assert_eq!(
        get(&ev, ecs::CLOUD_ACCOUNT_ID),
        Some(&json!("111122223333"))
    );
    assert_eq!(get(&ev, "aws.cloudtrail.read_only"), Some(&json!(true)));
}

#[test]
fn sniff_is_specific() {
    assert!(CloudTrail.sniff(API_CALL));
    assert!(CloudTrail.sniff(&format!("{{\"Records\":[{API_CALL}]}}")));
    assert!(!CloudTrail
        .sniff(r#"{"schemaVersion":"2.0","arn":"arn:aws:guardduty:us-east-1:1:detector/x"}"#));
    assert!(!CloudTrail.sniff(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1"}"#));
    assert!(!CloudTrail.sniff("2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"));
    assert!(!CloudTrail.sniff(r#"{"eventVersion":"1"}"#));
}

fn record_for(user: &str, action: &str, ip: &str, region: &str) -> String {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDA", "userName": user},
        "eventTime": "2023-01-02T03:04:05Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": action,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "eventID": "id-1"
    })
    .to_string()
}

proptest! {
    #[test]
    fn generated_records_map_to_their_fields(
        user in "[^\u{0}]{1,24}",
        action in "[A-Za-z]{1,30}",
        ip in any::<[u8; 4]>().prop_map(|b| std::net::Ipv4Addr::from(b).to_string()),
        region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
    ) {
        let rec = record_for(&user, &action, &ip, &region);
        let r = run(&rec);
        prop_assert!(r.result.is_ok(), "{:?}", r.result);
        prop_assert_eq!(r.events.len(), 1);
        let ev = &r.events[0];
        prop_assert_eq!(&ev.original, &rec);
        prop_assert_eq!(ev.fields.get_str(ecs::USER_NAME), Some(user.as_str()));
        prop_assert_eq!(ev.fields.get(ecs::RELATED_USER), Some(&json!([user])));
        prop_assert_eq!(ev.fields.get_str(ecs::EVENT_ACTION), Some(action.as_str()));
        prop_assert_eq!(ev.fields.get_str(ecs::SOURCE_IP), Some(ip.as_str()));
        prop_assert_eq!(ev.fields.get_str(ecs::SOURCE_ADDRESS), Some(ip.as_str()));
        prop_assert_eq!(ev.fields.get_str(ecs::CLOUD_REGION), Some(region.as_str()));
    }

    #[test]
    fn records_wrapper_keeps_every_element_verbatim(n in 1usize..5, user in "[a-z]{1,8}") {
        let items: Vec<String> = (0..n).map(|i| record_for(&format!("{user}{i}"), "Run", "10.0.0.1", "eu-west-1")).collect();
        let wrapper = format!("{{\"Records\":[{}]}}", items.join(" ,\n"));
        let r = run(&wrapper);
        prop_assert_eq!(r.events.len(), n);
        for (ev, item) in r.events.iter().zip(&items) {
            prop_assert_eq!(&ev.original, item);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = CloudTrail.sniff(&s);
        let r = run(&s);
        for ev in &r.events {
            prop_assert_eq!(&ev.original, &s);
        }
        let wrapped = format!("{{\"Records\":[{s}]}}");
        let _ = run(&wrapped);
        let json_like = format!("{{\"eventVersion\":\"1\",\"eventTime\":{s}}}");
        let _ = run(&json_like);
    }
}
