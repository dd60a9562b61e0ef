//! One detection item (`Field|modifiers: values`) compiled into tests, and
//! their evaluation against an event.

use std::net::IpAddr;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use crate::ast::{Item, Value as RuleValue};
use crate::modifier::Modifier;
use crate::texts::{EventView, Texts};
use crate::value::encode;
use crate::value::glob::Matcher;
use crate::value::string::SigmaString;

use super::{CompileError, Placeholders, REGEX_DFA_LIMIT, REGEX_SIZE_LIMIT};

/// How a `fieldref` compares the two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefHow {
    Equal,
    Prefix,
    Suffix,
    Contains,
}

/// One test of a field's value.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// A Sigma string (wildcards, case folding).
    Str(Matcher),
    /// A regular expression (unanchored search), with its `i`, `m`, `s`
    /// flags.
    Regex(Regex, [bool; 3]),
    /// An IP network.
    Cidr(IpAddr, u8),
    /// A numeric comparison.
    Num(crate::ast::Cmp, f64),
    /// The field is absent or null.
    Null,
    /// The field is present (true) or absent (false).
    Exists(bool),
    /// Compare with another field of the same event.
    FieldRef {
        other: String,
        how: RefHow,
        cased: bool,
    },
}

/// A compiled detection item.
#[derive(Debug, Clone)]
pub(crate) struct CompiledItem {
    /// `None`: keywords.
    pub field: Option<String>,
    /// One group per rule value; a group holds the value's variants (any
    /// of them may match).
    pub groups: Vec<Vec<Test>>,
    /// `all`: every group must match (else any).
    pub all: bool,
    /// Every test is a string or regex test (reads only the texts).
    pub texts_only: bool,
}

pub(crate) fn compile_item(item: &Item, ph: &Placeholders) -> Result<CompiledItem, CompileError> {
    let m = &item.modifiers;
    let mut groups = Vec::with_capacity(item.values.len());
    for value in &item.values {
        groups.push(compile_value(item, value, ph)?);
    }
    let texts_only = groups.iter().flatten().all(Test::reads_texts);
    Ok(CompiledItem {
        field: item.field.clone(),
        groups,
        all: m.has(Modifier::All),
        texts_only,
    })
}

fn bad(item: &Item, msg: impl Into<String>) -> CompileError {
    CompileError::Invalid {
        mark: item.mark,
        message: format!(
            "'{}': {}",
            item.field.as_deref().unwrap_or("keywords"),
            msg.into()
        ),
    }
}

