//! Unit tests of the EVE normalizer, with property tests.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::Suricata;
use crate::formats::test_support::run;
use crate::{NormalizeError, Normalizer};

fn one(record: &str) -> Event {
    let mut r = run(&Suricata, record);
    assert_eq!(r.result, Ok(()), "{record}");
    assert_eq!(r.events.len(), 1);
    r.events.remove(0)
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

#[test]
fn maps_an_alert_with_offset_without_colon() {
    let rec = json!({"timestamp": "2017-04-07T22:24:37.251547+0100", "flow_id": 586497171462735u64,
        "event_type": "alert", "src_ip": "192.168.2.14", "src_port": 50096, "dest_ip": "209.53.113.5",
        "dest_port": 80, "proto": "TCP", "app_proto": "http",
        "alert": {"action": "blocked", "gid": 1, "signature_id": 2018358, "rev": 10,
            "signature": "ET HUNTING x", "category": "Potentially Bad Traffic", "severity": 2,
            "metadata": {"signature_severity": ["Major"]}}})
    .to_string();
    let e = one(&rec);
    assert_eq!(e.original, rec);
    assert_eq!(
        e.timestamp,
        Timestamp::parse_rfc3339("2017-04-07T21:24:37.251547Z").unwrap()
    );
    assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
    assert_eq!(get(&e, "rule.id"), Some(json!("2018358")));
    assert_eq!(get(&e, "event.severity"), Some(json!(2)));
    assert_eq!(get(&e, "event.action"), Some(json!("blocked")));
    assert_eq!(get(&e, "event.type"), Some(json!(["denied"])));
    assert_eq!(get(&e, "network.transport"), Some(json!("tcp")));
    assert_eq!(get(&e, "network.protocol"), Some(json!("http")));
    assert_eq!(
        get(&e, "suricata.eve.flow_id"),
        Some(json!("586497171462735"))
    );
    assert_eq!(
        get(&e, "suricata.eve.alert")
            .and_then(|a| a["metadata"]["signature_severity"].get(0).cloned()),
        Some(json!("Major"))
    );
    assert_eq!(
        get(&e, "related.ip"),
        Some(json!(["192.168.2.14", "209.53.113.5"]))
    );
}

#[test]
fn alert_counters_follow_the_flow_direction() {
    // The alert's packet goes server -> client: its src is the flow's dest.
    let rec = json!({"timestamp": "2023-09-18T06:13:41.532140+0000", "event_type": "alert",
        "src_ip": "142.11.240.191", "dest_ip": "192.168.100.237", "alert": {"signature_id": 1},
        "flow": {"pkts_toserver": 13, "pkts_toclient": 12, "bytes_toserver": 1616,
            "bytes_toclient": 8044, "src_ip": "192.168.100.237", "dest_ip": "142.11.240.191"}})
    .to_string();
    let e = one(&rec);
    assert_eq!(get(&e, "source.bytes"), Some(json!(8044)));
    assert_eq!(get(&e, "destination.bytes"), Some(json!(1616)));
    assert_eq!(get(&e, "network.bytes"), Some(json!(9660)));
}

#[test]
fn maps_dns_v1_v2_v3() {
    let v1 = one(
        r#"{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"dns","dns":{"type":"answer","id":1,"rrname":"a.example","rrtype":"A","rcode":"NOERROR","ttl":60,"rdata":"10.0.0.1"}}"#,
    );
    assert_eq!(get(&v1, "dns.type"), Some(json!("answer")));
    assert_eq!(get(&v1, "dns.resolved_ip"), Some(json!(["10.0.0.1"])));
    assert_eq!(
        get(&v1, "dns.answers"),
        Some(json!([{"name": "a.example", "type": "A", "ttl": 60, "data": "10.0.0.1"}]))
    );
    let v2 = one(
        r#"{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"dns","dns":{"version":2,"type":"answer","rrname":"b.example","rrtype":"AAAA","rcode":"NOERROR","grouped":{"AAAA":["::1"]}}}"#,
    );
    assert_eq!(get(&v2, "dns.question.type"), Some(json!("AAAA")));
    assert_eq!(get(&v2, "dns.resolved_ip"), Some(json!(["::1"])));
    let v3 = one(
        r#"{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"dns","dns":{"version":3,"type":"request","id":59165,"queries":[{"rrname":"c.example","rrtype":"A"}]}}"#,
    );
    assert_eq!(get(&v3, "dns.type"), Some(json!("query")));
    assert_eq!(get(&v3, "dns.question.name"), Some(json!("c.example")));
    assert_eq!(get(&v3, "dns.id"), Some(json!("59165")));
}

#[test]
fn stats_are_metrics_and_not_flattened() {
    let e = one(
        r#"{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"stats","stats":{"uptime":30,"decoder":{"pkts":5,"bytes":100,"ipv4":5},"app_layer":{"flow":{"http":1}}}}"#,
    );
    assert_eq!(get(&e, "event.kind"), Some(json!("metric")));
    assert_eq!(get(&e, "suricata.eve.stats.uptime"), Some(json!(30)));
    assert_eq!(get(&e, "suricata.eve.stats.decoder.pkts"), Some(json!(5)));
    assert!(e.fields.iter().all(|(k, _)| !k.contains("app_layer")));
}

#[test]
fn rejects_bad_input_precisely() {
    let r = run(&Suricata, r#"{"timestamp":"yesterday","event_type":"dns"}"#);
    assert!(
        matches!(r.result, Err(NormalizeError::InvalidField { ref field, .. }) if field == "timestamp")
    );
    let r = run(&Suricata, "[1]");
    assert!(matches!(r.result, Err(NormalizeError::WrongFormat { .. })));
    let r = run(&Suricata, r#"{"event_type":"flow","flow":{"start":"x"}}"#);
    assert!(
        matches!(r.result, Err(NormalizeError::InvalidField { ref field, .. }) if field == "flow.start")
    );
}

#[test]
fn sniffs_eve_only() {
    assert!(Suricata.sniff(r#"{"timestamp":"t","event_type":"dns"}"#));
    assert!(!Suricata.sniff(r#"{"timestamp":"t","rule":{}}"#));
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];

proptest! {
    #[test]
    fn generated_records_map_exactly(
        y in 1971i64..2100, mo in 1u32..13, d in 1u32..29, h in 0u32..24, mi in 0u32..60, s in 0u32..60,
        us in 0u32..1_000_000, neg in any::<bool>(), oh in 0i64..14, om in 0i64..60,
        src in any::<[u8; 4]>(), dst in any::<std::net::Ipv6Addr>(), sp in any::<u16>(), dp in any::<u16>(),
        sid in 1u32..100_000_000, sig in "\\PC{1,40}", cat in "\\PC{0,20}", sev in 1i64..5,
        name in "[a-z0-9.-]{1,30}", m in 0usize..4, url in "/[!-~]{0,30}", status in 100i64..600,
        ua in "\\PC{1,30}", kind in 0usize..3,
    ) {
        let sign = if neg { '-' } else { '+' };
        let ts = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}{sign}{oh:02}{om:02}");
        let off = (oh * 3600 + om * 60) * if neg { -1 } else { 1 };
        let utc = Timestamp::from_civil(y, mo, d, h, mi, s, us * 1000).unwrap();
        let want = Timestamp::from_nanos(utc.as_nanos() - off * 1_000_000_000);
        let src = std::net::Ipv4Addr::from(src).to_string();
        let dst = dst.to_string();
        let mut rec = json!({"timestamp": ts, "flow_id": 12345, "src_ip": src, "src_port": sp,
            "dest_ip": dst, "dest_port": dp, "proto": "UDP"});
        rec["event_type"] = json!(["alert", "dns", "http"][kind]);
        match kind {
            0 => rec["alert"] = json!({"action": "allowed", "signature_id": sid, "signature": sig,
                "category": cat, "severity": sev}),
            1 => rec["dns"] = json!({"type": "query", "rrname": name, "rrtype": "TXT"}),
            _ => rec["http"] = json!({"hostname": name, "url": url, "http_method": METHODS[m],
                "status": status, "http_user_agent": ua}),
        }
        let text = rec.to_string();
        let e = one(&text);
        prop_assert_eq!(&e.original, &text);
        prop_assert_eq!(e.timestamp, want);
        prop_assert_eq!(get(&e, "source.ip"), Some(json!(src)));
        prop_assert_eq!(get(&e, "destination.ip"), Some(json!(dst)));
        prop_assert_eq!(get(&e, "source.port"), Some(json!(sp)));
        prop_assert_eq!(get(&e, "destination.port"), Some(json!(dp)));
        prop_assert_eq!(get(&e, "network.transport"), Some(json!("udp")));
        match kind {
            0 => {
                prop_assert_eq!(get(&e, "rule.id"), Some(json!(sid.to_string())));
                prop_assert_eq!(get(&e, "rule.name"), Some(json!(sig)));
                prop_assert_eq!(get(&e, "rule.category"), (!cat.is_empty()).then(|| json!(cat)));
                prop_assert_eq!(get(&e, "event.severity"), Some(json!(sev)));
                prop_assert_eq!(get(&e, "event.kind"), Some(json!("alert")));
            }
            1 => {
                prop_assert_eq!(get(&e, "dns.question.name"), Some(json!(name)));
                prop_assert_eq!(get(&e, "dns.question.type"), Some(json!("TXT")));
                prop_assert_eq!(get(&e, "dns.type"), Some(json!("query")));
            }
            _ => {
                prop_assert_eq!(get(&e, "url.domain"), Some(json!(name)));
                prop_assert_eq!(get(&e, "url.original"), Some(json!(url)));
                prop_assert_eq!(get(&e, "http.request.method"), Some(json!(METHODS[m])));
                prop_assert_eq!(get(&e, "http.response.status_code"), Some(json!(status)));
                prop_assert_eq!(get(&e, "user_agent.original"), Some(json!(ua)));
            }
        }
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        let r = run(&Suricata, &s);
        for e in &r.events {
            prop_assert_eq!(&e.original, &s);
        }
    }

    #[test]
    fn arbitrary_eve_shapes_never_panic(
        ts in prop::option::of("[0-9T:.+-]{0,30}"), et in "[a-z]{0,8}",
        body in prop::collection::btree_map("[a-z_]{1,10}", "[0-9]{0,5}|\"[a-z:. ]{0,10}\"|true|null|\\[\\]|\\{\\}", 0..8),
    ) {
        let inner: Vec<String> = body.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let inner = inner.join(",");
        let mut rec = format!("{{\"event_type\":\"{et}\",\"{et}\":{{{inner}}},\"flow\":{{{inner}}},\"tls\":{{{inner}}},\"dns\":{{{inner}}}");
        if let Some(ts) = ts {
            rec.push_str(&format!(",\"timestamp\":\"{ts}\""));
        }
        rec.push('}');
        let r = run(&Suricata, &rec);
        for e in &r.events {
            prop_assert_eq!(&e.original, &rec);
        }
    }
}
