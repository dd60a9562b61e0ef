//! Test harness shared by the formats' unit tests: run one record through
//! a normalizer and keep everything it reported.

use vigie_event::Event;

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// What one record produced.
pub(crate) struct Run {
    pub events: Vec<Event>,
    pub item_errors: Vec<(usize, NormalizeError)>,
    pub skipped: Option<&'static str>,
    pub result: Result<(), NormalizeError>,
}

/// Normalizes `record` with `n` and a fresh stream state.
pub(crate) fn run(n: &dyn Normalizer, record: &str) -> Run {
    let mut events = Vec::new();
    let mut out = RecordOutput::new(&mut events);
    let result = n.normalize(record, &mut StreamState::default(), &mut out);
    let item_errors = out.item_errors().to_vec();
    let skipped = out.skipped;
    Run {
        events,
        item_errors,
        skipped,
        result,
    }
}
