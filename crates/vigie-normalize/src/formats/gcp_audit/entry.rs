//! The Cloud Logging `LogEntry` carrying an `AuditLog` `protoPayload`, as
//! borrowed serde structs, and its mapping to a vigie [`Event`].
//!
//! Parts whose shape depends on the API called (`request`, `response`,
//! `metadata`, `serviceData`) stay [`RawValue`]s and are kept as JSON text.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::k8s::parse_resource_name;
use super::util::{
    json_text, json_value, lenient_bool, lenient_i64, opt, percent_decode, prune, scalar_text,
    set_flat, Str,
};
use crate::json::is_ip;
use crate::NormalizeError;

pub(crate) const DATASET: &str = "gcp.audit";
pub(crate) const AUDIT_LOG_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

/// A `LogEntry`, or one of the two wrappers around it this dataset accepts:
/// a Pub/Sub push envelope (`message`, `subscription`) or Wazuh's `gcp`.
#[derive(Deserialize)]
pub(crate) struct LogEntry<'a> {
    #[serde(borrow, rename = "insertId")]
    insert_id: Option<Str<'a>>,
    #[serde(borrow, rename = "logName")]
    log_name: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow, rename = "receiveTimestamp")]
    receive_timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    severity: Option<&'a RawValue>,
    #[serde(borrow)]
    resource: Option<Resource<'a>>,
    #[serde(borrow)]
    operation: Option<Operation<'a>>,
    #[serde(borrow)]
    labels: Option<&'a RawValue>,
    #[serde(borrow, rename = "protoPayload")]
    pub proto_payload: Option<AuditLog<'a>>,
    #[serde(borrow)]
    pub message: Option<PushMessage<'a>>,
    #[serde(borrow)]
    pub subscription: Option<Str<'a>>,
    #[serde(borrow)]
    pub gcp: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    labels: Option<&'a RawValue>,
}

#[derive(Default, Deserialize)]
struct ResourceLabels<'a> {
    #[serde(borrow)]
    project_id: Option<Str<'a>>,
    #[serde(borrow)]
    cluster_name: Option<Str<'a>>,
    #[serde(borrow)]
    instance_id: Option<Str<'a>>,
    #[serde(borrow)]
    location: Option<Str<'a>>,
    #[serde(borrow)]
    region: Option<Str<'a>>,
    #[serde(borrow)]
    zone: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Operation<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    producer: Option<Str<'a>>,
    #[serde(borrow)]
    first: Option<&'a RawValue>,
    #[serde(borrow)]
    last: Option<&'a RawValue>,
}

/// `google.cloud.audit.AuditLog`.
#[derive(Deserialize)]
pub(crate) struct AuditLog<'a> {
    #[serde(borrow, rename = "@type")]
    kind: Option<Str<'a>>,
    #[serde(borrow, rename = "serviceName")]
    service_name: Option<Str<'a>>,
    #[serde(borrow, rename = "methodName")]
    method_name: Option<Str<'a>>,
    #[serde(borrow, rename = "resourceName")]
    resource_name: Option<Str<'a>>,
    #[serde(borrow, rename = "authenticationInfo")]
    authentication_info: Option<AuthenticationInfo<'a>>,
    #[serde(borrow, rename = "authorizationInfo")]
    authorization_info: Option<&'a RawValue>,
    #[serde(borrow, rename = "requestMetadata")]
    request_metadata: Option<RequestMetadata<'a>>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    response: Option<&'a RawValue>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(borrow, rename = "serviceData")]
    service_data: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<Status<'a>>,
    #[serde(borrow, rename = "numResponseItems")]
    num_response_items: Option<&'a RawValue>,
    #[serde(borrow, rename = "resourceLocation")]
    resource_location: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct AuthenticationInfo<'a> {
    #[serde(borrow, rename = "principalEmail")]
    principal_email: Option<Str<'a>>,
    #[serde(borrow, rename = "principalSubject")]
    principal_subject: Option<Str<'a>>,
    #[serde(borrow, rename = "authoritySelector")]
    authority_selector: Option<Str<'a>>,
    #[serde(borrow, rename = "serviceAccountKeyName")]
    service_account_key_name: Option<Str<'a>>,
    #[serde(borrow, rename = "serviceAccountDelegationInfo")]
    delegation_info: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RequestMetadata<'a> {
    #[serde(borrow, rename = "callerIp")]
    caller_ip: Option<Str<'a>>,
    #[serde(borrow, rename = "callerSuppliedUserAgent")]
    user_agent: Option<Str<'a>>,
    #[serde(borrow, rename = "callerNetwork")]
    caller_network: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<Str<'a>>,
}

