//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `json` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct GenericJson;

impl Normalizer for GenericJson {
    fn dataset(&self) -> &str {
        "json"
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
        Err(NormalizeError::UnknownDataset("json".into()))
    }
}
