//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `syslog` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct Syslog;

impl Normalizer for Syslog {
    fn dataset(&self) -> &str {
        "syslog"
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
        Err(NormalizeError::UnknownDataset("syslog".into()))
    }
}
