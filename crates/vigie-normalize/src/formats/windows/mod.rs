//! Windows event logs (`windows.evtx`): the JSON that `evtx_dump` (the
//! `evtx` crate, 0.8+) writes for each record of an `.evtx` file, one
//! object per line.
//!
//! With `--separate-json-attributes` the XML attributes of an element
//! become a sibling object `<Element>_attributes`
//! (`{"Event_attributes":{..},"Event":{"System":{"Provider_attributes":
//! {"Name":..},"EventID":4624,"TimeCreated_attributes":{"SystemTime":..},
//! ..},"EventData":{..}}}`); without it they sit under `#attributes`
//! inside the element (`"Provider":{"#attributes":{"Name":..}}`). Both
//! spellings are read. `EventID` is a number, a numeric string, or an
//! object `{"#text": n}` (when it carries `Qualifiers`).
//!
//! The `System` part maps to `event.*`, `host.name` and `winlog.*`; the
//! `EventData` (or `UserData`) part is kept under `winlog.event_data.*`
//! (`winlog.user_data.*`) and its well-known keys (Sysmon, Security
//! auditing) are mapped to ECS in [`map`]. `docs/datasets/windows.evtx.md`
//! has the table.

mod map;
#[cfg(test)]
mod tests;

use serde_json::Value;
use vigie_event::{ecs, Event, Fields, Timestamp};

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "windows.evtx";

/// `winlog.*`: the source's own namespace, as Elastic's Winlogbeat names it.
pub const WINLOG_CHANNEL: &str = "winlog.channel";
pub const WINLOG_EVENT_ID: &str = "winlog.event_id";
pub const WINLOG_RECORD_ID: &str = "winlog.record_id";
pub const WINLOG_COMPUTER_NAME: &str = "winlog.computer_name";
pub const WINLOG_PROVIDER_NAME: &str = "winlog.provider_name";
pub const WINLOG_PROVIDER_GUID: &str = "winlog.provider_guid";
pub const WINLOG_PROCESS_PID: &str = "winlog.process.pid";
pub const WINLOG_PROCESS_THREAD_ID: &str = "winlog.process.thread.id";
pub const WINLOG_USER_IDENTIFIER: &str = "winlog.user.identifier";
pub const WINLOG_ACTIVITY_ID: &str = "winlog.activity_id";
pub const WINLOG_LEVEL: &str = "winlog.level";

/// The `windows.evtx` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct WindowsEvtx;

/// Skips ASCII whitespace.
fn ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\r', '\n'])
}

/// Whether the record starts like an `evtx_dump` object: `{"Event_attributes"`
/// or `{"Event":{`, and names a `System` element somewhere.
pub(crate) fn sniff(record: &str) -> bool {
    let Some(body) = ws(record).strip_prefix('{') else {
        return false;
    };
    let body = ws(body);
    let has_system = || memchr::memmem::find(record.as_bytes(), b"\"System\"").is_some();
    if body.starts_with("\"Event_attributes\"") {
        return memchr::memmem::find(record.as_bytes(), b"\"Event\"").is_some() && has_system();
    }
    let Some(rest) = body.strip_prefix("\"Event\"") else {
        return false;
    };
    let Some(rest) = ws(rest).strip_prefix(':') else {
        return false;
    };
    ws(rest).starts_with('{') && has_system()
}

impl Normalizer for WindowsEvtx {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        sniff(record)
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let value: Value = serde_json::from_str(record)?;
        out.push(build(&value, record)?);
        Ok(())
    }
}

/// An attribute of a `System` child: `<name>_attributes.<attr>` or
/// `<name>.#attributes.<attr>`.
fn attr<'v>(system: &'v Value, name: &str, attr: &str) -> Option<&'v Value> {
    let sep = system
        .get(format!("{name}_attributes"))
        .and_then(|a| a.get(attr));
    sep.or_else(|| system.get(name)?.get("#attributes")?.get(attr))
        .filter(|v| !v.is_null())
}

/// A JSON scalar as text (strings as they are, numbers as written);
/// `{"#text": x}` is unwrapped. `None` for null, empty, objects, arrays.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("#text").and_then(text),
        _ => None,
    }
}

/// An integer written as a number, a decimal string, `0x` hex, or `{"#text": n}`.
pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)),
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        }
        Value::Object(o) => o.get("#text").and_then(int),
        _ => None,
    }
}

/// `System.Level` as ECS `log.level` text.
fn level_name(level: i64) -> Option<&'static str> {
    Some(match level {
        0 | 4 => "information",
        1 => "critical",
        2 => "error",
        3 => "warning",
        5 => "verbose",
        _ => return None,
    })
}

