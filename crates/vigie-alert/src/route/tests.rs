//! Unit tests of the routing tree, on the cases of Alertmanager's
//! `dispatch/route_test.go` (tree and expectations written here).

use super::*;
use crate::config::Config;

const TREE: &str = "
route:
  receiver: 'notify-def'
  routes:
  - match:
      owner: 'team-A'
    receiver: 'notify-A'
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      group_by: ['...']
    - match:
        env: 'production'
      receiver: 'notify-productionA'
      group_wait: 1m
      continue: true
    - match_re:
        env: 'produ.*'
        job: '.*'
      receiver: 'notify-productionB'
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 1h
      group_by: ['job']
  - match_re:
      owner: 'team-(B|C)'
    group_by: ['foo', 'bar']
    group_wait: 2m
    receiver: 'notify-BC'
  - match:
      group_by: 'role'
    group_by: ['role']
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      routes:
      - match:
          wait: 'long'
        group_wait: 2m
receivers:
  - name: notify-def
  - name: notify-A
  - name: notify-testing
  - name: notify-productionA
  - name: notify-productionB
  - name: notify-BC
";

fn tree() -> Route {
    let config = Config::parse(TREE).unwrap_or_else(|e| panic!("{e}"));
    Route::from_config(&config.route).unwrap()
}

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

fn keys(tree: &Route, pairs: &[(&str, &str)]) -> Vec<String> {
    tree.matching_routes(&labels(pairs))
        .iter()
        .map(|r| r.key().to_string())
        .collect()
}

#[test]
fn first_matching_child_wins() {
    let t = tree();
    assert_eq!(keys(&t, &[("owner", "team-A")]), [r#"{}/{owner="team-A"}"#]);
    assert_eq!(
        keys(&t, &[("owner", "team-A"), ("env", "unset")]),
        [r#"{}/{owner="team-A"}"#]
    );
    let r = t.matching_routes(&labels(&[("owner", "team-A")]));
    assert_eq!(r[0].options.receiver, "notify-A");
    assert_eq!(r[0].options.group_wait.to_string(), "30s");
}

#[test]
fn match_re_keys_show_the_anchored_regex() {
    let t = tree();
    assert_eq!(
        keys(&t, &[("owner", "team-C")]),
        [r#"{}/{owner=~"^(?:team-(B|C))$"}"#]
    );
    let r = t.matching_routes(&labels(&[("owner", "team-C")]))[0];
    assert_eq!(r.options.receiver, "notify-BC");
    assert_eq!(r.options.group_wait.to_string(), "2m");
    let group_by: Vec<&str> = r.options.group_by.iter().map(String::as_str).collect();
    assert_eq!(group_by, ["bar", "foo"]);
    assert!(keys(&t, &[("owner", "xteam-C")]) == ["{}"]);
}

#[test]
fn group_by_all_is_set_by_the_wildcard() {
    let t = tree();
    let r = t.matching_routes(&labels(&[("owner", "team-A"), ("env", "testing")]))[0];
    assert_eq!(r.key(), r#"{}/{owner="team-A"}/{env="testing"}"#);
    assert!(r.options.group_by_all);
    assert!(r.options.group_by.is_empty());
    let alert = labels(&[("owner", "team-A"), ("env", "testing"), ("x", "1")]);
    assert_eq!(r.group_labels(&alert), alert);
}

#[test]
fn continue_lets_the_next_sibling_match_too() {
    let t = tree();
    let routes = t.matching_routes(&labels(&[("owner", "team-A"), ("env", "production")]));
    let got: Vec<(&str, &str, String)> = routes
        .iter()
        .map(|r| {
            (
                r.key(),
                r.options.receiver.as_str(),
                r.options.group_wait.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                r#"{}/{owner="team-A"}/{env="production"}"#,
                "notify-productionA",
                "1m".to_string()
            ),
            (
                r#"{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}"#,
                "notify-productionB",
                "30s".to_string()
            ),
        ]
    );
    assert_eq!(routes[1].options.repeat_interval.to_string(), "1h");
    let job: Vec<&str> = routes[1]
        .options
        .group_by
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(job, ["job"]);
}

#[test]
fn options_are_inherited_through_levels() {
    let t = tree();
    let r = t.matching_routes(&labels(&[("group_by", "role")]))[0];
    assert_eq!(r.key(), r#"{}/{group_by="role"}"#);
    assert_eq!(r.options.receiver, "notify-def");
    let r = t.matching_routes(&labels(&[("group_by", "role"), ("env", "testing")]))[0];
    assert_eq!(r.key(), r#"{}/{group_by="role"}/{env="testing"}"#);
    assert_eq!(r.options.receiver, "notify-testing");
    assert!(r.options.group_by.contains("role"));
    let r = t.matching_routes(&labels(&[
        ("group_by", "role"),
        ("env", "testing"),
        ("wait", "long"),
    ]))[0];
    assert_eq!(
        r.key(),
        r#"{}/{group_by="role"}/{env="testing"}/{wait="long"}"#
    );
    assert_eq!(r.options.receiver, "notify-testing");
    assert_eq!(r.options.group_wait.to_string(), "2m");
    assert!(r.options.group_by.contains("role"));
}

#[test]
fn unmatched_alerts_go_to_the_root() {
    let t = tree();
    let routes = t.matching_routes(&labels(&[("foo", "bar")]));
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].key(), "{}");
    assert_eq!(routes[0].options.receiver, "notify-def");
    assert_eq!(routes[0].options.repeat_interval.to_string(), "4h");
}

#[test]
fn ids_append_sibling_indices_and_walk_is_depth_first() {
    let t = tree();
    let ids: Vec<&str> = t.walk().iter().map(|r| r.id()).collect();
    assert_eq!(ids.len(), 9);
    assert_eq!(ids[0], "{}");
    assert_eq!(ids[1], r#"{}/{owner="team-A"}/0"#);
    assert_eq!(ids[2], r#"{}/{owner="team-A"}/0/{env="testing"}/0"#);
    assert_eq!(ids[5], r#"{}/{owner=~"^(?:team-(B|C))$"}/1"#);
    assert_eq!(
        ids[8],
        r#"{}/{group_by="role"}/2/{env="testing"}/0/{wait="long"}/0"#
    );
}

#[test]
fn regression_time_intervals_are_not_inherited() {
    let config = Config::parse(
        "route:\n  receiver: r\n  routes:\n    - matchers: [a=b]\n      mute_time_intervals: [t]\n      active_time_intervals: [t]\n      routes:\n        - matchers: [c=d]\nreceivers:\n  - name: r\ntime_intervals:\n  - name: t\n",
    )
    .unwrap();
    let t = Route::from_config(&config.route).unwrap();
    let parent = &t.routes[0];
    assert_eq!(parent.options.mute_time_intervals, ["t"]);
    assert_eq!(parent.options.active_time_intervals, ["t"]);
    assert!(parent.routes[0].options.mute_time_intervals.is_empty());
    assert!(parent.routes[0].options.active_time_intervals.is_empty());
}

#[test]
fn a_route_whose_matchers_fail_yields_nothing_below_the_root() {
    let t = tree();
    let team_a = &t.routes[0];
    assert!(team_a
        .matching_routes(&labels(&[("owner", "team-B")]))
        .is_empty());
}
