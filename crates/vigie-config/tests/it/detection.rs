//! The `detection` section: defaults, a full section, and every mistake
//! reported with its key path and line.

use std::path::PathBuf;

use vigie_config::{Config, CorrelationConfig, DetectionConfig, HumanDuration};

use super::{errors_of, no_env};

#[test]
fn an_empty_file_gives_the_detection_defaults() {
    let c = Config::from_yaml("", "vigie.yaml", &no_env).unwrap();
    assert_eq!(c.detection, DetectionConfig::default());
    let c = Config::from_yaml("detection:\n", "vigie.yaml", &no_env).unwrap();
    assert_eq!(c.detection, DetectionConfig::default());
    let d = DetectionConfig::default();
    assert!(d.enabled && d.store_alerts);
    assert!(d.rules.is_empty() && d.placeholders.is_empty());
    assert_eq!(d.threads, 0);
    assert_eq!(
        d.correlation,
        CorrelationConfig {
            max_groups: 10_000,
            max_hits_per_group: 10_000,
            lateness: HumanDuration::secs(60),
            save_interval: HumanDuration::secs(30),
        }
    );
}

#[test]
fn a_full_detection_section_reads_into_typed_values() {
    let text = "\
detection:
  enabled: false
  rules: [/etc/vigie/rules, \"rules dir/aws.yml\"]
  placeholders:
    admins: [root, alice]
    Domain_Controllers.list-1: [\"dc1\", \"true\", \"${HOST}\"]
  store_alerts: false
  threads: 8
  pipelines: [/etc/vigie/pipelines/edr.yml]
  logsources:
    - dataset: myapp.audit
      product: myapp
      service: audit
  correlation:
    max_groups: 500
    max_hits_per_group: 20
    lateness: 5m
    save_interval: 1d
";
    let env = |n: &str| (n == "HOST").then(|| "dc2.example.com".to_string());
    let c = Config::from_yaml(text, "vigie.yaml", &env).unwrap();
    c.validate(&["aws.cloudtrail"]).unwrap();
    let d = &c.detection;
    assert!(!d.enabled && !d.store_alerts);
    assert_eq!(
        d.rules,
        [
            PathBuf::from("/etc/vigie/rules"),
            PathBuf::from("rules dir/aws.yml")
        ]
    );
    assert_eq!(d.placeholders.len(), 2);
    assert_eq!(d.placeholders["admins"], ["root", "alice"]);
    assert_eq!(
        d.placeholders["Domain_Controllers.list-1"],
        ["dc1", "true", "dc2.example.com"]
    );
    assert_eq!(d.threads, 8);
    assert_eq!(d.pipelines, [PathBuf::from("/etc/vigie/pipelines/edr.yml")]);
    assert_eq!(d.logsources.len(), 1);
    assert_eq!(d.logsources[0].dataset, "myapp.audit");
    assert_eq!(d.logsources[0].product.as_deref(), Some("myapp"));
    assert_eq!(d.logsources[0].service.as_deref(), Some("audit"));
    assert_eq!(d.logsources[0].category, None);
    assert_eq!(d.correlation.max_groups, 500);
    assert_eq!(d.correlation.max_hits_per_group, 20);
    assert_eq!(d.correlation.lateness, HumanDuration::secs(300));
    assert_eq!(d.correlation.save_interval, HumanDuration::secs(86_400));

    // `config show` prints the section, and it reads back the same.
    let shown = c.to_yaml_redacted();
    assert!(
        shown.contains("\ndetection:\n  enabled: false\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  rules: [/etc/vigie/rules, \"rules dir/aws.yml\"]\n"),
        "{shown}"
    );
    assert!(shown.contains("    admins: [root, alice]\n"), "{shown}");
    assert!(shown.contains("    lateness: 5m\n"), "{shown}");
    let back = Config::from_yaml(&shown, "shown.yaml", &no_env).unwrap();
    assert_eq!(back, c, "{shown}");
}

#[test]
fn the_default_detection_section_is_shown_with_every_key() {
    let shown = Config::default().to_yaml_redacted();
    let start = shown.find("\ndetection:\n").expect("section shown") + 1;
    let end = shown.find("\nalerting:\n").expect("next section shown") + 1;
    let section = &shown[start..end];
    assert_eq!(
        section,
        "\
detection:
  enabled: true
  rules: []
  placeholders: {}
  store_alerts: true
  threads: 0
  pipelines: []
  logsources: []
  correlation:
    max_groups: 10000
    max_hits_per_group: 10000
    lateness: 1m
    save_interval: 30s
"
    );
}

#[test]
fn every_detection_mistake_is_reported_with_its_path_and_line() {
    let text = "\
detection:
  rules: [/ok, \"\"]
  placeholders:
    good: [a]
    \"bad name\": [x]
    empty: []
  threads: 1025
  correlation:
    max_groups: 0
    max_hits_per_group: 10000001
    lateness: 8d
    save_interval: 500ms
";
    let shown: Vec<String> = errors_of(text).iter().map(ToString::to_string).collect();
    let expected_starts = [
        "vigie.yaml:2:16: detection.rules[1]: must not be empty",
        "vigie.yaml:5:17: detection.placeholders.bad name: invalid placeholder name \"bad name\"",
        "vigie.yaml:6:12: detection.placeholders.empty: at least one value is needed",
        "vigie.yaml:7:12: detection.threads: 1025 is out of range: must be between 0 (one per core) and 1024",
        "vigie.yaml:9:17: detection.correlation.max_groups: 0 is out of range: must be between 1 and 10000000",
        "vigie.yaml:10:25: detection.correlation.max_hits_per_group: 10000001 is out of range",
        "vigie.yaml:11:15: detection.correlation.lateness: 8d is too long: at most 7d",
        "vigie.yaml:12:20: detection.correlation.save_interval: 500ms is out of range: must be between 1s and 1d",
    ];
    assert_eq!(shown.len(), expected_starts.len(), "{shown:#?}");
    for (got, want) in shown.iter().zip(expected_starts) {
        assert!(got.starts_with(want), "\n got: {got}\nwant: {want}…");
    }
    let errs = errors_of("detection:\n  correlation:\n    save_interval: 2d\n");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "detection.correlation.save_interval");
    assert_eq!(
        errs[0].message,
        "2d is out of range: must be between 1s and 1d"
    );
}

#[test]
fn bad_detection_values_are_type_errors_with_their_line() {
    let text = "\
detection:
  enabled: maybe
  threads: -1
  placeholders:
    admins: root
  correlation:
    lateness: 5 minutes
";
    let shown: Vec<String> = errors_of(text).iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 4, "{shown:#?}");
    assert!(
        shown[0].starts_with("vigie.yaml:2:12: detection.enabled:"),
        "{}",
        shown[0]
    );
    assert!(
        shown[1].starts_with("vigie.yaml:3:12: detection.threads:"),
        "{}",
        shown[1]
    );
    assert!(
        shown[2].starts_with("vigie.yaml:5:13: detection.placeholders.admins:"),
        "{}",
        shown[2]
    );
    assert!(
        shown[3].starts_with("vigie.yaml:7:15: detection.correlation.lateness: invalid duration"),
        "{}",
        shown[3]
    );
}

#[test]
fn unknown_detection_keys_are_refused_with_a_suggestion() {
    let errs = errors_of("detection:\n  enable: true\n  correlation:\n    max_group: 5\n");
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert_eq!(errs[0].path, "detection.enable");
    assert_eq!((errs[0].line, errs[0].column), (2, 3));
    assert_eq!(
        errs[0].message,
        "unknown key (did you mean `enabled`? expected one of: enabled, rules, placeholders, \
         store_alerts, threads, pipelines, logsources, correlation)"
    );
    assert_eq!(errs[1].path, "detection.correlation.max_group");
    assert_eq!((errs[1].line, errs[1].column), (4, 5));
    assert!(
        errs[1]
            .message
            .starts_with("unknown key (did you mean `max_groups`?"),
        "{}",
        errs[1]
    );
    let errs = errors_of("detections:\n  enabled: false\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.contains("did you mean `detection`?"),
        "{}",
        errs[0]
    );
}

#[test]
fn a_log_source_mapping_needs_a_dataset_and_a_key() {
    let errs = errors_of(
        "detection:\n  logsources:\n    - dataset: ''\n      product: x\n    - dataset: d\n",
    );
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["detection.logsources[0].dataset", "detection.logsources[1]"],
        "{errs:#?}"
    );
    assert!(
        errs[1].message.contains("product, service and category"),
        "{errs:#?}"
    );
}
