//! Metrics of the alert manager's wiring: alerts entering it, by source,
//! detections it could not take, and reloads of its configuration.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// `source` of alerts: `api` (Prometheus, amtool) or `detection`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AlertSourceLabels {
    pub source: &'static str,
}

/// `outcome` of a reload: `success` or `failure`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

/// `receiver` and `integration` (kind: webhook, slack, email, ...).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReceiverLabels {
    pub receiver: String,
    pub integration: String,
}

/// `state` (active, suppressed, unprocessed) and `severity` of alerts.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct AlertStateLabels {
    pub state: String,
    pub severity: String,
}

/// Alerting metrics.
#[derive(Debug, Default, Clone)]
pub struct AlertingMetrics {
    pub alerts_received: Family<AlertSourceLabels, Counter>,
    pub alerts_stored: Counter,
    pub detections_dropped: Counter,
    pub reloads: Family<OutcomeLabels, Counter>,
    pub notifications: Family<ReceiverLabels, Counter>,
    pub notifications_failed: Family<ReceiverLabels, Counter>,
    pub alerts: Family<AlertStateLabels, Gauge>,
}

impl AlertingMetrics {
    pub(crate) fn register(&self, r: &mut Registry) {
        r.register(
            "alerting_alerts_received",
            "Alerts handed to the alert manager, by source (api, detection)",
            self.alerts_received.clone(),
        );
        r.register(
            "alerting_alerts_stored",
            "Alerts posted through the API stored as events when they start firing or resolve",
            self.alerts_stored.clone(),
        );
        r.register(
            "alerting_detections_dropped",
            "Detection alerts the alert manager could not take (it was stopping)",
            self.detections_dropped.clone(),
        );
        r.register(
            "alerting_notifications",
            "Notifications receivers accepted, by receiver and integration",
            self.notifications.clone(),
        );
        r.register(
            "alerting_notifications_failed",
            "Notifications that failed after their retries, by receiver and integration",
            self.notifications_failed.clone(),
        );
        r.register(
            "alerting_alerts",
            "Alerts held by the alert manager, by state (active, suppressed, unprocessed) and severity label",
            self.alerts.clone(),
        );
        r.register(
            "alerting_config_reloads",
            "Reloads of the alert manager's configuration, by outcome",
            self.reloads.clone(),
        );
    }

    /// Counts `n` alerts from `source`.
    pub fn received(&self, source: &'static str, n: u64) {
        self.alerts_received
            .get_or_create(&AlertSourceLabels { source })
            .inc_by(n);
    }

    /// Counts a reload and its outcome.
    pub fn reloaded(&self, ok: bool) {
        let outcome = if ok { "success" } else { "failure" };
        self.reloads.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}
