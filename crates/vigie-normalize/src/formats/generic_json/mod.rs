//! Generic JSON (`json` by default): the fallback for any JSON object.
//!
//! It takes `@timestamp` from the first configured timestamp field that
//! parses (dotted paths; the default list is `@timestamp`, `timestamp`,
//! `time`, `ts`). A value may be an RFC 3339 string, a number of epoch
//! seconds, milliseconds, microseconds or nanoseconds (told apart by
//! magnitude, see [`parse_time_value`]) or the same as a decimal string.
//!
//! When no field gives a time, the event is stamped with the ingest time
//! and marked `vigie.timestamp_source: "ingest"`, so a reader can tell a
//! source time from an arrival time (and tests can ignore the latter).
//!
//! It copies a modest list of ECS-looking fields (`message`, `host.name`,
//! `user.name`, `source.ip`, ... whether nested or dotted) into fields; the
//! rest stays in the original. `docs/datasets/json.md` has the list.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use crate::json::is_ip;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The field that says where a non-source `@timestamp` came from.
pub const TIMESTAMP_SOURCE: &str = "vigie.timestamp_source";

/// The default dataset name.
pub const DATASET: &str = "json";

/// The timestamp fields tried by default, in order.
pub const DEFAULT_TIMESTAMP_FIELDS: &[&str] = &["@timestamp", "timestamp", "time", "ts"];

/// Generic JSON objects under a configurable dataset name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericJson {
    dataset: String,
    timestamp_fields: Vec<String>,
}

impl Default for GenericJson {
    fn default() -> Self {
        Self::new(
            DATASET,
            DEFAULT_TIMESTAMP_FIELDS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        )
    }
}

impl GenericJson {
    /// A generic JSON dataset named `dataset`, taking `@timestamp` from the
    /// first of `timestamp_fields` (dotted paths) that parses.
    pub fn new(dataset: impl Into<String>, timestamp_fields: Vec<String>) -> Self {
        Self {
            dataset: dataset.into(),
            timestamp_fields,
        }
    }

    /// The timestamp fields, in the order they are tried.
    pub fn timestamp_fields(&self) -> &[String] {
        &self.timestamp_fields
    }
}

/// The value at a dotted `path` of `obj`, whether the source nested it
/// (`{"host":{"name":..}}`), dotted it (`{"host.name":..}`) or mixed both.
pub fn lookup<'v>(obj: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    if let Some(v) = obj.get(path) {
        return Some(v);
    }
    path.match_indices('.')
        .find_map(|(i, _)| match obj.get(&path[..i]) {
            Some(Value::Object(inner)) => lookup(inner, &path[i + 1..]),
            _ => None,
        })
}

/// How many epoch units a second has, judged by the magnitude of the
/// integer part: below 1e11 seconds (until year 5138), below 1e14
/// milliseconds, below 1e17 microseconds, else nanoseconds.
fn unit_digits(int_digits: usize) -> usize {
    match int_digits {
        0..=11 => 0,
        12..=14 => 3,
        15..=17 => 6,
        _ => 9,
    }
}

/// Epoch time written in decimal, in the unit its magnitude implies,
/// parsed exactly (the decimal point is moved, never through `f64`).
fn parse_epoch_text(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let shift = unit_digits(int.len());
    let (secs, sub) = int.split_at(int.len() - shift);
    let text = format!(
        "{}{}.{sub}{frac}",
        if neg { "-" } else { "" },
        if secs.is_empty() { "0" } else { secs }
    );
    Timestamp::parse_epoch_decimal(&text).ok()
}

/// A time from a JSON value: an RFC 3339 string, or epoch seconds,
/// milliseconds, microseconds or nanoseconds as a number or a decimal
/// string (the unit is chosen by magnitude, see `unit_digits`).
pub fn parse_time_value(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => Timestamp::parse_rfc3339(s)
            .ok()
            .or_else(|| parse_epoch_text(s)),
        Value::Number(n) => {
            let text = n.to_string();
            parse_epoch_text(&text).or_else(|| {
                // Exponent notation (`1.6e12`): only f64 precision is left.
                let f = n.as_f64()?;
                let digits = (f.abs().max(1.0).log10().floor() as usize) + 1;
                Timestamp::from_secs_f64(f / 10f64.powi(unit_digits(digits) as i32))
            })
        }
        _ => None,
    }
}