fn compile_value(
    item: &Item,
    value: &RuleValue,
    ph: &Placeholders,
) -> Result<Vec<Test>, CompileError> {
    use Modifier::*;
    let m = &item.modifiers;
    let text = match value {
        RuleValue::Null => {
            if m.0.iter().any(|x| !matches!(x, All | Cased)) {
                return Err(bad(item, "null cannot take value modifiers"));
            }
            return Ok(vec![Test::Null]);
        }
        v => v.text().unwrap_or_default(),
    };
    if m.has(Exists) {
        return match value {
            RuleValue::Bool(b) => Ok(vec![Test::Exists(*b)]),
            _ => Err(bad(item, "'exists' needs true or false")),
        };
    }
    for (modifier, cmp) in [
        (Gt, crate::ast::Cmp::Gt),
        (Gte, crate::ast::Cmp::Gte),
        (Lt, crate::ast::Cmp::Lt),
        (Lte, crate::ast::Cmp::Lte),
    ] {
        if m.has(modifier) {
            let n: f64 = text
                .parse()
                .map_err(|_| bad(item, format!("'{modifier}' needs a number, not '{text}'")))?;
            return Ok(vec![Test::Num(cmp, n)]);
        }
    }
    if m.has(Cidr) {
        return parse_cidr(&text)
            .map(|(ip, bits)| vec![Test::Cidr(ip, bits)])
            .ok_or_else(|| bad(item, format!("'{text}' is not an IP network")));
    }
    if m.has(Re) {
        let re = RegexBuilder::new(&text)
            .case_insensitive(m.has(ReIgnoreCase))
            .multi_line(m.has(ReMultiLine))
            .dot_matches_new_line(m.has(ReDotAll))
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_LIMIT)
            .build()
            .map_err(|e| {
                bad(
                    item,
                    format!("regular expression refused: {}", one_line(&e)),
                )
            })?;
        let flags = [m.has(ReIgnoreCase), m.has(ReMultiLine), m.has(ReDotAll)];
        return Ok(vec![Test::Regex(re, flags)]);
    }
    let cased = m.has(Cased);
    if m.has(FieldRef) {
        let how = if m.has(Contains) {
            RefHow::Contains
        } else if m.has(StartsWith) {
            RefHow::Prefix
        } else if m.has(EndsWith) {
            RefHow::Suffix
        } else {
            RefHow::Equal
        };
        return Ok(vec![Test::FieldRef {
            other: text,
            how,
            cased,
        }]);
    }
    // Plain strings: placeholders, wildcards, dashes, encodings, position.
    let mut variants: Vec<SigmaString> = if m.has(Expand) {
        expand(item, &text, ph)?
    } else if matches!(value, RuleValue::Str(_)) {
        vec![SigmaString::parse(&text)]
    } else {
        vec![SigmaString::literal(&text)]
    };
    if m.has(Windash) {
        variants = variants.iter().flat_map(|s| s.windash_variants()).collect();
    }
    let utf16 = [Utf16, Utf16Le, Utf16Be].into_iter().find(|x| m.has(*x));
    let b64 = [Base64, Base64Offset].into_iter().find(|x| m.has(*x));
    if utf16.is_some() || b64.is_some() {
        let mut encoded = Vec::new();
        for v in &variants {
            let Some(lit) = v.as_literal() else {
                return Err(bad(
                    item,
                    "wildcards cannot be encoded (utf16/base64): escape them or drop the encoding",
                ));
            };
            let t = match utf16 {
                Some(Utf16) => encode::utf16_bom(lit),
                Some(Utf16Be) => encode::utf16be(lit),
                Some(_) => encode::utf16le(lit),
                None => lit.to_owned(),
            };
            match b64 {
                Some(Base64) => encoded.push(encode::base64(&encode::text_bytes(&t))),
                Some(_) => encoded.extend(encode::base64offset(&encode::text_bytes(&t))),
                None => encoded.push(t),
            }
        }
        variants = encoded.iter().map(|t| SigmaString::literal(t)).collect();
    }
    let shaped = variants.into_iter().map(|v| {
        // Keywords are substrings unless a position is given.
        let keyword = item.field.is_none() && !m.has(StartsWith) && !m.has(EndsWith);
        if m.has(Contains) || keyword {
            v.contains_form()
        } else if m.has(StartsWith) {
            v.startswith_form()
        } else if m.has(EndsWith) {
            v.endswith_form()
        } else {
            v
        }
    });
    // Base64 text is case-sensitive by nature.
    let cased = cased || b64.is_some();
    Ok(shaped.map(|v| Test::Str(Matcher::new(&v, cased))).collect())
}

fn one_line(e: &regex::Error) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces `%name%` placeholders by each configured value.
fn expand(item: &Item, text: &str, ph: &Placeholders) -> Result<Vec<SigmaString>, CompileError> {
    let mut outs = vec![String::new()];
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        let before = &rest[..start];
        let subs = ph.get(name).ok_or_else(|| CompileError::Placeholder {
            name: name.to_owned(),
        })?;
        outs = outs
            .iter()
            .flat_map(|o| subs.iter().map(move |s| format!("{o}{before}{s}")))
            .collect();
        if outs.len() > 4096 {
            return Err(bad(
                item,
                "placeholder expansion gives more than 4096 values",
            ));
        }
        rest = &rest[start + len + 2..];
    }
    Ok(outs
        .into_iter()
        .map(|o| SigmaString::parse(&format!("{o}{rest}")))
        .collect())
}

fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = match text.split_once('/') {
        Some((ip, bits)) => (ip.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
        None => {
            let ip = text.parse::<IpAddr>().ok()?;
            (ip, if ip.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn in_network(addr: &str, net: IpAddr, bits: u8) -> bool {
    let Ok(addr) = addr.trim().parse::<IpAddr>() else {
        return false;
    };
    let (a, n, width) = match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u32::from(a) as u128, u32::from(n) as u128, 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a), u128::from(n), 128),
        (IpAddr::V6(a), IpAddr::V4(n)) => match a.to_ipv4_mapped() {
            Some(a) => (u32::from(a) as u128, u32::from(n) as u128, 32),
            None => return false,
        },
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (a >> shift) == (n >> shift)
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn fold_eq(a: &str, b: &str, cased: bool) -> bool {
    if cased {
        a == b
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn ref_matches(how: RefHow, text: &str, other: &str, cased: bool) -> bool {
    let (t, o): (std::borrow::Cow<str>, std::borrow::Cow<str>) = if cased {
        (text.into(), other.into())
    } else {
        (text.to_lowercase().into(), other.to_lowercase().into())
    };
    match how {
        RefHow::Equal => fold_eq(&t, &o, true),
        RefHow::Prefix => t.starts_with(&*o),
        RefHow::Suffix => t.ends_with(&*o),
        RefHow::Contains => t.contains(&*o),
    }
}

impl Test {
    /// Whether the test holds for `field` of the event (absent: no values).
    pub(crate) fn holds<'a>(&'a self, field: &'a str, ev: &EventView<'a>) -> bool {
        match self {
            Test::Str(_) | Test::Regex(..) => self.holds_on(&ev.texts(field)),
            Test::Null | Test::Exists(_) => {
                let mut values = Vec::new();
                ev.view.get(field, &mut values);
                match self {
                    Test::Null => values.is_empty(),
                    Test::Exists(want) => values.is_empty() != *want,
                    _ => false,
                }
            }
            Test::Cidr(net, bits) => ev
                .texts(field)
                .raw
                .iter()
                .any(|t| in_network(t, *net, *bits)),
            Test::Num(cmp, n) => {
                let mut values = Vec::new();
                ev.view.get(field, &mut values);
                values.iter().any(|v| {
                    let one = |x: &Value| number_of(x).is_some_and(|x| cmp_f64(*cmp, x, *n));
                    match v {
                        Value::Array(items) => items.iter().any(one),
                        other => one(other),
                    }
                })
            }
            Test::FieldRef { other, how, cased } => {
                let mine = ev.texts(field);
                let theirs = ev.texts(other);
                theirs
                    .raw
                    .iter()
                    .any(|ot| mine.raw.iter().any(|t| ref_matches(*how, t, ot, *cased)))
            }
        }
    }

    /// Whether a string or regular-expression test holds for one of
    /// `texts` (false for the other tests).
    fn holds_on(&self, texts: &Texts<'_>) -> bool {
        match self {
            Test::Str(m) => texts.pairs().any(|(t, f)| m.is_match_pair(t, f)),
            Test::Regex(re, _) => texts.raw.iter().any(|t| re.is_match(t)),
            _ => false,
        }
    }

    /// Whether the test only reads the field's texts.
    fn reads_texts(&self) -> bool {
        matches!(self, Test::Str(_) | Test::Regex(..))
    }
}

fn cmp_f64(cmp: crate::ast::Cmp, x: f64, n: f64) -> bool {
    use crate::ast::Cmp::*;
    match cmp {
        Gt => x > n,
        Gte => x >= n,
        Lt => x < n,
        Lte => x <= n,
        Eq => x == n,
    }
}

impl CompiledItem {
    /// Evaluates the item against an event.
    pub(crate) fn matches<'a>(&'a self, ev: &EventView<'a>) -> bool {
        let Some(field) = &self.field else {
            // Keywords: string and regex tests over every text.
            let texts = ev.keyword_texts();
            let group = |g: &'a Vec<Test>| g.iter().any(|t| t.holds_on(&texts));
            return if self.all {
                self.groups.iter().all(group)
            } else {
                self.groups.iter().any(group)
            };
        };
        if self.texts_only {
            // The field's texts are fetched once for all the values.
            let texts = ev.texts(field);
            let group = |g: &'a Vec<Test>| g.iter().any(|t| t.holds_on(&texts));
            return if self.all {
                self.groups.iter().all(group)
            } else {
                self.groups.iter().any(group)
            };
        }
        let group = |g: &'a Vec<Test>| g.iter().any(|t| t.holds(field, ev));
        if self.all {
            self.groups.iter().all(group)
        } else {
            self.groups.iter().any(group)
        }
    }
}
