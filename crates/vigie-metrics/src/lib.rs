//! vigie's own metrics, exposed on `/metrics` in the Prometheus text format.
//!
//! One [`Metrics`] value holds every family; components receive an
//! `Arc<Metrics>` and update the families they own. Label sets are small
//! typed structs so a typo in a label name cannot reach the exposition.

mod alerting;
mod auth;
mod detection;
mod store;
pub use alerting::{
    AlertSourceLabels, AlertStateLabels, AlertingMetrics, OutcomeLabels, ReceiverLabels,
};
pub use auth::AuthMetrics;
pub use detection::{DetectionMetrics, RuleStateLabels, SeverityLabels};
pub use store::{QueryLabels, StoreMetrics, StoreOpLabels};

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// `{dataset, outcome}`: per-record ingest outcomes.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RecordLabels {
    pub dataset: String,
    /// `accepted`, `rejected` or `skipped`.
    pub outcome: &'static str,
}

/// `{dataset, reason}`: why records were rejected.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectLabels {
    pub dataset: String,
    pub reason: &'static str,
}

/// `{input, reason}`: whole requests refused before any record was read.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestErrorLabels {
    pub input: &'static str,
    pub reason: &'static str,
}

/// `{input}`: per-input counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InputLabels {
    pub input: &'static str,
}

/// `{input, name}`: a configured input (`input` is its kind, `name` the
/// name given in the configuration).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NamedInputLabels {
    pub input: &'static str,
    pub name: String,
}

/// `{input, name, reason}`: errors of a configured input.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct InputErrorLabels {
    pub input: &'static str,
    pub name: String,
    pub reason: &'static str,
}

/// `{reason}`: authentication failures.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuthLabels {
    pub reason: &'static str,
}

/// `{version}`: build information.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    pub version: &'static str,
}

