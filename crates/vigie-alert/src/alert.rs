//! Alerts and the in-memory alert store, as Alertmanager 0.25 keeps them
//! (`types.Alert`, `provider/mem`, `store`) and as its API v2 accepts them
//! (`postAlertsHandler`).
//!
//! * An [`Alert`] is identified by the fingerprint of its labels. It is
//!   *resolved* at an instant when its `ends_at` is not after it.
//! * Posting fills in what is missing: no `startsAt` means now (or the
//!   `endsAt` when only that is given); no `endsAt` means now +
//!   `resolve_timeout`, with `timeout` set so that a later explicit end
//!   wins. Labels with an empty value are dropped, then the alert is
//!   checked; each invalid alert yields one [`AlertError`] while the valid
//!   ones are kept ([`prepare_posted_alerts`]).
//! * [`Alerts::put`] merges an alert posted again with the stored one when
//!   their time spans overlap ([`Alert::merge`]), otherwise replaces it.
//! * Resolved alerts stay stored until [`Alerts::gc`] (Alertmanager runs it
//!   every 30 minutes by default), so that the dispatcher and the API still
//!   see them.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

use crate::instant::plus;
use crate::labels::{is_valid_label_name, Fingerprint, LabelError, LabelSet};

/// One alert, with the bookkeeping Alertmanager adds to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub labels: LabelSet,
    #[serde(default)]
    pub annotations: LabelSet,
    #[serde(with = "crate::timestamp_serde")]
    pub starts_at: Timestamp,
    #[serde(with = "crate::timestamp_serde")]
    pub ends_at: Timestamp,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    /// When the alert was last received: the newer one wins a merge.
    #[serde(with = "crate::timestamp_serde")]
    pub updated_at: Timestamp,
    /// `ends_at` was not given but derived from `resolve_timeout`.
    #[serde(default)]
    pub timeout: bool,
}

/// Whether an alert is firing or resolved at an instant (Prometheus
/// `model.AlertStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FiringStatus {
    Firing,
    Resolved,
}

impl FiringStatus {
    /// `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            FiringStatus::Firing => "firing",
            FiringStatus::Resolved => "resolved",
        }
    }
}

impl Alert {
    /// The alert's identity: its labels' fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.labels.fingerprint()
    }

    /// Whether the alert's activity ended at or before `now`.
    pub fn resolved_at(&self, now: Timestamp) -> bool {
        self.ends_at <= now
    }

    /// Firing or resolved at `now`.
    pub fn status_at(&self, now: Timestamp) -> FiringStatus {
        if self.resolved_at(now) {
            FiringStatus::Resolved
        } else {
            FiringStatus::Firing
        }
    }

    /// Alertmanager's `Alert.Merge`: the labels are assumed equal. The
    /// alert updated last gives everything but the time span; the earlier
    /// start is kept; the later end is kept when both are resolved (as of
    /// `now`), or, when the newer alert is still firing, when that later
    /// end is an explicit one (not derived from the resolve timeout).
    pub fn merge(&self, other: &Alert, now: Timestamp) -> Alert {
        let (older, newer) = if other.updated_at < self.updated_at {
            (other, self)
        } else {
            (self, other)
        };
        let mut merged = newer.clone();
        if older.starts_at < newer.starts_at {
            merged.starts_at = older.starts_at;
        }
        if newer.resolved_at(now) {
            if older.resolved_at(now) && older.ends_at > newer.ends_at {
                merged.ends_at = older.ends_at;
            }
        } else if older.ends_at > newer.ends_at && !older.timeout {
            merged.ends_at = older.ends_at;
        }
        merged
    }
}

/// Prometheus `LabelSet.Before`: fewer labels first, then the first
/// differing value in name order (a set lacking a name sorts first).
pub fn label_set_before(a: &LabelSet, b: &LabelSet) -> bool {
    if a.len() != b.len() {
        return a.len() < b.len();
    }
    let mut names: Vec<&str> = a.iter().chain(b.iter()).map(|(n, _)| n).collect();
    names.sort_unstable();
    for name in names {
        let (Some(x), Some(y)) = (a.get(name), b.get(name)) else {
            return a.get(name).is_none();
        };
        if x != y {
            return x < y;
        }
    }
    false
}

