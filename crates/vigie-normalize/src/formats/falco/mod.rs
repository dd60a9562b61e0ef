//! Falco alerts (`falco.alerts`): Falco's JSON output (`json_output: true`)
//! and Falcosidekick's `FalcoPayload` (the same keys plus `uuid`).
//!
//! One alert per record: `{time, priority, rule, output, output_fields,
//! source, tags, hostname[, uuid]}`. `output_fields` keys are Falco field
//! names (`proc.cmdline`, `proc.aname[2]`, `ka.user.name`) with values of
//! any JSON type; every one is kept under `falco.output_fields.<key>`
//! (except `null` and Falco's `"<NA>"`), and the well-known ones are also
//! mapped to ECS. Integers keep their exact value (`evt.time` nanoseconds
//! do not fit an `f64`): serde_json stores them as `u64`/`i64`.
//! `docs/datasets/falco.alerts.md` has the table.

use serde::Deserialize;
use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::k8s_audit::text::Text;
use crate::json::is_ip;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "falco.alerts";

/// The `falco.alerts` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Falco;

#[derive(Debug, Deserialize)]
struct Alert<'a> {
    #[serde(borrow)]
    uuid: Option<Text<'a>>,
    #[serde(borrow)]
    output: Option<Text<'a>>,
    #[serde(borrow)]
    priority: Option<Text<'a>>,
    #[serde(borrow)]
    rule: Option<Text<'a>>,
    #[serde(borrow)]
    time: Option<Text<'a>>,
    #[serde(borrow)]
    source: Option<Text<'a>>,
    #[serde(borrow)]
    hostname: Option<Text<'a>>,
    #[serde(borrow)]
    tags: Option<Vec<Text<'a>>>,
    output_fields: Option<Map<String, Value>>,
}

/// Falco's priorities are syslog severities: `event.severity` uses the
/// syslog number (0 = Emergency, the most severe, to 7 = Debug).
pub fn severity(priority: &str) -> Option<u8> {
    let p = priority.trim();
    let eq = |s: &str| p.eq_ignore_ascii_case(s);
    Some(if eq("emergency") {
        0
    } else if eq("alert") {
        1
    } else if eq("critical") {
        2
    } else if eq("error") {
        3
    } else if eq("warning") || eq("warn") {
        4
    } else if eq("notice") {
        5
    } else if eq("informational") || eq("info") {
        6
    } else if eq("debug") {
        7
    } else {
        return None;
    })
}

/// The MITRE ATT&CK tactics of Falco's `mitre_*` tags: (tag, id, name).
const TACTICS: &[(&str, &str, &str)] = &[
    ("mitre_reconnaissance", "TA0043", "Reconnaissance"),
    (
        "mitre_resource_development",
        "TA0042",
        "Resource Development",
    ),
    ("mitre_initial_access", "TA0001", "Initial Access"),
    ("mitre_execution", "TA0002", "Execution"),
    ("mitre_persistence", "TA0003", "Persistence"),
    (
        "mitre_privilege_escalation",
        "TA0004",
        "Privilege Escalation",
    ),
    ("mitre_defense_evasion", "TA0005", "Defense Evasion"),
    ("mitre_credential_access", "TA0006", "Credential Access"),
    ("mitre_discovery", "TA0007", "Discovery"),
    ("mitre_lateral_movement", "TA0008", "Lateral Movement"),
    ("mitre_collection", "TA0009", "Collection"),
    ("mitre_command_and_control", "TA0011", "Command and Control"),
    ("mitre_exfiltration", "TA0010", "Exfiltration"),
    ("mitre_impact", "TA0040", "Impact"),
];

/// `T1234` or `T1234.567` (any case of the `T`).
fn technique(tag: &str) -> Option<(&str, Option<&str>)> {
    let b = tag.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !matches!(b.first(), Some(b'T' | b't')) || !digits(1..5) {
        return None;
    }
    match b.len() {
        5 => Some((tag, None)),
        9 if b[5] == b'.' && digits(6..9) => Some((&tag[..5], Some(tag))),
        _ => None,
    }
}

fn map_tags(f: &mut Fields, tags: &[Text<'_>]) {
    let mut threat = false;
    for tag in tags {
        if let Some((tech, sub)) = technique(tag) {
            f.push_unique(ecs::THREAT_TECHNIQUE_ID, tech.to_ascii_uppercase());
            if let Some(sub) = sub {
                f.push_unique(
                    ecs::THREAT_TECHNIQUE_SUBTECHNIQUE_ID,
                    sub.to_ascii_uppercase(),
                );
            }
            threat = true;
        } else if let Some((_, id, name)) =
            TACTICS.iter().find(|(t, _, _)| tag.eq_ignore_ascii_case(t))
        {
            f.push_unique(ecs::THREAT_TACTIC_NAME, *name);
            f.push_unique(ecs::THREAT_TACTIC_ID, *id);
            threat = true;
        }
    }
    if threat {
        f.set(ecs::THREAT_FRAMEWORK, "MITRE ATT&CK");
    }
    f.set(
        "falco.tags",
        Value::Array(tags.iter().map(|t| Value::String(t.to_string())).collect()),
    );
}

/// A usable output field: not null, not Falco's `<NA>`, not empty.
fn usable(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty() && s != "<NA>",
        _ => true,
    }
}

