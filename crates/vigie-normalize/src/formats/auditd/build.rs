//! Builds one ECS event from the records of one auditd group.

use std::collections::BTreeMap;

use serde_json::Value;
use vigie_event::{ecs, Event};

use super::parse::{self, Pair};
use super::{stamp, syscalls, DATASET};
use crate::json::is_ip;
use crate::NormalizeError;

const TIMESTAMP_SOURCE: &str = "vigie.timestamp_source";

/// Keys mapped to ECS (not repeated under `auditd.data.*`).
fn mapped(key: &str) -> bool {
    matches!(
        key,
        "pid"
            | "ppid"
            | "exe"
            | "comm"
            | "exit"
            | "uid"
            | "auid"
            | "euid"
            | "gid"
            | "egid"
            | "suid"
            | "sgid"
            | "fsuid"
            | "fsgid"
            | "UID"
            | "AUID"
            | "EUID"
            | "proctitle"
            | "cwd"
            | "addr"
            | "arch"
            | "ARCH"
            | "argc"
    ) || parse::execve_arg(key).is_some()
        || key.ends_with("_len")
}

/// An audit id that means "unset": 4294967295, -1, `?`, `unset`.
fn unset_id(v: &str) -> bool {
    matches!(v, "4294967295" | "-1" | "?" | "" | "unset" | "(none)")
}

/// A value that carries nothing (`?`, `(null)`, `(none)`).
fn nothing(v: &str) -> bool {
    matches!(v, "" | "?" | "(null)" | "(none)")
}

fn int(v: &str) -> Option<i64> {
    v.parse().ok()
}

