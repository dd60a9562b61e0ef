//! Unit and property tests of the generic JSON normalizer.

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn run(n: &GenericJson, record: &str) -> Result<Vec<Event>, NormalizeError> {
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    n.normalize(record, &mut StreamState::default(), &mut out)?;
    Ok(events)
}

fn one(n: &GenericJson, record: &str) -> Event {
    let mut events = run(n, record).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn ts(v: Value) -> Option<String> {
    parse_time_value(&v).map(Timestamp::to_rfc3339)
}

#[test]
fn time_values_in_every_spelling() {
    let t = Some("2021-09-29T04:17:50.307540200Z".to_owned());
    assert_eq!(ts(json!("2021-09-29T04:17:50.3075402Z")), t);
    // f64 numbers: exact to the float's precision (a few hundred ns).
    for v in [
        json!(1632889070.3075402),
        json!(1632889070307.5402),
        json!(1.6328890703075402e12),
    ] {
        let got = parse_time_value(&v).unwrap().as_nanos();
        assert!(
            (got - 1_632_889_070_307_540_200).abs() < 1_000,
            "{v}: {got}"
        );
    }
    assert_eq!(
        ts(json!(1.6e17)).as_deref(),
        Some("1975-01-26T20:26:40.000Z")
    );
    assert_eq!(ts(json!(1e21)), None); // beyond year 2262
    assert_eq!(ts(json!("1632889070.3075402")), t);
    assert_eq!(ts(json!(1632889070307540200u64)), t);
    assert_eq!(
        ts(json!(1632889070307540u64)).as_deref(),
        Some("2021-09-29T04:17:50.307540Z")
    );
    assert_eq!(
        ts(json!(1632889070)).as_deref(),
        Some("2021-09-29T04:17:50.000Z")
    );
    assert_eq!(
        ts(json!("1632889070307")).as_deref(),
        Some("2021-09-29T04:17:50.307Z")
    );
    assert_eq!(ts(json!(0)).as_deref(), Some("1970-01-01T00:00:00.000Z"));
    for bad in [
        json!("soon"),
        json!(""),
        json!(true),
        json!(null),
        json!({"a": 1}),
        json!("1e5"),
        json!("99999999999999999999999999"),
    ] {
        assert_eq!(ts(bad.clone()), None, "{bad}");
    }
}

#[test]
fn lookup_handles_nested_dotted_and_mixed() {
    let v = json!({"a": {"b.c": {"d": 1}}, "x.y": 2, "p": {"q": 3}});
    let obj = v.as_object().unwrap();
    assert_eq!(lookup(obj, "a.b.c.d"), Some(&json!(1)));
    assert_eq!(lookup(obj, "x.y"), Some(&json!(2)));
    assert_eq!(lookup(obj, "p.q"), Some(&json!(3)));
    assert_eq!(lookup(obj, "p.r"), None);
    assert_eq!(lookup(obj, "a."), None);
}

#[test]
fn default_fields_and_ecs_copies() {
    let n = GenericJson::default();
    assert_eq!(n.dataset(), "json");
    let rec = r#"{"ts":1700000000,"msg":"hello","host":{"name":"h1"},"user.name":"bob","source":{"ip":"10.1.1.1","port":22},"destination.ip":"not-an-ip","tags":["a","b"],"deep":{"x":1}}"#;
    let e = one(&n, rec);
    assert_eq!(e.original, rec);
    assert_eq!(e.timestamp.to_rfc3339(), "2023-11-14T22:13:20.000Z");
    assert_eq!(e.fields.get("message"), Some(&json!("hello")));
    assert_eq!(e.fields.get("host.name"), Some(&json!("h1")));
    assert_eq!(e.fields.get("user.name"), Some(&json!("bob")));
    assert_eq!(e.fields.get("related.user"), Some(&json!(["bob"])));
    assert_eq!(e.fields.get("source.ip"), Some(&json!("10.1.1.1")));
    assert_eq!(e.fields.get("source.port"), Some(&json!(22)));
    assert_eq!(e.fields.get("related.ip"), Some(&json!(["10.1.1.1"])));
    assert_eq!(e.fields.get("destination.ip"), None);
    assert_eq!(e.fields.get("tags"), Some(&json!(["a", "b"])));
    assert_eq!(e.fields.get(TIMESTAMP_SOURCE), None);
    assert_eq!(e.fields.get("event.dataset"), Some(&json!("json")));
}

#[test]
fn the_first_parseable_field_wins_else_ingest_time() {
    let n = GenericJson::default();
    let e = one(
        &n,
        r#"{"@timestamp":"garbage","time":"2024-01-01T00:00:00Z"}"#,
    );
    assert_eq!(e.timestamp.to_rfc3339(), "2024-01-01T00:00:00.000Z");
    let before = Timestamp::now();
    let e = one(&n, r#"{"a":1}"#);
    assert!(e.timestamp >= before);
    assert_eq!(e.fields.get(TIMESTAMP_SOURCE), Some(&json!("ingest")));
}

#[test]
fn configured_dataset_and_dotted_timestamp_path() {
    let n = GenericJson::new("myapp", vec!["event.created".into()]);
    assert_eq!(n.dataset(), "myapp");
    assert_eq!(n.timestamp_fields(), ["event.created".to_owned()]);
    let e = one(
        &n,
        r#"{"event":{"created":"2024-03-04T05:06:07+02:00"},"@timestamp":"2020-01-01T00:00:00Z"}"#,
    );
    assert_eq!(e.timestamp.to_rfc3339(), "2024-03-04T03:06:07.000Z");
    assert_eq!(e.dataset(), "myapp");
}

#[test]
fn non_objects_are_rejected_and_sniff_wants_an_object() {
    let n = GenericJson::default();
    assert!(matches!(
        run(&n, "[1,2]").unwrap_err(),
        NormalizeError::WrongFormat { .. }
    ));
    assert!(matches!(
        run(&n, "{\"a\":").unwrap_err(),
        NormalizeError::Json { .. }
    ));
    assert!(n.sniff(" {\"a\":1} "));
    assert!(!n.sniff("[1]") && !n.sniff("plain text"));
}

proptest! {
    #[test]
    fn generated_fields_and_times_come_back(
        msg in "\\PC{1,40}", user in "\\PC{1,20}", secs in 100_000_000i64..9_000_000_000, millis in 0i64..1000,
        unit in 0usize..3, nested in any::<bool>(), key in 0usize..4,
    ) {
        let t = Timestamp::from_nanos(secs * 1_000_000_000 + millis * 1_000_000);
        let time = match unit {
            0 => json!(t.to_rfc3339()),
            1 => json!(secs * 1000 + millis),
            _ => json!(format!("{secs}.{millis:03}")),
        };
        let mut obj = Map::new();
        obj.insert(DEFAULT_TIMESTAMP_FIELDS[key].to_owned(), time);
        obj.insert("message".into(), json!(msg));
        if nested {
            obj.insert("user".into(), json!({"name": user}));
        } else {
            obj.insert("user.name".into(), json!(user));
        }
        let rec = Value::Object(obj).to_string();
        let e = one(&GenericJson::default(), &rec);
        prop_assert_eq!(&e.original, &rec);
        prop_assert_eq!(e.timestamp, t);
        prop_assert_eq!(e.fields.get("message"), Some(&json!(msg)));
        prop_assert_eq!(e.fields.get("user.name"), Some(&json!(user)));
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
        if let Ok(events) = run(&GenericJson::default(), &s) {
            prop_assert!(events.iter().all(|e| e.original == s));
        }
    }

    #[test]
    fn arbitrary_numbers_never_panic(n in any::<f64>(), i in any::<i64>(), u in any::<u64>()) {
        let _ = parse_time_value(&json!(n));
        let _ = parse_time_value(&json!(i));
        let _ = parse_time_value(&json!(u));
        let _ = parse_time_value(&json!(n.to_string()));
    }
}
