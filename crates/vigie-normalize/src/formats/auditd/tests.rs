//! Unit tests of the auditd normalizer: grouping, EOE, finish, hex,
//! unset auid, and property tests.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigie_event::Event;

use super::{Auditd, MAX_OPEN};
use crate::formats::test_support::run;
use crate::{Normalizer, RecordOutput, StreamState};

/// Feeds `lines` through one stream (normalize each, then finish).
fn stream(lines: &[String]) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut state = StreamState::default();
    let mut errors = 0;
    for l in lines {
        let mut out = RecordOutput::new(&mut events);
        if Auditd.normalize(l, &mut state, &mut out).is_err() {
            errors += 1;
        }
        errors += out.item_errors().len();
    }
    let mut out = RecordOutput::new(&mut events);
    Auditd.finish(&mut state, &mut out);
    errors += out.item_errors().len();
    (events, errors)
}

fn get(e: &Event, k: &str) -> Option<Value> {
    e.fields.get(k).cloned()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02X}")).collect()
}

fn syscall_group(serial: u64, pid: u32, uid: u32, exe: &str, args: &[&str]) -> Vec<String> {
    let stamp = format!("msg=audit(1700000000.123:{serial}):");
    let title: Vec<u8> = args.join("\0").into_bytes();
    let title: String = title.iter().map(|b| format!("{b:02X}")).collect();
    let mut v = vec![
        format!("type=SYSCALL {stamp} arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid={pid} auid={uid} uid={uid} euid={uid} comm=\"x\" exe=\"{exe}\" key=(null)"),
        format!("type=EXECVE {stamp} argc={}", args.len()),
        format!("type=CWD {stamp} cwd=\"/tmp\""),
        format!("type=PATH {stamp} item=0 name=\"{exe}\" inode=1 nametype=NORMAL"),
        format!("type=PROCTITLE {stamp} proctitle={title}"),
    ];
    let mut execve = v[1].clone();
    for (i, a) in args.iter().enumerate() {
        execve.push_str(&format!(" a{i}=\"{a}\""));
    }
    v[1] = execve;
    v
}

#[test]
fn groups_until_eoe() {
    let mut lines = syscall_group(7, 42, 1000, "/usr/bin/ls", &["ls", "-l"]);
    lines.push("type=EOE msg=audit(1700000000.123:7): ".into());
    let (events, errors) = stream(&lines);
    assert_eq!(errors, 0);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.original, lines.join("\n"));
    assert_eq!(get(e, "event.action"), Some(json!("execve")));
    assert_eq!(get(e, "event.outcome"), Some(json!("success")));
    assert_eq!(get(e, "process.pid"), Some(json!(42)));
    assert_eq!(get(e, "process.executable"), Some(json!("/usr/bin/ls")));
    assert_eq!(get(e, "process.title"), Some(json!("ls -l")));
    assert_eq!(get(e, "process.command_line"), Some(json!("ls -l")));
    assert_eq!(get(e, "process.args"), Some(json!(["ls", "-l"])));
    assert_eq!(get(e, "file.path"), Some(json!("/usr/bin/ls")));
    assert_eq!(get(e, "user.audit.id"), Some(json!("1000")));
    assert_eq!(get(e, "auditd.log.sequence"), Some(json!(7)));
    assert_eq!(e.timestamp.as_nanos(), 1_700_000_000_123_000_000);
}

#[test]
fn interleaved_events_keep_their_records() {
    let a = syscall_group(1, 10, 1, "/bin/a", &["a"]);
    let b = syscall_group(2, 20, 2, "/bin/b", &["b"]);
    let mut lines = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        lines.push(y.clone());
        lines.push(x.clone());
    }
    lines.push("type=EOE msg=audit(1700000000.123:1): ".into());
    let (events, errors) = stream(&lines);
    assert_eq!(errors, 0);
    assert_eq!(events.len(), 2);
    let mut a_text = a.join("\n");
    a_text.push_str("\ntype=EOE msg=audit(1700000000.123:1): ");
    assert_eq!(events[0].original, a_text);
    assert_eq!(get(&events[0], "process.pid"), Some(json!(10)));
    // Group 2 had no EOE: flushed by finish.
    assert_eq!(events[1].original, b.join("\n"));
    assert_eq!(get(&events[1], "process.pid"), Some(json!(20)));
}

