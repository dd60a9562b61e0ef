//! [`normalize_payload`]: frame a payload, pick a normalizer per record,
//! and collect events and per-record diagnostics.

use vigie_event::Event;

use crate::framing::{check_depth, frame};
use crate::{NormalizeError, Normalizer, RecordOutput, Registry, StreamState};

/// Per-record limits, applied before a record reaches a normalizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest record, in bytes. A wrapper (a CloudTrail S3 object, an
    /// `EventList`) is one record, hence the generous default of 32 MiB.
    pub max_record_bytes: usize,
    /// Deepest JSON nesting accepted.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_record_bytes: 32 << 20,
            max_depth: 64,
        }
    }
}

/// One rejected record, or one rejected item inside a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// 0-based index of the record in the payload.
    pub index: usize,
    /// 1-based line of the payload where the record starts.
    pub line: usize,
    /// The item inside the record (an `EventList` item, a `Records` entry).
    pub item: Option<usize>,
    /// The dataset the record was taken for, when known.
    pub dataset: Option<String>,
    pub error: NormalizeError,
}

/// What a payload produced.
#[derive(Debug, Default)]
pub struct Output {
    pub events: Vec<Event>,
    /// Records framed (accepted + rejected + skipped).
    pub records: usize,
    /// Records that produced at least one event, or had no error.
    pub accepted: usize,
    /// Records deliberately skipped (headers, digest files).
    pub skipped: usize,
    pub rejected: Vec<Rejected>,
}

/// Normalizes every record of `payload` with `normalizer`, or with the
/// normalizer the registry sniffs for each record when it is `None`.
pub fn normalize_payload(
    registry: &Registry,
    normalizer: Option<&dyn Normalizer>,
    payload: &[u8],
    limits: &Limits,
) -> Output {
    let framed = frame(payload);
    let mut out = Output {
        events: Vec::with_capacity(framed.records.len()),
        ..Output::default()
    };
    let mut state = StreamState::default();
    // The normalizers this payload used, for their end-of-stream hook.
    let mut used: Vec<&dyn Normalizer> = Vec::new();
    let mut previous: Option<&dyn Normalizer> = None;
    for record in &framed.records {
        out.records += 1;
        let reject = |error, dataset: Option<&dyn Normalizer>| Rejected {
            index: record.index,
            line: record.line,
            item: None,
            dataset: dataset.map(|n| n.dataset().to_owned()),
            error,
        };
        if record.bytes.len() > limits.max_record_bytes {
            let error = NormalizeError::TooLarge {
                size: record.bytes.len(),
                limit: limits.max_record_bytes,
            };
            out.rejected.push(reject(error, normalizer));
            continue;
        }
        if matches!(record.bytes.first(), Some(b'{' | b'[')) {
            if let Err(offset) = check_depth(record.bytes, limits.max_depth) {
                let error = NormalizeError::TooDeep {
                    limit: limits.max_depth,
                    offset,
                };
                out.rejected.push(reject(error, normalizer));
                continue;
            }
        }
        let text = match std::str::from_utf8(record.bytes) {
            Ok(t) => t,
            Err(e) => {
                let error = NormalizeError::Utf8 {
                    offset: e.valid_up_to(),
                };
                out.rejected.push(reject(error, normalizer));
                continue;
            }
        };
        let chosen = match normalizer {
            Some(n) => n,
            None => match previous
                .filter(|p| p.continues(text, &state))
                .or_else(|| registry.detect(text))
            {
                Some(n) => n,
                None => {
                    out.rejected.push(reject(NormalizeError::Undetected, None));
                    continue;
                }
            },
        };
        if !used.iter().any(|n| n.dataset() == chosen.dataset()) {
            used.push(chosen);
        }
        previous = Some(chosen);
        let before = out.events.len();
        let mut rec_out = RecordOutput::new(&mut out.events);
        let result = chosen.normalize(text, &mut state, &mut rec_out);
        let RecordOutput {
            item_errors,
            skipped,
            ..
        } = rec_out;
        match result {
            Ok(()) => {
                let produced = out.events.len() - before;
                if skipped.is_some() && produced == 0 && item_errors.is_empty() {
                    out.skipped += 1;
                } else if produced > 0 || item_errors.is_empty() {
                    out.accepted += 1;
                }
                for (item, error) in item_errors {
                    out.rejected.push(Rejected {
                        item: Some(item),
                        ..reject(error, Some(chosen))
                    });
                }
            }
            Err(error) => {
                out.events.truncate(before);
                out.rejected.push(reject(error, Some(chosen)));
            }
        }
    }
    if let Some(last) = framed.records.last() {
        for n in used {
            let mut rec_out = RecordOutput::new(&mut out.events);
            n.finish(&mut state, &mut rec_out);
            for (item, error) in rec_out.item_errors {
                out.rejected.push(Rejected {
                    index: last.index,
                    line: last.line,
                    item: Some(item),
                    dataset: Some(n.dataset().to_owned()),
                    error,
                });
            }
        }
    }
    if let Some((index, line, error)) = framed.error {
        out.records += 1;
        out.rejected.push(Rejected {
            index,
            line,
            item: None,
            dataset: normalizer.map(|n| n.dataset().to_owned()),
            error,
        });
    }
    out
}
