//! `windows.evtx` against every event of three public EVTX corpora
//! converted with `evtx_dump --separate-json-attributes` (SigmaHQ's
//! regression data, EVTX-ATTACK-SAMPLES, hayabusa-sample-evtx), under
//! `shared/testdata/sigma-events`. Auto-detected (no dataset named), and
//! each event checked field by field against its own source JSON.

use std::path::{Path, PathBuf};

use serde_json::Value;
use vigie_normalize::{Event, Timestamp};

use crate::common::{field, normalize_bytes, shared_dir};

const DATASET: &str = "windows.evtx";

fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            jsonl_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "jsonl") {
            out.push(p);
        }
    }
}

/// `SystemTime` parsed here without the library's RFC 3339 parser:
/// `YYYY-MM-DDThh:mm:ss[.f{1,9}]Z`.
fn system_time(s: &str) -> Timestamp {
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
    assert!(s.ends_with('Z') && &s[10..11] == "T", "{s}");
    let frac = s[19..s.len() - 1].trim_start_matches('.');
    assert!(frac.len() <= 9, "{s}");
    let nanos = if frac.is_empty() {
        0
    } else {
        frac.parse::<u32>().unwrap() * 10u32.pow(9 - frac.len() as u32)
    };
    Timestamp::from_civil(
        i64::from(n(0..4)),
        n(5..7),
        n(8..10),
        n(11..13),
        n(14..16),
        n(17..19),
        nanos,
    )
    .unwrap()
}

/// A scalar as Winlogbeat-style text (`{"#text": x}` unwrapped).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("#text").and_then(text),
        _ => None,
    }
}

fn usable<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && *s != "-")
}

fn check(e: &Event, line: &str, label: &str) {
    let src: Value = serde_json::from_str(line).unwrap();
    let sys = &src["Event"]["System"];
    assert_eq!(e.original, line, "{label}");
    assert_eq!(e.dataset(), DATASET, "{label}");
    let st = sys["TimeCreated_attributes"]["SystemTime"]
        .as_str()
        .unwrap();
    assert_eq!(e.timestamp, system_time(st), "{label}");
    assert_eq!(
        field(e, "host.name"),
        sys.get("Computer").cloned(),
        "{label}"
    );
    assert_eq!(
        field(e, "winlog.computer_name"),
        sys.get("Computer").cloned(),
        "{label}"
    );
    let id = text(&sys["EventID"]).unwrap();
    assert_eq!(
        field(e, "event.code"),
        Some(Value::String(id.clone())),
        "{label}"
    );
    assert_eq!(
        field(e, "winlog.event_id"),
        Some(id.parse::<i64>().unwrap().into()),
        "{label}"
    );
    let channel = sys.get("Channel").filter(|c| !c.is_null()).cloned();
    assert_eq!(field(e, "winlog.channel"), channel, "{label}");
    let provider = sys["Provider_attributes"].get("Name").cloned();
    assert_eq!(field(e, "event.provider"), provider, "{label}");
    assert_eq!(field(e, "winlog.provider_name"), provider, "{label}");
    let record_id = sys
        .get("EventRecordID")
        .and_then(text)
        .map(|r| Value::from(r.parse::<i64>().unwrap()));
    assert_eq!(field(e, "winlog.record_id"), record_id, "{label}");
    let exec = &sys["Execution_attributes"];
    let logger_pid = exec
        .get("ProcessID")
        .and_then(text)
        .map(|p| Value::from(p.parse::<i64>().unwrap()));
    assert_eq!(field(e, "winlog.process.pid"), logger_pid, "{label}");
    assert_eq!(
        field(e, "winlog.user.identifier"),
        sys["Security_attributes"].get("UserID").cloned(),
        "{label}"
    );
    assert_eq!(field(e, "event.kind"), Some("event".into()), "{label}");

    // EventData: every named scalar kept as text, the usual keys in ECS.
    let data = &src["Event"]["EventData"];
    if let Value::Object(o) = data {
        for (k, v) in o {
            if k == "Data" || k == "#text" || k.ends_with("_attributes") || k.contains('.') {
                continue;
            }
            let want = text(v).map(Value::String);
            assert_eq!(
                field(e, &format!("winlog.event_data.{k}")),
                want,
                "{label} {k}"
            );
        }
    }
    // The ECS lookups read EventData, then UserData's child element.
    let mut merged = serde_json::Map::new();
    if let Some(o) = src["Event"]["UserData"].as_object() {
        for child in o.values().filter_map(Value::as_object) {
            merged.extend(child.clone());
        }
    }
    if let Value::Object(o) = data {
        merged.extend(o.clone());
    }
    let data = &Value::Object(merged);
    let user = ["TargetUserName", "SubjectUserName", "User"]
        .iter()
        .filter_map(|k| usable(data, k))
        .map(|u| u.rsplit('\\').next().unwrap())
        .find(|u| !u.is_empty() && *u != "-");
    assert_eq!(
        field(e, "user.name"),
        user.map(|u| Value::String(u.to_owned())),
        "{label}"
    );
    let ip = |keys: &[&str]| {
        keys.iter()
            .filter_map(|k| usable(data, k))
            .find(|v| v.parse::<std::net::IpAddr>().is_ok())
            .map(|v| Value::String(v.to_owned()))
    };
    assert_eq!(
        field(e, "source.ip"),
        ip(&["IpAddress", "SourceIp", "SourceAddress"]),
        "{label}"
    );
    assert_eq!(
        field(e, "destination.ip"),
        ip(&["DestinationIp", "DestAddress"]),
        "{label}"
    );
    let exe = usable(data, "Image").or_else(|| usable(data, "NewProcessName"));
    assert_eq!(
        field(e, "process.executable"),
        exe.map(|x| Value::String(x.to_owned())),
        "{label}"
    );
    assert_eq!(
        field(e, "process.command_line"),
        usable(data, "CommandLine").map(|x| Value::String(x.to_owned())),
        "{label}"
    );
    assert_eq!(
        field(e, "file.path"),
        usable(data, "TargetFilename").map(|x| Value::String(x.to_owned())),
        "{label}"
    );
    let category = field(e, "event.category");
    let sysmon = provider.as_ref().and_then(Value::as_str) == Some("Microsoft-Windows-Sysmon");
    let security =
        provider.as_ref().and_then(Value::as_str) == Some("Microsoft-Windows-Security-Auditing");
    let want = match (sysmon, security, id.as_str()) {
        (true, _, "1" | "5") | (_, true, "4688" | "4689") => Some("process"),
        (true, _, "3") => Some("network"),
        (true, _, "11") => Some("file"),
        (_, true, "4624" | "4625") => Some("authentication"),
        _ => None,
    };
    assert_eq!(category, want.map(|c| Value::from(vec![c])), "{label}");
    if security && id == "4624" {
        assert_eq!(field(e, "event.outcome"), Some("success".into()), "{label}");
    }
    if security && id == "4625" {
        assert_eq!(field(e, "event.outcome"), Some("failure".into()), "{label}");
    }
}