/// The Pub/Sub push `message`: base64 `data` plus delivery metadata.
#[derive(Deserialize)]
pub(crate) struct PushMessage<'a> {
    #[serde(borrow)]
    pub data: Option<Str<'a>>,
    #[serde(borrow, rename = "messageId")]
    pub message_id: Option<Str<'a>>,
    #[serde(borrow, rename = "publishTime")]
    pub publish_time: Option<Str<'a>>,
}

/// Maps one AuditLog entry. `original` is the record as received (for a
/// Pub/Sub envelope, the whole envelope).
pub(crate) fn map_entry(entry: &LogEntry<'_>, original: &str) -> Result<Event, NormalizeError> {
    let payload = entry
        .proto_payload
        .as_ref()
        .ok_or(NormalizeError::MissingField("protoPayload"))?;
    if let Some(kind) = opt(&payload.kind) {
        if kind != AUDIT_LOG_TYPE {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason: format!("protoPayload.@type is {kind:?}, not {AUDIT_LOG_TYPE}"),
            });
        }
    }
    let (ts_field, ts_text) = match (opt(&entry.timestamp), opt(&entry.receive_timestamp)) {
        (Some(t), _) => ("timestamp", t),
        (None, Some(t)) => ("receiveTimestamp", t),
        (None, None) => return Err(NormalizeError::MissingField("timestamp")),
    };
    let ts = Timestamp::parse_rfc3339(ts_text)
        .map_err(|e| NormalizeError::invalid(ts_field, e.to_string()))?;
    let mut ev = Event::new(DATASET, ts, original);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    f.set(ecs::CLOUD_PROVIDER, "gcp");
    f.set_str(ecs::EVENT_ID, opt(&entry.insert_id));
    f.set_str("gcp.audit.type", opt(&payload.kind));
    if let Some(level) = entry.severity.and_then(scalar_text) {
        f.set_str(ecs::LOG_LEVEL, Some(&level));
    }
    map_log_name(f, opt(&entry.log_name));
    let resource_kind = entry.resource.as_ref().and_then(|r| opt(&r.kind));
    let labels: ResourceLabels<'_> = entry
        .resource
        .as_ref()
        .and_then(|r| r.labels)
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    map_resource(
        f,
        resource_kind,
        &labels,
        entry.resource.as_ref().and_then(|r| r.labels),
    );
    if let Some(labels) = json_value(entry.labels) {
        set_flat(f, "gcp.audit.labels", labels);
    }
    if let Some(op) = &entry.operation {
        map_operation(f, op);
    }

    f.set_str(ecs::EVENT_ACTION, opt(&payload.method_name));
    f.set_str("gcp.audit.method_name", opt(&payload.method_name));
    f.set_str(ecs::EVENT_PROVIDER, opt(&payload.service_name));
    f.set_str("gcp.audit.service_name", opt(&payload.service_name));
    f.set_str("gcp.audit.resource_name", opt(&payload.resource_name));
    if let Some(auth) = &payload.authentication_info {
        map_authentication(f, auth);
    }
    map_authorization(f, payload.authorization_info);
    if let Some(meta) = &payload.request_metadata {
        map_request_metadata(f, meta);
    }
    for (key, raw) in [
        ("gcp.audit.request", payload.request),
        ("gcp.audit.response", payload.response),
        ("gcp.audit.metadata", payload.metadata),
        ("gcp.audit.service_data", payload.service_data),
    ] {
        f.set_str(key, json_text(raw));
    }
    if let Some(chain) = payload
        .metadata
        .and_then(|m| serde_json::from_str::<Value>(m.get()).ok())
        .and_then(|m| m.get("identityDelegationChain").cloned())
        .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()))
    {
        f.set("gcp.audit.identity_delegation_chain", chain);
    }
    if let Some(n) = payload.num_response_items.and_then(lenient_i64) {
        f.set("gcp.audit.num_response_items", n);
    }
    if let Some(locations) =
        json_value(payload.resource_location).and_then(|v| v.get("currentLocations").cloned())
    {
        f.set("gcp.audit.resource_location.current_locations", locations);
    }
    map_status(f, payload.status.as_ref());

    let is_k8s = opt(&payload.service_name) == Some("k8s.io")
        || matches!(resource_kind, Some("k8s_cluster" | "gke_cluster"));
    if is_k8s {
        map_k8s(f, opt(&labels.cluster_name), opt(&payload.resource_name));
    }
    Ok(ev)
}

