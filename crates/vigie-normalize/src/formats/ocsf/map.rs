//! The mapping of one OCSF object to an event.

use serde_json::{Map, Value};
use vigie_event::{ecs, Event, Fields, Timestamp};

use super::DATASET;
use crate::json::{at, i64_at, is_ip, str_at, text_at};
use crate::NormalizeError;

/// Maps one OCSF object; `original` is its text.
pub(crate) fn to_event(v: &Value, original: &str) -> Result<Event, NormalizeError> {
    if !v.is_object() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "expected a JSON object".into(),
        });
    }
    let class_uid = i64_at(v, &["class_uid"]).ok_or(NormalizeError::MissingField("class_uid"))?;
    let time = match v.get("time") {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => return Err(NormalizeError::MissingField("time")),
    };
    let ts = time
        .and_then(epoch)
        .ok_or_else(|| NormalizeError::invalid("time", "expected epoch milliseconds"))?;
    let mut ev = Event::new(DATASET, ts, original);
    let f = &mut ev.fields;
    classify(f, class_uid, v);
    f.set("ocsf.class_uid", class_uid);
    f.set_str("ocsf.class_name", str_at(v, &["class_name"]));
    set_num(f, "ocsf.category_uid", v, &["category_uid"]);
    f.set_str("ocsf.category_name", str_at(v, &["category_name"]));
    set_num(f, "ocsf.activity_id", v, &["activity_id"]);
    f.set_str("ocsf.activity_name", str_at(v, &["activity_name"]));
    set_num(f, "ocsf.type_uid", v, &["type_uid"]);
    f.set_str("ocsf.type_name", str_at(v, &["type_name"]));
    f.set_str("ocsf.severity", str_at(v, &["severity"]));
    f.set_str("ocsf.metadata.version", str_at(v, &["metadata", "version"]));
    f.set_str(
        "observer.product",
        str_at(v, &["metadata", "product", "name"]),
    );
    f.set_str(
        "observer.vendor",
        str_at(v, &["metadata", "product", "vendor_name"]),
    );
    f.set_str(
        "ocsf.metadata.product.feature.name",
        str_at(v, &["metadata", "product", "feature", "name"]),
    );
    f.set_str(
        ecs::EVENT_ID,
        str_at(v, &["metadata", "uid"]).or(str_at(v, &["ref_event_uid"])),
    );
    if let Some(sev) = i64_at(v, &["severity_id"]).filter(|s| *s >= 0) {
        f.set(ecs::EVENT_SEVERITY, sev);
    }
    f.set_str("message", str_at(v, &["message"]));
    f.set_str("ocsf.status", str_at(v, &["status"]));
    f.set_str("ocsf.status_code", str_at(v, &["status_code"]));
    resources(f, v);
    if let Some(t) = i64_at(v, &["start_time"]).and_then(epoch) {
        f.set(ecs::EVENT_START, t.to_rfc3339());
    }
    if let Some(t) = i64_at(v, &["end_time"]).and_then(epoch) {
        f.set(ecs::EVENT_END, t.to_rfc3339());
    }
    api(f, v);
    actor(f, v);
    endpoint(f, v.get("src_endpoint"), Side::Source);
    endpoint(f, v.get("dst_endpoint"), Side::Destination);
    cloud(f, v);
    network(f, v);
    dns(f, v);
    finding(f, v);
    f.set_str(
        ecs::USER_AGENT_ORIGINAL,
        str_at(v, &["http_request", "user_agent"]),
    );
    f.set_str(
        "url.original",
        str_at(v, &["http_request", "url", "url_string"]),
    );
    unmapped(f, v);
    Ok(ev)
}

/// OCSF times are epoch milliseconds, but some producers (Prowler) write
/// seconds: a value below 10^11 (March 1973 in milliseconds, year 5138 in
/// seconds) is read as seconds.
pub(crate) fn epoch(t: i64) -> Option<Timestamp> {
    if t.unsigned_abs() < 100_000_000_000 {
        Timestamp::from_secs(t)
    } else {
        Timestamp::from_millis(t)
    }
}

fn set_num(f: &mut Fields, key: &'static str, v: &Value, path: &[&str]) {
    if let Some(n) = i64_at(v, path) {
        f.set(key, n);
    }
}

