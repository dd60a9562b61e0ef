//! Label matchers (`name="value"`, `name!="value"`, `name=~"regex"`,
//! `name!~"regex"`), their parser and their printed form, as in
//! Alertmanager 0.25 `pkg/labels`.
//!
//! Regular expressions are anchored (`^(?:value)$`) and use the Rust `regex`
//! crate, whose syntax is that of Go's RE2 for everything Alertmanager users
//! write; one difference: `\d`, `\s`, `\w` and `\b` are Unicode-aware here
//! and ASCII-only in Go.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::labels::LabelSet;

/// How a matcher compares a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

impl MatchOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equal => "=",
            Self::NotEqual => "!=",
            Self::Regex => "=~",
            Self::NotRegex => "!~",
        }
    }

    fn is_regex(self) -> bool {
        matches!(self, Self::Regex | Self::NotRegex)
    }
}

/// Why a matcher or a list of matchers was refused. Offsets are byte
/// offsets in the text given to [`parse_matchers`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    /// The text is not `name op value`.
    #[error("bad matcher format: {text}")]
    BadFormat { text: String, offset: usize },
    /// A `"` inside the value that is not escaped, or a missing closing one.
    #[error("matcher value contains unescaped double quote: {text}")]
    UnescapedQuote { text: String, offset: usize },
    /// The value of a regex matcher does not compile.
    #[error("invalid regular expression {value:?}: {reason}")]
    InvalidRegex { value: String, reason: String },
}

impl MatcherError {
    /// Byte offset of the matcher in the parsed text (`0` for a regex error,
    /// which has no text position of its own).
    pub fn offset(&self) -> usize {
        match self {
            Self::BadFormat { offset, .. } | Self::UnescapedQuote { offset, .. } => *offset,
            Self::InvalidRegex { .. } => 0,
        }
    }

    fn shifted(self, by: usize) -> Self {
        match self {
            Self::BadFormat { text, offset } => Self::BadFormat {
                text,
                offset: offset + by,
            },
            Self::UnescapedQuote { text, offset } => Self::UnescapedQuote {
                text,
                offset: offset + by,
            },
            other => other,
        }
    }
}

/// One matcher: a label name, an operator and a value (a regex for `=~`
/// and `!~`, kept compiled).
#[derive(Debug, Clone)]
pub struct Matcher {
    name: String,
    op: MatchOp,
    value: String,
    regex: Option<Regex>,
}

impl Matcher {
    /// A matcher; fails only when a regex value does not compile. The name
    /// is not checked (Alertmanager's parser accepts `:` in it; silences
    /// check names separately).
    pub fn new(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, MatcherError> {
        let value = value.into();
        let regex = if op.is_regex() {
            Some(anchored_regex(&value)?)
        } else {
            None
        };
        Ok(Self {
            name: name.into(),
            op,
            value,
            regex,
        })
    }

    /// The label name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operator.
    pub fn op(&self) -> MatchOp {
        self.op
    }

    /// The value (the regex source for regex operators).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether a label value satisfies the matcher.
    pub fn matches(&self, label_value: &str) -> bool {
        let regex_match = || self.regex.as_ref().is_some_and(|r| r.is_match(label_value));
        match self.op {
            MatchOp::Equal => label_value == self.value,
            MatchOp::NotEqual => label_value != self.value,
            MatchOp::Regex => regex_match(),
            MatchOp::NotRegex => !regex_match(),
        }
    }

    /// Whether the matcher accepts a missing label (the empty string).
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }

    /// Alertmanager's sort order: by name, then value, then operator.
    pub fn sort_key(&self) -> (&str, &str, MatchOp) {
        (&self.name, &self.value, self.op)
    }
}

/// Compiles `^(?:value)$`.
pub(crate) fn anchored_regex(value: &str) -> Result<Regex, MatcherError> {
    Regex::new(&format!("^(?:{value})$")).map_err(|e| MatcherError::InvalidRegex {
        value: value.to_string(),
        reason: e.to_string(),
    })
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.sort_key() == other.sort_key()
    }
}

impl Eq for Matcher {}

impl fmt::Display for Matcher {
    /// `name="value"` with `\`, newline and `"` escaped, as Alertmanager
    /// prints matchers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}\"{}\"",
            self.name,
            self.op.as_str(),
            open_metrics_escape(&self.value)
        )
    }
}

fn open_metrics_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out
}

/// The JSON form of Alertmanager's API: `{name, value, isRegex, isEqual}`.
#[derive(Serialize, Deserialize)]
struct ApiMatcher {
    name: String,
    value: String,
    #[serde(rename = "isRegex")]
    is_regex: bool,
    #[serde(rename = "isEqual", default = "default_true")]
    is_equal: bool,
}

fn default_true() -> bool {
    true
}

