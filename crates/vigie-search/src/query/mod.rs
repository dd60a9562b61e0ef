//! The query syntax: a Lucene/Kibana-like language parsed into [`Query`].
//!
//! [`parse`] turns text into a tree; `Display` renders a tree back into a
//! canonical string that parses to the same tree (for trees the parser can
//! produce: `And`/`Or` with two or more children, valid field names, no
//! bare `Exists`, no wildcard made of a single `*`). The user-facing
//! reference is `docs/search.md`.

mod display;
mod lexer;
mod parser;

pub use parser::parse;

/// Longest accepted query, in bytes.
pub const MAX_QUERY_LEN: usize = 16 * 1024;
/// Deepest accepted nesting of parentheses and negations.
pub const MAX_QUERY_DEPTH: usize = 64;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Matches everything (`*`, or an empty query).
    All,
    /// Every child matches.
    And(Vec<Query>),
    /// At least one child matches.
    Or(Vec<Query>),
    /// The child does not match.
    Not(Box<Query>),
    /// One search term.
    Term(Term),
}

/// A search term, on one field or (`field: None`) anywhere in the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The field name, or `None` for a bare term.
    pub field: Option<String>,
    /// What the value must look like.
    pub matcher: Matcher,
}

/// How a term's value is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// A word without wildcards, escapes resolved.
    Word(String),
    /// A `"quoted phrase"`, escapes resolved.
    Phrase(String),
    /// A word holding unescaped `*` or `?`.
    Wildcard(WildcardPattern),
    /// `[a TO b]`, `{a TO b}`, `>=a`, …; `None` is an open end (`*`).
    Range {
        /// Lower end.
        lower: Option<Bound>,
        /// Upper end.
        upper: Option<Bound>,
    },
    /// `field:*`: the field is present and not null.
    Exists,
}

/// One end of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The bound, escapes resolved.
    pub value: String,
    /// `[`/`]`/`>=`/`<=` (true) or `{`/`}`/`>`/`<` (false).
    pub inclusive: bool,
}

/// A wildcard pattern as a sequence of parts, so that a literal `*` (written
/// `\*`) and a wildcard `*` stay distinct. The parser merges adjacent
/// literals and never produces empty ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WildcardPattern {
    /// The parts, in order.
    pub parts: Vec<WildcardPart>,
}

/// One part of a [`WildcardPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WildcardPart {
    /// Text matched literally (ASCII-case-insensitively).
    Literal(String),
    /// `*`: any run of characters, possibly empty.
    AnyString,
    /// `?`: exactly one character.
    AnyChar,
}

/// Why a query did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct ParseError {
    /// 0-based byte offset into the input.
    pub position: usize,
    /// What is wrong, for humans.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self {
            position,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;
