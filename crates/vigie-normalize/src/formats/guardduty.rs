//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `aws.guardduty` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct GuardDuty;

impl Normalizer for GuardDuty {
    fn dataset(&self) -> &str {
        "aws.guardduty"
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
        Err(NormalizeError::UnknownDataset("aws.guardduty".into()))
    }
}
