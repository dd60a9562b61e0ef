//! Generic JSON (`json`): the fallback, on JSON no other format claims.

use serde_json::Value;
use vigie_normalize::formats::generic_json::GenericJson;
use vigie_normalize::{normalize_payload, Limits, Registry, Timestamp};

use crate::common::{field, normalize_bytes, read};

#[test]
fn eve_lines_ingested_as_json_keep_their_timestamp() {
    // Suricata EVE lines sent to the generic `json` dataset (as a user with
    // no Suricata pipeline would) are timed by `timestamp` (offsets without
    // a colon, e.g. +0100). Auto-detection sends them to `suricata.eve`.
    let rel = "suricata/doc_examples/eve-json-format_examples.jsonl";
    let text = String::from_utf8(read(rel)).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let out = normalize_bytes(Some("json"), text.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events.len(), lines.len());
    let detected = normalize_bytes(None, text.as_bytes());
    assert!(detected
        .events
        .iter()
        .filter(|e| e.dataset() != "json")
        .all(|e| e.dataset() == "suricata.eve"));
    for (e, line) in out.events.iter().zip(&lines) {
        let src: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e.dataset(), "json");
        assert_eq!(e.original, *line);
        match src.get("timestamp").and_then(Value::as_str) {
            Some(t) => {
                assert_eq!(e.timestamp, Timestamp::parse_rfc3339(t).unwrap());
                assert_eq!(field(e, "vigie.timestamp_source"), None);
            }
            // The documentation's `pgsql` fragment has no time: ingest time.
            None => assert_eq!(field(e, "vigie.timestamp_source"), Some("ingest".into())),
        }
    }
    // The first example, converted by hand: 22:24:37.251547 at +01:00.
    assert_eq!(
        out.events[0].timestamp.to_rfc3339(),
        "2017-04-07T21:24:37.251547Z"
    );
}

#[test]
fn ecs_fields_are_copied_and_a_missing_time_is_marked() {
    let body = concat!(
        r#"{"@timestamp":"2024-06-01T12:00:00Z","message":"login","user":{"name":"eve"},"source.ip":"203.0.113.9","event":{"outcome":"failure"}}"#,
        "\n",
        r#"{"ts":1717243200123,"level":"warn","msg":"slow"}"#,
        "\n",
        r#"{"note":"no time here"}"#,
        "\n",
    );
    let before = Timestamp::now();
    let out = normalize_bytes(Some("json"), body.as_bytes());
    assert!(out.rejected.is_empty());
    let [a, b, c] = &out.events[..] else {
        panic!("expected 3 events, got {}", out.events.len())
    };
    assert_eq!(a.timestamp.to_rfc3339(), "2024-06-01T12:00:00.000Z");
    assert_eq!(field(a, "message"), Some("login".into()));
    assert_eq!(field(a, "user.name"), Some("eve".into()));
    assert_eq!(field(a, "source.ip"), Some("203.0.113.9".into()));
    assert_eq!(field(a, "event.outcome"), Some("failure".into()));
    assert_eq!(b.timestamp.to_rfc3339(), "2024-06-01T12:00:00.123Z");
    assert_eq!(field(b, "log.level"), Some("warn".into()));
    assert_eq!(field(b, "message"), Some("slow".into()));
    assert!(c.timestamp >= before);
    assert_eq!(field(c, "vigie.timestamp_source"), Some("ingest".into()));
}

#[test]
fn a_configured_dataset_replaces_json_and_uses_its_own_time_field() {
    let mut registry = Registry::default();
    registry.register(Box::new(GenericJson::new("json", vec!["meta.when".into()])));
    let body = br#"{"meta":{"when":"1700000000.5"},"@timestamp":"2000-01-01T00:00:00Z"}"#;
    let out = normalize_payload(&registry, registry.get("json"), body, &Limits::default());
    assert_eq!(
        out.events[0].timestamp.to_rfc3339(),
        "2023-11-14T22:13:20.500Z"
    );

    let custom = GenericJson::new("myapp.logs", vec!["t".into()]);
    let out = normalize_payload(
        &registry,
        Some(&custom),
        br#"{"t":1700000000}"#,
        &Limits::default(),
    );
    assert_eq!(out.events[0].dataset(), "myapp.logs");
}
