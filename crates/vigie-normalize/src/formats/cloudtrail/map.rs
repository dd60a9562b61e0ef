//! Mapping of one parsed CloudTrail event ([`CtRecord`]) to an [`Event`].
//!
//! The field names follow Elastic's CloudTrail integration so that
//! searches and rules written against it work on vigie's events; see
//! `docs/datasets/aws.cloudtrail.md` for the table and the differences.

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::categorize::categorize;
use super::model::{CtRecord, RequestNames, Resource, Text, UserIdentity};
use crate::json::is_ip;
use crate::NormalizeError;

pub const DATASET: &str = "aws.cloudtrail";

/// Elastic keeps a flattened copy of the API-specific objects only when
/// their text is shorter than this (the keyword limit of Elasticsearch).
const FLATTENED_MAX: usize = 32766;

/// The event's time: `eventTime`, else the `@timestamp` a shipper added,
/// else `fallback` (the EventBridge envelope's `time`).
fn timestamp(rec: &CtRecord<'_>, fallback: Option<&str>) -> Result<Timestamp, NormalizeError> {
    let (field, text) = if let Some(t) = rec.event_time.get() {
        ("eventTime", t)
    } else if let Some(t) = rec.at_timestamp.get() {
        ("@timestamp", t)
    } else if let Some(t) = fallback {
        ("time", t)
    } else {
        return Err(NormalizeError::MissingField("eventTime"));
    };
    Timestamp::parse_rfc3339(text).map_err(|e| NormalizeError::invalid(field, e.to_string()))
}

/// Builds the event for `rec`, whose verbatim text is `original`.
pub fn to_event(
    rec: &CtRecord<'_>,
    original: &str,
    fallback_time: Option<&str>,
) -> Result<Event, NormalizeError> {
    if !rec.looks_like_event() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "none of eventVersion, eventName, eventSource is present".into(),
        });
    }
    let ts = timestamp(rec, fallback_time)?;
    // A CloudTrail event maps to 30 to 45 fields: allocate once.
    let mut fields = Fields::with_capacity(48);
    fields.set(ecs::EVENT_DATASET, DATASET);
    let mut ev = Event {
        timestamp: ts,
        fields,
        original: original.to_owned(),
    };
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    f.set(ecs::CLOUD_PROVIDER, "aws");
    f.set_str("aws.cloudtrail.event_version", rec.event_version.get());
    f.set_str(ecs::EVENT_ID, rec.event_id.get());
    f.set_str(ecs::EVENT_PROVIDER, rec.event_source.get());
    f.set_str(ecs::EVENT_ACTION, rec.event_name.get());
    f.set_str("aws.cloudtrail.event_category", rec.event_category.get());
    f.set_str(ecs::CLOUD_REGION, rec.aws_region.get());

    if let Some(id) = &rec.user_identity {
        identity(f, id);
    }
    if f.get(ecs::CLOUD_ACCOUNT_ID).is_none() {
        f.set_str(ecs::CLOUD_ACCOUNT_ID, rec.recipient_account_id.get());
    }
    source(f, rec.source_ip_address.get());
    f.set_str(ecs::USER_AGENT_ORIGINAL, rec.user_agent.get());
    f.set_str("aws.cloudtrail.error_code", rec.error_code.get());
    f.set_str("aws.cloudtrail.error_message", rec.error_message.get());

    // requestParameters is in nearly every event: only its JSON text is
    // kept (building the flattened copy costs about 15% of the throughput,
    // see the dataset doc); the few keys mapped to ECS are read directly.
    if let Some(raw) = rec.request_parameters {
        request_parameters(f, raw);
    }
    let response = api_object(f, RESPONSE, rec.response_elements);
    let additional = api_object(f, ADDITIONAL, rec.additional_event_data);
    let service = api_object(f, SERVICE, rec.service_event_details);

    f.set_str("aws.cloudtrail.request_id", rec.request_id.get());
    f.set_str("aws.cloudtrail.event_type", rec.event_type.get());
    f.set_str("aws.cloudtrail.api_version", rec.api_version.get());
    set_bool(f, "aws.cloudtrail.management_event", &rec.management_event);
    set_bool(f, "aws.cloudtrail.read_only", &rec.read_only);
    if let Some(raw) = rec.resources {
        resources(f, raw);
    }
    f.set_str(
        "aws.cloudtrail.recipient_account_id",
        rec.recipient_account_id.get(),
    );
    f.set_str("aws.cloudtrail.shared_event_id", rec.shared_event_id.get());
    f.set_str("aws.cloudtrail.vpc_endpoint_id", rec.vpc_endpoint_id.get());
    f.set_str(
        "aws.cloudtrail.session_credential_from_console",
        rec.session_credential_from_console.get(),
    );
    if let Some(tls) = &rec.tls_details {
        if let Some((proto, version)) = tls.tls_version.get().and_then(|v| v.split_once('v')) {
            if !proto.is_empty() {
                f.set(ecs::TLS_VERSION_PROTOCOL, proto.to_ascii_lowercase());
            }
            f.set_str(ecs::TLS_VERSION, Some(version));
        }
        f.set_str(ecs::TLS_CIPHER, tls.cipher_suite.get());
        f.set_str(
            ecs::TLS_CLIENT_SERVER_NAME,
            tls.client_provided_host_header.get(),
        );
    }

    if let Some(resp) = &response {
        f.set_str(ecs::GROUP_ID, str_in(resp, &["group", "groupId"]));
        f.set_str(ecs::USER_TARGET_ID, str_in(resp, &["user", "userId"]));
    }

    let action = rec.event_name.get().unwrap_or("");
    let console_login = action == "ConsoleLogin";
    if console_login {
        if let Some(aed) = &additional {
            console_login_data(f, aed);
        }
    }
    let failed = rec.error_code.get().is_some() || rec.error_message.get().is_some();
    let mut outcome = if failed {
        ecs::outcome::FAILURE
    } else {
        ecs::outcome::SUCCESS
    };
    if console_login {
        match response.as_ref().and_then(|r| str_in(r, &["ConsoleLogin"])) {
            Some(v) if v.eq_ignore_ascii_case("success") => outcome = ecs::outcome::SUCCESS,
            Some(v) if v.eq_ignore_ascii_case("failure") => outcome = ecs::outcome::FAILURE,
            _ => {}
        }
    }
    f.set(ecs::EVENT_OUTCOME, outcome);
    for (keys, value) in [
        (RESPONSE, response),
        (ADDITIONAL, additional),
        (SERVICE, service),
    ] {
        if let Some(v) = value {
            f.set(keys.1, v);
        }
    }
    match categorize(action) {
        Some((categories, types)) => {
            f.set(ecs::EVENT_CATEGORY, strs(categories));
            f.set(ecs::EVENT_TYPE, strs(types));
        }
        None => f.set(ecs::EVENT_TYPE, strs(&["info"])),
    }
    Ok(ev)
}

