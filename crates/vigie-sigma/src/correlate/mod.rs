//! Correlation rules (Sigma v2): counting and ordering rule hits per group
//! inside a time window.
//!
//! A [`Correlator`] is built from the loaded correlations. The caller feeds
//! it every hit of a rule it references ([`Correlator::is_referenced`] is a
//! cheap check first) with the event's [`FieldView`], and moves event time
//! on with [`Correlator::advance`]. Alerts come out as [`CorrelationAlert`].
//!
//! # Semantics (choices made here)
//!
//! * **References.** A correlation's `rules` entry matches a hit whose rule
//!   id *or* name equals it. A correlation that fires is itself a hit (its id
//!   and name) for the correlations that reference it; the chained hit has
//!   the alert's `last_ms` as time and the alert's group as its fields (so
//!   the outer correlation groups by the same names, or by aliases). Chains
//!   stop after [`MAX_CHAIN_DEPTH`] levels of correlations (a cycle ends
//!   there too). Chained hits are never late.
//! * **Groups.** The key is, for each `group-by` name, the first value of
//!   the field (`FieldView::get`, then the first text of that value as
//!   [`any_text_of`] gives it). When the name is an alias, the field is the
//!   one the alias names for the hit's rule (by id or name), else the name
//!   itself. A hit missing a group-by field (or, for `value_count`, the
//!   counted field) is ignored by that correlation and counted in
//!   [`Stats::missing_group_field`]. No group-by: one global group.
//! * **Windows.** Event time in ms; `timespan` is seconds × 1000. For
//!   conditions made only of `gt`, `gte` and `eq` (and temporal kinds) the
//!   window slides with the group's newest hit: a hit at `t` is in it when
//!   `newest - t <= timespan` (inclusive; one ms more is out). A hit that
//!   arrives out of order (within the lateness) and is already outside its
//!   group's window is ignored. After each hit the condition is checked;
//!   when it holds, **one** alert is emitted and the group's state is reset
//!   (the next alert needs a fresh full count: no alert storm). So `eq: 3`
//!   fires when the third hit arrives.
//! * **`lt`/`lte`.** A condition set containing `lt` or `lte` can only be
//!   decided once no more hits can land in the window: such groups use
//!   windows that start at their oldest kept hit, `[start, start +
//!   timespan]`, decided in [`Correlator::advance`] once the watermark is
//!   past the end. The whole condition set is evaluated on the hits of that
//!   window (an alert if it holds), those hits are dropped, and the next
//!   window starts at the oldest remaining hit. Groups without hits are
//!   never decided (a group exists only after a hit).
//! * **Values.** `event_count`: hits; `value_count`: distinct texts of
//!   `condition.field`; `temporal`: referenced rules that hit; with no
//!   condition it must be all of them (`gte: <number of rules>`, as
//!   pySigma). `temporal_ordered`: the length of the longest prefix of the
//!   listed rules that hit in order (greedy over hits sorted by time, hits
//!   with the same ms counting as ordered by rule position); by default all
//!   of them. A hit of a rule listed twice counts once for counts, once per
//!   position for temporal kinds.
//! * **Event time and lateness.** `watermark = max event time seen -
//!   lateness_ms`; [`Correlator::advance`] treats its argument as event time
//!   seen (the watermark never goes back). A hit with `time < watermark` is
//!   late: dropped and counted in [`Stats::late_hits`]. Hits within the
//!   lateness may come in any order. `advance` also drops hits that can no
//!   longer be in any window, and empty groups.
//! * **Bounds.** At most [`Limits::max_groups`] groups per correlation (the
//!   least recently updated is evicted, [`Stats::evicted_groups`]) and
//!   [`Limits::max_hits_per_group`] hits per group (the oldest is evicted,
//!   [`Stats::evicted_hits`]); an alert keeps the last ten event ids.
//! * **`generate`.** A referenced rule (or correlation) raises its own
//!   alerts only when some correlation referencing it has `generate: true`:
//!   see [`Correlator::suppresses_base_alert`].
//! * **Persistence.** [`Correlator::snapshot`] and [`Correlator::restore`]
//!   (see [`persist`]) keep the state of correlations whose content
//!   fingerprint is unchanged; [`Correlator::carry_over`] does the same in
//!   memory on a rule reload.

