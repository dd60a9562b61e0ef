//! Keeping correlation state across restarts and rule reloads.
//!
//! Each correlation has a content [`fingerprint`]: FNV-1a (64 bits) over a
//! canonical text of its kind, id, name, rules, group-by, timespan,
//! condition, counted field and aliases (each string length-prefixed, so no
//! two different correlations write the same text). Title, level, tags and
//! `generate` are not part of it: changing them keeps the state.
//!
//! The snapshot is JSON:
//!
//! ```json
//! {"version": 1, "max_seen": 0, "watermark": 0, "correlations": [
//!   {"key": "<id, name or title>", "fingerprint": "<16 hex digits>",
//!    "groups": [{"key": ["alice"], "entries": [[1000, 0, null]],
//!                "event_ids": ["e1"]}]}]}
//! ```
//!
//! Groups are written least recently updated first; an entry is
//! `[time_ms, rule position, value or null]`. Restoring replaces the state
//! of the correlations whose fingerprint is in the snapshot (others keep
//! theirs), applies the current [`super::Limits`], and moves the watermark
//! forward to the snapshot's if it is ahead. A malformed snapshot changes
//! nothing and is an error. Counters ([`super::Stats`]) are not persisted.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::ast::{Correlation, CorrelationType};

use super::group::{Entry, Group, MAX_EVENT_IDS};
use super::state::State;
use super::Correlator;

/// Snapshot format version.
pub const SNAPSHOT_VERSION: u64 = 1;

/// The content fingerprint of a correlation (FNV-1a 64 over a canonical
/// text; stable across builds and platforms).
pub fn fingerprint(c: &Correlation) -> u64 {
    let mut text = String::new();
    let mut put = |s: &str| {
        let _ = write!(text, "{}:{s};", s.len());
    };
    put(match c.kind {
        CorrelationType::EventCount => "event_count",
        CorrelationType::ValueCount => "value_count",
        CorrelationType::Temporal => "temporal",
        CorrelationType::TemporalOrdered => "temporal_ordered",
    });
    put(c.meta.id.as_deref().unwrap_or("\u{0}"));
    put(c.meta.name.as_deref().unwrap_or("\u{0}"));
    put(&format!("rules{}", c.rules.len()));
    c.rules.iter().for_each(|r| put(r));
    put(&format!("group_by{}", c.group_by.len()));
    c.group_by.iter().for_each(|g| put(g));
    put(&format!("timespan{}", c.timespan_secs));
    put(&format!("condition{}", c.condition.len()));
    for (cmp, n) in &c.condition {
        put(&format!("{cmp:?}{n}"));
    }
    put(c.field.as_deref().unwrap_or("\u{0}"));
    put(&format!("aliases{}", c.aliases.len()));
    for (alias, per_rule) in &c.aliases {
        put(alias);
        put(&format!("{}", per_rule.len()));
        for (r, f) in per_rule {
            put(r);
            put(f);
        }
    }
    fnv1a(text.as_bytes())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn group_json(g: &Group) -> Value {
    let entries: Vec<Value> = g
        .entries
        .iter()
        .map(|e| json!([e.time, e.pos, e.value.as_deref()]))
        .collect();
    json!({"key": g.key, "entries": entries, "event_ids": g.event_ids})
}

fn parse_group(v: &Value, n_rules: usize, n_keys: usize) -> Result<Group, String> {
    let strings = |v: Option<&Value>, what: &str| -> Result<Vec<String>, String> {
        v.and_then(Value::as_array)
            .ok_or_else(|| format!("group {what} is not a list"))?
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("group {what}: not a string"))
            })
            .collect()
    };
    let key = strings(v.get("key"), "key")?;
    if key.len() != n_keys {
        return Err(format!(
            "group key has {} values, expected {n_keys}",
            key.len()
        ));
    }
    let mut g = Group::new(key, n_rules);
    let entries = v
        .get("entries")
        .and_then(Value::as_array)
        .ok_or("group entries is not a list")?;
    for e in entries {
        let parts = e
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or("an entry is not [time, pos, value]")?;
        let time = parts[0].as_i64().ok_or("entry time is not an integer")?;
        let pos = parts[1]
            .as_u64()
            .filter(|p| (*p as usize) < n_rules)
            .ok_or("entry rule position is out of range")?;
        let value = match &parts[2] {
            Value::Null => None,
            Value::String(s) => Some(s.as_str().into()),
            _ => return Err("entry value is not a string or null".into()),
        };
        g.entries.push_back(Entry {
            time,
            pos: pos as u32,
            value,
        });
    }
    g.entries.make_contiguous().sort_by_key(|e| (e.time, e.pos));
    for id in strings(v.get("event_ids"), "event_ids")? {
        g.note_event(&id);
    }
    while g.event_ids.len() > MAX_EVENT_IDS {
        g.event_ids.pop_front();
    }
    Ok(g)
}