/// `event.kind`, `event.category` and `event.type` from the class.
fn classify(f: &mut Fields, class_uid: i64, v: &Value) {
    let kind = if (2000..3000).contains(&class_uid) {
        "alert"
    } else {
        "event"
    };
    f.set(ecs::EVENT_KIND, kind);
    let (category, kind): (&[&str], &[&str]) = match class_uid {
        1001 => (&["file"], &["info"]),
        1007 => (&["process"], &["info"]),
        2000..=2999 => (&["threat"], &["indicator"]),
        3001 | 3005 | 3006 => (&["iam"], &["info"]),
        3002 => (&["authentication"], &["info"]),
        4001 => (&["network"], &["connection"]),
        4002 => (&["network", "web"], &["access"]),
        4003 => (&["network"], &["protocol"]),
        4000..=4999 => (&["network"], &["info"]),
        _ => (&[], &[]),
    };
    for c in category {
        f.push_unique(ecs::EVENT_CATEGORY, *c);
    }
    for t in kind {
        f.push_unique(ecs::EVENT_TYPE, *t);
    }
    if let Some(a) = str_at(v, &["activity_name"]) {
        f.set(ecs::EVENT_ACTION, a.to_ascii_lowercase());
    }
    match str_at(v, &["status"]) {
        Some("Success") => f.set(ecs::EVENT_OUTCOME, "success"),
        Some("Failure") => f.set(ecs::EVENT_OUTCOME, "failure"),
        _ => {}
    }
}

/// `api`: the cloud API call (class 5001 and API activity elsewhere).
fn api(f: &mut Fields, v: &Value) {
    let Some(api) = v.get("api").filter(|a| a.is_object()) else {
        return;
    };
    f.set_str(ecs::EVENT_ACTION, str_at(api, &["operation"]));
    f.set_str(ecs::EVENT_PROVIDER, str_at(api, &["service", "name"]));
    f.set_str("ocsf.api.request.uid", str_at(api, &["request", "uid"]));
    let error = text_at(api, &["response", "error"]);
    let outcome = if error.is_some() {
        "failure"
    } else {
        "success"
    };
    f.set(ecs::EVENT_OUTCOME, outcome);
    f.set_str(ecs::ERROR_CODE, error.as_deref());
    if error.is_some() {
        f.set_str(ecs::ERROR_MESSAGE, str_at(api, &["response", "message"]));
    }
}

/// `actor.user` (OCSF 1.x) or `identity.user` (0.x): who acted.
fn actor(f: &mut Fields, v: &Value) {
    let user = at(v, &["actor", "user"])
        .or_else(|| at(v, &["identity", "user"]))
        .or_else(|| v.get("user"))
        .filter(|u| u.is_object());
    let Some(user) = user else {
        return;
    };
    if let Some(name) = str_at(user, &["name"]) {
        f.set(ecs::USER_NAME, name);
        f.push_unique(ecs::RELATED_USER, name);
    }
    f.set_str("user.id", str_at(user, &["uid"]));
    f.set_str("user.email", str_at(user, &["email_addr"]));
    f.set_str("ocsf.user.uuid", str_at(user, &["uuid"]));
    f.set_str("ocsf.user.type", str_at(user, &["type"]));
    f.set_str(
        "ocsf.user.credential_uid",
        str_at(user, &["credential_uid"]),
    );
    f.set_str(
        ecs::CLOUD_ACCOUNT_ID,
        str_at(user, &["account_uid"]).or(str_at(user, &["account", "uid"])),
    );
}

#[derive(Clone, Copy)]
enum Side {
    Source,
    Destination,
}

/// `src_endpoint` / `dst_endpoint`: address, port, domain, instance.
fn endpoint(f: &mut Fields, ep: Option<&Value>, side: Side) {
    let Some(ep) = ep.filter(|e| e.is_object()) else {
        return;
    };
    let (ip_key, port_key, domain_key) = match side {
        Side::Source => (ecs::SOURCE_IP, ecs::SOURCE_PORT, "source.domain"),
        Side::Destination => (
            ecs::DESTINATION_IP,
            ecs::DESTINATION_PORT,
            ecs::DESTINATION_DOMAIN,
        ),
    };
    if let Some(ip) = str_at(ep, &["ip"]).filter(|ip| is_ip(ip)) {
        f.set(ip_key, ip);
        f.push_unique(ecs::RELATED_IP, ip);
    }
    if let Some(port) = i64_at(ep, &["port"]).filter(|p| (0..=65535).contains(p)) {
        f.set(port_key, port);
    }
    // Security Lake writes `"domain": "AWS Internal"` for internal callers.
    let domain = str_at(ep, &["domain"])
        .or(str_at(ep, &["hostname"]))
        .filter(|d| !d.contains(char::is_whitespace));
    f.set_str(domain_key, domain);
    if matches!(side, Side::Source) {
        f.set_str(ecs::CLOUD_INSTANCE_ID, str_at(ep, &["instance_uid"]));
    }
}

/// `cloud`: provider (lower-cased, `aws`), region, zone, account.
fn cloud(f: &mut Fields, v: &Value) {
    let Some(c) = v.get("cloud").filter(|c| c.is_object()) else {
        return;
    };
    if let Some(p) = str_at(c, &["provider"]) {
        f.set(ecs::CLOUD_PROVIDER, p.to_ascii_lowercase());
    }
    f.set_str(ecs::CLOUD_REGION, str_at(c, &["region"]));
    f.set_str(ecs::CLOUD_AVAILABILITY_ZONE, str_at(c, &["zone"]));
    if let Some(acct) = str_at(c, &["account_uid"]).or(str_at(c, &["account", "uid"])) {
        f.set_default(ecs::CLOUD_ACCOUNT_ID, acct);
    }
}

