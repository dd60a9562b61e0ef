//! The status of each alert, as Alertmanager 0.25's `types.Marker` keeps
//! it: *unprocessed* until first looked at, then *suppressed* when an
//! active silence or an inhibiting alert mutes it, *active* otherwise.
//!
//! [`Marker::refresh`] recomputes an alert's status at an instant from the
//! silences and the inhibition rules, as Alertmanager's inhibitor and
//! silencer do when the notification pipeline or the API looks at an
//! alert. As in Alertmanager, `silenced_by` lists every active silence
//! (sorted ids) while `inhibited_by` names a single inhibiting alert (here
//! the smallest fingerprint, so the answer is deterministic).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

use crate::inhibit::Inhibitor;
use crate::labels::{Fingerprint, LabelSet};
use crate::silence::Silences;

/// Alertmanager's `AlertState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Unprocessed,
    Active,
    Suppressed,
}

impl AlertState {
    /// `unprocessed`, `active` or `suppressed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unprocessed => "unprocessed",
            AlertState::Active => "active",
            AlertState::Suppressed => "suppressed",
        }
    }
}

/// An alert's status (the API's `status` object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    pub state: AlertState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

impl AlertStatus {
    /// The status of an alert never looked at.
    pub fn unprocessed() -> Self {
        Self {
            state: AlertState::Unprocessed,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        }
    }
}

/// The statuses of all alerts looked at so far.
///
/// Most alerts are neither silenced nor inhibited: their status is kept as
/// one word, and the lists only for suppressed alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marker {
    statuses: BTreeMap<Fingerprint, Stored>,
}

