//! The `audit.k8s.io` `Event` as borrowed serde structs, and its mapping
//! to ECS and `kubernetes.audit.*` fields.
//!
//! Strings are [`Text`] (borrowed unless escaped); `requestObject` and
//! `responseObject` are `&RawValue`, skipped by the parser and kept as JSON
//! text, so an event costs one pass over its bytes plus the fields it sets.

use serde::Deserialize;
use serde_json::value::RawValue;
use vigie_event::{ecs, Event, Timestamp, Value};

use super::text::{Text, TextMap};
use super::DATASET;
use crate::json::is_ip;
use crate::NormalizeError;

/// One audit `Event`, and the wrapper keys that share its top level
/// (`items` of an `EventList`; `category`/`properties` of an AKS record).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AuditEvent<'a> {
    #[serde(borrow)]
    pub kind: Option<&'a RawValue>,
    #[serde(borrow)]
    pub api_version: Option<Text<'a>>,
    #[serde(borrow)]
    pub level: Option<Text<'a>>,
    #[serde(borrow, rename = "auditID")]
    pub audit_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub stage: Option<Text<'a>>,
    #[serde(borrow, rename = "requestURI")]
    pub request_uri: Option<Text<'a>>,
    #[serde(borrow)]
    pub verb: Option<Text<'a>>,
    #[serde(borrow)]
    pub user: Option<UserInfo<'a>>,
    #[serde(borrow)]
    pub impersonated_user: Option<UserInfo<'a>>,
    #[serde(borrow, rename = "sourceIPs")]
    pub source_ips: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    pub user_agent: Option<Text<'a>>,
    #[serde(borrow)]
    pub object_ref: Option<ObjectRef<'a>>,
    #[serde(borrow)]
    pub response_status: Option<Status<'a>>,
    #[serde(borrow)]
    pub request_object: Option<&'a RawValue>,
    #[serde(borrow)]
    pub response_object: Option<&'a RawValue>,
    #[serde(borrow)]
    pub request_received_timestamp: Option<Text<'a>>,
    #[serde(borrow)]
    pub stage_timestamp: Option<Text<'a>>,
    /// `audit.k8s.io/v1beta1` only.
    #[serde(borrow)]
    pub timestamp: Option<Text<'a>>,
    #[serde(borrow)]
    pub annotations: Option<TextMap<'a>>,
    /// `EventList.items`.
    #[serde(borrow)]
    pub items: Option<Vec<&'a RawValue>>,
    /// AKS diagnostic record: `kube-audit` or `kube-audit-admin`.
    #[serde(borrow)]
    pub category: Option<Text<'a>>,
    #[serde(borrow)]
    pub properties: Option<AksProperties<'a>>,
    #[serde(borrow)]
    pub time: Option<Text<'a>>,
    #[serde(borrow, rename = "resourceId")]
    pub resource_id: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct UserInfo<'a> {
    #[serde(borrow)]
    pub username: Option<Text<'a>>,
    #[serde(borrow)]
    pub uid: Option<Text<'a>>,
    #[serde(borrow)]
    pub groups: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    pub extra: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ObjectRef<'a> {
    #[serde(borrow)]
    pub resource: Option<Text<'a>>,
    #[serde(borrow)]
    pub subresource: Option<Text<'a>>,
    #[serde(borrow)]
    pub namespace: Option<Text<'a>>,
    #[serde(borrow)]
    pub name: Option<Text<'a>>,
    #[serde(borrow)]
    pub uid: Option<Text<'a>>,
    #[serde(borrow)]
    pub api_group: Option<Text<'a>>,
    #[serde(borrow)]
    pub api_version: Option<Text<'a>>,
    #[serde(borrow)]
    pub resource_version: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Status<'a> {
    pub code: Option<i64>,
    #[serde(borrow)]
    pub status: Option<Text<'a>>,
    #[serde(borrow)]
    pub reason: Option<Text<'a>>,
    #[serde(borrow)]
    pub message: Option<Text<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AksProperties<'a> {
    /// The audit event: a JSON string in Azure's export, an object in
    /// some shippers' re-serialized copies.
    #[serde(borrow)]
    pub log: Option<&'a RawValue>,
}

/// Extra context an AKS wrapper adds to the event it carries.
#[derive(Debug, Default)]
pub(super) struct AksContext<'r> {
    pub category: &'r str,
    pub time: Option<&'r str>,
    pub resource_id: Option<&'r str>,
}

const KA: &str = "kubernetes.audit.";

fn s<'t>(t: &'t Option<Text<'_>>) -> Option<&'t str> {
    t.as_ref().map(Text::as_str).filter(|v| !v.is_empty())
}

