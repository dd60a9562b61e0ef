//! `aws.guardduty`: Amazon GuardDuty findings.
//!
//! Accepted shapes: a finding as GuardDuty writes it (the S3 export is one
//! finding per line), a finding wrapped in an EventBridge envelope
//! (`detail`; the whole envelope is the original), and the API form
//! `{"findings":[...]}` (one event per element with that element's exact
//! text as original; an empty list is skipped). Findings are not a hot
//! path, so they are read into a `serde_json::Value` and mapped in [`map`]
//! (the finding and its activity) and [`resource`] (what it is about).

mod map;
mod resource;
#[cfg(test)]
mod tests;

use memchr::memmem;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

const DATASET: &str = "aws.guardduty";

/// The `aws.guardduty` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct GuardDuty;

/// The wrapper keys, read without building the finding.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    findings: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    detail: Option<&'a RawValue>,
    #[serde(default, rename = "schemaVersion")]
    schema_version: Option<serde::de::IgnoredAny>,
}

fn has(haystack: &[u8], needle: &[u8]) -> bool {
    memmem::find(haystack, needle).is_some()
}

/// Whether `text` is `{"findings":[]}`, whitespace aside.
fn is_empty_findings(text: &[u8]) -> bool {
    let mut compact = text.iter().filter(|b| !b.is_ascii_whitespace());
    let expected = b"{\"findings\":[]}";
    expected.iter().all(|e| compact.next() == Some(e)) && compact.next().is_none()
}

impl Normalizer for GuardDuty {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        let b = record.as_bytes();
        if !b.trim_ascii_start().starts_with(b"{") {
            return false;
        }
        let guardduty_arn = has(b, b"arn:aws:guardduty");
        (has(b, b"\"schemaVersion\"") && guardduty_arn)
            || (has(b, b"\"findings\"") && (guardduty_arn || is_empty_findings(b)))
            || (has(b, b"\"aws.guardduty\"") && has(b, b"\"detail\""))
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let env: Envelope<'_> = serde_json::from_str(record)?;
        if env.schema_version.is_none() {
            if let Some(items) = &env.findings {
                if items.is_empty() {
                    out.skip("empty guardduty findings list");
                }
                for (i, raw) in items.iter().enumerate() {
                    let text = raw.get();
                    let result = serde_json::from_str::<Value>(text)
                        .map_err(|e| NormalizeError::json(&e))
                        .and_then(|v| map::to_event(&v, text));
                    match result {
                        Ok(ev) => out.push(ev),
                        Err(e) => out.reject_item(i, e),
                    }
                }
                return Ok(());
            }
            if let Some(detail) = env.detail {
                let finding: Value = serde_json::from_str(detail.get())
                    .map_err(|e| NormalizeError::invalid("detail", e.to_string()))?;
                out.push(map::to_event(&finding, record)?);
                return Ok(());
            }
        }
        let finding: Value = serde_json::from_str(record)?;
        out.push(map::to_event(&finding, record)?);
        Ok(())
    }
}
