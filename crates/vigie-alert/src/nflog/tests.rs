use super::*;
use crate::labels::LabelSet;

const HOUR: u64 = 3600;

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + secs).unwrap()
}

fn set(items: &[u64]) -> BTreeSet<u64> {
    items.iter().copied().collect()
}

fn entry(firing: &[u64], resolved: &[u64], at: i64) -> Entry {
    Entry {
        group_key: "{}:{}".into(),
        integration: key(),
        timestamp: t(at),
        firing_alerts: set(firing),
        resolved_alerts: set(resolved),
        expires_at: t(at + 1000),
    }
}

fn key() -> IntegrationKey {
    IntegrationKey {
        receiver: "team".into(),
        integration: "webhook".into(),
        index: 0,
    }
}

fn alert(name: &str, end: i64) -> Alert {
    Alert {
        labels: [("alertname", name)].into_iter().collect::<LabelSet>(),
        annotations: LabelSet::new(),
        starts_at: t(0),
        ends_at: t(end),
        generator_url: String::new(),
        updated_at: t(0),
        timeout: false,
    }
}

fn flush(alerts: Vec<Alert>, at: i64) -> Flush {
    Flush {
        group_key: "{}:{}".into(),
        receiver: "team".into(),
        route_id: "{}".into(),
        group_labels: LabelSet::new(),
        alerts,
        flushed_at: t(at),
        repeat_interval: Duration::from_secs(4 * HOUR),
    }
}

fn integration(send_resolved: bool) -> Integration {
    Integration {
        key: key(),
        send_resolved,
    }
}

#[test]
fn without_an_entry_only_firing_alerts_are_worth_a_notification() {
    let repeat = Duration::from_secs(HOUR);
    assert!(needs_update(
        None,
        &set(&[1]),
        &set(&[]),
        true,
        repeat,
        t(0)
    ));
    assert!(!needs_update(
        None,
        &set(&[]),
        &set(&[2]),
        true,
        repeat,
        t(0)
    ));
}

#[test]
fn new_firing_alerts_notify_and_known_ones_wait_for_the_repeat_interval() {
    let repeat = Duration::from_secs(HOUR);
    let last = entry(&[1], &[], 0);
    assert!(needs_update(
        Some(&last),
        &set(&[1, 2]),
        &set(&[]),
        false,
        repeat,
        t(10)
    ));
    assert!(!needs_update(
        Some(&last),
        &set(&[1]),
        &set(&[]),
        false,
        repeat,
        t(3600)
    ));
    assert!(needs_update(
        Some(&last),
        &set(&[1]),
        &set(&[]),
        false,
        repeat,
        t(3601)
    ));
}

#[test]
fn all_resolved_notifies_only_if_something_was_firing_before() {
    let repeat = Duration::from_secs(HOUR);
    let was_firing = entry(&[1], &[], 0);
    assert!(needs_update(
        Some(&was_firing),
        &set(&[]),
        &set(&[1]),
        false,
        repeat,
        t(1)
    ));
    let nothing_firing = entry(&[], &[1], 0);
    assert!(!needs_update(
        Some(&nothing_firing),
        &set(&[]),
        &set(&[1, 2]),
        true,
        repeat,
        t(9999)
    ));
}

#[test]
fn newly_resolved_alerts_notify_only_with_send_resolved() {
    let repeat = Duration::from_secs(HOUR);
    let last = entry(&[1, 2], &[], 0);
    assert!(needs_update(
        Some(&last),
        &set(&[1]),
        &set(&[2]),
        true,
        repeat,
        t(1)
    ));
    assert!(!needs_update(
        Some(&last),
        &set(&[1]),
        &set(&[2]),
        false,
        repeat,
        t(1)
    ));
}

#[test]
fn regression_a_huge_repeat_interval_never_overflows_into_a_repeat() {
    let last = entry(&[1], &[], 0);
    assert!(!needs_update(
        Some(&last),
        &set(&[1]),
        &set(&[]),
        false,
        Duration::MAX,
        t(10 * 365 * 86_400)
    ));
}

#[test]
fn plan_sends_everything_with_send_resolved_and_only_firing_without() {
    let log = NotificationLog::default();
    let f = flush(vec![alert("A", 1000), alert("B", 5)], 10);
    let with = plan(&f, &f.alerts, &integration(true), &log, t(10));
    assert_eq!(with.decision, Decision::Send(f.alerts.clone()));
    assert_eq!(with.firing.len(), 1);
    assert_eq!(with.resolved.len(), 1);
    let without = plan(&f, &f.alerts, &integration(false), &log, t(10));
    assert_eq!(without.decision, Decision::Send(vec![alert("A", 1000)]));
}

