//! Suricata EVE JSON (`suricata.eve`): one JSON object per line, written by
//! Suricata's `eve-log` output for ~30 event types (`alert`, `dns`, `flow`,
//! `http`, `tls`, `fileinfo`, `anomaly`, `stats`, ...).
//!
//! Every record shares the common fields (`timestamp`, `flow_id`,
//! `in_iface`, `src_ip`/`src_port`, `dest_ip`/`dest_port`, `proto`,
//! `app_proto`, `community_id`) and carries one object named after its
//! `event_type`. The common fields map to ECS here; the protocol objects
//! are mapped by [`proto`]. Every object of the record except the common
//! fields is also kept verbatim under `suricata.eve.<key>` (as Elastic
//! does), except `stats`, which is huge: only a handful of counters are
//! kept and the rest stays in `event.original`.
//! `docs/datasets/suricata.eve.md` has the table.

mod proto;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::generic_json::TIMESTAMP_SOURCE;
use crate::json::is_ip;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "suricata.eve";

/// The `suricata.eve` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Suricata;

/// Top-level keys mapped here and not copied under `suricata.eve.*`.
const COMMON: &[&str] = &[
    "timestamp",
    "event_type",
    "src_ip",
    "src_port",
    "dest_ip",
    "dest_port",
    "proto",
    "app_proto",
    "community_id",
    "flow_id",
    "in_iface",
];

/// Event types that are not a protocol's transaction log (their
/// `network.protocol` comes from `app_proto` only).
const NOT_PROTOCOL: &[&str] = &[
    "alert", "flow", "netflow", "fileinfo", "anomaly", "stats", "drop", "pkthdr", "frame",
];

impl Normalizer for Suricata {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        record.contains("\"event_type\"")
            && (record.contains("\"src_ip\"")
                || record.contains("\"flow_id\"")
                || record.contains("\"timestamp\""))
            // A Wazuh alert about a Suricata event carries EVE keys in `data`.
            && !super::wazuh::looks_like_alert(record)
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let value: Value = serde_json::from_str(record)?;
        let Value::Object(map) = value else {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason: "an EVE record is a JSON object".into(),
            });
        };
        let mut event = normalize_map(&map, record)?;
        crate::community_id::fill(&mut event.fields);
        out.push(event);
        Ok(())
    }
}

/// A string member of `map`, `None` when absent, not a string or empty.
pub(crate) fn s<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

/// An integer member (a JSON integer or a numeric string).
pub(crate) fn int(map: &Map<String, Value>, key: &str) -> Option<i64> {
    match map.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(v) => v.trim().parse().ok(),
        _ => None,
    }
}

