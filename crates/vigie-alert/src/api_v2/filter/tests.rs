use super::*;
use crate::config::Config;
use crate::matcher::parse_matchers;
use crate::silence::Silence;

const CONFIG: &str = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - matchers: [team=db]\n      receiver: db\n      continue: true\n    - matchers: [team=db]\n      receiver: db-pager\nreceivers:\n  - name: default\n  - name: db\n  - name: db-pager\n";

fn t(secs: i64) -> Timestamp {
    Timestamp::from_secs(1_709_640_000 + secs).unwrap()
}

fn alert(pairs: &[(&str, &str)], end: i64) -> Alert {
    Alert {
        labels: pairs.iter().copied().collect(),
        annotations: LabelSet::new(),
        starts_at: t(0),
        ends_at: t(end),
        generator_url: String::new(),
        updated_at: t(0),
        timeout: false,
    }
}

struct World {
    alerts: Alerts,
    dispatcher: Dispatcher,
    silences: Silences,
    inhibitor: Inhibitor,
    marker: Marker,
}

fn world() -> World {
    let config = Config::parse(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let mut w = World {
        alerts: Alerts::new(),
        dispatcher: Dispatcher::new(&config).unwrap(),
        silences: Silences::default(),
        inhibitor: Inhibitor::default(),
        marker: Marker::new(),
    };
    for a in [
        alert(&[("alertname", "Disk"), ("team", "db")], 1000),
        alert(&[("alertname", "Cpu"), ("team", "web")], 1000),
        alert(&[("alertname", "Gone"), ("team", "web")], 5),
    ] {
        let stored = w.alerts.put(a, t(0));
        w.dispatcher.ingest(stored, t(0));
    }
    let silence = Silence {
        id: String::new(),
        matchers: parse_matchers("{alertname=Cpu}").unwrap(),
        starts_at: t(0),
        ends_at: t(3600),
        updated_at: t(0),
        created_by: "me".into(),
        comment: "c".into(),
    };
    w.silences.set(silence, t(0)).unwrap();
    w
}

fn names(listed: &[GettableAlert]) -> Vec<&str> {
    let mut all: Vec<&str> = listed
        .iter()
        .map(|a| a.labels.value_or_empty("alertname"))
        .collect();
    all.sort_unstable();
    all
}

fn list(w: &mut World, pairs: &[(&str, &str)]) -> Vec<GettableAlert> {
    let query = AlertsQuery::from_pairs(pairs.iter().copied()).unwrap();
    let firing = w.alerts.firing_labels(t(10));
    let sources = StatusSources {
        silences: &w.silences,
        inhibitor: &w.inhibitor,
        firing: &firing,
    };
    list_alerts(
        &w.alerts,
        &w.dispatcher,
        &mut w.marker,
        &sources,
        &query,
        t(10),
    )
}

#[test]
fn ended_alerts_are_hidden_and_states_filter() {
    let mut w = world();
    assert_eq!(names(&list(&mut w, &[])), ["Cpu", "Disk"]);
    assert_eq!(names(&list(&mut w, &[("silenced", "false")])), ["Disk"]);
    assert_eq!(names(&list(&mut w, &[("active", "0")])), ["Cpu"]);
    // Empty values keep the default; unknown words read as false.
    assert_eq!(names(&list(&mut w, &[("active", "")])), ["Cpu", "Disk"]);
    assert_eq!(names(&list(&mut w, &[("active", "nope")])), ["Cpu"]);
}

#[test]
fn receivers_are_every_matching_route_and_the_receiver_regex_is_anchored() {
    let mut w = world();
    let db = list(&mut w, &[("receiver", "db")]);
    assert_eq!(names(&db), ["Disk"]);
    let receivers: Vec<&str> = db[0].receivers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(receivers, ["db", "db-pager"]);
    assert_eq!(
        names(&list(&mut w, &[("receiver", "d")])),
        Vec::<&str>::new()
    );
    assert_eq!(names(&list(&mut w, &[("receiver", "def.*")])), ["Cpu"]);
}

#[test]
fn label_filters_follow_match_filter_labels() {
    let mut w = world();
    assert_eq!(names(&list(&mut w, &[("filter", "team=db")])), ["Disk"]);
    // A missing label matches an empty positive value...
    assert_eq!(
        names(&list(&mut w, &[("filter", "region=\"\"")])),
        ["Cpu", "Disk"]
    );
    // ...and a present one satisfies an empty negative value.
    assert_eq!(
        names(&list(&mut w, &[("filter", "team!=\"\"")])),
        ["Cpu", "Disk"]
    );
    assert_eq!(
        names(&list(&mut w, &[("filter", "team=~\"d.*\"")])),
        ["Disk"]
    );
}

#[test]
fn bad_filters_and_receiver_regexes_answer_400() {
    let bad = AlertsQuery::from_pairs([("filter", "=x")]).unwrap_err();
    assert_eq!(bad.status, 400);
    let bad = AlertsQuery::from_pairs([("receiver", "(")]).unwrap_err();
    assert_eq!(bad.status, 400);
    let text = bad.body.unwrap();
    assert!(text
        .as_str()
        .unwrap()
        .starts_with("failed to parse receiver param: "));
}

#[test]
fn groups_list_filtered_alerts_with_all_their_listed_receivers() {
    let mut w = world();
    let firing = w.alerts.firing_labels(t(10));
    let sources = StatusSources {
        silences: &w.silences,
        inhibitor: &w.inhibitor,
        firing: &firing,
    };
    let query = AlertsQuery::from_pairs([("silenced", "false")]).unwrap();
    let groups = list_alert_groups(&w.dispatcher, &mut w.marker, &sources, &query, t(10));
    let summary: Vec<(String, String, usize)> = groups
        .iter()
        .map(|g| {
            (
                g.labels.to_string(),
                g.receiver.name.clone(),
                g.alerts.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("{alertname=\"Disk\"}".into(), "db".into(), 1),
            ("{alertname=\"Disk\"}".into(), "db-pager".into(), 1),
        ]
    );
    let receivers: Vec<&str> = groups[0].alerts[0]
        .receivers
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(receivers, ["db", "db-pager"]);
}

#[test]
fn silences_filter_by_identical_matchers_and_sort_by_state() {
    let mut silences = Silences::default();
    let mk = |m: &str, start: i64, end: i64| Silence {
        id: String::new(),
        matchers: parse_matchers(m).unwrap(),
        starts_at: t(start),
        ends_at: t(end),
        updated_at: t(0),
        created_by: "me".into(),
        comment: "c".into(),
    };
    silences.set(mk("{a=\"1\"}", 0, 500), t(0)).unwrap();
    silences
        .set(mk("{a=\"1\", b=\"2\"}", 0, 100), t(0))
        .unwrap();
    silences.set(mk("{a=\"1\"}", 200, 300), t(0)).unwrap();
    let expired = silences.set(mk("{a=\"1\"}", 0, 50), t(0)).unwrap();
    silences.expire(&expired, t(10)).unwrap();
    let listed = list_silences(&silences, &["a=\"1\""], t(20)).unwrap();
    let order: Vec<(&str, String)> = listed
        .iter()
        .map(|s| (s.status.state.as_str(), api_time_of(s.ends_at)))
        .collect();
    assert_eq!(
        order,
        [
            ("active", api_time_of(t(100))),
            ("active", api_time_of(t(500))),
            ("pending", api_time_of(t(300))),
            ("expired", api_time_of(t(10))),
        ]
    );
    assert_eq!(list_silences(&silences, &["b=2"], t(20)).unwrap().len(), 1);
    // Same name and value but another operator: not the same matcher.
    assert!(list_silences(&silences, &["a=~1"], t(20))
        .unwrap()
        .is_empty());
    assert_eq!(
        list_silences(&silences, &["=bad"], t(20))
            .unwrap_err()
            .status,
        400
    );
}

fn api_time_of(t: Timestamp) -> String {
    super::super::api_time::format(t)
}
