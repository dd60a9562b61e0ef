//! Parsing of one auditd record line: the `node=`/`type=`/`msg=audit(...)`
//! header, the `key=value` pairs (quoted, unquoted, hex-encoded, nested
//! `msg='...'`, enriched uppercase fields) and hex decoding.

use std::borrow::Cow;

use vigie_event::Timestamp;

use crate::NormalizeError;

/// The header of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Header<'a> {
    pub node: Option<&'a str>,
    pub rtype: &'a str,
    /// `EPOCH.mmm` and `SERIAL` of `msg=audit(EPOCH.mmm:SERIAL):`, if any.
    pub stamp: Option<(&'a str, u64)>,
    /// What follows the header.
    pub body: &'a str,
}

fn wrong(reason: impl Into<String>) -> NormalizeError {
    NormalizeError::WrongFormat {
        dataset: "auditd",
        reason: reason.into(),
    }
}

/// Splits `node=host ` (optional), `type=T ` and `msg=audit(E:S):`.
pub fn header(line: &str) -> Result<Header<'_>, NormalizeError> {
    let mut rest = line.trim_start();
    let mut node = None;
    if let Some(r) = rest.strip_prefix("node=") {
        let end = r.find(' ').unwrap_or(r.len());
        node = Some(&r[..end]).filter(|n| !n.is_empty());
        rest = r[end..].trim_start();
    }
    let r = rest
        .strip_prefix("type=")
        .ok_or_else(|| wrong("expected `type=` at the start of the record"))?;
    let end = r.find([' ', '\t']).unwrap_or(r.len());
    let rtype = &r[..end];
    if rtype.is_empty() {
        return Err(wrong("empty `type=`"));
    }
    let after = r[end..].trim_start();
    let Some(a) = after.strip_prefix("msg=audit(") else {
        return Ok(Header {
            node,
            rtype,
            stamp: None,
            body: after.strip_prefix("msg=").unwrap_or(after),
        });
    };
    let close = a
        .find(')')
        .ok_or_else(|| wrong("`msg=audit(` without its closing `)`"))?;
    let (epoch, serial) = a[..close]
        .split_once(':')
        .ok_or_else(|| wrong("`msg=audit(...)` without `:SERIAL`"))?;
    let serial: u64 = serial.parse().map_err(|_| {
        NormalizeError::invalid("msg", format!("serial {serial:?} is not a number"))
    })?;
    Timestamp::parse_epoch_decimal(epoch)
        .map_err(|e| NormalizeError::invalid("msg", format!("audit timestamp: {e}")))?;
    let body = &a[close + 1..];
    let body = body.strip_prefix(':').unwrap_or(body);
    Ok(Header {
        node,
        rtype,
        stamp: Some((epoch, serial)),
        body,
    })
}

/// One `key=value` pair; `value` is unquoted but not hex-decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub quoted: bool,
}

fn is_sep(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{1d}'
}

fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'[' | b']'))
}

/// The `key=value` pairs of a record body, nested `msg='...'` included
/// (flattened in place). Words that are not pairs (`avc:  denied {`,
/// `auditd normal halt,`) are passed over.
pub fn pairs(body: &str) -> Vec<Pair<'_>> {
    let mut out = Vec::with_capacity(24);
    collect(body, &mut out, 0);
    out
}

fn collect<'a>(mut s: &'a str, out: &mut Vec<Pair<'a>>, depth: u8) {
    loop {
        s = s.trim_start_matches(is_sep);
        if s.is_empty() {
            return;
        }
        let word_end = s.find(is_sep).unwrap_or(s.len());
        let Some(eq) = s[..word_end].find('=') else {
            s = &s[word_end..];
            continue;
        };
        let key = &s[..eq];
        let v = &s[eq + 1..];
        let (value, quoted, rest) = if let Some(q) = v.strip_prefix('"') {
            match q.find('"') {
                Some(i) => (&q[..i], true, &q[i + 1..]),
                None => (q, true, ""),
            }
        } else if let (Some(q), true) = (v.strip_prefix('\''), depth == 0) {
            let (inner, rest) = match q.find('\'') {
                Some(i) => (&q[..i], &q[i + 1..]),
                None => (q, ""),
            };
            collect(inner, out, depth + 1);
            s = rest;
            continue;
        } else {
            let end = v.find(is_sep).unwrap_or(v.len());
            (&v[..end], false, &v[end..])
        };
        if is_key(key) {
            out.push(Pair { key, value, quoted });
        }
        s = rest;
    }
}

/// Whether `key` may carry a hex-encoded value (auditd encodes these when
/// they contain spaces, quotes or control characters).
pub fn hex_field(key: &str) -> bool {
    matches!(
        key,
        "proctitle"
            | "exe"
            | "cmd"
            | "data"
            | "name"
            | "comm"
            | "cwd"
            | "path"
            | "acct"
            | "key"
            | "vm"
            | "sw"
            | "root_dir"
            | "new"
            | "old"
    ) || execve_arg(key).is_some()
}

/// `a3` -> (3, 0) and `a3[2]` -> (3, 2); anything else (`a3_len`) -> None.
pub fn execve_arg(key: &str) -> Option<(usize, usize)> {
    let k = key.strip_prefix('a')?;
    match k.split_once('[') {
        Some((i, j)) => Some((i.parse().ok()?, j.strip_suffix(']')?.parse().ok()?)),
        None if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
            Some((k.parse().ok()?, 0))
        }
        None => None,
    }
}

/// Decodes an even-length run of hex digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// The raw bytes of a value: hex-decoded when it is an unquoted hex run of
/// a hex-encodable field, else the text itself.
pub fn value_bytes<'a>(p: &Pair<'a>) -> Cow<'a, [u8]> {
    if !p.quoted && hex_field(p.key) {
        if let Some(v) = unhex(p.value) {
            return Cow::Owned(v);
        }
    }
    Cow::Borrowed(p.value.as_bytes())
}

/// The text of a value, hex-decoded where it applies (NULs kept).
pub fn value_text<'a>(p: &Pair<'a>) -> Cow<'a, str> {
    match value_bytes(p) {
        Cow::Borrowed(_) => Cow::Borrowed(p.value),
        Cow::Owned(v) => Cow::Owned(String::from_utf8_lossy(&v).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_with_node() {
        let h = header("node=h1 type=SYSCALL msg=audit(1.5:7): a=b").unwrap();
        assert_eq!(h.node, Some("h1"));
        assert_eq!(h.rtype, "SYSCALL");
        assert_eq!(h.stamp, Some(("1.5", 7)));
        assert_eq!(h.body, " a=b");
    }

    #[test]
    fn nested_msg_and_quotes() {
        let p = pairs(" pid=1 msg='op=x acct=\"root\" addr=? res=success' k=\"a b\"");
        let keys: Vec<_> = p.iter().map(|p| (p.key, p.value)).collect();
        assert_eq!(
            keys,
            [
                ("pid", "1"),
                ("op", "x"),
                ("acct", "root"),
                ("addr", "?"),
                ("res", "success"),
                ("k", "a b")
            ]
        );
    }

    #[test]
    fn hex_decoding() {
        let p = Pair {
            key: "proctitle",
            value: "6C73002D6C",
            quoted: false,
        };
        assert_eq!(value_text(&p), "ls\0-l");
        let q = Pair {
            key: "proctitle",
            value: "bash",
            quoted: true,
        };
        assert_eq!(value_text(&q), "bash");
        assert_eq!(execve_arg("a12[3]"), Some((12, 3)));
        assert_eq!(execve_arg("a1_len"), None);
    }
}
