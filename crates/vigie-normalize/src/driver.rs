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
    let mut driver = Driver::new(registry, normalizer, None, limits, framed.records.len());
    for record in &framed.records {
        driver.record(record.index, record.line, record.bytes);
    }
    let mut out = driver.finish(framed.records.last().map(|r| (r.index, r.line)));
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

/// Normalizes records that a transport already framed (syslog messages,
/// Loki entries, tailed lines): each item of `records` is one record, its
/// [`Rejected::line`] is its 1-based position. A record no normalizer
/// recognises goes to `fallback` when given (instead of being rejected).
/// `on_record(index, events)` sees the events each record produced, in
/// order, so the transport can add what it knows (labels, its timestamp).
pub fn normalize_records<'a>(
    registry: &Registry,
    normalizer: Option<&dyn Normalizer>,
    fallback: Option<&dyn Normalizer>,
    records: impl IntoIterator<Item = &'a [u8]>,
    limits: &Limits,
    mut on_record: impl FnMut(usize, &mut [Event]),
) -> Output {
    let records = records.into_iter();
    let mut driver = Driver::new(
        registry,
        normalizer,
        fallback,
        limits,
        records.size_hint().0,
    );
    let mut last = None;
    for (index, bytes) in records.enumerate() {
        let before = driver.out.events.len();
        driver.record(index, index + 1, bytes);
        on_record(index, &mut driver.out.events[before..]);
        last = Some((index, index + 1));
    }
    driver.finish(last)
}

/// The per-record loop shared by both entry points.
struct Driver<'r> {
    registry: &'r Registry,
    normalizer: Option<&'r dyn Normalizer>,
    fallback: Option<&'r dyn Normalizer>,
    limits: Limits,
    state: StreamState,
    /// The normalizers used so far, for their end-of-stream hook.
    used: Vec<&'r dyn Normalizer>,
    previous: Option<&'r dyn Normalizer>,
    out: Output,
}

impl<'r> Driver<'r> {
    fn new(
        registry: &'r Registry,
        normalizer: Option<&'r dyn Normalizer>,
        fallback: Option<&'r dyn Normalizer>,
        limits: &Limits,
        expected: usize,
    ) -> Self {
        Self {
            registry,
            normalizer,
            fallback,
            limits: *limits,
            state: StreamState::default(),
            used: Vec::new(),
            previous: None,
            out: Output {
                events: Vec::with_capacity(expected),
                ..Output::default()
            },
        }
    }

    fn record(&mut self, index: usize, line: usize, bytes: &[u8]) {
        let out = &mut self.out;
        out.records += 1;
        let reject = |error, dataset: Option<&dyn Normalizer>| Rejected {
            index,
            line,
            item: None,
            dataset: dataset.map(|n| n.dataset().to_owned()),
            error,
        };
        let limits = &self.limits;
        if bytes.len() > limits.max_record_bytes {
            let error = NormalizeError::TooLarge {
                size: bytes.len(),
                limit: limits.max_record_bytes,
            };
            out.rejected.push(reject(error, self.normalizer));
            return;
        }
        if matches!(bytes.first(), Some(b'{' | b'[')) {
            if let Err(offset) = check_depth(bytes, limits.max_depth) {
                let error = NormalizeError::TooDeep {
                    limit: limits.max_depth,
                    offset,
                };
                out.rejected.push(reject(error, self.normalizer));
                return;
            }
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let error = NormalizeError::Utf8 {
                    offset: e.valid_up_to(),
                };
                out.rejected.push(reject(error, self.normalizer));
                return;
            }
        };
        let state = &self.state;
        let chosen = match self.normalizer {
            Some(n) => n,
            None => match self
                .previous
                .filter(|p| p.continues(text, state))
                .or_else(|| self.registry.detect(text))
                .or(self.fallback)
            {
                Some(n) => n,
                None => {
                    out.rejected.push(reject(NormalizeError::Undetected, None));
                    return;
                }
            },
        };
        if !self.used.iter().any(|n| n.dataset() == chosen.dataset()) {
            self.used.push(chosen);
        }
        self.previous = Some(chosen);
        let before = out.events.len();
        let mut rec_out = RecordOutput::new(&mut out.events);
        let result = chosen.normalize(text, &mut self.state, &mut rec_out);
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

    /// Runs each used normalizer's end-of-stream hook; errors it reports are
    /// placed at the last record (`last`: its index and line).
    fn finish(mut self, last: Option<(usize, usize)>) -> Output {
        if let Some((index, line)) = last {
            for n in self.used {
                let mut rec_out = RecordOutput::new(&mut self.out.events);
                n.finish(&mut self.state, &mut rec_out);
                for (item, error) in rec_out.item_errors {
                    self.out.rejected.push(Rejected {
                        index,
                        line,
                        item: Some(item),
                        dataset: Some(n.dataset().to_owned()),
                        error,
                    });
                }
            }
        }
        self.out
    }
}
