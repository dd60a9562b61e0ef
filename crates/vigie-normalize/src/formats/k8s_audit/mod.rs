//! Kubernetes API server audit log (`kubernetes.audit`).
//!
//! Accepts, per record:
//! - one `audit.k8s.io` `Event` (v1, v1beta1, or without `apiVersion` as in
//!   old traces), at any stage: `RequestReceived`, `ResponseStarted`,
//!   `ResponseComplete` and `Panic` are all kept, with
//!   `kubernetes.audit.stage` set so detections can pick one;
//! - an `EventList` (the webhook backend's body): each item becomes its
//!   own event whose original is the item's exact text, and a bad item is
//!   rejected alone;
//! - an AKS diagnostic record (`category` `kube-audit`/`kube-audit-admin`)
//!   whose `properties.log` holds the event as a JSON string (or, from
//!   some shippers, an object); the original is the whole AKS record.
//!
//! The mapping is in [`event`]; `docs/datasets/kubernetes.audit.md` has
//! the table.

mod event;
#[cfg(test)]
mod tests;
pub(crate) mod text;

use serde_json::value::RawValue;
use vigie_event::Event;

use self::event::{build, AksContext, AuditEvent};
use self::text::Text;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "kubernetes.audit";

/// The `kubernetes.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct K8sAudit;

/// What a record's top level is.
#[derive(Debug, PartialEq, Eq)]
enum Shape {
    Event,
    List,
    Aks,
}

fn wrong(reason: String) -> NormalizeError {
    NormalizeError::WrongFormat {
        dataset: DATASET,
        reason,
    }
}

/// At most `n` characters of `s`, for error messages.
fn clip(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

fn shape(ev: &AuditEvent<'_>) -> Result<Shape, NormalizeError> {
    let Some(kind) = ev.kind else {
        if ev.category.is_some() && ev.properties.is_some() {
            return Ok(Shape::Aks);
        }
        return Ok(Shape::Event);
    };
    match serde_json::from_str::<Text<'_>>(kind.get()) {
        Ok(k) if k.as_str() == "Event" => Ok(Shape::Event),
        Ok(k) if k.as_str() == "EventList" => Ok(Shape::List),
        Ok(k) => Err(wrong(format!(
            "`kind` is {:?}, expected \"Event\" or \"EventList\"",
            clip(&k, 40)
        ))),
        Err(_) => Err(wrong(format!(
            "`kind` is {}, expected the string \"Event\" or \"EventList\"",
            clip(kind.get(), 40)
        ))),
    }
}

/// Parses one item or inner event and checks it is an `Event`.
fn parse_event(text: &str) -> Result<AuditEvent<'_>, NormalizeError> {
    let ev: AuditEvent<'_> = serde_json::from_str(text)?;
    match shape(&ev)? {
        Shape::Event => Ok(ev),
        Shape::List => Err(wrong("an EventList nested inside another record".into())),
        Shape::Aks => Err(wrong("an AKS record nested inside another record".into())),
    }
}

fn normalize_list(ev: &AuditEvent<'_>, out: &mut RecordOutput<'_>) {
    let items: &[&RawValue] = ev.items.as_deref().unwrap_or_default();
    if items.is_empty() {
        out.skip("EventList without items");
        return;
    }
    for (i, raw) in items.iter().enumerate() {
        let text = raw.get();
        match parse_event(text).and_then(|item| build(&item, text, None)) {
            Ok(event) => out.push(event),
            Err(e) => out.reject_item(i, e),
        }
    }
}

fn normalize_aks(ev: &AuditEvent<'_>, record: &str) -> Result<Event, NormalizeError> {
    let category = ev.category.as_ref().map_or("", |c| c.as_str());
    if !matches!(category, "kube-audit" | "kube-audit-admin") {
        return Err(wrong(format!(
            "AKS category {:?} is not kube-audit or kube-audit-admin",
            clip(category, 40)
        )));
    }
    let log = ev
        .properties
        .as_ref()
        .and_then(|p| p.log)
        .ok_or(NormalizeError::MissingField("properties.log"))?;
    let ctx = AksContext {
        category,
        time: ev.time.as_ref().map(|t| t.as_str()),
        resource_id: ev.resource_id.as_ref().map(|t| t.as_str()),
    };
    let in_log = |e: NormalizeError| NormalizeError::invalid("properties.log", e.to_string());
    let raw = log.get();
    if raw.starts_with('"') {
        let text: Text<'_> = serde_json::from_str(raw).map_err(|e| in_log(e.into()))?;
        let inner = parse_event(&text).map_err(in_log)?;
        build(&inner, record, Some(&ctx))
    } else if raw.starts_with('{') {
        let inner = parse_event(raw).map_err(in_log)?;
        build(&inner, record, Some(&ctx))
    } else {
        Err(NormalizeError::invalid(
            "properties.log",
            "expected the audit event as a JSON string or object",
        ))
    }
}

/// Whether `record` looks like an audit event, an `EventList` or an AKS
/// `kube-audit` record (and not an Azure `records` wrapper, which the
/// Azure normalizers unwrap before calling this one per item).
pub(crate) fn sniff(record: &str) -> bool {
    let bytes = record.as_bytes();
    let has = |needle: &str| memchr::memmem::find(bytes, needle.as_bytes()).is_some();
    // Only a JSON object can be an audit event: text lines (syslog through
    // Loki, say) stop here without a substring search.
    let Some(body) = record.trim_start().strip_prefix('{') else {
        return false;
    };
    if body.trim_start().starts_with("\"records\"") {
        return false;
    }
    (has("\"auditID\"") && (has("\"stage\"") || has("\"verb\"")))
        || has("\"category\":\"kube-audit")
        || has("\"category\": \"kube-audit")
}

impl Normalizer for K8sAudit {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        sniff(record)
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let ev: AuditEvent<'_> = serde_json::from_str(record)?;
        match shape(&ev)? {
            Shape::Event => out.push(build(&ev, record, None)?),
            Shape::List => normalize_list(&ev, out),
            Shape::Aks => out.push(normalize_aks(&ev, record)?),
        }
        Ok(())
    }
}
