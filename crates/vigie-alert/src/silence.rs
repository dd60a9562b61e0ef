//! Silences and their in-memory store, with the rules of Alertmanager
//! 0.25 `silence/silence.go`.
//!
//! * State at an instant: *pending* before `starts_at`, *expired* after
//!   `ends_at`, *active* in between (both ends included).
//! * [`Silences::set`] creates a silence (new UUID v4 id) or updates one:
//!   a change that would rewrite history (other matchers, a new start of an
//!   active silence, a pending silence moved to the past, any change to an
//!   expired one) expires the old silence, if not already expired, and
//!   creates a new one; other changes are made in place. A new silence
//!   starting in the past starts now.
//! * Unlike Alertmanager, an invalid silence is refused before anything is
//!   changed (Alertmanager expires the old silence first).
//! * Silences stay stored until `ends_at` + retention (120h by default),
//!   then [`Silences::gc`] drops them.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

use crate::duration::PromDuration;
use crate::instant::plus;
use crate::labels::{is_valid_label_name, LabelSet};
use crate::matcher::{MatchOp, Matcher, Matchers};

/// Where a silence stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Expired,
    Active,
    Pending,
}

/// One silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    /// Empty for a silence not stored yet.
    #[serde(default)]
    pub id: String,
    pub matchers: Matchers,
    #[serde(with = "crate::timestamp_serde")]
    pub starts_at: Timestamp,
    #[serde(with = "crate::timestamp_serde")]
    pub ends_at: Timestamp,
    /// Set by the store on every change.
    #[serde(with = "crate::timestamp_serde", default)]
    pub updated_at: Timestamp,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
}

/// Why a silence was refused or could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SilenceError {
    #[error("silence invalid: ID missing")]
    MissingId,
    #[error("silence invalid: at least one matcher required")]
    NoMatchers,
    #[error("silence invalid: invalid label matcher {index}: {reason}")]
    InvalidMatcher { index: usize, reason: String },
    #[error("silence invalid: at least one matcher must not match the empty string")]
    MatchesEverything,
    #[error("silence invalid: end time must not be before start time")]
    EndsBeforeStart,
    #[error("silence not found")]
    NotFound,
    #[error("generate uuid: {0}")]
    Random(String),
}

impl Silence {
    /// The state at `now`.
    pub fn state(&self, now: Timestamp) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now > self.ends_at {
            SilenceState::Expired
        } else {
            SilenceState::Active
        }
    }

    /// Alertmanager's `validateSilence`: an id, at least one matcher, valid
    /// label names, not every matcher matching the empty string (only `=`
    /// with an empty value and `=~` whose regex accepts "" count: `!=` and
    /// `!~` never do, as in Alertmanager), and an end not before the start.
    pub fn validate(&self) -> Result<(), SilenceError> {
        if self.id.is_empty() {
            return Err(SilenceError::MissingId);
        }
        if self.matchers.is_empty() {
            return Err(SilenceError::NoMatchers);
        }
        for (index, m) in self.matchers.iter().enumerate() {
            if !is_valid_label_name(m.name()) {
                let reason = format!("invalid label name {:?}", m.name());
                return Err(SilenceError::InvalidMatcher { index, reason });
            }
        }
        if self.matchers.iter().all(counts_as_matching_empty) {
            return Err(SilenceError::MatchesEverything);
        }
        if self.ends_at < self.starts_at {
            return Err(SilenceError::EndsBeforeStart);
        }
        Ok(())
    }

    /// Whether the silence's matchers match `labels` (whatever its state).
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.matchers.matches(labels)
    }
}

/// Alertmanager's `matchesEmpty`.
fn counts_as_matching_empty(m: &Matcher) -> bool {
    match m.op() {
        MatchOp::Equal | MatchOp::Regex => m.matches_empty(),
        MatchOp::NotEqual | MatchOp::NotRegex => false,
    }
}

/// Whether `previous` may become `next` in place at `now` (Alertmanager's
/// `canUpdate`).
fn can_update(previous: &Silence, next: &Silence, now: Timestamp) -> bool {
    if previous.matchers != next.matchers {
        return false;
    }
    let whole_seconds = |t: Timestamp| t.as_nanos().div_euclid(1_000_000_000);
    match previous.state(now) {
        SilenceState::Active => {
            whole_seconds(next.starts_at) == whole_seconds(previous.starts_at)
                && next.ends_at >= now
        }
        SilenceState::Pending => next.starts_at >= now,
        SilenceState::Expired => false,
    }
}

/// Default time a silence is kept after it ends.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(120 * 3600);

