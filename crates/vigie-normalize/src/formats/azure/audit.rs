//! `azure.auditlogs`: Microsoft Entra ID audit logs, in the
//! diagnostic-settings form (`category` `AuditLogs`, details in
//! `properties`) and in the Log Analytics `AuditLogs` table form
//! (PascalCase columns, `InitiatedBy`/`TargetResources` as JSON strings).

use serde_json::{json, Map, Value};
use vigie_event::{ecs, Event, Fields};

use super::common::{
    base_event, opt, parse_time, properties_value, scalar_text, set_flat, set_source, set_upn,
    snake_keys, Record,
};
use crate::json::str_at;
use crate::NormalizeError;

pub(crate) const DATASET: &str = "azure.auditlogs";
const PREFIX: &str = "azure.auditlogs";

/// A diagnostic-settings audit record.
pub(crate) fn map(rec: &Record<'_>, original: &str) -> Result<Event, NormalizeError> {
    let props = properties_value(rec.properties).filter(Value::is_object);
    map_with(rec, props, original)
}

/// A Log Analytics `AuditLogs` row: its columns are rearranged into the
/// diagnostic-settings shape, then mapped like one. `original` stays the row.
pub(crate) fn map_log_analytics(original: &str) -> Result<Event, NormalizeError> {
    let row: Map<String, Value> = serde_json::from_str(original)?;
    let col = |k: &str| {
        row.get(k)
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
    };
    // Columns holding JSON objects or arrays as strings.
    let decoded = |k: &str| match col(k) {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        Some(v) => Some(v.clone()),
        None => None,
    };
    let mut props = Map::new();
    for (from, to) in [
        ("Id", "id"),
        ("Category", "category"),
        ("CorrelationId", "correlationId"),
        ("Result", "result"),
        ("ResultReason", "resultReason"),
        ("ActivityDisplayName", "activityDisplayName"),
        ("ActivityDateTime", "activityDateTime"),
        ("LoggedByService", "loggedByService"),
        ("AADOperationType", "operationType"),
    ] {
        if let Some(v) = col(from) {
            props.insert(to.to_owned(), v.clone());
        }
    }
    for (from, to) in [
        ("InitiatedBy", "initiatedBy"),
        ("TargetResources", "targetResources"),
        ("AdditionalDetails", "additionalDetails"),
    ] {
        if let Some(v) = decoded(from) {
            props.insert(to.to_owned(), v);
        }
    }
    let mut top = json!({"category": "AuditLogs", "properties": Value::Object(props)});
    for (from, to) in [
        ("TimeGenerated", "time"),
        ("ResourceId", "resourceId"),
        ("OperationName", "operationName"),
        ("OperationVersion", "operationVersion"),
        ("ResultSignature", "resultSignature"),
        ("ResultDescription", "resultDescription"),
        ("DurationMs", "durationMs"),
        ("CorrelationId", "correlationId"),
        ("Identity", "identity"),
        ("Level", "level"),
        ("TenantId", "tenantId"),
    ] {
        if let Some(v) = col(from) {
            top[to] = v.clone();
        }
    }
    if top.get("tenantId").is_none() {
        if let Some(t) = col("AADTenantId") {
            top["tenantId"] = t.clone();
        }
    }
    let text = top.to_string();
    let rec: Record<'_> = serde_json::from_str(&text)?;
    let props = properties_value(rec.properties).filter(Value::is_object);
    let mut ev = map_with(&rec, props, original)?;
    ev.fields
        .set("azure.auditlogs.source_schema", "log_analytics");
    Ok(ev)
}

