//! Mapping of one GuardDuty finding (a parsed JSON object) to an [`Event`].
//!
//! Common fields first (time, rule, severity, account), then the resource
//! the finding is about (`resource.resourceType`), then the activity seen
//! (`service.action`, whose shape depends on `actionType`), then Runtime
//! Monitoring's process details. See `docs/datasets/aws.guardduty.md`.

use serde_json::Value;
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::DATASET;
use crate::json::{at, i64_at, is_ip, str_at};
use crate::NormalizeError;

/// The ECS names of one side of a connection.
struct Side {
    ip: &'static str,
    address: &'static str,
    port: &'static str,
    country: &'static str,
    city: &'static str,
    location: &'static str,
    as_number: &'static str,
    as_org: &'static str,
}

const SOURCE: Side = Side {
    ip: ecs::SOURCE_IP,
    address: ecs::SOURCE_ADDRESS,
    port: ecs::SOURCE_PORT,
    country: ecs::SOURCE_GEO_COUNTRY_NAME,
    city: ecs::SOURCE_GEO_CITY_NAME,
    location: ecs::SOURCE_GEO_LOCATION,
    as_number: ecs::SOURCE_AS_NUMBER,
    as_org: ecs::SOURCE_AS_ORGANIZATION_NAME,
};

const DESTINATION: Side = Side {
    ip: ecs::DESTINATION_IP,
    address: ecs::DESTINATION_ADDRESS,
    port: ecs::DESTINATION_PORT,
    country: "destination.geo.country_name",
    city: "destination.geo.city_name",
    location: "destination.geo.location",
    as_number: "destination.as.number",
    as_org: "destination.as.organization.name",
};

/// The GuardDuty severity label of a numeric severity.
pub fn severity_label(severity: f64) -> &'static str {
    if severity < 4.0 {
        "Low"
    } else if severity < 7.0 {
        "Medium"
    } else {
        "High"
    }
}

fn time_at(v: &Value, path: &[&str]) -> Option<Timestamp> {
    str_at(v, path).and_then(|s| Timestamp::parse_rfc3339(s).ok())
}

fn set_time(f: &mut Fields, key: &'static str, t: Option<Timestamp>) {
    if let Some(t) = t {
        f.set(key, t.to_rfc3339());
    }
}

/// Builds the event of `finding`, whose verbatim text is `original`.
pub fn to_event(finding: &Value, original: &str) -> Result<Event, NormalizeError> {
    if !finding.is_object() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "a finding must be a JSON object".into(),
        });
    }
    // updatedAt, else service.eventLastSeen, else createdAt.
    let (field, text) = if let Some(t) = str_at(finding, &["updatedAt"]) {
        ("updatedAt", t)
    } else if let Some(t) = str_at(finding, &["service", "eventLastSeen"]) {
        ("service.eventLastSeen", t)
    } else if let Some(t) = str_at(finding, &["createdAt"]) {
        ("createdAt", t)
    } else {
        return Err(NormalizeError::MissingField("updatedAt"));
    };
    let ts = Timestamp::parse_rfc3339(text)
        .map_err(|e| NormalizeError::invalid(field, e.to_string()))?;
    let mut ev = Event::new(DATASET, ts, original);
    let f = &mut ev.fields;
    f.set(ecs::EVENT_KIND, ecs::kind::ALERT);
    f.set(
        ecs::EVENT_CATEGORY,
        vec![Value::from("intrusion_detection")],
    );
    f.set(ecs::EVENT_TYPE, vec![Value::from("info")]);
    f.set(ecs::CLOUD_PROVIDER, "aws");
    f.set_str(ecs::EVENT_ID, str_at(finding, &["id"]));
    f.set_str(ecs::CLOUD_ACCOUNT_ID, str_at(finding, &["accountId"]));
    f.set_str(ecs::CLOUD_REGION, str_at(finding, &["region"]));
    f.set_str(ecs::MESSAGE, str_at(finding, &["description"]));
    set_time(f, ecs::EVENT_CREATED, time_at(finding, &["createdAt"]));
    set_time(
        f,
        ecs::EVENT_START,
        time_at(finding, &["service", "eventFirstSeen"]),
    );
    set_time(
        f,
        ecs::EVENT_END,
        time_at(finding, &["service", "eventLastSeen"]),
    );
    for (key, path) in [
        ("aws.guardduty.arn", "arn"),
        ("aws.guardduty.schema_version", "schemaVersion"),
        ("aws.guardduty.partition", "partition"),
        ("aws.guardduty.title", "title"),
        ("aws.guardduty.type", "type"),
    ] {
        f.set_str(key, str_at(finding, &[path]));
    }
    if let Some(kind) = str_at(finding, &["type"]) {
        f.set(ecs::RULE_NAME, kind);
        // ThreatPurpose:ResourceType/ThreatFamily.Detail!Artifact
        if let Some((purpose, _)) = kind.split_once(':') {
            f.set(ecs::RULE_CATEGORY, purpose);
        }
        if let Some((ruleset, _)) = kind.split_once('/') {
            f.set(ecs::RULE_RULESET, ruleset);
        }
    }
    if let Some(sev) = at(finding, &["severity"]).filter(|v| v.is_number()) {
        f.set(ecs::EVENT_SEVERITY, sev.clone());
        if let Some(x) = sev.as_f64() {
            f.set("aws.guardduty.severity_label", severity_label(x));
        }
    }
    if let Some(service) = finding.get("service") {
        service_fields(f, service);
    }
    if let Some(resource) = finding.get("resource") {
        super::resource::resource_fields(f, resource);
    }
    Ok(ev)
}

