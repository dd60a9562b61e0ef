//! The notification log and the decisions of the notification pipeline's
//! last stages, as Alertmanager 0.25 makes them (`nflog/nflog.go`,
//! `notify.DedupStage`, `RetryStage`, `SetNotifiesStage`).
//!
//! For each (group key, integration of a receiver) the log keeps what the
//! last notification said: the alerts firing and resolved, and when. A
//! [`Flush`] whose alerts were filtered by silences and inhibition is
//! planned per integration with [`plan`]; once sent (or when there was
//! nothing to send but something to record) [`NotificationLog::record`]
//! stores the new entry.
//!
//! Deviation: alerts are identified by their label fingerprint (FNV-1a)
//! where Alertmanager hashes the same bytes with xxHash; the log is only
//! read back by this crate, so only the equality of the hashes matters.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vigie_event::Timestamp;

use crate::alert::Alert;
use crate::config::Receiver;
use crate::dispatch::Flush;
use crate::duration::PromDuration;
use crate::instant::plus;

/// Default time an entry is kept (Alertmanager's `--data.retention`).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(120 * 3600);

/// One integration of a receiver: its name, the integration type and the
/// index among the receiver's integrations of that type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationKey {
    pub receiver: String,
    pub integration: String,
    pub index: u32,
}

impl fmt::Display for IntegrationKey {
    /// `team/webhook/0`, Alertmanager's receiver key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.receiver, self.integration, self.index)
    }
}

/// An integration and whether it sends resolved notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub key: IntegrationKey,
    pub send_resolved: bool,
}

