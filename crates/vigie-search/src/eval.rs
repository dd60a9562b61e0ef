//! Evaluating a [`Query`]: pruning row groups with token filters
//! ([`might_match`]) and checking one row ([`matches()`]).
//!
//! The two agree: whenever [`matches()`] is true for a row, [`might_match`] is
//! true for a filter built from that row's texts, provided the filter holds
//! the tokens of every text [`Document::texts`] yields (including the
//! `fields` JSON, whose values carry the field values).

use serde_json::Value;

use crate::glob::Glob;
use crate::query::{Bound, Matcher, Query, WildcardPart, WildcardPattern};
use crate::tokens::{
    for_each_value_token, is_token_byte, is_trimmed, phrase_tokens, text_contains_phrase,
    token_hash, tokens_contain_phrase,
};

/// One stored event, as seen by [`matches()`].
pub trait Document {
    /// The normalized value of a field (flat dotted name), if present.
    fn field(&self, name: &str) -> Option<&Value>;
    /// Calls `f` with every event text bare terms search (the `fields` JSON
    /// text and the original record).
    fn texts(&self, f: &mut dyn FnMut(&str));
}

/// Could a row group whose token filter answers `contains(hash)` hold a
/// match? `false` is certain; `true` means "read it".
pub fn might_match(query: &Query, contains: &mut impl FnMut(u64) -> bool) -> bool {
    match query {
        Query::All | Query::Not(_) => true,
        Query::And(children) => children.iter().all(|child| might_match(child, contains)),
        Query::Or(children) => children.iter().any(|child| might_match(child, contains)),
        Query::Term(term) => match &term.matcher {
            Matcher::Word(value) | Matcher::Phrase(value) => phrase_tokens(value)
                .iter()
                .all(|token| contains(token_hash(token))),
            Matcher::Wildcard(pattern) => complete_tokens(pattern)
                .iter()
                .all(|token| contains(token_hash(token))),
            Matcher::Range { .. } | Matcher::Exists => true,
        },
    }
}

