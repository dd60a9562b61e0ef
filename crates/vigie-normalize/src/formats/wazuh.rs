//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `wazuh.alerts` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Wazuh;

impl Normalizer for Wazuh {
    fn dataset(&self) -> &str {
        "wazuh.alerts"
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
        Err(NormalizeError::UnknownDataset("wazuh.alerts".into()))
    }
}