fn map_with(
    rec: &Record<'_>,
    props: Option<Value>,
    original: &str,
) -> Result<Event, NormalizeError> {
    let p = props.as_ref();
    let ts = match (
        opt(&rec.time),
        p.and_then(|p| str_at(p, &["activityDateTime"])),
    ) {
        (Some(t), _) => parse_time("time", t)?,
        (None, Some(t)) => parse_time("properties.activityDateTime", t)?,
        (None, None) => return Err(NormalizeError::MissingField("time")),
    };
    let mut ev = base_event(DATASET, PREFIX, rec, ts, original);
    let f = &mut ev.fields;
    f.push_unique(ecs::EVENT_CATEGORY, "iam");
    if let Some(identity) = rec.identity.and_then(scalar_text) {
        f.set(format!("{PREFIX}.identity"), identity.into_owned());
    }
    if let Some(p) = p {
        map_properties(f, p);
    }
    if f.get(ecs::SOURCE_IP).is_none() {
        if let Some(ip) = opt(&rec.caller_ip) {
            set_source(f, ip);
        }
    }
    f.set_default(ecs::EVENT_OUTCOME, ecs::outcome::UNKNOWN);
    if let Some(props) = props {
        let mut props = snake_keys(props);
        if let Value::Object(m) = &mut props {
            if let Some(v) = m.remove("activity_date_time") {
                m.insert("activity_datetime".to_owned(), v);
            }
        }
        set_flat(f, &format!("{PREFIX}.properties"), props);
    }
    Ok(ev)
}

fn map_properties(f: &mut Fields, p: &Value) {
    f.set_str(ecs::EVENT_ACTION, str_at(p, &["activityDisplayName"]));
    f.set_str(ecs::EVENT_ID, str_at(p, &["id"]));
    let outcome = match str_at(p, &["result"])
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("success") => Some(ecs::outcome::SUCCESS),
        Some("failure" | "timeout") => Some(ecs::outcome::FAILURE),
        Some(_) => Some(ecs::outcome::UNKNOWN),
        None => None,
    };
    if let Some(o) = outcome {
        f.set(ecs::EVENT_OUTCOME, o);
    }
    f.set_str(
        ecs::EVENT_REASON,
        str_at(p, &["resultReason"]).map(str::trim),
    );
    let kind = match str_at(p, &["operationType"])
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("add") => "creation",
        Some("delete") => "deletion",
        Some("update" | "assign" | "unassign") => "change",
        _ => "info",
    };
    f.push_unique(ecs::EVENT_TYPE, kind);
    match str_at(p, &["category"]) {
        Some("UserManagement") => f.push_unique(ecs::EVENT_TYPE, "user"),
        Some("GroupManagement") => f.push_unique(ecs::EVENT_TYPE, "group"),
        _ => {}
    }

    // The actor: a user, or else an application (service principal).
    if let Some(user) = p.pointer("/initiatedBy/user").filter(|u| u.is_object()) {
        if let Some(upn) = str_at(user, &["userPrincipalName"]) {
            set_upn(f, upn);
        }
        f.set_str(ecs::USER_ID, str_at(user, &["id"]));
        f.set_str(ecs::USER_FULL_NAME, str_at(user, &["displayName"]));
        if let Some(ip) = str_at(user, &["ipAddress"]) {
            set_source(f, ip);
        }
    }
    if f.get(ecs::USER_NAME).is_none() {
        if let Some(app) = p.pointer("/initiatedBy/app").filter(|a| a.is_object()) {
            let name =
                str_at(app, &["servicePrincipalName"]).or_else(|| str_at(app, &["displayName"]));
            if let Some(n) = name {
                f.set(ecs::USER_NAME, n);
                f.push_unique(ecs::RELATED_USER, n);
            }
            f.set_str(ecs::USER_ID, str_at(app, &["servicePrincipalId"]));
        }
    }

    // The first targeted user is `user.target`; every targeted UPN is related.
    let targets = p.get("targetResources").and_then(Value::as_array);
    for t in targets.into_iter().flatten() {
        let upn = str_at(t, &["userPrincipalName"]);
        if let Some(u) = upn {
            f.push_unique(ecs::RELATED_USER, u);
        }
        let is_user = str_at(t, &["type"]).is_some_and(|ty| ty.eq_ignore_ascii_case("user"));
        if is_user && f.get(ecs::USER_TARGET_NAME).is_none() {
            f.set_str(
                ecs::USER_TARGET_NAME,
                upn.or_else(|| str_at(t, &["displayName"])),
            );
            f.set_str("user.target.id", str_at(t, &["id"]));
        }
    }

    let details = p.get("additionalDetails").and_then(Value::as_array);
    let agent = details.into_iter().flatten().find_map(|d| {
        let key = str_at(d, &["key"])?;
        key.eq_ignore_ascii_case("User-Agent")
            .then(|| str_at(d, &["value"]))
            .flatten()
    });
    f.set_str(ecs::USER_AGENT_ORIGINAL, agent);
}
