//! The state of one group of one correlation: the hits in its window, kept
//! sorted by event time, with running counts per referenced rule and per
//! distinct value, and the last few event ids.
//!
//! Entries are `(time, position, value)`: `position` is the index of the
//! referenced rule in `Correlation::rules`, `value` the text of
//! `condition.field` for `value_count`. The deque is sorted by
//! `(time, position)`, so hits with the same millisecond count as ordered by
//! rule position (see [`super`] on `temporal_ordered`).

use std::collections::{HashMap, VecDeque};

use crate::ast::CorrelationType;

/// Most event ids an alert carries.
pub(crate) const MAX_EVENT_IDS: usize = 10;

/// One hit kept in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Event time, ms.
    pub time: i64,
    /// Index of the referenced rule in the correlation's `rules`.
    pub pos: u32,
    /// The counted value (`value_count` only).
    pub value: Option<Box<str>>,
}

/// One group's hits and running counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    /// The group-by values, in `group_by` order.
    pub key: Vec<String>,
    /// LRU tick of the last update.
    pub touched: u64,
    /// Hits, sorted by `(time, pos)`.
    pub entries: VecDeque<Entry>,
    /// Number of entries per rule position.
    pub per_pos: Vec<u32>,
    /// Number of entries per distinct value.
    pub distinct: HashMap<Box<str>, u32>,
    /// The last event ids seen (at most [`MAX_EVENT_IDS`]).
    pub event_ids: VecDeque<String>,
}

impl Group {
    /// An empty group for a correlation of `n_rules` rules.
    pub fn new(key: Vec<String>, n_rules: usize) -> Group {
        Group {
            key,
            per_pos: vec![0; n_rules],
            ..Group::default()
        }
    }

    /// Newest entry time.
    pub fn newest(&self) -> Option<i64> {
        self.entries.back().map(|e| e.time)
    }

    /// Oldest entry time.
    pub fn oldest(&self) -> Option<i64> {
        self.entries.front().map(|e| e.time)
    }

    fn count_in(&mut self, e: &Entry) {
        if let Some(c) = self.per_pos.get_mut(e.pos as usize) {
            *c += 1;
        }
        if let Some(v) = &e.value {
            *self.distinct.entry(v.clone()).or_insert(0) += 1;
        }
    }

    fn count_out(&mut self, e: &Entry) {
        if let Some(c) = self.per_pos.get_mut(e.pos as usize) {
            *c = c.saturating_sub(1);
        }
        if let Some(v) = &e.value {
            if let Some(c) = self.distinct.get_mut(v) {
                *c -= 1;
                if *c == 0 {
                    self.distinct.remove(v);
                }
            }
        }
    }

    /// Inserts `e` in time order; evicts the oldest entries beyond
    /// `max_entries`, returning how many were evicted.
    pub fn insert(&mut self, e: Entry, max_entries: usize) -> u64 {
        let at = self
            .entries
            .partition_point(|x| (x.time, x.pos) <= (e.time, e.pos));
        self.count_in(&e);
        self.entries.insert(at, e);
        let mut evicted = 0;
        while self.entries.len() > max_entries.max(1) {
            if let Some(old) = self.entries.pop_front() {
                self.count_out(&old);
                evicted += 1;
            }
        }
        evicted
    }

    /// Drops entries older than `cut` (time < cut).
    pub fn prune_before(&mut self, cut: i64) {
        while self.entries.front().is_some_and(|e| e.time < cut) {
            if let Some(old) = self.entries.pop_front() {
                self.count_out(&old);
            }
        }
    }

    /// Removes and returns the entries with time <= `end` (the front).
    pub fn take_until(&mut self, end: i64) -> Vec<Entry> {
        let mut out = Vec::new();
        while self.entries.front().is_some_and(|e| e.time <= end) {
            if let Some(old) = self.entries.pop_front() {
                self.count_out(&old);
                out.push(old);
            }
        }
        out
    }

    /// Remembers an event id (keeps the last [`MAX_EVENT_IDS`]).
    pub fn note_event(&mut self, id: &str) {
        if self.event_ids.len() >= MAX_EVENT_IDS {
            self.event_ids.pop_front();
        }
        self.event_ids.push_back(id.to_owned());
    }

