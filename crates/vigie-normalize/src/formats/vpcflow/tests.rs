//! Unit and property tests of the VPC Flow Logs normalizer.

use std::net::Ipv4Addr;

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{ecs, Event, Timestamp};

use super::VpcFlow;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// Normalizes `lines` as one payload: the events, the skips, the errors.
fn run(lines: &[&str]) -> (Vec<Event>, usize, Vec<NormalizeError>) {
    let mut state = StreamState::default();
    let (mut events, mut skipped, mut errors) = (Vec::new(), 0, Vec::new());
    for line in lines {
        let mut out = RecordOutput::new(&mut events);
        let r = VpcFlow.normalize(line, &mut state, &mut out);
        if out.skipped.is_some() {
            skipped += 1;
        }
        if let Err(e) = r {
            errors.push(e);
        }
    }
    (events, skipped, errors)
}

fn get<'e>(ev: &'e Event, key: &str) -> Option<&'e Value> {
    ev.fields.get(key)
}

const V2: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";

#[test]
fn default_v2_line() {
    let (evs, _, errs) = run(&[V2]);
    assert!(errs.is_empty(), "{errs:?}");
    let ev = &evs[0];
    assert_eq!(ev.original, V2);
    assert_eq!(ev.timestamp, Timestamp::from_secs(1418530070).unwrap());
    assert_eq!(
        get(ev, ecs::EVENT_START),
        Some(&json!("2014-12-14T04:06:50.000Z"))
    );
    assert_eq!(get(ev, ecs::SOURCE_IP), Some(&json!("172.31.16.139")));
    assert_eq!(get(ev, ecs::DESTINATION_PORT), Some(&json!(22)));
    assert_eq!(get(ev, ecs::NETWORK_TRANSPORT), Some(&json!("tcp")));
    assert_eq!(get(ev, ecs::NETWORK_IANA_NUMBER), Some(&json!("6")));
    assert_eq!(get(ev, ecs::NETWORK_BYTES), Some(&json!(4249)));
    assert_eq!(get(ev, ecs::EVENT_OUTCOME), Some(&json!("success")));
    assert_eq!(
        get(ev, ecs::EVENT_TYPE),
        Some(&json!(["connection", "allowed"]))
    );
    assert_eq!(get(ev, ecs::CLOUD_ACCOUNT_ID), Some(&json!("123456789010")));
    assert_eq!(
        get(ev, ecs::RELATED_IP),
        Some(&json!(["172.31.16.139", "172.31.16.21"]))
    );
}

#[test]
fn header_sets_the_column_order_and_is_skipped() {
    let header =
        "account-id action az-id bytes dstaddr end flow-direction srcaddr start tcp-flags version";
    let line = "123 REJECT use1-az1 60 10.0.0.9 1700000060 egress 10.0.0.8 1700000000 18 5";
    assert!(VpcFlow.sniff(header));
    let (evs, skipped, errs) = run(&[header, line]);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(skipped, 1);
    let ev = &evs[0];
    assert_eq!(get(ev, ecs::DESTINATION_IP), Some(&json!("10.0.0.9")));
    assert_eq!(get(ev, ecs::NETWORK_DIRECTION), Some(&json!("egress")));
    assert_eq!(
        get(ev, ecs::CLOUD_AVAILABILITY_ZONE),
        Some(&json!("use1-az1"))
    );
    assert_eq!(
        get(ev, "aws.vpcflow.tcp_flags_array"),
        Some(&json!(["syn", "ack"]))
    );
    assert_eq!(
        get(ev, ecs::EVENT_TYPE),
        Some(&json!(["connection", "denied"]))
    );
    assert_eq!(get(ev, ecs::EVENT_OUTCOME), Some(&json!("failure")));
    // A line whose field count does not match the header is rejected.
    let (_, _, errs) = run(&[header, V2]);
    assert!(matches!(&errs[0], NormalizeError::InvalidField { field, .. } if field == "line"));
}

#[test]
fn format_string_headers_and_a_later_header_replace_the_order() {
    let header = "${version} ${srcaddr} ${dstaddr} ${end} ${action}";
    let line = "3 10.0.0.1 10.0.0.2 1700000000 ACCEPT";
    let header2 = "version dstaddr srcaddr end action";
    let (evs, skipped, errs) = run(&[header, line, header2, line]);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(skipped, 2);
    assert_eq!(get(&evs[0], ecs::SOURCE_IP), Some(&json!("10.0.0.1")));
    assert_eq!(get(&evs[1], ecs::SOURCE_IP), Some(&json!("10.0.0.2")));
    assert_eq!(
        evs[1].timestamp,
        Timestamp::from_secs(1_700_000_000).unwrap()
    );
}