/// ECS fields copied when the record has them (nested or dotted).
const COPIED: &[&str] = &[
    "message",
    "tags",
    "event.action",
    "event.category",
    "event.type",
    "event.kind",
    "event.outcome",
    "event.id",
    "event.code",
    "event.severity",
    "event.provider",
    "log.level",
    "log.logger",
    "host.name",
    "host.hostname",
    "host.ip",
    "user.name",
    "user.id",
    "user.email",
    "user.domain",
    "source.ip",
    "source.port",
    "source.address",
    "destination.ip",
    "destination.port",
    "destination.address",
    "process.name",
    "process.pid",
    "process.command_line",
    "process.executable",
    "file.path",
    "url.original",
    "url.path",
    "user_agent.original",
    "http.request.method",
    "http.response.status_code",
    "rule.id",
    "rule.name",
    "cloud.provider",
    "cloud.region",
    "cloud.account.id",
    "container.id",
    "orchestrator.namespace",
    "error.message",
];

/// Common non-ECS spellings, used only when the ECS name is absent.
const ALIASES: &[(&str, &str)] = &[("msg", "message"), ("level", "log.level")];

/// A value worth copying: a non-empty scalar or a list of scalars.
fn copyable(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty(),
        Value::Number(_) | Value::Bool(_) => true,
        Value::Array(a) => !a.is_empty() && a.iter().all(|x| !x.is_object() && !x.is_array()),
        Value::Null | Value::Object(_) => false,
    }
}

fn copy_ecs(f: &mut Fields, obj: &Map<String, Value>) {
    for &name in COPIED {
        let Some(v) = lookup(obj, name).filter(|v| copyable(v)) else {
            continue;
        };
        if name.ends_with(".ip") {
            let ips: Vec<&str> = match v {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if ips.is_empty() || !ips.iter().all(|ip| is_ip(ip)) {
                continue; // not an address: leave it in the original
            }
            for ip in ips {
                f.push_unique(ecs::RELATED_IP, ip);
            }
        }
        if name == ecs::USER_NAME {
            f.push_unique(ecs::RELATED_USER, v.clone());
        }
        f.set(name, v.clone());
    }
    for &(alias, name) in ALIASES {
        if f.get(name).is_none() {
            if let Some(v) = obj.get(alias).filter(|v| v.is_string() && copyable(v)) {
                f.set(name, v.clone());
            }
        }
    }
}

impl GenericJson {
    fn timestamp(&self, obj: &Map<String, Value>) -> Option<Timestamp> {
        self.timestamp_fields
            .iter()
            .find_map(|path| lookup(obj, path).and_then(parse_time_value))
    }
}

impl Normalizer for GenericJson {
    fn dataset(&self) -> &str {
        &self.dataset
    }

    /// Any JSON object: this is the fallback, registered last.
    fn sniff(&self, record: &str) -> bool {
        let r = record.trim();
        r.starts_with('{') && r.ends_with('}')
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let value: Value = serde_json::from_str(record)?;
        let Value::Object(obj) = value else {
            return Err(NormalizeError::WrongFormat {
                dataset: "json",
                reason: "expected a JSON object".into(),
            });
        };
        let (ts, from_source) = match self.timestamp(&obj) {
            Some(ts) => (ts, true),
            None => (Timestamp::now(), false),
        };
        let mut event = Event::new(&self.dataset, ts, record);
        copy_ecs(&mut event.fields, &obj);
        if !from_source {
            event.fields.set(TIMESTAMP_SOURCE, "ingest");
        }
        out.push(event);
        Ok(())
    }
}
