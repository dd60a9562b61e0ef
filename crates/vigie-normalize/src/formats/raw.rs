//! `raw`: a line of text in no known format, kept whole as `message`.
//!
//! Never auto-detected (its sniff accepts nothing): it is chosen by name
//! (`POST /api/v1/ingest/raw`, `dataset: raw` on an input) or used by a
//! transport as the fallback for records no other normalizer recognises,
//! so that nothing a shipper sends is dropped for being unfamiliar. The
//! timestamp is the time of ingestion; a transport that knows better (a
//! Loki entry's timestamp) overwrites it.

use vigie_event::{ecs, Event, Timestamp};

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The dataset name.
pub const DATASET: &str = "raw";

/// See the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw;

impl Normalizer for Raw {
    fn dataset(&self) -> &str {
        DATASET
    }

    fn sniff(&self, _record: &str) -> bool {
        false
    }

    fn normalize(
        &self,
        record: &str,
        _state: &mut StreamState,
        out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        out.push(normalize_at(record, Timestamp::now()));
        Ok(())
    }
}

/// The event for `record` received at `now`.
pub fn normalize_at(record: &str, now: Timestamp) -> Event {
    let mut ev = Event::new(DATASET, now, record);
    ev.fields.set(ecs::EVENT_KIND, "event");
    let message = record.trim_end_matches(['\r', '\n']);
    ev.fields.set_str(ecs::MESSAGE, Some(message));
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_the_line_as_message_without_its_line_end() {
        let now = Timestamp::from_nanos(1_700_000_000_000_000_000);
        let ev = normalize_at("GET /index.html 200\r\n", now);
        assert_eq!(ev.fields.get_str(ecs::MESSAGE), Some("GET /index.html 200"));
        assert_eq!(ev.original, "GET /index.html 200\r\n");
        assert_eq!(ev.timestamp, now);
        assert_eq!(ev.dataset(), DATASET);
        assert!(!Raw.sniff("anything at all"));
    }

    proptest! {
        #[test]
        fn any_text_is_kept_verbatim(text in ".{0,200}") {
            let ev = normalize_at(&text, Timestamp::from_nanos(0));
            prop_assert_eq!(&ev.original, &text);
            let trimmed = text.trim_end_matches(['\r', '\n']);
            prop_assert_eq!(ev.fields.get_str(ecs::MESSAGE), (!trimmed.is_empty()).then_some(trimmed));
        }
    }
}
