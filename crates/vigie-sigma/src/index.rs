//! The per-log-source index: the rules routed to one set of facets, and a
//! literal scanner per field built from their triggers
//! ([`crate::compile::trigger`]).
//!
//! For an event, each indexed field's text is case-folded once and looked
//! through once: whole-text literals and prefixes by a walk from its start,
//! suffixes by a walk from its end ([`crate::anchored`]), and the literals
//! that may sit anywhere by one Aho-Corasick pass. Keyword literals are
//! looked for in all of the event's texts in one pass
//! ([`crate::keywords`]). The rules whose literal sits where it must become
//! candidates; only candidates and the rules without a trigger are
//! evaluated.

use std::collections::HashMap;

use crate::names::{fast_map, name_key, FastMap};

use aho_corasick::AhoCorasick;

use crate::anchored::AnchoredSet;
use crate::compile::trigger::{Atom, Pos, KEYWORDS};
use crate::keywords::{self, overlapping_automaton, push_texts, KeywordScan};
use crate::texts::{EventView, Texts};

/// One literal of a field's scanner.
#[derive(Debug)]
struct Pattern {
    pos: Pos,
    rules: Vec<u32>,
}

/// The scanner of one field: whole-text literals and prefixes by a walk
/// from the start, suffixes by a walk from the end ([`AnchoredSet`]), the
/// others by one Aho-Corasick pass.
#[derive(Debug)]
struct FieldScan {
    field: String,
    /// The `Contains` literals; a match's pattern is an index into
    /// `contains_ids`.
    ac: Option<AhoCorasick>,
    contains_ids: Vec<u32>,
    /// `Exact` and `Prefix` literals, and `Suffix` literals spelled
    /// backwards; ids are indexes into `patterns`.
    prefixes: AnchoredSet,
    suffixes: AnchoredSet,
    patterns: Vec<Pattern>,
}

/// The rules of one set of facets, indexed.
#[derive(Debug, Default)]
pub struct Bucket {
    /// Every routed rule, ascending.
    pub rules: Vec<u32>,
    /// Routed rules without a trigger, ascending.
    pub always: Vec<u32>,
    fields: Vec<FieldScan>,
    /// The scans of named fields by [`name_key`] of the field name: a flat
    /// event finds the scans of its own fields here.
    by_name: FastMap<u64, Vec<u32>>,
    /// The keyword scan, if any rule has keyword atoms.
    keywords: Option<KeywordScan>,
}

/// Scratch space reused from event to event by one thread.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The candidate rules of the current event.
    pub candidates: Vec<u32>,
    scans: Vec<u32>,
    /// The event's folded texts, joined for the keyword scan.
    joined: String,
}

impl Bucket {
    /// Indexes `rules` (ascending) given every rule's trigger.
    pub fn build(rules: Vec<u32>, triggers: &[Option<Vec<Atom>>]) -> Bucket {
        let mut always = Vec::new();
        // field -> (literal, pos) -> rules
        let mut by_field: HashMap<&str, HashMap<(&str, Pos), Vec<u32>>> = HashMap::new();
        for &r in &rules {
            match triggers.get(r as usize).and_then(Option::as_ref) {
                Some(atoms) => {
                    for a in atoms {
                        by_field
                            .entry(a.field.as_str())
                            .or_default()
                            .entry((a.lit.as_str(), a.pos))
                            .or_default()
                            .push(r);
                    }
                }
                None => always.push(r),
            }
        }
        let mut keywords = None;
        if let Some(lits) = by_field.remove(KEYWORDS) {
            let mut lits: Vec<(&str, Pos, Vec<u32>)> =
                lits.into_iter().map(|((l, p), r)| (l, p, r)).collect();
            lits.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            let rules: Vec<u32> = lits.iter().flat_map(|l| l.2.iter().copied()).collect();
            match KeywordScan::build(lits) {
                Ok(scan) => keywords = Some(scan),
                // Cannot index keywords: their rules are always evaluated.
                Err(_) => always.extend(rules),
            }
        }
        let mut fields = Vec::new();
        let mut names: Vec<&str> = by_field.keys().copied().collect();
        names.sort_unstable();
        for name in names {
            let Some(lits) = by_field.remove(name) else {
                continue;
            };
            let mut lits: Vec<((&str, Pos), Vec<u32>)> = lits.into_iter().collect();
            lits.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let mut prefixes = AnchoredSet::new();
            let mut suffixes = AnchoredSet::new();
            let mut contains: Vec<&str> = Vec::new();
            let mut contains_ids = Vec::new();
            for (i, ((lit, pos), _)) in lits.iter().enumerate() {
                match pos {
                    Pos::Prefix | Pos::Exact => prefixes.insert(lit.bytes(), i as u32),
                    Pos::Suffix => suffixes.insert(lit.bytes().rev(), i as u32),
                    _ => {
                        contains.push(lit);
                        contains_ids.push(i as u32);
                    }
                }
            }
            let built = if contains.is_empty() {
                Ok(None)
            } else {
                overlapping_automaton(&contains).map(Some)
            };
            match built {
                Ok(ac) => fields.push(FieldScan {
                    field: name.to_owned(),
                    ac,
                    contains_ids,
                    prefixes,
                    suffixes,
                    patterns: lits
                        .into_iter()
                        .map(|((_, pos), mut rules)| {
                            rules.sort_unstable();
                            rules.dedup();
                            Pattern { pos, rules }
                        })
                        .collect(),
                }),
                // Cannot index this field: its rules are always evaluated.
                Err(_) => {
                    for (_, rs) in lits {
                        always.extend(rs);
                    }
                }
            }
        }
        always.sort_unstable();
        always.dedup();
        let mut by_name: FastMap<u64, Vec<u32>> = fast_map();
        for (i, scan) in fields.iter().enumerate() {
            by_name
                .entry(name_key(&scan.field))
                .or_default()
                .push(i as u32);
        }
        Bucket {
            rules,
            always,
            fields,
            by_name,
            keywords,
        }
    }

