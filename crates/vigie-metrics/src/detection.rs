//! Metrics of Sigma detection: what ran, what matched, what was dropped,
//! how long rules took; and the security sources detection sees go by
//! (Falco alerts by priority, Gatekeeper events by type and action).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
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

/// `dataset` label of rule evaluation time.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DatasetLabels {
    pub dataset: String,
}

/// `priority` label of Falco events: one of [`FALCO_PRIORITIES`] or
/// `other`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FalcoLabels {
    pub priority: &'static str,
}

/// `{event_type, enforcement_action}` of Gatekeeper events, each from a
/// known set or `other` (`none` when absent).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GatekeeperLabels {
    pub event_type: &'static str,
    pub enforcement_action: &'static str,
}

/// Falco's priorities, most severe first, as the `priority` label says them.
pub const FALCO_PRIORITIES: [&str; 8] = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
];

/// Gatekeeper's audit and export event types.
pub const GATEKEEPER_EVENT_TYPES: [&str; 6] = [
    "violation_audited",
    "violation_admission",
    "violation",
    "audit_started",
    "audit_finished",
    "constraint_audited",
];

/// Gatekeeper's enforcement actions.
pub const GATEKEEPER_ACTIONS: [&str; 4] = ["deny", "dryrun", "warn", "scoped"];

/// The constructor of the evaluation time histograms: 10 µs to ~10 s.
type HistogramFn = fn() -> Histogram;

fn evaluation_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.00001, 4.0, 11))
}

/// The label value of a Falco priority (case and `Info` folded).
pub fn falco_priority(p: &str) -> &'static str {
    let p = p.trim();
    if p.eq_ignore_ascii_case("info") {
        return "informational";
    }
    FALCO_PRIORITIES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(p))
        .copied()
        .unwrap_or("other")
}

fn known(set: &[&'static str], v: Option<&str>) -> &'static str {
    match v.map(str::trim) {
        None | Some("") => "none",
        Some(v) => set
            .iter()
            .find(|k| k.eq_ignore_ascii_case(v))
            .copied()
            .unwrap_or("other"),
    }
}

/// Detection metrics.
#[derive(Debug, Clone)]
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
    pub evaluation_seconds: Family<DatasetLabels, Histogram, HistogramFn>,
    pub falco_events: Family<FalcoLabels, Counter>,
    pub gatekeeper_events: Family<GatekeeperLabels, Counter>,
}

impl Default for DetectionMetrics {
    fn default() -> Self {
        Self {
            events: Counter::default(),
            matches: Counter::default(),
            alerts: Family::default(),
            rules: Family::default(),
            reloads: Counter::default(),
            reload_failures: Counter::default(),
            correlation_groups: Gauge::default(),
            correlation_evicted_groups: Gauge::default(),
            correlation_evicted_hits: Gauge::default(),
            correlation_late_hits: Gauge::default(),
            correlation_missing_group_field: Gauge::default(),
            state_save_failures: Counter::default(),
            evaluation_seconds: Family::new_with_constructor(evaluation_histogram),
            falco_events: Family::default(),
            gatekeeper_events: Family::default(),
        }
    }
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
            "Sigma documents by state (active, idle, failed, disabled)",
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
        r.register(
            "detection_evaluation_seconds",
            "Time spent evaluating the Sigma rules on the events of one dataset in one batch",
            self.evaluation_seconds.clone(),
        );
        r.register(
            "falco_events",
            "Falco alerts received, by priority (emergency to debug, other)",
            self.falco_events.clone(),
        );
        r.register(
            "gatekeeper_events",
            "Gatekeeper audit and admission events received, by event type and enforcement action",
            self.gatekeeper_events.clone(),
        );
    }

    /// Records `seconds` of rule evaluation over events of `dataset`.
    pub fn evaluated(&self, dataset: &str, seconds: f64) {
        self.evaluation_seconds
            .get_or_create(&DatasetLabels {
                dataset: dataset.to_owned(),
            })
            .observe(seconds);
    }

    /// Counts one Falco event of `priority` (as Falco wrote it).
    pub fn falco_event(&self, priority: Option<&str>) {
        let priority = priority.map_or("none", falco_priority);
        self.falco_events
            .get_or_create(&FalcoLabels { priority })
            .inc();
    }

    /// Counts one Gatekeeper event.
    pub fn gatekeeper_event(&self, event_type: Option<&str>, action: Option<&str>) {
        self.gatekeeper_events
            .get_or_create(&GatekeeperLabels {
                event_type: known(&GATEKEEPER_EVENT_TYPES, event_type),
                enforcement_action: known(&GATEKEEPER_ACTIONS, action),
            })
            .inc();
    }

    /// Counts an alert.
    pub fn alert(&self, severity: &str) {
        self.alerts
            .get_or_create(&SeverityLabels {
                severity: severity.to_owned(),
            })
            .inc();
    }

    /// Sets the rule gauges (`active` excludes the `disabled` ones).
    pub fn set_rules(&self, active: usize, idle: usize, failed: usize, disabled: usize) {
        for (state, n) in [
            ("active", active),
            ("idle", idle),
            ("failed", failed),
            ("disabled", disabled),
        ] {
            self.rules
                .get_or_create(&RuleStateLabels { state })
                .set(n as i64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falco_priorities_and_gatekeeper_labels_are_bounded() {
        assert_eq!(falco_priority("Critical"), "critical");
        assert_eq!(falco_priority(" WARNING "), "warning");
        assert_eq!(falco_priority("Info"), "informational");
        assert_eq!(falco_priority("whatever"), "other");
        assert_eq!(known(&GATEKEEPER_ACTIONS, Some("Deny")), "deny");
        assert_eq!(known(&GATEKEEPER_ACTIONS, Some("block")), "other");
        assert_eq!(known(&GATEKEEPER_ACTIONS, None), "none");
    }

    #[test]
    fn the_new_families_are_exposed_with_their_labels() {
        let m = crate::Metrics::new();
        m.detection.falco_event(Some("Critical"));
        m.detection.falco_event(Some("Critical"));
        m.detection
            .gatekeeper_event(Some("violation_audited"), Some("deny"));
        m.detection.evaluated("falco.alerts", 0.002);
        m.detection.set_rules(3, 1, 0, 2);
        let text = m.encode();
        for want in [
            r#"vigie_falco_events_total{priority="critical"} 2"#,
            r#"vigie_gatekeeper_events_total{event_type="violation_audited",enforcement_action="deny"} 1"#,
            r#"vigie_detection_evaluation_seconds_count{dataset="falco.alerts"} 1"#,
            r#"vigie_detection_evaluation_seconds_bucket{le="0.00256",dataset="falco.alerts"} 1"#,
            r#"vigie_detection_rules{state="disabled"} 2"#,
        ] {
            assert!(text.contains(want), "{want} not in\n{text}");
        }
    }
}
