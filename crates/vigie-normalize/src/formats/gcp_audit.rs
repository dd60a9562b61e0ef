//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `gcp.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct GcpAudit;

impl Normalizer for GcpAudit {
    fn dataset(&self) -> &str {
        "gcp.audit"
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
        Err(NormalizeError::UnknownDataset("gcp.audit".into()))
    }
}
