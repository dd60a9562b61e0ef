//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `gatekeeper.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gatekeeper;

impl Normalizer for Gatekeeper {
    fn dataset(&self) -> &str {
        "gatekeeper.audit"
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
        Err(NormalizeError::UnknownDataset("gatekeeper.audit".into()))
    }
}
