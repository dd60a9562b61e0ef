//! `vigie import`: the real binary importing real files into a scratch
//! data directory, checked by reading the store offline (`vigie sql --offline`).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::harness::{self, fixture, gzip, scratch, vigie_bin};

fn import(data: &Path, args: &[&str]) -> Output {
    Command::new(vigie_bin())
        .arg("import")
        .args(args)
        .env("VIGIE_DATA_DIR", data)
        .env_remove("VIGIE_CONFIG")
        .output()
        .unwrap()
}

/// Every stored event, read from the files (the import has finished).
fn spooled(data: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let q = format!(
            "SELECT \"@timestamp\", fields, original FROM events ORDER BY _id LIMIT 5000 OFFSET {}",
            out.len()
        );
        let rows = harness::offline_sql(data, &q);
        let n = rows.len();
        out.extend(rows.iter().map(harness::nest_row));
        if n < 5000 {
            return out;
        }
    }
}

fn spool_text(data: &Path) -> String {
    spooled(data).iter().map(|v| format!("{v}\n")).collect()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn import_reads_a_directory_with_gzip_cloudtrail_and_syslog_then_skips_it_on_rerun() {
    let dir = scratch("import-dir");
    let input = dir.join("in");
    std::fs::create_dir_all(input.join("sub")).unwrap();
    // A CloudTrail delivery (one pretty-printed `Records` document, gzip)
    // built at test time from the shared fixture's events.
    let source = std::fs::read_to_string(fixture(
        "elastic/aws/cloudtrail/test-console-login-json.log",
    ))
    .unwrap();
    let records: Vec<Value> = source
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let doc = serde_json::to_string_pretty(&serde_json::json!({ "Records": records })).unwrap();
    std::fs::write(input.join("CloudTrail_1.json.gz"), gzip(doc.as_bytes())).unwrap();
    let auth = "Mar 10 12:00:00 web1 sshd[4242]: Failed password for invalid user alice from 203.0.113.9 port 52144 ssh2\n\
                Mar 10 12:00:05 web1 sshd[4242]: Accepted password for bob from 198.51.100.7 port 52150 ssh2\n";
    std::fs::write(input.join("sub/auth.log"), auth).unwrap();
    std::fs::write(input.join(".hidden.log"), "not imported\n").unwrap();
    let data = dir.join("data");

    let out = import(&data, &[input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let events = spooled(&data);
    let cloudtrail: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"]["dataset"] == "aws.cloudtrail")
        .collect();
    assert_eq!(cloudtrail.len(), records.len(), "{events:?}");
    assert_eq!(cloudtrail[0]["event"]["action"], "ConsoleLogin");
    assert_eq!(cloudtrail[0]["source"]["ip"], "89.160.20.156");
    let ssh: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"]["dataset"] == "syslog")
        .collect();
    assert_eq!(ssh.len(), 2, "{events:?}");
    assert_eq!(ssh[0]["event"]["action"], "ssh_login");
    assert_eq!(ssh[0]["event"]["outcome"], "failure");
    assert_eq!(ssh[0]["user"]["name"], "alice");
    assert_eq!(ssh[0]["source"]["ip"], "203.0.113.9");
    assert_eq!(ssh[1]["user"]["name"], "bob");
    assert_eq!(
        events.len(),
        records.len() + 2,
        "the hidden file is skipped"
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("imported 2 file(s)"), "{summary}");

    let before = spool_text(&data);
    let again = import(&data, &[input.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", describe(&again));
    assert_eq!(spool_text(&data), before, "nothing is imported twice");
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 already done"));

    // A changed file is imported again.
    std::fs::write(input.join("sub/auth.log"), format!("{auth}Mar 10 12:01:00 web1 sshd[1]: Failed password for carol from 192.0.2.1 port 1 ssh2\n")).unwrap();
    let third = import(&data, &[input.to_str().unwrap()]);
    assert_eq!(third.status.code(), Some(0), "{}", describe(&third));
    assert_eq!(spooled(&data).len(), records.len() + 2 + 3);
}

#[test]
fn an_interrupted_import_resumes_and_every_record_arrives_once() {
    let dir = scratch("import-resume");
    let big = dir.join("big.log");
    let n = 3000;
    let text: String = (0..n).map(|i| format!("record number {i:06}\n")).collect();
    std::fs::write(&big, &text).unwrap();
    let data = dir.join("data");
    let args = [
        "--dataset",
        "raw",
        "--chunk-bytes",
        "4096",
        big.to_str().unwrap(),
    ];

    let mut first = args.to_vec();
    first.extend(["--stop-after-chunks", "5"]);
    first.rotate_right(2);
    let out = import(&data, &first);
    assert_eq!(out.status.code(), Some(130), "{}", describe(&out));
    let partial = spooled(&data).len();
    assert!(
        partial > 0 && partial < n,
        "{partial} events after the interruption"
    );

    let out = import(&data, &args);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let mut messages: Vec<String> = spooled(&data)
        .iter()
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    messages.sort();
    let expected: Vec<String> = (0..n).map(|i| format!("record number {i:06}")).collect();
    assert_eq!(messages.len(), n, "each record exactly once");
    assert_eq!(messages, expected);
}

#[test]
fn an_unreadable_path_exits_2_and_the_others_are_still_imported() {
    let dir = scratch("import-missing");
    let good = dir.join("good.log");
    std::fs::write(&good, "one line\n").unwrap();
    let data = dir.join("data");
    let missing = dir.join("missing.log");
    let out = import(
        &data,
        &[
            "--dataset",
            "raw",
            missing.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.log"));
    assert_eq!(spooled(&data).len(), 1);
}

#[test]
fn rejected_records_exit_1_and_are_listed_with_path_and_line() {
    let dir = scratch("import-rejects");
    let file = dir.join("mixed.log");
    std::fs::write(&file, "{\"eventVersion\":\"1.08\"\n").unwrap();
    let data = dir.join("data");
    let out = import(
        &data,
        &["--dataset", "aws.cloudtrail", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mixed.log:1:"), "{stderr}");
}
