//! Triggers: for each rule, literal facts one of which must hold whenever
//! the rule matches.
//!
//! An [`Atom`] is "the case-folded text of field F equals / starts with /
//! ends with / contains L". For a rule, [`rule_trigger`] finds a set of
//! atoms such that the rule cannot match unless at least one of them is
//! true; the engine scans each field once per event for every atom of the
//! rules routed to it (one Aho-Corasick pass), and evaluates only the rules
//! whose trigger fired. Keywords give atoms on a pseudo-field holding every
//! text of the event; a regular expression gives the literals one of which
//! starts each of its matches, when there are few. A rule for which no such
//! set exists (its condition can hold through `not`, a null, numeric or
//! CIDR test, a regular expression without literals) has no trigger and is
//! always evaluated.
//!
//! The trigger is a necessary condition, never a sufficient one: the rule
//! is still evaluated in full, so the prefilter changes speed, not results.

use crate::condition::Expr;
use crate::value::glob::{fold_into, Shape};
use crate::value::string::Piece;

use super::item::{CompiledItem, Test};
use super::{CompiledDetection, CompiledRule};

/// Where the literal must sit in the field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pos {
    /// The whole text.
    Exact,
    /// At the start.
    Prefix,
    /// At the end.
    Suffix,
    /// Anywhere.
    Contains,
}

/// A literal fact about one field of an event (text case-folded).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom {
    /// The field, as the rule names it.
    pub field: String,
    /// The case-folded literal.
    pub lit: String,
    /// Where it must be.
    pub pos: Pos,
}

/// Shortest literal worth scanning for inside a glob.
const MIN_GLOB_LITERAL: usize = 3;

fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// The pseudo-field of keyword atoms: every text of the event.
pub const KEYWORDS: &str = "\0keywords";

/// Most literals a regular expression may contribute to a trigger.
const MAX_REGEX_LITERALS: usize = 64;

/// Literals one of which starts every match of the regular expression
/// (folded), when there are few and none is empty.
fn regex_atoms(field: &str, pattern: &str, flags: [bool; 3]) -> Option<Vec<Atom>> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(flags[0])
        .multi_line(flags[1])
        .dot_matches_new_line(flags[2])
        .build()
        .parse(pattern)
        .ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > MAX_REGEX_LITERALS {
        return None;
    }
    let mut out = Vec::with_capacity(lits.len());
    for l in lits {
        let text = std::str::from_utf8(l.as_bytes()).ok()?;
        if text.len() < 2 {
            return None;
        }
        out.push(Atom {
            field: field.to_owned(),
            lit: fold(text),
            pos: Pos::Contains,
        });
    }
    Some(out)
}

fn test_atoms(field: &str, test: &Test) -> Option<Vec<Atom>> {
    if let Test::Regex(re, flags) = test {
        return regex_atoms(field, re.as_str(), *flags);
    }
    let Test::Str(m) = test else { return None };
    let atom = |lit: &str, pos| Atom {
        field: field.to_owned(),
        lit: if m.is_cased() {
            fold(lit)
        } else {
            lit.to_owned()
        },
        pos,
    };
    Some(vec![match m.shape() {
        Shape::Exact(s) if !s.is_empty() => atom(s, Pos::Exact),
        Shape::Prefix(s) if !s.is_empty() => atom(s, Pos::Prefix),
        Shape::Suffix(s) if !s.is_empty() => atom(s, Pos::Suffix),
        Shape::Contains(s) if !s.is_empty() => atom(s, Pos::Contains),
        Shape::Glob => {
            let longest = m
                .pattern()
                .pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Lit(s) => Some(s.as_str()),
                    _ => None,
                })
                .max_by_key(|s| s.len())?;
            if longest.len() < MIN_GLOB_LITERAL {
                return None;
            }
            atom(longest, Pos::Contains)
        }
        _ => return None,
    }])
}

fn union(parts: impl Iterator<Item = Option<Vec<Atom>>>) -> Option<Vec<Atom>> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    Some(out)
}

/// The smallest of the alternatives that has a trigger (any one suffices
/// when all of them must hold).
fn smallest(parts: impl Iterator<Item = Option<Vec<Atom>>>) -> Option<Vec<Atom>> {
    parts.flatten().min_by_key(|v| (weakness(v), v.len()))
}

/// How poor a trigger is at narrowing: short literals match often.
fn weakness(atoms: &[Atom]) -> usize {
    atoms
        .iter()
        .map(|a| match a.lit.len() {
            0..=2 => 100,
            3..=4 => 10,
            _ => 1,
        })
        .max()
        .unwrap_or(0)
}

fn item_trigger(item: &CompiledItem) -> Option<Vec<Atom>> {
    let field = item.field.as_deref().unwrap_or(KEYWORDS);
    let group = |g: &Vec<Test>| union(g.iter().map(|t| test_atoms(field, t)));
    if item.all {
        smallest(item.groups.iter().map(group))
    } else {
        union(item.groups.iter().map(group))
    }
}

fn detection_trigger(d: &CompiledDetection) -> Option<Vec<Atom>> {
    match d {
        CompiledDetection::All(items) => smallest(items.iter().map(item_trigger)),
        CompiledDetection::Any(parts) => union(parts.iter().map(detection_trigger)),
    }
}

fn expr_trigger(e: &Expr, sels: &[CompiledDetection]) -> Option<Vec<Atom>> {
    match e {
        Expr::Sel(i) => detection_trigger(sels.get(*i)?),
        Expr::Not(_) => None,
        Expr::And(v) => smallest(v.iter().map(|x| expr_trigger(x, sels))),
        Expr::Or(v) => union(v.iter().map(|x| expr_trigger(x, sels))),
        Expr::AtLeast(n, v) if *n >= 1 => union(v.iter().map(|x| expr_trigger(x, sels))),
        Expr::AtLeast(..) => None,
    }
}

/// The rule's trigger, or `None` when it must always be evaluated.
pub fn rule_trigger(rule: &CompiledRule) -> Option<Vec<Atom>> {
    let d = &rule.detections;
    let mut atoms = expr_trigger(&d.expr, &d.selections)?;
    atoms.sort();
    atoms.dedup();
    Some(atoms)
}
