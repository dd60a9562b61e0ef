//! The whole notification path driven by hand: posted alerts into the
//! store, the dispatcher's groups and timers, silences through the marker,
//! and the notification log deciding what each integration is sent.

use vigie_alert::alert::{prepare_posted_alerts, Alert, Alerts, PostedAlert};
use vigie_alert::api_v2::request::{accept_alerts, parse_postable_alerts};
use vigie_alert::nflog::{integrations, plan, Decision, NotificationLog};
use vigie_alert::webhook::webhook_message;
use vigie_alert::{
    parse_matchers, Config, Dispatcher, Inhibitor, Marker, Silence, Silences, Timestamp,
};

const CONFIG: &str = "route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 1h\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://hook.example/\n";

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_709_640_000 + secs).expect("in range")
}

struct Harness {
    config: Config,
    alerts: Alerts,
    dispatcher: Dispatcher,
    marker: Marker,
    silences: Silences,
    log: NotificationLog,
}

impl Harness {
    fn new() -> Self {
        let config = Config::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
        let dispatcher = Dispatcher::new(&config).expect("valid routes");
        Self {
            config,
            alerts: Alerts::new(),
            dispatcher,
            marker: Marker::new(),
            silences: Silences::default(),
            log: NotificationLog::default(),
        }
    }

    fn post(&mut self, instance: &str, ends_at: Option<Timestamp>, now: Timestamp) {
        let posted = PostedAlert {
            labels: [("alertname", "Down"), ("instance", instance)]
                .into_iter()
                .collect(),
            ends_at,
            ..PostedAlert::default()
        };
        let resolve_timeout = self.config.global.resolve_timeout.get();
        let prepared = prepare_posted_alerts([posted], now, resolve_timeout);
        assert_eq!(prepared.error_message(), None);
        for alert in prepared.valid {
            let stored = self.alerts.put(alert, now);
            self.dispatcher.ingest(stored, now);
        }
    }

    /// Runs the flushes due at `now`; returns the instances sent.
    fn tick(&mut self, now: Timestamp) -> Vec<Vec<String>> {
        let mut sent = Vec::new();
        let inhibitor = Inhibitor::default();
        for flush in self.dispatcher.due(now) {
            let firing = self.alerts.firing_labels(now);
            let unmuted: Vec<Alert> = flush
                .alerts
                .iter()
                .filter(|a| {
                    let status =
                        self.marker
                            .refresh(&a.labels, &self.silences, &inhibitor, &firing, now);
                    status.silenced_by.is_empty() && status.inhibited_by.is_empty()
                })
                .cloned()
                .collect();
            let receiver = self.config.receiver(&flush.receiver).expect("receiver");
            for integration in integrations(receiver) {
                let p = plan(&flush, &unmuted, &integration, &self.log, now);
                if let Decision::Send(alerts) = &p.decision {
                    sent.push(
                        alerts
                            .iter()
                            .map(|a| a.labels.value_or_empty("instance").to_string())
                            .collect(),
                    );
                }
                if p.decision != Decision::Skip {
                    self.log.record(&flush, &integration.key, &p, now);
                }
            }
            self.dispatcher.complete(&flush);
        }
        sent
    }
}

#[test]
fn alerts_are_grouped_repeated_silenced_and_resolved_like_alertmanager() {
    let mut h = Harness::new();
    h.post("a", None, t(0));
    h.post("b", None, t(10));
    assert_eq!(h.tick(t(30)), [vec!["a", "b"]]);

    // Refreshed by the source every minute: nothing new, no repeat yet.
    h.post("a", None, t(60));
    h.post("b", None, t(60));
    assert!(h.tick(t(330)).is_empty());

    // A silence on b: the group now only has a, already notified.
    let silence = Silence {
        id: String::new(),
        matchers: parse_matchers("{instance=b}").expect("valid"),
        starts_at: t(400),
        ends_at: t(100_000),
        updated_at: t(400),
        created_by: "ops".into(),
        comment: "maintenance".into(),
    };
    h.silences.set(silence, t(400)).expect("valid silence");
    h.post("a", None, t(500));
    h.post("b", None, t(500));
    assert!(h.tick(t(630)).is_empty());

    // a resolves: webhooks send resolved alerts.
    h.post("a", Some(t(700)), t(700));
    h.post("b", None, t(700));
    assert_eq!(h.tick(t(930)), [vec!["a"]]);
    // Delivered: a left the group; b stays silenced.
    let groups = h.dispatcher.groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].alerts.len(), 1);
}

#[test]
fn a_posted_json_body_reaches_the_webhook_payload() {
    let mut h = Harness::new();
    let body =
        br#"[{"labels":{"alertname":"Down","instance":"a"},"annotations":{"summary":"down"}}]"#;
    let posted = parse_postable_alerts(body).expect("valid body");
    let (valid, answer) = accept_alerts(posted, t(0), h.config.global.resolve_timeout.get());
    assert_eq!(answer.status, 200);
    for alert in valid {
        let stored = h.alerts.put(alert, t(0));
        h.dispatcher.ingest(stored, t(0));
    }
    let flush = h
        .dispatcher
        .due(t(30))
        .pop()
        .expect("a flush after group_wait");
    let message = webhook_message(&flush, &flush.alerts, "http://am.example", 0);
    let json = serde_json::to_value(&message).expect("serialisable");
    assert_eq!(json["groupKey"], "{}:{alertname=\"Down\"}");
    assert_eq!(json["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
    assert_eq!(json["alerts"][0]["startsAt"], "2024-03-05T12:00:00Z");
    assert_eq!(json["commonAnnotations"]["summary"], "down");
    assert_eq!(json["version"], "4");
}

#[test]
fn the_repeat_interval_resends_an_unchanged_group() {
    let mut h = Harness::new();
    h.post("a", Some(t(100_000)), t(0));
    assert_eq!(h.tick(t(30)).len(), 1);
    let mut repeats = 0;
    let mut now = 30;
    while now < 30 + 3600 + 600 {
        now += 300;
        repeats += h.tick(t(now)).len();
    }
    assert_eq!(repeats, 1, "one repeat after an hour");
    assert_eq!(h.log.len(), 1, "one entry for the group and integration");
}