/// An output field as text (strings as they are, numbers and booleans in
/// their JSON spelling).
fn text(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key).filter(|v| usable(v))? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An output field as an integer (numbers, or numeric strings).
fn int(m: &Map<String, Value>, key: &str) -> Option<i64> {
    match m.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn set_text(f: &mut Fields, field: &'static str, m: &Map<String, Value>, key: &str) {
    if let Some(v) = text(m, key) {
        f.set(field, v);
    }
}

fn set_ip(f: &mut Fields, field: &'static str, m: &Map<String, Value>, key: &str) {
    if let Some(ip) = text(m, key).filter(|ip| is_ip(ip)) {
        f.push_unique(ecs::RELATED_IP, ip.clone());
        f.set_default(field, ip);
    }
}

/// Maps the well-known output fields to ECS.
fn map_output_fields(f: &mut Fields, m: &Map<String, Value>) {
    // Process.
    set_text(f, ecs::PROCESS_NAME, m, "proc.name");
    set_text(f, ecs::PROCESS_COMMAND_LINE, m, "proc.cmdline");
    set_text(f, ecs::PROCESS_EXECUTABLE, m, "proc.exepath");
    set_text(f, ecs::PROCESS_PARENT_NAME, m, "proc.pname");
    set_text(f, ecs::PROCESS_PARENT_COMMAND_LINE, m, "proc.pcmdline");
    set_text(f, ecs::PROCESS_PARENT_EXECUTABLE, m, "proc.pexepath");
    set_text(f, ecs::PROCESS_WORKING_DIRECTORY, m, "proc.cwd");
    if let Some(pid) = int(m, "proc.pid") {
        f.set(ecs::PROCESS_PID, pid);
    }
    if let Some(ppid) = int(m, "proc.ppid") {
        f.set(ecs::PROCESS_PARENT_PID, ppid);
    }
    set_text(f, ecs::EVENT_ACTION, m, "evt.type");

    // User (syscall source, then the k8s_audit and CloudTrail plugins).
    for key in ["user.name", "ka.user.name", "ct.user"] {
        if let Some(u) = text(m, key) {
            f.push_unique(ecs::RELATED_USER, u.clone());
            f.set_default(ecs::USER_NAME, u);
        }
    }
    set_text(f, ecs::USER_ID, m, "user.uid");
    set_text(f, ecs::USER_EFFECTIVE_NAME, m, "ka.impuser.name");

    // Container and Kubernetes.
    set_text(f, ecs::CONTAINER_ID, m, "container.id");
    set_text(f, ecs::CONTAINER_NAME, m, "container.name");
    set_text(
        f,
        ecs::CONTAINER_IMAGE_NAME,
        m,
        "container.image.repository",
    );
    set_text(f, ecs::CONTAINER_IMAGE_TAG, m, "container.image.tag");
    if f.get(ecs::CONTAINER_IMAGE_NAME).is_none() {
        set_text(f, ecs::CONTAINER_IMAGE_NAME, m, "container.image");
    }
    set_text(f, ecs::ORCHESTRATOR_NAMESPACE, m, "k8s.ns.name");
    if let Some(pod) = text(m, "k8s.pod.name") {
        f.set(ecs::ORCHESTRATOR_RESOURCE_NAME, pod);
        f.set(ecs::ORCHESTRATOR_RESOURCE_TYPE, "pod");
    }
    if let Some(verb) = text(m, "ka.verb") {
        f.set(ecs::EVENT_ACTION, verb);
    }
    set_text(f, ecs::ORCHESTRATOR_NAMESPACE, m, "ka.target.namespace");
    set_text(f, ecs::ORCHESTRATOR_RESOURCE_TYPE, m, "ka.target.resource");
    set_text(
        f,
        ecs::ORCHESTRATOR_RESOURCE_SUBTYPE,
        m,
        "ka.target.subresource",
    );
    set_text(f, ecs::ORCHESTRATOR_RESOURCE_NAME, m, "ka.target.name");
    set_text(f, ecs::USER_AGENT_ORIGINAL, m, "ka.useragent");
    if f.iter().any(|(k, _)| k.starts_with("orchestrator.")) {
        f.set(ecs::ORCHESTRATOR_TYPE, "kubernetes");
    }
    match m.get("ka.sourceips") {
        Some(Value::Array(ips)) => {
            for ip in ips.iter().filter_map(Value::as_str).filter(|ip| is_ip(ip)) {
                f.set_default(ecs::SOURCE_IP, ip);
                f.push_unique(ecs::RELATED_IP, ip);
            }
        }
        _ => set_ip(f, ecs::SOURCE_IP, m, "ka.sourceips"),
    }

    // Files and network (client = source, server = destination; the
    // local/remote pair only when client/server are unknown).
    let fd_type = text(m, "fd.type");
    if let Some(name) = text(m, "fd.name") {
        let is_file = match fd_type.as_deref() {
            Some(t) => t == "file" || t == "directory",
            None => name.starts_with('/'),
        };
        if is_file {
            f.set(ecs::FILE_PATH, name);
        }
    }
    set_ip(f, ecs::SOURCE_IP, m, "fd.cip");
    set_ip(f, ecs::DESTINATION_IP, m, "fd.sip");
    set_ip(f, ecs::SOURCE_IP, m, "fd.lip");
    set_ip(f, ecs::DESTINATION_IP, m, "fd.rip");
    for (field, key) in [
        (ecs::SOURCE_PORT, "fd.cport"),
        (ecs::DESTINATION_PORT, "fd.sport"),
        (ecs::SOURCE_PORT, "fd.lport"),
        (ecs::DESTINATION_PORT, "fd.rport"),
    ] {
        if let Some(port) = int(m, key) {
            f.set_default(field, port);
        }
    }
    if let Some(proto) = text(m, "fd.l4proto") {
        f.set(ecs::NETWORK_TRANSPORT, proto.to_ascii_lowercase());
    }

    // CloudTrail plugin.
    set_ip(f, ecs::SOURCE_IP, m, "ct.srcip");
    set_text(f, ecs::EVENT_ACTION, m, "ct.name");
    set_text(f, ecs::CLOUD_REGION, m, "ct.region");

    // Everything, under its Falco name.
    for (k, v) in m.iter().filter(|(_, v)| usable(v)) {
        f.set(format!("falco.output_fields.{k}"), v.clone());
    }
}

/// `@timestamp`: `time`, else the `evt.time` nanoseconds output field.
fn timestamp(alert: &Alert<'_>) -> Result<Timestamp, NormalizeError> {
    if let Some(t) = alert.time.as_ref().filter(|t| !t.is_empty()) {
        return Timestamp::parse_rfc3339(t)
            .map_err(|e| NormalizeError::invalid("time", e.to_string()));
    }
    let evt_time = alert.output_fields.as_ref().and_then(|m| m.get("evt.time"));
    match evt_time {
        Some(Value::Number(n)) => n.as_i64().map(Timestamp::from_nanos).ok_or_else(|| {
            NormalizeError::invalid("output_fields.evt.time", "expected integer nanoseconds")
        }),
        Some(_) => Err(NormalizeError::invalid(
            "output_fields.evt.time",
            "expected integer nanoseconds",
        )),
        None => Err(NormalizeError::MissingField("time")),
    }
}

fn build(alert: &Alert<'_>, record: &str) -> Result<Event, NormalizeError> {
    let rule = alert
        .rule
        .as_ref()
        .filter(|r| !r.is_empty())
        .ok_or(NormalizeError::MissingField("rule"))?;
    let mut event = Event::new(DATASET, timestamp(alert)?, record);
    let f = &mut event.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::ALERT);
    f.set(
        ecs::EVENT_CATEGORY,
        Value::Array(vec!["intrusion_detection".into()]),
    );
    f.set(ecs::EVENT_TYPE, Value::Array(vec!["info".into()]));
    f.set(ecs::RULE_NAME, rule.as_str());
    let s = |t: &Option<Text<'_>>| t.as_ref().map(|t| t.to_string()).filter(|t| !t.is_empty());
    f.set_str(ecs::EVENT_ID, s(&alert.uuid).as_deref());
    if let Some(p) = s(&alert.priority) {
        if let Some(sev) = severity(&p) {
            f.set(ecs::EVENT_SEVERITY, sev);
        }
        f.set(ecs::LOG_LEVEL, p.to_ascii_lowercase());
        f.set("falco.priority", p);
    }
    if let Some(out) = s(&alert.output) {
        f.set(ecs::MESSAGE, out.clone());
        f.set("falco.output", out);
    }
    f.set_str("falco.source", s(&alert.source).as_deref());
    if let Some(host) = s(&alert.hostname) {
        f.push_unique(ecs::RELATED_HOSTS, host.clone());
        f.set("falco.hostname", host.clone());
        f.set(ecs::HOST_NAME, host);
    }
    if let Some(tags) = alert.tags.as_deref().filter(|t| !t.is_empty()) {
        map_tags(f, tags);
    }
    if let Some(m) = &alert.output_fields {
        map_output_fields(f, m);
    }
    Ok(event)
}

impl Normalizer for Falco {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        let has = |n: &str| memchr::memmem::find(record.as_bytes(), n.as_bytes()).is_some();
        has("\"output\"") && has("\"priority\"") && has("\"rule\"")
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let alert: Alert<'_> = serde_json::from_str(record)?;
        out.push(build(&alert, record)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
