//! ECS mappings of the EVE protocol objects: `alert`, `dns` (v1, v2 and
//! v3 layouts), `flow`, `http`, `tls`, `fileinfo` and `stats`.

use serde_json::{Map, Value};
use vigie_event::{ecs, Fields};

use super::{int, s, text, time};
use crate::NormalizeError;

type Obj = Map<String, Value>;

/// `alert{action, gid, signature_id, rev, signature, category, severity}`.
pub(super) fn alert(f: &mut Fields, a: &Obj) {
    if let Some(id) = text(a, "signature_id") {
        f.set(ecs::RULE_ID, id);
    }
    f.set_str(ecs::RULE_NAME, s(a, "signature"));
    f.set_str(ecs::RULE_CATEGORY, s(a, "category"));
    if let Some(sev) = int(a, "severity") {
        f.set(ecs::EVENT_SEVERITY, sev);
    }
    if let Some(action) = s(a, "action") {
        f.set(ecs::EVENT_ACTION, action);
        match action {
            "allowed" => f.push_unique(ecs::EVENT_TYPE, "allowed"),
            "blocked" => f.push_unique(ecs::EVENT_TYPE, "denied"),
            _ => {}
        }
    }
}

/// The DNS type in ECS terms: `query` or `answer` (v3 says
/// `request`/`response`).
fn dns_type(t: &str) -> Option<&'static str> {
    match t {
        "query" | "request" => Some("query"),
        "answer" | "response" => Some("answer"),
        _ => None,
    }
}

fn answer(name: Option<&str>, ty: Option<&str>, ttl: Option<i64>, data: Option<String>) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("name", name.map(Value::from));
    put("type", ty.map(Value::from));
    put("ttl", ttl.map(Value::from));
    put("data", data.map(Value::from));
    Value::Object(m)
}

fn resolved(f: &mut Fields, ty: Option<&str>, data: Option<&str>) {
    if let (Some("A" | "AAAA"), Some(ip)) = (ty, data) {
        if crate::json::is_ip(ip) {
            f.push_unique("dns.resolved_ip", ip);
        }
    }
}

/// `dns`: v1 (one record per answer, `rdata` inline), v2 (`answers[]` or
/// `grouped{TYPE:[data]}`) and v3 (`queries[]` + `answers[]`).
pub(super) fn dns(f: &mut Fields, d: &Obj) {
    if let Some(t) = s(d, "type").and_then(dns_type) {
        f.set("dns.type", t);
    }
    if let Some(id) = text(d, "id") {
        f.set("dns.id", id);
    }
    f.set_str("dns.response_code", s(d, "rcode"));
    let first_query = d
        .get("queries")
        .and_then(Value::as_array)
        .and_then(|q| q.first())
        .and_then(Value::as_object);
    let q = first_query.unwrap_or(d);
    f.set_str(ecs::DNS_QUESTION_NAME, s(q, "rrname"));
    f.set_str("dns.question.type", s(q, "rrtype"));

    let mut answers = Vec::new();
    if let Some(list) = d.get("answers").and_then(Value::as_array) {
        for a in list.iter().filter_map(Value::as_object) {
            let data = text(a, "rdata");
            resolved(f, s(a, "rrtype"), data.as_deref());
            answers.push(answer(s(a, "rrname"), s(a, "rrtype"), int(a, "ttl"), data));
        }
    } else if let Some(groups) = d.get("grouped").and_then(Value::as_object) {
        for (ty, list) in groups {
            for data in list.as_array().into_iter().flatten() {
                let data = match data {
                    Value::String(v) => Some(v.clone()),
                    Value::Object(o) => text(o, "rdata"),
                    _ => None,
                };
                resolved(f, Some(ty), data.as_deref());
                answers.push(answer(None, Some(ty), None, data));
            }
        }
    } else if d.contains_key("rdata") {
        // v1: the answer is the record itself.
        let data = text(d, "rdata");
        resolved(f, s(d, "rrtype"), data.as_deref());
        answers.push(answer(s(d, "rrname"), s(d, "rrtype"), int(d, "ttl"), data));
    }
    if !answers.is_empty() {
        f.set("dns.answers", Value::Array(answers));
    }
}

