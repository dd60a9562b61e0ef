//! Fixture tests of the `syslog` dataset: Elastic's system/auth samples
//! (RFC 5424 and 3164, compared with Elastic's expected documents) and the
//! Wazuh sshd ruleset test lines.

use std::net::IpAddr;

use serde_json::Value;

use crate::common::{self, assert_ecs_fields, field};

const FIELDS: &[&str] = &[
    "event.kind",
    "event.action",
    "event.outcome",
    "event.category",
    "event.type",
    "host.hostname",
    "log.syslog.priority",
    "process.name",
    "process.pid",
    "message",
    "user.name",
    "user.id",
    "user.effective.name",
    "source.ip",
    "source.port",
    "source.address",
    "related.user",
    "related.ip",
    "related.hosts",
    "system.auth.ssh.event",
    "system.auth.ssh.method",
    "system.auth.ssh.signature",
    "system.auth.sudo.command",
    "system.auth.sudo.pwd",
    "system.auth.sudo.tty",
    "system.auth.sudo.user",
];

/// Fields vigie sets where Elastic's pipeline does not: the message it
/// drops once parsed, and `event.type` start/end on PAM sessions.
const EXTRA_OK: &[&str] = &["message", "event.type"];

#[test]
fn test_5424_matches_elastic_expected() {
    let rel = "elastic/system/auth/test-5424.log";
    let events = common::normalize_clean(Some("syslog"), rel);
    let expected = common::expected_docs(&format!("{rel}-expected.json"));
    assert_eq!(events.len(), expected.len());
    for (i, (ev, exp)) in events.iter().zip(&expected).enumerate() {
        let label = format!("{rel} line {}", i + 1);
        // Elastic writes `user.name: ""` for `by (uid=0)` sessions; vigie
        // names the session's user instead.
        let fields: Vec<&str> = FIELDS
            .iter()
            .copied()
            .filter(|f| !(*f == "user.name" && exp["user"]["name"] == ""))
            .collect();
        assert_ecs_fields(&label, exp, ev, &fields, EXTRA_OK);
        let want = exp["@timestamp"].as_str().unwrap();
        let want = vigie_normalize::Timestamp::parse_rfc3339(want).unwrap();
        if field(ev, "log.syslog.version").is_some() {
            // Elastic keeps milliseconds; vigie keeps the microseconds.
            let got_ms = ev.timestamp.as_nanos().div_euclid(1_000_000);
            assert_eq!(got_ms * 1_000_000, want.as_nanos(), "{label}");
        } else {
            // RFC 3164: the year depends on "now"; month, day and time do not.
            let (_, mo, d, h, mi, s, n) = ev.timestamp.to_civil();
            let (_, wmo, wd, wh, wmi, ws, wn) = want.to_civil();
            assert_eq!((mo, d, h, mi, s, n), (wmo, wd, wh, wmi, ws, wn), "{label}");
        }
    }
}

/// `user` and `ip` of an `Accepted|Failed ... for U from IP ...` line, read
/// independently of the normalizer.
fn login_of(line: &str) -> Option<(String, String)> {
    let after_for = line.split(" for ").nth(1)?;
    let user = after_for.split(" from ").next()?;
    let user = user.strip_prefix("invalid user ").unwrap_or(user);
    let ip = line.split(" from ").nth(1)?.split(' ').next()?;
    Some((user.to_owned(), ip.to_owned()))
}

#[test]
fn ubuntu_auth_log_all_normalize_and_logins_map() {
    let rel = "elastic/system/auth/test-auth-ubuntu1204.log";
    let text = String::from_utf8(common::read(rel)).unwrap();
    let events = common::normalize_clean(Some("syslog"), rel);
    assert_eq!(events.len(), text.lines().count());
    assert_eq!(events.len(), 122);
    let mut logins = 0;
    for ev in &events {
        assert_eq!(field(ev, "vigie.parse_failure"), None, "{}", ev.original);
        assert!(field(ev, "process.name").is_some(), "{}", ev.original);
        let is_login = ev.original.contains("]: Accepted ") || ev.original.contains("]: Failed ");
        if let (true, Some((user, ip))) = (is_login, login_of(&ev.original)) {
            logins += 1;
            assert_eq!(
                field(ev, "user.name"),
                Some(Value::from(user)),
                "{}",
                ev.original
            );
            assert_eq!(
                field(ev, "source.ip"),
                Some(Value::from(ip)),
                "{}",
                ev.original
            );
            assert_eq!(field(ev, "event.action"), Some(Value::from("ssh_login")));
            let outcome = if ev.original.contains("Accepted") {
                "success"
            } else {
                "failure"
            };
            assert_eq!(field(ev, "event.outcome"), Some(Value::from(outcome)));
        }
    }
    assert!(logins > 0);
}

#[test]
fn ubuntu_auth_log_is_auto_detected() {
    let out = common::normalize_file(None, "elastic/system/auth/test-auth-ubuntu1204.log");
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert!(out.events.iter().all(|e| e.dataset() == "syslog"));
}

#[test]
fn wazuh_sshd_lines_parse_and_keep_the_peer() {
    let ini = String::from_utf8(common::read("wazuh/ruleset-testing-tests/sshd.ini")).unwrap();
    let lines: Vec<&str> = ini
        .lines()
        .filter(|l| l.starts_with("log "))
        .filter_map(|l| l.split_once(" = ").map(|(_, raw)| raw))
        .collect();
    assert_eq!(lines.len(), 71);
    let payload = lines.join("\n");
    let out = common::normalize_bytes(Some("syslog"), payload.as_bytes());
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.events.len(), lines.len());
    for (ev, line) in out.events.iter().zip(&lines) {
        assert_eq!(ev.original, *line);
        assert_eq!(field(ev, "vigie.parse_failure"), None, "{line}");
        assert_eq!(
            field(ev, "process.name"),
            Some(Value::from("sshd")),
            "{line}"
        );
        // The first `from <ip>` of the line, when there is one.
        let peer = line
            .split("from ")
            .skip(1)
            .filter_map(|s| s.split([' ', ':', ',']).next())
            .find(|t| t.parse::<IpAddr>().is_ok() && !t.is_empty());
        if let Some(ip) = peer {
            assert_eq!(field(ev, "source.ip"), Some(Value::from(ip)), "{line}");
        }
    }
}