#[test]
fn plan_of_only_resolved_alerts_without_send_resolved_records_without_sending() {
    let mut log = NotificationLog::default();
    let first = flush(vec![alert("A", 1000)], 10);
    let sent = plan(&first, &first.alerts, &integration(false), &log, t(10));
    log.record(&first, &key(), &sent, t(10));
    let later = flush(vec![alert("A", 20)], 310);
    let p = plan(&later, &later.alerts, &integration(false), &log, t(310));
    assert_eq!(p.decision, Decision::RecordOnly);
    log.record(&later, &key(), &p, t(310));
    let entry = log.query("{}:{}", &key()).unwrap();
    assert!(entry.firing_alerts.is_empty());
    assert_eq!(entry.resolved_alerts.len(), 1);
}

#[test]
fn plan_skips_when_everything_was_muted_or_nothing_changed() {
    let mut log = NotificationLog::default();
    let f = flush(vec![alert("A", 100_000)], 10);
    assert_eq!(
        plan(&f, &[], &integration(true), &log, t(10)).decision,
        Decision::Skip
    );
    let p = plan(&f, &f.alerts, &integration(true), &log, t(10));
    log.record(&f, &key(), &p, t(10));
    let again = flush(vec![alert("A", 100_000)], 310);
    let p = plan(&again, &again.alerts, &integration(true), &log, t(310));
    assert_eq!(p.decision, Decision::Skip);
    // Four hours later the repeat interval has passed.
    let p = plan(
        &again,
        &again.alerts,
        &integration(true),
        &log,
        t(10 + 4 * 3600 + 1),
    );
    assert!(matches!(p.decision, Decision::Send(_)));
}

#[test]
fn entries_expire_after_twice_the_repeat_interval_or_the_retention() {
    let mut log = NotificationLog::new(Duration::from_secs(10 * HOUR));
    let f = flush(vec![alert("A", 100_000)], 0);
    let p = plan(&f, &f.alerts, &integration(true), &log, t(0));
    log.record(&f, &key(), &p, t(0));
    assert_eq!(log.query("{}:{}", &key()).unwrap().expires_at, t(8 * 3600));
    assert_eq!(log.gc(t(8 * 3600 - 1)), 0);
    assert_eq!(log.gc(t(8 * 3600)), 1);
    assert!(log.is_empty());
    let mut short = NotificationLog::new(Duration::from_secs(HOUR));
    short.log(
        &key(),
        "g",
        set(&[1]),
        set(&[]),
        Duration::from_secs(8 * HOUR),
        t(0),
    );
    assert_eq!(short.query("g", &key()).unwrap().expires_at, t(3600));
}

#[test]
fn an_older_write_does_not_replace_a_newer_entry_and_the_log_round_trips() {
    let mut log = NotificationLog::default();
    log.log(&key(), "g", set(&[1]), set(&[]), Duration::ZERO, t(100));
    log.log(&key(), "g", set(&[2]), set(&[]), Duration::ZERO, t(50));
    assert_eq!(log.query("g", &key()).unwrap().firing_alerts, set(&[1]));
    assert_eq!(key().to_string(), "team/webhook/0");
    let json = serde_json::to_string(&log).unwrap();
    assert_eq!(serde_json::from_str::<NotificationLog>(&json).unwrap(), log);
}

#[test]
fn integrations_follow_alertmanager_order_with_per_type_indexes() {
    let text = "route:\n  receiver: r\nreceivers:\n  - name: r\n    slack_configs:\n      - api_url: http://slack.example/x\n    webhook_configs:\n      - url: http://a.example/\n      - url: http://b.example/\n        send_resolved: false\n";
    let config = crate::config::Config::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let list = integrations(config.receiver("r").unwrap());
    let keys: Vec<String> = list.iter().map(|i| i.key.to_string()).collect();
    assert_eq!(keys, ["r/webhook/0", "r/webhook/1", "r/slack/0"]);
    let flags: Vec<bool> = list.iter().map(|i| i.send_resolved).collect();
    assert_eq!(flags, [true, false, false]);
}
