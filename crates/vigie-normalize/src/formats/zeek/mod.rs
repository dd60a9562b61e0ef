//! Zeek logs (`zeek.<path>`: `zeek.conn`, `zeek.dns`, ...), in both of
//! Zeek's writers: TSV with its `#` header block, and JSON lines (with the
//! shippers' `id_orig_h` spelling and `@stream` extras, or Splunk-wrapped).
//!
//! The TSV header lives in [`StreamState`] (`header`, `header_types` and
//! `zeek.*` directives) and is replaced whenever a new header arrives, so
//! concatenated or rotated files are read with their own columns.

mod jsonl;
mod map;
mod tsv;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `zeek` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Zeek;

impl Normalizer for Zeek {
    fn dataset(&self) -> &str {
        "zeek"
    }

    fn sniff(&self, record: &str) -> bool {
        if record.starts_with("### BTest baseline") {
            return true;
        }
        if record.starts_with('#') {
            return record.starts_with("#separator ")
                || record.starts_with("#fields\t")
                || record.starts_with("#path\t");
        }
        if !record.starts_with('{') {
            return false;
        }
        (record.contains("\"uid\"")
            && (record.contains("\"id.orig_h\"") || record.contains("\"id_orig_h\"")))
            || (record.contains("\"ts\"") && record.contains("\"_path\""))
            || (record.contains("\"@stream\"") && record.contains("\"@proc\":\"zeek\""))
            || (record.contains("\"_raw\"")
                && record.contains("\\\"uid\\\"")
                && record.contains("\\\"id.orig_h\\\""))
    }

    fn continues(&self, record: &str, state: &StreamState) -> bool {
        if record.starts_with('#') {
            // The rest of a header block that began with `#separator`.
            return state.directive(tsv::SEPARATOR).is_some();
        }
        !record.starts_with('{') && tsv::has_header(state)
    }

    fn normalize(
        &self,
        record: &str,
        state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        if record.starts_with("### BTest baseline") {
            out.skip("btest baseline banner");
            return Ok(());
        }
        if record.starts_with('#') {
            tsv::header_line(record, state);
            out.skip("zeek header line");
            return Ok(());
        }
        let (path, system, fields) = if record.starts_with('{') {
            let r = jsonl::parse(record)?;
            let path = r
                .path
                .unwrap_or_else(|| jsonl::infer_path(&r.fields).to_owned());
            (path, r.system, r.fields)
        } else {
            let fields = tsv::data_line(record, state)?;
            let path = state.directive(tsv::PATH).unwrap_or("unknown").to_owned();
            (path, None, fields)
        };
        let path = sanitize_path(&path);
        match map::to_event(&path, &fields, system.as_deref(), record)? {
            Some(mut event) => {
                crate::community_id::fill(&mut event.fields);
                out.push(event)
            }
            None => out.skip("zeek record without ts"),
        }
        Ok(())
    }
}

/// Keeps a path usable inside a dataset name.
fn sanitize_path(p: &str) -> String {
    let clean: String = p
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if clean.is_empty() {
        "unknown".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests;
