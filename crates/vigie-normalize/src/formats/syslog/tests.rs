//! Unit and property tests of the syslog normalizer.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::{Event, Timestamp};

use super::header::{decode_escapes, infer_year};
use super::{normalize_at, sniff, Syslog};
use crate::formats::test_support::run;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn get<'a>(ev: &'a Event, k: &str) -> Option<&'a Value> {
    ev.fields.get(k)
}

const NOW: &str = "2024-06-15T12:00:00Z";

#[test]
fn year_inference() {
    let jan1 = ts("2025-01-01T00:10:00Z");
    let dec31 = infer_year(12, 31, 23, 59, 0, 0, jan1).unwrap();
    assert_eq!(dec31, ts("2024-12-31T23:59:00Z"));
    // A clock a few hours ahead stays in the current year.
    let jan1_ahead = infer_year(1, 1, 5, 0, 0, 0, jan1).unwrap();
    assert_eq!(jan1_ahead, ts("2025-01-01T05:00:00Z"));
    // More than a day ahead means last year.
    let later = infer_year(1, 3, 0, 0, 0, 0, jan1).unwrap();
    assert_eq!(later, ts("2024-01-03T00:00:00Z"));
    // Jan 1 line received on Dec 31 (collector behind): next year.
    let dec = ts("2024-12-31T23:30:00Z");
    assert_eq!(
        infer_year(1, 1, 0, 5, 0, 0, dec).unwrap(),
        ts("2025-01-01T00:05:00Z")
    );
    // Feb 29 finds the latest leap year.
    assert_eq!(
        infer_year(2, 29, 0, 0, 0, 0, ts("2027-03-01T00:00:00Z")).unwrap(),
        ts("2024-02-29T00:00:00Z")
    );
}

#[test]
fn rfc5424_with_structured_data_and_bom() {
    let line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"lic\\]ation\"][meta x=\"1\"] \u{feff}An application event";
    let ev = normalize_at(line, ts(NOW));
    assert_eq!(ev.timestamp, ts("2003-10-11T22:14:15.003Z"));
    assert_eq!(get(&ev, "log.syslog.priority"), Some(&json!(165)));
    assert_eq!(get(&ev, "log.syslog.facility.code"), Some(&json!(20)));
    assert_eq!(get(&ev, "log.syslog.facility.name"), Some(&json!("local4")));
    assert_eq!(get(&ev, "log.syslog.severity.code"), Some(&json!(5)));
    assert_eq!(get(&ev, "log.syslog.severity.name"), Some(&json!("notice")));
    assert_eq!(
        get(&ev, "host.hostname"),
        Some(&json!("mymachine.example.com"))
    );
    assert_eq!(get(&ev, "process.name"), Some(&json!("evntslog")));
    assert_eq!(get(&ev, "process.pid"), None);
    assert_eq!(get(&ev, "log.syslog.msgid"), Some(&json!("ID47")));
    assert_eq!(
        get(
            &ev,
            "log.syslog.structured_data.exampleSDID@32473.eventSource"
        ),
        Some(&json!("App\"lic]ation"))
    );
    assert_eq!(
        get(&ev, "log.syslog.structured_data.meta.x"),
        Some(&json!("1"))
    );
    assert_eq!(get(&ev, "message"), Some(&json!("An application event")));
    assert_eq!(ev.original, line);
}