#[test]
fn nodata_records_are_kept_without_addresses() {
    let line = "2 123456789010 eni-1a2b3c4d - - - - - - - 1431280876 1431280934 - NODATA";
    assert!(VpcFlow.sniff(line));
    let (evs, _, errs) = run(&[line]);
    assert!(errs.is_empty(), "{errs:?}");
    let ev = &evs[0];
    assert_eq!(get(ev, ecs::EVENT_OUTCOME), Some(&json!("unknown")));
    assert_eq!(get(ev, ecs::SOURCE_IP), None);
    assert_eq!(get(ev, ecs::RELATED_IP), None);
    assert_eq!(get(ev, "aws.vpcflow.log_status"), Some(&json!("NODATA")));
    assert_eq!(get(ev, ecs::EVENT_TYPE), Some(&json!(["connection"])));
}

#[test]
fn bad_values_are_rejected_with_the_field_name() {
    let bad_port = V2.replace(" 22 ", " 99999 ");
    let (_, _, errs) = run(&[&bad_port]);
    assert!(matches!(&errs[0], NormalizeError::InvalidField { field, .. } if field == "dstport"));
    let (_, _, errs) = run(&["2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6"]);
    assert!(matches!(errs[0], NormalizeError::WrongFormat { .. }));
    let header = "version srcaddr dstaddr";
    let (_, _, errs) = run(&[header, "2 10.0.0.1 10.0.0.2"]);
    assert_eq!(errs, [NormalizeError::MissingField("end")]);
}

#[test]
fn sniff_is_specific() {
    assert!(VpcFlow.sniff(V2));
    assert!(VpcFlow.sniff("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"));
    assert!(!VpcFlow.sniff(
        "Jan  1 00:00:00 host sshd[1]: Accepted password for root from 10.0.0.1 port 22 ssh2"
    ));
    assert!(!VpcFlow.sniff(r#"{"version":"2","srcaddr":"10.0.0.1"}"#));
    assert!(!VpcFlow.sniff("9 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1 2 ACCEPT OK"));
    assert!(!VpcFlow.sniff("the quick brown fox"));
    assert!(VpcFlow.sniff("srcaddr dstaddr srcport dstport protocol packets bytes start end action account-id interface-id log-status version"));
    assert!(!VpcFlow.sniff("start end"));
    assert!(!VpcFlow.sniff(""));
}

fn ipv4() -> impl Strategy<Value = String> {
    any::<u32>().prop_map(|n| Ipv4Addr::from(n).to_string())
}

proptest! {
    #[test]
    fn generated_lines_map_exactly(
        src in ipv4(), dst in ipv4(),
        sport in any::<u16>(), dport in any::<u16>(),
        packets in any::<u32>(), bytes in any::<u64>(),
        start in 0i64..4_000_000_000, dur in 0i64..100_000,
        accept in any::<bool>(), proto in prop::sample::select(vec![6u8, 17, 1]),
    ) {
        let action = if accept { "ACCEPT" } else { "REJECT" };
        let end = start + dur;
        let line = format!("2 123456789012 eni-0a1b {src} {dst} {sport} {dport} {proto} {packets} {bytes} {start} {end} {action} OK");
        prop_assert!(VpcFlow.sniff(&line));
        let (evs, _, errs) = run(&[&line]);
        prop_assert!(errs.is_empty(), "{:?}", errs);
        let ev = &evs[0];
        prop_assert_eq!(&ev.original, &line);
        prop_assert_eq!(ev.timestamp, Timestamp::from_secs(end).unwrap());
        prop_assert_eq!(get(ev, ecs::SOURCE_IP), Some(&json!(src)));
        prop_assert_eq!(get(ev, ecs::DESTINATION_IP), Some(&json!(dst)));
        prop_assert_eq!(get(ev, ecs::SOURCE_PORT), Some(&json!(sport)));
        prop_assert_eq!(get(ev, ecs::DESTINATION_PORT), Some(&json!(dport)));
        prop_assert_eq!(get(ev, ecs::NETWORK_PACKETS), Some(&json!(packets)));
        prop_assert_eq!(get(ev, ecs::SOURCE_BYTES), Some(&json!(bytes)));
        prop_assert_eq!(get(ev, ecs::NETWORK_IANA_NUMBER), Some(&json!(proto.to_string())));
        let start_ts = Timestamp::from_secs(start).unwrap().to_rfc3339();
        prop_assert_eq!(get(ev, ecs::EVENT_START), Some(&json!(start_ts)));
        let outcome = if accept { "success" } else { "failure" };
        prop_assert_eq!(get(ev, ecs::EVENT_OUTCOME), Some(&json!(outcome)));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}", header in any::<bool>()) {
        let _ = VpcFlow.sniff(&s);
        let lines: Vec<&str> = if header { vec!["version srcaddr end", &s] } else { vec![&s] };
        let (evs, _, _) = run(&lines);
        for ev in &evs {
            prop_assert_eq!(&ev.original, &s);
        }
    }
}
