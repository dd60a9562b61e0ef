//! Reading the configuration fixtures of `tests/data`.

use vigie_alert::config::Config;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_routing_fixture_reads_with_its_global_defaults_applied() {
    let text = fixture("routing.yml");
    let config = Config::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.original, text);
    assert_eq!(config.global.resolve_timeout.to_string(), "2m");
    assert_eq!(config.route.routes.len(), 6);
    let email = &config
        .receiver("notify-email")
        .expect("receiver")
        .email_configs[0];
    assert_eq!(email.from, "alertmanager@example.org");
    assert_eq!(email.smarthost.to_string(), "smtp.example.org:25");
    assert_eq!(email.require_tls, Some(true));
}

#[test]
fn the_broken_fixture_lists_every_problem_in_file_order() {
    let errors = Config::parse(&fixture("broken.yml")).expect_err("broken on purpose");
    let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert!(
        lines[0].starts_with("line 2, column 21: global.smtp_require_tls: expected true or false"),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("line 4, column 3: route.recever: unknown key"),
        "{lines:#?}"
    );
    assert!(
        lines[2].ends_with("root route must specify a default receiver"),
        "{lines:#?}"
    );
    assert!(
        lines[3].ends_with(
            "cannot have wildcard group_by (`...`) and other other labels at the same time"
        ),
        "{lines:#?}"
    );
    assert_eq!(lines[4], "line 9, column 5: receivers[0].slack_configs[0]: no global Slack API URL set either inline or in a file");
}
