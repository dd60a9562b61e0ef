//! Unit tests of configuration reading and checking.

use super::*;

fn errors(text: &str) -> Vec<String> {
    match Config::parse(text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

fn has(errors: &[String], expected: &str) -> bool {
    errors.iter().any(|e| e == expected)
}

const MINIMAL: &str = "route:\n  receiver: team\nreceivers:\n  - name: team\n";

#[test]
fn defaults_of_a_minimal_file_are_alertmanagers() {
    let c = Config::parse(MINIMAL).unwrap();
    assert_eq!(c.global.resolve_timeout.to_string(), "5m");
    assert!(c.global.smtp_require_tls);
    assert_eq!(c.global.smtp_hello, "localhost");
    assert_eq!(
        c.global.pagerduty_url.as_ref().map(Url::as_str),
        Some(DEFAULT_PAGERDUTY_URL)
    );
    assert_eq!(c.original, MINIMAL);
    assert!(c.receiver("team").is_some());
    assert!(c.receiver("nobody").is_none());
}

#[test]
fn unknown_keys_are_reported_with_line_and_column() {
    let e = errors("route:\n  receiver: team\n  recever: x\nreceivers:\n  - name: team\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("line 3, column 3: route.recever: unknown key (did you mean `receiver`?"),
        "{}",
        e[0]
    );
}

#[test]
fn every_error_of_a_file_is_reported_at_once() {
    let text = "\
global:
  resolve_timeout: 5 minutes
route:
  receiver: missing
  group_wait: soon
  routes:
    - matchers: ['a=~(']
      receiver: team
    - receiver: ghost
      mute_time_intervals: [nights]
receivers:
  - name: team
  - name: team
";
    let e = errors(text);
    assert!(
        has(
            &e,
            "line 2, column 20: global.resolve_timeout: not a valid duration string: \"5 minutes\""
        ),
        "{e:#?}"
    );
    assert!(
        has(
            &e,
            "line 4, column 13: route.receiver: undefined receiver \"missing\" used in route"
        ),
        "{e:#?}"
    );
    assert!(
        has(
            &e,
            "line 5, column 15: route.group_wait: not a valid duration string: \"soon\""
        ),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.starts_with(
            "line 7, column 18: route.routes[0].matchers[0]: invalid regular expression"
        )),
        "{e:#?}"
    );
    assert!(has(&e, "line 9, column 17: route.routes[1].receiver: undefined receiver \"ghost\" used in route"), "{e:#?}");
    assert!(has(&e, "line 10, column 29: route.routes[1].mute_time_intervals[0]: undefined time interval \"nights\" used in route"), "{e:#?}");
    assert!(has(&e, "line 13, column 11: receivers[1].name: notification config name \"team\" is not unique"), "{e:#?}");
    assert_eq!(e.len(), 7, "{e:#?}");
}

#[test]
fn root_route_rules() {
    let e = errors("receivers:\n  - name: a\n");
    assert!(has(&e, "no routes provided"), "{e:#?}");
    let e = errors("route:\n  group_by: [a]\n  match: {a: b}\n  mute_time_intervals: [x]\nreceivers:\n  - name: a\ntime_intervals:\n  - name: x\n");
    assert!(
        e.iter()
            .any(|m| m.ends_with("route: root route must specify a default receiver")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("route: root route must not have any matchers")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("root route must not have any mute time intervals")),
        "{e:#?}"
    );
}

#[test]
fn group_by_rules() {
    let route = |group_by: &str| {
        format!("route:\n  receiver: a\n  routes:\n    - group_by: {group_by}\nreceivers:\n  - name: a\n")
    };
    let c = Config::parse(&route("['...']")).unwrap();
    assert!(c.route.routes[0].groups_by_all());
    let e = errors(&route("['...', a]"));
    assert!(
        e[0].ends_with(
            "cannot have wildcard group_by (`...`) and other other labels at the same time"
        ),
        "{e:#?}"
    );
    let e = errors(&route("[a, a, 'b-c']"));
    assert!(
        has(
            &e,
            "line 4, column 21: route.routes[0].group_by[1]: duplicated label \"a\" in group_by"
        ),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("invalid label name \"b-c\" in group_by list")),
        "{e:#?}"
    );
}

#[test]
fn intervals_of_zero_and_bad_label_names_are_refused() {
    let e = errors("route:\n  receiver: a\n  group_interval: 0s\n  routes:\n    - repeat_interval: 0\n      match: {'1x': y}\nreceivers:\n  - name: a\n");
    assert!(
        has(
            &e,
            "line 3, column 19: route.group_interval: group_interval cannot be zero"
        ),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("repeat_interval cannot be zero")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("route.routes[0].match.1x: invalid label name \"1x\"")),
        "{e:#?}"
    );
}

