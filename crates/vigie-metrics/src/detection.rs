//! Metrics of Sigma detection: what ran, what matched, what was dropped.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// `severity` label of alerts.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SeverityLabels {
    pub severity: String,
}

/// `state` label of loaded rules.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleStateLabels {
    pub state: &'static str,
}

/// Detection metrics.
#[derive(Debug, Default, Clone)]
pub struct DetectionMetrics {
    pub events: Counter,
    pub matches: Counter,
    pub alerts: Family<SeverityLabels, Counter>,
    pub rules: Family<RuleStateLabels, Gauge>,
    pub reloads: Counter,
    pub reload_failures: Counter,
    pub correlation_groups: Gauge,
    pub correlation_evicted_groups: Gauge,
    pub correlation_evicted_hits: Gauge,
    pub correlation_late_hits: Gauge,
    pub correlation_missing_group_field: Gauge,
    pub state_save_failures: Counter,
}

impl DetectionMetrics {
    pub(crate) fn register(&self, r: &mut Registry) {
        r.register(
            "detection_events",
            "Events evaluated by the Sigma rules",
            self.events.clone(),
        );
        r.register(
            "detection_matches",
            "Rule matches (before correlation and alert suppression)",
            self.matches.clone(),
        );
        r.register(
            "detection_alerts",
            "Alerts raised by rules and correlations, by severity",
            self.alerts.clone(),
        );
        r.register(
            "detection_rules",
            "Sigma documents by state (active, idle, failed)",
            self.rules.clone(),
        );
        r.register(
            "detection_reloads",
            "Successful rule reloads",
            self.reloads.clone(),
        );
        r.register(
            "detection_reload_failures",
            "Rule reloads refused (the previous rules stay)",
            self.reload_failures.clone(),
        );
        r.register(
            "detection_correlation_groups",
            "Correlation groups held in memory",
            self.correlation_groups.clone(),
        );
        r.register(
            "detection_correlation_evicted_groups",
            "Correlation groups evicted by the group limit",
            self.correlation_evicted_groups.clone(),
        );
        r.register(
            "detection_correlation_evicted_hits",
            "Correlation hits or values evicted by the per-group limit",
            self.correlation_evicted_hits.clone(),
        );
        r.register(
            "detection_correlation_late_hits",
            "Hits older than the allowed lateness, dropped",
            self.correlation_late_hits.clone(),
        );
        r.register(
            "detection_correlation_missing_group_field",
            "Hits ignored by a correlation because a group-by field was absent",
            self.correlation_missing_group_field.clone(),
        );
        r.register(
            "detection_state_save_failures",
            "Failures to save correlation state",
            self.state_save_failures.clone(),
        );
    }

    /// Counts an alert.
    pub fn alert(&self, severity: &str) {
        self.alerts
            .get_or_create(&SeverityLabels {
                severity: severity.to_owned(),
            })
            .inc();
    }

    /// Sets the rule gauges.
    pub fn set_rules(&self, active: usize, idle: usize, failed: usize) {
        for (state, n) in [("active", active), ("idle", idle), ("failed", failed)] {
            self.rules
                .get_or_create(&RuleStateLabels { state })
                .set(n as i64);
        }
    }
}
