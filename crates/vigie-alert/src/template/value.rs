//! The values templates work on, and how Go prints them.
//!
//! Alertmanager's template data is Go structs, maps and slices; here they
//! are [`Value`]s: [`Value::Object`] for `Data` and `Alert`,
//! [`Value::Kv`] for the `KV` label maps (with their `SortedPairs`,
//! `Names`, `Values` and `Remove` methods), [`Value::Alerts`] for the alert
//! list (with `Firing` and `Resolved`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use vigie_event::Timestamp;

/// A template value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Text marked safe for HTML (`safeHtml`): not escaped by HTML
    /// templates.
    Html(String),
    Time(Timestamp),
    /// Go's zero `time.Time` (the `EndsAt` of a firing alert).
    ZeroTime,
    List(Rc<Vec<Value>>),
    /// A list of alerts: a list with the `Firing` and `Resolved` methods.
    Alerts(Rc<Vec<Value>>),
    /// Alertmanager's `KV`: label names to values.
    Kv(Rc<BTreeMap<String, String>>),
    /// Alertmanager's `Pairs` (from `SortedPairs`).
    Pairs(Rc<Vec<(String, String)>>),
    /// One `Pair`, with `Name` and `Value`.
    Pair(Rc<(String, String)>),
    /// A struct: its type name and fields in declaration order.
    Object(Rc<Object>),
}

/// The fields of a struct value.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub type_name: &'static str,
    pub fields: Vec<(&'static str, Value)>,
}

impl Value {
    /// A string value.
    pub fn str(text: impl Into<String>) -> Value {
        Value::Str(text.into())
    }

    /// A list of strings.
    pub fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
        Value::List(Rc::new(
            items.into_iter().map(|s| Value::Str(s.into())).collect(),
        ))
    }

    /// Go's `truth`: false, 0, nil and empty strings or collections are
    /// false; anything else is true.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Html(s) => !s.is_empty(),
            Value::List(l) | Value::Alerts(l) => !l.is_empty(),
            Value::Kv(kv) => !kv.is_empty(),
            Value::Pairs(p) => !p.is_empty(),
            Value::Time(_) | Value::ZeroTime | Value::Pair(_) | Value::Object(_) => true,
        }
    }

    /// The Go type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Html(_) => "template.HTML",
            Value::Time(_) | Value::ZeroTime => "time.Time",
            Value::List(_) => "[]string",
            Value::Alerts(_) => "template.Alerts",
            Value::Kv(_) => "template.KV",
            Value::Pairs(_) => "template.Pairs",
            Value::Pair(_) => "template.Pair",
            Value::Object(o) => o.type_name,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Html(s) => Some(s),
            _ => None,
        }
    }

    /// Go's `fmt.Sprint` of the value (`<no value>` for nil, as
    /// `text/template` prints it).
    pub fn print(&self) -> String {
        let mut out = String::new();
        self.print_into(&mut out, true);
        out
    }

    fn print_into(&self, out: &mut String, top: bool) {
        match self {
            Value::Nil if top => out.push_str("<no value>"),
            Value::Nil => out.push_str("<nil>"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&go_float(*f)),
            Value::Str(s) | Value::Html(s) => out.push_str(s),
            Value::Time(t) => out.push_str(&go_time_string(*t)),
            Value::ZeroTime => out.push_str("0001-01-01 00:00:00 +0000 UTC"),
            Value::List(items) | Value::Alerts(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    item.print_into(out, false);
                }
                out.push(']');
            }
            Value::Kv(kv) => {
                out.push_str("map[");
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    let _ = write!(out, "{k}:{v}");
                }
                out.push(']');
            }
            Value::Pairs(pairs) => {
                out.push('[');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    let _ = write!(out, "{{{k} {v}}}");
                }
                out.push(']');
            }
            Value::Pair(p) => {
                let _ = write!(out, "{{{} {}}}", p.0, p.1);
            }
            Value::Object(o) => {
                out.push('{');
                for (i, (_, v)) in o.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.print_into(out, false);
                }
                out.push('}');
            }
        }
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor();
    if !(-4.0..21.0).contains(&exp) {
        let text = format!("{f:e}");
        // Rust: 1e21, 1.5e-5; Go: 1e+21, 1.5e-05.
        if let Some((mantissa, e)) = text.split_once('e') {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            let digits = if digits.len() < 2 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            return format!("{mantissa}e{sign}{digits}");
        }
        return text;
    }
    format!("{f}")
}

/// Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub fn go_time_string(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s, n) = t.to_civil();
    let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
    if n > 0 {
        let fraction = format!("{n:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push_str(" +0000 UTC");
    text
}

/// The `html` function (Go's `template.HTMLEscapeString`): `&`, `<`,
/// `>`, `"`, `'` and NUL.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// What `html/template` does to a value printed in HTML text or a quoted
/// attribute: [`html_escape`] and `+` as `&#43;`.
pub fn html_autoescape(text: &str) -> String {
    html_escape(text).replace('+', "&#43;")
}

/// What `html/template` does to a value printed in a URL attribute
/// (`href`, `src`): a value starting the attribute with a scheme other than
/// `http`, `https` or `mailto` becomes `#ZgotmplZ`; characters not allowed
/// in URLs (and `'`, `(`, `)`) are percent-encoded (valid `%XX` kept); then the attribute
/// escaping of [`html_autoescape`].
pub fn html_url_escape(text: &str, starts_attribute: bool) -> String {
    if starts_attribute {
        if let Some((scheme, _)) = text.split_once(':') {
            let is_scheme = !scheme.contains(['/', '?', '#']);
            if is_scheme
                && !["http", "https", "mailto"].contains(&scheme.to_ascii_lowercase().as_str())
            {
                return "#ZgotmplZ".into();
            }
        }
    }
    let mut normalized = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let valid_escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let keep = b.is_ascii_alphanumeric() || b"-._~!#$&*+,/:;=?@[]".contains(&b) || valid_escape;
        if keep {
            normalized.push(char::from(b));
        } else {
            normalized.push_str(&format!("%{b:02x}"));
        }
    }
    html_autoescape(&normalized)
}

/// Go's `time.Time.Format(layout)` in UTC for the usual layout elements
/// (`2006 06 01 1 Jan January 02 2 _2 15 03 3 04 4 05 5 PM pm Mon Monday
/// MST -0700 -07:00 -07 Z07:00 Z0700 Z07` and fractions `.000`/`.999`);
/// other text is copied.
pub fn go_format(t: Timestamp, layout: &str) -> String {
    let days = t.as_nanos().div_euclid(86_400_000_000_000);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    go_format_civil(t.to_civil(), weekday, layout)
}

/// [`go_format`] of Go's zero time (Monday 1 January of year 1).
pub fn go_format_zero(layout: &str) -> String {
    go_format_civil((1, 1, 1, 0, 0, 0, 0), 4, layout)
}

/// [`go_format`] from civil fields; `weekday` counts from Thursday.
fn go_format_civil(
    civil: (i64, u32, u32, u32, u32, u32, u32),
    weekday: usize,
    layout: &str,
) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ];
    let (y, mo, d, h, mi, s, n) = civil;
    let month = MONTHS[usize::try_from(mo.saturating_sub(1)).unwrap_or(0).min(11)];
    let weekday = DAYS[weekday.min(6)];
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let tokens: [(&str, String); 28] = [
        ("January", month.to_string()),
        ("Jan", month[..3].to_string()),
        ("Monday", weekday.to_string()),
        ("Mon", weekday[..3].to_string()),
        ("MST", "UTC".into()),
        ("2006", format!("{y:04}")),
        ("Z07:00", "Z".into()),
        ("Z0700", "Z".into()),
        ("Z07", "Z".into()),
        ("-07:00", "+00:00".into()),
        ("-0700", "+0000".into()),
        ("-07", "+00".into()),
        ("01", format!("{mo:02}")),
        ("02", format!("{d:02}")),
        ("_2", format!("{d:>2}")),
        ("06", format!("{:02}", y.rem_euclid(100))),
        ("15", format!("{h:02}")),
        ("03", format!("{h12:02}")),
        ("04", format!("{mi:02}")),
        ("05", format!("{s:02}")),
        ("PM", if h >= 12 { "PM" } else { "AM" }.into()),
        ("pm", if h >= 12 { "pm" } else { "am" }.into()),
        ("1", mo.to_string()),
        ("2", d.to_string()),
        ("3", h12.to_string()),
        ("4", mi.to_string()),
        ("5", s.to_string()),
        ("", String::new()),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        // Fractions: `.000` (fixed digits) or `.999` (trailing zeros cut).
        for (marker, fixed) in [(".0", true), (",0", true), (".9", false), (",9", false)] {
            if rest.starts_with(marker) {
                let digit = &marker[1..];
                let count = rest[1..]
                    .chars()
                    .take_while(|c| c.to_string() == digit)
                    .count();
                let after = &rest[1 + count..];
                if !after.starts_with(|c: char| c.is_ascii_digit()) {
                    let digits = format!("{n:09}");
                    let mut frac = digits[..count.min(9)].to_string();
                    if !fixed {
                        frac = frac.trim_end_matches('0').to_string();
                    }
                    if fixed || !frac.is_empty() {
                        out.push_str(&marker[..1]);
                        out.push_str(&frac);
                    }
                    rest = after;
                    continue 'outer;
                }
            }
        }
        for (token, value) in &tokens {
            if !token.is_empty() && rest.starts_with(token) {
                out.push_str(value);
                rest = &rest[token.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}
