use super::*;
use crate::marker::{AlertState, AlertStatus};
use crate::matcher::parse_matchers;

fn t(nanos_after: i64) -> Timestamp {
    let base = Timestamp::from_civil(2024, 3, 5, 12, 0, 0, 0).unwrap();
    Timestamp::from_nanos(base.as_nanos() + nanos_after)
}

fn alert() -> Alert {
    Alert {
        labels: [("alertname", "Down"), ("job", "api")]
            .into_iter()
            .collect(),
        annotations: [("summary", "api down")].into_iter().collect(),
        starts_at: t(123_456_789),
        ends_at: t(300_000_000_000),
        generator_url: "http://prom/graph".into(),
        updated_at: t(0),
        timeout: true,
    }
}

#[test]
fn api_times_have_exactly_three_truncated_fraction_digits() {
    assert_eq!(api_time::format(t(0)), "2024-03-05T12:00:00.000Z");
    assert_eq!(api_time::format(t(123_999_999)), "2024-03-05T12:00:00.123Z");
}

#[test]
fn gettable_alert_writes_go_swagger_field_order_and_names() {
    let status = AlertStatus {
        state: AlertState::Suppressed,
        silenced_by: vec!["s1".into()],
        inhibited_by: vec![],
    };
    let json =
        serde_json::to_string(&GettableAlert::new(&alert(), &status, &["team".into()])).unwrap();
    let expected = concat!(
        r#"{"annotations":{"summary":"api down"},"endsAt":"2024-03-05T12:05:00.000Z","#,
        r#""fingerprint":""#,
    );
    assert!(json.starts_with(expected), "{json}");
    assert!(
        json.ends_with(concat!(
            r#""receivers":[{"name":"team"}],"startsAt":"2024-03-05T12:00:00.123Z","#,
            r#""status":{"inhibitedBy":[],"silencedBy":["s1"],"state":"suppressed"},"#,
            r#""updatedAt":"2024-03-05T12:00:00.000Z","generatorURL":"http://prom/graph","#,
            r#""labels":{"alertname":"Down","job":"api"}}"#
        )),
        "{json}"
    );
    assert!(json.contains(&alert().fingerprint().to_string()));
}

#[test]
fn gettable_silence_carries_its_state_and_matcher_flags() {
    let silence = Silence {
        id: "id-1".into(),
        matchers: parse_matchers("{a=\"1\", b!~\"x.*\"}").unwrap(),
        starts_at: t(0),
        ends_at: t(3_600_000_000_000),
        updated_at: t(0),
        created_by: "me".into(),
        comment: "why".into(),
    };
    let json = serde_json::to_value(GettableSilence::new(&silence, t(1))).unwrap();
    assert_eq!(json["status"]["state"], "active");
    assert_eq!(
        json["matchers"][0],
        serde_json::json!({"isEqual": true, "isRegex": false, "name": "a", "value": "1"})
    );
    assert_eq!(json["matchers"][1]["isEqual"], false);
    assert_eq!(json["matchers"][1]["isRegex"], true);
    assert_eq!(json["createdBy"], "me");
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8);
    assert_eq!(
        GettableSilence::new(&silence, t(-1)).status.state,
        "pending"
    );
}

#[test]
fn matcher_is_equal_defaults_to_true_when_absent() {
    let m: ApiMatcher = serde_json::from_str(r#"{"name":"a","value":"b","isRegex":true}"#).unwrap();
    assert!(m.is_equal);
    assert_eq!(m.op(), MatchOp::Regex);
}

#[test]
fn standalone_status_reports_a_disabled_cluster_without_peers() {
    let version = VersionInfo {
        branch: "main".into(),
        build_date: "20240305".into(),
        build_user: "ci".into(),
        go_version: "rust".into(),
        revision: "abc".into(),
        version: "0.25.0".into(),
    };
    let status = AlertmanagerStatus::standalone("route: {}", t(0), version);
    let json = serde_json::to_string(&status).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"cluster":{"peers":[],"status":"disabled"},"config":{"original":"route: {}"},"#,
            r#""uptime":"2024-03-05T12:00:00.000Z","versionInfo":{"branch":"main","buildDate":"20240305","#,
            r#""buildUser":"ci","goVersion":"rust","revision":"abc","version":"0.25.0"}}"#
        )
    );
}

#[test]
fn receivers_are_listed_by_name_in_configuration_order() {
    let text = "route:\n  receiver: b\nreceivers:\n  - name: b\n  - name: a\n";
    let config = crate::config::Config::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde_json::to_string(&receivers(&config)).unwrap(),
        r#"[{"name":"b"},{"name":"a"}]"#
    );
}
