//! The syslog header parsers: RFC 5424 and RFC 3164 (BSD), plus the year
//! inference 3164 timestamps need and rsyslog's `#ooo` escape decoding.
//!
//! Everything here borrows from the line and never panics: positions are
//! found with `find`/`split_once`, never by indexing.

use std::borrow::Cow;

use vigie_event::Timestamp;

/// One structured-data element of RFC 5424: `[id name="value" ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SdElement<'a> {
    pub id: &'a str,
    pub params: Vec<(&'a str, String)>,
}

/// A parsed syslog line.
#[derive(Debug, Clone, PartialEq)]
pub struct Header<'a> {
    pub pri: Option<u8>,
    /// `Some("1")` for RFC 5424.
    pub version: Option<&'a str>,
    /// `None` for a nil (`-`) 5424 timestamp.
    pub timestamp: Option<Timestamp>,
    pub host: Option<&'a str>,
    pub app: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    pub sd: Vec<SdElement<'a>>,
    pub msg: &'a str,
}

/// Why a line is not syslog (kept in the parse-failure event's `error.message`).
pub type ParseError = &'static str;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `<PRI>` at the start of `line`: the value (0..=191) and the rest.
pub fn split_pri(line: &str) -> Result<(Option<u8>, &str), ParseError> {
    let Some(rest) = line.strip_prefix('<') else {
        return Ok((None, line));
    };
    let (digits, rest) = rest.split_once('>').ok_or("PRI: missing `>`")?;
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("PRI: expected 1 to 3 digits");
    }
    let pri: u16 = digits.parse().map_err(|_| "PRI: expected digits")?;
    if pri > 191 {
        return Err("PRI: above 191");
    }
    Ok((Some(pri as u8), rest))
}

/// Parses one line, RFC 5424 first, RFC 3164 otherwise. `now` is the
/// reference time for 3164's missing year.
pub fn parse(line: &str, now: Timestamp) -> Result<Header<'_>, ParseError> {
    let (pri, rest) = split_pri(line)?;
    if pri.is_some() {
        if let Some(body) = rest.strip_prefix("1 ") {
            return parse_5424(pri, body);
        }
    }
    parse_3164(pri, rest, now)
}

/// Splits the next space-delimited token off `s` (one space consumed).
fn token(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((t, rest)) => (t, rest),
        None => (s, ""),
    }
}

fn nil(t: &str) -> Option<&str> {
    (t != "-" && !t.is_empty()).then_some(t)
}

fn parse_5424(pri: Option<u8>, body: &str) -> Result<Header<'_>, ParseError> {
    let (ts, rest) = token(body);
    let timestamp = match ts {
        "-" => None,
        t => Some(Timestamp::parse_rfc3339(t).map_err(|_| "RFC 5424: invalid TIMESTAMP")?),
    };
    let (host, rest) = token(rest);
    let (app, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (msgid, rest) = token(rest);
    if msgid.is_empty() {
        return Err("RFC 5424: missing MSGID");
    }
    let (sd, rest) = if let Some(r) = rest.strip_prefix('-') {
        (Vec::new(), r)
    } else if rest.starts_with('[') {
        parse_sd(rest)?
    } else {
        return Err("RFC 5424: STRUCTURED-DATA must be `-` or `[...]`");
    };
    let msg = match rest.strip_prefix(' ') {
        Some(m) => m.strip_prefix('\u{feff}').unwrap_or(m),
        None if rest.is_empty() => "",
        None => return Err("RFC 5424: expected a space after STRUCTURED-DATA"),
    };
    Ok(Header {
        pri,
        version: Some("1"),
        timestamp,
        host: nil(host),
        app: nil(app),
        procid: nil(procid),
        msgid: nil(msgid),
        sd,
        msg,
    })
}

/// Parses `[id k="v" ...][...]`, returning the elements and what follows.
fn parse_sd(mut s: &str) -> Result<(Vec<SdElement<'_>>, &str), ParseError> {
    let mut out = Vec::new();
    while let Some(body) = s.strip_prefix('[') {
        let id_end = body
            .find([' ', ']'])
            .ok_or("STRUCTURED-DATA: unterminated element")?;
        let id = body.get(..id_end).unwrap_or("");
        if id.is_empty() {
            return Err("STRUCTURED-DATA: empty SD-ID");
        }
        let mut rest = body.get(id_end..).unwrap_or("");
        let mut params = Vec::new();
        loop {
            if let Some(r) = rest.strip_prefix(']') {
                rest = r;
                break;
            }
            let r = rest
                .strip_prefix(' ')
                .ok_or("STRUCTURED-DATA: expected a space or `]` after a parameter")?;
            let (name, r) = r
                .split_once("=\"")
                .ok_or("STRUCTURED-DATA: expected name=\"value\"")?;
            if name.is_empty() || name.contains([' ', ']', '"']) {
                return Err("STRUCTURED-DATA: invalid PARAM-NAME");
            }
            let (value, r) = sd_value(r)?;
            params.push((name, value));
            rest = r;
        }
        out.push(SdElement { id, params });
        s = rest;
    }
    Ok((out, s))
}