/// The order Alertmanager sorts the alerts of a notification and of an
/// API group in (`types.AlertSlice`): by `job`, then `instance` (alerts
/// with the label before those without), then [`label_set_before`].
pub fn notification_order(a: &Alert, b: &Alert) -> Ordering {
    for key in ["job", "instance"] {
        match (a.labels.get(key), b.labels.get(key)) {
            (None, None) => continue,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    if label_set_before(&a.labels, &b.labels) {
        Ordering::Less
    } else if label_set_before(&b.labels, &a.labels) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// An alert as posted to the API, before defaults are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostedAlert {
    pub labels: LabelSet,
    pub annotations: LabelSet,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    pub generator_url: String,
}

/// Why a posted alert was refused (Alertmanager's messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    #[error("start time must be before end time")]
    EndsBeforeStart,
    #[error(transparent)]
    Labels(#[from] LabelError),
    #[error("invalid annotations: invalid name {0:?}")]
    InvalidAnnotationName(String),
}

impl PostedAlert {
    /// Applies the API's defaults (see the module documentation) and
    /// checks the result, in Alertmanager's order: times, label names,
    /// at least one label, annotation names.
    pub fn into_alert(
        self,
        now: Timestamp,
        resolve_timeout: Duration,
    ) -> Result<Alert, AlertError> {
        let starts_at = self.starts_at.or(self.ends_at).unwrap_or(now);
        let (ends_at, timeout) = match self.ends_at {
            Some(end) => (end, false),
            None => (plus(now, resolve_timeout), true),
        };
        let mut labels = self.labels;
        labels.remove_empty_values();
        if ends_at < starts_at {
            return Err(AlertError::EndsBeforeStart);
        }
        labels.validate_for_alert()?;
        if let Some((bad, _)) = self
            .annotations
            .iter()
            .find(|(name, _)| !is_valid_label_name(name))
        {
            return Err(AlertError::InvalidAnnotationName(bad.to_string()));
        }
        Ok(Alert {
            labels,
            annotations: self.annotations,
            starts_at,
            ends_at,
            generator_url: self.generator_url,
            updated_at: now,
            timeout,
        })
    }
}

/// The outcome of posting a batch: the valid alerts are stored even when
/// others are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreparedAlerts {
    pub valid: Vec<Alert>,
    pub errors: Vec<AlertError>,
}

impl PreparedAlerts {
    /// Alertmanager's answer text for the refused alerts (messages joined
    /// by `"; "`), `None` when all were valid.
    pub fn error_message(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let texts: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        Some(texts.join("; "))
    }
}

/// Applies [`PostedAlert::into_alert`] to each posted alert.
pub fn prepare_posted_alerts(
    posted: impl IntoIterator<Item = PostedAlert>,
    now: Timestamp,
    resolve_timeout: Duration,
) -> PreparedAlerts {
    let mut prepared = PreparedAlerts::default();
    for alert in posted {
        match alert.into_alert(now, resolve_timeout) {
            Ok(valid) => prepared.valid.push(valid),
            Err(e) => prepared.errors.push(e),
        }
    }
    prepared
}

/// The alert store, keyed by fingerprint (serialisable for persistence, as
/// a map from fingerprint to alert). Alerts are shared: the store and the
/// aggregation groups hold the same [`Arc`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Alerts {
    alerts: BTreeMap<Fingerprint, Arc<Alert>>,
}

impl Serialize for Alerts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.alerts.iter().map(|(fp, alert)| (fp, &**alert)))
    }
}

impl<'de> Deserialize<'de> for Alerts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let alerts = BTreeMap::<Fingerprint, Alert>::deserialize(deserializer)?;
        Ok(Self {
            alerts: alerts
                .into_iter()
                .map(|(fp, a)| (fp, Arc::new(a)))
                .collect(),
        })
    }
}

impl Alerts {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `alert`, merged with the stored alert of the same
    /// fingerprint when the new one ends inside the stored span or starts
    /// inside it (bounds excluded, as in Alertmanager); returns what was
    /// stored (the alert the dispatcher must receive).
    pub fn put(&mut self, alert: Alert, now: Timestamp) -> Arc<Alert> {
        let fingerprint = alert.fingerprint();
        let stored = match self.alerts.get(&fingerprint) {
            Some(old) if overlaps(old, &alert) => old.merge(&alert, now),
            _ => alert,
        };
        let stored = Arc::new(stored);
        self.alerts.insert(fingerprint, stored.clone());
        stored
    }

    /// The alert with this fingerprint.
    pub fn get(&self, fingerprint: Fingerprint) -> Option<&Alert> {
        self.alerts.get(&fingerprint).map(|a| &**a)
    }

    /// Every stored alert, resolved ones included, by fingerprint.
    pub fn iter(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values().map(|a| &**a)
    }

    /// [`Alerts::iter`], as the shared alerts (what the dispatcher takes).
    pub fn iter_shared(&self) -> impl Iterator<Item = &Arc<Alert>> {
        self.alerts.values()
    }

    /// Up to `max` stored alerts, in fingerprint order, after `after`
    /// (from the first when `None`): a store too large to copy at once is
    /// read in chunks this way (for saving it without holding it long).
    pub fn chunk_after(&self, after: Option<Fingerprint>, max: usize) -> Vec<Arc<Alert>> {
        use std::ops::Bound;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.alerts
            .range((start, Bound::Unbounded))
            .take(max)
            .map(|(_, alert)| alert.clone())
            .collect()
    }

    /// The labels of the alerts firing at `now` (the inhibition sources).
    pub fn firing_labels(&self, now: Timestamp) -> Vec<LabelSet> {
        self.alerts
            .values()
            .filter(|a| !a.resolved_at(now))
            .map(|a| a.labels.clone())
            .collect()
    }

    /// Drops the alerts resolved at `now` and returns them (the caller
    /// forgets their marker status).
    pub fn gc(&mut self, now: Timestamp) -> Vec<Arc<Alert>> {
        let resolved: Vec<Fingerprint> = self
            .alerts
            .iter()
            .filter(|(_, a)| a.resolved_at(now))
            .map(|(fp, _)| *fp)
            .collect();
        resolved
            .into_iter()
            .filter_map(|fp| self.alerts.remove(&fp))
            .collect()
    }

    /// Number of stored alerts.
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }
}

/// `provider/mem`'s condition for merging rather than replacing.
fn overlaps(old: &Alert, new: &Alert) -> bool {
    (new.ends_at > old.starts_at && new.ends_at < old.ends_at)
        || (new.starts_at > old.starts_at && new.starts_at < old.ends_at)
}

#[cfg(test)]
mod tests;