impl Correlator {
    /// The state of every correlation, as versioned JSON.
    pub fn snapshot(&self) -> Value {
        let correlations: Vec<Value> = self
            .states
            .iter()
            .map(|s| {
                let groups: Vec<Value> = s
                    .lru
                    .values()
                    .filter_map(|k| s.groups.get(k))
                    .map(group_json)
                    .collect();
                json!({
                    "key": s.corr.meta.key(),
                    "fingerprint": format!("{:016x}", s.fingerprint),
                    "groups": groups,
                })
            })
            .collect();
        json!({
            "version": SNAPSHOT_VERSION,
            "max_seen": self.max_seen,
            "watermark": self.watermark,
            "correlations": correlations,
        })
    }

    /// Restores the state of the correlations whose fingerprint is in
    /// `snapshot`; returns how many were restored.
    pub fn restore(&mut self, snapshot: &Value) -> Result<usize, String> {
        let version = snapshot.get("version").and_then(Value::as_u64);
        if version != Some(SNAPSHOT_VERSION) {
            return Err(format!(
                "unsupported correlation snapshot version {version:?} (expected {SNAPSHOT_VERSION})"
            ));
        }
        let max_seen = snapshot
            .get("max_seen")
            .and_then(Value::as_i64)
            .ok_or("no max_seen")?;
        let watermark = snapshot
            .get("watermark")
            .and_then(Value::as_i64)
            .ok_or("no watermark")?;
        let saved = snapshot
            .get("correlations")
            .and_then(Value::as_array)
            .ok_or("no correlations list")?;
        let mut plan: Vec<(usize, Vec<Group>)> = Vec::new();
        for (i, s) in self.states.iter().enumerate() {
            let want = format!("{:016x}", s.fingerprint);
            let Some(found) = saved
                .iter()
                .find(|c| c.get("fingerprint").and_then(Value::as_str) == Some(want.as_str()))
            else {
                continue;
            };
            let groups = found
                .get("groups")
                .and_then(Value::as_array)
                .ok_or("a correlation has no groups list")?
                .iter()
                .map(|g| parse_group(g, s.corr.rules.len(), s.corr.group_by.len()))
                .collect::<Result<Vec<Group>, String>>()
                .map_err(|e| format!("correlation {}: {e}", s.corr.meta.key()))?;
            plan.push((i, groups));
        }
        let restored = plan.len();
        for (i, groups) in plan {
            self.install(i, groups);
        }
        self.max_seen = self.max_seen.max(max_seen);
        self.watermark = self.watermark.max(watermark);
        Ok(restored)
    }

    /// Takes over the state of `old`'s correlations whose fingerprint is
    /// unchanged (a rule reload); returns how many were taken.
    pub fn carry_over(&mut self, old: &Correlator) -> usize {
        let mut taken = 0;
        for i in 0..self.states.len() {
            let fp = self.states[i].fingerprint;
            let Some(prev) = old.states.iter().find(|s| s.fingerprint == fp) else {
                continue;
            };
            let groups: Vec<Group> = prev
                .lru
                .values()
                .filter_map(|k| prev.groups.get(k))
                .cloned()
                .collect();
            self.install(i, groups);
            taken += 1;
        }
        self.max_seen = self.max_seen.max(old.max_seen);
        self.watermark = self.watermark.max(old.watermark);
        taken
    }

    /// Replaces state `i`'s groups by `groups` (least recently updated
    /// first), within the limits.
    fn install(&mut self, i: usize, groups: Vec<Group>) {
        let limits = self.limits;
        let Some(s) = self.states.get_mut(i) else {
            return;
        };
        s.groups.clear();
        s.lru.clear();
        let skip = groups.len().saturating_sub(limits.max_groups.max(1));
        self.stats.evicted_groups += skip as u64;
        for mut g in groups.into_iter().skip(skip) {
            let max = limits.max_hits_per_group.max(1);
            while g.entries.len() > max {
                g.entries.pop_front();
                self.stats.evicted_hits += 1;
            }
            g.recount();
            if g.entries.is_empty() {
                continue;
            }
            self.tick += 1;
            g.touched = self.tick;
            s.lru.insert(self.tick, g.key.clone());
            insert_group(s, g);
        }
    }
}

fn insert_group(s: &mut State, g: Group) {
    s.groups.insert(g.key.clone(), g);
}
