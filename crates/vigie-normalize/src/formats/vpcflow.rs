//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `aws.vpcflow` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct VpcFlow;

impl Normalizer for VpcFlow {
    fn dataset(&self) -> &str {
        "aws.vpcflow"
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
        Err(NormalizeError::UnknownDataset("aws.vpcflow".into()))
    }
}
