//! Reading YAML scalars as numbers, and keeping environment values out of
//! error messages.

/// Replaces quotes of `value` in `message` by `raw`: `"value"` and
/// `` `value` `` always, bare occurrences when `value` is long enough not to
/// be part of ordinary words.
pub(super) fn unquote_value(message: &str, value: &str, raw: &str) -> String {
    let mut m = message
        .replace(&format!("\"{value}\""), &format!("\"{raw}\""))
        .replace(&format!("`{value}`"), &format!("`{raw}`"));
    if value.chars().count() >= 4 {
        m = m.replace(value, raw);
    }
    m
}

/// Parses a YAML integer: decimal with optional sign and `_` separators, or
/// `0x`/`0o`/`0b` prefixed.
pub(super) fn parse_int(text: &str) -> Option<i128> {
    let t: String = text.trim().chars().filter(|c| *c != '_').collect();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (radix, digits) = match digits.get(..2) {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ => (10, digits),
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(if neg { -n } else { n })
}

pub(super) fn parse_float(text: &str) -> Option<f64> {
    match text.trim() {
        ".inf" | ".Inf" | ".INF" | "+.inf" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// A plain scalar that YAML would read as a float (not words like `inf`).
pub(super) fn looks_float(text: &str) -> bool {
    let t = text.trim();
    let numeric = t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    (numeric && t.parse::<f64>().is_ok())
        || matches!(
            t,
            ".inf"
                | ".Inf"
                | ".INF"
                | "+.inf"
                | "-.inf"
                | "-.Inf"
                | "-.INF"
                | ".nan"
                | ".NaN"
                | ".NAN"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolated_values_are_not_quoted_back() {
        let m = unquote_value(
            "invalid address \"1\": expected 127.0.0.1:9190",
            "1",
            "${P}",
        );
        assert_eq!(m, "invalid address \"${P}\": expected 127.0.0.1:9190");
        let m = unquote_value("found secretvalue in `secretvalue`", "secretvalue", "${S}");
        assert_eq!(m, "found ${S} in `${S}`");
    }

    #[test]
    fn yaml_numbers() {
        assert_eq!(parse_int("50_000"), Some(50_000));
        assert_eq!(parse_int("-0x10"), Some(-16));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("+7"), Some(7));
        assert_eq!(parse_int("--7"), None);
        assert_eq!(parse_int("0x"), None);
        assert_eq!(parse_int("1.5"), None);
        assert!(looks_float("1.5") && looks_float("-2e3") && looks_float(".inf"));
        assert!(!looks_float("inf") && !looks_float("nan") && !looks_float("1.2.3"));
        assert!(!looks_float("-infinity") && !looks_float("+inf"));
    }
}
