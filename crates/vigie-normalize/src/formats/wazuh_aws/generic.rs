//! Every other `aws.source` (`cloudtrail`, `guardduty`, `vpcflow`,
//! `macie`, `config`, ...): the keys those sources share, looked up by
//! name. A CloudTrail record re-emitted by Wazuh has its CloudTrail keys
//! directly under `aws`.

use serde_json::Value;
use vigie_event::{ecs, Timestamp};

use super::{arn_user_name, rfc3339_at, Mapped};
use crate::json::{i64_at, str_at, text_at};
use crate::NormalizeError;

/// Keys holding the event time, in order of preference (RFC 3339).
const TIME_KEYS: [&str; 5] = ["eventTime", "updatedAt", "createdAt", "time", "timestamp"];

pub(super) fn map(aws: &Value) -> Result<Mapped, NormalizeError> {
    let mut ts = None;
    for key in TIME_KEYS {
        if let Some(t) = rfc3339_at(aws, &[key], key)? {
            ts = Some(t);
            break;
        }
    }
    // VPC Flow Logs carry epoch seconds in `start`.
    if ts.is_none() {
        ts = i64_at(aws, &["start"]).and_then(Timestamp::from_secs);
    }
    let ts = ts.ok_or(NormalizeError::MissingField("aws.eventTime"))?;
    let mut m = Mapped::new(ts);
    let is_finding = aws.get("title").is_some() && aws.get("severity").is_some();
    m.s(
        ecs::EVENT_KIND,
        Some(if is_finding { "alert" } else { "event" }),
    );
    // CloudTrail.
    m.s(ecs::EVENT_ACTION, str_at(aws, &["eventName"]));
    m.s(
        ecs::EVENT_ID,
        str_at(aws, &["eventID"]).or(str_at(aws, &["id"])),
    );
    m.s(ecs::CLOUD_SERVICE_NAME, str_at(aws, &["eventSource"]));
    m.source_ip(str_at(aws, &["sourceIPAddress"]));
    m.s(ecs::USER_AGENT_ORIGINAL, str_at(aws, &["userAgent"]));
    m.s(
        ecs::CLOUD_REGION,
        str_at(aws, &["awsRegion"]).or(str_at(aws, &["region"])),
    );
    m.s(
        ecs::CLOUD_ACCOUNT_ID,
        str_at(aws, &["recipientAccountId"])
            .or(str_at(aws, &["accountId"]))
            .or(str_at(aws, &["account_id"])),
    );
    let arn = str_at(aws, &["userIdentity", "arn"]);
    m.s("user.id", arn);
    m.user_name(
        str_at(aws, &["userIdentity", "userName"])
            .or(str_at(
                aws,
                &[
                    "userIdentity",
                    "sessionContext",
                    "sessionIssuer",
                    "userName",
                ],
            ))
            .or_else(|| arn.and_then(arn_user_name)),
    );
    let error = str_at(aws, &["errorCode"]);
    m.s(ecs::ERROR_CODE, error);
    m.s(ecs::ERROR_MESSAGE, str_at(aws, &["errorMessage"]));
    if aws.get("eventName").is_some() {
        m.s(
            ecs::EVENT_OUTCOME,
            Some(if error.is_some() {
                "failure"
            } else {
                "success"
            }),
        );
    }
    // Findings (GuardDuty, Macie, Inspector).
    let title = str_at(aws, &["title"]);
    m.s("message", title);
    m.s(ecs::RULE_NAME, title);
    m.s(ecs::RULE_DESCRIPTION, str_at(aws, &["description"]));
    if let Some(sev) = aws.get("severity").and_then(Value::as_f64) {
        m.v(ecs::EVENT_SEVERITY, sev.round() as i64);
    }
    m.s(ecs::RULE_CATEGORY, str_at(aws, &["type"]));
    // GuardDuty's remote address of the action.
    for kind in [
        "awsApiCallAction",
        "networkConnectionAction",
        "portProbeAction",
    ] {
        m.source_ip(str_at(
            aws,
            &["service", "action", kind, "remoteIpDetails", "ipAddressV4"],
        ));
    }
    m.user_name(str_at(aws, &["resource", "accessKeyDetails", "userName"]));
    // VPC Flow Logs.
    m.source_ip(str_at(aws, &["srcaddr"]).or(str_at(aws, &["source_ip_address"])));
    if let Some(p) = i64_at(aws, &["srcport"]) {
        m.v(ecs::SOURCE_PORT, p);
    }
    if let Some(ip) = str_at(aws, &["dstaddr"]).filter(|ip| crate::json::is_ip(ip)) {
        m.s(ecs::DESTINATION_IP, Some(ip));
        m.related(ecs::RELATED_IP, ip);
    }
    if let Some(p) = i64_at(aws, &["dstport"]) {
        m.v(ecs::DESTINATION_PORT, p);
    }
    if let Some(action) = str_at(aws, &["action"]) {
        m.s(ecs::EVENT_ACTION, Some(action));
    }
    if let Some(n) = text_at(aws, &["protocol"]) {
        m.s(ecs::NETWORK_IANA_NUMBER, Some(&n));
    }
    Ok(m)
}