/// The event of a group: `text` is its records joined with '\n'.
pub fn event(text: &str) -> Result<Event, NormalizeError> {
    let mut recs = Vec::new();
    for line in text.split('\n') {
        let h = parse::header(line)?;
        let pairs = parse::pairs(h.body);
        recs.push((h, pairs));
    }
    let Some((first, _)) = recs.first() else {
        return Err(NormalizeError::MissingField("type"));
    };
    let (ts, exact) = stamp(first.stamp.map(|s| s.0));
    let mut e = Event::new(DATASET, ts, text);
    let f = &mut e.fields;
    if !exact {
        f.set(TIMESTAMP_SOURCE, "ingest");
    }
    f.set(ecs::EVENT_KIND, "event");
    f.set("auditd.log.record_type", first.rtype);
    if let Some((_, serial)) = first.stamp {
        f.set("auditd.log.sequence", serial);
    }
    f.set_str(ecs::HOST_NAME, first.node);

    // The SYSCALL record (if any) is the primary one, then the others in order.
    let primary = recs.iter().position(|(h, _)| h.rtype == "SYSCALL");
    let mut order: Vec<usize> = primary.into_iter().collect();
    order.extend((0..recs.len()).filter(|&i| Some(i) != primary));

    // First occurrence of each key, primary record first.
    let mut seen: BTreeMap<&str, (&Pair<'_>, &str)> = BTreeMap::new();
    for &i in &order {
        let (h, pairs) = &recs[i];
        for p in pairs {
            seen.entry(p.key).or_insert((p, h.rtype));
        }
    }
    let get = |k: &str| seen.get(k).map(|(p, _)| parse::value_text(p));

    // Action: the syscall name, else the first record type.
    let arch = get("arch");
    let syscall = primary.and_then(|i| {
        let pairs = &recs[i].1;
        let find = |k: &str| pairs.iter().find(|p| p.key == k).map(|p| p.value);
        find("SYSCALL").map(str::to_owned).or_else(|| {
            let n: u64 = find("syscall")?.parse().ok()?;
            (find("arch")? == "c000003e")
                .then(|| syscalls::x86_64(n))
                .flatten()
                .map(str::to_owned)
        })
    });
    let kind = match &syscall {
        Some(name) => {
            f.set(ecs::EVENT_ACTION, name.as_str());
            syscalls::ecs_kind(name)
        }
        None => {
            f.set(ecs::EVENT_ACTION, first.rtype.to_ascii_lowercase());
            syscalls::record_kind(first.rtype)
        }
    };
    if let Some((cat, typ)) = kind {
        f.push_unique(ecs::EVENT_CATEGORY, cat);
        f.push_unique(ecs::EVENT_TYPE, typ);
    }
    let outcome = match get("success").as_deref().or(get("res").as_deref()) {
        Some("yes" | "success" | "1") => Some("success"),
        Some("no" | "failed" | "0") => Some("failure"),
        _ => None,
    };
    if let Some(o) = outcome {
        f.set(ecs::EVENT_OUTCOME, o);
    }
    match get("ARCH") {
        Some(a) => f.set_str("host.architecture", Some(&a)),
        None if arch.as_deref() == Some("c000003e") => f.set("host.architecture", "x86_64"),
        None => {}
    }

    // Process.
    for (key, field) in [("pid", ecs::PROCESS_PID), ("ppid", ecs::PROCESS_PARENT_PID)] {
        if let Some(n) = get(key).and_then(|v| int(&v)) {
            f.set(field, n);
        }
    }
    if primary.is_some() {
        if let Some(n) = get("exit").and_then(|v| int(&v)) {
            f.set("process.exit_code", n);
        }
    }
    for (key, field) in [
        ("exe", ecs::PROCESS_EXECUTABLE),
        ("comm", ecs::PROCESS_NAME),
        ("cwd", ecs::PROCESS_WORKING_DIRECTORY),
    ] {
        if let Some(v) = get(key).filter(|v| !nothing(v)) {
            f.set(field, v.into_owned());
        }
    }
    let title_args = seen
        .get("proctitle")
        .map(|(p, _)| split_args(&parse::value_bytes(p)));
    if let Some(args) = &title_args {
        f.set_str("process.title", Some(&args.join(" ")));
    }
    let args = execve_args(&recs).or(title_args);
    if let Some(args) = args.filter(|a| !a.is_empty()) {
        f.set(ecs::PROCESS_COMMAND_LINE, args.join(" "));
        f.set("process.args_count", args.len());
        f.set("process.args", args);
    }

    // Users.
    for (key, field) in [
        ("uid", ecs::USER_ID),
        ("euid", ecs::USER_EFFECTIVE_ID),
        ("gid", "user.group.id"),
        ("egid", "user.effective.group.id"),
        ("suid", "user.saved.id"),
        ("sgid", "user.saved.group.id"),
        ("fsuid", "user.filesystem.id"),
        ("fsgid", "user.filesystem.group.id"),
    ] {
        if let Some(v) = get(key).filter(|v| !unset_id(v)) {
            f.set(field, v.into_owned());
        }
    }
    if let Some(v) = get("auid").filter(|v| !unset_id(v)) {
        f.set("user.audit.id", v.into_owned());
        if let Some(n) = get("AUID").filter(|v| !unset_id(v)) {
            f.set("user.audit.name", n.as_ref());
            f.push_unique(ecs::RELATED_USER, n.into_owned());
        }
    }
    for (key, field) in [("UID", ecs::USER_NAME), ("EUID", ecs::USER_EFFECTIVE_NAME)] {
        if let Some(n) = get(key).filter(|v| !unset_id(v)) {
            f.set(field, n.as_ref());
            f.push_unique(ecs::RELATED_USER, n.into_owned());
        }
    }
    if let Some(acct) = get("acct").filter(|v| !nothing(v)) {
        f.set_default(ecs::USER_NAME, acct.as_ref());
        f.push_unique(ecs::RELATED_USER, acct.into_owned());
    }

    // Network and files.
    if let Some(addr) = get("addr").filter(|a| is_ip(a)) {
        f.set(ecs::SOURCE_IP, addr.as_ref());
        f.push_unique(ecs::RELATED_IP, addr.into_owned());
    }
    if let Some(path) = file_path(&recs) {
        f.set(ecs::FILE_PATH, path);
    }

    // The rest, raw, under auditd.data.* (first occurrence, primary first).
    for (key, (p, _)) in &seen {
        if mapped(key) {
            continue;
        }
        let v = parse::value_text(p);
        if !v.is_empty() {
            f.set(format!("auditd.data.{key}"), Value::String(v.into_owned()));
        }
    }
    Ok(e)
}

/// NUL-separated arguments (a decoded proctitle), empty ones dropped.
fn split_args(b: &[u8]) -> Vec<String> {
    b.split(|&c| c == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

type Recs<'a> = [(parse::Header<'a>, Vec<Pair<'a>>)];

/// EXECVE arguments `a0..aN`, split ones (`a1[0]`, `a1[1]`) reassembled.
fn execve_args(recs: &Recs<'_>) -> Option<Vec<String>> {
    let mut parts: BTreeMap<(usize, usize), Vec<u8>> = BTreeMap::new();
    let mut any = false;
    for (h, pairs) in recs {
        if h.rtype != "EXECVE" {
            continue;
        }
        any = true;
        for p in pairs {
            if let Some(ix) = parse::execve_arg(p.key) {
                parts
                    .entry(ix)
                    .or_insert_with(|| parse::value_bytes(p).into_owned());
            }
        }
    }
    if !any {
        return None;
    }
    let mut args: Vec<Vec<u8>> = Vec::new();
    for ((i, _), bytes) in parts {
        while args.len() <= i && args.len() < 4096 {
            args.push(Vec::new());
        }
        if let Some(a) = args.get_mut(i) {
            a.extend_from_slice(&bytes);
        }
    }
    Some(
        args.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// The `name` of the PATH record with `item=0`, else of the first PATH.
fn file_path(recs: &Recs<'_>) -> Option<String> {
    let paths = recs.iter().filter(|(h, _)| h.rtype == "PATH");
    let mut first = None;
    for (_, pairs) in paths {
        let Some(name) = pairs.iter().find(|p| p.key == "name") else {
            continue;
        };
        let v = parse::value_text(name);
        if nothing(&v) {
            continue;
        }
        let item0 = pairs.iter().any(|p| p.key == "item" && p.value == "0");
        if item0 {
            return Some(v.into_owned());
        }
        first.get_or_insert(v.into_owned());
    }
    first
}
