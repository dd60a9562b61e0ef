use super::*;

const MIN: i64 = 60;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + secs).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

fn alert(start: i64, end: i64, updated: i64) -> Alert {
    Alert {
        labels: labels(&[("alertname", "Down")]),
        annotations: LabelSet::new(),
        starts_at: t(start),
        ends_at: t(end),
        generator_url: String::new(),
        updated_at: t(updated),
        timeout: false,
    }
}

fn posted(pairs: &[(&str, &str)]) -> PostedAlert {
    PostedAlert {
        labels: labels(pairs),
        ..PostedAlert::default()
    }
}

#[test]
fn resolution_includes_the_end_instant() {
    let a = alert(0, 10, 0);
    assert!(!a.resolved_at(t(9)));
    assert!(a.resolved_at(t(10)));
    assert_eq!(a.status_at(t(9)), FiringStatus::Firing);
    assert_eq!(a.status_at(t(11)).as_str(), "resolved");
}

#[test]
fn merge_keeps_the_earliest_start_and_the_newest_annotations() {
    let mut old = alert(0, 100, 1);
    old.annotations.insert("summary", "old");
    let mut new = alert(50, 100, 2);
    new.annotations.insert("summary", "new");
    let merged = old.merge(&new, t(10));
    assert_eq!(merged.starts_at, t(0));
    assert_eq!(merged.annotations.get("summary"), Some("new"));
    assert_eq!(merged.updated_at, t(2));
    // The argument order does not matter: the newer update wins.
    assert_eq!(new.merge(&old, t(10)), merged);
}

#[test]
fn merge_of_two_resolved_alerts_keeps_the_latest_end() {
    let old = alert(0, 30, 1);
    let new = alert(0, 20, 2);
    assert_eq!(old.merge(&new, t(40)).ends_at, t(30));
    // Only the newer one resolved: its end stands.
    assert_eq!(alert(0, 60, 1).merge(&new, t(40)).ends_at, t(20));
}

#[test]
fn merge_of_a_firing_alert_prefers_a_later_explicit_end_over_a_timeout() {
    let explicit = alert(0, 500, 1);
    let mut refreshed = alert(0, 300, 2);
    refreshed.timeout = true;
    assert_eq!(explicit.merge(&refreshed, t(10)).ends_at, t(500));
    let mut timed_out = alert(0, 500, 1);
    timed_out.timeout = true;
    assert_eq!(timed_out.merge(&refreshed, t(10)).ends_at, t(300));
}

#[test]
fn posting_without_times_starts_now_and_times_out_after_resolve_timeout() {
    let a = posted(&[("alertname", "A")])
        .into_alert(t(0), Duration::from_secs(300))
        .unwrap();
    assert_eq!(a.starts_at, t(0));
    assert_eq!(a.ends_at, t(300));
    assert!(a.timeout);
    assert_eq!(a.updated_at, t(0));
}

#[test]
fn posting_only_an_end_starts_at_that_end() {
    let mut p = posted(&[("alertname", "A")]);
    p.ends_at = Some(t(-10));
    let a = p.into_alert(t(0), Duration::from_secs(300)).unwrap();
    assert_eq!((a.starts_at, a.ends_at, a.timeout), (t(-10), t(-10), false));
    assert!(a.resolved_at(t(0)));
}

#[test]
fn posting_checks_times_then_labels_then_annotations() {
    let rt = Duration::from_secs(300);
    let mut backwards = posted(&[("alertname", "A")]);
    backwards.starts_at = Some(t(10));
    backwards.ends_at = Some(t(5));
    assert_eq!(
        backwards.into_alert(t(0), rt),
        Err(AlertError::EndsBeforeStart)
    );
    assert_eq!(
        posted(&[("bad-name", "x")])
            .into_alert(t(0), rt)
            .unwrap_err()
            .to_string(),
        "invalid label set: invalid name \"bad-name\""
    );
    // A label with an empty value is dropped first, leaving none.
    assert_eq!(
        posted(&[("alertname", "")]).into_alert(t(0), rt),
        Err(AlertError::Labels(LabelError::Empty))
    );
    let mut bad_annotation = posted(&[("alertname", "A")]);
    bad_annotation.annotations.insert("1x", "y");
    assert_eq!(
        bad_annotation.into_alert(t(0), rt).unwrap_err().to_string(),
        "invalid annotations: invalid name \"1x\""
    );
}

#[test]
fn a_batch_keeps_valid_alerts_and_joins_the_errors() {
    let batch = vec![
        posted(&[("alertname", "A")]),
        posted(&[]),
        posted(&[("a-b", "1")]),
    ];
    let prepared = prepare_posted_alerts(batch, t(0), Duration::from_secs(60));
    assert_eq!(prepared.valid.len(), 1);
    assert_eq!(
        prepared.error_message().as_deref(),
        Some("at least one label pair required; invalid label set: invalid name \"a-b\"")
    );
    let fine = prepare_posted_alerts(vec![posted(&[("x", "1")])], t(0), Duration::ZERO);
    assert_eq!(fine.error_message(), None);
}