/// A PARAM-VALUE up to its closing quote, with `\"`, `\\` and `\]` unescaped.
fn sd_value(s: &str) -> Result<(String, &str), ParseError> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, s.get(i + 1..).unwrap_or(""))),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                Some((_, e)) => {
                    value.push('\\');
                    value.push(e);
                }
                None => break,
            },
            c => value.push(c),
        }
    }
    Err("STRUCTURED-DATA: unterminated PARAM-VALUE")
}

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `hh:mm:ss[.frac]` -> (h, m, s, nanos).
fn parse_clock(s: &str) -> Option<(u32, u32, u32, u32)> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let mut it = hms.split(':');
    let h = two_digits(it.next()?)?;
    let m = two_digits(it.next()?)?;
    let sec = two_digits(it.next()?)?;
    if it.next().is_some() {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            digits.parse().ok()?
        }
        Some(_) => return None,
    };
    Some((h, m, sec, nanos))
}

/// The RFC 3164 timestamp at the start of `s` (`Mmm dd hh:mm:ss`, or an
/// ISO 8601 one from rsyslog's high-precision templates) and the rest.
fn parse_3164_time(s: &str, now: Timestamp) -> Result<(Timestamp, &str), ParseError> {
    let bytes = s.as_bytes();
    if bytes.len() >= 10 && bytes.get(4) == Some(&b'-') && bytes[..4].iter().all(u8::is_ascii_digit)
    {
        let (date, rest) = token(s);
        // `2020-03-23 06:47:42.801612-0700`: a space instead of `T`.
        let (text, rest) = if date.len() == 10 {
            let (clock, rest) = token(rest);
            (Cow::Owned(format!("{date}T{clock}")), rest)
        } else {
            (Cow::Borrowed(date), rest)
        };
        let ts = Timestamp::parse_rfc3339(&text).map_err(|_| "RFC 3164: invalid ISO timestamp")?;
        return Ok((ts, rest));
    }
    let month = s
        .get(..3)
        .and_then(|m| MONTHS.iter().position(|x| *x == m))
        .ok_or("RFC 3164: expected a month name")?;
    let rest = s
        .get(3..)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or("RFC 3164: expected a space after the month")?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest); // space-padded day
    let (day, rest) = token(rest);
    let day: u32 = match day.len() {
        1 | 2 if day.bytes().all(|b| b.is_ascii_digit()) => day.parse().unwrap_or(0),
        _ => return Err("RFC 3164: invalid day"),
    };
    let (clock, rest) = token(rest);
    let (h, m, sec, nanos) = parse_clock(clock).ok_or("RFC 3164: invalid hh:mm:ss")?;
    let ts =
        infer_year(month as u32 + 1, day, h, m, sec, nanos, now).ok_or("RFC 3164: invalid date")?;
    Ok((ts, rest))
}

/// The instant of a year-less timestamp (taken as UTC): among the previous,
/// current and next year of `now`, the latest instant not more than one day
/// after `now` (so a `Dec 31` line read on Jan 1 belongs to the previous
/// year, and a clock slightly ahead of the collector stays in this year).
pub fn infer_year(
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    now: Timestamp,
) -> Option<Timestamp> {
    let (year, ..) = now.to_civil();
    let limit = now.as_nanos().saturating_add(86_400 * 1_000_000_000);
    (year - 1..=year + 1)
        .filter_map(|y| Timestamp::from_civil(y, month, day, hour, minute, second, nanos))
        .filter(|t| t.as_nanos() <= limit)
        .max()
        .or_else(|| {
            // Feb 29 of a year that is not near a leap year: go further back.
            (year - 8..year - 1)
                .rev()
                .find_map(|y| Timestamp::from_civil(y, month, day, hour, minute, second, nanos))
        })
}

fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '(' | ')' | '@')
}

/// `tag[pid]:`, `tag:`, `tag[pid]` or a bare `tag`: (app, pid), if `t` is one.
fn parse_tag(t: &str) -> Option<(&str, Option<&str>)> {
    let t = t.strip_suffix(':').unwrap_or(t);
    let (app, pid) = match t.split_once('[') {
        Some((app, p)) => (app, Some(p.strip_suffix(']')?)),
        None => (t, None),
    };
    if app.is_empty() || app.len() > 64 || !app.chars().all(is_tag_char) {
        return None;
    }
    Some((app, pid))
}

fn parse_3164(pri: Option<u8>, s: &str, now: Timestamp) -> Result<Header<'_>, ParseError> {
    let (timestamp, rest) = parse_3164_time(s, now)?;
    let rest = rest.trim_start_matches(' ');
    let (first, after_first) = token(rest);
    // With no hostname the first token is already the tag (`sshd[1332]:`).
    let first_is_tag = first.ends_with(':') || first.contains('[');
    let (host, rest) = if first_is_tag {
        (None, rest)
    } else {
        (nil(first), after_first)
    };
    let (tag, after_tag) = token(rest);
    let (app, procid, msg) = match parse_tag(tag) {
        Some((app, pid)) => (Some(app), pid, after_tag),
        None => (None, None, rest),
    };
    Ok(Header {
        pri,
        version: None,
        timestamp: Some(timestamp),
        host,
        app,
        procid: procid.and_then(nil),
        msgid: None,
        sd: Vec::new(),
        msg,
    })
}

/// Decodes rsyslog's control-character escapes (`#012` newline, `#011`
/// tab: `#` and three octal digits of a value below 32, or 127).
pub fn decode_escapes(msg: &str) -> Cow<'_, str> {
    if !msg.contains('#') {
        return Cow::Borrowed(msg);
    }
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find('#') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        let code = after
            .get(..3)
            .filter(|d| d.bytes().all(|b| (b'0'..=b'7').contains(&b)))
            .and_then(|d| u8::from_str_radix(d, 8).ok())
            .filter(|&v| v < 32 || v == 127);
        match code {
            Some(v) => {
                out.push(char::from(v));
                rest = after.get(3..).unwrap_or("");
            }
            None => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}
