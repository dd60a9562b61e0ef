//! Sigma string values: parsing with wildcards and escapes, the
//! `contains`/`startswith`/`endswith` wrappers, and the `windash` expansion.
//!
//! The rules follow pySigma's `SigmaString`, which the SigmaHQ rules rely on:
//!
//! * `*` matches any run of characters (possibly empty), `?` exactly one
//!   character (one Unicode scalar value).
//! * A backslash escapes only `*`, `?` and `\`. Before any other character
//!   (or at the very end of the value) it is a literal backslash and the
//!   following character is kept as is: `\T` stays `\T`.
//!
//! A parsed value is a normalized list of [`Piece`]s: no empty literal, no
//! two adjacent literals, no two adjacent `*`.

use std::fmt;

/// One element of a parsed Sigma string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Literal text (never empty inside a [`SigmaString`]).
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// A Sigma string value as a normalized list of pieces.
///
/// Invariant: no empty `Lit`, adjacent `Lit`s merged, no two adjacent
/// `AnyRun`. Every constructor in this module maintains it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SigmaString {
    /// The pieces, in order.
    pub pieces: Vec<Piece>,
}

/// Upper bound on the number of variants [`SigmaString::windash_variants`]
/// returns.
pub const WINDASH_MAX_VARIANTS: usize = 4096;

/// The characters a windash position may take (pySigma order).
const WINDASH_CHARS: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

impl SigmaString {
    /// Parses a raw Sigma value, interpreting `*`, `?` and backslash escapes.
    pub fn parse(raw: &str) -> SigmaString {
        let mut out = SigmaString::default();
        let mut lit = String::new();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        lit.push(next);
                        chars.next();
                    }
                    // Literal backslash; the next char (if any) is handled
                    // normally by the next iteration.
                    _ => lit.push('\\'),
                },
                '*' | '?' => {
                    out.push_lit(&lit);
                    lit.clear();
                    out.push(if c == '*' {
                        Piece::AnyRun
                    } else {
                        Piece::AnyOne
                    });
                }
                other => lit.push(other),
            }
        }
        out.push_lit(&lit);
        out
    }

    /// A value matching exactly `text`, with no wildcards.
    pub fn literal(text: &str) -> SigmaString {
        let mut out = SigmaString::default();
        out.push_lit(text);
        out
    }

    /// Builds a value from arbitrary pieces, normalizing them.
    pub fn from_pieces(pieces: impl IntoIterator<Item = Piece>) -> SigmaString {
        let mut out = SigmaString::default();
        for p in pieces {
            out.push(p);
        }
        out
    }

    /// Appends a piece, keeping the invariant.
    pub fn push(&mut self, piece: Piece) {
        match piece {
            Piece::Lit(s) => self.push_lit(&s),
            Piece::AnyRun => {
                if self.pieces.last() != Some(&Piece::AnyRun) {
                    self.pieces.push(Piece::AnyRun);
                }
            }
            Piece::AnyOne => self.pieces.push(Piece::AnyOne),
        }
    }

    /// Appends literal text, merging with a preceding literal.
    pub fn push_lit(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Piece::Lit(prev)) = self.pieces.last_mut() {
            prev.push_str(text);
        } else {
            self.pieces.push(Piece::Lit(text.to_owned()));
        }
    }

    /// True when the value contains a `*` or `?` wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Lit(_)))
    }

    /// The text when the value is a plain literal (`""` when empty).
    pub fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// `*value*`, keeping inner wildcards live (no doubled `*`).
    pub fn contains_form(&self) -> SigmaString {
        self.wrapped(true, true)
    }

    /// `value*`.
    pub fn startswith_form(&self) -> SigmaString {
        self.wrapped(false, true)
    }

    /// `*value`.
    pub fn endswith_form(&self) -> SigmaString {
        self.wrapped(true, false)
    }

    fn wrapped(&self, before: bool, after: bool) -> SigmaString {
        let mut out = SigmaString::default();
        if before {
            out.push(Piece::AnyRun);
        }
        for p in &self.pieces {
            out.push(p.clone());
        }
        if after {
            out.push(Piece::AnyRun);
        }
        out
    }

    /// Applies `f` to the text of every literal piece (wildcards untouched),
    /// re-normalizing the result.
    pub fn map_literals(&self, mut f: impl FnMut(&str) -> String) -> SigmaString {
        SigmaString::from_pieces(self.pieces.iter().map(|p| match p {
            Piece::Lit(s) => Piece::Lit(f(s)),
            other => other.clone(),
        }))
    }

    /// pySigma `windash` expansion.
    ///
    /// Every `-` or `/` inside a literal piece matching `\B[-/]\b` (previous
    /// char a non-word char or start of the piece, next char a word char;
    /// wildcard neighbours count as start/end) is replaced by each of `-`,
    /// `/`, `–`, `—`, `―`. The cartesian product is returned in order with
    /// the original value first and without duplicates (the original char
    /// of each position is tried first). The list is truncated to
    /// [`WINDASH_MAX_VARIANTS`] entries.
    pub fn windash_variants(&self) -> Vec<SigmaString> {
        // (piece index, byte offset, original char) for each position.
        let mut positions: Vec<(usize, usize, char)> = Vec::new();
        for (pi, p) in self.pieces.iter().enumerate() {
            if let Piece::Lit(s) = p {
                let mut prev: Option<char> = None;
                let mut it = s.char_indices().peekable();
                while let Some((off, c)) = it.next() {
                    let next = it.peek().map(|&(_, n)| n);
                    if (c == '-' || c == '/')
                        && !prev.is_some_and(is_word)
                        && next.is_some_and(is_word)
                    {
                        positions.push((pi, off, c));
                    }
                    prev = Some(c);
                }
            }
        }
        if positions.is_empty() {
            return vec![self.clone()];
        }
        // Per position: original first, then the other four.
        let choices: Vec<Vec<char>> = positions
            .iter()
            .map(|&(_, _, orig)| {
                let mut v = vec![orig];
                v.extend(WINDASH_CHARS.iter().copied().filter(|&c| c != orig));
                v
            })
            .collect();
        let mut out = Vec::new();
        let mut idx = vec![0usize; positions.len()];
        loop {
            out.push(self.with_replacements(&positions, &choices, &idx));
            if out.len() >= WINDASH_MAX_VARIANTS {
                break;
            }
            // Mixed-radix increment, last position fastest.
            let mut k = idx.len();
            loop {
                if k == 0 {
                    return out;
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < choices[k].len() {
                    break;
                }
                idx[k] = 0;
            }
        }
        out
    }

    fn with_replacements(
        &self,
        positions: &[(usize, usize, char)],
        choices: &[Vec<char>],
        idx: &[usize],
    ) -> SigmaString {
        let mut pieces = self.pieces.clone();
        // Replace from the last position backwards so earlier byte offsets
        // in the same piece stay valid when char widths change.
        for (k, &(pi, off, orig)) in positions.iter().enumerate().rev() {
            let new = choices[k][idx[k]];
            if new == orig {
                continue;
            }
            if let Some(Piece::Lit(s)) = pieces.get_mut(pi) {
                let mut buf = [0u8; 4];
                s.replace_range(off..off + orig.len_utf8(), new.encode_utf8(&mut buf));
            }
        }
        SigmaString { pieces }
    }
}

