//! Alerts: what a rule or correlation match becomes, with labels and
//! annotations in the Alertmanager sense.
//!
//! Labels identify the alert and drive grouping and routing (`alertname`,
//! `rule_id`, `severity`, `dataset`, and the event's `host`, `user` and
//! `source_ip` where present); annotations carry what a person reads
//! (title, description, references, ATT&CK tags, the matched event's id).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use vigie_event::{Event, Timestamp};
use vigie_sigma::ast::Meta;
use vigie_sigma::correlate::CorrelationAlert;

/// The dataset alerts are stored under.
pub const ALERT_DATASET: &str = "vigie.alerts";

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Identifying labels.
    pub labels: BTreeMap<String, String>,
    /// Descriptive annotations.
    pub annotations: BTreeMap<String, String>,
    /// The matched event's time (the last one, for a correlation).
    pub starts_at: Timestamp,
}

/// Alert severity from a Sigma `level`.
pub fn severity(level: Option<&str>) -> &'static str {
    match level.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") => "critical",
        Some("high") => "high",
        Some("medium") => "medium",
        Some("low") => "low",
        Some("informational") => "info",
        _ => "medium",
    }
}

/// A short, stable fingerprint of an event (FNV-1a over time and record),
/// used as its id when the source gave none.
pub fn fingerprint(event: &Event) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let ts = event.timestamp.as_nanos().to_le_bytes();
    for b in ts.iter().chain(event.original.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The id an alert gives for an event: its `event.id`, else a fingerprint.
pub fn event_id(event: &Event) -> String {
    event
        .fields
        .get_str("event.id")
        .map(str::to_owned)
        .unwrap_or_else(|| fingerprint(event))
}

fn common(meta: &Meta, labels: &mut BTreeMap<String, String>, ann: &mut BTreeMap<String, String>) {
    labels.insert("alertname".into(), meta.title.clone());
    labels.insert("rule_id".into(), meta.key().to_owned());
    labels.insert("severity".into(), severity(meta.level.as_deref()).into());
    ann.insert("title".into(), meta.title.clone());
    if let Some(d) = &meta.description {
        ann.insert("description".into(), d.trim().to_owned());
    }
    if !meta.references.is_empty() {
        ann.insert("references".into(), meta.references.join("\n"));
    }
    let attack: Vec<&str> = meta
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .collect();
    if !attack.is_empty() {
        ann.insert("attack".into(), attack.join(","));
    }
    if !meta.falsepositives.is_empty() {
        ann.insert("falsepositives".into(), meta.falsepositives.join("\n"));
    }
}

/// The alert for a rule match on `event`.
pub fn rule_alert(meta: &Meta, event: &Event) -> Alert {
    let mut labels = BTreeMap::new();
    let mut annotations = BTreeMap::new();
    common(meta, &mut labels, &mut annotations);
    labels.insert("dataset".into(), event.dataset().to_owned());
    for (label, field) in [
        ("host", "host.name"),
        ("user", "user.name"),
        ("source_ip", "source.ip"),
    ] {
        if let Some(v) = event.fields.get(field) {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !text.is_empty() {
                labels.insert(label.into(), text);
            }
        }
    }
    annotations.insert("event_id".into(), event_id(event));
    Alert {
        labels,
        annotations,
        starts_at: event.timestamp,
    }
}

/// The alert for a correlation that fired.
pub fn correlation_alert(c: &CorrelationAlert) -> Alert {
    let mut labels = BTreeMap::new();
    let mut annotations = BTreeMap::new();
    common(&c.correlation.meta, &mut labels, &mut annotations);
    labels.insert("correlation".into(), "true".into());
    for (field, value) in &c.group {
        let label = match field.as_str() {
            "host.name" | "Computer" | "hostname" => "host".to_owned(),
            "user.name" | "User" | "TargetUserName" | "SubjectUserName" => "user".to_owned(),
            "source.ip" | "IpAddress" | "SourceIp" | "sourceIPAddress" => "source_ip".to_owned(),
            other => format!(
                "group_{}",
                other
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect::<String>()
            ),
        };
        labels.insert(label, value.clone());
    }
    annotations.insert("value".into(), c.value.to_string());
    annotations.insert("rules".into(), c.rules.join(","));
    annotations.insert("event_ids".into(), c.event_ids.join(","));
    Alert {
        labels,
        annotations,
        starts_at: Timestamp::from_millis(c.last_ms).unwrap_or_else(Timestamp::now),
    }
}

impl Alert {
    /// The alert as an event of dataset [`ALERT_DATASET`], so that alerts
    /// are stored and searchable like any event (`event.kind:alert`).
    pub fn to_event(&self) -> Event {
        let doc = json!({
            "labels": self.labels,
            "annotations": self.annotations,
            "startsAt": self.starts_at.to_rfc3339(),
        });
        let mut e = Event::new(ALERT_DATASET, self.starts_at, doc.to_string());
        let f = &mut e.fields;
        f.set("event.kind", "alert");
        f.set("rule.ruleset", "sigma");
        let l = |k: &str| self.labels.get(k).cloned();
        if let Some(v) = l("alertname") {
            f.set("rule.name", v);
        }
        if let Some(v) = l("rule_id") {
            f.set("rule.id", v);
        }
        if let Some(v) = l("severity") {
            f.set("event.severity_name", v);
        }
        if let Some(v) = l("host") {
            f.set("host.name", v);
        }
        if let Some(v) = l("user") {
            f.set("user.name", v);
        }
        if let Some(v) = l("source_ip") {
            f.set("source.ip", v);
        }
        if let Some(v) = self.annotations.get("description") {
            f.set("rule.description", v.clone());
        }
        let labels: Map<String, Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        f.set("labels", Value::Object(labels));
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_severities_and_unknown_is_medium() {
        assert_eq!(severity(Some("informational")), "info");
        assert_eq!(severity(Some("HIGH")), "high");
        assert_eq!(severity(None), "medium");
    }

    #[test]
    fn a_rule_alert_carries_labels_from_the_event_and_annotations_from_the_rule() {
        let meta = Meta {
            title: "Suspicious thing".into(),
            id: Some("abc".into()),
            level: Some("high".into()),
            description: Some(" Detects it. ".into()),
            references: vec!["https://a".into(), "https://b".into()],
            tags: vec![
                "attack.t1059".into(),
                "attack.execution".into(),
                "cve.2021".into(),
            ],
            ..Meta::default()
        };
        let mut ev = Event::new(
            "aws.cloudtrail",
            Timestamp::from_secs(1_700_000_000).unwrap(),
            "{}",
        );
        ev.fields.set("host.name", "web-1");
        ev.fields.set("source.ip", "10.0.0.9");
        ev.fields.set("event.id", "E1");
        let a = rule_alert(&meta, &ev);
        assert_eq!(a.labels["alertname"], "Suspicious thing");
        assert_eq!(a.labels["rule_id"], "abc");
        assert_eq!(a.labels["severity"], "high");
        assert_eq!(a.labels["dataset"], "aws.cloudtrail");
        assert_eq!(a.labels["host"], "web-1");
        assert_eq!(a.labels["source_ip"], "10.0.0.9");
        assert!(!a.labels.contains_key("user"));
        assert_eq!(a.annotations["description"], "Detects it.");
        assert_eq!(a.annotations["references"], "https://a\nhttps://b");
        assert_eq!(a.annotations["attack"], "t1059,execution");
        assert_eq!(a.annotations["event_id"], "E1");
        let stored = a.to_event();
        assert_eq!(stored.dataset(), ALERT_DATASET);
        assert_eq!(stored.fields.get_str("rule.id"), Some("abc"));
        assert_eq!(stored.fields.get_str("event.kind"), Some("alert"));
    }

    #[test]
    fn events_without_an_id_get_a_stable_fingerprint() {
        let ev = Event::new("x", Timestamp::from_secs(1).unwrap(), "line");
        let other = Event::new("x", Timestamp::from_secs(2).unwrap(), "line");
        assert_eq!(event_id(&ev), fingerprint(&ev));
        assert_eq!(fingerprint(&ev), fingerprint(&ev.clone()));
        assert_ne!(fingerprint(&ev), fingerprint(&other));
    }
}