/// A status as kept: lists only when there are some.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stored {
    Active,
    Suppressed(Box<Suppression>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Suppression {
    silenced_by: Vec<String>,
    inhibited_by: Vec<String>,
}

impl Stored {
    fn expand(&self) -> AlertStatus {
        match self {
            Stored::Active => AlertStatus {
                state: AlertState::Active,
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
            },
            Stored::Suppressed(lists) => AlertStatus {
                state: AlertState::Suppressed,
                silenced_by: lists.silenced_by.clone(),
                inhibited_by: lists.inhibited_by.clone(),
            },
        }
    }

    fn state(&self) -> AlertState {
        match self {
            Stored::Active => AlertState::Active,
            Stored::Suppressed(_) => AlertState::Suppressed,
        }
    }

    /// The status with its lists replaced as given (`None`: unchanged).
    fn with(self, silenced_by: Option<Vec<String>>, inhibited_by: Option<Vec<String>>) -> Stored {
        let (old_silenced, old_inhibited) = match self {
            Stored::Active => (Vec::new(), Vec::new()),
            Stored::Suppressed(lists) => (lists.silenced_by, lists.inhibited_by),
        };
        let silenced_by = silenced_by.unwrap_or(old_silenced);
        let inhibited_by = inhibited_by.unwrap_or(old_inhibited);
        if silenced_by.is_empty() && inhibited_by.is_empty() {
            Stored::Active
        } else {
            Stored::Suppressed(Box::new(Suppression {
                silenced_by,
                inhibited_by,
            }))
        }
    }
}

impl Marker {
    /// No alert looked at yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The status of `fingerprint` (unprocessed when never set).
    pub fn status(&self, fingerprint: Fingerprint) -> AlertStatus {
        self.statuses
            .get(&fingerprint)
            .map_or_else(AlertStatus::unprocessed, Stored::expand)
    }

    fn update(
        &mut self,
        fingerprint: Fingerprint,
        silenced_by: Option<Vec<String>>,
        inhibited_by: Option<Vec<String>>,
    ) {
        let slot = self.statuses.entry(fingerprint).or_insert(Stored::Active);
        let old = std::mem::replace(slot, Stored::Active);
        *slot = old.with(silenced_by, inhibited_by);
    }

    /// Replaces the silences muting the alert (`SetActiveOrSilenced`).
    pub fn set_silenced(&mut self, fingerprint: Fingerprint, silence_ids: Vec<String>) {
        self.update(fingerprint, Some(silence_ids), None);
    }

    /// Replaces the alerts inhibiting the alert (`SetInhibited`).
    pub fn set_inhibited(&mut self, fingerprint: Fingerprint, alert_ids: Vec<String>) {
        self.update(fingerprint, None, Some(alert_ids));
    }

    /// Recomputes the status of the alert with `labels` at `now`:
    /// inhibition by the alerts of `firing` (the labels of the alerts
    /// firing at `now`), then the active silences. Returns the new status.
    pub fn refresh(
        &mut self,
        labels: &LabelSet,
        silences: &Silences,
        inhibitor: &Inhibitor,
        firing: &[LabelSet],
        now: Timestamp,
    ) -> AlertStatus {
        let fingerprint = labels.fingerprint();
        let inhibiting = inhibitor.inhibited_by(labels, firing);
        let first = inhibiting.first().map(ToString::to_string);
        let mut silence_ids = silences.mutes(labels, now);
        silence_ids.sort();
        self.update(
            fingerprint,
            Some(silence_ids),
            Some(first.into_iter().collect()),
        );
        self.status(fingerprint)
    }

    /// Forgets an alert (when the alert store drops it).
    pub fn delete(&mut self, fingerprint: Fingerprint) {
        self.statuses.remove(&fingerprint);
    }

    /// How many alerts are in `state` (all alerts when `None`).
    pub fn count(&self, state: Option<AlertState>) -> usize {
        self.statuses
            .values()
            .filter(|s| state.is_none_or(|wanted| s.state() == wanted))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::matcher::parse_matchers;
    use crate::silence::Silence;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs.iter().copied().collect()
    }

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_secs(1_700_000_000 + secs).unwrap()
    }

    fn inhibitor() -> Inhibitor {
        let text = "route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]\n    equal: [cluster]\n";
        let config = Config::parse(text).unwrap_or_else(|e| panic!("{e}"));
        Inhibitor::from_config(&config.inhibit_rules).unwrap()
    }

    fn silence(matchers: &str, start: i64, end: i64) -> Silence {
        Silence {
            id: String::new(),
            matchers: parse_matchers(matchers).unwrap(),
            starts_at: t(start),
            ends_at: t(end),
            updated_at: t(0),
            created_by: "me".into(),
            comment: "c".into(),
        }
    }

    #[test]
    fn an_alert_never_looked_at_is_unprocessed_with_empty_lists() {
        let marker = Marker::new();
        let status = marker.status(Fingerprint(1));
        assert_eq!(status.state, AlertState::Unprocessed);
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            r#"{"state":"unprocessed","silencedBy":[],"inhibitedBy":[]}"#
        );
    }

    #[test]
    fn state_is_suppressed_while_either_list_is_not_empty() {
        let mut marker = Marker::new();
        let fp = Fingerprint(7);
        marker.set_silenced(fp, vec!["s1".into()]);
        assert_eq!(marker.status(fp).state, AlertState::Suppressed);
        marker.set_inhibited(fp, vec!["00000000000000aa".into()]);
        marker.set_silenced(fp, vec![]);
        assert_eq!(marker.status(fp).state, AlertState::Suppressed);
        marker.set_inhibited(fp, vec![]);
        assert_eq!(marker.status(fp).state, AlertState::Active);
        assert_eq!(marker.count(Some(AlertState::Active)), 1);
        marker.delete(fp);
        assert_eq!(marker.count(None), 0);
    }

    #[test]
    fn refresh_follows_silences_over_time_and_inhibition_by_firing_alerts() {
        let mut silences = Silences::default();
        let id = silences.set(silence("{cluster=eu}", 10, 20), t(0)).unwrap();
        let ih = inhibitor();
        let target = labels(&[("severity", "warning"), ("cluster", "eu")]);
        let source = labels(&[("severity", "critical"), ("cluster", "eu")]);
        let mut marker = Marker::new();

        let before = marker.refresh(&target, &silences, &ih, &[], t(5));
        assert_eq!(before.state, AlertState::Active);

        let during = marker.refresh(&target, &silences, &ih, &[], t(15));
        assert_eq!(during.silenced_by, [id]);
        assert_eq!(during.state, AlertState::Suppressed);

        let inhibited = marker.refresh(
            &target,
            &silences,
            &ih,
            std::slice::from_ref(&source),
            t(25),
        );
        assert!(inhibited.silenced_by.is_empty());
        assert_eq!(inhibited.inhibited_by, [source.fingerprint().to_string()]);
        assert_eq!(inhibited.state, AlertState::Suppressed);

        let after = marker.refresh(&target, &silences, &ih, &[], t(25));
        assert_eq!(after.state, AlertState::Active);
    }
}