/// Every metric family vigie exposes.
pub struct Metrics {
    registry: Registry,
    pub ingest_records: Family<RecordLabels, Counter>,
    pub ingest_rejects: Family<RejectLabels, Counter>,
    pub ingest_request_errors: Family<RequestErrorLabels, Counter>,
    pub ingest_requests: Family<InputLabels, Counter>,
    pub ingest_bytes: Family<InputLabels, Counter>,
    pub auth_failures: Family<AuthLabels, Counter>,
    pub queue_depth: Gauge,
    pub queue_capacity: Gauge,
    pub pipeline_events: Counter,
    pub pipeline_sink_errors: Counter,
    pub input_messages: Family<NamedInputLabels, Counter>,
    pub input_bytes: Family<NamedInputLabels, Counter>,
    pub input_errors: Family<InputErrorLabels, Counter>,
    pub input_connections: Family<NamedInputLabels, Gauge>,
    pub store: StoreMetrics,
    pub detection: DetectionMetrics,
    pub alerting: AlertingMetrics,
    pub auth: AuthMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("vigie");
        let m = Self {
            ingest_records: Family::default(),
            ingest_rejects: Family::default(),
            ingest_request_errors: Family::default(),
            ingest_requests: Family::default(),
            ingest_bytes: Family::default(),
            auth_failures: Family::default(),
            queue_depth: Gauge::default(),
            queue_capacity: Gauge::default(),
            pipeline_events: Counter::default(),
            pipeline_sink_errors: Counter::default(),
            input_messages: Family::default(),
            input_bytes: Family::default(),
            input_errors: Family::default(),
            input_connections: Family::default(),
            store: StoreMetrics::default(),
            detection: DetectionMetrics::default(),
            alerting: AlertingMetrics::default(),
            auth: AuthMetrics::default(),
            registry: Registry::default(),
        };
        registry.register(
            "ingest_records",
            "Records received, by dataset and outcome (accepted, rejected, skipped)",
            m.ingest_records.clone(),
        );
        registry.register(
            "ingest_rejected_records",
            "Rejected records, by dataset and reason",
            m.ingest_rejects.clone(),
        );
        registry.register(
            "ingest_request_errors",
            "Ingest requests refused as a whole (size, encoding, content type, auth, overload)",
            m.ingest_request_errors.clone(),
        );
        registry.register(
            "ingest_requests",
            "Ingest requests received, by input",
            m.ingest_requests.clone(),
        );
        registry.register(
            "ingest_received_bytes",
            "Bytes of ingest request bodies as received (before decompression), by input",
            m.ingest_bytes.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests refused by authentication or authorization, by reason",
            m.auth_failures.clone(),
        );
        registry.register(
            "pipeline_queue_depth",
            "Events waiting between ingest and the pipeline",
            m.queue_depth.clone(),
        );
        registry.register(
            "pipeline_queue_capacity",
            "Capacity of the ingest queue, in events",
            m.queue_capacity.clone(),
        );
        registry.register(
            "pipeline_events",
            "Events handed to the pipeline's sink",
            m.pipeline_events.clone(),
        );
        registry.register(
            "pipeline_sink_errors",
            "Batches the pipeline's sink failed to write",
            m.pipeline_sink_errors.clone(),
        );
        registry.register(
            "input_messages",
            "Messages (syslog messages, file lines, S3 objects) read by a configured input",
            m.input_messages.clone(),
        );
        registry.register(
            "input_received_bytes",
            "Bytes read by a configured input",
            m.input_bytes.clone(),
        );
        registry.register(
            "input_errors",
            "Errors of a configured input (oversized frames, TLS handshakes, unreadable objects), by reason",
            m.input_errors.clone(),
        );
        registry.register(
            "input_connections",
            "Open connections of a stream input",
            m.input_connections.clone(),
        );
        m.store.register(&mut registry);
        m.detection.register(&mut registry);
        m.alerting.register(&mut registry);
        m.auth.register(&mut registry);
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "vigie's version", build);
        Self { registry, ..m }
    }

    /// Counts one record outcome.
    pub fn record(&self, dataset: &str, outcome: &'static str, n: u64) {
        if n > 0 {
            self.ingest_records
                .get_or_create(&RecordLabels {
                    dataset: dataset.to_owned(),
                    outcome,
                })
                .inc_by(n);
        }
    }

    /// Counts one rejected record with its reason.
    pub fn reject(&self, dataset: &str, reason: &'static str) {
        self.record(dataset, "rejected", 1);
        self.ingest_rejects
            .get_or_create(&RejectLabels {
                dataset: dataset.to_owned(),
                reason,
            })
            .inc();
    }

    /// Counts a request refused as a whole.
    pub fn request_error(&self, input: &'static str, reason: &'static str) {
        self.ingest_request_errors
            .get_or_create(&RequestErrorLabels { input, reason })
            .inc();
    }

    /// Counts `n` messages of `bytes` bytes read by a configured input.
    pub fn input_read(&self, input: &'static str, name: &str, n: u64, bytes: u64) {
        let labels = NamedInputLabels {
            input,
            name: name.to_owned(),
        };
        self.input_messages.get_or_create(&labels).inc_by(n);
        self.input_bytes.get_or_create(&labels).inc_by(bytes);
    }

    /// Counts one error of a configured input.
    pub fn input_error(&self, input: &'static str, name: &str, reason: &'static str) {
        self.input_errors
            .get_or_create(&InputErrorLabels {
                input,
                name: name.to_owned(),
                reason,
            })
            .inc();
    }

    pub fn auth_failure(&self, reason: &'static str) {
        self.auth_failures
            .get_or_create(&AuthLabels { reason })
            .inc();
    }

    /// The exposition text (OpenMetrics-compatible Prometheus text format).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_names_and_labels() {
        let m = Metrics::new();
        m.record("aws.cloudtrail", "accepted", 3);
        m.reject("aws.cloudtrail", "json");
        m.request_error("http", "body_too_large");
        let text = m.encode();
        assert!(
            text.contains(
                r#"vigie_ingest_records_total{dataset="aws.cloudtrail",outcome="accepted"} 3"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"vigie_ingest_records_total{dataset="aws.cloudtrail",outcome="rejected"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"vigie_ingest_rejected_records_total{dataset="aws.cloudtrail",reason="json"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"vigie_ingest_request_errors_total{input="http",reason="body_too_large"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("vigie_build_info{version="), "{text}");
    }
}
