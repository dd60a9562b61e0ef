//! `aws.source: securityhub`: one AWS Security Finding Format (ASFF)
//! finding under `aws.finding`, as Security Hub exports it to EventBridge.

use serde_json::Value;
use vigie_event::ecs;

use super::{arn_user_name, rfc3339_at, Mapped};
use crate::json::{at, i64_at, str_at};
use crate::NormalizeError;

/// The numeric severity of a Security Hub label (the low end of the
/// label's `Normalized` range).
fn label_score(label: &str) -> Option<i64> {
    Some(match label.to_ascii_uppercase().as_str() {
        "INFORMATIONAL" => 0,
        "LOW" => 1,
        "MEDIUM" => 40,
        "HIGH" => 70,
        "CRITICAL" => 90,
        _ => return None,
    })
}

pub(super) fn map(aws: &Value) -> Result<Mapped, NormalizeError> {
    let f = aws
        .get("finding")
        .filter(|f| f.is_object())
        .ok_or(NormalizeError::MissingField("aws.finding"))?;
    let ts = match rfc3339_at(f, &["UpdatedAt"], "aws.finding.UpdatedAt")? {
        Some(t) => t,
        None => rfc3339_at(f, &["CreatedAt"], "aws.finding.CreatedAt")?
            .ok_or(NormalizeError::MissingField("aws.finding.UpdatedAt"))?,
    };
    let mut m = Mapped::new(ts);
    m.s(ecs::EVENT_KIND, Some("alert"));
    let types: Vec<&str> = at(f, &["Types"])
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for t in &types {
        let category = if t.starts_with("Software and Configuration Checks") {
            "configuration"
        } else if t.starts_with("TTPs") || t.starts_with("Effects") || t.starts_with("Unusual") {
            "threat"
        } else {
            continue;
        };
        m.related(ecs::EVENT_CATEGORY, category);
    }
    m.related(ecs::EVENT_TYPE, "info");
    let title = str_at(f, &["Title"]);
    m.s("message", title);
    m.s(ecs::RULE_NAME, title);
    m.s(ecs::RULE_DESCRIPTION, str_at(f, &["Description"]));
    m.s(
        ecs::RULE_ID,
        str_at(f, &["Compliance", "SecurityControlId"]).or(str_at(f, &["GeneratorId"])),
    );
    m.s(ecs::EVENT_ID, str_at(f, &["Id"]));
    m.s(ecs::CLOUD_ACCOUNT_ID, str_at(f, &["AwsAccountId"]));
    m.s(ecs::CLOUD_REGION, str_at(f, &["Region"]));
    m.s("event.created", str_at(f, &["CreatedAt"]));
    m.s(ecs::EVENT_START, str_at(f, &["FirstObservedAt"]));
    m.s(ecs::EVENT_END, str_at(f, &["LastObservedAt"]));
    let label = str_at(f, &["Severity", "Label"]);
    let score = i64_at(f, &["Severity", "Normalized"]).or_else(|| label.and_then(label_score));
    if let Some(score) = score {
        m.v(ecs::EVENT_SEVERITY, score);
    }
    m.s("aws.securityhub_findings.severity.label", label);
    m.s(
        "aws.securityhub_findings.compliance.status",
        str_at(f, &["Compliance", "Status"]),
    );
    m.s(
        "aws.securityhub_findings.compliance.security_control_id",
        str_at(f, &["Compliance", "SecurityControlId"]),
    );
    m.s(
        "aws.securityhub_findings.workflow.status",
        str_at(f, &["Workflow", "Status"]),
    );
    m.s(
        "aws.securityhub_findings.record_state",
        str_at(f, &["RecordState"]),
    );
    m.s(
        "aws.securityhub_findings.product.name",
        str_at(f, &["ProductName"]),
    );
    m.s(
        "aws.securityhub_findings.generator.id",
        str_at(f, &["GeneratorId"]),
    );
    if !types.is_empty() {
        m.v("aws.securityhub_findings.types", types.clone());
    }
    resources(f, &mut m);
    network(f, &mut m);
    Ok(m)
}

/// `Resources[]`: their ids and types; an IAM user resource names the user.
fn resources(f: &Value, m: &mut Mapped) {
    let Some(list) = at(f, &["Resources"]).and_then(Value::as_array) else {
        return;
    };
    let mut ids = Vec::new();
    let mut kinds = Vec::new();
    for r in list {
        let id = str_at(r, &["Id"]);
        let kind = str_at(r, &["Type"]);
        if let Some(id) = id {
            ids.push(id);
        }
        if let Some(kind) = kind {
            kinds.push(kind);
        }
        if kind == Some("AwsIamUser") {
            let name = str_at(r, &["Details", "AwsIamUser", "UserName"])
                .or_else(|| id.and_then(arn_user_name));
            if let Some(id) = id {
                if !m.has("user.id") {
                    m.s("user.id", Some(id));
                }
            }
            m.user_name(name);
        }
        let ips = at(r, &["Details", "AwsEc2Instance", "IpV4Addresses"]).and_then(Value::as_array);
        for ip in ips.into_iter().flatten().filter_map(Value::as_str) {
            if crate::json::is_ip(ip) {
                m.related(ecs::RELATED_IP, ip);
            }
        }
    }
    if !ids.is_empty() {
        m.v("aws.securityhub_findings.resources.id", ids);
    }
    if !kinds.is_empty() {
        m.v("aws.securityhub_findings.resources.type", kinds);
    }
}

/// `Network` (and the remote address of an `Action`): source and
/// destination of the traffic the finding is about.
fn network(f: &Value, m: &mut Mapped) {
    if let Some(n) = f.get("Network").filter(|n| n.is_object()) {
        m.source_ip(str_at(n, &["SourceIpV4"]).or(str_at(n, &["SourceIpV6"])));
        if let Some(p) = i64_at(n, &["SourcePort"]) {
            m.v(ecs::SOURCE_PORT, p);
        }
        if let Some(ip) = str_at(n, &["DestinationIpV4"])
            .or(str_at(n, &["DestinationIpV6"]))
            .filter(|ip| crate::json::is_ip(ip))
        {
            m.s(ecs::DESTINATION_IP, Some(ip));
            m.related(ecs::RELATED_IP, ip);
        }
        if let Some(p) = i64_at(n, &["DestinationPort"]) {
            m.v(ecs::DESTINATION_PORT, p);
        }
        if let Some(proto) = str_at(n, &["Protocol"]) {
            m.s(ecs::NETWORK_TRANSPORT, Some(&proto.to_ascii_lowercase()));
        }
        if let Some(dir) = str_at(n, &["Direction"]) {
            let dir = match dir {
                "IN" => "ingress",
                "OUT" => "egress",
                _ => "unknown",
            };
            m.s(ecs::NETWORK_DIRECTION, Some(dir));
        }
    }
    if let Some(action) = f.get("Action") {
        for kind in [
            "AwsApiCallAction",
            "NetworkConnectionAction",
            "PortProbeAction",
        ] {
            m.source_ip(str_at(action, &[kind, "RemoteIpDetails", "IpAddressV4"]));
        }
    }
}