fn service_fields(f: &mut Fields, s: &Value) {
    f.set_str(ecs::CLOUD_SERVICE_NAME, str_at(s, &["serviceName"]));
    f.set_str(
        "aws.guardduty.service.detector_id",
        str_at(s, &["detectorId"]),
    );
    f.set_str(
        "aws.guardduty.service.resource_role",
        str_at(s, &["resourceRole"]),
    );
    f.set_str(
        "aws.guardduty.service.feature_name",
        str_at(s, &["featureName"]),
    );
    if let Some(n) = i64_at(s, &["count"]) {
        f.set("aws.guardduty.service.count", n);
    }
    if let Some(b) = at(s, &["archived"]).and_then(Value::as_bool) {
        f.set("aws.guardduty.service.archived", b);
    }
    if let Some(b) = at(s, &["additionalInfo", "sample"]).and_then(Value::as_bool) {
        f.set("aws.guardduty.sample", b);
    }
    if let Some(details) =
        at(s, &["evidence", "threatIntelligenceDetails"]).and_then(Value::as_array)
    {
        for d in details {
            f.push_unique(
                "aws.guardduty.threat.list_name",
                str_at(d, &["threatListName"]),
            );
            for name in d
                .get("threatNames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                f.push_unique("aws.guardduty.threat.names", name.as_str());
            }
        }
    }
    if let Some(action) = s.get("action") {
        action_fields(f, action);
    }
    if let Some(p) = at(s, &["runtimeDetails", "process"]) {
        f.set_str(ecs::PROCESS_NAME, str_at(p, &["name"]));
        if let Some(pid) = i64_at(p, &["pid"]) {
            f.set(ecs::PROCESS_PID, pid);
        }
        f.set_str(ecs::PROCESS_EXECUTABLE, str_at(p, &["executablePath"]));
        f.set_str(ecs::PROCESS_HASH_SHA256, str_at(p, &["executableSha256"]));
        f.set_str(ecs::PROCESS_USER_NAME, str_at(p, &["user"]));
        f.push_unique(ecs::RELATED_USER, str_at(p, &["user"]));
        f.push_unique(ecs::RELATED_HASH, str_at(p, &["executableSha256"]));
    }
}

/// The remote party of an action (`remoteIpDetails`) on one side.
fn remote(f: &mut Fields, side: &Side, d: &Value) {
    let ip = str_at(d, &["ipAddressV4"]).or_else(|| str_at(d, &["ipAddressV6"]));
    if let Some(ip) = ip {
        f.set(side.address, ip);
        if is_ip(ip) {
            f.set(side.ip, ip);
            f.push_unique(ecs::RELATED_IP, ip);
        }
    }
    f.set_str(side.country, str_at(d, &["country", "countryName"]));
    f.set_str(side.city, str_at(d, &["city", "cityName"]));
    if let (Some(lat), Some(lon)) = (
        at(d, &["geoLocation", "lat"]).and_then(Value::as_f64),
        at(d, &["geoLocation", "lon"]).and_then(Value::as_f64),
    ) {
        f.set(side.location, serde_json::json!({"lat": lat, "lon": lon}));
    }
    if let Some(asn) = i64_at(d, &["organization", "asn"]) {
        f.set(side.as_number, asn);
    }
    f.set_str(side.as_org, str_at(d, &["organization", "asnOrg"]));
}

/// The local end of a connection or probe (`localIpDetails`, `localPortDetails`).
fn local(f: &mut Fields, side: &Side, a: &Value) {
    if let Some(ip) = str_at(a, &["localIpDetails", "ipAddressV4"])
        .or_else(|| str_at(a, &["localIpDetails", "ipAddressV6"]))
    {
        f.set(side.address, ip);
        if is_ip(ip) {
            f.set(side.ip, ip);
            f.push_unique(ecs::RELATED_IP, ip);
        }
    }
    if let Some(port) = i64_at(a, &["localPortDetails", "port"]) {
        f.set(side.port, port);
    }
}

