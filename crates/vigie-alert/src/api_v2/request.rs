//! Reading the bodies of `POST /api/v2/alerts` and `POST /api/v2/silences`
//! and the HTTP answers Alertmanager 0.25 gives.
//!
//! Alertmanager's generated server first decodes the JSON (an empty body
//! is a missing required body, 422; undecodable JSON, wrong types and
//! unreadable dates are a parse error, 400), then checks the OpenAPI
//! schema (required fields: 422, first problem only), then the handler runs
//! Alertmanager's own checks (400, message as a JSON string).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use vigie_event::Timestamp;

use super::{ApiMatcher, PostableAlert, PostableSilence};
use crate::alert::{prepare_posted_alerts, Alert, PostedAlert};
use crate::labels::LabelSet;
use crate::matcher::{Matcher, Matchers};
use crate::silence::{Silence, SilenceError, Silences};

/// An HTTP answer: status code and JSON body (`None`: no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAnswer {
    pub status: u16,
    pub body: Option<Value>,
}

impl ApiAnswer {
    /// 200 with `body`.
    pub fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body: Some(body),
        }
    }

    /// A go-swagger error: `{"code": status, "message": ...}`.
    pub fn swagger_error(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Some(json!({"code": status, "message": message.into()})),
        }
    }

    /// An Alertmanager handler error: the message as a JSON string.
    pub fn handler_error(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Some(Value::String(message.into())),
        }
    }

    /// A missing required value (422).
    pub fn required(path: &str, place: &str) -> Self {
        Self::swagger_error(422, format!("{path} in {place} is required"))
    }
}

/// Decodes `body` as the parameter `name`, the first step of a request.
fn decode(name: &str, body: &[u8]) -> Result<Value, ApiAnswer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiAnswer::required(name, "body"));
    }
    serde_json::from_slice(body).map_err(|e| parse_error(name, &e))
}

fn parse_error(name: &str, reason: &serde_json::Error) -> ApiAnswer {
    ApiAnswer::swagger_error(
        400,
        format!("parsing {name} body from \"\" failed, because {reason}"),
    )
}

fn typed<T: DeserializeOwned>(name: &str, value: Value) -> Result<T, ApiAnswer> {
    serde_json::from_value(value).map_err(|e| parse_error(name, &e))
}

/// A posted alert as decoded, before the schema check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecodedAlert {
    #[serde(default)]
    annotations: Option<LabelSet>,
    #[serde(default, deserialize_with = "super::opt_alert_time::deserialize")]
    ends_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "super::opt_alert_time::deserialize")]
    starts_at: Option<Timestamp>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    #[serde(default)]
    labels: Option<LabelSet>,
}

/// Reads a `POST /api/v2/alerts` body (`null` items are skipped, as
/// go-swagger does).
pub fn parse_postable_alerts(body: &[u8]) -> Result<Vec<PostableAlert>, ApiAnswer> {
    // Straight into the typed form (labels borrow from the body where they
    // can); only a body that fails goes the two-step way, whose messages
    // tell a JSON error from a wrong type as the API always has.
    let items: Vec<Option<DecodedAlert>> = match serde_json::from_slice(body) {
        Ok(items) => items,
        Err(_) => typed("alerts", decode("alerts", body)?)?,
    };
    let mut alerts = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let Some(item) = item else {
            continue;
        };
        let Some(labels) = item.labels else {
            return Err(ApiAnswer::required(&format!("{index}.labels"), "body"));
        };
        alerts.push(PostableAlert {
            annotations: item.annotations.unwrap_or_default(),
            ends_at: item.ends_at,
            starts_at: item.starts_at,
            generator_url: item.generator_url.unwrap_or_default(),
            labels,
        });
    }
    Ok(alerts)
}

/// Applies the API's defaults and checks to posted alerts: the valid ones
/// to store, and the answer (200 without body, or 400 naming every invalid
/// alert while the valid ones are still stored).
pub fn accept_alerts(
    posted: Vec<PostableAlert>,
    now: Timestamp,
    resolve_timeout: Duration,
) -> (Vec<Alert>, ApiAnswer) {
    let posted = posted.into_iter().map(|p| PostedAlert {
        labels: p.labels,
        annotations: p.annotations,
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        generator_url: p.generator_url,
    });
    let prepared = prepare_posted_alerts(posted, now, resolve_timeout);
    let answer = match prepared.error_message() {
        Some(message) => ApiAnswer::handler_error(400, message),
        None => ApiAnswer {
            status: 200,
            body: None,
        },
    };
    (prepared.valid, answer)
}