/// `flow{pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient,
/// start, end, ...}`. "toserver" is the flow's source; an alert's
/// `src_ip` follows the packet, so when the alert's source is the flow's
/// destination the counters are swapped.
pub(super) fn flow(f: &mut Fields, fl: &Obj, rec: &Obj) -> Result<(), NormalizeError> {
    let swapped = match (s(fl, "src_ip"), s(rec, "src_ip")) {
        (Some(flow_src), Some(src)) => flow_src != src && s(fl, "dest_ip") == Some(src),
        _ => false,
    };
    let (srv, cli) = if swapped {
        ("destination", "source")
    } else {
        ("source", "destination")
    };
    let pts = int(fl, "pkts_toserver");
    let ptc = int(fl, "pkts_toclient");
    let bts = int(fl, "bytes_toserver");
    let btc = int(fl, "bytes_toclient");
    for (side, key, v) in [
        (srv, "packets", pts),
        (cli, "packets", ptc),
        (srv, "bytes", bts),
        (cli, "bytes", btc),
    ] {
        if let Some(v) = v {
            f.set(format!("{side}.{key}"), v);
        }
    }
    if let (Some(a), Some(b)) = (pts, ptc) {
        f.set(ecs::NETWORK_PACKETS, a.saturating_add(b));
    }
    if let (Some(a), Some(b)) = (bts, btc) {
        f.set(ecs::NETWORK_BYTES, a.saturating_add(b));
    }
    let start = time(fl, "start").map_err(|e| prefixed(e, "flow."))?;
    let end = time(fl, "end").map_err(|e| prefixed(e, "flow."))?;
    if let Some(t) = start {
        f.set(ecs::EVENT_START, t.to_rfc3339());
    }
    if let Some(t) = end {
        f.set(ecs::EVENT_END, t.to_rfc3339());
    }
    if let (Some(a), Some(b)) = (start, end) {
        f.set(
            ecs::EVENT_DURATION,
            b.as_nanos().saturating_sub(a.as_nanos()),
        );
    }
    Ok(())
}

/// Qualifies an [`NormalizeError::InvalidField`] with its parent object.
pub(super) fn prefixed(e: NormalizeError, prefix: &str) -> NormalizeError {
    match e {
        NormalizeError::InvalidField { field, reason } => NormalizeError::InvalidField {
            field: format!("{prefix}{field}"),
            reason,
        },
        other => other,
    }
}

/// `http{hostname, url, http_user_agent, http_method, status, length, ...}`.
pub(super) fn http(f: &mut Fields, h: &Obj) {
    f.set_str("url.domain", s(h, "hostname"));
    if let Some(url) = s(h, "url") {
        f.set(ecs::URL_ORIGINAL, url);
        let (path, query) = match url.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (url, None),
        };
        f.set_str(ecs::URL_PATH, Some(path));
        f.set_str("url.query", query);
    }
    f.set_str(ecs::USER_AGENT_ORIGINAL, s(h, "http_user_agent"));
    f.set_str(ecs::HTTP_REQUEST_METHOD, s(h, "http_method"));
    f.set_str("http.request.referrer", s(h, "http_refer"));
    if let Some(st) = int(h, "status") {
        f.set(ecs::HTTP_RESPONSE_STATUS_CODE, st);
    }
    if let Some(len) = int(h, "length") {
        f.set("http.response.body.bytes", len);
    }
    if let Some(v) = s(h, "protocol").and_then(|p| p.strip_prefix("HTTP/")) {
        f.set("http.version", v);
    }
}

/// `C=US, O=Example Corp, CN=x` -> the ECS x509 name fields.
fn dn(f: &mut Fields, prefix: &str, name: &str) {
    for part in name.split(", ") {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let field = match k.trim() {
            "CN" => "common_name",
            "C" => "country",
            "O" => "organization",
            "OU" => "organizational_unit",
            "L" => "locality",
            "ST" => "state_or_province",
            _ => continue,
        };
        f.push_unique(format!("{prefix}.{field}"), v.trim());
    }
}

/// `2025-09-11T04:59:57` (UTC, no offset) as RFC 3339.
fn cert_time(v: Option<&str>) -> Option<String> {
    vigie_event::Timestamp::parse_rfc3339(v?)
        .ok()
        .map(|t| t.to_rfc3339())
}

