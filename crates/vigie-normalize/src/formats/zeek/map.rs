//! Zeek fields -> ECS, shared by the TSV and JSON readers.

use serde_json::{json, Value};
use vigie_event::{ecs, Event, Timestamp};

use crate::NormalizeError;

/// A record's fields after parsing: Zeek's names, typed JSON values.
pub(super) type Fields = [(String, Value)];

fn get<'a>(f: &'a Fields, k: &str) -> Option<&'a Value> {
    f.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

fn get_str<'a>(f: &'a Fields, k: &str) -> Option<&'a str> {
    get(f, k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn get_f64(f: &Fields, k: &str) -> Option<f64> {
    match get(f, k)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|v: &f64| v.is_finite())
}

fn get_i64(f: &Fields, k: &str) -> Option<i64> {
    match get(f, k)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `ts` as epoch seconds (number or decimal text) or ISO 8601 text.
fn parse_ts(v: &Value) -> Result<Timestamp, NormalizeError> {
    let bad = |reason: String| NormalizeError::invalid("ts", reason);
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            Timestamp::parse_epoch_decimal(&text)
                .ok()
                .or_else(|| n.as_f64().and_then(Timestamp::from_secs_f64))
                .ok_or_else(|| bad(format!("`{text}` is not epoch seconds")))
        }
        Value::String(s) => Timestamp::parse_epoch_decimal(s)
            .or_else(|_| Timestamp::parse_rfc3339(s))
            .map_err(|e| bad(e.to_string())),
        other => Err(bad(format!("expected a number or a string, got {other}"))),
    }
}

/// The namespace of `path`'s own fields (Elastic's names).
pub(super) fn namespace(path: &str) -> String {
    match path {
        "conn" => "zeek.connection".to_owned(),
        p => format!("zeek.{p}"),
    }
}

/// Builds the event of one record, or `None` when it has no `ts` (a
/// `loaded_scripts` entry names a script, not something that happened).
pub(super) fn to_event(
    path: &str,
    fields: &Fields,
    system: Option<&str>,
    original: &str,
) -> Result<Option<Event>, NormalizeError> {
    let Some(ts) = get(fields, "ts") else {
        return Ok(None);
    };
    let ts = parse_ts(ts)?;
    let ns = namespace(path);
    let mut e = Event::new(&format!("zeek.{path}"), ts, original);
    let ev = &mut e.fields;
    ev.set(ecs::EVENT_MODULE, "zeek");
    ev.set(ecs::EVENT_KIND, ecs::kind::EVENT);
    ev.set_str("observer.hostname", system);
    for (k, v) in fields {
        match k.as_str() {
            "ts" => {}
            "uid" => {
                ev.set("zeek.session_id", v.clone());
                ev.set(ecs::EVENT_ID, v.clone());
            }
            "id.orig_h" => ip(ev, ecs::SOURCE_IP, ecs::SOURCE_ADDRESS, v),
            "id.resp_h" => ip(ev, ecs::DESTINATION_IP, ecs::DESTINATION_ADDRESS, v),
            "id.orig_p" => ev.set(ecs::SOURCE_PORT, v.clone()),
            "id.resp_p" => ev.set(ecs::DESTINATION_PORT, v.clone()),
            _ => ev.set(format!("{ns}.{k}"), v.clone()),
        }
    }
    ev.set_str(ecs::NETWORK_TRANSPORT, get_str(fields, "proto"));
    let protocol = match path {
        "conn" => get_str(fields, "service"),
        "dns" | "http" | "ssh" | "dhcp" | "ntp" | "smtp" | "rdp" | "snmp" | "sip" => Some(path),
        "ssl" => Some("tls"),
        _ => None,
    };
    ev.set_str("network.protocol", protocol);
    match path {
        "conn" => conn(ev, fields),
        "dns" => dns(ev, fields),
        "http" => http(ev, fields),
        "ssl" => ssl(ev, fields),
        "files" => files(ev, fields),
        "notice" => notice(ev, fields),
        "weird" => {
            ev.set_str(ecs::EVENT_ACTION, get_str(fields, "name"));
            ev.push_unique(ecs::EVENT_CATEGORY, "network");
        }
        "ssh" => ssh(ev, fields),
        "x509" => x509(ev, fields),
        _ => {}
    }
    Ok(Some(e))
}

type Ev = vigie_event::Fields;

fn ip(ev: &mut Ev, ip_key: &'static str, addr_key: &'static str, v: &Value) {
    if let Some(s) = v.as_str() {
        ev.set(addr_key, s);
        if crate::json::is_ip(s) {
            ev.set(ip_key, s);
            ev.push_unique(ecs::RELATED_IP, s);
        }
    }
}

