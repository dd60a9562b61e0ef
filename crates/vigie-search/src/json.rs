//! A small, allocation-light JSON scanner that reports scalar *values* only.
//!
//! It walks the bytes once with an explicit stack (no recursion on input, so
//! any nesting depth is safe), knows whether a string is an object key, and
//! hands each value to a callback: strings without escapes are handed out as
//! borrowed slices of the input, strings with escapes are unescaped into a
//! fresh `String`. `null` is not a value worth tokenizing and is skipped.

use std::borrow::Cow;

/// What the scanner found wrong; the caller only needs to know "not JSON".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidJson;

/// A scalar value as it appears in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawValue<'a> {
    /// Text usable as is: a string without escapes, a number, `true`/`false`.
    Plain(&'a str),
    /// The raw content between the quotes of a string that holds escapes.
    Escaped(&'a str),
}

impl<'a> RawValue<'a> {
    /// The value's text, unescaping strings when needed.
    pub(crate) fn text(self) -> Cow<'a, str> {
        match self {
            RawValue::Plain(text) => Cow::Borrowed(text),
            RawValue::Escaped(raw) => Cow::Owned(unescape(raw)),
        }
    }
}

/// True if `text`, after leading whitespace, starts like a JSON container.
pub(crate) fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start().as_bytes().first(),
        Some(b'{') | Some(b'[')
    )
}

/// Scans `text` as one JSON document, calling `on_value` for every scalar
/// value (never for keys). Returns `Err` as soon as the input is not valid
/// JSON; values seen before that point have already been reported.
pub(crate) fn scan_values<'a>(
    text: &'a str,
    on_value: &mut impl FnMut(RawValue<'a>),
) -> Result<(), InvalidJson> {
    let bytes = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut pos = skip_ws(bytes, 0);
    loop {
        // Expecting a value at `pos`.
        match bytes.get(pos).copied() {
            Some(b'{') => {
                pos = skip_ws(bytes, pos + 1);
                if bytes.get(pos) == Some(&b'}') {
                    pos += 1;
                } else {
                    stack.push(b'{');
                    pos = scan_key(bytes, pos)?;
                    continue;
                }
            }
            Some(b'[') => {
                pos = skip_ws(bytes, pos + 1);
                if bytes.get(pos) == Some(&b']') {
                    pos += 1;
                } else {
                    stack.push(b'[');
                    continue;
                }
            }
            Some(b'"') => {
                let (end, escaped) = scan_string(bytes, pos)?;
                let content = text.get(pos + 1..end - 1).ok_or(InvalidJson)?;
                on_value(if escaped {
                    RawValue::Escaped(content)
                } else {
                    RawValue::Plain(content)
                });
                pos = end;
            }
            Some(b'-' | b'0'..=b'9') => {
                let end = scan_number(bytes, pos)?;
                on_value(RawValue::Plain(text.get(pos..end).ok_or(InvalidJson)?));
                pos = end;
            }
            Some(b't') => {
                pos = expect_literal(bytes, pos, b"true")?;
                on_value(RawValue::Plain("true"));
            }
            Some(b'f') => {
                pos = expect_literal(bytes, pos, b"false")?;
                on_value(RawValue::Plain("false"));
            }
            Some(b'n') => pos = expect_literal(bytes, pos, b"null")?,
            _ => return Err(InvalidJson),
        }
        // After a complete value: close containers or move to the next one.
        loop {
            pos = skip_ws(bytes, pos);
            let Some(&open) = stack.last() else {
                return if pos == bytes.len() {
                    Ok(())
                } else {
                    Err(InvalidJson)
                };
            };
            match (open, bytes.get(pos).copied()) {
                (b'{', Some(b',')) => {
                    pos = scan_key(bytes, skip_ws(bytes, pos + 1))?;
                    break;
                }
                (b'[', Some(b',')) => {
                    pos = skip_ws(bytes, pos + 1);
                    break;
                }
                (b'{', Some(b'}')) | (b'[', Some(b']')) => {
                    stack.pop();
                    pos += 1;
                }
                _ => return Err(InvalidJson),
            }
        }
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// Scans `"key"` then `:` starting at `pos`; returns the position of the
/// value that follows (whitespace skipped).
fn scan_key(bytes: &[u8], pos: usize) -> Result<usize, InvalidJson> {
    if bytes.get(pos) != Some(&b'"') {
        return Err(InvalidJson);
    }
    let (end, _) = scan_string(bytes, pos)?;
    let colon = skip_ws(bytes, end);
    if bytes.get(colon) != Some(&b':') {
        return Err(InvalidJson);
    }
    Ok(skip_ws(bytes, colon + 1))
}

/// Bytes that end the fast path inside a string: `"`, `\\` and controls.
const STRING_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        table[b] = b < 0x20 || b == b'"' as usize || b == b'\\' as usize;
        b += 1;
    }
    table
};

