//! Unit and property tests of the Zeek normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::Zeek;
use crate::formats::test_support::run;
use crate::{Normalizer, RecordOutput, StreamState};

/// Runs `lines` through one stream state; returns events and the count of
/// skipped and rejected lines.
fn stream(lines: &[&str]) -> (Vec<Event>, usize, usize) {
    let mut state = StreamState::default();
    let mut events = Vec::new();
    let (mut skipped, mut rejected) = (0, 0);
    for line in lines {
        let mut out = RecordOutput::new(&mut events);
        let r = Zeek.normalize(line, &mut state, &mut out);
        if out.skipped.is_some() {
            skipped += 1;
        }
        if r.is_err() {
            rejected += 1;
        }
    }
    (events, skipped, rejected)
}

const HEADER: &[&str] = &[
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tconn",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\ttunnel_parents",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tstring\tset[string]",
];

#[test]
fn tsv_header_then_rows() {
    let mut lines = HEADER.to_vec();
    lines.push("1692161622.036086\tCabc\t10.0.0.1\t5353\t10.0.0.2\t53\tudp\t0.5\tSF\t(empty)");
    lines.push("1692161623.5\tCdef\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\tS0\tA,B");
    let (ev, skipped, rejected) = stream(&lines);
    assert_eq!((ev.len(), skipped, rejected), (2, HEADER.len(), 0));
    let e = &ev[0];
    assert_eq!(e.dataset(), "zeek.conn");
    assert_eq!(
        e.timestamp,
        Timestamp::parse_epoch_decimal("1692161622.036086").unwrap()
    );
    assert_eq!(e.fields.get("source.ip"), Some(&json!("10.0.0.1")));
    assert_eq!(e.fields.get("destination.port"), Some(&json!(53)));
    assert_eq!(e.fields.get("event.duration"), Some(&json!(500_000_000)));
    assert_eq!(e.fields.get("zeek.connection.state"), Some(&json!("SF")));
    assert_eq!(
        e.fields.get("zeek.connection.tunnel_parents"),
        Some(&json!([]))
    );
    assert_eq!(e.fields.get("zeek.session_id"), Some(&json!("Cabc")));
    assert_eq!(e.original, lines[7]);
    // `-` is unset: absent.
    assert_eq!(ev[1].fields.get("event.duration"), None);
    assert_eq!(ev[1].fields.get("zeek.connection.duration"), None);
    assert_eq!(
        ev[1].fields.get("zeek.connection.tunnel_parents"),
        Some(&json!(["A", "B"]))
    );
}

#[test]
fn header_change_mid_stream() {
    let mut lines = HEADER.to_vec();
    lines.push("1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\tSF\t-");
    lines.push("#close\t2023-08-16-01-28-55");
    lines.push("#separator \\x7c");
    lines.push("#path|dns");
    lines.push("#fields|query|ts|trans_id|answers");
    lines.push("#types|string|time|count|vector[string]");
    lines.push("a\\x7cb.example|2.0|7|x,1.2.3.4");
    let (ev, _, rejected) = stream(&lines);
    assert_eq!((ev.len(), rejected), (2, 0));
    let d = &ev[1];
    assert_eq!(d.dataset(), "zeek.dns");
    assert_eq!(
        d.fields.get("dns.question.name"),
        Some(&json!("a|b.example"))
    );
    assert_eq!(d.fields.get("dns.id"), Some(&json!(7)));
    assert_eq!(d.fields.get("related.ip"), Some(&json!(["1.2.3.4"])));
}

#[test]
fn masked_ts_rejects_that_line_only() {
    let mut lines = HEADER.to_vec();
    lines.push("XXXXXXXXXX.XXXXXX\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\tSF\t-");
    lines.push("1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\tSF\t-");
    let (ev, _, rejected) = stream(&lines);
    assert_eq!((ev.len(), rejected), (1, 1));
}