#[test]
fn global_smtp_settings_propagate_to_email_configs() {
    let text = "\
global:
  smtp_from: am@example.org
  smtp_smarthost: smtp.example.org:587
  smtp_auth_username: am
  smtp_auth_password: pw
  smtp_require_tls: false
route:
  receiver: mail
receivers:
  - name: mail
    email_configs:
      - to: ops@example.org
        headers: {subject: hi}
      - to: dev@example.org
        from: dev-am@example.org
        require_tls: true
";
    let c = Config::parse(text).unwrap();
    let emails = &c.receivers[0].email_configs;
    assert_eq!(emails[0].from, "am@example.org");
    assert_eq!(emails[0].smarthost.to_string(), "smtp.example.org:587");
    assert_eq!(emails[0].auth_username, "am");
    assert_eq!(emails[0].auth_password.expose(), "pw");
    assert_eq!(emails[0].hello, "localhost");
    assert_eq!(emails[0].require_tls, Some(false));
    assert!(!emails[0].send_resolved);
    assert_eq!(
        emails[0].headers.get("Subject").map(String::as_str),
        Some("hi")
    );
    assert_eq!(emails[1].from, "dev-am@example.org");
    assert_eq!(emails[1].require_tls, Some(true));
}

#[test]
fn email_without_global_smtp_settings_is_refused() {
    let e = errors("route:\n  receiver: m\nreceivers:\n  - name: m\n    email_configs:\n      - to: a@b\n        headers: {x-a: 1, X-A: 2}\n");
    assert!(
        has(
            &e,
            "line 6, column 9: receivers[0].email_configs[0]: no global SMTP smarthost set"
        ),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.ends_with("no global SMTP from set")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("duplicate header \"X-A\" in email config")),
        "{e:#?}"
    );
}

#[test]
fn slack_needs_a_url_from_itself_or_global() {
    let text = "route:\n  receiver: s\nreceivers:\n  - name: s\n    slack_configs:\n      - channel: '#ops'\n";
    let e = errors(text);
    assert!(has(&e, "line 6, column 9: receivers[0].slack_configs[0]: no global Slack API URL set either inline or in a file"), "{e:#?}");
    let with_global = format!("global:\n  slack_api_url: https://hooks.slack.com/x\n{text}");
    let c = Config::parse(&with_global).unwrap();
    let slack = &c.receivers[0].slack_configs[0];
    assert_eq!(
        slack.api_url.as_ref().map(Secret::expose),
        Some("https://hooks.slack.com/x")
    );
    assert!(!slack.send_resolved);
    assert_eq!(slack.title, "{{ template \"slack.default.title\" . }}");
}

#[test]
fn notifier_defaults_and_pagerduty_rules() {
    let text = "\
route:
  receiver: r
receivers:
  - name: r
    webhook_configs:
      - url: http://hook.example/alerts
        max_alerts: 10
    pagerduty_configs:
      - routing_key: k
        details: {num_firing: custom}
    opsgenie_configs:
      - api_key: key
    msteams_configs:
      - webhook_url: https://teams.example/hook
";
    let c = Config::parse(text).unwrap();
    let r = &c.receivers[0];
    assert!(r.webhook_configs[0].send_resolved);
    assert_eq!(r.webhook_configs[0].max_alerts, 10);
    let pd = &r.pagerduty_configs[0];
    assert!(pd.send_resolved);
    assert_eq!(
        pd.url.as_ref().map(Url::as_str),
        Some(DEFAULT_PAGERDUTY_URL)
    );
    assert_eq!(pd.details.len(), 4);
    assert_eq!(pd.details["num_firing"], "custom");
    assert_eq!(pd.source, pd.client);
    assert_eq!(
        r.opsgenie_configs[0].api_url.as_ref().map(Url::as_str),
        Some(DEFAULT_OPSGENIE_API_URL)
    );
    assert!(r.msteams_configs[0].send_resolved);
    let e = errors("route:\n  receiver: r\nreceivers:\n  - name: r\n    pagerduty_configs:\n      - severity: critical\n    webhook_configs:\n      - url: ftp://x\n      - send_resolved: false\n");
    assert!(
        e.iter()
            .any(|m| m.ends_with("missing service or routing key in PagerDuty config")),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.starts_with(
            "line 8, column 14: receivers[0].webhook_configs[0].url: unsupported scheme \"ftp\""
        )),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("webhook_configs[1]: missing required key `url`")),
        "{e:#?}"
    );
}

