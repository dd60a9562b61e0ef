//! Zeek's ASCII (TSV) writer: the `#` header block that configures the
//! stream, and data lines typed by the current `#types`.

use serde_json::Value;

use crate::{NormalizeError, StreamState};

/// Directive keys this format stores in [`StreamState::directives`].
pub(super) const SEPARATOR: &str = "zeek.separator";
const SET_SEPARATOR: &str = "zeek.set_separator";
const EMPTY_FIELD: &str = "zeek.empty_field";
const UNSET_FIELD: &str = "zeek.unset_field";
pub(super) const PATH: &str = "zeek.path";

/// Decodes Zeek's `\xNN` escapes; other backslashes are kept as they are.
/// Bytes that do not form UTF-8 become U+FFFD.
pub(super) fn unescape(s: &str) -> String {
    if !s.contains("\\x") {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            let hex = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Applies one `#...` header line to the stream state.
pub(super) fn header_line(line: &str, state: &mut StreamState) {
    let body = line.strip_prefix('#').unwrap_or(line);
    if let Some(v) = body.strip_prefix("separator ") {
        let sep = unescape(v.trim());
        // A new header block begins: the old columns no longer apply.
        state.set_directive(SEPARATOR, if sep.is_empty() { "\t" } else { &sep });
        state.header = None;
        state.header_types = None;
        return;
    }
    let sep = state.directive(SEPARATOR).unwrap_or("\t").to_owned();
    let (name, value) = match body.split_once(sep.as_str()) {
        Some((n, v)) => (n, v),
        // The btest baselines mask `#open<TAB>ts` as `#open XXXX`.
        None => body.split_once(' ').unwrap_or((body, "")),
    };
    let split = || value.split(sep.as_str()).map(str::to_owned).collect();
    match name {
        "fields" => state.header = Some(split()),
        "types" => state.header_types = Some(split()),
        "set_separator" => state.set_directive(SET_SEPARATOR, &unescape(value)),
        "empty_field" => state.set_directive(EMPTY_FIELD, &unescape(value)),
        "unset_field" => state.set_directive(UNSET_FIELD, &unescape(value)),
        "path" => {
            state.set_directive(PATH, value);
            // A new file begins: its #types follow, forget the old ones.
            state.header_types = None;
        }
        other
            if !other.is_empty()
                && other
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
        {
            state.set_directive(&format!("zeek.{other}"), value);
        }
        _ => {}
    }
}

/// Whether the state holds a Zeek TSV header.
pub(super) fn has_header(state: &StreamState) -> bool {
    state.header.is_some() && state.directive(SEPARATOR).is_some()
}

/// Splits a data line with the current header into `(name, value)` pairs;
/// unset fields are left out.
pub(super) fn data_line(
    line: &str,
    state: &StreamState,
) -> Result<Vec<(String, Value)>, NormalizeError> {
    let names = state
        .header
        .as_deref()
        .ok_or_else(|| NormalizeError::WrongFormat {
            dataset: "zeek",
            reason: "a TSV data line before any #fields header".into(),
        })?;
    let types = state.header_types.as_deref().unwrap_or(&[]);
    let sep = state.directive(SEPARATOR).unwrap_or("\t");
    let set_sep = state
        .directive(SET_SEPARATOR)
        .filter(|s| !s.is_empty())
        .unwrap_or(",");
    let empty = state.directive(EMPTY_FIELD).unwrap_or("(empty)");
    let unset = state.directive(UNSET_FIELD).unwrap_or("-");
    let cols: Vec<&str> = line.split(sep).collect();
    if cols.len() != names.len() {
        return Err(NormalizeError::invalid(
            "#fields",
            format!(
                "the header names {} fields, the line has {}",
                names.len(),
                cols.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(cols.len());
    for (i, (name, raw)) in names.iter().zip(cols).enumerate() {
        if raw == unset {
            continue;
        }
        let ty = types.get(i).map_or("string", String::as_str);
        let value = match container_inner(ty) {
            Some(_) if raw == empty => Value::Array(Vec::new()),
            Some(inner) => Value::Array(
                raw.split(set_sep)
                    .filter(|e| *e != unset)
                    .map(|e| typed(inner, e))
                    .collect(),
            ),
            None if raw == empty => continue,
            None => typed(ty, raw),
        };
        out.push((name.clone(), value));
    }
    Ok(out)
}

/// `set[T]`/`vector[T]` -> `T`.
fn container_inner(ty: &str) -> Option<&str> {
    ty.strip_prefix("set[")
        .or_else(|| ty.strip_prefix("vector["))
        .and_then(|t| t.strip_suffix(']'))
}

/// One scalar typed by its Zeek type; a value that does not parse as its
/// type is kept as text.
pub(super) fn typed(ty: &str, raw: &str) -> Value {
    match ty {
        "count" | "int" | "port" => {
            if let Ok(n) = raw.parse::<i64>() {
                return Value::from(n);
            }
            if let Ok(n) = raw.parse::<u64>() {
                return Value::from(n);
            }
        }
        "double" | "interval" | "time" => {
            if let Some(f) = raw.parse::<f64>().ok().filter(|f| f.is_finite()) {
                return Value::from(f);
            }
        }
        "bool" => match raw {
            "T" => return Value::Bool(true),
            "F" => return Value::Bool(false),
            _ => {}
        },
        _ => {}
    }
    Value::String(unescape(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_decodes_hex_and_keeps_the_rest() {
        assert_eq!(unescape("a\\x09b"), "a\tb");
        assert_eq!(unescape("\\x2d"), "-");
        assert_eq!(unescape("\\xzz\\"), "\\xzz\\");
        assert_eq!(unescape("\\xc3\\xb1"), "ñ");
    }

    #[test]
    fn types() {
        assert_eq!(typed("count", "7"), Value::from(7));
        assert_eq!(typed("bool", "T"), Value::Bool(true));
        assert_eq!(typed("interval", "0.5"), Value::from(0.5));
        assert_eq!(typed("count", "x"), Value::from("x"));
    }
}