#[test]
fn json_both_spellings_and_iso_ts() {
    let a = run(
        &Zeek,
        r#"{"ts":1588205198.89971,"uid":"C1","id.orig_h":"10.0.1.4","id.orig_p":1,"id.resp_h":"10.0.0.4","id.resp_p":53,"proto":"udp","query":"x.example","qtype_name":"A","rcode_name":"NOERROR","answers":["1.2.3.4"],"TTLs":[60.0]}"#,
    );
    let b = run(
        &Zeek,
        r#"{"@stream":"dns","@system":"sensor","@proc":"zeek","ts":"2020-04-30T00:06:38.899710Z","uid":"C1","id_orig_h":"10.0.1.4","id_orig_p":1,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","query":"x.example","qtype_name":"A","rcode_name":"NOERROR","answers":["1.2.3.4"],"TTLs":[60.0]}"#,
    );
    let (a, b) = (&a.events[0], &b.events[0]);
    assert_eq!(a.timestamp, b.timestamp);
    for f in [
        "source.ip",
        "destination.port",
        "dns.question.name",
        "dns.answers",
        "event.dataset",
    ] {
        assert_eq!(a.fields.get(f), b.fields.get(f), "{f}");
    }
    assert_eq!(
        a.fields.get("dns.answers"),
        Some(&json!([{"data": "1.2.3.4", "ttl": 60}]))
    );
    assert_eq!(b.fields.get("observer.hostname"), Some(&json!("sensor")));
}

