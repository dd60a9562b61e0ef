//! The keyword scan: the literals of keyword atoms (`keywords:` lists,
//! which match any text of the event) looked for in all of an event's
//! texts at once.
//!
//! An event's texts are short and many (a Windows event has twenty-odd
//! fields of twenty-odd bytes), so one search per text costs more in setup
//! than in scanning. The texts are instead folded into one buffer, each
//! followed by [`SEP`], and searched once: first for the leftmost literal
//! (a search that can use a vectorised prefilter), and only when there is
//! one, for every literal from there on. A literal anchored at a start or
//! an end must touch a separator there. A text that itself holds [`SEP`]
//! can only add candidates, never hide one: candidates are evaluated in
//! full, so the result is the same.

use aho_corasick::{AhoCorasick, AhoCorasickKind, BuildError, Input, MatchKind};
use serde_json::Value;

use crate::compile::trigger::Pos;
use crate::value::glob::fold_into;

/// What ends each text in the joined buffer.
pub const SEP: char = '\0';

/// An automaton for overlapping searches of `literals`: a DFA (the fastest
/// to scan), or the default kind when a DFA would be too large.
pub fn overlapping_automaton(literals: &[&str]) -> Result<AhoCorasick, BuildError> {
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(literals)
        .or_else(|_| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(literals)
        })
}

/// Keyword literals of one bucket, ready to scan a joined buffer.
#[derive(Debug)]
pub struct KeywordScan {
    /// Every literal, for the overlapping search.
    all: AhoCorasick,
    /// The same literals, leftmost-first: finds where the first one starts.
    first: AhoCorasick,
    /// Per literal (the automatons' pattern ids): where it must sit, and
    /// the rules it makes candidates.
    patterns: Vec<(Pos, Vec<u32>)>,
}

impl KeywordScan {
    /// Builds the scan of `lits` (literal, position, rules).
    pub fn build(lits: Vec<(&str, Pos, Vec<u32>)>) -> Result<KeywordScan, BuildError> {
        let texts: Vec<&str> = lits.iter().map(|(lit, _, _)| *lit).collect();
        let all = overlapping_automaton(&texts)?;
        let first = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&texts)?;
        let patterns = lits
            .into_iter()
            .map(|(_, pos, mut rules)| {
                rules.sort_unstable();
                rules.dedup();
                (pos, rules)
            })
            .collect();
        Ok(KeywordScan {
            all,
            first,
            patterns,
        })
    }

    /// Literals held.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether no literal is held.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Pushes the rules whose literal sits where it must in one of the
    /// texts of `joined` (built by [`push_texts`]).
    pub fn scan(&self, joined: &str, out: &mut Vec<u32>) {
        let Some(first) = self.first.find(joined) else {
            return;
        };
        let bytes = joined.as_bytes();
        let sep = SEP as u8;
        let input = Input::new(joined).range(first.start()..);
        for m in self.all.find_overlapping_iter(input) {
            let Some((pos, rules)) = self.patterns.get(m.pattern().as_usize()) else {
                continue;
            };
            let starts = m.start() == 0 || bytes.get(m.start() - 1) == Some(&sep);
            let ends = bytes.get(m.end()).is_none_or(|&b| b == sep);
            let hit = match pos {
                Pos::Contains => true,
                Pos::Prefix => starts,
                Pos::Suffix => ends,
                Pos::Exact => starts && ends,
            };
            if hit {
                out.extend_from_slice(rules);
            }
        }
    }
}

/// Appends the folded texts of `value` to `joined`, each followed by
/// [`SEP`]: strings as they are, numbers and booleans by their JSON text,
/// arrays element by element, objects as compact JSON (the texts
/// [`crate::texts::Texts`] gives).
pub fn push_texts(value: &Value, joined: &mut String) {
    match value {
        Value::String(s) => fold_into(s, joined),
        Value::Number(n) => joined.push_str(&n.to_string()),
        Value::Bool(b) => joined.push_str(if *b { "true" } else { "false" }),
        Value::Array(items) => {
            for item in items {
                push_texts(item, joined);
            }
            return;
        }
        Value::Object(_) => fold_into(&value.to_string(), joined),
        Value::Null => return,
    }
    joined.push(SEP);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scan(lits: &[(&str, Pos)], values: &[Value]) -> Vec<u32> {
        let lits = lits
            .iter()
            .enumerate()
            .map(|(i, (lit, pos))| (*lit, *pos, vec![i as u32]))
            .collect();
        let scan = KeywordScan::build(lits).unwrap();
        let mut joined = String::new();
        for v in values {
            push_texts(v, &mut joined);
        }
        let mut out = Vec::new();
        scan.scan(&joined, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn positions_are_judged_per_text_not_per_buffer() {
        let lits = [
            ("mimikatz", Pos::Contains),
            ("cmd", Pos::Prefix),
            (".exe", Pos::Suffix),
            ("whoami", Pos::Exact),
        ];
        let values = [
            json!("CMD.exe /c"),
            json!("x whoami"),
            json!(["a", "Tool.EXE"]),
        ];
        // "cmd" starts the first text; ".exe" ends the third; "whoami" is
        // not a whole text.
        assert_eq!(scan(&lits, &values), vec![1, 2]);
        assert_eq!(scan(&lits, &[json!("whoami")]), vec![3]);
        assert_eq!(scan(&lits, &[json!("a"), json!("whoami")]), vec![3]);
        assert_eq!(
            scan(&lits, &[json!("xcmd"), json!("b.exe x")]),
            Vec::<u32>::new()
        );
        assert_eq!(scan(&lits, &[json!(1), json!({"k": "MimiKatz"})]), vec![0]);
    }

    #[test]
    fn overlapping_literals_are_all_found_after_the_first() {
        let lits = [
            ("abc", Pos::Contains),
            ("bcd", Pos::Contains),
            ("zz", Pos::Contains),
        ];
        assert_eq!(scan(&lits, &[json!("xxabcd")]), vec![0, 1]);
        assert_eq!(scan(&lits, &[json!("nothing here")]), Vec::<u32>::new());
    }

    #[test]
    fn numbers_booleans_and_nulls_give_the_texts_string_matching_sees() {
        let mut joined = String::new();
        for v in [json!(4624), json!(true), Value::Null, json!("ÀB")] {
            push_texts(&v, &mut joined);
        }
        assert_eq!(joined, "4624\0true\0àb\0");
    }
}
