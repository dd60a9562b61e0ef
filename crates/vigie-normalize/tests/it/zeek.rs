//! Zeek fixtures: Zeek's own btest baselines (TSV and JSON), Elastic's
//! sample logs (notice compared with Elastic's expected documents), and the
//! Zeek logs of the OTRF attack datasets (TSV and shipper JSON).

use std::path::Path;

use serde_json::Value;
use vigie_normalize::{Event, Timestamp};

use crate::common::{self, assert_ecs_fields, expected_docs, field, normalize_bytes};

/// The epoch put in place of the btest timestamp mask.
const UNMASKED: &str = "1700000000.000000";

fn files_under(rel: &str, filter: impl Fn(&Path) -> bool) -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = common::logs(rel);
    let mut all = Vec::new();
    walk(&root, &mut all);
    let base = common::logs("");
    let mut out: Vec<String> = all
        .into_iter()
        .filter(|p| filter(p))
        .map(|p| {
            p.strip_prefix(&base)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    out.sort();
    out
}

/// Lines of a JSON-lines log that carry a `ts` (the others are skipped).
fn json_lines_with_ts(bytes: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(bytes);
    let mut with = 0;
    let mut without = 0;
    for l in text.lines().filter(|l| l.starts_with('{')) {
        let mut v: Value = serde_json::from_str(l).unwrap();
        if let Some(raw) = v.pointer("/result/_raw").and_then(Value::as_str) {
            v = serde_json::from_str(raw).unwrap();
        }
        if v.get("ts").is_some() {
            with += 1;
        } else {
            without += 1;
        }
    }
    (with, without)
}

/// Data lines of a TSV log (neither blank nor `#`).
fn tsv_data_lines(bytes: &[u8]) -> usize {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count()
}

/// Every record of `bytes` is an event or a skipped line, and the counts
/// match what the source holds.
fn check_all_normalize(label: &str, dataset: Option<&str>, bytes: &[u8]) -> Vec<Event> {
    let out = normalize_bytes(dataset, bytes);
    assert!(
        out.rejected.is_empty(),
        "{label}: {} rejected, first {:?}",
        out.rejected.len(),
        out.rejected.first()
    );
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
        || String::from_utf8_lossy(bytes)
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with('{'));
    let (want_events, want_ts_less) = if is_json {
        json_lines_with_ts(bytes)
    } else {
        (tsv_data_lines(bytes), 0)
    };
    assert_eq!(out.events.len(), want_events, "{label}: events");
    assert_eq!(out.accepted, want_events, "{label}: accepted");
    assert_eq!(
        out.records,
        out.accepted + out.skipped,
        "{label}: every record is an event or skipped"
    );
    let header_lines = String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| l.starts_with('#'))
        .count();
    assert_eq!(out.skipped, header_lines + want_ts_less, "{label}: skipped");
    for e in &out.events {
        assert!(e.dataset().starts_with("zeek."), "{label}: {}", e.dataset());
    }
    out.events
}

#[test]
fn btest_baselines_all_normalize() {
    let files = files_under("zeek/btest-baseline", |_| true);
    assert_eq!(files.len(), 19);
    for rel in files {
        let text = String::from_utf8(common::read(&rel)).unwrap();
        let text = text.replace("XXXXXXXXXX.XXXXXX", UNMASKED);
        let events = check_all_normalize(&rel, Some("zeek"), text.as_bytes());
        for e in &events {
            assert!(text.contains(&e.original), "{rel}: original kept verbatim");
        }
        // The TSV baselines also auto-detect, header and rows alike.
        if text.contains("\n#fields") {
            let auto = check_all_normalize(&rel, None, text.as_bytes());
            assert_eq!(auto.len(), events.len(), "{rel}");
        }
    }
}

