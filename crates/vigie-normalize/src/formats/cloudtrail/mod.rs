//! `aws.cloudtrail`: AWS CloudTrail management and data events.
//!
//! Accepted shapes, all detected from the record itself:
//! - one event (CloudWatch Logs, JSONL exports, Logstash re-serializations
//!   with an extra `@timestamp`/`@version`);
//! - an S3 delivery file `{"Records":[...]}`: one event per element, each
//!   with its element's exact text as `original`; a bad element is rejected
//!   alone;
//! - an EventBridge envelope (`detail-type: "AWS API Call via CloudTrail"`,
//!   the event in `detail`): unwrapped, the whole envelope is the original;
//! - a CloudWatch Logs subscription payload (`logEvents[].message`);
//! - a digest file (`digestStartTime`, `digestS3Object`, `CloudTrail-Digest`
//!   paths): skipped, it records no activity.
//!
//! Parsing uses borrowed serde structs ([`model`]); the API-specific
//! objects stay raw JSON text until mapping ([`map`]).

mod categorize;
mod map;
pub(crate) mod model;
#[cfg(test)]
mod tests;

use memchr::memmem;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};
use model::CtRecord;

/// The `aws.cloudtrail` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct CloudTrail;

fn has(haystack: &[u8], needle: &[u8]) -> bool {
    memmem::find(haystack, needle).is_some()
}

impl Normalizer for CloudTrail {
    fn dataset(&self) -> &str {
        map::DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        let b = record.as_bytes();
        if !b.trim_ascii_start().starts_with(b"{") {
            return false;
        }
        if has(b, b"\"eventVersion\"") {
            return has(b, b"\"eventSource\"") || has(b, b"\"Records\"");
        }
        // A CloudWatch Logs payload carries the event as an escaped string.
        if has(b, b"\"logEvents\"") {
            return has(b, b"\\\"eventVersion\\\"") && has(b, b"\\\"eventSource\\\"");
        }
        has(b, b"\"digestStartTime\"") || has(b, b"\"digestS3Object\"")
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let rec: CtRecord<'_> = serde_json::from_str(record)?;
        if let Some(items) = &rec.records {
            if items.is_empty() {
                out.skip("empty cloudtrail Records list");
            }
            for (i, raw) in items.iter().enumerate() {
                let text = raw.get();
                match serde_json::from_str::<CtRecord<'_>>(text) {
                    Ok(item) => match map::to_event(&item, text, None) {
                        Ok(ev) => out.push(ev),
                        Err(e) => out.reject_item(i, e),
                    },
                    Err(e) => out.reject_item(i, NormalizeError::json(&e)),
                }
            }
            return Ok(());
        }
        if rec.looks_like_event() {
            out.push(map::to_event(&rec, record, None)?);
            return Ok(());
        }
        if let Some(detail) = rec.detail {
            let inner: CtRecord<'_> = serde_json::from_str(detail.get())
                .map_err(|e| NormalizeError::invalid("detail", e.to_string()))?;
            out.push(map::to_event(&inner, record, rec.time.get())?);
            return Ok(());
        }
        if let Some(events) = &rec.log_events {
            for (i, le) in events.iter().enumerate() {
                let Some(msg) = le.message.get() else {
                    out.reject_item(i, NormalizeError::MissingField("logEvents[].message"));
                    continue;
                };
                match serde_json::from_str::<CtRecord<'_>>(msg) {
                    Ok(item) => match map::to_event(&item, msg, None) {
                        Ok(ev) => out.push(ev),
                        Err(e) => out.reject_item(i, e),
                    },
                    Err(e) => out.reject_item(i, NormalizeError::json(&e)),
                }
            }
            return Ok(());
        }
        if rec.is_digest() || has(record.as_bytes(), b"CloudTrail-Digest") {
            out.skip("cloudtrail digest file");
            return Ok(());
        }
        Err(NormalizeError::WrongFormat {
            dataset: map::DATASET,
            reason: "no CloudTrail event, Records list, EventBridge detail or digest keys".into(),
        })
    }
}
