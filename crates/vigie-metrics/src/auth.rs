//! Metrics of logins, sessions and the audit log. Refused requests are
//! counted by reason in `vigie_auth_failures_total` (see the crate root).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::OutcomeLabels;

/// Login and audit metrics.
#[derive(Debug, Default, Clone)]
pub struct AuthMetrics {
    pub logins: Family<OutcomeLabels, Counter>,
    pub sessions: Gauge,
    pub audit_records: Counter,
}

impl AuthMetrics {
    pub(crate) fn register(&self, r: &mut Registry) {
        r.register(
            "auth_logins",
            "Password logins to the web UI, by outcome (success, failure)",
            self.logins.clone(),
        );
        r.register(
            "auth_sessions",
            "Open web UI sessions",
            self.sessions.clone(),
        );
        r.register(
            "audit_records",
            "Records written to the audit log (dataset vigie.audit)",
            self.audit_records.clone(),
        );
    }

    /// Counts a login attempt.
    pub fn login(&self, success: bool) {
        let outcome = if success { "success" } else { "failure" };
        self.logins.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}