fn strs(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(*s)).collect())
}

fn identity(f: &mut Fields, id: &UserIdentity<'_>) {
    f.set_str("aws.cloudtrail.user_identity.type", id.kind.get());
    f.push_unique(ecs::RELATED_USER, id.user_name.get());
    f.set_str(ecs::USER_NAME, id.user_name.get());
    f.set_str(ecs::USER_ID, id.principal_id.get());
    f.set_str("aws.cloudtrail.user_identity.arn", id.arn.get());
    f.set_str(ecs::CLOUD_ACCOUNT_ID, id.account_id.get());
    f.set_str(
        "aws.cloudtrail.user_identity.access_key_id",
        id.access_key_id.get(),
    );
    f.set_str(
        "aws.cloudtrail.user_identity.invoked_by",
        id.invoked_by.get(),
    );
    for v in [
        id.arn.get(),
        id.identity_provider.get(),
        id.principal_id.get(),
    ] {
        f.push_unique(ecs::RELATED_ENTITY, v);
    }
    if let Some(ctx) = &id.session_context {
        if let Some(attrs) = &ctx.attributes {
            f.set_str(
                "aws.cloudtrail.user_identity.session_context.mfa_authenticated",
                attrs.mfa_authenticated.get(),
            );
            // Only full RFC 3339 dates are kept; the basic ISO 8601 form
            // (`20131102T010628Z`) is dropped, as Elastic's pipeline does.
            if let Some(t) = attrs
                .creation_date
                .get()
                .and_then(|s| Timestamp::parse_rfc3339(s).ok())
            {
                f.set(
                    "aws.cloudtrail.user_identity.session_context.creation_date",
                    t.to_rfc3339(),
                );
            }
        }
        if let Some(iss) = &ctx.session_issuer {
            f.set_str(
                "aws.cloudtrail.user_identity.session_context.session_issuer.type",
                iss.kind.get(),
            );
            // The role name replaces the session's user name (assumed roles).
            f.set_str(ecs::USER_NAME, iss.user_name.get());
            f.set_str(
                "aws.cloudtrail.user_identity.session_context.session_issuer.principal_id",
                iss.principal_id.get(),
            );
            f.set_str(
                "aws.cloudtrail.user_identity.session_context.session_issuer.arn",
                iss.arn.get(),
            );
            f.set_str(
                "aws.cloudtrail.user_identity.session_context.session_issuer.account_id",
                iss.account_id.get(),
            );
            f.push_unique(ecs::RELATED_ENTITY, iss.arn.get());
            f.push_unique(ecs::RELATED_ENTITY, iss.user_name.get());
        }
        f.set_str(
            "aws.cloudtrail.user_identity.session_context.source_identity",
            ctx.source_identity.get(),
        );
        if let Some(web) = &ctx.web_id_federation_data {
            f.push_unique(ecs::RELATED_ENTITY, web.federated_provider.get());
        }
    }
    f.push_unique(ecs::RELATED_ENTITY, id.user_name.get());
}