mod group;
pub mod persist;
mod state;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::ast::Correlation;
use crate::view::{any_text_of, FieldView};

use state::{Ctx, State};

/// Most levels of correlations stacked on one another.
pub const MAX_CHAIN_DEPTH: usize = 8;

/// Memory and time bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Groups kept per correlation.
    pub max_groups: usize,
    /// Hits (timestamps, values) kept per group.
    pub max_hits_per_group: usize,
    /// How late (event time) a hit may arrive.
    pub lateness_ms: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_groups: 10_000,
            max_hits_per_group: 10_000,
            lateness_ms: 60_000,
        }
    }
}

/// A rule hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    /// The rule's id.
    pub rule_id: Option<&'a str>,
    /// The rule's name.
    pub rule_name: Option<&'a str>,
    /// Event time, ms since the epoch.
    pub time_ms: i64,
    /// The event's id, for the alert.
    pub event_id: Option<&'a str>,
}

/// A correlation that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationAlert {
    /// The correlation.
    pub correlation: Arc<Correlation>,
    /// The group: `(group-by name, value)`.
    pub group: Vec<(String, String)>,
    /// The count, distinct count, or number of rules seen (in order).
    pub value: u64,
    /// The oldest hit in the window.
    pub first_ms: i64,
    /// The newest hit in the window.
    pub last_ms: i64,
    /// The referenced rules that contributed, in listed order.
    pub rules: Vec<String>,
    /// The last (at most ten) event ids of the group.
    pub event_ids: Vec<String>,
}

/// Counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Groups currently kept (all correlations).
    pub groups: usize,
    /// Groups evicted for [`Limits::max_groups`].
    pub evicted_groups: u64,
    /// Hits evicted for [`Limits::max_hits_per_group`].
    pub evicted_hits: u64,
    /// Hits older than the watermark, dropped.
    pub late_hits: u64,
    /// Hits ignored by a correlation for lack of a group-by (or counted)
    /// field.
    pub missing_group_field: u64,
}

/// Correlation state for a set of correlations.
#[derive(Debug, Clone)]
pub struct Correlator {
    pub(crate) limits: Limits,
    pub(crate) states: Vec<State>,
    by_ref: HashMap<String, Vec<usize>>,
    generating: HashSet<String>,
    pub(crate) max_seen: i64,
    pub(crate) watermark: i64,
    pub(crate) tick: u64,
    pub(crate) stats: Stats,
}

/// The fields of a chained hit: the group of the alert that fired.
struct GroupView {
    fields: Vec<(String, Value)>,
}

impl FieldView for GroupView {
    fn get<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        out.extend(
            self.fields
                .iter()
                .filter(|(k, _)| k == field)
                .map(|(_, v)| v),
        );
    }

    fn any_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.fields.iter().any(|(_, v)| any_text_of(v, f))
    }
}

