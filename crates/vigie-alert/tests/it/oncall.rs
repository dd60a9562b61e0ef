//! End to end over `tests/data/oncall.yml`: routing, time intervals,
//! silences and inhibition used together the way a dispatcher would.

use vigie_alert::config::Config;
use vigie_alert::matcher::parse_matchers;
use vigie_alert::{Inhibitor, LabelSet, Route, Silence, Silences, Timestamp};

use crate::config_files::fixture;

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

fn at(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    Timestamp::from_civil(y, mo, d, h, mi, 0, 0).expect("valid date")
}

fn config() -> Config {
    Config::parse(&fixture("oncall.yml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Receivers that would be notified at `now`: routes whose active intervals
/// (if any) contain `now` and whose mute intervals do not.
fn notified(config: &Config, tree: &Route, alert: &LabelSet, now: Timestamp) -> Vec<String> {
    let within = |names: &[String]| {
        names.iter().any(|n| {
            config
                .time_interval(n)
                .is_some_and(|ti| ti.contains(now, 0))
        })
    };
    tree.matching_routes(alert)
        .into_iter()
        .filter(|r| {
            r.options.active_time_intervals.is_empty() || within(&r.options.active_time_intervals)
        })
        .filter(|r| !within(&r.options.mute_time_intervals))
        .map(|r| r.options.receiver.clone())
        .collect()
}

#[test]
fn slack_receivers_take_the_global_url_and_keep_their_own_settings() {
    let c = config();
    let slack = &c.receiver("slack-default").expect("receiver").slack_configs[0];
    assert!(slack.send_resolved);
    assert_eq!(
        slack.api_url.as_ref().map(|s| s.expose()),
        Some("https://hooks.slack.example/services/T000/B000/XXXX")
    );
    assert_eq!(c.global.resolve_timeout.to_string(), "10m");
}

#[test]
fn critical_alerts_page_and_fall_through_to_the_team_in_business_hours() {
    let c = config();
    let tree = Route::from_config(&c.route).expect("checked");
    let alert = labels(&[
        ("alertname", "DiskFull"),
        ("severity", "critical"),
        ("team", "db"),
    ]);
    // Tuesday 2024-03-05 10:00 UTC: business hours.
    assert_eq!(
        notified(&c, &tree, &alert, at(2024, 3, 5, 10, 0)),
        ["pager", "db-team"]
    );
    // Saturday: the db route is not active.
    assert_eq!(
        notified(&c, &tree, &alert, at(2024, 3, 9, 10, 0)),
        ["pager"]
    );
    // Christmas Eve, a Tuesday in 2024, in business hours: muted.
    assert_eq!(
        notified(&c, &tree, &alert, at(2024, 12, 24, 10, 0)),
        ["pager"]
    );
}

#[test]
fn silences_and_inhibitions_suppress_what_routing_selected() {
    let c = config();
    let inhibitor = Inhibitor::from_config(&c.inhibit_rules).expect("checked");
    let critical = labels(&[
        ("alertname", "Latency"),
        ("cluster", "eu"),
        ("severity", "critical"),
    ]);
    let warning = labels(&[
        ("alertname", "Latency"),
        ("cluster", "eu"),
        ("severity", "warning"),
    ]);
    let firing = vec![critical.clone(), warning.clone()];
    assert_eq!(
        inhibitor.inhibited_by(&warning, &firing),
        [critical.fingerprint()]
    );
    assert!(inhibitor.inhibited_by(&critical, &firing).is_empty());

    let now = at(2024, 3, 5, 10, 0);
    let mut silences = Silences::default();
    let id = silences
        .set(
            Silence {
                id: String::new(),
                matchers: parse_matchers(r#"{cluster="eu", alertname=~"Lat.*"}"#).expect("valid"),
                starts_at: now,
                ends_at: at(2024, 3, 5, 12, 0),
                updated_at: now,
                created_by: "oncall".into(),
                comment: "known incident".into(),
            },
            now,
        )
        .expect("valid silence");
    assert_eq!(silences.mutes(&critical, at(2024, 3, 5, 11, 0)), [id]);
    assert!(silences.mutes(&critical, at(2024, 3, 5, 12, 1)).is_empty());
}
