//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `auditd` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Auditd;

impl Normalizer for Auditd {
    fn dataset(&self) -> &str {
        "auditd"
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
        Err(NormalizeError::UnknownDataset("auditd".into()))
    }
}