/// Regex `\w`: Unicode alphanumerics and `_`.
fn is_word(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl fmt::Display for SigmaString {
    /// The re-escaped Sigma form: `parse(&s.to_string()) == s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.pieces {
            match p {
                Piece::AnyRun => f.write_str("*")?,
                Piece::AnyOne => f.write_str("?")?,
                Piece::Lit(s) => {
                    for c in s.chars() {
                        if matches!(c, '*' | '?' | '\\') {
                            f.write_str("\\")?;
                        }
                        fmt::Write::write_char(f, c)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lit(s: &str) -> Piece {
        Piece::Lit(s.to_owned())
    }

    #[test]
    fn escapes() {
        let cases: &[(&str, Vec<Piece>)] = &[
            (r"\\\\\?\\GLOBALROOT", vec![lit(r"\\?\GLOBALROOT")]),
            // pySigma: `\*` is an escaped (literal) star, even after a path.
            (r"C:\Windows\*", vec![lit(r"C:\Windows*")]),
            (r"C:\Windows\\*", vec![lit(r"C:\Windows\"), Piece::AnyRun]),
            (r"\\*", vec![lit(r"\"), Piece::AnyRun]),
            (r"a\\b", vec![lit(r"a\b")]),
            (r"\\\\", vec![lit(r"\\")]),
            (r"x\", vec![lit(r"x\")]),
            (r"\T", vec![lit(r"\T")]),
            (r"\*\?", vec![lit("*?")]),
            (
                r"a*?b",
                vec![lit("a"), Piece::AnyRun, Piece::AnyOne, lit("b")],
            ),
            ("**a", vec![Piece::AnyRun, lit("a")]),
            ("", vec![]),
        ];
        for (raw, want) in cases {
            assert_eq!(&SigmaString::parse(raw).pieces, want, "parse({raw:?})");
        }
    }

    #[test]
    fn literal_and_queries() {
        let s = SigmaString::literal("a*b?");
        assert_eq!(s.pieces, vec![lit("a*b?")]);
        assert!(!s.has_wildcards());
        assert_eq!(s.as_literal(), Some("a*b?"));
        assert_eq!(s.to_string(), r"a\*b\?");
        assert_eq!(SigmaString::literal("").as_literal(), Some(""));
        assert!(SigmaString::literal("").pieces.is_empty());
        let w = SigmaString::parse("a?");
        assert!(w.has_wildcards());
        assert_eq!(w.as_literal(), None);
    }

    #[test]
    fn wrapping_forms() {
        let s = SigmaString::parse("a*b");
        assert_eq!(s.contains_form().to_string(), "*a*b*");
        assert_eq!(s.startswith_form().to_string(), "a*b*");
        assert_eq!(s.endswith_form().to_string(), "*a*b");
        let star = SigmaString::parse("*x*");
        assert_eq!(star.contains_form(), star);
        assert_eq!(
            SigmaString::default().contains_form().pieces,
            vec![Piece::AnyRun]
        );
    }

    #[test]
    fn map_literals_normalizes() {
        let s = SigmaString::parse("ab*cd");
        let m = s.map_literals(|t| t.to_uppercase());
        assert_eq!(m.to_string(), "AB*CD");
        let e = SigmaString::parse("a?b").map_literals(|_| String::new());
        assert_eq!(e.pieces, vec![Piece::AnyOne]);
    }

    fn strings(v: &[SigmaString]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn windash_basic() {
        let v = SigmaString::parse(" -foo").windash_variants();
        assert_eq!(
            strings(&v),
            vec![
                " -foo",
                " /foo",
                " \u{2013}foo",
                " \u{2014}foo",
                " \u{2015}foo"
            ]
        );
        assert_eq!(
            strings(&SigmaString::parse("a-b").windash_variants()),
            vec!["a-b"]
        );
        let v = SigmaString::parse("-p-n").windash_variants();
        assert_eq!(v.len(), 5);
        assert!(v.iter().all(|s| s.to_string().ends_with("p-n")));
        let v = SigmaString::parse("/c").windash_variants();
        assert_eq!(strings(&v)[..2], ["/c".to_owned(), "-c".to_owned()]);
        assert_eq!(v.len(), 5);
        // Trailing dash: next char is not a word char.
        assert_eq!(SigmaString::parse("x -").windash_variants().len(), 1);
    }

    #[test]
    fn windash_product_and_wildcards() {
        let v = SigmaString::parse("* -a /b*").windash_variants();
        assert_eq!(v.len(), 25);
        assert_eq!(v[0], SigmaString::parse("* -a /b*"));
        assert_eq!(v[1].to_string(), "* -a -b*");
        let mut dedup = strings(&v);
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), 25);
        // A dash right after a wildcard counts as at start of the piece.
        assert_eq!(SigmaString::parse("*-x").windash_variants().len(), 5);
        // A dash right before a wildcard counts as at end: no expansion.
        assert_eq!(SigmaString::parse(" -*").windash_variants().len(), 1);
    }

    #[test]
    fn windash_cap() {
        // 6 positions: 5^6 = 15625 > cap.
        let v = SigmaString::parse(" -a -b -c -d -e -f").windash_variants();
        assert_eq!(v.len(), WINDASH_MAX_VARIANTS);
        assert_eq!(v[0].to_string(), " -a -b -c -d -e -f");
        // No positions: the original only.
        let v = SigmaString::parse("plain*").windash_variants();
        assert_eq!(v, vec![SigmaString::parse("plain*")]);
        assert_eq!(SigmaString::default().windash_variants().len(), 1);
    }

    fn piece_strategy() -> impl Strategy<Value = Piece> {
        prop_oneof![
            "[ab*?\\\\é]{0,4}".prop_map(Piece::Lit),
            Just(Piece::AnyRun),
            Just(Piece::AnyOne),
        ]
    }

    proptest! {
        #[test]
        fn display_round_trip(pieces in proptest::collection::vec(piece_strategy(), 0..8)) {
            let s = SigmaString::from_pieces(pieces);
            // Invariant holds.
            for w in s.pieces.windows(2) {
                prop_assert!(!matches!(w, [Piece::Lit(_), Piece::Lit(_)]));
                prop_assert!(!matches!(w, [Piece::AnyRun, Piece::AnyRun]));
            }
            prop_assert!(!s.pieces.iter().any(|p| p == &Piece::Lit(String::new())));
            prop_assert_eq!(SigmaString::parse(&s.to_string()), s);
        }

        #[test]
        fn parse_is_normalized(raw in "[ab*?\\\\]{0,10}") {
            let s = SigmaString::parse(&raw);
            prop_assert_eq!(SigmaString::from_pieces(s.pieces.clone()), s.clone());
            prop_assert_eq!(SigmaString::parse(&s.to_string()), s);
        }
    }
}
