//! What the Azure datasets share: the diagnostic-settings record (one
//! struct for every category, `properties` left raw), lenient scalars, the
//! `resourceId` parser, key snake-casing and flattening, and the fields
//! every Azure event gets.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use vigie_event::{ecs, Event, Fields, Timestamp};

use crate::json::is_ip;
use crate::NormalizeError;

pub(crate) use crate::json::{opt, scalar_f64, scalar_text, Str};

/// One diagnostic-settings record (`records[]` item or a single record),
/// or a `{"records":[...]}` wrapper, or a Log Analytics row (PascalCase
/// columns, told apart by `TimeGenerated`).
///
/// Fields that differ only by case (`level`/`Level`) are separate members:
/// serde aliases would reject a record that has both.
#[derive(Deserialize)]
pub(crate) struct Record<'a> {
    #[serde(borrow)]
    pub records: Option<Vec<&'a RawValue>>,
    #[serde(borrow)]
    pub time: Option<Str<'a>>,
    #[serde(borrow, rename = "resourceId")]
    pub resource_id: Option<Str<'a>>,
    #[serde(borrow, rename = "operationName")]
    pub operation_name: Option<Str<'a>>,
    #[serde(borrow, rename = "operationVersion")]
    pub operation_version: Option<&'a RawValue>,
    #[serde(borrow)]
    pub category: Option<Str<'a>>,
    #[serde(borrow, rename = "resultType")]
    pub result_type: Option<&'a RawValue>,
    #[serde(borrow, rename = "resultSignature")]
    pub result_signature: Option<&'a RawValue>,
    #[serde(borrow, rename = "resultDescription")]
    pub result_description: Option<&'a RawValue>,
    #[serde(borrow, rename = "durationMs")]
    pub duration_ms: Option<&'a RawValue>,
    #[serde(borrow, rename = "callerIpAddress")]
    pub caller_ip: Option<Str<'a>>,
    #[serde(borrow, rename = "correlationId")]
    pub correlation_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub identity: Option<&'a RawValue>,
    #[serde(borrow)]
    pub level: Option<&'a RawValue>,
    #[serde(borrow, rename = "Level")]
    pub level_upper: Option<&'a RawValue>,
    #[serde(borrow)]
    pub location: Option<Str<'a>>,
    #[serde(borrow, rename = "tenantId")]
    pub tenant_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub properties: Option<&'a RawValue>,
    /// Log Analytics rows: their presence selects the export shape.
    #[serde(borrow, rename = "TimeGenerated")]
    pub time_generated: Option<&'a RawValue>,
    #[serde(borrow, rename = "ActivityDisplayName")]
    pub la_activity_display_name: Option<&'a RawValue>,
    #[serde(borrow, rename = "InitiatedBy")]
    pub la_initiated_by: Option<&'a RawValue>,
    #[serde(borrow, rename = "LoggedByService")]
    pub la_logged_by_service: Option<&'a RawValue>,
}

impl Record<'_> {
    /// Whether this is a Log Analytics `AuditLogs` row.
    pub(crate) fn is_log_analytics_audit(&self) -> bool {
        self.time.is_none()
            && self.time_generated.is_some()
            && (self.la_activity_display_name.is_some()
                || self.la_initiated_by.is_some()
                || self.la_logged_by_service.is_some())
    }
}

/// Parses a timestamp field, naming it in the error.
pub(crate) fn parse_time(field: &str, text: &str) -> Result<Timestamp, NormalizeError> {
    Timestamp::parse_rfc3339(text).map_err(|e| NormalizeError::invalid(field, e.to_string()))
}

/// `properties` as a JSON value; a string holding JSON is decoded. A string
/// that is not JSON is returned as a string.
pub(crate) fn properties_value(raw: Option<&RawValue>) -> Option<Value> {
    let v: Value = serde_json::from_str(raw?.get()).ok()?;
    match v {
        Value::String(s) => Some(serde_json::from_str(&s).unwrap_or(Value::String(s))),
        Value::Null => None,
        v => Some(v),
    }
}