/// `log.logger` keeps logName as written; the decoded name and the audit
/// log type (`activity`, `data_access`, `system_event`, `policy`) go under
/// `gcp.audit`, and the project (or organization, folder) is read from it.
fn map_log_name(f: &mut Fields, log_name: Option<&str>) {
    let Some(name) = log_name else { return };
    f.set(ecs::LOG_LOGGER, name);
    let decoded = percent_decode(name);
    if let Some((parent, log_id)) = decoded.split_once("/logs/") {
        f.set_str("gcp.audit.log_id", Some(log_id));
        if let Some((_, kind)) = log_id.rsplit_once('/') {
            f.set_str("gcp.audit.log_type", Some(kind));
        }
        match parent.split_once('/') {
            Some(("projects", id)) => f.set_str(ecs::CLOUD_PROJECT_ID, Some(id)),
            Some(("organizations", id)) => f.set_str("gcp.audit.organization_id", Some(id)),
            Some(("folders", id)) => f.set_str("gcp.audit.folder_id", Some(id)),
            Some(("billingAccounts", id)) => f.set_str("gcp.audit.billing_account_id", Some(id)),
            _ => {}
        }
    }
    if decoded != name {
        f.set("gcp.audit.log_name", decoded.into_owned());
    }
}

fn map_resource(
    f: &mut Fields,
    kind: Option<&str>,
    labels: &ResourceLabels<'_>,
    raw: Option<&RawValue>,
) {
    f.set_str("gcp.audit.resource.type", kind);
    if let Some(all) = json_value(raw) {
        set_flat(f, "gcp.audit.resource.labels", all);
    }
    // resource.labels.project_id wins over the project of logName.
    f.set_str(ecs::CLOUD_PROJECT_ID, opt(&labels.project_id));
    f.set_str(ecs::CLOUD_INSTANCE_ID, opt(&labels.instance_id));
    f.set_str(ecs::CLOUD_REGION, opt(&labels.region));
    f.set_str(ecs::CLOUD_AVAILABILITY_ZONE, opt(&labels.zone));
    if let Some(loc) = opt(&labels.location).filter(|l| *l != "global") {
        // A location is a region (`us-central1`) or a zone (`us-central1-a`).
        let is_zone = loc.rsplit_once('-').is_some_and(|(_, z)| z.len() == 1);
        let key = if is_zone {
            ecs::CLOUD_AVAILABILITY_ZONE
        } else {
            ecs::CLOUD_REGION
        };
        f.set_default(key, loc);
    }
}

fn map_operation(f: &mut Fields, op: &Operation<'_>) {
    f.set_str("gcp.audit.logentry_operation.id", opt(&op.id));
    f.set_str("gcp.audit.logentry_operation.producer", opt(&op.producer));
    let first = op.first.and_then(lenient_bool);
    let last = op.last.and_then(lenient_bool);
    if let Some(b) = first {
        f.set("gcp.audit.logentry_operation.first", b);
    }
    if let Some(b) = last {
        f.set("gcp.audit.logentry_operation.last", b);
    }
    // One entry of a long-running operation: a session that starts or ends.
    let (first, last) = (first.unwrap_or(false), last.unwrap_or(false));
    if !(first && last) {
        f.push_unique(ecs::EVENT_CATEGORY, "session");
        if first {
            f.push_unique(ecs::EVENT_TYPE, "start");
        } else if last {
            f.push_unique(ecs::EVENT_TYPE, "end");
        }
    }
}

fn map_authentication(f: &mut Fields, auth: &AuthenticationInfo<'_>) {
    let subject = opt(&auth.principal_subject);
    // principalSubject spells an email as `user:EMAIL` or `serviceAccount:EMAIL`.
    let email = opt(&auth.principal_email).or_else(|| {
        let s = subject?;
        s.strip_prefix("user:")
            .or_else(|| s.strip_prefix("serviceAccount:"))
            .filter(|e| e.contains('@'))
    });
    f.set_str(ecs::USER_EMAIL, email);
    f.set_str(ecs::USER_NAME, email);
    f.set_str(ecs::USER_ID, subject);
    if let Some(e) = email {
        f.push_unique(ecs::RELATED_USER, e);
    }
    f.set_str(
        "gcp.audit.authentication_info.principal_email",
        opt(&auth.principal_email),
    );
    f.set_str("gcp.audit.authentication_info.principal_subject", subject);
    f.set_str(
        "gcp.audit.authentication_info.authority_selector",
        opt(&auth.authority_selector),
    );
    f.set_str(
        "gcp.audit.authentication_info.service_account_key_name",
        opt(&auth.service_account_key_name),
    );
    // The delegation chain, from the original caller to the last delegate.
    let infos: Vec<Value> = auth
        .delegation_info
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default();
    let chain: Vec<Value> = infos
        .iter()
        .filter_map(|d| {
            crate::json::str_at(d, &["firstPartyPrincipal", "principalEmail"])
                .or_else(|| crate::json::str_at(d, &["principalSubject"]))
        })
        .map(|p| Value::String(p.to_owned()))
        .collect();
    for p in &chain {
        f.push_unique(ecs::RELATED_USER, p.clone());
    }
    if !chain.is_empty() {
        f.set("gcp.audit.authentication_info.delegation_chain", chain);
    }
}

