//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `suricata.eve` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Suricata;

impl Normalizer for Suricata {
    fn dataset(&self) -> &str {
        "suricata.eve"
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
        Err(NormalizeError::UnknownDataset("suricata.eve".into()))
    }
}