/// `camelCase` to `snake_case` the way Elastic's Azure pipelines do it: an
/// underscore between a lower-case letter and a following capital.
pub(crate) fn snake_case(key: &str) -> Cow<'_, str> {
    let b = key.as_bytes();
    let needs = b
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        || b.iter().any(u8::is_ascii_uppercase);
    if !needs {
        return Cow::Borrowed(key);
    }
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase();
        out.push(c.to_ascii_lowercase());
    }
    Cow::Owned(out)
}

/// Snake-cases every object key of `v`, recursively (inside arrays too).
pub(crate) fn snake_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (snake_case(&k).into_owned(), snake_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(snake_keys).collect()),
        v => v,
    }
}

/// Sets `v` under `prefix` as dotted leaf fields: objects are walked, other
/// values (arrays included) are leaves. Dots inside keys become `_` so that
/// a dotted name always means one path; nulls and empty strings are dropped.
pub(crate) fn set_flat(f: &mut Fields, prefix: &str, v: Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = format!("{prefix}.{}", k.replace('.', "_"));
                set_flat(f, &key, v);
            }
        }
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        v => f.set(prefix.to_owned(), v),
    }
}

/// What an Azure `resourceId` names.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ResourceId<'a> {
    pub subscription: Option<&'a str>,
    pub tenant: Option<&'a str>,
    pub group: Option<&'a str>,
    /// The resource provider namespace (`Microsoft.Compute`).
    pub provider: Option<&'a str>,
    /// `namespace/type[/subtype...]` (`Microsoft.Compute/virtualMachines`).
    pub kind: Option<String>,
    /// The name of the innermost resource.
    pub name: Option<&'a str>,
}

/// Parses `/subscriptions/S/resourceGroups/G/providers/NS/TYPE/NAME[/T2/N2...]`
/// and `/tenants/T/providers/NS`, keywords in any case; values keep theirs.
/// For nested `providers` segments (extension resources) the last wins.
pub(crate) fn parse_resource_id(id: &str) -> ResourceId<'_> {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    let mut r = ResourceId::default();
    let mut i = 0;
    while i < segs.len() {
        let key = segs[i];
        let next = segs.get(i + 1).copied();
        if key.eq_ignore_ascii_case("subscriptions") && r.subscription.is_none() {
            r.subscription = next;
            i += 2;
        } else if key.eq_ignore_ascii_case("tenants") && r.tenant.is_none() {
            r.tenant = next;
            i += 2;
        } else if key.eq_ignore_ascii_case("resourceGroups") && r.group.is_none() {
            r.group = next;
            i += 2;
        } else if key.eq_ignore_ascii_case("providers") {
            let Some(ns) = next else { break };
            r.provider = Some(ns);
            r.name = None;
            let mut kind = ns.to_owned();
            let mut j = i + 2;
            while j < segs.len() && !segs[j].eq_ignore_ascii_case("providers") {
                kind.push('/');
                kind.push_str(segs[j]);
                r.name = segs.get(j + 1).copied().or(r.name);
                j += 2;
            }
            r.kind = (j > i + 2).then_some(kind);
            i = j;
        } else {
            i += 1;
        }
    }
    r
}

/// Sets `source.*` from an address that may be `ip`, `ip:port` or
/// `[ipv6]:port`; anything else goes to `source.address` only. Returns
/// whether an IP was found. `<null>` (Entra's spelling of none) is skipped.
pub(crate) fn set_source(f: &mut Fields, addr: &str) -> bool {
    let addr = addr.trim();
    if addr.is_empty() || addr == "<null>" {
        return false;
    }
    f.set(ecs::SOURCE_ADDRESS, addr);
    let (ip, port) = if is_ip(addr) {
        (addr, None)
    } else if let Some((host, port)) = addr
        .strip_prefix('[')
        .and_then(|r| r.split_once("]:"))
        .or_else(|| addr.split_once(':').filter(|(h, _)| !h.contains(':')))
    {
        (host, port.parse::<u16>().ok())
    } else {
        return false;
    };
    if !is_ip(ip) {
        return false;
    }
    f.set(ecs::SOURCE_IP, ip);
    if let Some(p) = port {
        f.set(ecs::SOURCE_PORT, p);
    }
    f.push_unique(ecs::RELATED_IP, ip);
    true
}

