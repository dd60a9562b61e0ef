//! Compiled whole-field matcher for a [`SigmaString`] pattern, with optional
//! case folding.
//!
//! The pattern is split at its `*` pieces into segments made of literals and
//! `?`s. The first segment is anchored at the start of the text, the last at
//! the end, and each middle segment is searched for at its leftmost position
//! (literal search with `memchr::memmem`). Because a segment always spans a
//! fixed number of chars, the leftmost placement is always the best one, so
//! no backtracking beyond "try the next occurrence" is needed: worst case
//! O(text × pattern), iterative, no recursion, no allocation for cased
//! matching.
//!
//! Literals are compared as bytes; `?` consumes exactly one char (one
//! Unicode scalar value) of the text.
//!
//! Case-insensitive matching folds both sides with [`fold_into`]: the pattern
//! once in [`Matcher::new`], the text per call into a reused thread-local
//! buffer. Edge case: folding can change the number of chars (for example
//! `'İ'` U+0130 folds to `"i\u{307}"`, two chars), and `?` matches one char
//! of the *folded* text, so `?` does not match `"İ"` case-insensitively
//! while `??` does.

use std::cell::RefCell;

use memchr::memmem::Finder;

use super::string::{Piece, SigmaString};

/// Case folding used for case-insensitive matching: ASCII lowercase when
/// `text` is ASCII, otherwise every char replaced by all the chars of
/// [`char::to_lowercase`]. Appends to `out`.
pub fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.reserve(text.len());
        for c in text.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// The shape of a pattern, for prefiltering. Literals are given folded when