/// A stored silence and when it may be dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    silence: Silence,
    #[serde(with = "crate::timestamp_serde")]
    expires_at: Timestamp,
}

/// Which silences [`Silences::query`] returns; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct SilenceQuery {
    pub ids: Option<Vec<String>>,
    /// Silences whose matchers match this label set.
    pub matching: Option<LabelSet>,
    pub states: Option<Vec<SilenceState>>,
}

/// The in-memory silence store (serialisable for persistence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silences {
    retention: PromDuration,
    silences: BTreeMap<String, Stored>,
}

impl Default for Silences {
    fn default() -> Self {
        Self::new(DEFAULT_RETENTION)
    }
}

impl Silences {
    /// An empty store keeping silences `retention` after they end.
    pub fn new(retention: Duration) -> Self {
        Self {
            retention: PromDuration(retention),
            silences: BTreeMap::new(),
        }
    }

    /// Creates or updates a silence (see the module documentation) and
    /// returns the id it is stored under.
    pub fn set(&mut self, mut silence: Silence, now: Timestamp) -> Result<String, SilenceError> {
        let previous = if silence.id.is_empty() {
            None
        } else {
            let stored = self
                .silences
                .get(&silence.id)
                .ok_or(SilenceError::NotFound)?;
            Some(stored.silence.clone())
        };
        silence.updated_at = now;
        if let Some(previous) = &previous {
            if can_update(previous, &silence, now) {
                silence.validate()?;
                return Ok(self.store(silence));
            }
        }
        silence.id = new_uuid_v4()?;
        silence.starts_at = silence.starts_at.max(now);
        silence.validate()?;
        if let Some(previous) = previous {
            if previous.state(now) != SilenceState::Expired {
                self.expire(&previous.id, now)?;
            }
        }
        Ok(self.store(silence))
    }

    fn store(&mut self, silence: Silence) -> String {
        let id = silence.id.clone();
        let expires_at = plus(silence.ends_at, self.retention.get());
        self.silences.insert(
            id.clone(),
            Stored {
                silence,
                expires_at,
            },
        );
        id
    }

    /// Ends a silence now: an active one ends at `now`, a pending one starts
    /// and ends at `now`; an expired one is left as it is.
    pub fn expire(&mut self, id: &str, now: Timestamp) -> Result<(), SilenceError> {
        let stored = self.silences.get(id).ok_or(SilenceError::NotFound)?;
        let mut silence = stored.silence.clone();
        match silence.state(now) {
            SilenceState::Expired => return Ok(()),
            SilenceState::Active => silence.ends_at = now,
            SilenceState::Pending => {
                silence.starts_at = now;
                silence.ends_at = now;
            }
        }
        silence.updated_at = now;
        self.store(silence);
        Ok(())
    }

    /// The silence stored under `id`.
    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.silences.get(id).map(|s| &s.silence)
    }

    /// Silences passing every filter of `query`, by id.
    pub fn query(&self, query: &SilenceQuery, now: Timestamp) -> Vec<&Silence> {
        self.silences
            .values()
            .map(|s| &s.silence)
            .filter(|s| query.ids.as_ref().is_none_or(|ids| ids.contains(&s.id)))
            .filter(|s| query.matching.as_ref().is_none_or(|ls| s.matches(ls)))
            .filter(|s| {
                let state = s.state(now);
                query.states.as_ref().is_none_or(|st| st.contains(&state))
            })
            .collect()
    }

    /// Ids of the active silences that match `labels`, sorted.
    pub fn mutes(&self, labels: &LabelSet, now: Timestamp) -> Vec<String> {
        self.silences
            .values()
            .map(|s| &s.silence)
            .filter(|s| s.state(now) == SilenceState::Active && s.matches(labels))
            .map(|s| s.id.clone())
            .collect()
    }

    /// Drops silences whose retention ran out by `now`; returns how many.
    pub fn gc(&mut self, now: Timestamp) -> usize {
        let before = self.silences.len();
        self.silences.retain(|_, s| s.expires_at > now);
        before - self.silences.len()
    }

    /// Number of stored silences (expired ones included until dropped).
    pub fn len(&self) -> usize {
        self.silences.len()
    }

    /// Whether no silence is stored.
    pub fn is_empty(&self) -> bool {
        self.silences.is_empty()
    }
}

/// A random (version 4) UUID in its usual text form.
pub fn new_uuid_v4() -> Result<String, SilenceError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|e| SilenceError::Random(e.to_string()))?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[cfg(test)]
mod tests;
