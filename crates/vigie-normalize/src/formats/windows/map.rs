//! The `EventData` / `UserData` part of a Windows event: kept under
//! `winlog.event_data.*` / `winlog.user_data.*`, and its well-known keys
//! (Sysmon, Security auditing) mapped to ECS, plus `event.category` and
//! `event.type` for the few event IDs whose meaning is unambiguous.

use serde_json::Value;
use vigie_event::{ecs, Fields};

use super::{int, text, WINLOG_PROCESS_PID, WINLOG_PROCESS_THREAD_ID};
use crate::json::is_ip;

pub const WINLOG_EVENT_DATA: &str = "winlog.event_data";
pub const WINLOG_USER_DATA: &str = "winlog.user_data";
pub const PROCESS_THREAD_ID: &str = "process.thread.id";

pub const SYSMON: &str = "Microsoft-Windows-Sysmon";
pub const SECURITY: &str = "Microsoft-Windows-Security-Auditing";

/// The named values of `EventData` (and of `UserData`'s child element), as
/// text. Unnamed `<Data>` values (`"Data": {"#text": x | [..]}`) become
/// `param1`, `param2`, ... as Winlogbeat names them.
#[derive(Debug, Default)]
pub struct EventData {
    pub event_data: Vec<(String, String)>,
    pub user_data: Vec<(String, String)>,
}

/// Field names may not contain `.` (it would nest): it becomes `_`.
fn key(k: &str) -> String {
    k.replace('.', "_")
}

fn push_params(out: &mut Vec<(String, String)>, v: &Value) {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("#text") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(t) => vec![t],
            None => Vec::new(),
        },
        other => vec![other],
    };
    let mut n = out.iter().filter(|(k, _)| k.starts_with("param")).count();
    for item in items {
        if let Some(t) = text(item) {
            n += 1;
            out.push((format!("param{n}"), t));
        }
    }
}

fn collect_object(out: &mut Vec<(String, String)>, obj: &serde_json::Map<String, Value>) {
    for (k, v) in obj {
        if k.ends_with("_attributes") || k == "#attributes" {
            continue;
        }
        if k == "Data" || k == "#text" {
            push_params(out, v);
        } else if let Some(t) = text(v) {
            out.push((key(k), t));
        }
    }
}

impl EventData {
    /// Reads `Event.EventData` and `Event.UserData` (either may be absent
    /// or null).
    pub fn collect(event: &Value) -> Self {
        let mut data = Self::default();
        if let Some(Value::Object(o)) = event.get("EventData") {
            collect_object(&mut data.event_data, o);
        }
        if let Some(Value::Object(o)) = event.get("UserData") {
            // `UserData` wraps one element (`LogFileCleared`, ...) whose
            // children are the values.
            for (k, v) in o {
                if k.ends_with("_attributes") || k == "#attributes" {
                    continue;
                }
                match v {
                    Value::Object(child) => collect_object(&mut data.user_data, child),
                    other => {
                        if let Some(t) = text(other) {
                            data.user_data.push((key(k), t));
                        }
                    }
                }
            }
        }
        data
    }

    /// A value by name, from `EventData` first, then `UserData`; `-` and
    /// empty values count as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.event_data
            .iter()
            .chain(&self.user_data)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty() && *v != "-")
    }

    /// Stores every value under `winlog.event_data.*` / `winlog.user_data.*`.
    pub fn store(&self, f: &mut Fields) {
        for (k, v) in &self.event_data {
            f.set(format!("{WINLOG_EVENT_DATA}.{k}"), v.as_str());
        }
        for (k, v) in &self.user_data {
            f.set(format!("{WINLOG_USER_DATA}.{k}"), v.as_str());
        }
    }
}

/// `DOMAIN\name` split into (domain, name); a bare name has no domain.
pub fn split_user(s: &str) -> (Option<&str>, &str) {
    match s.rsplit_once('\\') {
        Some((d, n)) if !d.is_empty() => (Some(d), n),
        Some((_, n)) => (None, n),
        None => (None, s),
    }
}

/// The last component of a Windows (or POSIX) path.
pub fn basename(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

fn port(d: &EventData, keys: &[&str]) -> Option<i64> {
    keys.iter()
        .filter_map(|k| d.get(k))
        .filter_map(|v| v.trim().parse::<i64>().ok())
        .find(|p| (1..=65535).contains(p))
}

fn ip<'d>(d: &'d EventData, keys: &[&str]) -> Option<&'d str> {
    keys.iter().filter_map(|k| d.get(k)).find(|v| is_ip(v))
}

fn pid(v: Option<&str>) -> Option<i64> {
    v.and_then(|s| int(&Value::String(s.to_owned())))
}