fn string(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn texts(list: &[Text<'_>]) -> Value {
    Value::Array(list.iter().map(|t| string(t)).collect())
}

/// The `@timestamp` of an event: `requestReceivedTimestamp`, else
/// `stageTimestamp`, else the v1beta1 `timestamp`, else the AKS `time`.
fn timestamp(
    ev: &AuditEvent<'_>,
    aks: Option<&AksContext<'_>>,
) -> Result<Timestamp, NormalizeError> {
    let candidates = [
        (
            "requestReceivedTimestamp",
            s(&ev.request_received_timestamp),
        ),
        ("stageTimestamp", s(&ev.stage_timestamp)),
        ("timestamp", s(&ev.timestamp)),
        ("time", aks.and_then(|a| a.time)),
    ];
    let (field, text) = candidates
        .into_iter()
        .find_map(|(f, v)| v.map(|v| (f, v)))
        .ok_or(NormalizeError::MissingField("requestReceivedTimestamp"))?;
    Timestamp::parse_rfc3339(text).map_err(|e| NormalizeError::invalid(field, e.to_string()))
}

/// ECS `event.type` of a Kubernetes verb.
fn event_type(verb: &str) -> &'static str {
    match verb {
        "get" | "list" | "watch" => "access",
        "create" => "creation",
        "update" | "patch" => "change",
        "delete" | "deletecollection" => "deletion",
        _ => "info",
    }
}

/// Builds the event; `original` is the verbatim text it came from.
pub(super) fn build(
    ev: &AuditEvent<'_>,
    original: &str,
    aks: Option<&AksContext<'_>>,
) -> Result<Event, NormalizeError> {
    if ev.audit_id.is_none() && ev.verb.is_none() && ev.request_uri.is_none() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "no `auditID`, `verb` or `requestURI`: not an audit event".into(),
        });
    }
    let ts = timestamp(ev, aks)?;
    let mut event = Event::new(DATASET, ts, original);
    let f = &mut event.fields;

    f.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    f.set(ecs::EVENT_CATEGORY, Value::Array(vec![string("api")]));
    let verb = s(&ev.verb);
    f.set_str(ecs::EVENT_ACTION, verb);
    f.set_str(ecs::EVENT_ID, s(&ev.audit_id));
    f.set(ecs::ORCHESTRATOR_TYPE, "kubernetes");
    f.set_str(ecs::ORCHESTRATOR_API_VERSION, s(&ev.api_version));

    // Outcome: an explicit deny or a panic fails; otherwise the HTTP code.
    let annotations = ev.annotations.as_ref();
    let decision = annotations.and_then(|a| a.get("authorization.k8s.io/decision"));
    let stage = s(&ev.stage);
    let code = ev.response_status.as_ref().and_then(|r| r.code);
    let outcome = if decision == Some("forbid") || stage == Some("Panic") {
        ecs::outcome::FAILURE
    } else {
        match code {
            Some(c) if c < 400 => ecs::outcome::SUCCESS,
            Some(_) => ecs::outcome::FAILURE,
            None => ecs::outcome::UNKNOWN,
        }
    };
    f.set(ecs::EVENT_OUTCOME, outcome);
    let mut types = vec![string(verb.map_or("info", event_type))];
    if decision == Some("forbid") {
        types.push(string("denied"));
    }
    f.set(ecs::EVENT_TYPE, Value::Array(types));

    // Actor.
    if let Some(user) = &ev.user {
        f.set_str(ecs::USER_NAME, s(&user.username));
        f.set_str(ecs::USER_ID, s(&user.uid));
        f.push_unique(ecs::RELATED_USER, s(&user.uid).map(string));
        f.push_unique(ecs::RELATED_USER, s(&user.username).map(string));
        if let Some(groups) = user.groups.as_deref().filter(|g| !g.is_empty()) {
            f.set("kubernetes.audit.user.groups", texts(groups));
        }
        if let Some(extra) = user.extra.filter(|r| r.get() != "{}") {
            if let Ok(v) = serde_json::from_str::<Value>(extra.get()) {
                f.set("kubernetes.audit.user.extra", v);
            }
        }
    }
    if let Some(imp) = &ev.impersonated_user {
        f.set_str(ecs::USER_EFFECTIVE_NAME, s(&imp.username));
        f.set_str(ecs::USER_EFFECTIVE_ID, s(&imp.uid));
        f.set_str(
            "kubernetes.audit.impersonatedUser.username",
            s(&imp.username),
        );
        f.set_str("kubernetes.audit.impersonatedUser.uid", s(&imp.uid));
        if let Some(groups) = imp.groups.as_deref().filter(|g| !g.is_empty()) {
            f.set("kubernetes.audit.impersonatedUser.groups", texts(groups));
        }
        f.push_unique(ecs::RELATED_USER, s(&imp.username).map(string));
    }
    if let Some(ips) = ev.source_ips.as_deref().filter(|l| !l.is_empty()) {
        if let Some(first) = ips.first().filter(|ip| is_ip(ip)) {
            f.set(ecs::SOURCE_IP, string(first));
        }
        for ip in ips.iter().filter(|ip| is_ip(ip)) {
            f.push_unique(ecs::RELATED_IP, string(ip));
        }
        f.set("kubernetes.audit.sourceIPs", texts(ips));
    }
    f.set_str(ecs::USER_AGENT_ORIGINAL, s(&ev.user_agent));

    // Target.
    if let Some(obj) = &ev.object_ref {
        f.set_str(ecs::ORCHESTRATOR_NAMESPACE, s(&obj.namespace));
        f.set_str(ecs::ORCHESTRATOR_RESOURCE_TYPE, s(&obj.resource));
        f.set_str(ecs::ORCHESTRATOR_RESOURCE_SUBTYPE, s(&obj.subresource));
        f.set_str(ecs::ORCHESTRATOR_RESOURCE_NAME, s(&obj.name));
        f.set_str("kubernetes.audit.objectRef.resource", s(&obj.resource));
        f.set_str(
            "kubernetes.audit.objectRef.subresource",
            s(&obj.subresource),
        );
        f.set_str("kubernetes.audit.objectRef.namespace", s(&obj.namespace));
        f.set_str("kubernetes.audit.objectRef.name", s(&obj.name));
        f.set_str("kubernetes.audit.objectRef.uid", s(&obj.uid));
        f.set_str("kubernetes.audit.objectRef.apiGroup", s(&obj.api_group));
        f.set_str("kubernetes.audit.objectRef.apiVersion", s(&obj.api_version));
        f.set_str(
            "kubernetes.audit.objectRef.resourceVersion",
            s(&obj.resource_version),
        );
    }

    // The audit record itself.
    f.set_str("kubernetes.audit.auditID", s(&ev.audit_id));
    f.set_str("kubernetes.audit.level", s(&ev.level));
    f.set_str("kubernetes.audit.stage", stage);
    f.set_str("kubernetes.audit.verb", verb);
    f.set_str("kubernetes.audit.requestURI", s(&ev.request_uri));
    f.set_str(
        "kubernetes.audit.requestReceivedTimestamp",
        s(&ev.request_received_timestamp),
    );
    f.set_str("kubernetes.audit.stageTimestamp", s(&ev.stage_timestamp));
    if let Some(status) = &ev.response_status {
        if let Some(c) = status.code {
            f.set("kubernetes.audit.responseStatus.code", c);
        }
        f.set_str("kubernetes.audit.responseStatus.status", s(&status.status));
        f.set_str("kubernetes.audit.responseStatus.reason", s(&status.reason));
        f.set_str(
            "kubernetes.audit.responseStatus.message",
            s(&status.message),
        );
    }
    if let Some(annotations) = annotations {
        for (k, v) in &annotations.0 {
            // Dots in annotation keys would read as nesting: Elastic's
            // spelling replaces them (`authorization_k8s_io/decision`).
            let key = format!("{KA}annotations.{}", k.replace('.', "_"));
            f.set_str(key, Some(v.as_str()));
        }
    }
    if let Some(raw) = ev.request_object.filter(|r| r.get() != "null") {
        f.set("kubernetes.audit.requestObject", raw.get());
    }
    if let Some(raw) = ev.response_object.filter(|r| r.get() != "null") {
        f.set("kubernetes.audit.responseObject", raw.get());
    }

    if let Some(aks) = aks {
        f.set(ecs::CLOUD_PROVIDER, "azure");
        f.set("azure.category", aks.category);
        if let Some(id) = aks.resource_id.filter(|r| !r.is_empty()) {
            f.set("azure.resource.id", id);
            f.set_str(ecs::ORCHESTRATOR_CLUSTER_NAME, cluster_name(id));
        }
    }
    Ok(event)
}

/// The managed cluster's name: the segment after `managedClusters/` in an
/// Azure resource id (any case).
fn cluster_name(resource_id: &str) -> Option<&str> {
    let mut parts = resource_id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("managedclusters") {
            return parts.next().filter(|n| !n.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_name_from_resource_id() {
        let id = "/SUBSCRIPTIONS/1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/TEST-AKS";
        assert_eq!(cluster_name(id), Some("TEST-AKS"));
        assert_eq!(cluster_name("/subscriptions/1"), None);
        assert_eq!(cluster_name("managedClusters/"), None);
    }

    #[test]
    fn verbs_map_to_event_types() {
        assert_eq!(event_type("watch"), "access");
        assert_eq!(event_type("patch"), "change");
        assert_eq!(event_type("deletecollection"), "deletion");
        assert_eq!(event_type("impersonate"), "info");
    }
}
