//! The canonical text form of a [`Query`]: explicit `AND`/`OR`/`NOT`,
//! parentheses where precedence needs them, ranges in bracket form
//! (`>=10` shows as `[10 TO *]`) and backslash escapes on every character
//! that the lexer could read as syntax.

use std::fmt::{self, Display, Formatter, Write};

use super::{Bound, Matcher, Query, Term, WildcardPart, WildcardPattern};

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_char('*'),
            Query::Term(term) => term.fmt(f),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                nested(inner, true, f)
            }
            Query::And(children) => join(children, " AND ", true, f),
            Query::Or(children) => join(children, " OR ", false, f),
        }
    }
}

fn join(children: &[Query], separator: &str, wrap_and: bool, f: &mut Formatter<'_>) -> fmt::Result {
    if children.is_empty() {
        return f.write_char('*');
    }
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        nested(child, wrap_and, f)?;
    }
    Ok(())
}

/// A child of `AND`/`OR`/`NOT`: compound children get parentheses, except
/// an `AND` inside an `OR` (`AND` binds tighter). Every parenthesis written
/// matches one the parsed input needed, so the canonical form never nests
/// deeper than the input did.
fn nested(query: &Query, wrap_and: bool, f: &mut Formatter<'_>) -> fmt::Result {
    match query {
        Query::Or(_) => write!(f, "({query})"),
        Query::And(_) if wrap_and => write!(f, "({query})"),
        _ => query.fmt(f),
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "{field}:")?;
        }
        self.matcher.fmt(f)
    }
}

impl Display for Matcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Word(word) => {
                if matches!(word.as_str(), "AND" | "OR" | "NOT") {
                    f.write_char('\\')?;
                }
                escape_word(word, true, f)
            }
            Matcher::Phrase(phrase) => {
                f.write_char('"')?;
                for c in phrase.chars() {
                    if matches!(c, '"' | '\\') {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
                f.write_char('"')
            }
            Matcher::Wildcard(pattern) => pattern.fmt(f),
            Matcher::Range { lower, upper } => {
                let open = lower.as_ref().is_none_or(|b| b.inclusive);
                f.write_char(if open { '[' } else { '{' })?;
                bound(lower.as_ref(), f)?;
                f.write_str(" TO ")?;
                bound(upper.as_ref(), f)?;
                let close = upper.as_ref().is_none_or(|b| b.inclusive);
                f.write_char(if close { ']' } else { '}' })
            }
            Matcher::Exists => f.write_char('*'),
        }
    }
}

impl Display for WildcardPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                WildcardPart::Literal(text) => escape_word(text, i == 0, f)?,
                WildcardPart::AnyString => f.write_char('*')?,
                WildcardPart::AnyChar => f.write_char('?')?,
            }
        }
        Ok(())
    }
}

fn bound(bound: Option<&Bound>, f: &mut Formatter<'_>) -> fmt::Result {
    let Some(bound) = bound else {
        return f.write_char('*');
    };
    if bound.value == "TO" {
        f.write_char('\\')?;
    }
    for c in bound.value.chars() {
        if !(matches!(c, ':' | '-') || is_safe(c)) {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

/// Characters that never need an escape inside a word.
fn is_safe(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '_' | '.' | '@' | '/' | ',' | '#' | '+' | '\'' | ';' | '%' | '$' | '^' | '~'
            )
    } else {
        !c.is_whitespace()
    }
}

/// Writes a word; `at_start` says whether it begins the value (where a `-`
/// would read as NOT).
fn escape_word(word: &str, at_start: bool, f: &mut Formatter<'_>) -> fmt::Result {
    for (i, c) in word.chars().enumerate() {
        let safe = is_safe(c) || (c == '-' && !(at_start && i == 0));
        if !safe {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}