#[test]
fn sniffing() {
    assert!(Zeek.sniff("#separator \\x09"));
    assert!(Zeek.sniff("#fields\tts\tuid"));
    assert!(Zeek.sniff(r#"{"ts":1,"uid":"C","id_orig_h":"1.1.1.1"}"#));
    assert!(Zeek.sniff(r#"{"ts":1,"_path":"weird"}"#));
    assert!(!Zeek.sniff("1692161622.036086\tCabc\t10.0.0.1"));
    assert!(!Zeek.sniff(r#"{"timestamp":"x","event_type":"alert"}"#));
    let mut state = StreamState::default();
    assert!(!Zeek.continues("1.0\tC", &state));
    for h in HEADER {
        let mut ev = Vec::new();
        Zeek.normalize(h, &mut state, &mut RecordOutput::new(&mut ev))
            .unwrap();
    }
    assert!(Zeek.continues("1.0\tC", &state));
    assert!(Zeek.continues("#close\tx", &state));
    assert!(!Zeek.continues("#close\tx", &StreamState::default()));
}

#[test]
fn data_line_without_header_is_rejected() {
    assert!(run(&Zeek, "1.0\tC1").result.is_err());
}

const STATES: &[&str] = &["S0", "SF", "REJ", "RSTO", "OTH"];

#[derive(Debug, Clone)]
struct Col {
    name: &'static str,
    ty: &'static str,
    text: Option<String>,
}

fn col(
    name: &'static str,
    ty: &'static str,
    v: impl Strategy<Value = String>,
) -> impl Strategy<Value = Col> {
    prop::option::weighted(0.8, v).prop_map(move |text| Col { name, ty, text })
}

fn ipv4() -> impl Strategy<Value = String> {
    any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
}

fn conn_columns() -> impl Strategy<Value = Vec<Col>> {
    let cols = vec![
        col("uid", "string", "C[A-Za-z0-9]{4,17}").boxed(),
        col("id.orig_h", "addr", ipv4()).boxed(),
        col(
            "id.orig_p",
            "port",
            any::<u16>().prop_map(|p| p.to_string()),
        )
        .boxed(),
        col("id.resp_h", "addr", ipv4()).boxed(),
        col(
            "id.resp_p",
            "port",
            any::<u16>().prop_map(|p| p.to_string()),
        )
        .boxed(),
        col(
            "proto",
            "enum",
            prop::sample::select(vec!["tcp", "udp", "icmp"]).prop_map(String::from),
        )
        .boxed(),
        col(
            "orig_bytes",
            "count",
            any::<u32>().prop_map(|n| n.to_string()),
        )
        .boxed(),
        col(
            "resp_pkts",
            "count",
            any::<u32>().prop_map(|n| n.to_string()),
        )
        .boxed(),
        col(
            "conn_state",
            "string",
            prop::sample::select(STATES.to_vec()).prop_map(String::from),
        )
        .boxed(),
        col("history", "string", "[ShADadFfR^]{1,8}").boxed(),
        col(
            "duration",
            "interval",
            (0u32..100_000, 0u32..1_000_000).prop_map(|(s, us)| format!("{s}.{us:06}")),
        )
        .boxed(),
    ];
    (
        cols,
        prop::collection::vec(any::<bool>(), 11),
        0u64..4_000_000_000,
        0u32..1_000_000,
    )
        .prop_map(|(cols, keep, secs, us)| {
            let mut v: Vec<Col> = cols
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(c, _)| c)
                .collect();
            v.push(Col {
                name: "ts",
                ty: "time",
                text: Some(format!("{secs}.{us:06}")),
            });
            v
        })
        .prop_shuffle()
}

fn expected(c: &Col, text: &str) -> Option<(&'static str, Value)> {
    let n = |t: &str| Value::from(t.parse::<i64>().unwrap());
    Some(match c.name {
        "uid" => ("zeek.session_id", json!(text)),
        "id.orig_h" => ("source.ip", json!(text)),
        "id.orig_p" => ("source.port", n(text)),
        "id.resp_h" => ("destination.ip", json!(text)),
        "id.resp_p" => ("destination.port", n(text)),
        "proto" => ("network.transport", json!(text)),
        "orig_bytes" => ("source.bytes", n(text)),
        "resp_pkts" => ("destination.packets", n(text)),
        "conn_state" => ("zeek.connection.state", json!(text)),
        "history" => ("zeek.connection.history", json!(text)),
        "duration" => {
            let (s, us) = text.split_once('.').unwrap();
            let ns = s.parse::<i64>().unwrap() * 1_000_000_000 + us.parse::<i64>().unwrap() * 1000;
            ("event.duration", json!(ns))
        }
        _ => return None,
    })
}

proptest! {
    #[test]
    fn generated_conn_tsv_maps_exactly(cols in conn_columns()) {
        let names: Vec<&str> = cols.iter().map(|c| c.name).collect();
        let types: Vec<&str> = cols.iter().map(|c| c.ty).collect();
        let values: Vec<&str> = cols.iter().map(|c| c.text.as_deref().unwrap_or("-")).collect();
        let fields = format!("#fields\t{}", names.join("\t"));
        let types = format!("#types\t{}", types.join("\t"));
        let data = values.join("\t");
        let lines = ["#separator \\x09", "#path\tconn", &fields, &types, &data];
        let (ev, _, rejected) = stream(&lines);
        prop_assert_eq!(rejected, 0);
        prop_assert_eq!(ev.len(), 1);
        let e = &ev[0];
        prop_assert_eq!(&e.original, &data);
        for c in &cols {
            if c.name == "ts" {
                let ts = Timestamp::parse_epoch_decimal(c.text.as_deref().unwrap()).unwrap();
                prop_assert_eq!(e.timestamp, ts);
                continue;
            }
            let (key, want) = match &c.text {
                Some(t) => { let (k, v) = expected(c, t).unwrap(); (k, Some(v)) }
                None => (expected(c, if c.name == "duration" { "0.000000" } else { "0" }).unwrap().0, None),
            };
            prop_assert_eq!(e.fields.get(key), want.as_ref(), "{}", key);
        }
    }

    #[test]
    fn arbitrary_input_never_panics(lines in prop::collection::vec("(#fields\t|#types\t|#separator |\\{)?[ -~\t\\\\x]{0,40}", 0..8)) {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut state = StreamState::default();
        for l in refs {
            let mut events = Vec::new();
            let _ = Zeek.normalize(l, &mut state, &mut RecordOutput::new(&mut events));
            for e in &events {
                prop_assert_eq!(&e.original, l);
            }
        }
    }
}
