//! Test helpers: locate `../shared`, normalize files, flatten JSON, and
//! compare events with Elastic's expected documents field by field.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use vigie_normalize::{normalize_payload, Event, Limits, Output, Registry, Timestamp};

/// `../shared` beside the repository (or `$VIGIE_SHARED_DIR`).
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("VIGIE_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    assert!(
        dir.is_dir(),
        "the shared test data is missing: expected {} (or set VIGIE_SHARED_DIR)",
        dir.display()
    );
    dir
}

/// A path under `shared/testdata/logs`.
pub fn logs(rel: &str) -> PathBuf {
    shared_dir().join("testdata/logs").join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = logs(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// Normalizes a whole file as `dataset` (or auto-detected with `None`).
pub fn normalize_file(dataset: Option<&str>, rel: &str) -> Output {
    normalize_bytes(dataset, &read(rel))
}

pub fn normalize_bytes(dataset: Option<&str>, bytes: &[u8]) -> Output {
    let registry = Registry::default();
    let n = dataset.map(|d| registry.get(d).unwrap_or_else(|| panic!("no dataset {d}")));
    normalize_payload(&registry, n, bytes, &Limits::default())
}

/// Like [`normalize_file`], but fails the test on any rejected record.
pub fn normalize_clean(dataset: Option<&str>, rel: &str) -> Vec<Event> {
    let out = normalize_file(dataset, rel);
    assert!(
        out.rejected.is_empty(),
        "{rel}: rejected records: {:#?}",
        out.rejected
    );
    out.events
}

/// The `expected` documents of an Elastic `*-expected.json` file.
pub fn expected_docs(rel: &str) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&read(rel)).expect("expected file is JSON");
    v["expected"]
        .as_array()
        .expect("an `expected` array")
        .clone()
}

/// Flattens nested objects into dotted keys; arrays and scalars are leaves.
pub fn flatten(v: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", v, &mut out);
    out
}

/// Fields whose list values are sets (order carries no meaning).
fn is_set_field(field: &str) -> bool {
    field.starts_with("related.")
        || matches!(
            field,
            "event.category" | "event.type" | "tags" | "user.roles"
        )
}

fn is_time_field(field: &str) -> bool {
    field == "@timestamp" || matches!(field, "event.start" | "event.end" | "event.created")
}

fn canonical(field: &str, v: &Value) -> Value {
    if is_time_field(field) {
        if let Some(t) = v.as_str().and_then(|s| Timestamp::parse_rfc3339(s).ok()) {
            return Value::from(t.as_nanos());
        }
    }
    if is_set_field(field) {
        let mut items: Vec<String> = match v {
            Value::Array(a) => a.iter().map(|x| x.to_string()).collect(),
            other => vec![other.to_string()],
        };
        items.sort();
        items.dedup();
        return Value::from(items);
    }
    // ECS keyword lists of one element equal the element itself.
    if let Value::Array(a) = v {
        if a.len() == 1 {
            return canonical(field, &a[0]);
        }
    }
    // Numbers compare by value (1 == 1.0).
    if let Some(f) = v.as_f64() {
        return Value::from(f);
    }
    v.clone()
}

/// Compares `fields` of `event` with the Elastic document `expected`, value
/// by value. A field the expected document has must be equal in vigie's
/// event; a field it lacks must be absent from vigie's event too, unless it
/// is listed in `extra_ok` (fields vigie sets where Elastic does not).
/// Every mismatch is collected before failing.
pub fn assert_ecs_fields(
    label: &str,
    expected: &Value,
    event: &Event,
    fields: &[&str],
    extra_ok: &[&str],
) {
    let exp = flatten(expected);
    let got = flatten(&event.to_json());
    let mut problems = Vec::new();
    for &f in fields {
        match (exp.get(f), got.get(f)) {
            (Some(e), Some(g)) if canonical(f, e) != canonical(f, g) => {
                problems.push(format!("{f}: expected {e}, vigie has {g}"));
            }
            (Some(e), None) => problems.push(format!("{f}: expected {e}, vigie has nothing")),
            (None, Some(g)) if !extra_ok.contains(&f) => {
                problems.push(format!("{f}: expected nothing, vigie has {g}"))
            }
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{label}:\n  {}", problems.join("\n  "));
}

/// The value of a dotted field of an event, for direct assertions.
pub fn field(event: &Event, name: &str) -> Option<Value> {
    if name == "@timestamp" {
        return Some(Value::String(event.timestamp.to_rfc3339()));
    }
    event.fields.get(name).cloned()
}
