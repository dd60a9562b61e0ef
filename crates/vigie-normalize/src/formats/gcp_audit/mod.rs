//! `gcp.audit`: Google Cloud Audit Logs (a Cloud Logging `LogEntry` whose
//! `protoPayload` is a `google.cloud.audit.AuditLog`).
//!
//! Accepted shapes, one entry per record:
//! - the `LogEntry` itself (Logging export, Pub/Sub pull, `gcloud logging read`);
//! - a Pub/Sub push envelope `{"message":{"data":"<base64 LogEntry>",...},
//!   "subscription":"projects/P/subscriptions/S"}`: the data is decoded and
//!   normalized, and the event's original is the whole envelope;
//! - Wazuh's forwarding wrapper `{"gcp":{LogEntry},"integration":"gcp"}`.
//!
//! GKE Kubernetes audit events arrive in this form too (`serviceName`
//! `k8s.io`): they also get `orchestrator.*` from `resourceName`.
//! The field mapping is in [`entry`] and documented in
//! `docs/datasets/gcp.audit.md`.

mod entry;
mod k8s;
mod util;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};
use entry::{map_entry, LogEntry, AUDIT_LOG_TYPE, DATASET};
use util::{base64_decode, opt};

/// The `gcp.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct GcpAudit;

impl Normalizer for GcpAudit {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        (record.contains("\"protoPayload\"") && record.contains(AUDIT_LOG_TYPE))
            || (record.contains("\"subscription\"")
                && record.contains("/subscriptions/")
                && record.contains("\"message\"")
                && record.contains("\"data\""))
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        out.push(normalize_record(record)?);
        Ok(())
    }
}

/// One record to one event (every accepted shape holds one entry).
fn normalize_record(record: &str) -> Result<vigie_event::Event, NormalizeError> {
    let entry: LogEntry<'_> = serde_json::from_str(record)?;
    if entry.proto_payload.is_some() {
        return map_entry(&entry, record);
    }
    if let Some(message) = &entry.message {
        return normalize_push(&entry, message, record);
    }
    if let Some(inner) = entry.gcp {
        let inner: LogEntry<'_> = serde_json::from_str(inner.get())
            .map_err(|e| NormalizeError::invalid("gcp", format!("not a LogEntry: {e}")))?;
        return map_entry(&inner, record);
    }
    Err(NormalizeError::MissingField("protoPayload"))
}

fn normalize_push(
    envelope: &LogEntry<'_>,
    message: &entry::PushMessage<'_>,
    record: &str,
) -> Result<vigie_event::Event, NormalizeError> {
    let data = opt(&message.data).ok_or(NormalizeError::MissingField("message.data"))?;
    let bytes = base64_decode(data).map_err(|at| {
        NormalizeError::invalid("message.data", format!("invalid base64 at byte {at}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        NormalizeError::invalid(
            "message.data",
            format!("decoded data is not UTF-8 at byte {at}"),
        )
    })?;
    let inner: LogEntry<'_> = serde_json::from_str(&text).map_err(|e| {
        NormalizeError::invalid(
            "message.data",
            format!("decoded data is not a LogEntry: {e}"),
        )
    })?;
    if inner.proto_payload.is_none() {
        return Err(NormalizeError::WrongFormat {
            dataset: DATASET,
            reason: "the Pub/Sub message data has no protoPayload (not an audit log entry)".into(),
        });
    }
    let mut ev = map_entry(&inner, record)?;
    ev.fields
        .set_str("gcp.audit.pubsub.subscription", opt(&envelope.subscription));
    ev.fields
        .set_str("gcp.audit.pubsub.message_id", opt(&message.message_id));
    ev.fields
        .set_str("gcp.audit.pubsub.publish_time", opt(&message.publish_time));
    Ok(ev)
}

#[cfg(test)]
mod tests;
