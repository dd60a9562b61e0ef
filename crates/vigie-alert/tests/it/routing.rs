//! Routing alerts through the tree of `tests/data/routing.yml`.

use vigie_alert::config::Config;
use vigie_alert::route::Route;
use vigie_alert::LabelSet;

use crate::config_files::fixture;

fn receivers(tree: &Route, pairs: &[(&str, &str)]) -> Vec<String> {
    let labels: LabelSet = pairs.iter().copied().collect();
    tree.matching_routes(&labels)
        .iter()
        .map(|r| r.options.receiver.clone())
        .collect()
}

fn tree() -> Route {
    let config = Config::parse(&fixture("routing.yml")).unwrap_or_else(|e| panic!("{e}"));
    Route::from_config(&config.route).expect("checked config")
}

#[test]
fn continue_chains_fan_out_to_every_matching_sibling() {
    let t = tree();
    assert_eq!(
        receivers(&t, &[("owner", "team-X"), ("env", "production")]),
        ["notify-productionA", "notify-productionB", "notify-email"]
    );
    assert_eq!(
        receivers(&t, &[("owner", "team-X"), ("env", "staging")]),
        ["notify-productionA", "notify-email"]
    );
}

#[test]
fn fixture_routes_inherit_grouping_and_timers() {
    let t = tree();
    let labels: LabelSet = [
        ("owner", "team-X"),
        ("env", "prod-eu"),
        ("alertname", "Down"),
    ]
    .into_iter()
    .collect();
    let routes = t.matching_routes(&labels);
    let production_b = routes[1];
    assert_eq!(production_b.options.mute_time_intervals, ["weekends"]);
    assert_eq!(production_b.options.repeat_interval.to_string(), "1h");
    assert_eq!(
        production_b.group_labels(&labels),
        [("alertname", "Down")].into_iter().collect()
    );
    assert_eq!(routes[2].options.group_wait.to_string(), "10s");
    assert_eq!(production_b.key(), r#"{}/{env=~"prod.*",owner="team-X"}"#);
}

#[test]
fn unmatched_alerts_use_the_default_receiver() {
    assert_eq!(receivers(&tree(), &[("owner", "nobody")]), ["notify-def"]);
}
