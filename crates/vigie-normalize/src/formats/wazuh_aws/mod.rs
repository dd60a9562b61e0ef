//! `wazuh.aws`: the events of Wazuh's AWS integration (the `aws-s3` wodle),
//! `{"integration":"aws","aws":{"source":..., "log_info":{...}, ...}}`.
//!
//! The wodle reads AWS logs from S3 and re-emits each record as JSON with
//! its keys under `aws`; `aws.source` names the service. One dataset covers
//! them all: `event.module` is `aws` and `event.provider` the inner source.
//! - `s3_server_access`: S3 server access logs ([`s3`]);
//! - `securityhub`: Security Hub findings ([`securityhub`]);
//! - anything else (`cloudtrail`, `guardduty`, `vpcflow`, `macie`, ...):
//!   a generic mapping of the keys those sources share ([`generic`]).
//!
//! The values are low volume (findings, access logs), so the record is read
//! into a `serde_json::Value`.

mod generic;
mod s3;
mod securityhub;
#[cfg(test)]
mod tests;

use serde_json::Value;
use vigie_event::{ecs, Event, Timestamp};

use crate::json::str_at;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

pub(crate) const DATASET: &str = "wazuh.aws";

/// The `wazuh.aws` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct WazuhAws;

fn has(record: &str, needle: &str) -> bool {
    memchr::memmem::find(record.as_bytes(), needle.as_bytes()).is_some()
}

impl Normalizer for WazuhAws {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        record.trim_start().starts_with('{')
            && (has(record, "\"integration\":\"aws\"") || has(record, "\"integration\": \"aws\""))
            && has(record, "\"aws\"")
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let v: Value = serde_json::from_str(record)?;
        out.push(to_event(&v, record)?);
        Ok(())
    }
}

/// Maps one parsed record; `record` becomes the event's original.
pub(crate) fn to_event(v: &Value, record: &str) -> Result<Event, NormalizeError> {
    if !v.is_object() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "expected a JSON object".into(),
        });
    }
    match v.get("integration") {
        Some(Value::String(s)) if s == "aws" => {}
        Some(_) => {
            return Err(NormalizeError::invalid(
                "integration",
                "expected the string \"aws\"",
            ))
        }
        None => return Err(NormalizeError::MissingField("integration")),
    }
    let aws = v.get("aws").ok_or(NormalizeError::MissingField("aws"))?;
    if !aws.is_object() {
        return Err(NormalizeError::invalid("aws", "expected an object"));
    }
    let source = str_at(aws, &["source"]);
    let mut m = match source {
        Some("s3_server_access") => s3::map(aws)?,
        Some("securityhub") => securityhub::map(aws)?,
        _ => generic::map(aws)?,
    };
    let mut ev = Event::new(DATASET, m.timestamp, record);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_MODULE, "aws");
    f.set_str(ecs::EVENT_PROVIDER, source);
    f.set(ecs::CLOUD_PROVIDER, "aws");
    f.set_str(
        "wazuh.aws.log_info.s3bucket",
        str_at(aws, &["log_info", "s3bucket"]),
    );
    f.set_str("log.file.path", str_at(aws, &["log_info", "log_file"]));
    f.set_str(
        "wazuh.aws.log_info.aws_account_alias",
        str_at(aws, &["log_info", "aws_account_alias"]),
    );
    for (k, val) in m.fields.drain(..) {
        f.set(k, val);
    }
    Ok(ev)
}

/// What a source mapper produced: the event time and its fields in order
/// (`related.*`, `event.category` and `event.type` values are lists).
pub(crate) struct Mapped {
    pub timestamp: Timestamp,
    pub fields: Vec<(&'static str, Value)>,
}

impl Mapped {
    fn new(timestamp: Timestamp) -> Self {
        Self {
            timestamp,
            fields: Vec::new(),
        }
    }

    /// Adds a string field unless empty.
    fn s(&mut self, key: &'static str, v: Option<&str>) {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            self.fields.push((key, Value::String(v.to_owned())));
        }
    }

    fn v(&mut self, key: &'static str, v: impl Into<Value>) {
        let v = v.into();
        if !v.is_null() {
            self.fields.push((key, v));
        }
    }

    /// Whether `key` was set already.
    fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| *k == key)
    }

    /// A source IP: `source.ip` (if not set yet) and `related.ip`, only
    /// when `ip` is an address.
    fn source_ip(&mut self, ip: Option<&str>) {
        if let Some(ip) = ip.filter(|ip| crate::json::is_ip(ip)) {
            if !self.has(ecs::SOURCE_IP) {
                self.s(ecs::SOURCE_IP, Some(ip));
            }
            self.related(ecs::RELATED_IP, ip);
        }
    }

    /// A user name: `user.name` (if not set yet) and `related.user`.
    fn user_name(&mut self, name: Option<&str>) {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if !self.has(ecs::USER_NAME) {
                self.s(ecs::USER_NAME, Some(name));
            }
            self.related(ecs::RELATED_USER, name);
        }
    }

    /// Appends to the list field `key` unless the value is already there.
    fn related(&mut self, key: &'static str, v: &str) {
        let v = Value::String(v.to_owned());
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, Value::Array(items))) => {
                if !items.contains(&v) {
                    items.push(v);
                }
            }
            _ => self.fields.push((key, Value::Array(vec![v]))),
        }
    }
}

/// The user name in an IAM ARN: the last path segment of a `user/...`
/// resource, the session name of an `assumed-role/<role>/<session>`.
pub(crate) fn arn_user_name(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    let resource = arn.splitn(6, ':').nth(5)?;
    let (kind, rest) = resource.split_once('/')?;
    match kind {
        "user" | "assumed-role" | "federated-user" => {
            rest.rsplit('/').next().filter(|s| !s.is_empty())
        }
        _ => None,
    }
}

/// An RFC 3339 time at `path`, with the field name for errors.
pub(crate) fn rfc3339_at(
    v: &Value,
    path: &[&str],
    field: &str,
) -> Result<Option<Timestamp>, NormalizeError> {
    match str_at(v, path) {
        Some(s) => Timestamp::parse_rfc3339(s)
            .map(Some)
            .map_err(|e| NormalizeError::invalid(field, e.to_string())),
        None => Ok(None),
    }
}
