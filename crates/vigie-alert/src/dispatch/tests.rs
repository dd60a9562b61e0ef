use super::*;

const CONFIG: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [team=db]
      receiver: db
      continue: true
    - matchers: [team=db]
      receiver: db-archive
      group_by: ['...']
    - matchers: [team=night]
      receiver: night
      active_time_intervals: [nights]
    - matchers: [team=muted]
      receiver: muted
      mute_time_intervals: [nights]
receivers:
  - name: default
  - name: db
  - name: db-archive
  - name: night
  - name: muted
time_intervals:
  - name: nights
    time_intervals:
      - times: [{start_time: '00:00', end_time: '06:00'}]
"#;

fn dispatcher() -> Dispatcher {
    let config = Config::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    Dispatcher::new(&config).unwrap()
}

/// 2024-03-05 (a Tuesday) at 12:00 UTC plus `secs`.
fn t(secs: i64) -> Timestamp {
    let noon = Timestamp::from_civil(2024, 3, 5, 12, 0, 0, 0).unwrap();
    Timestamp::from_nanos(noon.as_nanos() + secs * 1_000_000_000)
}

fn alert(pairs: &[(&str, &str)], start: i64, end: i64) -> Alert {
    Alert {
        labels: pairs.iter().copied().collect(),
        annotations: LabelSet::new(),
        starts_at: t(start),
        ends_at: t(end),
        generator_url: String::new(),
        updated_at: t(start),
        timeout: true,
    }
}

fn names(flush: &Flush) -> Vec<&str> {
    flush
        .alerts
        .iter()
        .map(|a| a.labels.value_or_empty("instance"))
        .collect()
}

#[test]
fn first_flush_waits_group_wait_then_follows_group_interval() {
    let mut d = dispatcher();
    d.ingest(
        alert(&[("alertname", "Down"), ("instance", "a")], 0, 3600),
        t(0),
    );
    assert_eq!(d.next_deadline(), Some(t(30)));
    assert!(d.due(t(29)).is_empty());
    d.ingest(
        alert(&[("alertname", "Down"), ("instance", "b")], 10, 3600),
        t(10),
    );
    let flushes = d.due(t(30));
    assert_eq!(flushes.len(), 1);
    let flush = &flushes[0];
    assert_eq!(flush.group_key, "{}:{alertname=\"Down\"}");
    assert_eq!(flush.receiver, "default");
    assert_eq!(flush.route_id, "{}");
    assert_eq!(names(flush), ["a", "b"]);
    assert_eq!(flush.repeat_interval, Duration::from_secs(4 * 3600));
    assert_eq!(d.next_deadline(), Some(t(330)));
    assert!(d.due(t(329)).is_empty());
    assert_eq!(d.due(t(330)).len(), 1);
}

#[test]
fn an_alert_older_than_group_wait_flushes_a_new_group_at_once() {
    let mut d = dispatcher();
    d.ingest(alert(&[("alertname", "Old")], -120, 3600), t(0));
    assert_eq!(d.next_deadline(), Some(t(0)));
    assert_eq!(d.due(t(0)).len(), 1);
}

#[test]
fn regression_an_old_alert_does_not_hurry_a_group_that_already_flushed() {
    let mut d = dispatcher();
    d.ingest(
        alert(&[("alertname", "Down"), ("instance", "a")], 0, 3600),
        t(0),
    );
    assert_eq!(d.due(t(30)).len(), 1);
    d.ingest(
        alert(&[("alertname", "Down"), ("instance", "b")], -900, 3600),
        t(60),
    );
    assert_eq!(d.next_deadline(), Some(t(330)));
}

#[test]
fn resolved_alerts_are_sent_once_then_the_empty_group_goes() {
    let mut d = dispatcher();
    d.ingest(
        alert(&[("alertname", "Down"), ("instance", "a")], 0, 3600),
        t(0),
    );
    let first = d.due(t(30));
    d.complete(&first[0]);
    assert_eq!(first[0].firing().count(), 1);
    // Resolved at 100: still in the group until a delivered flush.
    let mut resolved = alert(&[("alertname", "Down"), ("instance", "a")], 0, 100);
    resolved.updated_at = t(100);
    d.ingest(resolved, t(100));
    let second = d.due(t(330));
    assert_eq!(second[0].resolved().count(), 1);
    assert_eq!(d.group_count(), 1);
    d.complete(&second[0]);
    assert_eq!(d.group_count(), 0);
    assert_eq!(d.next_deadline(), None);
}

#[test]
fn an_undelivered_flush_keeps_resolved_alerts_for_the_next_one() {
    let mut d = dispatcher();
    d.ingest(alert(&[("alertname", "Down")], 0, 10), t(0));
    let failed = d.due(t(30));
    assert_eq!(failed[0].resolved().count(), 1);
    // Not completed: the next flush carries the alert again.
    let retry = d.due(t(330));
    assert_eq!(retry[0].resolved().count(), 1);
    d.complete(&retry[0]);
    assert_eq!(d.group_count(), 0);
}

