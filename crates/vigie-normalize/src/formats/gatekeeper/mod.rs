//! OPA Gatekeeper audit events (`gatekeeper.audit`).
//!
//! Two spellings of the same facts:
//! - the audit pod's zap JSON log lines, snake_case:
//!   `{level, ts, logger, msg, process, audit_id, event_type,
//!   constraint_*, resource_*}` (and the webhook's `--log-denies` lines,
//!   `event_type: violation`, with `request_username`);
//! - the export API messages (disk, Dapr, webhook), camelCase:
//!   `{id, details, eventType, group, version, kind, name, message,
//!   enforcementAction, resource*, ...}`, where admission denials have
//!   `eventType: violation_admission` and the request's `timestamp`,
//!   `operation` and `requestUser*`.
//!
//! Both are normalized into the same `gatekeeper.*` snake_case names.
//! Log lines without `event_type` are ordinary Gatekeeper logs, not audit
//! events: they are skipped (counted, not rejected).
//!
//! `@timestamp` is `ts` for log lines; export messages carry no time of
//! their own except admission ones (`timestamp`), so for audit violations
//! the audit run's id, which is the run's start time (RFC 3339), is used and
//! marked `vigie.timestamp_source: "audit_id"`; failing both, the ingest
//! time, marked `"ingest"` (as generic JSON does).
//! `docs/datasets/gatekeeper.audit.md` has the table.

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::generic_json::{parse_time_value, TIMESTAMP_SOURCE};
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "gatekeeper.audit";

/// The `gatekeeper.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gatekeeper;

/// The two spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Log,
    Export,
}

/// One record, read through the key names of its form.
struct View<'v> {
    obj: &'v Map<String, Value>,
    form: Form,
}

/// (snake_case log key, camelCase export key, `gatekeeper.*` name).
const STRINGS: &[(&str, &str, &str)] = &[
    ("audit_id", "id", "gatekeeper.audit_id"),
    ("event_type", "eventType", "gatekeeper.event_type"),
    ("process", "", "gatekeeper.process"),
    ("constraint_group", "group", "gatekeeper.constraint.group"),
    (
        "constraint_api_version",
        "version",
        "gatekeeper.constraint.api_version",
    ),
    ("constraint_kind", "kind", "gatekeeper.constraint.kind"),
    ("constraint_name", "name", "gatekeeper.constraint.name"),
    (
        "constraint_namespace",
        "namespace",
        "gatekeeper.constraint.namespace",
    ),
    (
        "constraint_action",
        "enforcementAction",
        "gatekeeper.constraint.action",
    ),
    ("constraint_status", "", "gatekeeper.constraint.status"),
    (
        "resource_group",
        "resourceGroup",
        "gatekeeper.resource.group",
    ),
    (
        "resource_api_version",
        "resourceAPIVersion",
        "gatekeeper.resource.api_version",
    ),
    ("resource_kind", "resourceKind", "gatekeeper.resource.kind"),
    (
        "resource_namespace",
        "resourceNamespace",
        "gatekeeper.resource.namespace",
    ),
    ("resource_name", "resourceName", "gatekeeper.resource.name"),
    (
        "resource_source_type",
        "",
        "gatekeeper.resource.source_type",
    ),
    (
        "request_username",
        "requestUsername",
        "gatekeeper.request.username",
    ),
    ("", "requestUserUID", "gatekeeper.request.uid"),
    ("", "operation", "gatekeeper.request.operation"),
    ("", "requestResource", "gatekeeper.request.resource"),
    ("", "requestSubresource", "gatekeeper.request.subresource"),
    ("duration", "", "gatekeeper.duration"),
];

/// Structured values kept whole: (log key, export key, `gatekeeper.*`).
const VALUES: &[(&str, &str, &str)] = &[
    (
        "constraint_enforcement_actions",
        "enforcementActions",
        "gatekeeper.constraint.enforcement_actions",
    ),
    (
        "constraint_annotations",
        "constraintAnnotations",
        "gatekeeper.constraint.annotations",
    ),
    (
        "resource_labels",
        "resourceLabels",
        "gatekeeper.resource.labels",
    ),
    ("details", "details", "gatekeeper.details"),
    ("", "requestUserGroups", "gatekeeper.request.groups"),
    ("", "dryRun", "gatekeeper.request.dry_run"),
];

impl<'v> View<'v> {
    fn key(&self, log: &'static str, export: &'static str) -> &'static str {
        match self.form {
            Form::Log => log,
            Form::Export => export,
        }
    }

    fn value(&self, log: &'static str, export: &'static str) -> Option<&'v Value> {
        let key = self.key(log, export);
        if key.is_empty() {
            return None;
        }
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, log: &'static str, export: &'static str) -> Option<&'v str> {
        self.value(log, export)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// Whether the value is worth keeping (not empty).
