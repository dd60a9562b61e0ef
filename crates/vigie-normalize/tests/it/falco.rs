//! `falco.alerts` against Falco's JSON output sample and the payloads of
//! Falcosidekick's tests and README.

use serde_json::Value;
use vigie_normalize::Timestamp;

use crate::common::{field, normalize_bytes, normalize_clean, read};

const DATASET: &str = "falco.alerts";

/// Output fields Falco had no value for (`<NA>`) or null are not kept.
fn usable(v: &Value) -> bool {
    !v.is_null() && v.as_str() != Some("<NA>") && v.as_str() != Some("")
}

#[test]
fn falco_json_output_file() {
    let text =
        String::from_utf8(read("falco/output_files/single_rule_with_cat_write.json")).unwrap();
    let events = normalize_clean(None, "falco/output_files/single_rule_with_cat_write.json");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(events.len(), lines.len());
    assert_eq!(events.len(), 8);
    for (e, line) in events.iter().zip(&lines) {
        let src: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e.original, *line);
        assert_eq!(e.dataset(), DATASET);
        let time = Timestamp::parse_rfc3339(src["time"].as_str().unwrap()).unwrap();
        assert_eq!(e.timestamp, time);
        // `evt.time.iso8601` is integer nanoseconds: kept exactly, and it
        // is the same instant as `time` in this file.
        let ns = src["output_fields"]["evt.time.iso8601"].as_u64().unwrap();
        let kept = field(e, "falco.output_fields.evt.time.iso8601").unwrap();
        assert_eq!(kept.as_u64(), Some(ns));
        assert_eq!(time.as_nanos() as u64, ns);
        assert_eq!(field(e, "rule.name").as_ref(), src.get("rule"));
        assert_eq!(field(e, "falco.priority").as_ref(), src.get("priority"));
        assert_eq!(field(e, "event.severity"), Some(4.into())); // Warning
        assert_eq!(field(e, "log.level"), Some("warning".into()));
        assert_eq!(field(e, "event.kind"), Some("alert".into()));
        assert_eq!(field(e, "host.name").as_ref(), src.get("hostname"));
        assert_eq!(field(e, "falco.source").as_ref(), src.get("source"));
        assert_eq!(field(e, "falco.tags").as_ref(), src.get("tags"));
        assert_eq!(field(e, "message").as_ref(), src.get("output"));
        assert_eq!(
            field(e, "process.command_line").as_ref(),
            src["output_fields"].get("proc.cmdline")
        );
    }
}

/// The `raw` payloads of falcosidekick/test_payloads_extracted.jsonl.
fn sidekick_payloads() -> Vec<String> {
    let text = String::from_utf8(read("falcosidekick/test_payloads_extracted.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let wrapper: Value = serde_json::from_str(l).unwrap();
            wrapper["raw"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn falcosidekick_payloads() {
    let payloads = sidekick_payloads();
    assert_eq!(payloads.len(), 6);
    for raw in &payloads {
        let src: Value = serde_json::from_str(raw).unwrap();
        let out = normalize_bytes(None, raw.as_bytes());
        assert!(out.rejected.is_empty(), "{raw}: {:?}", out.rejected);
        assert_eq!(out.events.len(), 1);
        let e = &out.events[0];
        assert_eq!(e.dataset(), DATASET);
        assert_eq!(&e.original, raw);
        assert_eq!(field(e, "rule.name").as_ref(), src.get("rule"));
        assert_eq!(field(e, "host.name").as_ref(), src.get("hostname"));
        assert_eq!(field(e, "falco.source").as_ref(), src.get("source"));
        let time = Timestamp::parse_rfc3339(src["time"].as_str().unwrap()).unwrap();
        assert_eq!(e.timestamp, time);
        let fields = src["output_fields"].as_object().unwrap();
        for (k, v) in fields {
            let kept = field(e, &format!("falco.output_fields.{k}"));
            if usable(v) {
                assert_eq!(kept.as_ref(), Some(v), "{k}");
            } else {
                assert_eq!(kept, None, "{k}");
            }
        }
        let p = src["priority"].as_str().unwrap();
        let sev = [
            "Emergency",
            "Alert",
            "Critical",
            "Error",
            "Warning",
            "Notice",
            "Informational",
            "Debug",
        ]
        .iter()
        .position(|x| *x == p)
        .unwrap();
        assert_eq!(field(e, "event.severity"), Some(sev.into()));
    }
}

#[test]
fn readme_payload_maps_process_file_and_user() {
    let raw = &sidekick_payloads()[0];
    let src: Value = serde_json::from_str(raw).unwrap();
    let of = &src["output_fields"];
    let e = &normalize_bytes(Some(DATASET), raw.as_bytes()).events[0];
    assert_eq!(field(e, "file.path").as_ref(), of.get("fd.name"));
    assert_eq!(
        field(e, "process.command_line").as_ref(),
        of.get("proc.cmdline")
    );
    assert_eq!(field(e, "user.name").as_ref(), of.get("user.name"));
    assert_eq!(
        field(e, "related.user"),
        Some(serde_json::json!([of["user.name"]]))
    );
    // evt.time 1507591916746609046 does not survive an f64; here it does.
    let ns = of["evt.time"].as_u64().unwrap();
    assert_eq!(
        field(e, "falco.output_fields.evt.time").unwrap().as_u64(),
        Some(ns)
    );
    assert_ne!(ns as f64 as u64, ns);
}