/// `connection_info` and `traffic` of network classes.
fn network(f: &mut Fields, v: &Value) {
    if let Some(ci) = v.get("connection_info").filter(|c| c.is_object()) {
        let num = i64_at(ci, &["protocol_num"]).filter(|n| (0..=255).contains(n));
        if let Some(n) = num {
            f.set(ecs::NETWORK_IANA_NUMBER, n.to_string());
            let transport = match n {
                1 => Some("icmp"),
                6 => Some("tcp"),
                17 => Some("udp"),
                58 => Some("ipv6-icmp"),
                _ => None,
            };
            f.set_str(ecs::NETWORK_TRANSPORT, transport);
        }
        if let Some(p) = str_at(ci, &["protocol_name"]) {
            f.set(ecs::NETWORK_TRANSPORT, p.to_ascii_lowercase());
        }
        if let Some(d) = str_at(ci, &["direction"]) {
            let d = match d.to_ascii_lowercase().as_str() {
                "inbound" | "ingress" => "ingress",
                "outbound" | "egress" => "egress",
                "lateral" | "internal" => "internal",
                _ => "unknown",
            };
            f.set(ecs::NETWORK_DIRECTION, d);
        }
        if let Some(ver) = str_at(ci, &["protocol_ver"]) {
            f.set(ecs::NETWORK_TYPE, ver.to_ascii_lowercase());
        }
    }
    set_num(f, ecs::NETWORK_BYTES, v, &["traffic", "bytes"]);
    set_num(f, ecs::NETWORK_PACKETS, v, &["traffic", "packets"]);
}

/// `query`, `rcode` and `answers` of DNS Activity (4003).
fn dns(f: &mut Fields, v: &Value) {
    let Some(q) = v.get("query").filter(|q| q.is_object()) else {
        return;
    };
    let name = str_at(q, &["hostname"]).map(|h| h.strip_suffix('.').unwrap_or(h));
    f.set_str(ecs::DNS_QUESTION_NAME, name);
    f.set_str("dns.question.type", str_at(q, &["type"]));
    f.set_str("dns.question.class", str_at(q, &["class"]));
    f.set_str("dns.response_code", str_at(v, &["rcode"]));
    let Some(answers) = v.get("answers").and_then(Value::as_array) else {
        return;
    };
    let mut out = Vec::new();
    for a in answers {
        let mut m = Map::new();
        for (from, to) in [("rdata", "data"), ("type", "type"), ("class", "class")] {
            if let Some(s) = str_at(a, &[from]) {
                m.insert(to.into(), s.into());
            }
        }
        if let Some(ip) = str_at(a, &["rdata"]).filter(|ip| is_ip(ip)) {
            f.push_unique("dns.resolved_ip", ip);
        }
        if !m.is_empty() {
            out.push(Value::Object(m));
        }
    }
    if !out.is_empty() {
        f.set("dns.answers", Value::Array(out));
    }
}

/// `finding` (0.x Security Finding) or `finding_info` (1.x findings).
fn finding(f: &mut Fields, v: &Value) {
    let Some(fi) = v
        .get("finding_info")
        .or_else(|| v.get("finding"))
        .filter(|x| x.is_object())
    else {
        return;
    };
    let title = str_at(fi, &["title"]);
    f.set_str(ecs::RULE_NAME, title);
    if f.get("message").is_none() {
        f.set_str("message", title);
    }
    f.set_str(ecs::RULE_DESCRIPTION, str_at(fi, &["desc"]));
    f.set_str(ecs::RULE_ID, str_at(v, &["metadata", "event_code"]));
    if let Some(uid) = str_at(fi, &["uid"]) {
        f.set(ecs::EVENT_ID, uid);
    }
}

/// `resources[]`: the uids and types of the resources the event is about.
fn resources(f: &mut Fields, v: &Value) {
    let Some(list) = v.get("resources").and_then(Value::as_array) else {
        return;
    };
    for r in list {
        if let Some(uid) = str_at(r, &["uid"]) {
            f.push_unique("ocsf.resources.uid", uid);
        }
        if let Some(t) = str_at(r, &["type"]) {
            f.push_unique("ocsf.resources.type", t);
        }
    }
}

/// `unmapped`: `[[key, value], ...]` (Security Lake 0.x) or an object.
fn unmapped(f: &mut Fields, v: &Value) {
    match v.get("unmapped") {
        Some(Value::Array(pairs)) => {
            let mut m = Map::new();
            for pair in pairs {
                if let Some([Value::String(k), val]) = pair.as_array().map(Vec::as_slice) {
                    m.insert(k.clone(), val.clone());
                }
            }
            if !m.is_empty() {
                f.set("ocsf.unmapped", Value::Object(m));
            }
        }
        Some(o @ Value::Object(m)) if !m.is_empty() => f.set("ocsf.unmapped", o.clone()),
        _ => {}
    }
}
