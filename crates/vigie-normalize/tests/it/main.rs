//! Integration tests of vigie-normalize: every format against the real
//! sample logs under `../shared/testdata/logs`, compared field by field with
//! the ECS documents Elastic publishes where they exist.

mod common;

mod auditd;
mod azure;
mod cloudtrail;
mod driver;
mod falco;
mod gatekeeper;
mod gcp_audit;
mod generic_json;
mod guardduty;
mod k8s_audit;
mod ocsf;
mod suricata;
mod syslog;
mod vpcflow;
mod wazuh;
mod wazuh_aws;
mod windows;
mod zeek;