fn action_fields(f: &mut Fields, action: &Value) {
    let kind = str_at(action, &["actionType"]);
    f.set_str(ecs::EVENT_ACTION, kind);
    const P: &str = "aws.guardduty.service.action";
    match kind.unwrap_or("") {
        "AWS_API_CALL" => {
            let a = at(action, &["awsApiCallAction"]).unwrap_or(&Value::Null);
            f.set_str("aws.guardduty.service.action.api", str_at(a, &["api"]));
            f.set_str(
                "aws.guardduty.service.action.service_name",
                str_at(a, &["serviceName"]),
            );
            f.set_str(
                "aws.guardduty.service.action.caller_type",
                str_at(a, &["callerType"]),
            );
            f.set_str(ecs::ERROR_CODE, str_at(a, &["errorCode"]));
            let ua =
                str_at(a, &["userAgent", "fullUserAgent"]).or_else(|| str_at(a, &["userAgent"]));
            f.set_str(ecs::USER_AGENT_ORIGINAL, ua);
            f.set_str(ecs::SOURCE_DOMAIN, str_at(a, &["domainDetails", "domain"]));
            if let Some(d) = a.get("remoteIpDetails") {
                remote(f, &SOURCE, d);
            }
        }
        "NETWORK_CONNECTION" => {
            let a = at(action, &["networkConnectionAction"]).unwrap_or(&Value::Null);
            let inbound = str_at(a, &["connectionDirection"]) != Some("OUTBOUND");
            if let Some(dir) = str_at(a, &["connectionDirection"]) {
                if dir != "UNKNOWN" {
                    f.set(ecs::NETWORK_DIRECTION, dir.to_ascii_lowercase());
                }
            }
            let (remote_side, local_side) = if inbound {
                (&SOURCE, &DESTINATION)
            } else {
                (&DESTINATION, &SOURCE)
            };
            if let Some(d) = a.get("remoteIpDetails") {
                remote(f, remote_side, d);
            }
            if let Some(port) = i64_at(a, &["remotePortDetails", "port"]) {
                f.set(remote_side.port, port);
            }
            local(f, local_side, a);
            transport(f, a);
            blocked(f, P, a);
        }
        "DNS_REQUEST" => {
            let a = at(action, &["dnsRequestAction"]).unwrap_or(&Value::Null);
            f.set_str(ecs::DNS_QUESTION_NAME, str_at(a, &["domain"]));
            f.push_unique(ecs::RELATED_HOSTS, str_at(a, &["domain"]));
            transport(f, a);
            blocked(f, P, a);
        }
        "PORT_PROBE" => {
            let a = at(action, &["portProbeAction"]).unwrap_or(&Value::Null);
            let probes = a.get("portProbeDetails").and_then(Value::as_array);
            for (i, p) in probes.into_iter().flatten().enumerate() {
                if i == 0 {
                    if let Some(d) = p.get("remoteIpDetails") {
                        remote(f, &SOURCE, d);
                    }
                    local(f, &DESTINATION, p);
                } else {
                    let ip = str_at(p, &["remoteIpDetails", "ipAddressV4"]);
                    f.push_unique(ecs::RELATED_IP, ip.filter(|ip| is_ip(ip)));
                }
            }
            blocked(f, P, a);
        }
        "KUBERNETES_API_CALL" => {
            let a = at(action, &["kubernetesApiCallAction"]).unwrap_or(&Value::Null);
            f.set_str(ecs::URL_ORIGINAL, str_at(a, &["requestUri"]));
            f.set_str("aws.guardduty.service.action.verb", str_at(a, &["verb"]));
            f.set_str(
                "aws.guardduty.service.action.parameters",
                str_at(a, &["parameters"]),
            );
            f.set_str(ecs::USER_AGENT_ORIGINAL, str_at(a, &["userAgent"]));
            if let Some(code) = i64_at(a, &["statusCode"]) {
                f.set(ecs::HTTP_RESPONSE_STATUS_CODE, code);
            }
            if let Some(d) = a.get("remoteIpDetails") {
                remote(f, &SOURCE, d);
            }
            for ip in a
                .get("sourceIPs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                f.push_unique(ecs::RELATED_IP, ip.as_str().filter(|ip| is_ip(ip)));
            }
        }
        "RDS_LOGIN_ATTEMPT" => {
            let a = at(action, &["rdsLoginAttemptAction"]).unwrap_or(&Value::Null);
            if let Some(d) = a.get("remoteIpDetails") {
                remote(f, &SOURCE, d);
            }
            let logins = a.get("LoginAttributes").and_then(Value::as_array);
            for l in logins.into_iter().flatten() {
                f.push_unique(ecs::RELATED_USER, str_at(l, &["user"]));
            }
        }
        _ => {}
    }
}

fn transport(f: &mut Fields, a: &Value) {
    if let Some(p) = str_at(a, &["protocol"]).filter(|p| *p != "Unknown") {
        f.set(ecs::NETWORK_TRANSPORT, p.to_ascii_lowercase());
    }
}

fn blocked(f: &mut Fields, prefix: &str, a: &Value) {
    if let Some(b) = a.get("blocked").and_then(Value::as_bool) {
        f.set(format!("{prefix}.blocked"), b);
    }
}