/// The `Keywords` bits of an audit success and an audit failure.
const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

const SYSTEM_TIME: &str = "Event.System.TimeCreated_attributes.SystemTime";

/// Builds the event of one record (an `evtx_dump` object).
fn build(value: &Value, record: &str) -> Result<Event, NormalizeError> {
    let Value::Object(_) = value else {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "the record is not a JSON object".into(),
        });
    };
    let event = value
        .get("Event")
        .filter(|e| e.is_object())
        .ok_or(NormalizeError::MissingField("Event"))?;
    let system = event
        .get("System")
        .filter(|s| s.is_object())
        .ok_or(NormalizeError::MissingField("Event.System"))?;
    let time = attr(system, "TimeCreated", "SystemTime")
        .ok_or(NormalizeError::MissingField(SYSTEM_TIME))?;
    let time = time
        .as_str()
        .ok_or_else(|| NormalizeError::invalid(SYSTEM_TIME, "not a string"))?;
    let ts = Timestamp::parse_rfc3339(time)
        .map_err(|e| NormalizeError::invalid(SYSTEM_TIME, e.to_string()))?;

    let mut ev = Event::new(DATASET, ts, record);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, "event");
    f.set(ecs::EVENT_MODULE, "windows");
    map_system(f, system);
    let provider = f.get_str(WINLOG_PROVIDER_NAME).map(str::to_owned);
    let event_id = f.get(WINLOG_EVENT_ID).and_then(Value::as_i64);

    let data = map::EventData::collect(event);
    data.store(f);
    map::map_event_data(f, &data);
    map::categorize(f, provider.as_deref(), event_id);
    if f.get(ecs::USER_ID).is_none() && f.get(ecs::USER_NAME).is_none() {
        if let Some(sid) = f.get_str(WINLOG_USER_IDENTIFIER).map(str::to_owned) {
            f.set(ecs::USER_ID, sid);
        }
    }
    Ok(ev)
}

/// Maps the `System` element.
fn map_system(f: &mut Fields, system: &Value) {
    let event_id = system.get("EventID");
    if let Some(code) = event_id.and_then(text) {
        f.set(ecs::EVENT_CODE, code);
    }
    if let Some(id) = event_id.and_then(int) {
        f.set(WINLOG_EVENT_ID, id);
    }
    if let Some(name) = attr(system, "Provider", "Name").and_then(text) {
        f.set(ecs::EVENT_PROVIDER, name.clone());
        f.set(WINLOG_PROVIDER_NAME, name);
    }
    f.set_str(
        WINLOG_PROVIDER_GUID,
        attr(system, "Provider", "Guid").and_then(Value::as_str),
    );
    if let Some(computer) = system.get("Computer").and_then(text) {
        f.set(ecs::HOST_NAME, computer.clone());
        f.set(WINLOG_COMPUTER_NAME, computer);
    }
    f.set_str(
        WINLOG_CHANNEL,
        system.get("Channel").and_then(Value::as_str),
    );
    if let Some(id) = system.get("EventRecordID").and_then(int) {
        f.set(WINLOG_RECORD_ID, id);
    }
    if let Some(pid) = attr(system, "Execution", "ProcessID").and_then(int) {
        f.set(WINLOG_PROCESS_PID, pid);
    }
    if let Some(tid) = attr(system, "Execution", "ThreadID").and_then(int) {
        f.set(WINLOG_PROCESS_THREAD_ID, tid);
    }
    f.set_str(
        WINLOG_USER_IDENTIFIER,
        attr(system, "Security", "UserID").and_then(Value::as_str),
    );
    f.set_str(
        WINLOG_ACTIVITY_ID,
        attr(system, "Correlation", "ActivityID").and_then(Value::as_str),
    );
    // The audit keywords say whether an audited action succeeded.
    let keywords = system
        .get("Keywords")
        .and_then(Value::as_str)
        .and_then(|k| {
            let k = k.trim();
            u64::from_str_radix(k.strip_prefix("0x").unwrap_or(k), 16).ok()
        });
    if let Some(k) = keywords {
        if k & AUDIT_SUCCESS != 0 {
            f.set(ecs::EVENT_OUTCOME, "success");
        } else if k & AUDIT_FAILURE != 0 {
            f.set(ecs::EVENT_OUTCOME, "failure");
        }
    }
    if let Some(level) = system.get("Level").and_then(int) {
        f.set(WINLOG_LEVEL, level);
        if let Some(name) = level_name(level) {
            f.set(ecs::LOG_LEVEL, name);
        }
    }
}
