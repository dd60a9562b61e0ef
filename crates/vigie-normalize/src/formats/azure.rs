//! Placeholder: being written.

use crate::{NormalizeError, Normalizer, RecordOutput, StreamState};

/// The `azure.activitylogs` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct AzureActivity;

impl Normalizer for AzureActivity {
    fn dataset(&self) -> &str {
        "azure.activitylogs"
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
        Err(NormalizeError::UnknownDataset("azure.activitylogs".into()))
    }
}

/// The `azure.signinlogs` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct EntraSignIn;

impl Normalizer for EntraSignIn {
    fn dataset(&self) -> &str {
        "azure.signinlogs"
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
        Err(NormalizeError::UnknownDataset("azure.signinlogs".into()))
    }
}

/// The `azure.auditlogs` dataset.
#[derive(Debug, Default, Clone, Copy)]
pub struct EntraAudit;

impl Normalizer for EntraAudit {
    fn dataset(&self) -> &str {
        "azure.auditlogs"
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
        Err(NormalizeError::UnknownDataset("azure.auditlogs".into()))
    }
}
