//! Small decoding helpers for the GCP formats: borrowed strings, lenient
//! scalars (`"true"` as well as `true`), JSON parts kept as text or
//! flattened, percent-decoding of `logName`, and the base64 of Pub/Sub
//! push messages.

use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::Value;
use vigie_event::Fields;

pub(crate) use crate::json::{lenient_bool, lenient_i64, opt, scalar_text, Str};

/// Parses JSON text into a `Value`, `None` for absent, `null`, `{}` or `[]`.
pub(crate) fn json_value(raw: Option<&RawValue>) -> Option<Value> {
    let v: Value = serde_json::from_str(raw?.get()).ok()?;
    match &v {
        Value::Null => None,
        Value::Object(m) if m.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        _ => Some(v),
    }
}

/// JSON text of a part kept verbatim, unless it is empty (`{}`, `null`).
pub(crate) fn json_text(raw: Option<&RawValue>) -> Option<&str> {
    let t = raw?.get().trim();
    let empty = t == "null"
        || t.strip_prefix('{').is_some_and(|r| r.trim_start() == "}")
        || t.strip_prefix('[').is_some_and(|r| r.trim_start() == "]");
    (!empty).then_some(t)
}

/// Sets `v` under `prefix` as dotted leaf fields (objects walked, arrays
/// kept whole). Dots inside keys (`authorization.k8s.io/decision`) become
/// `_`, so that a dotted name always means one path.
pub(crate) fn set_flat(f: &mut Fields, prefix: &str, v: Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                set_flat(f, &format!("{prefix}.{}", k.replace('.', "_")), v);
            }
        }
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        v => f.set(prefix.to_owned(), v),
    }
}

/// Drops nulls, empty strings and empty objects/arrays, recursively.
pub(crate) fn prune(v: &mut Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => {
            a.retain_mut(|x| !prune(x));
            a.is_empty()
        }
        Value::Object(m) => {
            m.retain(|_, x| !prune(x));
            m.is_empty()
        }
        _ => false,
    }
}

/// Decodes `%XX` escapes (logName encodes `/` as `%2F`). Invalid escapes
/// are kept as they are; a result that is not UTF-8 returns the input.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hi = b.get(i + 1).and_then(|c| hex(*c));
            let lo = b.get(i + 2).and_then(|c| hex(*c));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(s),
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes standard or URL-safe base64, padded or not; line breaks and
/// spaces are skipped. `Err` holds the byte offset of the first bad input.
pub(crate) fn base64_decode(s: &str) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, c) in s.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return Err(i),
        };
        if padding {
            return Err(i);
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        // A lone character in the last group carries less than one byte.
        return Err(s.len());
    }
    Ok(out)
}

/// Standard padded base64 (for tests that build Pub/Sub envelopes).
#[cfg(test)]
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for k in 0..=chunk.len() {
            out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
        for _ in chunk.len()..3 {
            out.push('=');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(base64_decode("a"), Err(1));
        assert_eq!(base64_decode("aG!s"), Err(2));
        assert_eq!(base64_decode("aG=s"), Err(3));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("projects/p/logs/cloudaudit.googleapis.com%2Factivity"),
            "projects/p/logs/cloudaudit.googleapis.com/activity"
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%zz"), "a%zz");
        assert_eq!(percent_decode("%ff"), "%ff");
    }

    #[test]
    fn lenient_scalars() {
        let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
        assert_eq!(lenient_bool(&raw("\"true\"")), Some(true));
        assert_eq!(lenient_bool(&raw("false")), Some(false));
        assert_eq!(lenient_i64(&raw("\"7\"")), Some(7));
        assert_eq!(lenient_i64(&raw("7.0")), Some(7));
        assert_eq!(lenient_i64(&raw("{}")), None);
        assert_eq!(scalar_text(&raw("\"a\\/b\"")).as_deref(), Some("a/b"));
        assert_eq!(scalar_text(&raw("4")).as_deref(), Some("4"));
        assert_eq!(scalar_text(&raw("null")), None);
    }

    proptest! {
        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn base64_and_percent_never_panic(s in ".{0,64}") {
            let _ = base64_decode(&s);
            let _ = percent_decode(&s);
        }
    }
}