impl Serialize for Matcher {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ApiMatcher {
            name: self.name.clone(),
            value: self.value.clone(),
            is_regex: self.op.is_regex(),
            is_equal: matches!(self.op, MatchOp::Equal | MatchOp::Regex),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Matcher {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let api = ApiMatcher::deserialize(deserializer)?;
        let op = match (api.is_equal, api.is_regex) {
            (true, false) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regex,
            (false, true) => MatchOp::NotRegex,
        };
        Matcher::new(op, api.name, api.value).map_err(serde::de::Error::custom)
    }
}

/// A list of matchers, all of which must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Matchers(pub Vec<Matcher>);

impl Matchers {
    /// Whether every matcher matches `labels` (a missing label is read as
    /// the empty string). An empty list matches everything.
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.0
            .iter()
            .all(|m| m.matches(labels.value_or_empty(&m.name)))
    }

    /// Sorts in Alertmanager's order (see [`Matcher::sort_key`]).
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }

    /// The matchers.
    pub fn iter(&self) -> impl Iterator<Item = &Matcher> {
        self.0.iter()
    }

    /// Number of matchers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Matchers {
    /// `{a="b",c=~"d"}` (no spaces), as Alertmanager prints a list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{m}")?;
        }
        f.write_str("}")
    }
}

/// `name op value`, tolerant of surrounding whitespace (Go's `\s`).
fn matcher_syntax() -> &'static Regex {
    static SYNTAX: OnceLock<Regex> = OnceLock::new();
    SYNTAX.get_or_init(|| {
        Regex::new(
            r"^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*((?s).*?)[\t\n\f\r ]*$",
        )
        .expect("the matcher syntax pattern is a valid constant")
    })
}

/// Parses one matcher (`name="value"`, value quoted or not) with
/// Alertmanager's escaping rules: `\"`, `\n` and `\\` inside the value; a
/// lone `\` before anything else stays a backslash.
pub fn parse_matcher(text: &str) -> Result<Matcher, MatcherError> {
    let bad_format = || MatcherError::BadFormat {
        text: text.to_string(),
        offset: 0,
    };
    let caps = matcher_syntax().captures(text).ok_or_else(bad_format)?;
    let (Some(name), Some(op), Some(raw)) = (caps.get(1), caps.get(2), caps.get(3)) else {
        return Err(bad_format());
    };
    let op = match op.as_str() {
        "=" => MatchOp::Equal,
        "!=" => MatchOp::NotEqual,
        "=~" => MatchOp::Regex,
        _ => MatchOp::NotRegex,
    };
    let value = unescape_value(raw.as_str()).ok_or_else(|| MatcherError::UnescapedQuote {
        text: raw.as_str().to_string(),
        offset: 0,
    })?;
    Matcher::new(op, name.as_str(), value)
}

/// The value with its optional quotes removed and escapes applied; `None`
/// for an unescaped `"` inside or a missing closing quote.
fn unescape_value(raw: &str) -> Option<String> {
    let (body, mut expect_closing_quote) = match raw.strip_prefix('"') {
        Some(rest) => (rest, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        let is_last = i + c.len_utf8() == body.len();
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' if !is_last => escaped = true,
            '\\' => value.push('\\'),
            '"' => {
                if !expect_closing_quote || !is_last {
                    return None;
                }
                expect_closing_quote = false;
            }
            c => value.push(c),
        }
    }
    (!expect_closing_quote).then_some(value)
}

/// Parses a comma-separated list of matchers: `{a="b", c=~"x.*"}`, braces
/// optional, commas inside quotes kept, a trailing comma allowed.
pub fn parse_matchers(text: &str) -> Result<Matchers, MatcherError> {
    let start = usize::from(text.starts_with('{'));
    let inner = &text[start..];
    let inner = inner.strip_suffix('}').unwrap_or(inner);
    let mut tokens: Vec<(usize, &str)> = Vec::new();
    let (mut inside_quotes, mut escaped) = (false, false);
    let mut token_start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            ',' if !inside_quotes => {
                tokens.push((token_start, &inner[token_start..i]));
                token_start = i + 1;
                continue;
            }
            ',' => {}
            '"' if escaped => escaped = false,
            '"' => inside_quotes = !inside_quotes,
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    let last = &inner[token_start..];
    let trimmed = last.trim();
    if !trimmed.is_empty() {
        let leading = last.len() - last.trim_start().len();
        tokens.push((token_start + leading, trimmed));
    }
    let mut matchers = Vec::with_capacity(tokens.len());
    for (offset, token) in tokens {
        let matcher = parse_matcher(token).map_err(|e| e.shifted(start + offset))?;
        matchers.push(matcher);
    }
    Ok(Matchers(matchers))
}

#[cfg(test)]
mod tests;
