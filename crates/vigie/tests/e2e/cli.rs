//! The command line: `vigie normalize`, `vigie config check`, `vigie datasets`.

use crate::harness::{fixture, gzip, json, scratch, vigie};

#[test]
fn normalize_prints_one_ndjson_event_per_record_from_plain_and_gzip_files() {
    let path = fixture("elastic/aws/cloudtrail/test-console-login-json.log");
    let raw = std::fs::read(&path).unwrap();
    let n = raw.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    let out = vigie(&[
        "normalize",
        "--dataset",
        "aws.cloudtrail",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<_> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(docs.len(), n);
    assert!(docs
        .iter()
        .all(|d| d["event"]["dataset"] == "aws.cloudtrail"));

    let dir = scratch("cli-gz");
    let gz = dir.join("trail.json.gz");
    std::fs::write(&gz, gzip(&raw)).unwrap();
    let out = vigie(&["normalize", gz.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "auto-detected gzip input: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<_> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(docs.len(), n);
    assert!(
        docs.iter()
            .all(|d| d["event"]["dataset"] == "aws.cloudtrail"),
        "detected as CloudTrail"
    );
}

#[test]
fn normalize_exits_2_with_a_clear_message_on_unreadable_input() {
    let out = vigie(&["normalize", "/nonexistent/trail.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read /nonexistent/trail.json"), "{err}");

    let out = vigie(&["normalize", "--dataset", "nope", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown dataset `nope`"));

    let dir = scratch("cli-corrupt");
    let bad = dir.join("broken.gz");
    let mut gz = gzip(b"{\"a\":1}\n".repeat(100).as_slice());
    gz.truncate(gz.len() / 2);
    std::fs::write(&bad, gz).unwrap();
    let out = vigie(&["normalize", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt gzip"));
}

#[test]
fn normalize_exits_1_and_names_each_rejected_record() {
    let dir = scratch("cli-rejects");
    let f = dir.join("mixed.ndjson");
    std::fs::write(
        &f,
        "{\"message\":\"ok\"}\n{\"message\":\n{\"message\":\"ok\"}\n",
    )
    .unwrap();
    let out = vigie(&["normalize", "--dataset", "json", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        2,
        "good records still printed"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mixed.ndjson: record 1 (line 2): invalid JSON"),
        "{err}"
    );
}

#[test]
fn config_check_reports_every_error_at_once_with_lines() {
    let dir = scratch("cli-config");
    let f = dir.join("bad.yaml");
    std::fs::write(
        &f,
        "server:\n  listn: 127.0.0.1:9190\ningest:\n  max_body_bytes: 16 potatoes\n  max_depth: 1000\nlog:\n  format: xml\n",
    )
    .unwrap();
    let out = vigie(&["config", "check", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        ":2:3: server.listn",
        ":4:19: ingest.max_body_bytes",
        ":5:14: ingest.max_depth",
        ":7:11: log.format",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }

    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/vigie.example.yaml");
    let out = vigie(&["config", "check", example.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn datasets_lists_every_builtin_format() {
    let out = vigie(&["datasets"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for d in [
        "aws.cloudtrail",
        "aws.vpcflow",
        "gcp.audit",
        "azure.signinlogs",
        "kubernetes.audit",
        "falco.alerts",
        "gatekeeper.audit",
        "json",
    ] {
        assert!(text.lines().any(|l| l == d), "{d} missing from:\n{text}");
    }
}