#[test]
fn rfc3164_variants() {
    let now = ts(NOW);
    let ev = normalize_at(
        "Feb  9 21:19:40 precise32 sshd[8317]: hi#012there#011x #1 ok",
        now,
    );
    assert_eq!(ev.timestamp, ts("2024-02-09T21:19:40Z"));
    assert_eq!(get(&ev, "host.name"), Some(&json!("precise32")));
    assert_eq!(get(&ev, "process.name"), Some(&json!("sshd")));
    assert_eq!(get(&ev, "process.pid"), Some(&json!(8317)));
    assert_eq!(get(&ev, "message"), Some(&json!("hi\nthere\tx #1 ok")));
    assert_eq!(get(&ev, "log.syslog.priority"), None);

    let ev = normalize_at(
        "Feb 22 10:21:43  sshd[1332]: last message repeated 2 times",
        now,
    );
    assert_eq!(get(&ev, "host.hostname"), None);
    assert_eq!(get(&ev, "process.name"), Some(&json!("sshd")));
    assert_eq!(
        get(&ev, "message"),
        Some(&json!("last message repeated 2 times"))
    );

    let ev = normalize_at(
        "<85>Oct 23 16:54:59 test-server sudo:  patrol : TTY=x ; USER=root ; COMMAND=/bin/ls",
        now,
    );
    assert_eq!(ev.timestamp, ts("2023-10-23T16:54:59Z"));
    assert_eq!(get(&ev, "process.pid"), None);
    assert_eq!(get(&ev, "user.name"), Some(&json!("patrol")));

    let ev = normalize_at(
        "2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error: PAM: x from 192.168.33.1",
        now,
    );
    assert_eq!(ev.timestamp, ts("2020-03-23T13:47:42.801612Z"));
    assert_eq!(get(&ev, "host.hostname"), Some(&json!("localhost")));
    assert_eq!(get(&ev, "source.ip"), Some(&json!("192.168.33.1")));

    let ev = normalize_at("2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: ok", now);
    assert_eq!(ev.timestamp, ts("2013-10-30T13:51:21.901728Z"));

    let ev = normalize_at("Oct 11 22:14:15 mymachine su 'su root' failed", now);
    assert_eq!(get(&ev, "process.name"), Some(&json!("su")));
    assert_eq!(get(&ev, "message"), Some(&json!("'su root' failed")));
}

#[test]
fn non_syslog_line_is_kept_and_flagged() {
    let r = run(&Syslog, "hello world, not syslog");
    assert!(r.result.is_ok());
    let ev = &r.events[0];
    assert_eq!(get(ev, "vigie.parse_failure"), Some(&json!("syslog")));
    assert_eq!(get(ev, "tags"), Some(&json!(["syslog_parse_failure"])));
    assert_eq!(get(ev, "event.kind"), Some(&json!("event")));
    assert_eq!(get(ev, "message"), Some(&json!("hello world, not syslog")));
    for bad in [
        "<999>1 x",
        "<12>1 notatime h a p m - x",
        "Feb 30 10:00:00 h a: x",
    ] {
        let ev = normalize_at(bad, ts(NOW));
        assert_eq!(
            get(&ev, "vigie.parse_failure"),
            Some(&json!("syslog")),
            "{bad}"
        );
    }
}

#[test]
fn sniffing() {
    for yes in [
        "<34>1 2003-10-11T22:14:15.003Z h a - - - m",
        "<13>Feb  5 17:32:18 host a: b",
        "Feb  9 21:19:40 precise32 sshd[8317]: x",
        "2013-10-30T14:51:21.901728+01:00 srv sshd[12664]: x",
        "2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: x",
    ] {
        assert!(sniff(yes), "{yes}");
    }
    for no in [
        "{\"a\":1}",
        "[1,2]",
        "<html>",
        "2 123456789012 eni-0a1b 1.2.3.4",
        "type=SYSCALL msg=audit(1.0:1): x",
        "Febrile",
        "2024-01-02T03:04:05Z",
        "",
    ] {
        assert!(!sniff(no), "{no}");
    }
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9._-]{0,20}"
}