#[test]
fn regression_an_alert_updated_after_the_flush_stays_in_the_group() {
    let mut d = dispatcher();
    d.ingest(alert(&[("alertname", "Down")], 0, 10), t(0));
    let flush = d.due(t(30));
    // It fires again before the delivery is reported.
    let mut again = alert(&[("alertname", "Down")], 40, 3600);
    again.updated_at = t(40);
    d.ingest(again, t(40));
    d.complete(&flush[0]);
    assert_eq!(d.group_count(), 1);
    assert_eq!(d.due(t(330))[0].firing().count(), 1);
}

#[test]
fn continue_fans_out_to_sibling_routes_with_their_own_grouping() {
    let mut d = dispatcher();
    let a = &[("alertname", "Slow"), ("team", "db"), ("instance", "x")];
    d.ingest(alert(a, 0, 3600), t(0));
    let b = &[("alertname", "Slow"), ("team", "db"), ("instance", "y")];
    d.ingest(alert(b, 0, 3600), t(0));
    let flushes = d.due(t(30));
    let summary: Vec<(&str, &str, usize)> = flushes
        .iter()
        .map(|f| (f.receiver.as_str(), f.group_key.as_str(), f.alerts.len()))
        .collect();
    assert_eq!(summary.len(), 3, "{summary:?}");
    assert!(summary.contains(&("db", "{}/{team=\"db\"}:{alertname=\"Slow\"}", 2)));
    // `...`: one group per distinct label set.
    assert!(summary.contains(&(
        "db-archive",
        "{}/{team=\"db\"}:{alertname=\"Slow\", instance=\"x\", team=\"db\"}",
        1
    )));
    let archive: Vec<_> = flushes
        .iter()
        .filter(|f| f.receiver == "db-archive")
        .collect();
    assert_eq!(archive.len(), 2);
    assert!(archive.iter().all(|f| f.route_id == "{}/{team=\"db\"}/1"));
}

#[test]
fn active_and_mute_time_intervals_apply_at_flush_time() {
    let mut d = dispatcher();
    // Both alerts are resolved by the first flush.
    d.ingest(alert(&[("alertname", "X"), ("team", "night")], 0, 10), t(0));
    d.ingest(alert(&[("alertname", "X"), ("team", "muted")], 0, 10), t(0));
    // Noon: outside the night interval. The night route is inactive, the
    // muted route is not muted.
    let flushes = d.due(t(30));
    let receivers: Vec<&str> = flushes.iter().map(|f| f.receiver.as_str()).collect();
    assert_eq!(receivers, ["muted"]);
    // The inactive route's flush counted as delivered: its resolved alert
    // and then its group are gone.
    assert_eq!(d.group_count(), 1);
    d.complete(&flushes[0]);
    assert_eq!(d.group_count(), 0);

    // Tonight at 01:00 (13 hours later) it is the other way round.
    let mut d = dispatcher();
    let night = 13 * 3600;
    d.ingest(
        alert(
            &[("alertname", "X"), ("team", "night")],
            night,
            night + 3600,
        ),
        t(night),
    );
    d.ingest(
        alert(
            &[("alertname", "X"), ("team", "muted")],
            night,
            night + 3600,
        ),
        t(night),
    );
    let flushes = d.due(t(night + 30));
    let receivers: Vec<&str> = flushes.iter().map(|f| f.receiver.as_str()).collect();
    assert_eq!(receivers, ["night"]);
    // The muted group is still there, waiting for its next interval.
    assert_eq!(d.group_count(), 2);
}

#[test]
fn groups_lists_every_group_sorted_by_labels_then_receiver() {
    let mut d = dispatcher();
    d.ingest(alert(&[("alertname", "B")], 0, 3600), t(0));
    d.ingest(alert(&[("alertname", "A"), ("job", "j")], 0, 3600), t(0));
    d.ingest(alert(&[("alertname", "A"), ("job", "i")], 0, 3600), t(0));
    let groups = d.groups();
    let listed: Vec<(&str, Vec<&str>)> = groups
        .iter()
        .map(|g| {
            let jobs = g
                .alerts
                .iter()
                .map(|a| a.labels.value_or_empty("job"))
                .collect();
            (g.labels.value_or_empty("alertname"), jobs)
        })
        .collect();
    assert_eq!(listed, [("A", vec!["i", "j"]), ("B", vec![""])]);
    assert_eq!(groups[0].receiver, "default");
}

#[test]
fn a_missing_time_interval_is_a_typed_error() {
    let mut config = Config::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    config.time_intervals.clear();
    assert_eq!(
        Dispatcher::new(&config).unwrap_err(),
        DispatchError::UnknownTimeInterval("nights".into())
    );
}