#[test]
fn put_merges_overlapping_spans_and_replaces_others() {
    let mut store = Alerts::new();
    store.put(alert(0, 100, 0), t(0));
    // Starts inside the stored span: merged, start kept.
    let stored = store.put(alert(50, 200, 10), t(10));
    assert_eq!((stored.starts_at, stored.ends_at), (t(0), t(200)));
    // Starts after the stored end: a new occurrence replaces it.
    let stored = store.put(alert(300, 400, 20), t(20));
    assert_eq!(stored.starts_at, t(300));
    assert_eq!(store.len(), 1);
    assert_eq!(store.get(stored.fingerprint()), Some(&*stored));
}

#[test]
fn regression_put_bounds_are_exclusive_as_in_alertmanager() {
    let mut store = Alerts::new();
    store.put(alert(0, 100, 0), t(0));
    // Starts exactly at the stored end: not overlapping, replaced.
    let stored = store.put(alert(100, 150, 5), t(5));
    assert_eq!(stored.starts_at, t(100));
}

#[test]
fn resolving_a_firing_alert_through_put_keeps_its_start() {
    let mut store = Alerts::new();
    let mut firing = alert(0, 5 * MIN, 0);
    firing.timeout = true;
    store.put(firing, t(0));
    let resolved = store.put(alert(60, 60, 60), t(60));
    assert_eq!((resolved.starts_at, resolved.ends_at), (t(0), t(60)));
}

#[test]
fn gc_drops_only_resolved_alerts() {
    let mut store = Alerts::new();
    store.put(alert(0, 10, 0), t(0));
    let mut other = alert(0, 100, 0);
    other.labels = labels(&[("alertname", "Other")]);
    store.put(other.clone(), t(0));
    assert_eq!(store.firing_labels(t(5)).len(), 2);
    assert!(store.gc(t(5)).is_empty());
    let dropped = store.gc(t(10));
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].labels.get("alertname"), Some("Down"));
    assert_eq!(store.iter().collect::<Vec<_>>(), [&other]);
}

#[test]
fn notification_order_puts_job_and_instance_first() {
    let mk = |pairs: &[(&str, &str)]| Alert {
        labels: labels(pairs),
        ..alert(0, 1, 0)
    };
    let with_job_b = mk(&[("job", "b")]);
    let with_job_a = mk(&[("job", "a"), ("zz", "1")]);
    let no_job = mk(&[("a", "1")]);
    let mut all = [no_job.clone(), with_job_b.clone(), with_job_a.clone()];
    all.sort_by(notification_order);
    assert_eq!(all, [with_job_a, with_job_b, no_job]);
    // Without job/instance: fewer labels first, then values.
    assert!(label_set_before(
        &labels(&[("z", "1")]),
        &labels(&[("a", "1"), ("b", "1")])
    ));
    assert!(label_set_before(
        &labels(&[("a", "1")]),
        &labels(&[("a", "2")])
    ));
    // The set lacking the first name in order sorts first (Go's rule).
    assert!(label_set_before(
        &labels(&[("b", "1")]),
        &labels(&[("a", "1")])
    ));
    assert!(!label_set_before(
        &labels(&[("a", "1")]),
        &labels(&[("b", "1")])
    ));
    assert!(!label_set_before(
        &labels(&[("a", "1")]),
        &labels(&[("a", "1")])
    ));
}

#[test]
fn alerts_round_trip_through_serde_with_api_field_names() {
    let mut store = Alerts::new();
    let mut a = alert(0, 10, 0);
    a.generator_url = "http://prom/graph".into();
    store.put(a, t(0));
    let json = serde_json::to_string(&store).unwrap();
    assert!(
        json.contains("\"generatorURL\":\"http://prom/graph\""),
        "{json}"
    );
    assert!(
        json.contains("\"startsAt\":\"2023-11-14T22:13:20.000Z\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Alerts>(&json).unwrap(), store);
}

#[test]
fn chunks_cover_the_store_once_in_fingerprint_order() {
    let mut store = Alerts::new();
    for i in 0..25 {
        let mut a = alert(0, 100, 0);
        a.labels = labels(&[("alertname", "Down"), ("instance", &format!("i{i}"))]);
        store.put(a, t(0));
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let chunk = store.chunk_after(after, 7);
        assert!(chunk.len() <= 7);
        let Some(last) = chunk.last() else { break };
        after = Some(last.fingerprint());
        seen.extend(chunk.iter().map(|a| a.fingerprint()));
    }
    let all: Vec<Fingerprint> = store.iter().map(Alert::fingerprint).collect();
    assert_eq!(seen, all);
    assert_eq!(seen.len(), 25);
}