impl Correlator {
    /// A correlator for `correlations`.
    pub fn new(correlations: &[Arc<Correlation>], limits: Limits) -> Correlator {
        let mut by_ref: HashMap<String, Vec<usize>> = HashMap::new();
        let mut generating = HashSet::new();
        for (i, c) in correlations.iter().enumerate() {
            for r in &c.rules {
                let list = by_ref.entry(r.clone()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
                if c.generate {
                    generating.insert(r.clone());
                }
            }
        }
        Correlator {
            limits,
            states: correlations.iter().cloned().map(State::new).collect(),
            by_ref,
            generating,
            max_seen: i64::MIN,
            watermark: i64::MIN,
            tick: 0,
            stats: Stats::default(),
        }
    }

    /// Whether some correlation references the rule (by id or name).
    pub fn is_referenced(&self, rule_id: Option<&str>, rule_name: Option<&str>) -> bool {
        [rule_id, rule_name]
            .into_iter()
            .flatten()
            .any(|k| self.by_ref.contains_key(k))
    }

    /// Whether the rule's own alerts are to be suppressed: it is referenced
    /// by some correlation and none of those has `generate: true`.
    pub fn suppresses_base_alert(&self, rule_id: Option<&str>, rule_name: Option<&str>) -> bool {
        self.is_referenced(rule_id, rule_name)
            && ![rule_id, rule_name]
                .into_iter()
                .flatten()
                .any(|k| self.generating.contains(k))
    }

    /// The current watermark (`i64::MIN` before any hit).
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// Feeds one rule hit; pushes the alerts it causes (chains included).
    pub fn observe(
        &mut self,
        hit: &Hit<'_>,
        view: &dyn FieldView,
        out: &mut Vec<CorrelationAlert>,
    ) {
        if !self.is_referenced(hit.rule_id, hit.rule_name) {
            return;
        }
        if hit.time_ms < self.watermark {
            self.stats.late_hits += 1;
            return;
        }
        self.move_clock(hit.time_ms);
        let start = out.len();
        self.dispatch(hit, view, out);
        self.chain(start, out);
    }

    /// Moves event time to at least `now_ms`: closes windows, emits the
    /// alerts of `lt`/`lte` correlations, and frees expired state.
    pub fn advance(&mut self, now_ms: i64, out: &mut Vec<CorrelationAlert>) {
        self.move_clock(now_ms);
        let start = out.len();
        let wm = self.watermark;
        for s in &mut self.states {
            s.advance(wm, out);
        }
        self.chain(start, out);
    }

    fn move_clock(&mut self, time_ms: i64) {
        self.max_seen = self.max_seen.max(time_ms);
        self.watermark = self
            .watermark
            .max(self.max_seen.saturating_sub(self.limits.lateness_ms.max(0)));
    }

    fn dispatch(&mut self, hit: &Hit<'_>, view: &dyn FieldView, out: &mut Vec<CorrelationAlert>) {
        let mut targets: Vec<usize> = Vec::new();
        for k in [hit.rule_id, hit.rule_name].into_iter().flatten() {
            if let Some(list) = self.by_ref.get(k) {
                targets.extend(list.iter().copied());
            }
        }
        targets.sort_unstable();
        targets.dedup();
        let mut cx = Ctx {
            limits: &self.limits,
            tick: &mut self.tick,
            stats: &mut self.stats,
        };
        for i in targets {
            if let Some(s) = self.states.get_mut(i) {
                s.observe(hit, view, &mut cx, out);
            }
        }
    }

    /// Feeds the alerts from `start` on back as hits, level by level.
    fn chain(&mut self, start: usize, out: &mut Vec<CorrelationAlert>) {
        let mut depths: Vec<usize> = vec![1; out.len().saturating_sub(start)];
        let mut i = start;
        while i < out.len() {
            let depth = depths.get(i - start).copied().unwrap_or(MAX_CHAIN_DEPTH);
            i += 1;
            if depth >= MAX_CHAIN_DEPTH {
                continue;
            }
            let Some(a) = out.get(i - 1) else { break };
            let corr = a.correlation.clone();
            let (id, name) = (corr.meta.id.as_deref(), corr.meta.name.as_deref());
            if !self.is_referenced(id, name) {
                continue;
            }
            let view = GroupView {
                fields: a
                    .group
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            };
            let hit = Hit {
                rule_id: id,
                rule_name: name,
                time_ms: a.last_ms,
                event_id: None,
            };
            let before = out.len();
            self.dispatch(&hit, &view, out);
            depths.extend(std::iter::repeat_n(depth + 1, out.len() - before));
        }
    }

    /// Counters, with the current number of groups.
    pub fn stats(&self) -> Stats {
        Stats {
            groups: self.states.iter().map(|s| s.groups.len()).sum(),
            ..self.stats.clone()
        }
    }
}

#[cfg(test)]
mod tests;