#[test]
fn user_records_are_single_events_and_unset_auid() {
    let line = "type=USER_AUTH msg=audit(1489636960.072:19623789): pid=28281 uid=0 auid=4294967295 ses=6793 msg='op=success acct=\"admin\" exe=\"/usr/sbin/sshd\" hostname=? addr=89.160.20.156 terminal=ssh res=failed'";
    let r = run(&Auditd, line);
    assert!(r.result.is_ok());
    assert_eq!(r.events.len(), 1);
    let e = &r.events[0];
    assert_eq!(get(e, "event.action"), Some(json!("user_auth")));
    assert_eq!(get(e, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(e, "event.category"), Some(json!(["authentication"])));
    assert_eq!(get(e, "source.ip"), Some(json!("89.160.20.156")));
    assert_eq!(get(e, "user.name"), Some(json!("admin")));
    assert_eq!(get(e, "user.audit.id"), None);
    assert_eq!(get(e, "user.id"), Some(json!("0")));
}

#[test]
fn hex_values_and_split_execve_args() {
    let lines = vec![
        format!("type=EXECVE msg=audit(1.000:5): argc=2 a0=\"echo\" a1_len=10 a1[0]={} a1[1]={}", hex("hello"), hex(" wor\"d")),
        format!("type=PROCTITLE msg=audit(1.000:5): proctitle={}", hex("echo\0hello wor\"d")),
        format!("type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=42 success=no exit=-2 pid=3 auid=-1 exe={} comm=\"c\"", hex("/bin/my prog")),
    ];
    let (events, errors) = stream(&lines);
    assert_eq!(errors, 0);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        get(e, "process.args"),
        Some(json!(["echo", "hello wor\"d"]))
    );
    assert_eq!(get(e, "process.title"), Some(json!("echo hello wor\"d")));
    assert_eq!(get(e, "process.executable"), Some(json!("/bin/my prog")));
    assert_eq!(get(e, "event.action"), Some(json!("connect")));
    assert_eq!(get(e, "event.outcome"), Some(json!("failure")));
    assert_eq!(get(e, "user.audit.id"), None);
    // The SYSCALL record came last but is the primary one.
    assert_eq!(get(e, "auditd.log.record_type"), Some(json!("EXECVE")));
}

#[test]
fn enriched_after_group_separator() {
    let line = "type=SYSCALL msg=audit(1.5:9): arch=c000003e syscall=87 success=yes auid=1 uid=2\u{1d}ARCH=x86_64 SYSCALL=unlink AUID=\"alice\" UID=\"bob\"";
    let (events, _) = stream(&[line.to_owned()]);
    let e = &events[0];
    assert_eq!(get(e, "event.action"), Some(json!("unlink")));
    assert_eq!(get(e, "user.name"), Some(json!("bob")));
    assert_eq!(get(e, "user.audit.name"), Some(json!("alice")));
    assert_eq!(get(e, "event.type"), Some(json!(["deletion"])));
}

#[test]
fn open_groups_are_bounded() {
    let lines: Vec<String> = (0..MAX_OPEN as u64 + 3)
        .map(|s| format!("type=CWD msg=audit(1.0:{s}): cwd=\"/\""))
        .collect();
    let mut events = Vec::new();
    let mut state = StreamState::default();
    for l in &lines {
        let mut out = RecordOutput::new(&mut events);
        Auditd.normalize(l, &mut state, &mut out).unwrap();
    }
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].original, lines[0]);
}

#[test]
fn no_audit_stamp_and_garbage() {
    let r = run(&Auditd, "type=UNKNOWN[1329] msg=g");
    assert!(r.result.is_ok());
    assert_eq!(r.events.len(), 1);
    assert!(run(&Auditd, "hello").result.is_err());
    assert!(run(&Auditd, "type=X msg=audit(abc:1): x").result.is_err());
    assert!(Auditd.sniff("node=h type=SYSCALL msg=audit(1.2:3): a=b"));
    assert!(!Auditd.sniff("type=SYSCALL something"));
}

proptest! {
    #[test]
    fn shuffled_groups_come_out_right(
        groups in prop::collection::vec((1u32..99999, 0u32..70000, "/[a-z]{1,8}( [a-z]{1,4})?"), 1..6),
        seed in any::<u64>(),
    ) {
        let mut per: Vec<Vec<String>> = groups
            .iter()
            .enumerate()
            .map(|(i, (pid, uid, exe))| syscall_group(100 + i as u64, *pid, *uid, exe, &["p", "q r"]))
            .collect();
        // Interleave pseudo-randomly, keeping each group's own order.
        let mut lines = Vec::new();
        let mut x = seed | 1;
        while per.iter().any(|g| !g.is_empty()) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let live: Vec<usize> = (0..per.len()).filter(|&i| !per[i].is_empty()).collect();
            let g = live[(x % live.len() as u64) as usize];
            lines.push(per[g].remove(0));
        }
        let (events, errors) = stream(&lines);
        prop_assert_eq!(errors, 0);
        prop_assert_eq!(events.len(), groups.len());
        for e in &events {
            let serial = get(e, "auditd.log.sequence").and_then(|v| v.as_u64()).unwrap();
            let i = (serial - 100) as usize;
            let (pid, uid, exe) = &groups[i];
            prop_assert_eq!(&e.original, &syscall_group(serial, *pid, *uid, exe, &["p", "q r"]).join("\n"));
            prop_assert_eq!(get(e, "process.pid"), Some(json!(pid)));
            prop_assert_eq!(get(e, "user.id"), Some(json!(uid.to_string())));
            prop_assert_eq!(get(e, "process.executable"), Some(json!(exe)));
            prop_assert_eq!(get(e, "process.args"), Some(json!(["p", "q r"])));
        }
    }

    #[test]
    fn arbitrary_input_never_panics(lines in prop::collection::vec(".{0,120}", 1..8), prefix in prop::sample::select(vec!["", "type=SYSCALL msg=audit(1.2:3): ", "node=n type=X msg=audit(", "type=USER_AUTH msg=audit(5:5): msg='"])) {
        let lines: Vec<String> = lines.iter().map(|l| format!("{prefix}{l}")).collect();
        let (events, _) = stream(&lines);
        for e in &events {
            prop_assert!(e.original.split('\n').all(|r| lines.iter().any(|l| l.trim_end_matches(['\r', '\n']) == r)));
        }
    }
}