fn conn(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_TYPE, "connection");
    if let Some(d) = get_f64(f, "duration") {
        ev.set(ecs::EVENT_DURATION, (d * 1e9).round() as i64);
    }
    let (ob, rb) = (get_i64(f, "orig_bytes"), get_i64(f, "resp_bytes"));
    let (op, rp) = (get_i64(f, "orig_pkts"), get_i64(f, "resp_pkts"));
    ev.set(ecs::SOURCE_BYTES, ob);
    ev.set(ecs::DESTINATION_BYTES, rb);
    ev.set(ecs::SOURCE_PACKETS, op);
    ev.set(ecs::DESTINATION_PACKETS, rp);
    if let (Some(a), Some(b)) = (ob, rb) {
        ev.set(ecs::NETWORK_BYTES, a.saturating_add(b));
    }
    if let (Some(a), Some(b)) = (op, rp) {
        ev.set(ecs::NETWORK_PACKETS, a.saturating_add(b));
    }
    ev.set_str("zeek.connection.state", get_str(f, "conn_state"));
}

fn dns(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_TYPE, "protocol");
    ev.set_str(ecs::DNS_QUESTION_NAME, get_str(f, "query"));
    ev.set_str("dns.question.type", get_str(f, "qtype_name"));
    ev.set_str("dns.question.class", get_str(f, "qclass_name"));
    ev.set_str("dns.response_code", get_str(f, "rcode_name"));
    ev.set("dns.id", get_i64(f, "trans_id"));
    let answers = get(f, "answers").and_then(Value::as_array);
    let ttls = get(f, "TTLs").and_then(Value::as_array);
    if let Some(answers) = answers.filter(|a| !a.is_empty()) {
        let list: Vec<Value> = answers
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let ttl = ttls.and_then(|t| t.get(i)).and_then(Value::as_f64);
                match ttl {
                    Some(t) => json!({"data": a, "ttl": t as i64}),
                    None => json!({ "data": a }),
                }
            })
            .collect();
        for a in answers.iter().filter_map(Value::as_str) {
            if crate::json::is_ip(a) {
                ev.push_unique("dns.resolved_ip", a);
                ev.push_unique(ecs::RELATED_IP, a);
            }
        }
        ev.set("dns.answers", list);
    }
    let answered = get(f, "rcode").is_some() || answers.is_some();
    ev.set("dns.type", if answered { "answer" } else { "query" });
}

fn http(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_CATEGORY, "web");
    ev.push_unique(ecs::EVENT_TYPE, "protocol");
    ev.set_str(ecs::HTTP_REQUEST_METHOD, get_str(f, "method"));
    ev.set_str("url.domain", get_str(f, "host"));
    ev.set_str(ecs::URL_ORIGINAL, get_str(f, "uri"));
    ev.set_str("http.request.referrer", get_str(f, "referrer"));
    ev.set_str("http.version", get_str(f, "version"));
    ev.set(ecs::HTTP_RESPONSE_STATUS_CODE, get_i64(f, "status_code"));
    ev.set("http.request.body.bytes", get_i64(f, "request_body_len"));
    ev.set("http.response.body.bytes", get_i64(f, "response_body_len"));
    ev.set_str(ecs::USER_AGENT_ORIGINAL, get_str(f, "user_agent"));
    ev.set_str(ecs::USER_NAME, get_str(f, "username"));
}

fn ssl(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_TYPE, "protocol");
    if let Some(v) = get_str(f, "version") {
        let (proto, num) = split_tls_version(v);
        ev.set_str(ecs::TLS_VERSION_PROTOCOL, proto);
        ev.set(ecs::TLS_VERSION, num);
    }
    ev.set_str(ecs::TLS_CIPHER, get_str(f, "cipher"));
    ev.set_str("tls.curve", get_str(f, "curve"));
    ev.set_str(ecs::TLS_CLIENT_SERVER_NAME, get_str(f, "server_name"));
    ev.set(
        "tls.established",
        get(f, "established").and_then(Value::as_bool),
    );
    ev.set("tls.resumed", get(f, "resumed").and_then(Value::as_bool));
    ev.set_str("tls.client.ja3", get_str(f, "ja3"));
    ev.set_str("tls.server.ja3s", get_str(f, "ja3s"));
}

/// `TLSv12` -> (`tls`, `1.2`), `SSLv3` -> (`ssl`, `3.0`); else as is.
pub(super) fn split_tls_version(v: &str) -> (Option<&'static str>, String) {
    let (proto, digits) = if let Some(d) = v.strip_prefix("TLSv") {
        ("tls", d)
    } else if let Some(d) = v.strip_prefix("SSLv") {
        ("ssl", d)
    } else {
        return (None, v.to_owned());
    };
    let mut chars = digits.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), Some(b), None) if a.is_ascii_digit() && b.is_ascii_digit() => {
            (Some(proto), format!("{a}.{b}"))
        }
        (Some(a), None, None) if a.is_ascii_digit() => (Some(proto), format!("{a}.0")),
        _ => (Some(proto), digits.to_owned()),
    }
}

