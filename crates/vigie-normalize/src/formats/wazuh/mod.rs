//! Wazuh alerts (`wazuh.alerts`): the manager's `alerts.json`, one JSON
//! object per line: `{timestamp, rule{...}, agent{id,name,ip},
//! manager{name}, id, decoder{parent,name}, predecoder{...}, data{...},
//! full_log, previous_output, location}`.
//!
//! `data` is decoder-specific and untyped (everything is a string): the
//! well-known keys (`srcip`, `srcport`, `dstip`, `dstport`, `srcuser`,
//! `dstuser`) map to ECS and the whole object is kept under `wazuh.data`.
//! `docs/datasets/wazuh.alerts.md` has the table.

#[cfg(test)]
mod tests;

use serde_json::Value;
use vigie_event::{ecs, Event, Fields, Timestamp};

use crate::json::{at, i64_at, is_ip, str_at, text_at};
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "wazuh.alerts";

/// The `wazuh.alerts` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Wazuh;

/// Whether `record` looks like a Wazuh alert (also used by the Suricata
/// sniffer: a Wazuh alert about a Suricata event carries EVE keys in `data`).
pub fn looks_like_alert(record: &str) -> bool {
    record.contains("\"rule\"")
        && record.contains("\"agent\"")
        && (record.contains("\"decoder\"") || record.contains("\"manager\""))
}

impl Normalizer for Wazuh {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        looks_like_alert(record)
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let v: Value = serde_json::from_str(record)?;
        if !v.is_object() {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason: "a Wazuh alert is a JSON object".into(),
            });
        }
        let ts = str_at(&v, &["timestamp"]).ok_or(NormalizeError::MissingField("timestamp"))?;
        let ts = Timestamp::parse_rfc3339(ts)
            .map_err(|e| NormalizeError::invalid("timestamp", e.to_string()))?;
        if !at(&v, &["rule"]).is_some_and(Value::is_object) {
            return Err(NormalizeError::MissingField("rule"));
        }
        let mut ev = Event::new(DATASET, ts, record);
        map(&mut ev.fields, &v);
        out.push(ev);
        Ok(())
    }
}