    /// The correlation's value over all the entries, from the running counts
    /// (the ordered chain for `temporal_ordered` is scanned).
    pub fn value(&self, kind: CorrelationType) -> u64 {
        match kind {
            CorrelationType::EventCount => self.entries.len() as u64,
            CorrelationType::ValueCount => self.distinct.len() as u64,
            CorrelationType::Temporal => self.per_pos.iter().filter(|c| **c > 0).count() as u64,
            CorrelationType::TemporalOrdered => {
                ordered_prefix(self.entries.iter(), self.per_pos.len())
            }
        }
    }

    /// Rebuilds the running counts from the entries (after a restore).
    pub fn recount(&mut self) {
        self.per_pos.iter_mut().for_each(|c| *c = 0);
        self.distinct.clear();
        let entries = std::mem::take(&mut self.entries);
        for e in &entries {
            self.count_in(e);
        }
        self.entries = entries;
    }
}

/// The correlation's value over a closed window's entries.
pub(crate) fn value_of(kind: CorrelationType, entries: &[Entry], n_rules: usize) -> u64 {
    match kind {
        CorrelationType::EventCount => entries.len() as u64,
        CorrelationType::ValueCount => {
            let mut seen: Vec<&str> = entries.iter().filter_map(|e| e.value.as_deref()).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.len() as u64
        }
        CorrelationType::Temporal => {
            let mut seen = vec![false; n_rules];
            for e in entries {
                if let Some(s) = seen.get_mut(e.pos as usize) {
                    *s = true;
                }
            }
            seen.iter().filter(|s| **s).count() as u64
        }
        CorrelationType::TemporalOrdered => ordered_prefix(entries.iter(), n_rules),
    }
}

/// How many of the rules, in their listed order, hit one after the other
/// (each at or after the previous one's earliest usable hit): greedy over
/// entries sorted by `(time, pos)`.
fn ordered_prefix<'e>(entries: impl Iterator<Item = &'e Entry>, n_rules: usize) -> u64 {
    let mut need = 0usize;
    for e in entries {
        if need >= n_rules {
            break;
        }
        if e.pos as usize == need {
            need += 1;
        }
    }
    need as u64
}

/// The rules (by position) that have entries, in listed order.
pub(crate) fn positions_seen(entries: &[Entry], n_rules: usize) -> Vec<usize> {
    let mut seen = vec![false; n_rules];
    for e in entries {
        if let Some(s) = seen.get_mut(e.pos as usize) {
            *s = true;
        }
    }
    (0..n_rules).filter(|i| seen[*i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(time: i64, pos: u32, value: Option<&str>) -> Entry {
        Entry {
            time,
            pos,
            value: value.map(Box::from),
        }
    }

    #[test]
    fn insert_keeps_order_and_bounds() {
        let mut g = Group::new(vec![], 2);
        assert_eq!(g.insert(e(5, 0, Some("a")), 3), 0);
        assert_eq!(g.insert(e(1, 1, Some("b")), 3), 0);
        assert_eq!(g.insert(e(3, 0, Some("a")), 3), 0);
        let times: Vec<i64> = g.entries.iter().map(|x| x.time).collect();
        assert_eq!(times, vec![1, 3, 5]);
        assert_eq!(g.value(CorrelationType::ValueCount), 2);
        assert_eq!(g.insert(e(7, 0, Some("c")), 3), 1);
        assert_eq!(g.oldest(), Some(3));
        assert_eq!(g.value(CorrelationType::ValueCount), 2);
        assert_eq!(g.per_pos, vec![3, 0]);
    }

    #[test]
    fn ordered_prefix_needs_order() {
        let ents = [e(1, 1, None), e(2, 0, None), e(3, 2, None)];
        assert_eq!(value_of(CorrelationType::TemporalOrdered, &ents, 3), 1);
        assert_eq!(value_of(CorrelationType::Temporal, &ents, 3), 3);
        let ents = [e(1, 0, None), e(1, 1, None), e(3, 2, None)];
        assert_eq!(value_of(CorrelationType::TemporalOrdered, &ents, 3), 3);
    }

    #[test]
    fn prune_and_take() {
        let mut g = Group::new(vec![], 1);
        for t in [1, 2, 3, 4] {
            g.insert(e(t, 0, Some("x")), 10);
        }
        g.prune_before(2);
        assert_eq!(g.entries.len(), 3);
        let taken = g.take_until(3);
        assert_eq!(taken.len(), 2);
        assert_eq!(g.entries.len(), 1);
        assert_eq!(g.value(CorrelationType::ValueCount), 1);
        g.recount();
        assert_eq!(g.per_pos, vec![1]);
    }
}