/// A scalar member as text (strings as they are, numbers as spelled).
pub(crate) fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(v) if !v.is_empty() => Some(v.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parses an EVE time (`2023-09-18T06:13:33.324862+0000`).
pub(crate) fn time(
    map: &Map<String, Value>,
    key: &str,
) -> Result<Option<Timestamp>, NormalizeError> {
    match s(map, key) {
        None => Ok(None),
        Some(t) => Timestamp::parse_rfc3339(t)
            .map(Some)
            .map_err(|e| NormalizeError::invalid(key, e.to_string())),
    }
}

fn normalize_map(map: &Map<String, Value>, record: &str) -> Result<Event, NormalizeError> {
    let flow = map.get("flow").and_then(Value::as_object);
    // One documented fragment has no timestamp: fall back on the flow's
    // start, then on the ingest time (as generic JSON does), and say so in
    // `vigie.timestamp_source` rather than dropping the record.
    let (ts, ts_source) = match time(map, "timestamp")? {
        Some(t) => (t, None),
        None => match flow
            .map(|f| time(f, "start"))
            .transpose()
            .map_err(|e| proto::prefixed(e, "flow."))?
            .flatten()
        {
            Some(t) => (t, Some("flow.start")),
            None => (Timestamp::now(), Some("ingest")),
        },
    };
    let mut ev = Event::new(DATASET, ts, record);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_MODULE, "suricata");
    f.set_str(TIMESTAMP_SOURCE, ts_source);
    let event_type = s(map, "event_type");
    f.set_str("suricata.eve.event_type", event_type);
    common(f, map, event_type);

    let et = event_type.unwrap_or("");
    match et {
        "alert" => {
            f.set(ecs::EVENT_KIND, "alert");
            f.push_unique(ecs::EVENT_CATEGORY, "network");
            f.push_unique(ecs::EVENT_CATEGORY, "intrusion_detection");
        }
        "stats" => f.set(ecs::EVENT_KIND, "metric"),
        _ => {
            f.set(ecs::EVENT_KIND, "event");
            f.push_unique(ecs::EVENT_CATEGORY, "network");
        }
    }
    match et {
        "alert" | "stats" => {}
        "flow" | "netflow" => {
            f.push_unique(ecs::EVENT_TYPE, "connection");
            if flow.is_some_and(|fl| fl.contains_key("end")) {
                f.push_unique(ecs::EVENT_TYPE, "end");
            }
        }
        "fileinfo" => {
            f.push_unique(ecs::EVENT_CATEGORY, "file");
            f.push_unique(ecs::EVENT_TYPE, "info");
        }
        "anomaly" => f.push_unique(ecs::EVENT_TYPE, "info"),
        "" => {}
        _ => f.push_unique(ecs::EVENT_TYPE, "protocol"),
    }

    // Protocol objects: mapped to ECS wherever they appear (alerts carry
    // the `http`/`tls`/`dns`/`flow` of their transaction too).
    let obj = |k: &str| map.get(k).and_then(Value::as_object);
    if let Some(a) = obj("alert") {
        proto::alert(f, a);
    }
    if let Some(d) = obj("dns") {
        proto::dns(f, d);
    }
    if let Some(fl) = flow {
        proto::flow(f, fl, map)?;
    }
    if let Some(h) = obj("http") {
        proto::http(f, h);
    }
    if let Some(t) = obj("tls") {
        proto::tls(f, t);
    }
    if let Some(fi) = obj("fileinfo") {
        proto::fileinfo(f, fi, obj("http"));
    }
    if let Some(st) = obj("stats") {
        proto::stats(f, st);
    }

    for (k, v) in map {
        if COMMON.contains(&k.as_str()) || k == "stats" || v.is_null() {
            continue;
        }
        f.set(format!("suricata.eve.{k}"), v.clone());
    }
    Ok(ev)
}

fn common(f: &mut Fields, map: &Map<String, Value>, event_type: Option<&str>) {
    if let Some(id) = text(map, "flow_id") {
        f.set("suricata.eve.flow_id", id);
    }
    f.set_str("suricata.eve.in_iface", s(map, "in_iface"));
    f.set_str(ecs::NETWORK_COMMUNITY_ID, s(map, "community_id"));
    for (ip_key, port_key, ip, addr, port) in [
        (
            "src_ip",
            "src_port",
            ecs::SOURCE_IP,
            ecs::SOURCE_ADDRESS,
            ecs::SOURCE_PORT,
        ),
        (
            "dest_ip",
            "dest_port",
            ecs::DESTINATION_IP,
            ecs::DESTINATION_ADDRESS,
            ecs::DESTINATION_PORT,
        ),
    ] {
        if let Some(v) = s(map, ip_key) {
            f.set(addr, v);
            if is_ip(v) {
                f.set(ip, v);
                f.push_unique("related.ip", v);
            }
        }
        if let Some(p) = int(map, port_key) {
            f.set(port, p);
        }
    }
    if let Some(p) = s(map, "proto") {
        f.set(ecs::NETWORK_TRANSPORT, p.to_ascii_lowercase());
    }
    let app = s(map, "app_proto").filter(|a| !matches!(*a, "failed" | "unknown"));
    let protocol = app.or(event_type.filter(|t| !NOT_PROTOCOL.contains(t)));
    if let Some(p) = protocol {
        f.set("network.protocol", p.to_ascii_lowercase());
    }
}