/// Scans a string whose opening quote is at `pos`; returns the position just
/// past the closing quote and whether the string holds escapes.
fn scan_string(bytes: &[u8], pos: usize) -> Result<(usize, bool), InvalidJson> {
    let mut i = pos + 1;
    let mut escaped = false;
    loop {
        // Fast path over ordinary string bytes.
        while bytes
            .get(i)
            .is_some_and(|&b| !STRING_SPECIAL[usize::from(b)])
        {
            i += 1;
        }
        match bytes.get(i).copied() {
            None => return Err(InvalidJson),
            Some(b'"') => return Ok((i + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                match bytes.get(i + 1).copied() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let hex = bytes.get(i + 2..i + 6).ok_or(InvalidJson)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(InvalidJson);
                        }
                        i += 6;
                    }
                    _ => return Err(InvalidJson),
                }
            }
            Some(0x00..=0x1f) => return Err(InvalidJson),
            Some(_) => i += 1,
        }
    }
}

/// Scans a JSON number at `pos`; returns the position just past it.
fn scan_number(bytes: &[u8], pos: usize) -> Result<usize, InvalidJson> {
    let digits_from = |mut i: usize| {
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > start)
    };
    let mut i = pos;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_from(i).0,
        _ => return Err(InvalidJson),
    }
    if bytes.get(i) == Some(&b'.') {
        let (end, any) = digits_from(i + 1);
        if !any {
            return Err(InvalidJson);
        }
        i = end;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        let (end, any) = digits_from(i);
        if !any {
            return Err(InvalidJson);
        }
        i = end;
    }
    Ok(i)
}

fn expect_literal(bytes: &[u8], pos: usize, literal: &[u8]) -> Result<usize, InvalidJson> {
    let end = pos + literal.len();
    if bytes.get(pos..end) == Some(literal) {
        Ok(end)
    } else {
        Err(InvalidJson)
    }
}

/// Resolves JSON escapes in the raw content of a string that
/// [`scan_string`] accepted. Lone surrogates become U+FFFD.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let first = read_hex4(&mut chars);
                let code = match first {
                    Some(high @ 0xD800..=0xDBFF) => {
                        let mut lookahead = chars.clone();
                        let low = match (lookahead.next(), lookahead.next()) {
                            (Some('\\'), Some('u')) => read_hex4(&mut lookahead),
                            _ => None,
                        };
                        match low {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                chars = lookahead;
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            }
                            _ => 0xFFFD,
                        }
                    }
                    Some(code) => code,
                    None => 0xFFFD,
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn read_hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut code = 0u32;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Result<Vec<String>, InvalidJson> {
        let mut out = Vec::new();
        scan_values(text, &mut |v| out.push(v.text().into_owned()))?;
        Ok(out)
    }

    #[test]
    fn reports_values_but_never_keys() {
        let got = values(
            r#"{"user":"alice","n":-1.5e3,"ok":true,"no":false,"z":null,"a":[1,"x",{"k":"v"}]}"#,
        );
        assert_eq!(
            got,
            Ok(vec!["alice", "-1.5e3", "true", "false", "1", "x", "v"]
                .into_iter()
                .map(String::from)
                .collect())
        );
    }

    #[test]
    fn unescapes_strings_with_escapes() {
        let got = values(r#"["a\"b\\c\/d\n", "\u00e9\ud83d\ude00", "\ud800x"]"#);
        assert_eq!(
            got,
            Ok(vec![
                "a\"b\\c/d\n".to_string(),
                "é😀".to_string(),
                "\u{FFFD}x".to_string()
            ])
        );
    }

    #[test]
    fn rejects_invalid_documents() {
        for bad in [
            "{",
            "[1,]",
            "{\"a\"}",
            "{\"a\":}",
            "[01]",
            "[1.]",
            "[1e]",
            "[tru]",
            "[\"a]",
            "{} x",
            "[\"\\x\"]",
            "[\"\\u12\"]",
            "{1:2}",
            "[1 2]",
            "[\"a\u{1}\"]",
            "]",
        ] {
            assert_eq!(values(bad), Err(InvalidJson), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = 200_000;
        let text = format!("{}\"deep\"{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(values(&text), Ok(vec!["deep".to_string()]));
    }

    #[test]
    fn empty_containers_are_valid() {
        assert_eq!(values(" { } "), Ok(vec![]));
        assert_eq!(values("[[],{}]"), Ok(vec![]));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_json_on_validity(text in "[\\[\\]{}\",:a-c0-9 .eE+\\-\\\\tnul]{0,24}") {
            let ours = values(&text).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            if text.trim_start().starts_with(['{', '[']) {
                proptest::prop_assert_eq!(ours, theirs);
            }
        }
    }
}
