//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `kubernetes.audit` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct K8sAudit;

impl Normalizer for K8sAudit {
    fn dataset(&self) -> &str {
        "kubernetes.audit"
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
        Err(NormalizeError::UnknownDataset("kubernetes.audit".into()))
    }
}
