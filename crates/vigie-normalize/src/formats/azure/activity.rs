//! `azure.activitylogs`: Azure Activity Log records (control-plane
//! operations on subscriptions and resources).

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;
use vigie_event::{ecs, Event, Fields};

use super::common::{
    base_event, opt, parse_time, scalar_text, set_flat, set_source, set_upn, snake_case,
    snake_keys, Record, Str,
};
use crate::NormalizeError;

pub(crate) const DATASET: &str = "azure.activitylogs";
const PREFIX: &str = "azure.activitylogs";

const CLAIM_UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const CLAIM_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const CLAIM_OID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const CLAIM_TENANT: &str = "http://schemas.microsoft.com/identity/claims/tenantid";

/// `resultType` to `event.outcome`: `Start` is an operation that has not
/// finished, other values (`Updated`, `Active`, `Resolved`) say nothing.
fn outcome(result_type: &str) -> Option<&'static str> {
    let r = result_type.trim().to_ascii_lowercase();
    match r.as_str() {
        "success" | "succeeded" | "accept" | "accepted" => Some(ecs::outcome::SUCCESS),
        "failed" | "failure" => Some(ecs::outcome::FAILURE),
        "start" | "started" => Some(ecs::outcome::UNKNOWN),
        _ => None,
    }
}

pub(crate) fn map(rec: &Record<'_>, original: &str) -> Result<Event, NormalizeError> {
    let time = opt(&rec.time).ok_or(NormalizeError::MissingField("time"))?;
    let ts = parse_time("time", time)?;
    let mut ev = base_event(DATASET, PREFIX, rec, ts, original);
    let f = &mut ev.fields;
    if let Some(o) = rec
        .result_type
        .and_then(scalar_text)
        .and_then(|r| outcome(&r))
    {
        f.set(ecs::EVENT_OUTCOME, o);
    }
    if let Some(ip) = opt(&rec.caller_ip) {
        set_source(f, ip);
    }
    if let Some(loc) = opt(&rec.location).filter(|l| !l.eq_ignore_ascii_case("global")) {
        f.set(ecs::CLOUD_REGION, loc);
    }
    if let Some(identity) = rec.identity {
        map_identity(f, identity);
    }
    classify(f, opt(&rec.operation_name), opt(&rec.category));
    if let Some(raw) = rec.properties {
        map_properties(f, raw);
    }
    Ok(ev)
}

/// `identity` is an object (`claims` of the caller's token, `authorization`
/// of the RBAC decision) or, in some categories, a plain string.
fn map_identity(f: &mut Fields, raw: &RawValue) {
    let Ok(identity) = serde_json::from_str::<Value>(raw.get()) else {
        return;
    };
    let claims = match identity {
        Value::String(s) => {
            f.set_str("azure.activitylogs.identity_name", Some(&s));
            return;
        }
        Value::Object(mut m) => {
            if let Some(auth) = m.remove("authorization") {
                set_flat(
                    f,
                    "azure.activitylogs.identity.authorization",
                    snake_keys(auth),
                );
            }
            m.remove("claims")
        }
        _ => None,
    };
    let Some(claims) = claims else { return };
    let claim = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let upn = claim(CLAIM_UPN)
        .or_else(|| claim("upn"))
        .or_else(|| claim(CLAIM_NAME))
        .or_else(|| claim("unique_name"));
    match (upn, claim("appid")) {
        (Some(upn), _) => set_upn(f, upn),
        // An application (service principal) acting on its own.
        (None, Some(app)) => {
            f.set(ecs::USER_NAME, app);
            f.push_unique(ecs::RELATED_USER, app);
        }
        _ => {}
    }
    f.set_str(ecs::USER_FULL_NAME, claim("name"));
    f.set_str(ecs::USER_ID, claim(CLAIM_OID).or_else(|| claim("oid")));
    if f.get("azure.tenant_id").is_none() {
        f.set_str(
            "azure.tenant_id",
            claim(CLAIM_TENANT).or_else(|| claim("tid")),
        );
    }
    set_flat(f, "azure.activitylogs.identity.claims", claims);
}

/// `event.category`/`event.type` from the operation: role assignments and
/// definitions are `iam`, other administrative operations `configuration`;
/// the `/write`, `/delete`, `/read`, `/action` suffix gives the type.
fn classify(f: &mut Fields, operation: Option<&str>, category: Option<&str>) {
    let op = operation.unwrap_or("").to_ascii_lowercase();
    let cat = category.unwrap_or("").to_ascii_lowercase();
    if op.starts_with("microsoft.authorization/") {
        f.push_unique(ecs::EVENT_CATEGORY, "iam");
    } else if matches!(
        cat.as_str(),
        "administrative" | "policy" | "autoscale" | "write" | "delete" | "action"
    ) {
        f.push_unique(ecs::EVENT_CATEGORY, "configuration");
    }
    let suffix = op.rsplit('/').next().unwrap_or("");
    let kind = match (suffix, cat.as_str()) {
        ("write", _) | (_, "write") => Some("change"),
        ("delete", _) | (_, "delete") => Some("deletion"),
        ("read", _) | (_, "read") => Some("access"),
        ("action", _) | (_, "action") => Some("change"),
        _ => None,
    };
    if let Some(k) = kind {
        f.push_unique(ecs::EVENT_TYPE, k);
    }
}

/// `properties` keys are snake-cased and flattened under
/// `azure.activitylogs.properties`. `requestbody`/`responseBody` hold JSON
/// as a string or as an object depending on the service: both become the
/// JSON text (`request_body`/`response_body`), so the field has one type.
fn map_properties(f: &mut Fields, raw: &RawValue) {
    // properties itself is sometimes a string holding the JSON object.
    let decoded: Option<String> = if raw.get().trim_start().starts_with('"') {
        serde_json::from_str::<Str<'_>>(raw.get())
            .ok()
            .map(|s| s.0.into_owned())
    } else {
        None
    };
    let text = decoded.as_deref().unwrap_or(raw.get());
    let Ok(map) = serde_json::from_str::<BTreeMap<String, &RawValue>>(text) else {
        f.set_str("azure.activitylogs.properties_text", Some(text));
        return;
    };
    for (key, value) in map {
        let name = match key.to_ascii_lowercase().as_str() {
            "requestbody" => Some("request_body"),
            "responsebody" => Some("response_body"),
            _ => None,
        };
        if let Some(name) = name {
            let body = if value.get().trim_start().starts_with('"') {
                serde_json::from_str::<Str<'_>>(value.get())
                    .map(|s| s.0.into_owned())
                    .unwrap_or_default()
            } else {
                value.get().trim().to_owned()
            };
            if !body.is_empty() && body != "null" {
                f.set(format!("{PREFIX}.properties.{name}"), body);
            }
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(value.get()) {
            let key = format!("{PREFIX}.properties.{}", snake_case(&key).replace('.', "_"));
            set_flat(f, &key, snake_keys(v));
        }
    }
}