/// The tokens of a wildcard pattern's literals whose run of token
/// characters touches no wildcard: only those are sure to be whole tokens
/// of a matching value.
fn complete_tokens(pattern: &WildcardPattern) -> Vec<String> {
    let last = pattern.parts.len().saturating_sub(1);
    let mut out = Vec::new();
    for (i, part) in pattern.parts.iter().enumerate() {
        let WildcardPart::Literal(text) = part else {
            continue;
        };
        let (touches_left, touches_right) = (i > 0, i < last);
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if !bytes.get(at).copied().is_some_and(is_token_byte) {
                at += 1;
                continue;
            }
            let start = at;
            while bytes.get(at).copied().is_some_and(is_token_byte) {
                at += 1;
            }
            let open_left = start == 0 && touches_left;
            let open_right = at == bytes.len() && touches_right;
            let complete = !(open_left || open_right);
            if let Some(token) = text.get(start..at).map(|run| run.trim_matches(is_trimmed)) {
                if complete && !token.is_empty() {
                    out.push(token.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// Does one normalized field value match? Arrays match if an element does;
/// objects never match; `Exists` matches anything but `null`.
pub fn value_matches(matcher: &Matcher, value: &Value) -> bool {
    match (matcher, value) {
        (Matcher::Exists, value) => !value.is_null(),
        (matcher, Value::Array(items)) => items.iter().any(|item| scalar_matches(matcher, item)),
        (matcher, value) => scalar_matches(matcher, value),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn scalar_matches(matcher: &Matcher, value: &Value) -> bool {
    let Some(text) = scalar_text(value) else {
        return false;
    };
    match matcher {
        Matcher::Word(wanted) | Matcher::Phrase(wanted) => {
            text.eq_ignore_ascii_case(wanted)
                || tokens_contain_phrase(&text, &phrase_tokens(wanted))
        }
        Matcher::Wildcard(pattern) => Glob::from_pattern(pattern).is_match(&text),
        Matcher::Range { lower, upper } => {
            lower
                .as_ref()
                .is_none_or(|bound| is_on_side(&text, bound, std::cmp::Ordering::Greater))
                && upper
                    .as_ref()
                    .is_none_or(|bound| is_on_side(&text, bound, std::cmp::Ordering::Less))
        }
        Matcher::Exists => true,
    }
}

/// Is `text` beyond `bound` on the `side` (`Greater` for a lower bound,
/// `Less` for an upper one), or equal to it when the bound is inclusive?
/// Numbers compare numerically when both sides parse as finite `f64`,
/// anything else compares as strings (so RFC 3339 timestamps work).
fn is_on_side(text: &str, bound: &Bound, side: std::cmp::Ordering) -> bool {
    let number = |s: &str| s.trim().parse::<f64>().ok().filter(|n| n.is_finite());
    let ordering = match (number(text), number(&bound.value)) {
        (Some(left), Some(right)) => match left.partial_cmp(&right) {
            Some(ordering) => ordering,
            None => return false,
        },
        _ => text.cmp(bound.value.as_str()),
    };
    ordering == side || (bound.inclusive && ordering == std::cmp::Ordering::Equal)
}

/// Does one row match? Fielded terms check [`Document::field`] with
/// [`value_matches`]; bare words and phrases look for their tokens,
/// consecutively, in any of [`Document::texts`]; bare wildcards match if any
/// token of any text matches; bare ranges never match.
pub fn matches(query: &Query, doc: &dyn Document) -> bool {
    match query {
        Query::All => true,
        Query::Not(inner) => !matches(inner, doc),
        Query::And(children) => children.iter().all(|child| matches(child, doc)),
        Query::Or(children) => children.iter().any(|child| matches(child, doc)),
        Query::Term(term) => match (&term.field, &term.matcher) {
            (Some(field), matcher) => doc
                .field(field)
                .is_some_and(|value| value_matches(matcher, value)),
            (None, Matcher::Word(value) | Matcher::Phrase(value)) => {
                let phrase = phrase_tokens(value);
                let mut found = false;
                doc.texts(&mut |text| found = found || text_contains_phrase(text, &phrase));
                found
            }
            (None, Matcher::Wildcard(pattern)) => {
                let glob = Glob::from_pattern(pattern);
                let mut found = false;
                doc.texts(&mut |text| {
                    if !found {
                        for_each_value_token(text, |token| found = found || glob.is_match(token));
                    }
                });
                found
            }
            (None, Matcher::Range { .. } | Matcher::Exists) => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;
    use serde_json::json;

    struct Doc {
        fields: Value,
        original: String,
    }

    impl Document for Doc {
        fn field(&self, name: &str) -> Option<&Value> {
            self.fields.get(name)
        }
        fn texts(&self, f: &mut dyn FnMut(&str)) {
            f(&self.fields.to_string());
            f(&self.original);
        }
    }

    fn doc() -> Doc {
        Doc {
            fields: json!({
                "event.action": "ConsoleLogin",
                "source.ip": "10.0.0.1",
                "event.category": ["authentication", "iam"],
                "message": "Permission denied for bob",
                "http.status": 403,
                "@timestamp": "2024-01-01T12:00:00Z",
                "nothing": null
            }),
            original: "bob tried /admin/login from 10.0.0.1".to_string(),
        }
    }

    fn check(query: &str) -> bool {
        let query = parse(query).expect("query parses");
        matches(&query, &doc())
    }

    #[test]
    fn fielded_terms() {
        assert!(check("event.action:consolelogin"));
        assert!(check("message:denied"));
        assert!(check(r#"message:"DENIED for""#));
        assert!(!check(r#"message:"for denied""#));
        assert!(check("event.category:iam"));
        assert!(check("source.ip:10.0.*"));
        assert!(!check("source.ip:10.1.*"));
        assert!(check("http.status:>=400 AND http.status:<500"));
        assert!(!check("http.status:>403"));
        assert!(check("http.status:[403 TO 403]"));
        assert!(check(
            "@timestamp:[2024-01-01T00:00:00Z TO 2024-01-02T00:00:00Z}"
        ));
        assert!(check("message:*"));
        assert!(!check("nothing:*"));
        assert!(!check("missing:*"));
    }

    #[test]
    fn bare_terms_search_every_text() {
        assert!(check("admin"));
        assert!(check("BOB"));
        assert!(check(r#""tried /admin""#));
        assert!(check("consolel*"));
        assert!(
            !check("event.action"),
            "keys of the fields JSON are not searched"
        );
        assert!(!check("[1 TO 2]"));
        assert!(check("NOT nobody AND (bob OR alice)"));
    }

    #[test]
    fn numeric_ranges_compare_as_numbers() {
        let range = parse("x:[9 TO 10]").expect("parses");
        let Query::Term(term) = range else {
            panic!("not a term")
        };
        assert!(value_matches(&term.matcher, &json!(9.5)));
        assert!(!value_matches(&term.matcher, &json!(100)));
        assert!(!value_matches(&term.matcher, &json!({"a": 9.5})));
    }

    #[test]
    fn pruning_uses_complete_literal_tokens_only() {
        let pattern = |q: &str| match parse(q) {
            Ok(Query::Term(term)) => match term.matcher {
                Matcher::Wildcard(pattern) => complete_tokens(&pattern),
                other => panic!("not a wildcard: {other:?}"),
            },
            other => panic!("not a term: {other:?}"),
        };
        assert_eq!(pattern("f:adm*"), Vec::<String>::new());
        assert_eq!(pattern(r"f:Bob\ tried\ *"), ["bob", "tried"]);
        assert_eq!(pattern(r"f:*\ bob\ *"), ["bob"]);
        assert_eq!(pattern("f:10.0.*"), Vec::<String>::new());
    }

    #[test]
    fn might_match_requires_every_word_token() {
        let query = parse("alice AND (bob OR carol)").expect("parses");
        let present = [token_hash("alice"), token_hash("carol")];
        assert!(might_match(&query, &mut |h| present.contains(&h)));
        let present = [token_hash("alice")];
        assert!(!might_match(&query, &mut |h| present.contains(&h)));
        assert!(might_match(
            &parse("NOT alice").expect("parses"),
            &mut |_| false
        ));
    }
}