#[test]
fn btest_tsv_values_follow_the_types() {
    let rel = "zeek/btest-baseline/opt.basic/http.log";
    let text = String::from_utf8(common::read(rel))
        .unwrap()
        .replace("XXXXXXXXXX.XXXXXX", UNMASKED);
    let events = common::normalize_bytes(Some("zeek"), text.as_bytes()).events;
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let fields: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("#fields\t"))
        .unwrap()
        .split('\t')
        .collect();
    assert_eq!(events.len(), lines.len());
    for (e, line) in events.iter().zip(&lines) {
        let cols: Vec<&str> = line.split('\t').collect();
        let col = |name: &str| cols[fields.iter().position(|f| *f == name).unwrap()];
        assert_eq!(e.dataset(), "zeek.http");
        assert_eq!(field(e, "source.ip"), Some(Value::from(col("id.orig_h"))));
        assert_eq!(
            field(e, "source.port"),
            Some(Value::from(col("id.orig_p").parse::<i64>().unwrap()))
        );
        assert_eq!(
            field(e, "http.request.method"),
            Some(Value::from(col("method")))
        );
        assert_eq!(field(e, "url.original"), Some(Value::from(col("uri"))));
        assert_eq!(field(e, "url.domain"), Some(Value::from(col("host"))));
        match col("status_code") {
            "-" => assert_eq!(field(e, "http.response.status_code"), None),
            s => assert_eq!(
                field(e, "http.response.status_code"),
                Some(Value::from(s.parse::<i64>().unwrap()))
            ),
        }
        // `tags` is a set[enum]: `(empty)` is an empty list.
        if col("tags") == "(empty)" {
            assert_eq!(field(e, "zeek.http.tags"), Some(Value::Array(vec![])));
        }
        if col("origin") == "-" {
            assert_eq!(field(e, "zeek.http.origin"), None);
        }
    }
}

#[test]
fn btest_masked_timestamps_reject_only_their_lines() {
    let rel = "zeek/btest-baseline/opt.basic/conn.log";
    let out = common::normalize_file(Some("zeek"), rel);
    let data = tsv_data_lines(&common::read(rel));
    assert_eq!(out.rejected.len(), data);
    assert!(out
        .rejected
        .iter()
        .all(|r| r.error.to_string().contains("`ts`")));
}

#[test]
fn elastic_connection_and_dns() {
    for rel in [
        "elastic/zeek/connection/test-conn.log",
        "elastic/zeek/dns/test-dns.log",
    ] {
        let bytes = common::read(rel);
        let events = check_all_normalize(rel, None, &bytes);
        for (e, line) in events.iter().zip(String::from_utf8_lossy(&bytes).lines()) {
            let mut v: Value = serde_json::from_str(line).unwrap();
            if let Some(raw) = v.pointer("/result/_raw").and_then(Value::as_str) {
                v = serde_json::from_str(raw).unwrap();
            }
            assert_eq!(e.original, line);
            assert_eq!(field(e, "source.ip"), v.get("id.orig_h").cloned(), "{rel}");
            assert_eq!(
                field(e, "destination.port"),
                v.get("id.resp_p").cloned(),
                "{rel}"
            );
            assert_eq!(field(e, "event.id"), v.get("uid").cloned(), "{rel}");
            assert_eq!(
                field(e, "network.transport"),
                v.get("proto").cloned(),
                "{rel}"
            );
            if rel.contains("dns") {
                assert_eq!(e.dataset(), "zeek.dns");
                assert_eq!(field(e, "dns.question.name"), v.get("query").cloned());
                assert_eq!(field(e, "dns.response_code"), v.get("rcode_name").cloned());
                let n = v.get("answers").and_then(Value::as_array).map(Vec::len);
                let got = field(e, "dns.answers").and_then(|a| a.as_array().map(Vec::len));
                assert_eq!(got, n);
            } else {
                assert_eq!(e.dataset(), "zeek.conn");
                assert_eq!(
                    field(e, "zeek.connection.state"),
                    v.get("conn_state").cloned()
                );
                assert_eq!(field(e, "source.bytes"), v.get("orig_bytes").cloned());
                assert_eq!(field(e, "destination.packets"), v.get("resp_pkts").cloned());
                let d = v.get("duration").and_then(Value::as_f64);
                let ns = d.map(|d| Value::from((d * 1e9).round() as i64));
                assert_eq!(field(e, "event.duration"), ns);
            }
        }
    }
}

