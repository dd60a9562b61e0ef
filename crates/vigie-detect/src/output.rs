//! Where alerts go. The default output logs each alert and stores it as an
//! event of dataset `vigie.alerts`, so alerts are searchable beside the
//! events that raised them; the alerting stage (grouping, silences,
//! notifications) plugs in behind the same trait.

use vigie_pipeline::{Sink, SinkError};

use crate::alert::Alert;

/// Receives the alerts of each stored batch.
pub trait AlertOutput: Send + 'static {
    /// Publishes `alerts`; `store` is the sink the batch was written to.
    fn publish(&mut self, alerts: &[Alert], store: &mut dyn Sink) -> Result<(), SinkError>;
}

/// Logs alerts and, when `store` is set, stores them as events.
#[derive(Debug, Clone, Copy)]
pub struct LogAndStore {
    /// Whether alerts are written to the store.
    pub store: bool,
}

impl AlertOutput for LogAndStore {
    fn publish(&mut self, alerts: &[Alert], store: &mut dyn Sink) -> Result<(), SinkError> {
        for a in alerts {
            let l = |k: &str| a.labels.get(k).map(String::as_str).unwrap_or("");
            tracing::info!(
                alertname = l("alertname"),
                severity = l("severity"),
                rule_id = l("rule_id"),
                dataset = l("dataset"),
                host = l("host"),
                event_id = a
                    .annotations
                    .get("event_id")
                    .map(String::as_str)
                    .unwrap_or(""),
                "alert"
            );
        }
        if self.store {
            let events: Vec<_> = alerts.iter().map(Alert::to_event).collect();
            store.write(&events)?;
        }
        Ok(())
    }
}