/// `sourceIPAddress` is an IP address, or the DNS name of the AWS service
/// that acted (`ec2.amazonaws.com`), or a label such as `AWS Internal`.
fn source(f: &mut Fields, addr: Option<&str>) {
    let Some(addr) = addr else { return };
    f.set(ecs::SOURCE_ADDRESS, addr);
    if is_ip(addr) {
        f.set(ecs::SOURCE_IP, addr);
        f.push_unique(ecs::RELATED_IP, addr);
    } else if addr.contains('.') && !addr.contains(char::is_whitespace) {
        f.set(ecs::SOURCE_DOMAIN, addr);
    }
}

/// `(string copy, flattened copy)` field names of the API-specific objects.
type ApiKeys = (&'static str, &'static str);
const RESPONSE: ApiKeys = (
    "aws.cloudtrail.response_elements",
    "aws.cloudtrail.flattened.response_elements",
);
const ADDITIONAL: ApiKeys = (
    "aws.cloudtrail.additional_eventdata",
    "aws.cloudtrail.flattened.additional_eventdata",
);
const SERVICE: ApiKeys = (
    "aws.cloudtrail.service_event_details",
    "aws.cloudtrail.flattened.service_event_details",
);

/// Keeps an API-specific object as its JSON text under `keys.0` (unless it
/// holds nothing but nulls and empty values), and returns it parsed and
/// pruned when it is small enough for the flattened copy the caller
/// stores under `keys.1`.
fn api_object(f: &mut Fields, keys: ApiKeys, raw: Option<&RawValue>) -> Option<Value> {
    let text = raw?.get();
    if text.len() >= FLATTENED_MAX {
        f.set(keys.0, text);
        return None;
    }
    let mut value: Value = serde_json::from_str(text).ok()?;
    if prune(&mut value) {
        // `{}` or only nulls inside: nothing to keep, as in Elastic.
        return None;
    }
    f.set(keys.0, text);
    Some(value)
}

/// `requestParameters`: its JSON text (unless it holds nothing), and the
/// IAM names it may carry (`userName`, `newUserName`, `groupName`).
fn request_parameters(f: &mut Fields, raw: &RawValue) {
    let text = raw.get();
    if matches!(text, "{}" | "null" | "") {
        return;
    }
    f.set("aws.cloudtrail.request_parameters", text);
    let Ok(req) = serde_json::from_str::<RequestNames<'_>>(text) else {
        return;
    };
    let (user, new_user) = (req.user_name.get(), req.new_user_name.get());
    f.push_unique(ecs::RELATED_USER, user);
    f.push_unique(ecs::RELATED_USER, new_user);
    f.set_str(ecs::USER_TARGET_NAME, user);
    f.set_str(ecs::USER_CHANGES_NAME, new_user);
    f.set_str(ecs::GROUP_NAME, req.group_name.get());
}

/// Removes nulls, empty strings and empty containers; true if `v` itself
/// is now empty.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => {
            items.retain_mut(|x| !prune(x));
            items.is_empty()
        }
        Value::Object(map) => {
            map.retain(|_, x| !prune(x));
            map.is_empty()
        }
        _ => false,
    }
}

/// A non-empty string at a path inside a parsed API object.
fn str_in<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    crate::json::str_at(v, path)
}

fn set_bool(f: &mut Fields, key: &'static str, t: &Text<'_>) {
    match t.get() {
        Some(s) if s.eq_ignore_ascii_case("true") => f.set(key, true),
        Some(s) if s.eq_ignore_ascii_case("false") => f.set(key, false),
        _ => {}
    }
}

/// `resources[]` as `{arn, account_id, type}` objects, duplicates removed;
/// each ARN is also a `related.entity`.
fn resources(f: &mut Fields, raw: &RawValue) {
    let Ok(list) = serde_json::from_str::<Vec<Resource<'_>>>(raw.get()) else {
        return;
    };
    let mut out: Vec<Value> = Vec::with_capacity(list.len());
    for r in &list {
        let mut m = Map::new();
        for (k, v) in [
            ("arn", &r.arn),
            ("account_id", &r.account_id),
            ("type", &r.kind),
        ] {
            if let Some(s) = v.get() {
                m.insert(k.to_owned(), Value::from(s));
            }
        }
        let item = Value::Object(m);
        if !out.contains(&item) && item.as_object().is_some_and(|m| !m.is_empty()) {
            out.push(item);
        }
        f.push_unique(ecs::RELATED_ENTITY, r.arn.get());
    }
    if !out.is_empty() {
        f.set("aws.cloudtrail.resources", Value::Array(out));
    }
}

/// `additionalEventData` of a ConsoleLogin: `No` means false, any other
/// value true (as Elastic reads it).
fn console_login_data(f: &mut Fields, aed: &Value) {
    if let Some(v) = str_in(aed, &["MobileVersion"]) {
        f.set(
            "aws.cloudtrail.console_login.additional_eventdata.mobile_version",
            v != "No",
        );
    }
    f.set_str(
        "aws.cloudtrail.console_login.additional_eventdata.login_to",
        str_in(aed, &["LoginTo"]),
    );
    if let Some(v) = str_in(aed, &["MFAUsed"]) {
        f.set(
            "aws.cloudtrail.console_login.additional_eventdata.mfa_used",
            v != "No",
        );
    }
    f.push_unique(ecs::RELATED_ENTITY, str_in(aed, &["MFAIdentifier"]));
}