/// The integrations of a receiver, in Alertmanager's order (webhook,
/// email, pagerduty, opsgenie, slack, then msteams).
pub fn integrations(receiver: &Receiver) -> Vec<Integration> {
    let kinds: [(&str, Vec<bool>); 6] = [
        (
            "webhook",
            receiver
                .webhook_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
        (
            "email",
            receiver
                .email_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
        (
            "pagerduty",
            receiver
                .pagerduty_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
        (
            "opsgenie",
            receiver
                .opsgenie_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
        (
            "slack",
            receiver
                .slack_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
        (
            "msteams",
            receiver
                .msteams_configs
                .iter()
                .map(|c| c.send_resolved)
                .collect(),
        ),
    ];
    let mut all = Vec::new();
    for (kind, flags) in kinds {
        for (index, send_resolved) in flags.into_iter().enumerate() {
            all.push(Integration {
                key: IntegrationKey {
                    receiver: receiver.name.clone(),
                    integration: kind.to_string(),
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                },
                send_resolved,
            });
        }
    }
    all
}

/// What the last notification of a group to an integration said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub group_key: String,
    pub integration: IntegrationKey,
    #[serde(with = "crate::timestamp_serde")]
    pub timestamp: Timestamp,
    pub firing_alerts: BTreeSet<u64>,
    pub resolved_alerts: BTreeSet<u64>,
    #[serde(with = "crate::timestamp_serde")]
    pub expires_at: Timestamp,
}

/// Alertmanager's `DedupStage.needsUpdate`: whether a group whose alerts
/// are now `firing` and `resolved` must be notified again.
///
/// Never notified: only if something fires. New firing alerts: yes. All
/// resolved: yes if the last notification had firing alerts (whatever
/// `send_resolved`, so that the log forgets them). Newly resolved alerts
/// with `send_resolved`: yes. Otherwise only once `repeat_interval` has
/// passed since the last notification.
pub fn needs_update(
    entry: Option<&Entry>,
    firing: &BTreeSet<u64>,
    resolved: &BTreeSet<u64>,
    send_resolved: bool,
    repeat_interval: Duration,
    now: Timestamp,
) -> bool {
    let Some(entry) = entry else {
        return !firing.is_empty();
    };
    if !firing.is_subset(&entry.firing_alerts) {
        return true;
    }
    if firing.is_empty() {
        return !entry.firing_alerts.is_empty();
    }
    if send_resolved && !resolved.is_subset(&entry.resolved_alerts) {
        return true;
    }
    plus(entry.timestamp, repeat_interval) < now
}

/// What to do for one integration with one flush.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changed that the integration must hear about.
    Skip,
    /// Only resolved alerts to an integration that does not send them:
    /// nothing is sent, but the log is updated as if it had been.
    RecordOnly,
    /// Send these alerts, then record.
    Send(Vec<Alert>),
}

/// The decision for one integration, with what to record afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub decision: Decision,
    pub firing: BTreeSet<u64>,
    pub resolved: BTreeSet<u64>,
}

/// Plans the notification of `flush` to `integration`. `alerts` are the
/// flush's alerts left after silences and inhibition (an empty list means
/// the pipeline stops: [`Decision::Skip`]); `now` is when the decision is
/// made (the repeat interval is measured to it).
pub fn plan(
    flush: &Flush,
    alerts: &[Alert],
    integration: &Integration,
    log: &NotificationLog,
    now: Timestamp,
) -> Plan {
    let mut firing = BTreeSet::new();
    let mut resolved = BTreeSet::new();
    for alert in alerts {
        let hash = alert.fingerprint().0;
        if alert.resolved_at(flush.flushed_at) {
            resolved.insert(hash);
        } else {
            firing.insert(hash);
        }
    }
    let entry = log.query(&flush.group_key, &integration.key);
    let decision = if alerts.is_empty()
        || !needs_update(
            entry,
            &firing,
            &resolved,
            integration.send_resolved,
            flush.repeat_interval,
            now,
        ) {
        Decision::Skip
    } else if integration.send_resolved {
        Decision::Send(alerts.to_vec())
    } else if firing.is_empty() {
        Decision::RecordOnly
    } else {
        let firing_only = alerts
            .iter()
            .filter(|a| !a.resolved_at(flush.flushed_at))
            .cloned()
            .collect();
        Decision::Send(firing_only)
    };
    Plan {
        decision,
        firing,
        resolved,
    }
}

/// The notification log (serialisable: the caller persists it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationLog {
    retention: PromDuration,
    entries: BTreeMap<String, Entry>,
}

impl Default for NotificationLog {
    fn default() -> Self {
        Self::new(DEFAULT_RETENTION)
    }
}

impl NotificationLog {
    /// An empty log keeping entries at most `retention`.
    pub fn new(retention: Duration) -> Self {
        Self {
            retention: PromDuration(retention),
            entries: BTreeMap::new(),
        }
    }

    fn state_key(group_key: &str, integration: &IntegrationKey) -> String {
        format!("{group_key}:{integration}")
    }

    /// The entry of `group_key` for `integration`.
    pub fn query(&self, group_key: &str, integration: &IntegrationKey) -> Option<&Entry> {
        self.entries.get(&Self::state_key(group_key, integration))
    }

    /// Alertmanager's `Log`: records a notification at `now`, kept for the
    /// retention or `expiry` when shorter (and not zero). An entry with a
    /// later timestamp is left alone.
    pub fn log(
        &mut self,
        integration: &IntegrationKey,
        group_key: &str,
        firing: BTreeSet<u64>,
        resolved: BTreeSet<u64>,
        expiry: Duration,
        now: Timestamp,
    ) {
        let key = Self::state_key(group_key, integration);
        if self.entries.get(&key).is_some_and(|e| e.timestamp > now) {
            return;
        }
        let retention = self.retention.get();
        let keep = if !expiry.is_zero() && retention > expiry {
            expiry
        } else {
            retention
        };
        let entry = Entry {
            group_key: group_key.to_string(),
            integration: integration.clone(),
            timestamp: now,
            firing_alerts: firing,
            resolved_alerts: resolved,
            expires_at: plus(now, keep),
        };
        self.entries.insert(key, entry);
    }

    /// `SetNotifiesStage`: records `plan` after it was carried out, kept
    /// for twice the flush's repeat interval (or the retention).
    pub fn record(
        &mut self,
        flush: &Flush,
        integration: &IntegrationKey,
        plan: &Plan,
        now: Timestamp,
    ) {
        let expiry = flush.repeat_interval.saturating_mul(2);
        let (firing, resolved) = (plan.firing.clone(), plan.resolved.clone());
        self.log(integration, &flush.group_key, firing, resolved, expiry, now);
    }

    /// Drops the entries expired at `now`; returns how many.
    pub fn gc(&mut self, now: Timestamp) -> usize {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.expires_at > now);
        before - self.entries.len()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests;