fn files(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "file");
    ev.push_unique(ecs::EVENT_TYPE, "info");
    ev.set_str("file.mime_type", get_str(f, "mime_type"));
    ev.set_str("file.name", get_str(f, "filename"));
    ev.set(
        "file.size",
        get_i64(f, "total_bytes").or(get_i64(f, "seen_bytes")),
    );
    for (k, ecs_key) in [
        ("md5", "file.hash.md5"),
        ("sha1", "file.hash.sha1"),
        ("sha256", "file.hash.sha256"),
    ] {
        if let Some(h) = get_str(f, k) {
            ev.set(ecs_key, h);
            ev.push_unique(ecs::RELATED_HASH, h);
        }
    }
    for k in ["tx_hosts", "rx_hosts"] {
        for h in get(f, k).and_then(Value::as_array).into_iter().flatten() {
            if let Some(h) = h.as_str().filter(|h| crate::json::is_ip(h)) {
                ev.push_unique(ecs::RELATED_IP, h);
            }
        }
    }
}

fn notice(ev: &mut Ev, f: &Fields) {
    ev.set(ecs::EVENT_KIND, ecs::kind::ALERT);
    ev.push_unique(ecs::EVENT_CATEGORY, "intrusion_detection");
    ev.push_unique(ecs::EVENT_TYPE, "info");
    if get(f, "dropped").and_then(Value::as_bool) == Some(false) {
        ev.push_unique(ecs::EVENT_TYPE, "allowed");
    }
    ev.set_str(ecs::RULE_NAME, get_str(f, "note"));
    ev.set_str(ecs::RULE_DESCRIPTION, get_str(f, "msg"));
    ev.set_str(ecs::MESSAGE, get_str(f, "msg"));
    if ev.get(ecs::SOURCE_ADDRESS).is_none() {
        if let Some(v) = get(f, "src") {
            ip(ev, ecs::SOURCE_IP, ecs::SOURCE_ADDRESS, v);
        }
    }
    if ev.get(ecs::DESTINATION_ADDRESS).is_none() {
        if let Some(v) = get(f, "dst") {
            ip(ev, ecs::DESTINATION_IP, ecs::DESTINATION_ADDRESS, v);
        }
    }
    if ev.get(ecs::DESTINATION_PORT).is_none() {
        ev.set(ecs::DESTINATION_PORT, get_i64(f, "p"));
    }
}

fn ssh(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_TYPE, "protocol");
    match get(f, "auth_success").and_then(Value::as_bool) {
        Some(true) => ev.set(ecs::EVENT_OUTCOME, ecs::outcome::SUCCESS),
        Some(false) => ev.set(ecs::EVENT_OUTCOME, ecs::outcome::FAILURE),
        None => {}
    }
}

fn x509(ev: &mut Ev, f: &Fields) {
    ev.push_unique(ecs::EVENT_CATEGORY, "network");
    ev.push_unique(ecs::EVENT_TYPE, "info");
    ev.set_str(
        "x509.subject.distinguished_name",
        get_str(f, "certificate.subject"),
    );
    ev.set_str(
        "x509.issuer.distinguished_name",
        get_str(f, "certificate.issuer"),
    );
    ev.set_str("x509.serial_number", get_str(f, "certificate.serial"));
    ev.set_str(
        "x509.public_key_algorithm",
        get_str(f, "certificate.key_alg"),
    );
    ev.set_str(
        "x509.signature_algorithm",
        get_str(f, "certificate.sig_alg"),
    );
    ev.set(
        "x509.version_number",
        get(f, "certificate.version").cloned(),
    );
    for (k, ecs_key) in [
        ("certificate.not_valid_before", "x509.not_before"),
        ("certificate.not_valid_after", "x509.not_after"),
    ] {
        if let Some(t) = get(f, k).and_then(|v| parse_ts(v).ok()) {
            ev.set(ecs_key, t.to_rfc3339());
        }
    }
    if let Some(names) = get(f, "san.dns").filter(|v| v.is_array()) {
        ev.set("x509.alternative_names", names.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_versions() {
        assert_eq!(split_tls_version("TLSv12"), (Some("tls"), "1.2".into()));
        assert_eq!(split_tls_version("SSLv3"), (Some("ssl"), "3.0".into()));
        assert_eq!(split_tls_version("DTLSv10"), (None, "DTLSv10".into()));
    }

    #[test]
    fn iso_and_epoch_ts() {
        let a = parse_ts(&json!("2020-04-30T00:06:38.899710Z")).unwrap();
        let b = parse_ts(&json!(1588205198.89971)).unwrap();
        assert_eq!(a, b);
        assert!(parse_ts(&json!("XXXXXXXXXX.XXXXXX")).is_err());
    }
}
