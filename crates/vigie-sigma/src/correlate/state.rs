//! One correlation's state: its groups, how a hit updates them, and how
//! windows close when event time moves on (see [`super`] for the rules).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::ast::{Cmp, Correlation, CorrelationType};
use crate::view::{any_text_of, FieldView};

use super::group::{positions_seen, value_of, Entry, Group};
use super::{persist, CorrelationAlert, Hit, Limits, Stats};

/// One correlation and its groups.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub corr: Arc<Correlation>,
    pub fingerprint: u64,
    pub span_ms: i64,
    /// Condition contains `lt`/`lte`: decided when windows close.
    pub deferred: bool,
    /// The condition, with the temporal default filled in.
    pub condition: Vec<(Cmp, u64)>,
    pub groups: HashMap<Vec<String>, Group>,
    /// LRU index: tick of last update -> group key.
    pub lru: BTreeMap<u64, Vec<String>>,
}

/// Counters a state updates.
pub(crate) struct Ctx<'a> {
    pub limits: &'a Limits,
    pub tick: &'a mut u64,
    pub stats: &'a mut Stats,
}

impl State {
    pub fn new(corr: Arc<Correlation>) -> State {
        let n = corr.rules.len() as u64;
        let mut condition = corr.condition.clone();
        if condition.is_empty()
            && matches!(
                corr.kind,
                CorrelationType::Temporal | CorrelationType::TemporalOrdered
            )
        {
            condition.push((Cmp::Gte, n));
        }
        let deferred = condition
            .iter()
            .any(|(c, _)| matches!(c, Cmp::Lt | Cmp::Lte));
        State {
            fingerprint: persist::fingerprint(&corr),
            span_ms: i64::try_from(corr.timespan_secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(1000),
            deferred,
            condition,
            groups: HashMap::new(),
            lru: BTreeMap::new(),
            corr,
        }
    }

    fn holds(&self, value: u64) -> bool {
        self.condition.iter().all(|(c, n)| c.holds(value, *n))
    }

    /// The field a group-by name means for this hit (aliases).
    fn group_field<'s>(&'s self, name: &'s str, hit: &Hit<'_>) -> &'s str {
        self.corr
            .aliases
            .iter()
            .find(|(alias, _)| alias == name)
            .and_then(|(_, per_rule)| {
                per_rule.iter().find(|(r, _)| {
                    Some(r.as_str()) == hit.rule_id || Some(r.as_str()) == hit.rule_name
                })
            })
            .map_or(name, |(_, field)| field.as_str())
    }

    fn remove_group(&mut self, key: &[String]) -> Option<Group> {
        let g = self.groups.remove(key)?;
        self.lru.remove(&g.touched);
        Some(g)
    }

    fn alert(&self, g: &Group, entries: &[Entry], value: u64) -> CorrelationAlert {
        let n = self.corr.rules.len();
        CorrelationAlert {
            correlation: self.corr.clone(),
            group: self
                .corr
                .group_by
                .iter()
                .cloned()
                .zip(g.key.iter().cloned())
                .collect(),
            value,
            first_ms: entries.first().map_or(0, |e| e.time),
            last_ms: entries.last().map_or(0, |e| e.time),
            rules: positions_seen(entries, n)
                .into_iter()
                .filter_map(|p| self.corr.rules.get(p).cloned())
                .collect(),
            event_ids: g.event_ids.iter().cloned().collect(),
        }
    }

    pub fn observe(
        &mut self,
        hit: &Hit<'_>,
        view: &dyn FieldView,
        cx: &mut Ctx<'_>,
        out: &mut Vec<CorrelationAlert>,
    ) {
        let positions: Vec<u32> = self
            .corr
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| Some(r.as_str()) == hit.rule_id || Some(r.as_str()) == hit.rule_name)
            .map(|(i, _)| i as u32)
            .collect();
        if positions.is_empty() {
            return;
        }
        let mut key = Vec::with_capacity(self.corr.group_by.len());
        for name in &self.corr.group_by {
            match first_text(view, self.group_field(name, hit)) {
                Some(v) => key.push(v),
                None => {
                    cx.stats.missing_group_field += 1;
                    return;
                }
            }
        }
        let value: Option<Box<str>> = match (&self.corr.kind, &self.corr.field) {
            (CorrelationType::ValueCount, Some(field)) => match first_text(view, field) {
                Some(v) => Some(v.into()),
                None => {
                    cx.stats.missing_group_field += 1;
                    return;
                }
            },
            _ => None,
        };
        if !self.deferred {
            let newest = self.groups.get(&key).and_then(Group::newest);
            if newest.is_some_and(|n| hit.time_ms < n.saturating_sub(self.span_ms)) {
                return;
            }
        }
        *cx.tick += 1;
        let tick = *cx.tick;
        if let Some(g) = self.groups.get(&key) {
            self.lru.remove(&g.touched);
        } else {
            while self.groups.len() >= cx.limits.max_groups.max(1) {
                let Some((_, old)) = self.lru.pop_first() else {
                    break;
                };
                self.groups.remove(&old);
                cx.stats.evicted_groups += 1;
            }
            let g = Group::new(key.clone(), self.corr.rules.len());
            self.groups.insert(key.clone(), g);
        }
        self.lru.insert(tick, key.clone());
        let kind = self.corr.kind;
        let Some(g) = self.groups.get_mut(&key) else {
            return;
        };
        g.touched = tick;
        let temporal = matches!(
            kind,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        );
        let used = if temporal {
            &positions[..]
        } else {
            &positions[..1]
        };
        for &pos in used {
            let e = Entry {
                time: hit.time_ms,
                pos,
                value: value.clone(),
            };
            cx.stats.evicted_hits += g.insert(e, cx.limits.max_hits_per_group);
        }
        if let Some(id) = hit.event_id {
            g.note_event(id);
        }
        if self.deferred {
            return;
        }
        if let Some(newest) = g.newest() {
            g.prune_before(newest.saturating_sub(self.span_ms));
        }
        let v = g.value(kind);
        if self.holds(v) {
            if let Some(g) = self.remove_group(&key) {
                let entries: Vec<Entry> = g.entries.iter().cloned().collect();
                out.push(self.alert(&g, &entries, v));
            }
        }
    }

    pub fn advance(&mut self, watermark: i64, out: &mut Vec<CorrelationAlert>) {
        let keys: Vec<Vec<String>> = self.groups.keys().cloned().collect();
        let n = self.corr.rules.len();
        for key in keys {
            let mut alerts = Vec::new();
            let Some(g) = self.groups.get_mut(&key) else {
                continue;
            };
            if self.deferred {
                while let Some(start) = g.oldest() {
                    let end = start.saturating_add(self.span_ms);
                    if watermark <= end {
                        break;
                    }
                    let taken = g.take_until(end);
                    let v = value_of(self.corr.kind, &taken, n);
                    if self.condition.iter().all(|(c, t)| c.holds(v, *t)) {
                        alerts.push((taken, v, g.event_ids.clone()));
                    }
                    g.event_ids.clear();
                }
            } else {
                g.prune_before(watermark.saturating_sub(self.span_ms));
            }
            let empty = g.entries.is_empty();
            for (taken, v, ids) in alerts {
                let mut a = match self.groups.get(&key) {
                    Some(g) => self.alert(g, &taken, v),
                    None => continue,
                };
                a.event_ids = ids.into_iter().collect();
                out.push(a);
            }
            if empty {
                self.remove_group(&key);
            }
        }
    }
}

/// The first text of the first value of `field`.
fn first_text(view: &dyn FieldView, field: &str) -> Option<String> {
    let mut values = Vec::new();
    view.get(field, &mut values);
    let first = values.first()?;
    let mut text = None;
    any_text_of(first, &mut |s| {
        text = Some(s.to_owned());
        true
    });
    text
}
