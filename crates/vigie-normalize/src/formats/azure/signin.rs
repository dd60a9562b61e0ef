//! `azure.signinlogs`: Microsoft Entra ID sign-in logs (categories
//! `SignInLogs`, `NonInteractiveUserSignInLogs`,
//! `ServicePrincipalSignInLogs`, `ManagedIdentitySignInLogs`, ...).

use serde_json::Value;
use vigie_event::{ecs, Event, Fields};

use super::common::{
    base_event, opt, parse_time, properties_value, scalar_text, set_flat, set_source, set_upn,
    snake_keys, Record,
};
use crate::json::{i64_at, str_at, text_at};
use crate::NormalizeError;

pub(crate) const DATASET: &str = "azure.signinlogs";
const PREFIX: &str = "azure.signinlogs";

pub(crate) fn map(rec: &Record<'_>, original: &str) -> Result<Event, NormalizeError> {
    let props = properties_value(rec.properties).filter(Value::is_object);
    let p = props.as_ref();
    let ts = match (
        opt(&rec.time),
        p.and_then(|p| str_at(p, &["createdDateTime"])),
    ) {
        (Some(t), _) => parse_time("time", t)?,
        (None, Some(t)) => parse_time("properties.createdDateTime", t)?,
        (None, None) => return Err(NormalizeError::MissingField("time")),
    };
    let mut ev = base_event(DATASET, PREFIX, rec, ts, original);
    let f = &mut ev.fields;
    f.push_unique(ecs::EVENT_CATEGORY, "authentication");
    f.push_unique(ecs::EVENT_TYPE, "info");
    if let Some(identity) = rec.identity.and_then(scalar_text) {
        f.set(format!("{PREFIX}.identity"), identity.into_owned());
    }

    // The sign-in's own IP first; callerIpAddress is the same in practice.
    let own_ip = p.and_then(|p| str_at(p, &["ipAddress"]));
    let caller = opt(&rec.caller_ip);
    let found = own_ip.is_some_and(|ip| set_source(f, ip));
    if let Some(c) = caller {
        if !found {
            set_source(f, c);
        } else if crate::json::is_ip(c) {
            f.push_unique(ecs::RELATED_IP, c);
        }
    }

    let error_code = p.and_then(|p| i64_at(p, &["status", "errorCode"]));
    let result_code = rec
        .result_type
        .and_then(scalar_text)
        .and_then(|r| r.trim().parse::<i64>().ok());
    let outcome = match error_code.or(result_code) {
        Some(0) => ecs::outcome::SUCCESS,
        Some(_) => ecs::outcome::FAILURE,
        None => ecs::outcome::UNKNOWN,
    };
    f.set(ecs::EVENT_OUTCOME, outcome);
    if let Some(code) = error_code.or(result_code).filter(|c| *c != 0) {
        f.set(ecs::ERROR_CODE, code.to_string());
    }

    if let Some(p) = p {
        map_properties(f, p);
    }
    if let Some(country) = opt(&rec.location) {
        f.set_default("source.geo.country_iso_code", country);
    }
    if let Some(props) = props {
        let mut props = snake_keys(props);
        if let Value::Object(m) = &mut props {
            for (from, to) in [
                ("created_date_time", "created_at"),
                ("processing_time_in_milliseconds", "processing_time_ms"),
                ("risk_level_during_sign_in", "risk_level_during_signin"),
            ] {
                if let Some(v) = m.remove(from) {
                    m.insert(to.to_owned(), v);
                }
            }
        }
        set_flat(f, &format!("{PREFIX}.properties"), props);
    }
    Ok(ev)
}

fn map_properties(f: &mut Fields, p: &Value) {
    match str_at(p, &["userPrincipalName"]) {
        Some(upn) => set_upn(f, upn),
        None => {
            // Service principal and managed identity sign-ins.
            if let Some(sp) = str_at(p, &["servicePrincipalName"]) {
                f.set(ecs::USER_NAME, sp);
                f.push_unique(ecs::RELATED_USER, sp);
            }
        }
    }
    f.set_str(
        ecs::USER_ID,
        str_at(p, &["userId"]).or_else(|| str_at(p, &["servicePrincipalId"])),
    );
    f.set_str(ecs::USER_FULL_NAME, str_at(p, &["userDisplayName"]));
    f.set_str(ecs::EVENT_ID, str_at(p, &["id"]));
    f.set_str(ecs::USER_AGENT_ORIGINAL, str_at(p, &["userAgent"]));
    let reason = str_at(p, &["status", "failureReason"]);
    let details = str_at(p, &["status", "additionalDetails"]);
    let message = match (reason, details) {
        (Some(r), Some(d)) => Some(format!("{r} ({d})")),
        (Some(m), None) | (None, Some(m)) => Some(m.to_owned()),
        (None, None) => None,
    };
    f.set_str(ecs::MESSAGE, message.as_deref());
    if let Some(r) = reason {
        f.set(ecs::ERROR_MESSAGE, r);
    }
    // Entra's own geolocation of the sign-in address.
    f.set_str("source.geo.city_name", str_at(p, &["location", "city"]));
    f.set_str("source.geo.region_name", str_at(p, &["location", "state"]));
    f.set_str(
        "source.geo.country_iso_code",
        str_at(p, &["location", "countryOrRegion"]),
    );
    let lat = p
        .pointer("/location/geoCoordinates/latitude")
        .and_then(Value::as_f64);
    let lon = p
        .pointer("/location/geoCoordinates/longitude")
        .and_then(Value::as_f64);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        f.set(
            "source.geo.location",
            serde_json::json!({"lat": lat, "lon": lon}),
        );
    }
    if let Some(asn) = text_at(p, &["autonomousSystemNumber"]).and_then(|s| s.parse::<i64>().ok()) {
        f.set("source.as.number", asn);
    }
}