/// `authorizationInfo[]` is kept as Elastic keeps it (empty members dropped,
/// `resourceAttributes` renamed `resource_attributes`); its `granted` flags
/// give `event.type` allowed/denied.
fn map_authorization(f: &mut Fields, raw: Option<&RawValue>) {
    let Some(Value::Array(mut items)) = json_value(raw) else {
        return;
    };
    for item in &mut items {
        if let Value::Object(m) = item {
            if let Some(attrs) = m.remove("resourceAttributes") {
                m.insert("resource_attributes".to_owned(), attrs);
            }
        }
        prune(item);
    }
    let granted: Vec<bool> = items
        .iter()
        .filter_map(|i| i.get("granted").and_then(Value::as_bool))
        .collect();
    if items.is_empty() {
        return;
    }
    f.push_unique(ecs::EVENT_CATEGORY, "network");
    f.push_unique(ecs::EVENT_CATEGORY, "configuration");
    if !granted.is_empty() {
        f.push_unique(ecs::EVENT_TYPE, "access");
        let all = granted.iter().all(|g| *g);
        f.push_unique(ecs::EVENT_TYPE, if all { "allowed" } else { "denied" });
    }
    f.set("gcp.audit.authorization_info", items);
}

fn map_request_metadata(f: &mut Fields, meta: &RequestMetadata<'_>) {
    if let Some(ip) = opt(&meta.caller_ip) {
        // "private" and "gce-internal-ip" stand for hidden internal callers.
        f.set(ecs::SOURCE_ADDRESS, ip);
        if is_ip(ip) {
            f.set(ecs::SOURCE_IP, ip);
            f.push_unique(ecs::RELATED_IP, ip);
        }
    }
    f.set_str(ecs::USER_AGENT_ORIGINAL, opt(&meta.user_agent));
    f.set_str(
        "gcp.audit.request_metadata.caller_network",
        opt(&meta.caller_network),
    );
}

/// google.rpc.Status: code 0 (or no code) is success, anything else failure.
fn map_status(f: &mut Fields, status: Option<&Status<'_>>) {
    let code = status.and_then(|s| s.code).and_then(lenient_i64);
    let message = status.and_then(|s| opt(&s.message));
    if let Some(c) = code {
        f.set("gcp.audit.status.code", c);
    }
    f.set_str("gcp.audit.status.message", message);
    match code {
        Some(c) if c != 0 => {
            f.set(ecs::EVENT_OUTCOME, ecs::outcome::FAILURE);
            f.set(ecs::ERROR_CODE, c.to_string());
            f.set_str(ecs::ERROR_MESSAGE, message);
        }
        _ => f.set(ecs::EVENT_OUTCOME, ecs::outcome::SUCCESS),
    }
}

fn map_k8s(f: &mut Fields, cluster: Option<&str>, resource_name: Option<&str>) {
    f.set(ecs::ORCHESTRATOR_TYPE, "kubernetes");
    f.set_str(ecs::ORCHESTRATOR_CLUSTER_NAME, cluster);
    let Some(r) = resource_name.and_then(parse_resource_name) else {
        return;
    };
    f.set(ecs::ORCHESTRATOR_API_VERSION, r.api_version());
    f.set_str(ecs::ORCHESTRATOR_NAMESPACE, r.namespace);
    f.set_str(ecs::ORCHESTRATOR_RESOURCE_TYPE, Some(r.resource));
    f.set_str(ecs::ORCHESTRATOR_RESOURCE_NAME, r.name);
    f.set_str(ecs::ORCHESTRATOR_RESOURCE_SUBTYPE, r.subresource);
}
