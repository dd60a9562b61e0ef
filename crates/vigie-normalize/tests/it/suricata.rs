//! `suricata.eve` against Suricata's documented EVE examples, the EVE
//! expectations of suricata-verify tests, and Elastic's expected document.

use std::path::Path;

use serde_json::{json, Value};
use vigie_normalize::Timestamp;

use crate::common::{
    assert_ecs_fields, expected_docs, field, logs, normalize_bytes, normalize_clean, read,
};

const DATASET: &str = "suricata.eve";

/// A raw value as vigie keeps it: empty strings and nulls are absent.
fn nonempty(v: Option<&Value>) -> Option<Value> {
    v.filter(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
}

/// The common fields every EVE record maps the same way.
fn check_common(label: &str, src: &Value, e: &vigie_normalize::Event) {
    let s = |k: &str| nonempty(src.get(k));
    assert_eq!(field(e, "source.ip"), s("src_ip"), "{label}");
    assert_eq!(field(e, "destination.ip"), s("dest_ip"), "{label}");
    assert_eq!(field(e, "source.port"), s("src_port"), "{label}");
    assert_eq!(field(e, "destination.port"), s("dest_port"), "{label}");
    assert_eq!(
        field(e, "network.transport"),
        src["proto"].as_str().map(|p| json!(p.to_lowercase())),
        "{label}"
    );
    assert_eq!(
        field(e, "suricata.eve.event_type"),
        s("event_type"),
        "{label}"
    );
    if let Some(t) = src["timestamp"].as_str() {
        assert_eq!(e.timestamp, Timestamp::parse_rfc3339(t).unwrap(), "{label}");
    }
    if let Some(a) = src.get("alert") {
        assert_eq!(
            field(e, "rule.id"),
            a.get("signature_id").map(|v| json!(v.to_string())),
            "{label}"
        );
        assert_eq!(
            field(e, "rule.name"),
            nonempty(a.get("signature")),
            "{label}"
        );
        assert_eq!(
            field(e, "rule.category"),
            nonempty(a.get("category")),
            "{label}"
        );
        assert_eq!(
            field(e, "event.severity"),
            nonempty(a.get("severity")),
            "{label}"
        );
        assert_eq!(
            field(e, "event.action"),
            nonempty(a.get("action")),
            "{label}"
        );
        assert_eq!(field(e, "event.kind"), Some(json!("alert")), "{label}");
    }
    if let Some(h) = src.get("http") {
        assert_eq!(
            field(e, "url.domain"),
            nonempty(h.get("hostname")),
            "{label}"
        );
        assert_eq!(field(e, "url.original"), nonempty(h.get("url")), "{label}");
        assert_eq!(
            field(e, "http.request.method"),
            nonempty(h.get("http_method")),
            "{label}"
        );
        assert_eq!(
            field(e, "http.response.status_code"),
            nonempty(h.get("status")),
            "{label}"
        );
    }
    if let Some(d) = src.get("dns") {
        let q = d.get("queries").and_then(|q| q.get(0)).unwrap_or(d);
        assert_eq!(
            field(e, "dns.question.name"),
            nonempty(q.get("rrname")),
            "{label}"
        );
        assert_eq!(
            field(e, "dns.question.type"),
            nonempty(q.get("rrtype")),
            "{label}"
        );
    }
    if let Some(t) = src.get("tls") {
        assert_eq!(
            field(e, "tls.client.server_name"),
            nonempty(t.get("sni")),
            "{label}"
        );
        assert_eq!(
            field(e, "tls.server.issuer"),
            nonempty(t.get("issuerdn")),
            "{label}"
        );
    }
    if let Some(fi) = src.get("fileinfo") {
        assert_eq!(field(e, "file.size"), nonempty(fi.get("size")), "{label}");
        assert_eq!(
            field(e, "file.path"),
            nonempty(fi.get("filename")),
            "{label}"
        );
    }
}

#[test]
fn documented_examples_all_normalize() {
    let rel = "suricata/doc_examples/eve-json-format_examples.jsonl";
    let text = String::from_utf8(read(rel)).unwrap();
    let events = normalize_clean(Some(DATASET), rel);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(events.len(), lines.len());
    for (i, (e, line)) in events.iter().zip(&lines).enumerate() {
        let src: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e.original, *line);
        assert_eq!(e.dataset(), DATASET);
        check_common(&format!("{rel}:{}", i + 1), &src, e);
        if src["event_type"] == "stats" {
            assert_eq!(field(e, "event.kind"), Some(json!("metric")));
        }
    }
    // Auto-detection picks EVE for every line that names its event type.
    let auto = normalize_bytes(None, text.as_bytes());
    let typed = lines
        .iter()
        .filter(|l| l.contains("\"event_type\""))
        .count();
    let detected = auto
        .events
        .iter()
        .filter(|e| e.dataset() == DATASET)
        .count();
    assert_eq!(detected, typed);
}

#[test]
fn suricata_verify_fileinfo_expected_eve() {
    let rel = "suricata/suricata-verify/output-eve-fileinfo_expected_eve.json";
    let text = String::from_utf8(read(rel)).unwrap();
    let events = normalize_clean(None, rel);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(events.len(), lines.len());
    for (e, line) in events.iter().zip(&lines) {
        assert_eq!(e.dataset(), DATASET);
        check_common(rel, &serde_json::from_str(line).unwrap(), e);
    }
}

