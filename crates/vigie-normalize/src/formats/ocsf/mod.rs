//! `ocsf`: Open Cybersecurity Schema Framework records, as Amazon Security
//! Lake stores them (OCSF 0.x: `identity`, `unmapped` as `[[k, v], ...]`)
//! and as OCSF 1.x producers write them (`actor`, `unmapped` as an object).
//!
//! Detected by `class_uid` + `metadata.version` + `time`. A record may hold
//! several concatenated JSON values (`{...} {...}` on one line): each
//! becomes an event whose original is its own value's text; a bad value is
//! rejected alone. The mapping is by class family ([`map`]): every class
//! gets its endpoints, actor, cloud and API objects mapped when present.

mod map;
#[cfg(test)]
mod tests;

use serde_json::value::RawValue;
use serde_json::Value;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

pub(crate) const DATASET: &str = "ocsf";

/// The `ocsf` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ocsf;

fn has(record: &str, needle: &str) -> bool {
    memchr::memmem::find(record.as_bytes(), needle.as_bytes()).is_some()
}

impl Normalizer for Ocsf {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, record: &str) -> bool {
        record.trim_start().starts_with('{')
            && has(record, "\"class_uid\"")
            && has(record, "\"metadata\"")
            && has(record, "\"version\"")
            && has(record, "\"time\"")
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        let mut values = serde_json::Deserializer::from_str(record).into_iter::<&RawValue>();
        let mut index = 0;
        loop {
            let raw = match values.next() {
                None => break,
                Some(Ok(raw)) => raw,
                // A syntax error cannot be resynced: it ends the record.
                Some(Err(e)) if index == 0 => return Err(e.into()),
                Some(Err(e)) => {
                    out.reject_item(index, e.into());
                    break;
                }
            };
            let result = serde_json::from_str::<Value>(raw.get())
                .map_err(NormalizeError::from)
                .and_then(|v| map::to_event(&v, raw.get()));
            match result {
                Ok(ev) => out.push(ev),
                Err(e) if index == 0 && values_done(record, raw) => return Err(e),
                Err(e) => out.reject_item(index, e),
            }
            index += 1;
        }
        if index == 0 {
            return Err(NormalizeError::WrongFormat {
                dataset: DATASET,
                reason: "empty record".into(),
            });
        }
        Ok(())
    }
}

/// Whether `raw` is the record's only value (nothing but blanks after it),
/// so its error is the record's error rather than one item's.
fn values_done(record: &str, raw: &RawValue) -> bool {
    (raw.get().as_ptr() as usize)
        .checked_sub(record.as_ptr() as usize)
        .and_then(|start| record.get(start + raw.get().len()..))
        .is_some_and(|rest| rest.trim().is_empty())
}
