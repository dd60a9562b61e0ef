//! Azure: Activity Logs (`azure.activitylogs`), Microsoft Entra ID sign-in
//! logs (`azure.signinlogs`) and audit logs (`azure.auditlogs`).
//!
//! Diagnostic settings (Event Hub, Storage) deliver `{"records":[...]}`
//! wrappers whose items may mix categories: every item is dispatched by its
//! `category` and becomes one event of its own dataset, with the item's
//! exact text as its original; a bad item is rejected alone. AKS
//! `kube-audit`/`kube-audit-admin` items go to the Kubernetes audit
//! normalizer. The three normalizers here therefore share one entry point;
//! they differ in what they sniff, and in the kind assumed for a record
//! that has no `category`. Docs: `docs/datasets/azure.*.md`.

mod activity;
mod audit;
mod common;
mod signin;

use crate::formats::k8s_audit::K8sAudit;
use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};
use common::{opt, Record};

/// What a record is, by its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Activity,
    SignIn,
    Audit,
    KubeAudit,
}

fn kind_of(rec: &Record<'_>, default: Kind) -> Kind {
    if rec.is_log_analytics_audit() {
        return Kind::Audit;
    }
    let Some(category) = opt(&rec.category) else {
        return default;
    };
    let c = category.to_ascii_lowercase();
    if c.ends_with("signinlogs") {
        Kind::SignIn
    } else if c == "auditlogs" {
        Kind::Audit
    } else if c == "kube-audit" || c == "kube-audit-admin" {
        Kind::KubeAudit
    } else {
        Kind::Activity
    }
}

/// The normalization all three datasets share.
fn normalize_azure(
    record: &str,
    default: Kind,
    state: &mut StreamState,
    out: &mut RecordOutput<'_>,
) -> Result<(), NormalizeError> {
    let rec: Record<'_> = serde_json::from_str(record)?;
    let Some(items) = &rec.records else {
        return dispatch(&rec, record, default, state, out);
    };
    if items.is_empty() {
        out.skip("empty Azure records wrapper");
        return Ok(());
    }
    for (i, raw) in items.iter().enumerate() {
        let text = raw.get();
        let errors_before = out.item_errors.len();
        let result = if !text.starts_with('{') {
            Err(NormalizeError::invalid(
                format!("records[{i}]"),
                "not a JSON object",
            ))
        } else {
            serde_json::from_str::<Record<'_>>(text).map_err(NormalizeError::from)
        };
        let result = result.and_then(|item| {
            if item.records.is_some() {
                return Err(NormalizeError::invalid(
                    "records",
                    "a records wrapper inside a records wrapper",
                ));
            }
            dispatch(&item, text, default, state, out)
        });
        // Errors a delegate reported for parts of this item are this item's.
        for (index, _) in &mut out.item_errors[errors_before..] {
            *index = i;
        }
        if let Err(e) = result {
            out.reject_item(i, e);
        }
    }
    Ok(())
}

fn dispatch(
    rec: &Record<'_>,
    text: &str,
    default: Kind,
    state: &mut StreamState,
    out: &mut RecordOutput<'_>,
) -> Result<(), NormalizeError> {
    let event = match kind_of(rec, default) {
        Kind::Activity => activity::map(rec, text)?,
        Kind::SignIn => signin::map(rec, text)?,
        Kind::Audit if rec.is_log_analytics_audit() => audit::map_log_analytics(text)?,
        Kind::Audit => audit::map(rec, text)?,
        Kind::KubeAudit => {
            // Whatever the delegate emitted for a failed item is dropped.
            let (events_before, errors_before) = (out.events.len(), out.item_errors.len());
            let result = K8sAudit.normalize(text, state, out);
            if result.is_err() {
                out.events.truncate(events_before);
                out.item_errors.truncate(errors_before);
            }
            return result;
        }
    };
    out.push(event);
    Ok(())
}

/// Whether the first key of the JSON object is `records` (the wrapper).
fn is_wrapper(record: &str) -> bool {
    record
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|r| r.trim_start().starts_with("\"records\""))
}

/// The value of the first `"category"` key, read without parsing.
fn category_value(record: &str) -> Option<&str> {
    let at = record.find("\"category\"")?;
    let rest = record[at + 10..].trim_start().strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    rest.split('"').next()
}

/// The `azure.activitylogs` dataset; also the entry point for `records`
/// wrappers, which it dispatches item by item.
#[derive(Debug, Default, Clone, Copy)]
pub struct AzureActivity;

impl Normalizer for AzureActivity {
    fn dataset(&self) -> &str {
        activity::DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        is_wrapper(record)
            || (record.contains("\"operationName\"")
                && record.contains("\"resourceId\"")
                && record.contains("\"category\""))
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        normalize_azure(record, Kind::Activity, state, out)
    }
}

/// The `azure.signinlogs` dataset (Microsoft Entra ID sign-ins).
#[derive(Debug, Default, Clone, Copy)]
pub struct EntraSignIn;

impl Normalizer for EntraSignIn {
    fn dataset(&self) -> &str {
        signin::DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        !is_wrapper(record) && category_value(record).is_some_and(|c| c.ends_with("SignInLogs"))
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        normalize_azure(record, Kind::SignIn, state, out)
    }
}

/// The `azure.auditlogs` dataset (Microsoft Entra ID audit logs).
#[derive(Debug, Default, Clone, Copy)]
pub struct EntraAudit;

impl Normalizer for EntraAudit {
    fn dataset(&self) -> &str {
        audit::DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        if is_wrapper(record) {
            return false;
        }
        category_value(record) == Some("AuditLogs")
            || (record.contains("\"TimeGenerated\"")
                && record.contains("\"ActivityDisplayName\"")
                && (record.contains("\"InitiatedBy\"") || record.contains("\"LoggedByService\"")))
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        normalize_azure(record, Kind::Audit, state, out)
    }
}

#[cfg(test)]
mod tests;