/// Sets `path` (`dns.queries[0].rrname`) in `root`, building objects and
/// arrays on the way.
fn set_path(root: &mut Value, path: &str, value: Value) {
    let mut cur = root;
    for seg in path.split('.') {
        let (key, index) = match seg.split_once('[') {
            Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (seg, None),
        };
        if !cur.is_object() {
            *cur = json!({});
        }
        cur = cur
            .as_object_mut()
            .unwrap()
            .entry(key)
            .or_insert(Value::Null);
        if let Some(i) = index {
            if !cur.is_array() {
                *cur = json!([]);
            }
            let arr = cur.as_array_mut().unwrap();
            while arr.len() <= i {
                arr.push(Value::Null);
            }
            cur = &mut arr[i];
        }
    }
    *cur = value;
}

fn yaml_scalar(v: &str) -> Value {
    let v = v.trim();
    if let Some(q) = v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return json!(q);
    }
    if let Some(q) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return json!(q);
    }
    match v {
        "true" => json!(true),
        "false" => json!(false),
        _ => v
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(v)),
    }
}

/// The `match:` blocks of a suricata-verify test.yaml as EVE records.
fn match_records(yaml: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut current: Option<(usize, Value)> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if let Some((ind, rec)) = current.take() {
            if indent > ind && !t.is_empty() {
                let mut rec = rec;
                if let Some((k, v)) = t.split_once(": ") {
                    set_path(&mut rec, k, yaml_scalar(v));
                }
                current = Some((ind, rec));
                continue;
            }
            out.push(rec);
        }
        if t == "match:" {
            current = Some((indent, json!({})));
        }
    }
    out.extend(current.map(|(_, r)| r));
    out
}

fn test_yamls(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            test_yamls(&p, out);
        } else if p.file_name().is_some_and(|n| n == "test.yaml") {
            out.push(p);
        }
    }
}

#[test]
fn suricata_verify_match_blocks() {
    let mut files = Vec::new();
    test_yamls(&logs("suricata/suricata-verify"), &mut files);
    assert!(files.len() >= 30, "{} test.yaml files", files.len());
    let mut checked = 0;
    for file in &files {
        let yaml = std::fs::read_to_string(file).unwrap();
        for (i, mut rec) in match_records(&yaml).into_iter().enumerate() {
            if rec.get("event_type").is_none() {
                continue;
            }
            rec["timestamp"] = json!("2022-01-02T03:04:05.123456+0000");
            let line = rec.to_string();
            let out = normalize_bytes(None, line.as_bytes());
            let label = format!("{}#{i}", file.display());
            assert!(out.rejected.is_empty(), "{label}: {:?}", out.rejected);
            assert_eq!(out.events.len(), 1, "{label}");
            let e = &out.events[0];
            assert_eq!(e.dataset(), DATASET, "{label}");
            assert_eq!(e.original, line);
            check_common(&label, &rec, e);
            checked += 1;
        }
    }
    assert!(checked >= 100, "only {checked} match blocks checked");
}

#[test]
fn elastic_tls_empty_subject() {
    let rel = "elastic/suricata/eve/test-eve-tls-empty-subject.log";
    let events = normalize_clean(None, rel);
    let docs = expected_docs(&format!("{rel}-expected.json"));
    assert_eq!(events.len(), docs.len());
    for (e, doc) in events.iter().zip(&docs) {
        assert_eq!(Some(e.original.as_str()), doc["event"]["original"].as_str());
        // Elastic truncates to milliseconds; vigie keeps the microseconds.
        let want = Timestamp::parse_rfc3339(doc["@timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(
            e.timestamp.as_nanos() / 1_000_000,
            want.as_nanos() / 1_000_000
        );
        assert_ecs_fields(
            rel,
            doc,
            e,
            &[
                "source.ip",
                "source.port",
                "source.address",
                "destination.ip",
                "destination.port",
                "destination.address",
                "network.transport",
                "network.community_id",
                "network.protocol",
                "event.kind",
                "event.category",
                "event.type",
                "related.ip",
                "related.hash",
                "suricata.eve.event_type",
                "suricata.eve.flow_id",
                "suricata.eve.in_iface",
                "suricata.eve.tls.subject",
                "suricata.eve.tls.issuerdn",
                "suricata.eve.tls.serial",
                "suricata.eve.tls.fingerprint",
                "suricata.eve.tls.version",
                "suricata.eve.tls.notbefore",
                "suricata.eve.tls.notafter",
                "suricata.eve.tls.ja3s.hash",
                "suricata.eve.tls.ja3s.string",
                "tls.server.hash.sha1",
                "tls.server.issuer",
                "tls.server.subject",
                "tls.server.ja3s",
                "tls.server.not_after",
                "tls.server.not_before",
                "tls.server.x509.issuer.common_name",
                "tls.server.x509.issuer.country",
                "tls.server.x509.issuer.organization",
                "tls.server.x509.issuer.organizational_unit",
                "tls.server.x509.not_after",
                "tls.server.x509.not_before",
                "tls.server.x509.serial_number",
                "tls.version",
                "tls.version_protocol",
            ],
            &[],
        );
    }
}
