//! Integration tests of `vigie-config`: whole files in, every error out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod alerting;
mod detection;
mod inputs;
mod server_tls;

use proptest::prelude::*;
use vigie_config::{ByteSize, Config, ConfigError, ConfigErrors, HumanDuration, LogFormat, Scope};

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn errors_of(text: &str) -> Vec<ConfigError> {
    Config::from_yaml(text, "vigie.yaml", &no_env)
        .expect_err("the file should be rejected")
        .0
}

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn every_error_of_a_file_with_four_mistakes_is_reported_at_once_with_the_right_lines() {
    let text = "\
server:
  listn: 127.0.0.1:9190
  shutdown_timeout: 30 parsecs
auth:
  tokens:
    - name: shipper
      token: short
      scopes: [ingest, fly]
ingest:
  max_body_bytes: 16 potatoes
";
    let errs = errors_of(text);
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "vigie.yaml:2:3: server.listn: unknown key (did you mean `listen`? expected one of: \
             listen, data_dir, shutdown_timeout, tls)",
            "vigie.yaml:3:21: server.shutdown_timeout: invalid duration \"30 parsecs\": expected \
             a whole number followed by a unit (ms, s, m, h, d; also us, ns), e.g. \"30s\"",
            "vigie.yaml:7:14: auth.tokens[0].token: too short: a token needs at least 16 \
             characters",
            "vigie.yaml:8:24: auth.tokens[0].scopes[1]: unknown value \"fly\" (expected one of: \
             ingest, read, write, admin)",
            "vigie.yaml:10:19: ingest.max_body_bytes: invalid size \"16 potatoes\": expected a \
             number with an optional unit (B, KiB, MiB, GiB, KB, MB, GB)",
        ],
    );
    // The Display of the list is the same, one per line.
    let all = ConfigErrors(errs).to_string();
    assert_eq!(all.lines().count(), 5);
}

#[test]
fn semantic_errors_of_every_section_are_reported_together() {
    let text = "\
auth:
  tokens:
    - name: a
      token_sha256: abc
      scopes: [read]
    - name: a
      token: 0123456789abcdef
    - token: 0123456789abcdef
      token_sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      name: c
      scopes: [admin]
ingest:
  max_depth: 0
  queue_capacity: 0
  max_record_bytes: 1GiB
  datasets:
    - name: My App
    - name: ok
      timestamp_field: a..b
    - name: ok
";
    let shown: Vec<String> = errors_of(text).iter().map(ToString::to_string).collect();
    let expected_starts = [
        "vigie.yaml:4:21: auth.tokens[0].token_sha256: must be 64 hexadecimal digits",
        "vigie.yaml:6:7: auth.tokens[1].scopes: at least one scope is needed",
        "vigie.yaml:6:13: auth.tokens[1].name: duplicate token name \"a\" (also used by auth.tokens[0])",
        "vigie.yaml:8:7: auth.tokens[2]: set only one of `token` and `token_sha256`",
        "vigie.yaml:8:7: auth.tokens[2]: same token as auth.tokens[1]: each token must be different",
        "vigie.yaml:13:14: ingest.max_depth: 0 is out of range: must be between 1 and 128",
        "vigie.yaml:14:19: ingest.queue_capacity: must be at least 1",
        "vigie.yaml:15:21: ingest.max_record_bytes: 1GiB is larger than ingest.max_decompressed_bytes (128MiB)",
        "vigie.yaml:17:13: ingest.datasets[0].name: invalid dataset name \"My App\"",
        "vigie.yaml:19:24: ingest.datasets[1].timestamp_field: invalid field path \"a..b\"",
        "vigie.yaml:20:13: ingest.datasets[2].name: duplicate dataset name \"ok\" (also used by ingest.datasets[1])",
    ];
    assert_eq!(shown.len(), expected_starts.len(), "{shown:#?}");
    for (got, want) in shown.iter().zip(expected_starts) {
        assert!(got.starts_with(want), "\n got: {got}\nwant: {want}…");
    }
}