/// Sets the user fields from a user principal name: `user.name` is the UPN
/// as written (it may contain spaces), `user.email`/`user.domain` when it
/// has an `@`.
pub(crate) fn set_upn(f: &mut Fields, upn: &str) {
    let upn = upn.trim();
    if upn.is_empty() {
        return;
    }
    f.set(ecs::USER_NAME, upn);
    f.push_unique(ecs::RELATED_USER, upn);
    if let Some((local, domain)) = upn.rsplit_once('@') {
        if !local.is_empty() && !domain.is_empty() {
            f.set(ecs::USER_EMAIL, upn);
            f.set(ecs::USER_DOMAIN, domain);
        }
    }
}

/// A new event with what every Azure record maps the same way: provider,
/// kind, action, resource, tenant, correlation, level, duration, and the
/// `<prefix>.operation_name`-style copies of the top-level columns.
pub(crate) fn base_event(
    dataset: &str,
    prefix: &str,
    rec: &Record<'_>,
    ts: Timestamp,
    original: &str,
) -> Event {
    let mut ev = Event::new(dataset, ts, original);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    f.set(ecs::CLOUD_PROVIDER, "azure");
    f.set_str(ecs::EVENT_ACTION, opt(&rec.operation_name));
    f.set_str(format!("{prefix}.operation_name"), opt(&rec.operation_name));
    f.set_str(format!("{prefix}.category"), opt(&rec.category));
    for (name, raw) in [
        ("operation_version", rec.operation_version),
        ("result_type", rec.result_type),
        ("result_signature", rec.result_signature),
        ("result_description", rec.result_description),
    ] {
        if let Some(t) = raw.and_then(scalar_text) {
            f.set(format!("{prefix}.{name}"), t.into_owned());
        }
    }
    if let Some(id) = opt(&rec.resource_id) {
        f.set("azure.resource.id", id);
        let r = parse_resource_id(id);
        f.set_str(ecs::CLOUD_ACCOUNT_ID, r.subscription);
        f.set_str("azure.subscription_id", r.subscription);
        f.set_str("azure.resource.group", r.group);
        f.set_str("azure.resource.provider", r.provider);
        f.set_str("azure.resource.type", r.kind.as_deref());
        f.set_str("azure.resource.name", r.name);
        f.set_str("azure.tenant_id", r.tenant);
    }
    f.set_str("azure.tenant_id", opt(&rec.tenant_id));
    f.set_str("azure.correlation_id", opt(&rec.correlation_id));
    if let Some(level) = rec.level.or(rec.level_upper).and_then(scalar_text) {
        f.set(ecs::LOG_LEVEL, level.into_owned());
    }
    if let Some(ms) = rec.duration_ms.and_then(scalar_f64) {
        let nanos = ms * 1e6;
        if nanos.abs() < 9.0e18 {
            f.set(ecs::EVENT_DURATION, nanos.round() as i64);
        }
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn resource_ids() {
        let r = parse_resource_id("/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.EVENTHUB/NAMESPACES/NS1/AUTHORIZATIONRULES/ROOT");
        assert_eq!(r.subscription, Some("SUB-1"));
        assert_eq!(r.group, Some("RG"));
        assert_eq!(r.provider, Some("MICROSOFT.EVENTHUB"));
        assert_eq!(
            r.kind.as_deref(),
            Some("MICROSOFT.EVENTHUB/NAMESPACES/AUTHORIZATIONRULES")
        );
        assert_eq!(r.name, Some("ROOT"));
        let r = parse_resource_id("/tenants/t-1/providers/Microsoft.aadiam");
        assert_eq!(
            (r.tenant, r.provider, r.kind, r.name),
            (Some("t-1"), Some("Microsoft.aadiam"), None, None)
        );
        let r = parse_resource_id("/subscriptions/s/providers/Microsoft.domainRegistration");
        assert_eq!(
            (r.subscription, r.provider, r.group),
            (Some("s"), Some("Microsoft.domainRegistration"), None)
        );
        let r = parse_resource_id("/subscriptions/s/resourceGroups/g");
        assert_eq!(
            (r.subscription, r.group, r.provider),
            (Some("s"), Some("g"), None)
        );
        let r = parse_resource_id("/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Insights/diagnosticSettings/d");
        assert_eq!(
            (r.provider, r.kind.as_deref(), r.name),
            (
                Some("Microsoft.Insights"),
                Some("Microsoft.Insights/diagnosticSettings"),
                Some("d")
            )
        );
        assert_eq!(parse_resource_id(""), ResourceId::default());
        assert_eq!(parse_resource_id("/providers").provider, None);
    }

    #[test]
    fn snake_casing_matches_elastic() {
        assert_eq!(snake_case("userPrincipalName"), "user_principal_name");
        assert_eq!(snake_case("riskEventTypes_v2"), "risk_event_types_v2");
        assert_eq!(snake_case("IPAddress"), "ipaddress");
        assert_eq!(snake_case("deviceId"), "device_id");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(
            snake_case("processingTimeInMilliseconds"),
            "processing_time_in_milliseconds"
        );
    }

    #[test]
    fn sources_with_ports() {
        let mut f = Fields::new();
        assert!(set_source(&mut f, "10.1.2.3:4455"));
        assert_eq!(f.get_str("source.ip"), Some("10.1.2.3"));
        assert_eq!(f.get("source.port"), Some(&Value::from(4455)));
        let mut f = Fields::new();
        assert!(set_source(&mut f, "[2001:db8::1]:443"));
        assert_eq!(f.get_str("source.ip"), Some("2001:db8::1"));
        let mut f = Fields::new();
        assert!(set_source(&mut f, "2001:db8::1"));
        let mut f = Fields::new();
        assert!(!set_source(&mut f, "<null>"));
        assert!(f.is_empty());
        assert!(!set_source(&mut f, "host.example:80"));
        assert_eq!(f.get_str("source.address"), Some("host.example:80"));
        assert!(f.get("source.ip").is_none());
    }

    proptest! {
        #[test]
        fn resource_id_fields_round_trip(
            sub in "[0-9a-f]{8}-[0-9a-f]{4}",
            rg in "[A-Za-z0-9_-]{1,20}",
            ns in "Microsoft\\.[A-Za-z]{2,12}",
            ty in "[a-zA-Z]{2,12}",
            name in "[A-Za-z0-9-]{1,20}",
            upper in any::<bool>(),
        ) {
            let id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{ty}/{name}");
            let id = if upper { id.to_uppercase() } else { id };
            let r = parse_resource_id(&id);
            let case = |s: &str| if upper { s.to_uppercase() } else { s.to_owned() };
            prop_assert_eq!(r.subscription.map(str::to_owned), Some(case(&sub)));
            prop_assert_eq!(r.group.map(str::to_owned), Some(case(&rg)));
            prop_assert_eq!(r.provider.map(str::to_owned), Some(case(&ns)));
            prop_assert_eq!(r.name.map(str::to_owned), Some(case(&name)));
        }

        #[test]
        fn helpers_never_panic(s in ".{0,80}") {
            let _ = parse_resource_id(&s);
            let _ = snake_case(&s);
            let mut f = Fields::new();
            let _ = set_source(&mut f, &s);
            set_upn(&mut f, &s);
        }
    }
}
