//! The built-in formats, one module per source family.

pub mod auditd;
pub mod azure;
pub mod cloudtrail;
pub mod falco;
pub mod gatekeeper;
pub mod gcp_audit;
pub mod generic_json;
pub mod guardduty;
pub mod k8s_audit;
pub mod ocsf;
pub mod raw;
pub mod suricata;
pub mod syslog;
pub mod vpcflow;
pub mod wazuh;
pub mod wazuh_aws;
pub mod windows;
pub mod zeek;

#[cfg(test)]
pub(crate) mod test_support;

use crate::Normalizer;

/// Every built-in normalizer, in auto-detection order: specific formats
/// first, wrappers that several formats share after them, generic JSON last.
pub fn builtin() -> Vec<Box<dyn Normalizer>> {
    vec![
        // First: its sniff is a prefix check, and the EventData of a
        // Windows event may hold any other format's key names.
        Box::new(windows::WindowsEvtx),
        Box::new(cloudtrail::CloudTrail),
        Box::new(guardduty::GuardDuty),
        Box::new(k8s_audit::K8sAudit),
        Box::new(gcp_audit::GcpAudit),
        Box::new(azure::EntraSignIn),
        Box::new(azure::EntraAudit),
        Box::new(azure::AzureActivity),
        Box::new(falco::Falco),
        Box::new(gatekeeper::Gatekeeper),
        Box::new(suricata::Suricata),
        Box::new(wazuh::Wazuh),
        Box::new(wazuh_aws::WazuhAws),
        Box::new(ocsf::Ocsf),
        Box::new(zeek::Zeek),
        Box::new(vpcflow::VpcFlow),
        Box::new(auditd::Auditd),
        Box::new(syslog::Syslog),
        Box::new(generic_json::GenericJson::default()),
        // Never sniffed: chosen by name or as a transport's fallback.
        Box::new(raw::Raw),
    ]
}