#[test]
fn time_intervals_and_inhibit_rules_are_read_and_checked() {
    let text = "\
route:
  receiver: r
  routes:
    - receiver: r
      mute_time_intervals: [offhours]
      active_time_intervals: [legacy]
receivers:
  - name: r
inhibit_rules:
  - source_matchers: ['severity=\"critical\"']
    target_match: {severity: warning}
    target_match_re: {service: 'api|web'}
    equal: [cluster]
time_intervals:
  - name: offhours
    time_intervals:
      - weekdays: ['saturday', 'sunday']
      - times: [{start_time: '18:00', end_time: '24:00'}]
mute_time_intervals:
  - name: legacy
    time_intervals:
      - days_of_month: ['-1']
";
    let c = Config::parse(text).unwrap();
    assert_eq!(c.inhibit_rules[0].equal, vec!["cluster".to_string()]);
    assert_eq!(
        c.time_interval("offhours").map(|t| t.time_intervals.len()),
        Some(2)
    );
    assert!(c.time_interval("legacy").is_some());
    let e = errors("route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n  - equal: ['a b']\ntime_intervals:\n  - name: x\n  - name: x\n    time_intervals:\n      - weekdays: [caturday]\n");
    assert!(
        e.iter()
            .any(|m| m.ends_with("\"a b\" is not a valid label name")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|m| m.ends_with("time interval \"x\" is not unique")),
        "{e:#?}"
    );
    assert!(
        e.iter().any(|m| m.starts_with("line 11, column 20:")
            && m.contains("caturday is not a valid weekday")),
        "{e:#?}"
    );
}

#[test]
fn yaml_syntax_errors_are_placed() {
    let e = errors("route:\n  receiver: [a\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].starts_with("line "), "{e:#?}");
    assert!(e[0].contains("YAML syntax error"), "{e:#?}");
}

#[test]
fn resolved_config_serialises_to_json_with_secrets_hidden() {
    let text = "global:\n  slack_api_url: https://hooks.slack.com/secret\nroute:\n  receiver: s\n  group_wait: 1m30s\nreceivers:\n  - name: s\n    slack_configs: [{channel: x}]\n";
    let c = Config::parse(text).unwrap();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["route"]["group_wait"], "1m30s");
    assert_eq!(json["global"]["slack_api_url"], "<secret>");
    assert_eq!(
        json["receivers"][0]["slack_configs"][0]["api_url"],
        "<secret>"
    );
    assert!(json.get("original").is_none());
}

#[test]
fn regression_an_unreadable_document_reports_only_why() {
    let e = errors("- just\n- a list\n");
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("line 1, column 1: expected a mapping"),
        "{e:#?}"
    );
    let empty = errors("");
    assert_eq!(empty, ["no routes provided"]);
}

#[test]
fn slack_fields_and_actions_need_what_alertmanager_needs() {
    let text = "route:\n  receiver: r\nreceivers:\n  - name: r\n    slack_configs:\n      - api_url: http://s/\n        fields:\n          - title: t\n        actions:\n          - type: button\n            text: x\n            confirm:\n              title: c\n";
    let e = errors(text);
    assert!(
        e.iter().any(|m| m.contains(
            "receivers[0].slack_configs[0].fields[0]: missing value in Slack field configuration"
        )),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("missing name or url in Slack action configuration")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.contains("missing text in Slack confirmation configuration")),
        "{e:?}"
    );
    let ok = "route:\n  receiver: r\nreceivers:\n  - name: r\n    slack_configs:\n      - api_url: http://s/\n        fields:\n          - {title: t, value: v, short: true}\n    pagerduty_configs:\n      - routing_key: k\n        images: [{src: 'http://i/'}]\n        links: [{href: 'http://l/', text: l}]\n";
    let c = Config::parse(ok).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.receivers[0].slack_configs[0].fields[0].short, Some(true));
    assert_eq!(c.receivers[0].pagerduty_configs[0].links[0].text, "l");
}
