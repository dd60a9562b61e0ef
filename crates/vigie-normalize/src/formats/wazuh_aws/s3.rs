//! `aws.source: s3_server_access`: one S3 server access log line, split
//! into named keys by the Wazuh wodle (all values are strings, `-` for
//! absent).

use serde_json::Value;
use vigie_event::{ecs, Timestamp};

use super::{arn_user_name, Mapped};
use crate::json::str_at;
use crate::NormalizeError;

/// A value of the access log, `None` for the `-` placeholder.
fn get<'a>(aws: &'a Value, key: &str) -> Option<&'a str> {
    str_at(aws, &[key]).filter(|s| *s != "-")
}

pub(super) fn map(aws: &Value) -> Result<Mapped, NormalizeError> {
    let time = get(aws, "time").ok_or(NormalizeError::MissingField("aws.time"))?;
    let ts = parse_clf_time(time).ok_or_else(|| {
        NormalizeError::invalid(
            "aws.time",
            format!("expected `DD/Mon/YYYY:HH:MM:SS +ZZZZ`, got `{time}`"),
        )
    })?;
    let mut m = Mapped::new(ts);
    m.s(ecs::EVENT_KIND, Some("event"));
    m.related(ecs::EVENT_CATEGORY, "web");
    m.related(ecs::EVENT_TYPE, "access");
    m.s(ecs::EVENT_ACTION, get(aws, "operation"));
    m.s(ecs::EVENT_ID, get(aws, "request_id"));
    m.source_ip(get(aws, "remote_ip"));
    if let Some(req) = get(aws, "requester") {
        m.s("user.id", Some(req));
        m.user_name(arn_user_name(req));
        if let Some(account) = req
            .strip_prefix("arn:aws:iam::")
            .and_then(|r| r.split(':').next())
        {
            m.s(ecs::CLOUD_ACCOUNT_ID, Some(account));
        }
    }
    let status = get(aws, "http_status").and_then(|s| s.parse::<u16>().ok());
    if let Some(status) = status {
        m.v(ecs::HTTP_RESPONSE_STATUS_CODE, status);
    }
    let error = get(aws, "error_code");
    m.s(ecs::ERROR_CODE, error);
    let failed = error.is_some() || status.is_some_and(|s| s >= 400);
    if status.is_some() || error.is_some() {
        m.s(
            ecs::EVENT_OUTCOME,
            Some(if failed { "failure" } else { "success" }),
        );
    }
    m.s("aws.s3.bucket.name", get(aws, "bucket"));
    m.s("aws.s3.object.key", get(aws, "key"));
    if let Some(uri) = get(aws, "request_uri") {
        let mut parts = uri.splitn(3, ' ');
        if let (Some(method), Some(target)) = (parts.next(), parts.next()) {
            m.s("http.request.method", Some(method));
            m.s("url.original", Some(target));
            if let Some(v) = parts.next().and_then(|p| p.strip_prefix("HTTP/")) {
                m.s("http.version", Some(v));
            }
        }
        m.s("aws.s3access.request_uri", Some(uri));
    }
    m.s(ecs::USER_AGENT_ORIGINAL, get(aws, "user_agent"));
    m.s("http.request.referrer", get(aws, "referer"));
    m.s("url.domain", get(aws, "host_header"));
    if let Some(n) = get(aws, "bytes_sent").and_then(|s| s.parse::<u64>().ok()) {
        m.v("http.response.body.bytes", n);
    }
    if let Some(ms) = get(aws, "total_time").and_then(|s| s.parse::<i64>().ok()) {
        m.v(ecs::EVENT_DURATION, ms.saturating_mul(1_000_000));
    }
    m.s("tls.cipher", get(aws, "cipher_suite"));
    if let Some(v) = get(aws, "tls_version").and_then(|t| t.strip_prefix("TLSv")) {
        m.s("tls.version", Some(v));
        m.s("tls.version_protocol", Some("tls"));
    }
    for (key, field) in [
        ("bucket_owner", "aws.s3access.bucket_owner"),
        ("object_sent", "aws.s3access.object_size"),
        ("turn_around_time", "aws.s3access.turn_around_time"),
        ("version_id", "aws.s3access.version_id"),
        ("host_id", "aws.s3access.host_id"),
        ("signature_version", "aws.s3access.signature_version"),
        ("authentication_type", "aws.s3access.authentication_type"),
    ] {
        m.s(field, get(aws, key));
    }
    Ok(m)
}

/// Parses the Common Log Format time `29/Apr/2021:08:47:53 +0000`.
pub(crate) fn parse_clf_time(s: &str) -> Option<Timestamp> {
    let (date_time, zone) = s.split_once(' ')?;
    let mut it = date_time.splitn(4, [':', '/']);
    let (day, mon, year) = (it.next()?, it.next()?, it.next()?);
    let hms = it.next()?;
    let mut t = hms.splitn(3, ':');
    let (h, mi, sec) = (t.next()?, t.next()?, t.next()?);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == mon)? as u32
        + 1;
    let num = |x: &str| -> Option<u32> {
        if x.is_empty() || x.len() > 4 || !x.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        x.parse().ok()
    };
    let zone = zone.trim();
    let (sign, z) = match zone.as_bytes().first()? {
        b'+' => ('+', zone.get(1..)?),
        b'-' => ('-', zone.get(1..)?),
        _ => return None,
    };
    if z.len() != 4 {
        return None;
    }
    let (zh, zm) = (num(z.get(..2)?)?, num(z.get(2..)?)?);
    let text = format!(
        "{:04}-{month:02}-{:02}T{:02}:{:02}:{:02}{sign}{zh:02}:{zm:02}",
        num(year)?,
        num(day)?,
        num(h)?,
        num(mi)?,
        num(sec)?
    );
    Timestamp::parse_rfc3339(&text).ok()
}
