//! Small helpers over `serde_json::Value` shared by the JSON formats.

use serde_json::Value;

/// The value at a path of object keys.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// A non-empty string at a path.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A scalar at a path rendered as text: strings as they are, numbers and
/// booleans in their JSON spelling. Useful where sources mix `"0"` and `0`.
pub fn text_at(v: &Value, path: &[&str]) -> Option<String> {
    match at(v, path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer at a path, accepting numbers and numeric strings.
pub fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    match at(v, path)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether `s` is an IPv4 or IPv6 address (so it may go to `*.ip` fields).
pub fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_helpers() {
        let v = json!({"a": {"b": "x", "n": 5, "s": "7", "e": ""}});
        assert_eq!(str_at(&v, &["a", "b"]), Some("x"));
        assert_eq!(str_at(&v, &["a", "e"]), None);
        assert_eq!(text_at(&v, &["a", "n"]).as_deref(), Some("5"));
        assert_eq!(i64_at(&v, &["a", "s"]), Some(7));
        assert!(is_ip("::1") && is_ip("10.1.2.3") && !is_ip("ec2.amazonaws.com"));
    }
}