/// the matcher is case-insensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// The text must equal the literal.
    Exact(&'a str),
    /// The text must start with the literal (`lit*`).
    Prefix(&'a str),
    /// The text must end with the literal (`*lit`).
    Suffix(&'a str),
    /// The text must contain the literal (`*lit*`; `*` alone gives
    /// `Contains("")`, which every text satisfies).
    Contains(&'a str),
    /// Anything else (uses `?` or several literals).
    Glob,
}

#[derive(Debug, Clone)]
enum Tok {
    Lit(String),
    One,
}

/// A segment between two `*`, searched for at its leftmost position.
#[derive(Debug, Clone)]
struct Floating {
    /// Number of `?` before the first literal.
    lead_ones: usize,
    /// Finder for the first literal and its length, if the segment has one.
    first: Option<(Finder<'static>, usize)>,
    /// Tokens after the first literal.
    rest: Vec<Tok>,
}

#[derive(Debug, Clone)]
enum Kind {
    /// No `*`: the tokens must cover the whole text.
    Whole(Vec<Tok>),
    /// At least one `*`.
    Star {
        head: Vec<Tok>,
        mids: Vec<Floating>,
        tail: Vec<Tok>,
    },
}

/// A compiled whole-field matcher (see the module docs).
#[derive(Debug, Clone)]
pub struct Matcher {
    cased: bool,
    /// The pattern, folded when `!cased`.
    pattern: SigmaString,
    kind: Kind,
}

thread_local! {
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Matcher {
    /// Compiles `pattern` for whole-field matching; `cased == false` makes it
    /// case-insensitive (see [`fold_into`]).
    pub fn new(pattern: &SigmaString, cased: bool) -> Matcher {
        let pattern = if cased {
            pattern.clone()
        } else {
            pattern.map_literals(|s| {
                let mut out = String::with_capacity(s.len());
                fold_into(s, &mut out);
                out
            })
        };
        let mut segments: Vec<Vec<Tok>> = vec![Vec::new()];
        for p in &pattern.pieces {
            match p {
                Piece::AnyRun => segments.push(Vec::new()),
                Piece::AnyOne => push_tok(&mut segments, Tok::One),
                Piece::Lit(s) => push_tok(&mut segments, Tok::Lit(s.clone())),
            }
        }
        let kind = if segments.len() == 1 {
            Kind::Whole(segments.pop().unwrap_or_default())
        } else {
            let tail = segments.pop().unwrap_or_default();
            let mut it = segments.into_iter();
            let head = it.next().unwrap_or_default();
            let mids = it.filter(|s| !s.is_empty()).map(floating).collect();
            Kind::Star { head, mids, tail }
        };
        Matcher {
            cased,
            pattern,
            kind,
        }
    }

    /// True when the whole of `text` matches the pattern.
    pub fn is_match(&self, text: &str) -> bool {
        if self.cased {
            return self.match_bytes(text.as_bytes());
        }
        let scratch = SCRATCH.try_with(|cell| {
            cell.try_borrow_mut().ok().map(|mut buf| {
                buf.clear();
                fold_into(text, &mut buf);
                self.match_bytes(buf.as_bytes())
            })
        });
        match scratch {
            Ok(Some(result)) => result,
            _ => {
                let mut buf = String::new();
                fold_into(text, &mut buf);
                self.match_bytes(buf.as_bytes())
            }
        }
    }

    /// The pattern's shape, literals folded when case-insensitive.
    pub fn shape(&self) -> Shape<'_> {
        match self.pattern.pieces.as_slice() {
            [] => Shape::Exact(""),
            [Piece::Lit(s)] => Shape::Exact(s),
            [Piece::Lit(s), Piece::AnyRun] => Shape::Prefix(s),
            [Piece::AnyRun, Piece::Lit(s)] => Shape::Suffix(s),
            [Piece::AnyRun, Piece::Lit(s), Piece::AnyRun] => Shape::Contains(s),
            [Piece::AnyRun] => Shape::Contains(""),
            _ => Shape::Glob,
        }
    }

    /// Like [`Matcher::is_match`] when the caller already folded the text
    /// (`folded` must be `fold_into(text)`): no folding at match time.
    pub fn is_match_pair(&self, text: &str, folded: &str) -> bool {
        if self.cased {
            self.match_bytes(text.as_bytes())
        } else {
            self.match_bytes(folded.as_bytes())
        }
    }

    /// The pattern, folded when case-insensitive.
    pub fn pattern(&self) -> &SigmaString {
        &self.pattern
    }

    /// True when the matcher is case-sensitive.
    pub fn is_cased(&self) -> bool {
        self.cased
    }

    fn match_bytes(&self, t: &[u8]) -> bool {
        match &self.kind {
            Kind::Whole(toks) => match_fwd(toks, t, 0, t.len()) == Some(t.len()),
            Kind::Star { head, mids, tail } => {
                let Some(mut p) = match_fwd(head, t, 0, t.len()) else {
                    return false;
                };
                let Some(limit) = match_back(tail, t, p, t.len()) else {
                    return false;
                };
                for mid in mids {
                    match find_floating(mid, t, p, limit) {
                        Some(end) => p = end,
                        None => return false,
                    }
                }
                true
            }
        }
    }
}

fn push_tok(segments: &mut [Vec<Tok>], tok: Tok) {
    if let Some(last) = segments.last_mut() {
        last.push(tok);
    }
}

fn floating(toks: Vec<Tok>) -> Floating {
    let lead_ones = toks.iter().take_while(|t| matches!(t, Tok::One)).count();
    let mut rest = toks.into_iter().skip(lead_ones);
    let first = match rest.next() {
        Some(Tok::Lit(s)) => Some((Finder::new(s.as_bytes()).into_owned(), s.len())),
        _ => None,
    };
    Floating {
        lead_ones,
        first,
        rest: rest.collect(),
    }
}

/// Byte length of the UTF-8 char starting with `lead`.
fn char_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Matches `toks` starting at `p`, not going past `limit`; returns the end.
fn match_fwd(toks: &[Tok], t: &[u8], mut p: usize, limit: usize) -> Option<usize> {
    for tok in toks {
        match tok {
            Tok::Lit(l) => {
                let end = p + l.len();
                if end > limit || t.get(p..end)? != l.as_bytes() {
                    return None;
                }
                p = end;
            }
            Tok::One => {
                if p >= limit {
                    return None;
                }
                p += char_width(*t.get(p)?);
                if p > limit {
                    return None;
                }
            }
        }
    }
    Some(p)
}

/// Matches `toks` ending exactly at `end`, not starting before `min`;
/// returns the start.
fn match_back(toks: &[Tok], t: &[u8], min: usize, mut end: usize) -> Option<usize> {
    for tok in toks.iter().rev() {
        match tok {
            Tok::Lit(l) => {
                let start = end.checked_sub(l.len()).filter(|&s| s >= min)?;
                if t.get(start..end)? != l.as_bytes() {
                    return None;
                }
                end = start;
            }
            Tok::One => {
                if end <= min {
                    return None;
                }
                end -= 1;
                while end > min && t.get(end).copied().is_some_and(is_continuation) {
                    end -= 1;
                }
            }
        }
    }
    Some(end)
}

/// Leftmost placement of `f` within `t[p..limit]`; returns its end.
fn find_floating(f: &Floating, t: &[u8], p: usize, limit: usize) -> Option<usize> {
    let mut q = p;
    for _ in 0..f.lead_ones {
        if q >= limit {
            return None;
        }
        q += char_width(*t.get(q)?);
    }
    if q > limit {
        return None;
    }
    let Some((finder, lit_len)) = &f.first else {
        return Some(q);
    };
    let mut from = q;
    while from <= limit {
        let c = from + finder.find(t.get(from..limit)?)?;
        if let Some(end) = match_fwd(&f.rest, t, c + lit_len, limit) {
            return Some(end);
        }
        from = c + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(p: &str, cased: bool) -> Matcher {
        Matcher::new(&SigmaString::parse(p), cased)
    }

    #[test]
    fn send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug>() {}
        assert_traits::<Matcher>();
    }

    #[test]
    fn whole_field() {
        assert!(m("abc", true).is_match("abc"));
        assert!(!m("abc", true).is_match("xabc"));
        assert!(!m("abc", true).is_match("ABC"));
        assert!(m("abc", false).is_match("ABC"));
        assert!(m("", true).is_match(""));
        assert!(!m("", true).is_match("a"));
        assert!(m("*", true).is_match(""));
        assert!(m("a*b*c", true).is_match("aXbYc"));
        assert!(m("a*b*c", true).is_match("abc"));
        assert!(!m("a*b*c", true).is_match("acb"));
        assert!(!m("ab*ba", true).is_match("aba"));
        assert!(m("*aab", true).is_match("aaab"));
        assert!(m(r"C:\Windows\\*", false).is_match(r"c:\windows\system32\cmd.exe"));
        assert!(m(r"\*lit", true).is_match("*lit"));
        assert!(!m(r"\*lit", true).is_match("xlit"));
    }

    #[test]
    fn shapes() {
        assert_eq!(m("AbC", false).shape(), Shape::Exact("abc"));
        assert_eq!(m("AbC", true).shape(), Shape::Exact("AbC"));
        assert_eq!(m("Ab*", false).shape(), Shape::Prefix("ab"));
        assert_eq!(m("*Ab", false).shape(), Shape::Suffix("ab"));
        assert_eq!(m("*Ab*", false).shape(), Shape::Contains("ab"));
        assert_eq!(m("*", false).shape(), Shape::Contains(""));
        assert_eq!(m("", false).shape(), Shape::Exact(""));
        assert_eq!(m("a?", false).shape(), Shape::Glob);
        assert_eq!(m("*a*b*", false).shape(), Shape::Glob);
        assert_eq!(m("a*b", false).shape(), Shape::Glob);
        let c = SigmaString::literal("x").contains_form();
        assert_eq!(Matcher::new(&c, true).shape(), Shape::Contains("x"));
    }

    #[test]
    fn unicode_folding_and_any_one() {
        assert!(m("ÄBC", false).is_match("äbc"));
        assert!(m("äbc", false).is_match("ÄBC"));
        assert!(!m("ÄBC", true).is_match("äbc"));
        assert!(m("*ÖL*", false).is_match("xxölyy"));
        // `?` is one char, not one byte.
        assert!(m("a?c", true).is_match("aéc"));
        assert!(m("a?c", true).is_match("a😀c"));
        assert!(!m("a??c", true).is_match("aéc"));
        assert!(m("*?", true).is_match("é"));
        assert!(m("?*", true).is_match("é"));
        assert!(!m("?", true).is_match(""));
        assert!(m("*é?b*", true).is_match("xé😀b"));
        // Documented edge: 'İ' folds to two chars.
        assert!(!m("?", false).is_match("İ"));
        assert!(m("??", false).is_match("İ"));
        let mut out = String::from(">");
        fold_into("AbÇ", &mut out);
        assert_eq!(out, ">abç");
    }

    fn to_regex(p: &SigmaString, cased: bool) -> regex::Regex {
        let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
        for piece in &p.pieces {
            match piece {
                Piece::Lit(s) => re.push_str(&regex::escape(s)),
                Piece::AnyRun => re.push_str(".*"),
                Piece::AnyOne => re.push('.'),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap_or_else(|e| panic!("bad regex {re}: {e}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn agrees_with_regex(
            raw in "[abAB*?\\\\é]{0,10}",
            text in "[abABé\\\\*?]{0,14}",
            cased in any::<bool>(),
        ) {
            let pat = SigmaString::parse(&raw);
            let want = to_regex(&pat, cased).is_match(&text);
            prop_assert_eq!(Matcher::new(&pat, cased).is_match(&text), want,
                "pattern {:?} text {:?} cased {}", raw, text, cased);
        }

        #[test]
        fn agrees_with_regex_small_alphabet(
            raw in "[ab*?]{0,8}",
            text in "[ab]{0,12}",
        ) {
            let pat = SigmaString::parse(&raw);
            let want = to_regex(&pat, true).is_match(&text);
            prop_assert_eq!(Matcher::new(&pat, true).is_match(&text), want);
        }
    }

    #[test]
    fn no_blowup() {
        let text = "a".repeat(5000);
        let p = m(&"*a".repeat(30).replace("*a*a", "*a?*a"), true);
        assert!(p.is_match(&text));
        assert!(!p.is_match(&"a".repeat(40)));
        assert!(!m(&format!("{}b", "*a".repeat(40)), true).is_match(&text));
    }
}