/// Maps the well-known `EventData` keys to ECS.
pub fn map_event_data(f: &mut Fields, d: &EventData) {
    // user.*: the target account, else the subject, else Sysmon's `User`.
    let candidates = [
        ("TargetUserName", "TargetDomainName", "TargetUserSid"),
        ("SubjectUserName", "SubjectDomainName", "SubjectUserSid"),
        ("User", "", ""),
    ];
    let mut chosen = false;
    for (name_key, domain_key, sid_key) in candidates {
        let Some(raw) = d.get(name_key) else { continue };
        let (domain, name) = split_user(raw);
        if name.is_empty() || name == "-" {
            continue;
        }
        f.push_unique(ecs::RELATED_USER, name);
        if chosen {
            continue;
        }
        chosen = true;
        f.set(ecs::USER_NAME, name);
        f.set_str(ecs::USER_DOMAIN, domain.or_else(|| d.get(domain_key)));
        f.set_str(ecs::USER_ID, d.get(sid_key));
    }

    if let Some(src) = ip(d, &["IpAddress", "SourceIp", "SourceAddress"]) {
        f.set(ecs::SOURCE_IP, src);
        f.push_unique(ecs::RELATED_IP, src);
        if let Some(p) = port(d, &["IpPort", "SourcePort"]) {
            f.set(ecs::SOURCE_PORT, p);
        }
    }
    if let Some(dst) = ip(d, &["DestinationIp", "DestAddress"]) {
        f.set(ecs::DESTINATION_IP, dst);
        f.push_unique(ecs::RELATED_IP, dst);
        if let Some(p) = port(d, &["DestinationPort", "DestPort"]) {
            f.set(ecs::DESTINATION_PORT, p);
        }
    }

    let exe = d.get("Image").or_else(|| d.get("NewProcessName"));
    if let Some(exe) = exe {
        f.set(ecs::PROCESS_EXECUTABLE, exe);
        f.set_str(ecs::PROCESS_NAME, Some(basename(exe)));
    }
    f.set_str(ecs::PROCESS_COMMAND_LINE, d.get("CommandLine"));
    let parent = d.get("ParentImage").or_else(|| d.get("ParentProcessName"));
    if let Some(parent) = parent {
        f.set(ecs::PROCESS_PARENT_EXECUTABLE, parent);
        f.set_str(ecs::PROCESS_PARENT_NAME, Some(basename(parent)));
    }
    f.set_str(ecs::PROCESS_PARENT_COMMAND_LINE, d.get("ParentCommandLine"));
    f.set_str(ecs::FILE_PATH, d.get("TargetFilename"));

    // process.pid: the process the event is about (Security 4688 names the
    // new one `NewProcessId` and its creator `ProcessId`); without one, the
    // process that logged the event (System.Execution).
    let new_pid = pid(d.get("NewProcessId"));
    let data_pid = new_pid.or_else(|| pid(d.get("ProcessId")));
    let parent_pid =
        pid(d.get("ParentProcessId")).or_else(|| new_pid.and_then(|_| pid(d.get("ProcessId"))));
    match data_pid {
        Some(p) => f.set(ecs::PROCESS_PID, p),
        None => {
            if let Some(p) = f.get(WINLOG_PROCESS_PID).cloned() {
                f.set(ecs::PROCESS_PID, p);
                if let Some(t) = f.get(WINLOG_PROCESS_THREAD_ID).cloned() {
                    f.set(PROCESS_THREAD_ID, t);
                }
            }
        }
    }
    if let Some(p) = parent_pid {
        f.set(ecs::PROCESS_PARENT_PID, p);
    }
}

/// `event.category` / `event.type` / `event.action` / `event.outcome` for
/// the event IDs whose meaning is unambiguous.
pub fn categorize(f: &mut Fields, provider: Option<&str>, event_id: Option<i64>) {
    let Some(id) = event_id else { return };
    let (category, types, action, outcome): (&str, &[&str], Option<&str>, Option<&str>) =
        match (provider, id) {
            (Some(SYSMON), 1) => ("process", &["start"], None, None),
            (Some(SYSMON), 3) => ("network", &["connection", "start"], None, None),
            (Some(SYSMON), 5) => ("process", &["end"], None, None),
            (Some(SYSMON), 11) => ("file", &["creation"], None, None),
            (Some(SECURITY), 4688) => ("process", &["start"], Some("created-process"), None),
            (Some(SECURITY), 4689) => ("process", &["end"], Some("exited-process"), None),
            (Some(SECURITY), 4624) => (
                "authentication",
                &["start"],
                Some("logged-in"),
                Some("success"),
            ),
            (Some(SECURITY), 4625) => (
                "authentication",
                &["start"],
                Some("logon-failed"),
                Some("failure"),
            ),
            _ => return,
        };
    f.push_unique(ecs::EVENT_CATEGORY, category);
    for t in types {
        f.push_unique(ecs::EVENT_TYPE, *t);
    }
    f.set_str(ecs::EVENT_ACTION, action);
    f.set_str(ecs::EVENT_OUTCOME, outcome);
}