/// `tls{subject, issuerdn, serial, fingerprint, sni, version, notbefore,
/// notafter, ja3{hash}, ja3s{hash}}`.
pub(super) fn tls(f: &mut Fields, t: &Obj) {
    if let Some(subject) = s(t, "subject") {
        f.set("tls.server.subject", subject);
        dn(f, "tls.server.x509.subject", subject);
    }
    if let Some(issuer) = s(t, "issuerdn") {
        f.set("tls.server.issuer", issuer);
        dn(f, "tls.server.x509.issuer", issuer);
    }
    if let Some(serial) = s(t, "serial") {
        f.set("tls.server.x509.serial_number", serial.replace(':', ""));
    }
    if let Some(fp) = s(t, "fingerprint") {
        let sha1 = fp.replace(':', "").to_ascii_uppercase();
        f.push_unique("related.hash", sha1.clone());
        f.set("tls.server.hash.sha1", sha1);
    }
    f.set_str(ecs::TLS_CLIENT_SERVER_NAME, s(t, "sni"));
    for (key, fields) in [
        (
            "notbefore",
            ["tls.server.not_before", "tls.server.x509.not_before"],
        ),
        (
            "notafter",
            ["tls.server.not_after", "tls.server.x509.not_after"],
        ),
    ] {
        if let Some(v) = cert_time(s(t, key)) {
            for name in fields {
                f.set(name, v.clone());
            }
        }
    }
    for (key, field) in [("ja3", "tls.client.ja3"), ("ja3s", "tls.server.ja3s")] {
        let hash = t
            .get(key)
            .and_then(Value::as_object)
            .and_then(|o| s(o, "hash"));
        if let Some(h) = hash {
            f.set(field, h);
            f.push_unique("related.hash", h);
        }
    }
    if let Some(v) = s(t, "version") {
        // "TLS 1.2" (current), "TLSv1"/"SSLv3" (older releases).
        let split = v.split_once(' ').or_else(|| {
            v.strip_prefix("TLSv")
                .map(|n| ("TLS", n))
                .or_else(|| v.strip_prefix("SSLv").map(|n| ("SSL", n)))
        });
        if let Some((proto, num)) = split.filter(|(p, n)| !p.is_empty() && !n.is_empty()) {
            let num = if num.contains('.') {
                num.to_owned()
            } else {
                format!("{num}.0")
            };
            f.set(ecs::TLS_VERSION_PROTOCOL, proto.to_ascii_lowercase());
            f.set(ecs::TLS_VERSION, num);
        }
    }
}

/// `fileinfo{filename, size, md5, sha1, sha256, magic, ...}`.
pub(super) fn fileinfo(f: &mut Fields, fi: &Obj, http: Option<&Obj>) {
    if let Some(name) = s(fi, "filename") {
        f.set("file.path", name);
        let base = name.rsplit('/').next().filter(|b| !b.is_empty());
        f.set_str("file.name", base.or(Some(name)));
    }
    if let Some(size) = int(fi, "size") {
        f.set("file.size", size);
    }
    for algo in ["md5", "sha1", "sha256"] {
        if let Some(h) = s(fi, algo) {
            f.set(format!("file.hash.{algo}"), h);
            f.push_unique("related.hash", h);
        }
    }
    f.set_str(
        "file.mime_type",
        http.and_then(|h| s(h, "http_content_type")),
    );
}

/// `stats`: huge (hundreds of counters); only the headline ones are kept.
pub(super) fn stats(f: &mut Fields, st: &Obj) {
    if let Some(up) = int(st, "uptime") {
        f.set("suricata.eve.stats.uptime", up);
    }
    let nested = |a: &str, b: &str| st.get(a).and_then(Value::as_object).and_then(|o| int(o, b));
    for (a, b) in [
        ("capture", "kernel_packets"),
        ("capture", "kernel_drops"),
        ("decoder", "pkts"),
        ("decoder", "bytes"),
        ("flow", "memuse"),
    ] {
        if let Some(v) = nested(a, b) {
            f.set(format!("suricata.eve.stats.{a}.{b}"), v);
        }
    }
}
