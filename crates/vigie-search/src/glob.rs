//! Compiled wildcard patterns: `*` matches any run of characters (possibly
//! empty), `?` exactly one character, everything else itself, compared
//! ASCII-case-insensitively (the same rule as token comparison).
//!
//! Matching is iterative with a single backtrack point (the last `*`), so it
//! runs in O(pattern × text) time at worst, never exponentially.

use crate::query::{WildcardPart, WildcardPattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Char(char),
    AnyChar,
    AnyString,
}

/// A compiled wildcard pattern, matched against a whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    items: Vec<Item>,
}

impl Glob {
    /// Compiles a pattern written with `*`, `?` and backslash escapes
    /// (`\*` is a literal star; a trailing lone backslash is literal).
    pub fn new(pattern: &str) -> Self {
        let mut items = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            items.push(match c {
                '*' => Item::AnyString,
                '?' => Item::AnyChar,
                '\\' => Item::Char(chars.next().unwrap_or('\\')),
                other => Item::Char(other),
            });
        }
        Self { items }
    }

    /// Compiles a parsed wildcard pattern.
    pub fn from_pattern(pattern: &WildcardPattern) -> Self {
        let mut items = Vec::new();
        for part in &pattern.parts {
            match part {
                WildcardPart::Literal(text) => items.extend(text.chars().map(Item::Char)),
                WildcardPart::AnyString => items.push(Item::AnyString),
                WildcardPart::AnyChar => items.push(Item::AnyChar),
            }
        }
        Self { items }
    }

    /// True if the pattern matches all of `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let next_char = |at: usize| text.get(at..).and_then(|rest| rest.chars().next());
        let (mut item, mut at) = (0usize, 0usize);
        // Where to resume after the last `*`: (item after it, text offset).
        let mut resume: Option<(usize, usize)> = None;
        loop {
            match (self.items.get(item), next_char(at)) {
                (Some(Item::AnyString), _) => {
                    item += 1;
                    resume = Some((item, at));
                    continue;
                }
                (Some(Item::AnyChar), Some(c)) => {
                    item += 1;
                    at += c.len_utf8();
                    continue;
                }
                (Some(Item::Char(want)), Some(c)) if want.eq_ignore_ascii_case(&c) => {
                    item += 1;
                    at += c.len_utf8();
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            // Mismatch: let the last `*` swallow one more character.
            let Some((star_item, star_at)) = resume else {
                return false;
            };
            let Some(c) = next_char(star_at) else {
                return false;
            };
            resume = Some((star_item, star_at + c.len_utf8()));
            item = star_item;
            at = star_at + c.len_utf8();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wildcards_and_case() {
        assert!(Glob::new("adm*").is_match("Administrator"));
        assert!(Glob::new("*").is_match(""));
        assert!(Glob::new("a?c").is_match("aéc"));
        assert!(!Glob::new("a?c").is_match("ac"));
        assert!(Glob::new("*.example.com").is_match("www.EXAMPLE.com"));
        assert!(!Glob::new("*.example.com").is_match("example.com"));
        assert!(Glob::new(r"a\*b").is_match("a*b"));
        assert!(!Glob::new(r"a\*b").is_match("axb"));
        assert!(Glob::new("*a*b*c*").is_match("xxaxxbxxcxx"));
        assert!(!Glob::new("*a*b*c*").is_match("xxcxxbxxaxx"));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let text = "a".repeat(100_000);
        let started = std::time::Instant::now();
        assert!(!Glob::new("a*a*a*a*a*a*a*a*b").is_match(&text));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    /// A plain recursive matcher, for comparison on small inputs only.
    fn reference(items: &[Item], text: &[char]) -> bool {
        match items.split_first() {
            None => text.is_empty(),
            Some((Item::AnyString, rest)) => (0..=text.len()).any(|i| reference(rest, &text[i..])),
            Some((Item::AnyChar, rest)) => !text.is_empty() && reference(rest, &text[1..]),
            Some((Item::Char(c), rest)) => {
                text.first().is_some_and(|t| t.eq_ignore_ascii_case(c))
                    && reference(rest, &text[1..])
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_recursive_matcher(pattern in "[abA*?]{0,8}", text in "[abB]{0,10}") {
            let glob = Glob::new(&pattern);
            let chars: Vec<char> = text.chars().collect();
            prop_assert_eq!(glob.is_match(&text), reference(&glob.items, &chars));
        }
    }
}
