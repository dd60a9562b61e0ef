//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `zeek` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Zeek;

impl Normalizer for Zeek {
    fn dataset(&self) -> &str {
        "zeek"
    }

    fn sniff(&self, _record: &str) -> bool {
        false
    }

    fn normalize(
        &self,
        _record: &str,
        _state: &mut StreamState,
        _out: &mut RecordOutput<'_>,
    ) -> Result<(), NormalizeError> {
        Err(NormalizeError::UnknownDataset("zeek".into()))
    }
}
