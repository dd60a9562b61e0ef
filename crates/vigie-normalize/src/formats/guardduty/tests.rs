//! Unit and property tests of the GuardDuty normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{ecs, Event};

use super::map::severity_label;
use super::GuardDuty;
use crate::{NormalizeError, Normalizer};

use crate::formats::test_support::Run;

fn run(record: &str) -> Run {
    crate::formats::test_support::run(&GuardDuty, record)
}

fn finding(severity: f64, action: Value) -> Value {
    json!({
        "schemaVersion": "2.0", "accountId": "111122223333", "region": "eu-west-1",
        "id": "f-1", "arn": "arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/f-1",
        "type": "Recon:EC2/PortProbeUnprotectedPort",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-1", "instanceType": "t3.micro",
            "networkInterfaces": [{"privateIpAddress": "10.0.0.5", "publicIp": "203.0.113.5"}]}},
        "service": {"serviceName": "guardduty", "action": action, "count": 3, "archived": false,
            "eventFirstSeen": "2024-01-01T00:00:00Z", "eventLastSeen": "2024-01-02T00:00:00Z"},
        "severity": severity, "createdAt": "2024-01-01T00:00:01Z", "updatedAt": "2024-01-02T00:00:01.5Z",
        "title": "t", "description": "d"
    })
}

fn s<'e>(ev: &'e Event, k: &str) -> Option<&'e str> {
    ev.fields.get_str(k)
}

#[test]
fn maps_a_port_probe() {
    let action = json!({"actionType": "PORT_PROBE", "portProbeAction": {"blocked": false, "portProbeDetails": [
        {"localPortDetails": {"port": 22}, "localIpDetails": {"ipAddressV4": "10.0.0.5"},
         "remoteIpDetails": {"ipAddressV4": "198.51.100.9", "organization": {"asn": "64500", "asnOrg": "Ex"}}},
        {"localPortDetails": {"port": 23}, "remoteIpDetails": {"ipAddressV4": "198.51.100.10"}}]}});
    let rec = finding(2.0, action).to_string();
    assert!(GuardDuty.sniff(&rec));
    let r = run(&rec);
    assert!(r.result.is_ok(), "{:?}", r.result);
    let ev = &r.events[0];
    assert_eq!(ev.original, rec);
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-01-02T00:00:01.500Z");
    assert_eq!(s(ev, ecs::EVENT_KIND), Some("alert"));
    assert_eq!(s(ev, ecs::EVENT_ID), Some("f-1"));
    assert_eq!(
        s(ev, ecs::RULE_NAME),
        Some("Recon:EC2/PortProbeUnprotectedPort")
    );
    assert_eq!(s(ev, ecs::RULE_CATEGORY), Some("Recon"));
    assert_eq!(s(ev, ecs::RULE_RULESET), Some("Recon:EC2"));
    assert_eq!(s(ev, "aws.guardduty.severity_label"), Some("Low"));
    assert_eq!(s(ev, ecs::SOURCE_IP), Some("198.51.100.9"));
    assert_eq!(ev.fields.get(ecs::SOURCE_AS_NUMBER), Some(&json!(64500)));
    assert_eq!(s(ev, ecs::DESTINATION_IP), Some("10.0.0.5"));
    assert_eq!(ev.fields.get(ecs::DESTINATION_PORT), Some(&json!(22)));
    assert_eq!(s(ev, ecs::CLOUD_INSTANCE_ID), Some("i-1"));
    assert_eq!(
        ev.fields.get(ecs::RELATED_IP),
        Some(&json!([
            "198.51.100.9",
            "10.0.0.5",
            "198.51.100.10",
            "203.0.113.5"
        ]))
    );
}

#[test]
fn network_connection_direction_picks_the_sides() {
    let action = json!({"actionType": "NETWORK_CONNECTION", "networkConnectionAction": {
        "connectionDirection": "OUTBOUND", "protocol": "TCP", "blocked": true,
        "localIpDetails": {"ipAddressV4": "10.0.0.5"}, "localPortDetails": {"port": 40000},
        "remoteIpDetails": {"ipAddressV4": "203.0.113.80"}, "remotePortDetails": {"port": 443}}});
    let ev = &run(&finding(8.0, action).to_string()).events[0];
    assert_eq!(s(ev, ecs::SOURCE_IP), Some("10.0.0.5"));
    assert_eq!(ev.fields.get(ecs::SOURCE_PORT), Some(&json!(40000)));
    assert_eq!(s(ev, ecs::DESTINATION_IP), Some("203.0.113.80"));
    assert_eq!(ev.fields.get(ecs::DESTINATION_PORT), Some(&json!(443)));
    assert_eq!(s(ev, ecs::NETWORK_DIRECTION), Some("outbound"));
    assert_eq!(s(ev, ecs::NETWORK_TRANSPORT), Some("tcp"));
    assert_eq!(s(ev, "aws.guardduty.severity_label"), Some("High"));
    assert_eq!(
        ev.fields.get("aws.guardduty.service.action.blocked"),
        Some(&json!(true))
    );
}