    /// Pushes the rules to evaluate for the event seen through `view`
    /// (ascending, without duplicates) into `out`.
    pub fn candidates<'a>(&'a self, ev: &EventView<'a>, scratch: &mut Scratch) {
        let out = &mut scratch.candidates;
        out.clear();
        out.extend_from_slice(&self.always);
        if let Some(kw) = &self.keywords {
            let joined = &mut scratch.joined;
            joined.clear();
            match ev.view.flat_fields() {
                Some(flat) => flat.iter().for_each(|(_, v)| push_texts(v, joined)),
                None => {
                    for text in &ev.keyword_texts().folded {
                        joined.push_str(text);
                        joined.push(keywords::SEP);
                    }
                }
            }
            kw.scan(joined, out);
        }
        match ev.view.flat_fields() {
            Some(flat) => {
                // Only the fields the event has can fire an atom: find their
                // scans (exact name, or a name equal but for ASCII case,
                // which the view's lookup falls back to).
                let scans = &mut scratch.scans;
                scans.clear();
                let keys = ev.view.flat_keys().unwrap_or_default();
                for (i, (name, _)) in flat.iter().enumerate() {
                    let key = keys.get(i).copied().unwrap_or_else(|| name_key(name));
                    if let Some(ids) = self.by_name.get(&key) {
                        scans.extend(ids.iter().copied().filter(|&i| {
                            self.fields
                                .get(i as usize)
                                .is_some_and(|f| f.field.eq_ignore_ascii_case(name))
                        }));
                    }
                }
                scans.sort_unstable();
                scans.dedup();
                for &i in scans.iter() {
                    if let Some(scan) = self.fields.get(i as usize) {
                        scan.scan(ev, out);
                    }
                }
            }
            None => {
                for scan in &self.fields {
                    scan.scan(ev, out);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Literals indexed, over all fields (for reports).
    pub fn literal_count(&self) -> usize {
        self.fields.iter().map(|f| f.patterns.len()).sum::<usize>()
            + self.keywords.as_ref().map_or(0, KeywordScan::len)
    }
}

impl FieldScan {
    /// Pushes the rules whose atom on this field holds for the event.
    fn scan<'a>(&'a self, ev: &EventView<'a>, out: &mut Vec<u32>) {
        self.scan_texts(&ev.texts(&self.field), out)
    }

    fn scan_texts(&self, texts: &Texts<'_>, out: &mut Vec<u32>) {
        for folded in &texts.folded {
            let text: &str = folded.as_ref();
            let mut push = |id: u32, whole: bool| {
                if let Some(p) = self.patterns.get(id as usize) {
                    if whole || p.pos != Pos::Exact {
                        out.extend_from_slice(&p.rules);
                    }
                }
            };
            self.prefixes.walk(text.bytes(), &mut push);
            self.suffixes.walk(text.bytes().rev(), &mut push);
            let Some(ac) = &self.ac else { continue };
            for m in ac.find_overlapping_iter(text) {
                let Some(p) = self
                    .contains_ids
                    .get(m.pattern().as_usize())
                    .and_then(|&i| self.patterns.get(i as usize))
                else {
                    continue;
                };
                out.extend_from_slice(&p.rules);
            }
        }
    }
}