/// A posted silence as decoded, before the schema check.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecodedSilence {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default, with = "super::opt_api_time")]
    ends_at: Option<Timestamp>,
    #[serde(default)]
    matchers: Option<Vec<Option<DecodedMatcher>>>,
    #[serde(default, with = "super::opt_api_time")]
    starts_at: Option<Timestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecodedMatcher {
    #[serde(default)]
    is_equal: Option<bool>,
    #[serde(default)]
    is_regex: Option<bool>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

/// Reads a `POST /api/v2/silences` body: decoding first (wrong types and
/// dates are parse errors), then the schema in go-swagger's order
/// (comment, createdBy, endsAt, matchers, startsAt).
pub fn parse_postable_silence(body: &[u8]) -> Result<PostableSilence, ApiAnswer> {
    let decoded: DecodedSilence = typed("silence", decode("silence", body)?)?;
    let comment = decoded
        .comment
        .ok_or_else(|| ApiAnswer::required("comment", "body"))?;
    let created_by = decoded
        .created_by
        .ok_or_else(|| ApiAnswer::required("createdBy", "body"))?;
    let ends_at = decoded
        .ends_at
        .ok_or_else(|| ApiAnswer::required("endsAt", "body"))?;
    let listed = decoded
        .matchers
        .ok_or_else(|| ApiAnswer::required("matchers", "body"))?;
    if listed.is_empty() {
        return Err(ApiAnswer::swagger_error(
            422,
            "matchers in body should have at least 1 items",
        ));
    }
    let mut matchers = Vec::with_capacity(listed.len());
    for (index, matcher) in listed.into_iter().enumerate() {
        let Some(m) = matcher else {
            continue;
        };
        let missing =
            |field: &str| ApiAnswer::required(&format!("matchers.{index}.{field}"), "body");
        let is_regex = m.is_regex.ok_or_else(|| missing("isRegex"))?;
        let name = m.name.ok_or_else(|| missing("name"))?;
        let value = m.value.ok_or_else(|| missing("value"))?;
        matchers.push(ApiMatcher {
            is_equal: m.is_equal.unwrap_or(true),
            is_regex,
            name,
            value,
        });
    }
    let starts_at = decoded
        .starts_at
        .ok_or_else(|| ApiAnswer::required("startsAt", "body"))?;
    Ok(PostableSilence {
        id: decoded.id.unwrap_or_default(),
        comment,
        created_by,
        ends_at,
        matchers,
        starts_at,
    })
}

/// Creates or updates a posted silence as the handler does; answers
/// `{"silenceID": ...}` or the handler's error (404 for an unknown id).
pub fn post_silence(silences: &mut Silences, posted: PostableSilence, now: Timestamp) -> ApiAnswer {
    let mut matchers = Vec::with_capacity(posted.matchers.len());
    for (index, m) in posted.matchers.iter().enumerate() {
        match Matcher::new(m.op(), m.name.clone(), m.value.clone()) {
            Ok(built) => matchers.push(built),
            Err(e) => {
                let error = SilenceError::InvalidMatcher {
                    index,
                    reason: e.to_string(),
                };
                return ApiAnswer::handler_error(400, error.to_string());
            }
        }
    }
    if posted.starts_at >= posted.ends_at {
        return ApiAnswer::handler_error(
            400,
            "Failed to create silence: start time must be before end time",
        );
    }
    if posted.ends_at < now {
        return ApiAnswer::handler_error(
            400,
            "Failed to create silence: end time can't be in the past",
        );
    }
    let silence = Silence {
        id: posted.id,
        matchers: Matchers(matchers),
        starts_at: posted.starts_at,
        ends_at: posted.ends_at,
        updated_at: now,
        created_by: posted.created_by,
        comment: posted.comment,
    };
    match silences.set(silence, now) {
        Ok(id) => ApiAnswer::ok(json!({ "silenceID": id })),
        Err(SilenceError::NotFound) => {
            ApiAnswer::handler_error(404, SilenceError::NotFound.to_string())
        }
        Err(e) => ApiAnswer::handler_error(400, e.to_string()),
    }
}

#[cfg(test)]
mod tests;