/// A list of strings (or one string) at `path`.
fn strings<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a str> {
    match at(v, path) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Whether a `location` is a file path (else a module name such as
/// `syscheck`, `rootcheck`, `wazuh-monitord` or `EventChannel`).
fn is_path(loc: &str) -> bool {
    let b = loc.as_bytes();
    loc.starts_with('/')
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

fn map(f: &mut Fields, v: &Value) {
    f.set(ecs::EVENT_MODULE, "wazuh");
    f.set(ecs::EVENT_KIND, "alert");
    f.push_unique(ecs::EVENT_CATEGORY, "intrusion_detection");
    f.push_unique(ecs::EVENT_TYPE, "info");
    f.set_str(ecs::EVENT_ID, str_at(v, &["id"]));

    // rule
    if let Some(id) = text_at(v, &["rule", "id"]) {
        f.set(ecs::RULE_ID, id);
    }
    f.set_str(ecs::RULE_NAME, str_at(v, &["rule", "description"]));
    if let Some(level) = i64_at(v, &["rule", "level"]) {
        f.set(ecs::EVENT_SEVERITY, level);
        f.set("wazuh.rule.level", level);
    }
    let groups = strings(v, &["rule", "groups"]);
    if !groups.is_empty() {
        f.set("wazuh.rule.groups", groups.clone());
    }
    if groups.iter().any(|g| g.starts_with("authentication")) {
        f.push_unique(ecs::EVENT_CATEGORY, "authentication");
        if groups
            .iter()
            .any(|g| matches!(*g, "authentication_failed" | "authentication_failures"))
        {
            f.set(ecs::EVENT_OUTCOME, "failure");
        } else if groups.contains(&"authentication_success") {
            f.set(ecs::EVENT_OUTCOME, "success");
        }
    }
    for key in ["firedtimes", "frequency"] {
        if let Some(n) = i64_at(v, &["rule", key]) {
            f.set(format!("wazuh.rule.{key}"), n);
        }
    }
    if let Some(Value::Bool(b)) = at(v, &["rule", "mail"]) {
        f.set("wazuh.rule.mail", *b);
    }
    for key in [
        "pci_dss",
        "gdpr",
        "hipaa",
        "nist_800_53",
        "tsc",
        "gpg13",
        "cis",
    ] {
        let list = strings(v, &["rule", key]);
        if !list.is_empty() {
            f.set(format!("wazuh.rule.{key}"), list);
        }
    }
    // MITRE ATT&CK
    let techniques = strings(v, &["rule", "mitre", "id"]);
    for t in &techniques {
        f.push_unique(ecs::THREAT_TECHNIQUE_ID, *t);
    }
    for t in strings(v, &["rule", "mitre", "technique"]) {
        f.push_unique("threat.technique.name", t);
    }
    let tactics = strings(v, &["rule", "mitre", "tactic"]);
    for t in &tactics {
        f.push_unique(ecs::THREAT_TACTIC_NAME, *t);
    }
    if !techniques.is_empty() || !tactics.is_empty() {
        f.set(ecs::THREAT_FRAMEWORK, "MITRE ATT&CK");
    }

    // agent, manager, decoder
    f.set_str(ecs::HOST_NAME, str_at(v, &["agent", "name"]));
    f.set_str("wazuh.agent.name", str_at(v, &["agent", "name"]));
    if let Some(ip) = str_at(v, &["agent", "ip"]).filter(|ip| is_ip(ip)) {
        f.set(ecs::HOST_IP, ip);
    }
    f.set_str("wazuh.agent.ip", str_at(v, &["agent", "ip"]));
    if let Some(id) = text_at(v, &["agent", "id"]) {
        f.set("wazuh.agent.id", id);
    }
    f.set_str("wazuh.manager.name", str_at(v, &["manager", "name"]));
    f.set_str("wazuh.decoder.name", str_at(v, &["decoder", "name"]));
    f.set_str("wazuh.decoder.parent", str_at(v, &["decoder", "parent"]));
    f.set_str("process.name", str_at(v, &["predecoder", "program_name"]));
    for key in ["program_name", "timestamp", "hostname"] {
        f.set_str(
            format!("wazuh.predecoder.{key}"),
            str_at(v, &["predecoder", key]),
        );
    }

    // data: decoder-specific strings
    data(f, v);

    if let Some(Value::String(full)) = at(v, &["full_log"]) {
        if !full.is_empty() {
            f.set("message", full.as_str());
        }
    }
    f.set_str("wazuh.previous_output", str_at(v, &["previous_output"]));
    if let Some(loc) = str_at(v, &["location"]) {
        f.set("wazuh.location", loc);
        if is_path(loc) {
            f.set("log.file.path", loc);
        }
    }
}

fn data(f: &mut Fields, v: &Value) {
    let Some(d) = at(v, &["data"]).filter(|d| d.is_object()) else {
        return;
    };
    for (key, ip_field, addr_field, port_key, port_field) in [
        (
            "srcip",
            ecs::SOURCE_IP,
            ecs::SOURCE_ADDRESS,
            "srcport",
            ecs::SOURCE_PORT,
        ),
        (
            "dstip",
            ecs::DESTINATION_IP,
            ecs::DESTINATION_ADDRESS,
            "dstport",
            ecs::DESTINATION_PORT,
        ),
    ] {
        if let Some(ip) = str_at(d, &[key]) {
            f.set(addr_field, ip);
            if is_ip(ip) {
                f.set(ip_field, ip);
                f.push_unique("related.ip", ip);
            }
        }
        if let Some(port) = i64_at(d, &[port_key]).filter(|p| (0..=65535).contains(p)) {
            f.set(port_field, port);
        }
    }
    for (key, field) in [
        ("srcuser", ecs::USER_NAME),
        ("dstuser", ecs::USER_TARGET_NAME),
    ] {
        if let Some(u) = str_at(d, &[key]) {
            f.set(field, u);
            f.push_unique("related.user", u);
        }
    }
    f.set("wazuh.data", d.clone());
}