#[test]
fn elastic_notice_matches_expected() {
    let rel = "elastic/zeek/notice/test-notice.log";
    let events = check_all_normalize(rel, Some("zeek"), &common::read(rel));
    let expected = expected_docs("elastic/zeek/notice/test-notice.log-expected.json");
    assert_eq!(events.len(), expected.len());
    let fields = [
        "event.kind",
        "event.category",
        "event.type",
        "event.id",
        "rule.name",
        "rule.description",
        "source.ip",
        "source.address",
        "source.port",
        "destination.ip",
        "destination.address",
        "destination.port",
        "network.transport",
        "network.community_id",
        "related.ip",
        "zeek.session_id",
        "zeek.notice.note",
        "zeek.notice.msg",
        "zeek.notice.sub",
        "zeek.notice.actions",
        "zeek.notice.dropped",
        "zeek.notice.peer_descr",
        "zeek.notice.suppress_for",
        "zeek.notice.fuid",
    ];
    for (i, (e, doc)) in events.iter().zip(&expected).enumerate() {
        assert_eq!(e.dataset(), "zeek.notice");
        assert_ecs_fields(&format!("{rel}#{i}"), doc, e, &fields, &[]);
        // Elastic keeps milliseconds; vigie keeps Zeek's microseconds.
        let want = Timestamp::parse_rfc3339(doc["@timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(
            e.timestamp.as_nanos() / 1_000_000,
            want.as_nanos() / 1_000_000
        );
        assert_eq!(
            field(e, "message"),
            doc.pointer("/rule/description").cloned()
        );
    }
}

fn is_zeek_log(p: &Path) -> bool {
    p.to_string_lossy().contains("zeek") && p.extension().is_some_and(|e| e == "log")
}

#[test]
fn attack_datasets_all_normalize() {
    let files = files_under("attack", is_zeek_log);
    assert!(files.len() > 200, "{} files", files.len());
    let (mut dotted, mut underscored, mut tsv) = (0, 0, 0);
    for rel in &files {
        let bytes = common::read(rel);
        let events = check_all_normalize(rel, None, &bytes);
        let text = String::from_utf8_lossy(&bytes);
        if text.starts_with('#') {
            tsv += 1;
        } else if text.contains("\"id_orig_h\"") {
            underscored += 1;
        } else if text.contains("\"id.orig_h\"") {
            dotted += 1;
        }
        for e in &events {
            let o: Option<Value> = serde_json::from_str(&e.original).ok();
            let Some(o) = o else { continue };
            let ip = o.get("id_orig_h").or(o.get("id.orig_h"));
            assert_eq!(field(e, "source.address"), ip.cloned(), "{rel}");
            if let Some(stream) = o.get("@stream").and_then(Value::as_str) {
                assert_eq!(e.dataset(), format!("zeek.{stream}"), "{rel}");
            }
        }
    }
    assert!(
        tsv > 0 && underscored > 0,
        "tsv {tsv} underscored {underscored} dotted {dotted}"
    );
}

#[test]
fn attack_tsv_path_names_the_dataset() {
    for rel in files_under("attack", is_zeek_log) {
        let bytes = common::read(&rel);
        let text = String::from_utf8_lossy(&bytes);
        let Some(path) = text.lines().find_map(|l| l.strip_prefix("#path\t")) else {
            continue;
        };
        for e in normalize_bytes(None, &bytes).events {
            assert_eq!(e.dataset(), format!("zeek.{path}"), "{rel}");
        }
    }
}
