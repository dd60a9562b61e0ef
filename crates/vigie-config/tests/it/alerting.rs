//! The `alerting` section: defaults, the inline Alertmanager configuration
//! kept as text at its file positions, and the section's mistakes.

use vigie_config::Config;

use crate::no_env;

#[test]
fn alerting_is_on_by_default_with_detections_and_stored_alerts() {
    let a = Config::default().alerting;
    assert!(a.enabled);
    assert!(a.detections);
    assert!(a.store_alerts);
    assert_eq!(a.config_file, None);
    assert_eq!(a.alertmanager, None);
    assert_eq!(a.external_url, None);
}

#[test]
fn an_inline_alertmanager_mapping_keeps_its_text_at_the_same_lines_and_columns() {
    let text = "\
server:
  listen: 127.0.0.1:9999
alerting:
  external_url: https://vigie.example
  alertmanager:
    route:
      receiver: team   # who gets it
      group_by: ['...']
    receivers:
      - name: team
        webhook_configs:
          - url: http://hooks.example/x
  detections: false
store:
  storage: local
";
    let c = Config::from_yaml(text, "v.yaml", &no_env).unwrap();
    let a = &c.alerting;
    assert!(!a.detections);
    assert_eq!(a.external_url.as_deref(), Some("https://vigie.example"));
    let embedded = a.alertmanager.as_ref().expect("inline configuration");
    let lines: Vec<&str> = embedded.text.lines().collect();
    // Line 6 of the file is line 6 of the text, at the same column.
    assert_eq!(lines[5], "    route:");
    assert_eq!(lines[6], "      receiver: team   # who gets it");
    assert_eq!(lines[11], "          - url: http://hooks.example/x");
    assert_eq!(lines.len(), 12, "the text stops before `detections`");
    assert!(lines[..5].iter().all(|l| l.is_empty()));
    assert_eq!(
        embedded.dedented(),
        "route:\n  receiver: team   # who gets it\n  group_by: ['...']\nreceivers:\n  - name: team\n    webhook_configs:\n      - url: http://hooks.example/x\n"
    );
    // `config show` never prints it (receivers hold secrets).
    let shown = c.to_yaml_redacted();
    assert!(!shown.contains("hooks.example"), "{shown}");
    assert!(shown.contains("\nalerting:\n  enabled: true\n"), "{shown}");
    assert!(
        shown.contains("inline Alertmanager configuration (7 lines)"),
        "{shown}"
    );
}

#[test]
fn every_alerting_mistake_is_reported_with_its_path_and_line() {
    let text = "\
alerting:
  config_file: /etc/alertmanager/alertmanager.yml
  alertmanager:
    route: {receiver: x}
  external_url: vigie.example
  detection: true
";
    let errors = Config::from_yaml(text, "a.yaml", &no_env).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{shown:#?}");
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("a.yaml:4:5: alerting.alertmanager:") && e.contains("not both")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("a.yaml:5:17: alerting.external_url:")
                && e.contains("not an http:// or https:// URL")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|e| e.starts_with("a.yaml:6:3: alerting.detection:") && e.contains("detections")),
        "{shown:#?}"
    );
}

#[test]
fn an_alertmanager_section_that_is_not_a_mapping_is_refused() {
    let errors =
        Config::from_yaml("alerting:\n  alertmanager: route\n", "b.yaml", &no_env).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{shown:#?}");
    assert!(
        shown[0].starts_with("b.yaml:2:17: alerting.alertmanager:"),
        "{shown:#?}"
    );
    assert!(shown[0].contains("a mapping"), "{shown:#?}");
}
