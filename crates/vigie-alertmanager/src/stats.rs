//! Counters of notifications, by receiver and integration kind, for the
//! host's metrics (Alertmanager's `alertmanager_notifications_total` and
//! `alertmanager_notifications_failed_total`, with the receiver too).

use std::collections::BTreeMap;
use std::sync::Mutex;

use vigie_alert::IntegrationKey;

/// Sent and failed notifications of one receiver's integration kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationCounts {
    /// Notifications the receiver accepted.
    pub sent: u64,
    /// Notifications that failed for good (after their retries).
    pub failed: u64,
}

/// The counters, keyed by `(receiver, integration kind)`.
#[derive(Debug, Default)]
pub struct NotificationStats {
    counts: Mutex<BTreeMap<(String, String), NotificationCounts>>,
}

impl NotificationStats {
    /// Counts one notification to `key`, sent or failed.
    pub(crate) fn record(&self, key: &IntegrationKey, sent: bool) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = counts
            .entry((key.receiver.clone(), key.integration.clone()))
            .or_default();
        if sent {
            c.sent += 1;
        } else {
            c.failed += 1;
        }
    }

    /// Every counter so far.
    pub fn snapshot(&self) -> BTreeMap<(String, String), NotificationCounts> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_and_failed_are_counted_per_receiver_and_kind_not_per_index() {
        let stats = NotificationStats::default();
        let key = |receiver: &str, integration: &str, index| IntegrationKey {
            receiver: receiver.into(),
            integration: integration.into(),
            index,
        };
        stats.record(&key("team", "webhook", 0), true);
        stats.record(&key("team", "webhook", 1), true);
        stats.record(&key("team", "webhook", 0), false);
        stats.record(&key("ops", "slack", 0), false);
        let s = stats.snapshot();
        assert_eq!(
            s[&("team".to_string(), "webhook".to_string())],
            NotificationCounts { sent: 2, failed: 1 }
        );
        assert_eq!(
            s[&("ops".to_string(), "slack".to_string())],
            NotificationCounts { sent: 0, failed: 1 }
        );
        assert_eq!(s.len(), 2);
    }
}
