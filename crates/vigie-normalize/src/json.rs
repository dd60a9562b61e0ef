//! Small helpers over `serde_json::Value` shared by the JSON formats.

use std::borrow::Cow;

use serde_json::value::RawValue;
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

/// A JSON string that borrows from the record when it has no escapes.
///
/// (`Option<Cow<'a, str>>` alone never borrows with serde; this newtype does.)
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Str<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// The text of an optional [`Str`], `None` when absent or empty.
pub(crate) fn opt<'s>(s: &'s Option<Str<'_>>) -> Option<&'s str> {
    s.as_ref().map(Str::as_str).filter(|s| !s.is_empty())
}

/// A scalar as text: strings unescaped, numbers and booleans as spelled;
/// `None` for objects, arrays, null and empty strings.
pub(crate) fn scalar_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    let t = raw.get().trim();
    match t.as_bytes().first()? {
        b'"' => serde_json::from_str::<Str<'_>>(t)
            .ok()
            .map(|s| s.0)
            .filter(|s| !s.is_empty()),
        b'{' | b'[' | b'n' => None,
        _ => Some(Cow::Borrowed(t)),
    }
}

/// A number written as a JSON number or a numeric string.
pub(crate) fn scalar_f64(raw: &RawValue) -> Option<f64> {
    scalar_text(raw)?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

/// A boolean written as `true` or `"true"` (exports re-serialize them).
pub(crate) fn lenient_bool(raw: &RawValue) -> Option<bool> {
    match raw.get().trim() {
        "true" | "\"true\"" => Some(true),
        "false" | "\"false\"" => Some(false),
        _ => None,
    }
}

/// An integer written as a number or a numeric string.
pub(crate) fn lenient_i64(raw: &RawValue) -> Option<i64> {
    let t = scalar_text(raw)?;
    let t = t.trim();
    t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    })
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
