//! Zeek's JSON writer (`LogAscii::use_json`) and what shippers add: the
//! `id_orig_h` spelling, `@stream`/`@system`/`@proc`/`_path`, and Splunk's
//! `result._raw` wrapper.

use serde_json::{Map, Value};

use crate::NormalizeError;

/// One JSON record: its log path (if it names one) and its fields.
pub(super) struct JsonRecord {
    pub path: Option<String>,
    pub system: Option<String>,
    pub fields: Vec<(String, Value)>,
}

/// Parses one JSON line, unwrapping a Splunk export.
pub(super) fn parse(record: &str) -> Result<JsonRecord, NormalizeError> {
    let mut map: Map<String, Value> = serde_json::from_str(record)?;
    if let Some(Value::String(raw)) = map.get("result").and_then(|r| r.get("_raw")) {
        map = serde_json::from_str(raw).map_err(|e| {
            NormalizeError::invalid("result._raw", format!("not a Zeek JSON object: {e}"))
        })?;
    }
    let mut path = None;
    let mut system = None;
    let mut fields = Vec::with_capacity(map.len());
    for (k, v) in map {
        match k.as_str() {
            "_path" | "@stream" => {
                if let Value::String(s) = v {
                    path.get_or_insert(s);
                }
            }
            "@system" => system = v.as_str().map(str::to_owned),
            "@proc" => {}
            _ => fields.push((dotted(k), v)),
        }
    }
    Ok(JsonRecord {
        path: path.filter(|p| !p.is_empty()),
        system,
        fields,
    })
}

/// Restores Zeek's dotted names where a shipper replaced the dots
/// (`id_orig_h` -> `id.orig_h`, `certificate_subject` -> `certificate.subject`).
fn dotted(k: String) -> String {
    for prefix in ["id_", "certificate_", "san_", "basic_constraints_"] {
        if let Some(rest) = k.strip_prefix(prefix) {
            return format!("{}.{rest}", &prefix[..prefix.len() - 1]);
        }
    }
    k
}

/// Infers the log path from the keys of a record that does not name it.
pub(super) fn infer_path(fields: &[(String, Value)]) -> &'static str {
    let has = |k: &str| fields.iter().any(|(n, _)| n == k);
    if has("note") {
        "notice"
    } else if has("conn_state") || (has("history") && has("orig_bytes")) {
        "conn"
    } else if has("query") || has("qtype_name") {
        "dns"
    } else if has("method") || has("uri") || has("status_code") {
        "http"
    } else if has("certificate.subject") || has("certificate.serial") {
        "x509"
    } else if has("server_name") || has("cipher") || has("ssl_history") {
        "ssl"
    } else if has("auth_success") || (has("client") && has("server")) {
        "ssh"
    } else if has("fuid") && (has("mime_type") || has("seen_bytes") || has("analyzers")) {
        "files"
    } else if has("name") && (has("uid") || has("addl") || has("peer")) {
        "weird"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipper_spelling_and_extras() {
        let r = parse(r#"{"@stream":"conn","@system":"s","@proc":"zeek","id_orig_h":"1.2.3.4"}"#)
            .unwrap();
        assert_eq!(r.path.as_deref(), Some("conn"));
        assert_eq!(r.system.as_deref(), Some("s"));
        assert_eq!(r.fields[0].0, "id.orig_h");
    }

    #[test]
    fn splunk_wrapper() {
        let r = parse(r#"{"result":{"_raw":"{\"uid\":\"C1\",\"query\":\"a\"}"}}"#).unwrap();
        assert_eq!(infer_path(&r.fields), "dns");
    }
}