/// Normalizes every file of `folder` auto-detected; returns the event count.
fn corpus(folder: &str) -> usize {
    let dir = shared_dir().join("testdata/sigma-events").join(folder);
    let mut files = Vec::new();
    jsonl_files(&dir, &mut files);
    assert!(!files.is_empty(), "{}", dir.display());
    let mut total = 0;
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let out = normalize_bytes(None, &bytes);
        let label = path.display().to_string();
        assert!(out.rejected.is_empty(), "{label}: {:#?}", out.rejected);
        assert_eq!(out.events.len(), lines.len(), "{label}");
        for (i, (e, line)) in out.events.iter().zip(&lines).enumerate() {
            check(e, line, &format!("{label}:{}", i + 1));
        }
        total += out.events.len();
    }
    total
}

#[test]
fn sigmahq_regression_data() {
    assert_eq!(corpus("sigmahq-regression-jsonl"), 238);
}

#[test]
fn evtx_attack_samples() {
    assert_eq!(corpus("evtx-attack-samples-jsonl"), 8_255);
}

#[test]
fn hayabusa_sample_evtx() {
    assert_eq!(corpus("hayabusa-sample-evtx-jsonl"), 24_661);
}

/// Named explicitly, the dataset gives the same events as auto-detection.
#[test]
fn named_dataset_matches_detection() {
    let dir = shared_dir().join("testdata/sigma-events/evtx-attack-samples-jsonl");
    let mut files = Vec::new();
    jsonl_files(&dir, &mut files);
    let bytes = std::fs::read(&files[0]).unwrap();
    let named = normalize_bytes(Some(DATASET), &bytes);
    let detected = normalize_bytes(None, &bytes);
    assert!(named.rejected.is_empty());
    assert_eq!(named.events, detected.events);
}