#[test]
fn unknown_key_suggestion_names_the_closest_key_and_all_accepted_ones() {
    let errs = errors_of("log:\n  formt: json\n  colour: yes\n");
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].path, "log.formt");
    assert_eq!((errs[0].line, errs[0].column), (2, 3));
    assert_eq!(
        errs[0].message,
        "unknown key (did you mean `format`? expected one of: level, format)"
    );
    assert_eq!(
        errs[1].message,
        "unknown key (expected one of: level, format)"
    );
    let errs = errors_of("srever:\n  listen: 1.2.3.4:5\n");
    assert_eq!(
        errs.len(),
        1,
        "the unknown section's content is not checked"
    );
    assert!(errs[0].message.contains("did you mean `server`?"));
    let errs = errors_of("log:\n  format: jsno\n");
    assert!(
        errs[0].message.contains("did you mean `json`?"),
        "{}",
        errs[0]
    );
}

#[test]
fn env_interpolation_replaces_references_in_any_value() {
    let env = env_of(&[
        ("VIGIE_SHIPPER_TOKEN", "0123456789abcdef0123"),
        ("PORT", "7001"),
        ("BASE", "/srv"),
        ("DEPTH", "12"),
    ]);
    let text = "\
server:
  listen: 127.0.0.1:${PORT}
  data_dir: ${BASE}/vigie-$${NOT_A_VAR}
auth:
  tokens:
    - name: shipper
      token: ${VIGIE_SHIPPER_TOKEN}
      scopes: [ingest]
ingest:
  max_depth: ${DEPTH}
";
    let c = Config::from_yaml(text, "vigie.yaml", &env).unwrap();
    assert_eq!(c.server.listen.port(), 7001);
    assert_eq!(c.server.data_dir, PathBuf::from("/srv/vigie-${NOT_A_VAR}"));
    assert_eq!(
        c.auth.tokens[0].token.as_ref().unwrap().expose(),
        "0123456789abcdef0123"
    );
    assert_eq!(c.ingest.max_depth, 12);
}

#[test]
fn unset_env_var_is_an_error_naming_the_key_path_and_line() {
    let text = "server:\n  data_dir: ${DATA}/x\nlog:\n  level: ${LEVEL}\n  format: ${FMT\n";
    let errs = errors_of(text);
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "vigie.yaml:2:13: server.data_dir: environment variable DATA is not set",
            "vigie.yaml:4:10: log.level: environment variable LEVEL is not set",
            "vigie.yaml:5:11: log.format: unterminated `${` (write `$${` for a literal `${`)",
        ]
    );
}

#[test]
fn secret_never_appears_in_debug_or_errors() {
    let secret = "TOPSECRET-0123456789";
    let short = "TOPSHORT";
    let env = env_of(&[("S", secret), ("SHORT", short)]);
    let text = "\
server:
  listen: ${S}
  shutdown_timeout: ${S}
auth:
  tokens:
    - name: a
      token: ${S}
      scopes: ['${S}']
    - name: b
      token: ${SHORT}
      scopes: [read]
    - TOPSECRET-as-a-list-item
    - name: c
      token: TOPSECRET-literal-0123
      scopes: [read]
      extra: TOPSECRET-extra
";
    let errs = Config::from_yaml(text, "vigie.yaml", &env).unwrap_err();
    let shown = format!("{errs}\n{errs:?}");
    assert!(errs.len() >= 6, "{shown}");
    assert!(!shown.contains("TOPSECRET"), "{shown}");
    assert!(!shown.contains(short), "{shown}");
    assert!(shown.contains("invalid address \"${S}\""), "{shown}");

    let ok = "auth:\n  tokens:\n    - name: a\n      token: ${S}\n      scopes: [read]\n";
    let c = Config::from_yaml(ok, "vigie.yaml", &env).unwrap();
    let debug = format!("{c:?} {:?} {}", c.auth.tokens[0], c.to_yaml_redacted());
    assert!(!debug.contains("TOPSECRET"), "{debug}");
    assert!(debug.contains("***"));
}

