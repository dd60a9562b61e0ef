//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `aws.cloudtrail` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct CloudTrail;

impl Normalizer for CloudTrail {
    fn dataset(&self) -> &str {
        "aws.cloudtrail"
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
        Err(NormalizeError::UnknownDataset("aws.cloudtrail".into()))
    }
}