fn non_empty(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// `@timestamp` and, when it is not the source's own time, its origin.
fn timestamp(v: &View<'_>) -> Result<(Timestamp, Option<&'static str>), NormalizeError> {
    let own = match v.form {
        Form::Log => ("ts", v.obj.get("ts")),
        Form::Export => ("timestamp", v.obj.get("timestamp")),
    };
    if let (field, Some(t)) = own {
        if !t.is_null() {
            return parse_time_value(t)
                .map(|ts| (ts, None))
                .ok_or_else(|| NormalizeError::invalid(field, format!("not a time: {}", clip(t))));
        }
    }
    if let Some(ts) = v
        .str("audit_id", "id")
        .and_then(|id| Timestamp::parse_rfc3339(id).ok())
    {
        return Ok((ts, Some("audit_id")));
    }
    Ok((Timestamp::now(), Some("ingest")))
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

fn build(v: &View<'_>, record: &str) -> Result<Event, NormalizeError> {
    let (ts, ts_source) = timestamp(v)?;
    let mut event = Event::new(DATASET, ts, record);
    let f: &mut Fields = &mut event.fields;
    if let Some(src) = ts_source {
        f.set(TIMESTAMP_SOURCE, src);
    }

    let event_type = v.str("event_type", "eventType");
    let is_violation = event_type.is_some_and(|t| t.starts_with("violation"));
    f.set(
        ecs::EVENT_KIND,
        if is_violation {
            ecs::kind::ALERT
        } else {
            ecs::kind::EVENT
        },
    );
    f.set(
        ecs::EVENT_CATEGORY,
        Value::Array(vec!["configuration".into()]),
    );
    f.set(ecs::EVENT_TYPE, Value::Array(vec!["info".into()]));
    let action = v.str("constraint_action", "enforcementAction");
    f.set_str(ecs::EVENT_ACTION, action.or(event_type));
    f.set_str(ecs::MESSAGE, v.str("msg", "message"));
    f.set_str(ecs::LOG_LEVEL, v.str("level", ""));
    f.set_str(ecs::LOG_LOGGER, v.str("logger", ""));

    // The constraint is the rule.
    let kind = v.str("constraint_kind", "kind");
    let name = v.str("constraint_name", "name");
    f.set_str(ecs::RULE_NAME, name);
    f.set_str(ecs::RULE_CATEGORY, kind);
    if let (Some(k), Some(n)) = (kind, name) {
        f.set(ecs::RULE_ID, format!("{k}/{n}"));
    }

    // The resource is the orchestrator object.
    let r_kind = v.str("resource_kind", "resourceKind");
    if r_kind.is_some() {
        f.set(ecs::ORCHESTRATOR_TYPE, "kubernetes");
    }
    f.set_str(ecs::ORCHESTRATOR_RESOURCE_TYPE, r_kind);
    f.set_str(
        ecs::ORCHESTRATOR_RESOURCE_NAME,
        v.str("resource_name", "resourceName"),
    );
    f.set_str(
        ecs::ORCHESTRATOR_NAMESPACE,
        v.str("resource_namespace", "resourceNamespace"),
    );
    let version = v.str("resource_api_version", "resourceAPIVersion");
    let api_version = match (v.str("resource_group", "resourceGroup"), version) {
        (Some(g), Some(ver)) => Some(format!("{g}/{ver}")),
        (None, Some(ver)) => Some(ver.to_owned()),
        _ => None,
    };
    f.set_str(ecs::ORCHESTRATOR_API_VERSION, api_version.as_deref());

    // The requester (admission events).
    let user = v.str("request_username", "requestUsername");
    f.set_str(ecs::USER_NAME, user);
    f.set_str(ecs::USER_ID, v.str("", "requestUserUID"));
    if let Some(u) = user {
        f.push_unique(ecs::RELATED_USER, u);
    }

    for &(log, export, name) in STRINGS {
        f.set_str(name, v.str(log, export));
    }
    for &(log, export, name) in VALUES {
        if let Some(val) = v.value(log, export).filter(|x| non_empty(x)) {
            f.set(name, val.clone());
        }
    }
    if let Some(n) = v.value("constraint_violations", "") {
        let count = match n {
            Value::String(s) => s.parse::<i64>().ok(),
            other => other.as_i64(),
        };
        if let Some(c) = count {
            f.set("gatekeeper.constraint.violations", c);
        }
    }
    Ok(event)
}

/// Whether `record` looks like a Gatekeeper audit log line or export message.
pub(crate) fn sniff(record: &str) -> bool {
    let has = |n: &str| memchr::memmem::find(record.as_bytes(), n.as_bytes()).is_some();
    has("\"audit_id\"")
        || (has("\"event_type\"") && has("\"constraint_kind\""))
        || (has("\"enforcementAction\"")
            && (has("\"constraintAnnotations\"") || has("\"resourceKind\"")))
        || (has("\"eventType\"") && has("\"violation_a"))
}

impl Normalizer for Gatekeeper {
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
        let Value::Object(obj) = &value else {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason: "expected a JSON object".into(),
            });
        };
        let form = if obj.contains_key("event_type") {
            Form::Log
        } else if obj.contains_key("eventType") || obj.contains_key("enforcementAction") {
            Form::Export
        } else if obj.contains_key("level") && (obj.contains_key("msg") || obj.contains_key("ts")) {
            out.skip("not a gatekeeper audit event (a log line without event_type)");
            return Ok(());
        } else {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason:
                    "neither an audit log line (`event_type`) nor an export message (`eventType`)"
                        .into(),
            });
        };
        out.push(build(&View { obj, form }, record)?);
        Ok(())
    }
}