proptest! {
    #[test]
    fn generated_5424_lines_map_exactly(
        pri in 0u8..192, host in name(), app in name(), pid in 1u32..4_000_000,
        msg in "[ -~]{0,80}", secs in 0i64..4_000_000_000,
    ) {
        let t = Timestamp::from_secs(secs).unwrap();
        let line = format!("<{pri}>1 {} {host} {app} {pid} - - {msg}", t.to_rfc3339());
        prop_assert!(sniff(&line));
        let ev = normalize_at(&line, ts(NOW));
        prop_assert_eq!(&ev.original, &line);
        prop_assert_eq!(ev.timestamp, t);
        prop_assert_eq!(get(&ev, "log.syslog.priority"), Some(&json!(pri)));
        prop_assert_eq!(get(&ev, "log.syslog.severity.code"), Some(&json!(pri & 7)));
        prop_assert_eq!(get(&ev, "log.syslog.facility.code"), Some(&json!(pri >> 3)));
        prop_assert_eq!(get(&ev, "host.hostname"), Some(&json!(host)));
        prop_assert_eq!(get(&ev, "process.name"), Some(&json!(app)));
        prop_assert_eq!(get(&ev, "process.pid"), Some(&json!(pid)));
        // Leading blanks of MSG are dropped (rsyslog's forwarding template).
        let want = decode_escapes(msg.trim_start_matches([' ', '\t']));
        let want = (!want.is_empty()).then(|| json!(want));
        prop_assert_eq!(get(&ev, "message"), want.as_ref());
        prop_assert_eq!(get(&ev, "vigie.parse_failure"), None);
    }

    #[test]
    fn generated_3164_lines_map_exactly(
        host in name(), app in "[a-zA-Z][a-zA-Z0-9_-]{0,15}", pid in 1u32..4_000_000,
        msg in "[a-zA-Z0-9][ -~]{0,80}", secs in 1_500_000_000i64..1_800_000_000,
    ) {
        let now = Timestamp::from_secs(secs).unwrap();
        // A moment within the last 300 days before `now`.
        let t = Timestamp::from_secs(secs - (secs % 25_000_000)).unwrap();
        let (_, mo, d, h, mi, s, _) = t.to_civil();
        let month = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"][mo as usize - 1];
        let line = format!("{month} {d:>2} {h:02}:{mi:02}:{s:02} {host} {app}[{pid}]: {msg}");
        prop_assert!(sniff(&line));
        let ev = normalize_at(&line, now);
        prop_assert_eq!(ev.timestamp, t);
        prop_assert_eq!(get(&ev, "host.hostname"), Some(&json!(host)));
        prop_assert_eq!(get(&ev, "process.name"), Some(&json!(app)));
        prop_assert_eq!(get(&ev, "process.pid"), Some(&json!(pid)));
        prop_assert_eq!(get(&ev, "message"), Some(&json!(decode_escapes(&msg))));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}", prefix in prop::sample::select(vec!["", "<13>", "<13>1 ", "Feb  9 ", "2024-01-02T03:04:05Z "])) {
        let line = format!("{prefix}{s}");
        let _ = sniff(&line);
        let r = run(&Syslog, &line);
        prop_assert!(r.result.is_ok());
        prop_assert_eq!(r.events.len(), 1);
        prop_assert_eq!(&r.events[0].original, &line);
    }
}

#[test]
fn rsyslog_protocol23_forwarding_keeps_sshd_mapping_despite_the_leading_space() {
    // What rsyslog's RSYSLOG_SyslogProtocol23Format sends for a local sshd
    // line: the space after the 3164 tag survives into MSG.
    let line = "<38>1 2026-11-23T10:00:00.123456+00:00 bastion sshd 4242 - -  Failed password for invalid user oracle from 203.0.113.9 port 52144 ssh2\n";
    let ev = normalize_at(line, ts(NOW));
    assert_eq!(
        ev.fields.get_str("message"),
        Some("Failed password for invalid user oracle from 203.0.113.9 port 52144 ssh2")
    );
    assert_eq!(ev.fields.get_str("event.action"), Some("ssh_login"));
    assert_eq!(ev.fields.get_str("event.outcome"), Some("failure"));
    assert_eq!(ev.fields.get_str("user.name"), Some("oracle"));
    assert_eq!(ev.fields.get_str("source.ip"), Some("203.0.113.9"));
}