#[test]
fn wrappers() {
    let f = finding(
        5.0,
        json!({"actionType": "DNS_REQUEST", "dnsRequestAction": {"domain": "evil.example", "protocol": "UDP"}}),
    );
    let envelope =
        json!({"version": "0", "detail-type": "GuardDuty Finding", "source": "aws.guardduty",
        "time": "2024-01-02T00:00:02Z", "detail": f})
        .to_string();
    assert!(GuardDuty.sniff(&envelope));
    let r = run(&envelope);
    assert_eq!(r.events[0].original, envelope);
    assert_eq!(
        s(&r.events[0], ecs::DNS_QUESTION_NAME),
        Some("evil.example")
    );

    let text = f.to_string();
    let api = format!("{{\"findings\": [{text}, 7, {text}]}}");
    assert!(GuardDuty.sniff(&api));
    let r = run(&api);
    assert_eq!(r.events.len(), 2);
    assert!(r.events.iter().all(|e| e.original == text));
    assert_eq!(r.item_errors.len(), 1);
    assert_eq!(r.item_errors[0].0, 1);

    let empty = run("{ \"findings\" : [ ] }");
    assert!(GuardDuty.sniff("{ \"findings\" : [ ] }"));
    assert!(empty.events.is_empty() && empty.skipped.is_some() && empty.result.is_ok());
}

#[test]
fn time_fallbacks_and_errors() {
    let mut f = finding(5.0, json!({}));
    f.as_object_mut().unwrap().remove("updatedAt");
    let ev = &run(&f.to_string()).events[0];
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-01-02T00:00:00.000Z");
    f["service"]
        .as_object_mut()
        .unwrap()
        .remove("eventLastSeen");
    let ev = &run(&f.to_string()).events[0];
    assert_eq!(ev.timestamp.to_rfc3339(), "2024-01-01T00:00:01.000Z");
    f.as_object_mut().unwrap().remove("createdAt");
    assert_eq!(
        run(&f.to_string()).result,
        Err(NormalizeError::MissingField("updatedAt"))
    );
    assert!(run("[1]").result.is_err());
}

#[test]
fn sniff_is_specific() {
    assert!(!GuardDuty.sniff(r#"{"eventVersion":"1.08","eventSource":"guardduty.amazonaws.com"}"#));
    assert!(!GuardDuty.sniff(r#"{"findings":[{"id":1}]}"#));
    assert!(!GuardDuty.sniff("2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"));
}

proptest! {
    #[test]
    fn generated_findings_map_to_their_fields(
        sev in (0u32..100).prop_map(|x| f64::from(x) / 10.0),
        ip in any::<[u8; 4]>().prop_map(|b| std::net::Ipv4Addr::from(b).to_string()),
        api in "[A-Za-z]{1,20}",
    ) {
        let action = json!({"actionType": "AWS_API_CALL", "awsApiCallAction": {"api": api, "remoteIpDetails": {"ipAddressV4": ip}}});
        let rec = finding(sev, action).to_string();
        let r = run(&rec);
        prop_assert!(r.result.is_ok());
        let ev = &r.events[0];
        prop_assert_eq!(&ev.original, &rec);
        prop_assert_eq!(ev.fields.get(ecs::EVENT_SEVERITY).and_then(Value::as_f64), Some(sev));
        prop_assert_eq!(s(ev, "aws.guardduty.severity_label"), Some(severity_label(sev)));
        let expected = if sev < 4.0 { "Low" } else if sev < 7.0 { "Medium" } else { "High" };
        prop_assert_eq!(severity_label(sev), expected);
        prop_assert_eq!(s(ev, ecs::SOURCE_IP), Some(ip.as_str()));
        prop_assert_eq!(s(ev, "aws.guardduty.service.action.api"), Some(api.as_str()));
        prop_assert_eq!(s(ev, ecs::EVENT_ACTION), Some("AWS_API_CALL"));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = GuardDuty.sniff(&s);
        let r = run(&s);
        for ev in &r.events {
            prop_assert_eq!(&ev.original, &s);
        }
        let _ = run(&format!("{{\"findings\":[{s}]}}"));
        let _ = run(&format!("{{\"updatedAt\":\"2024-01-01T00:00:00Z\",\"service\":{s}}}"));
    }
}
