//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `falco.alerts` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Falco;

impl Normalizer for Falco {
    fn dataset(&self) -> &str {
        "falco.alerts"
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
        Err(NormalizeError::UnknownDataset("falco.alerts".into()))
    }
}