#[test]
fn defaults_when_the_file_is_empty_or_absent() {
    for text in [
        "",
        "\n\n",
        "# only a comment\n",
        "---\n",
        "~\n",
        "server:\nlog: ~\n",
    ] {
        let c = Config::from_yaml(text, "vigie.yaml", &no_env).unwrap();
        assert_eq!(c, Config::default(), "{text:?}");
    }
    let c = Config::assemble(None, &no_env, &["aws.cloudtrail"]).unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:9190");
    assert_eq!(c.server.shutdown_timeout, HumanDuration::secs(30));
    assert_eq!(c.log.format, LogFormat::Text);
    assert_eq!(c.ingest.max_body_bytes, ByteSize::mib(16));
    assert_eq!(c.ingest.max_decompressed_bytes, ByteSize::mib(128));
    assert_eq!(c.ingest.max_record_bytes, ByteSize::mib(32));
    assert_eq!((c.ingest.max_depth, c.ingest.queue_capacity), (64, 50_000));
}

#[test]
fn documents_that_are_not_a_configuration_mapping_are_rejected() {
    let errs = errors_of("- server\n- log\n");
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].line, errs[0].column), (1, 1));
    assert!(
        errs[0].message.contains("expected a mapping"),
        "{}",
        errs[0]
    );
    let errs = errors_of("server: [1, 2\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.starts_with("YAML syntax error"),
        "{}",
        errs[0]
    );
    assert!(errs[0].line >= 1 && errs[0].column >= 1);
    let errs = errors_of("a: 1\n---\nb: 2\n");
    assert_eq!(errs[0].line, 2);
    let errs = errors_of("server:\n  listen: 1.2.3.4:5\n  listen: 1.2.3.4:6\n");
    assert_eq!(
        errs[0].to_string(),
        "vigie.yaml:3:3: server.listen: duplicate key (first defined at line 2)"
    );
}

