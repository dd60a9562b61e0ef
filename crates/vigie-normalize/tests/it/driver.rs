//! The driver: framing, limits and per-record isolation across formats.

use vigie_normalize::{normalize_payload, Limits, NormalizeError, Registry};

#[test]
fn a_bad_record_is_rejected_alone_and_its_neighbours_kept() {
    let registry = Registry::default();
    let json = registry.get("json").unwrap();
    let body = b"{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"a\":1}\n{\"a\":\n{\"@timestamp\":\"2024-01-01T00:00:01Z\",\"b\":2}\n";
    let out = normalize_payload(&registry, Some(json), body, &Limits::default());
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.accepted, 2);
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].index, 1);
    assert_eq!(out.rejected[0].line, 2);
    assert!(matches!(out.rejected[0].error, NormalizeError::Json { .. }));
}

#[test]
fn oversized_and_deep_records_are_rejected_with_the_limit_named() {
    let registry = Registry::default();
    let limits = Limits {
        max_record_bytes: 64,
        max_depth: 4,
    };
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(100));
    let deep = "[[[[[[1]]]]]]";
    let ok = "{\"@timestamp\":\"2024-01-01T00:00:00Z\"}";
    let body = format!("{big}\n{deep}\n{ok}\n");
    let out = normalize_payload(&registry, registry.get("json"), body.as_bytes(), &limits);
    assert_eq!(out.events.len(), 1);
    let errors: Vec<String> = out.rejected.iter().map(|r| r.error.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("limit is 64"), "{}", errors[0]);
    assert!(errors[1].contains("deeper than 4"), "{}", errors[1]);
}

#[test]
fn invalid_utf8_is_rejected_with_its_offset() {
    let registry = Registry::default();
    let out = normalize_payload(
        &registry,
        registry.get("json"),
        b"{\"a\":\"\xff\"}\n",
        &Limits::default(),
    );
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].error, NormalizeError::Utf8 { offset: 6 });
}

#[test]
fn every_builtin_dataset_is_registered_once() {
    let registry = Registry::default();
    let mut names: Vec<&str> = registry.datasets().collect();
    let total = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), total);
    for d in [
        "aws.cloudtrail",
        "aws.guardduty",
        "aws.vpcflow",
        "gcp.audit",
        "azure.activitylogs",
        "azure.signinlogs",
        "azure.auditlogs",
        "kubernetes.audit",
        "falco.alerts",
        "gatekeeper.audit",
        "json",
    ] {
        assert!(registry.get(d).is_some(), "{d} missing");
    }
}

#[test]
fn a_cloudtrail_s3_file_over_a_mebibyte_is_accepted_with_default_limits() {
    // One S3 object is one JSON record; busy accounts deliver several MB.
    let file = vigie_synth::cloudtrail_s3_file(7, 3000);
    assert!(file.len() > 3 << 20, "the file is {} bytes", file.len());
    let registry = Registry::default();
    let out = normalize_payload(
        &registry,
        registry.get("aws.cloudtrail"),
        file.as_bytes(),
        &Limits::default(),
    );
    assert!(out.rejected.is_empty(), "{:?}", out.rejected.first());
    assert_eq!(out.events.len(), 3000);
}

/// Joins every record of a payload into one event, emitted at the end.
struct JoinAll;

impl vigie_normalize::Normalizer for JoinAll {
    fn dataset(&self) -> &str {
        "test.join"
    }
    fn sniff(&self, _: &str) -> bool {
        false
    }
    fn normalize(
        &self,
        record: &str,
        state: &mut vigie_normalize::StreamState,
        _out: &mut vigie_normalize::RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let buf = state
            .custom
            .get_or_insert_with(|| Box::new(Vec::<String>::new()));
        buf.downcast_mut::<Vec<String>>()
            .unwrap()
            .push(record.to_owned());
        Ok(())
    }
    fn finish(
        &self,
        state: &mut vigie_normalize::StreamState,
        out: &mut vigie_normalize::RecordOutput<'_>,
    ) {
        if let Some(buf) = state
            .custom
            .take()
            .and_then(|b| b.downcast::<Vec<String>>().ok())
        {
            out.push(vigie_normalize::Event::new(
                "test.join",
                vigie_normalize::Timestamp::from_nanos(0),
                buf.join("|"),
            ));
            out.reject_item(7, NormalizeError::MissingField("eoe"));
        }
    }
}

#[test]
fn the_end_of_stream_hook_emits_what_spans_records() {
    let registry = Registry::default();
    let out = normalize_payload(
        &registry,
        Some(&JoinAll),
        b"a\nb\n\nc\n",
        &Limits::default(),
    );
    assert_eq!(out.accepted, 3);
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].original, "a|b|c");
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(
        (
            out.rejected[0].index,
            out.rejected[0].line,
            out.rejected[0].item
        ),
        (2, 4, Some(7))
    );
}