#[test]
fn builtin_dataset_names_are_refused_by_validate_and_assemble() {
    let text = "ingest:\n  datasets:\n    - name: aws.cloudtrail\n    - name: mine\n";
    let c = Config::from_yaml(text, "vigie.yaml", &no_env).unwrap();
    let errs = c.validate(&["aws.cloudtrail"]).unwrap_err();
    assert_eq!(
        errs.to_string(),
        "vigie.yaml:3:13: ingest.datasets[0].name: \"aws.cloudtrail\" is a built-in dataset: \
         choose another name"
    );
    c.validate(&["gcp.audit"]).unwrap();

    let dir = std::env::temp_dir().join(format!("vigie-config-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vigie.yaml");
    std::fs::write(&path, format!("{text}server:\n  listen: nowhere\n")).unwrap();
    let env = env_of(&[("VIGIE_LOG_LEVEL", "chatty=yes")]);
    let errs = Config::assemble(Some(&path), &env, &["aws.cloudtrail"]).unwrap_err();
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(shown[0].ends_with("vigie.yaml:3:13: ingest.datasets[0].name: \"aws.cloudtrail\" is a built-in dataset: choose another name"), "{}", shown[0]);
    assert!(
        shown[1].contains("vigie.yaml:6:11: server.listen: invalid address \"nowhere\""),
        "{}",
        shown[1]
    );
    assert!(
        shown[2].starts_with("env VIGIE_LOG_LEVEL: log.level: invalid log level"),
        "{}",
        shown[2]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn env_overrides_apply_after_the_file() {
    let text = "server:\n  listen: 127.0.0.1:1\nauth:\n  tokens:\n    - name: ro\n      token: 0123456789abcdefXY\n      scopes: [read]\n";
    let env = env_of(&[
        ("VIGIE_LISTEN", "[::1]:9999"),
        ("VIGIE_DATA_DIR", "/data"),
        ("VIGIE_LOG_LEVEL", "trace"),
        ("VIGIE_INGEST_TOKEN", "ingest-token-0123456789"),
    ]);
    let mut c = Config::from_yaml(text, "vigie.yaml", &env).unwrap();
    c.apply_env_overrides(&env).unwrap();
    c.validate(&[]).unwrap();
    assert_eq!(c.server.listen.to_string(), "[::1]:9999");
    assert_eq!(c.server.data_dir, PathBuf::from("/data"));
    assert_eq!(c.log.level.as_str(), "trace");
    assert_eq!(c.auth.tokens.len(), 2);
    assert_eq!(c.auth.tokens[1].name, "env:VIGIE_INGEST_TOKEN");
    assert!(c.auth.tokens[1].has_scope(Scope::Ingest));
    // The file may not use the reserved prefix.
    let bad = "auth:\n  tokens:\n    - name: env:mine\n      token: 0123456789abcdefXY\n      scopes: [read]\n";
    let errs = errors_of(bad);
    assert!(errs[0].message.contains("reserved"), "{}", errs[0]);
}

#[test]
fn an_unreadable_file_is_one_error_naming_the_path() {
    let path = Path::new("/nonexistent/vigie-config-test/vigie.yaml");
    let errs = Config::load(path).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs.0[0].source_name, path.display().to_string());
    assert!(errs.to_string().starts_with(
        "/nonexistent/vigie-config-test/vigie.yaml: cannot read the configuration file"
    ));
}

#[test]
fn the_example_file_loads_without_errors_and_holds_the_defaults() {
    let path = repo_file("deploy/vigie.example.yaml");
    let c = Config::load_with_env(&path, &no_env).unwrap();
    assert_eq!(c, Config::default());
    c.validate(&["aws.cloudtrail"]).unwrap();
}

#[test]
fn the_docs_and_the_example_mention_every_key_and_override() {
    let docs = std::fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    let example = std::fs::read_to_string(repo_file("deploy/vigie.example.yaml")).unwrap();
    let keys = [
        "server.listen",
        "server.data_dir",
        "server.shutdown_timeout",
        "log.level",
        "log.format",
        "auth.tokens",
        "ingest.max_body_bytes",
        "ingest.max_decompressed_bytes",
        "ingest.max_record_bytes",
        "ingest.max_depth",
        "ingest.queue_capacity",
        "ingest.datasets",
        "inputs.syslog",
        "inputs.files",
        "inputs.s3",
        "store.storage",
        "store.s3.endpoint",
        "store.wal.fsync",
        "store.wal.fsync_interval",
        "store.wal.segment_size",
        "store.flush_interval",
        "store.flush_events",
        "store.row_group_events",
        "store.compaction.min_files",
        "store.compaction.target_events",
        "store.retention.max_age",
        "store.retention.max_size",
        "store.query.timeout",
        "store.query.memory_limit",
        "store.query.max_rows",
        "detection.enabled",
        "detection.rules",
        "detection.placeholders",
        "detection.store_alerts",
        "detection.threads",
        "detection.pipelines",
        "detection.logsources",
        "detection.correlation.max_groups",
        "detection.correlation.max_hits_per_group",
        "detection.correlation.lateness",
        "detection.correlation.save_interval",
        "alerting.enabled",
        "alerting.alertmanager",
        "alerting.config_file",
        "alerting.external_url",
        "alerting.detections",
        "alerting.store_alerts",
    ];
    for key in keys {
        assert!(docs.contains(&format!("`{key}`")), "docs miss {key}");
        let leaf = key.rsplit('.').next().unwrap();
        assert!(
            example.contains(&format!("{leaf}:")),
            "example misses {key}"
        );
    }
    for leaf in [
        "name",
        "token",
        "token_sha256",
        "scopes",
        "timestamp_field",
        "protocol",
        "max_frame_bytes",
        "max_connections",
        "client_ca",
        "paths",
        "start_at",
        "poll_interval",
        "bucket",
        "prefix",
        "region",
        "endpoint",
        "access_key_id",
        "secret_access_key",
    ] {
        assert!(docs.contains(&format!(".{leaf}`")), "docs miss {leaf}");
        assert!(
            example.contains(&format!("{leaf}:")),
            "example misses {leaf}"
        );
    }
    for var in [
        "VIGIE_LISTEN",
        "VIGIE_DATA_DIR",
        "VIGIE_LOG_LEVEL",
        "VIGIE_INGEST_TOKEN",
    ] {
        assert!(docs.contains(var), "docs miss {var}");
    }
}

proptest! {
    #[test]
    fn byte_size_and_duration_round_trip_through_display(
        n in any::<u64>(),
        secs in any::<u64>(),
        nanos in 0u32..1_000_000_000,
    ) {
        let size = ByteSize(n);
        prop_assert_eq!(size.to_string().parse::<ByteSize>(), Ok(size));
        let d = HumanDuration(Duration::new(secs, nanos));
        prop_assert_eq!(d.to_string().parse::<HumanDuration>(), Ok(d));
        // And through a whole file.
        let text = format!("server:\n  shutdown_timeout: {d}\ningest:\n  max_body_bytes: {size}\n");
        if let Ok(c) = Config::from_yaml(&text, "p.yaml", &no_env) {
            prop_assert_eq!(c.server.shutdown_timeout, d);
            prop_assert_eq!(c.ingest.max_body_bytes, size);
        } else {
            // Only the semantic rule on zero sizes may refuse it.
            prop_assert_eq!(n, 0);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_loader(text in "\\PC{0,200}") {
        check_loader(&text)?;
    }

    #[test]
    fn yaml_shaped_text_never_panics_the_loader(
        parts in proptest::collection::vec(
            prop::sample::select(vec![
                "server:", "log:", "auth:", "ingest:", "tokens:", "datasets:", "\n", "\n  ",
                "\n    ", "- ", "name: ", "listen: ", "max_depth: ", "scopes: ", "[", "]", "{",
                "}", ", ", "&a ", "*a", "${X}", "$${", "'", "\"", "#", "---\n", "~", "!!str ",
                "16MiB", "30s", "ingest", "1.2.3.4:5", "token: ", "0123456789abcdefgh", ": ",
                "? ", "|\n  ", ">", "\t", "%YAML 1.2\n", "inputs:", "syslog:", "files:",
                "s3:", "protocol: ", "tcp", "tls", "udp", "paths: ", "bucket: ", "tls:",
                "detection:", "rules: ", "placeholders:", "correlation:", "lateness: ",
                "threads: ", "admins: ",
            ]),
            0..40,
        ),
    ) {
        check_loader(&parts.concat())?;
    }
}

/// Loading never panics; errors have a position inside the text and a
/// non-empty message; a success can be shown and read back.
fn check_loader(text: &str) -> Result<(), TestCaseError> {
    let env = env_of(&[("X", "x-value")]);
    match Config::from_yaml(text, "p.yaml", &env) {
        Ok(c) => {
            let shown = c.to_yaml_redacted();
            let back = Config::from_yaml(&shown, "shown.yaml", &no_env);
            if c.auth.tokens.iter().all(|t| t.token.is_none()) {
                prop_assert_eq!(back.as_ref().ok(), Some(&c), "{}", shown);
            }
        }
        Err(errs) => {
            prop_assert!(!errs.is_empty());
            let lines = text.split('\n').count().max(1) + 1;
            for e in &errs {
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.line <= lines, "{} beyond {} lines", e, lines);
            }
        }
    }
    Ok(())
}
