//! Seeded, reproducible generators of realistic security events, for
//! benchmarks, load tests and needle-in-a-haystack search tests.
//!
//! Every generator is a pure function of `(seed, n)`: the same seed gives
//! byte-identical output on every machine and run (the randomness is
//! `rand::rngs::StdRng::seed_from_u64`, pinned by `Cargo.lock`); no I/O.
//!
//! | function | output | average event (seed 42, 20 000 events) |
//! | --- | --- | --- |
//! | [`cloudtrail_records`] | CloudTrail events, one JSON object each | 1451 B (557-4077) |
//! | [`cloudtrail_s3_file`] | one S3 delivery file `{"Records":[...]}` | |
//! | [`k8s_audit_events`] | `audit.k8s.io/v1` `Event`s, one JSON object each | 1141 B (409-5936) |
//! | [`k8s_event_list`] | one webhook batch, an `EventList` | |
//! | [`vpcflow_v2_lines`] | VPC Flow Logs default (v2) lines | 117 B |
//! | [`gcp_audit_entries`] | Cloud Audit Logs `LogEntry`s | 1182 B |
//! | [`falco_alerts`] | Falco JSON alerts | 1172 B |
//!
//! `cargo run -p vigie-synth --example synth_stats` prints these figures;
//! `... --example synth_stats cloudtrail 100 7` prints 100 events of seed 7.
//!
//! Needles: [`rare_ip`] and [`rare_user`] place a given address or user in
//! exactly `k` events of a stream and say which ones. The generators never
//! emit addresses in the documentation ranges (192.0.2.0/24,
//! 198.51.100.0/24, 203.0.113.0/24), and user names containing `needle`
//! only by a freak of random identifiers, so those make good needles; every
//! needle is checked, and refused if the background stream already
//! contains its text.

mod cloudtrail;
mod common;
mod falco;
mod gcp;
mod json;
mod k8s;
mod needle;
mod vpcflow;

pub use needle::{rare_ip, rare_user, with_needle, Injected, Needle, NeedleError};

/// Values forced into one event (needle injection).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Override<'a> {
    pub ip: Option<&'a str>,
    pub user: Option<&'a str>,
}

/// The event families the crate generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Single CloudTrail events.
    CloudTrail,
    /// Kubernetes audit events.
    K8sAudit,
    /// VPC Flow Logs, default v2 format (no user: only IP needles).
    VpcFlowV2,
    /// GCP Cloud Audit Log entries.
    GcpAudit,
    /// Falco alerts.
    Falco,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::CloudTrail,
        Format::K8sAudit,
        Format::VpcFlowV2,
        Format::GcpAudit,
        Format::Falco,
    ];

    /// The vigie dataset the events belong to.
    pub fn dataset(self) -> &'static str {
        match self {
            Format::CloudTrail => "aws.cloudtrail",
            Format::K8sAudit => "kubernetes.audit",
            Format::VpcFlowV2 => "aws.vpcflow",
            Format::GcpAudit => "gcp.audit",
            Format::Falco => "falco.alerts",
        }
    }
}

pub(crate) fn generate<'o>(
    format: Format,
    seed: u64,
    n: usize,
    ov: impl Fn(usize) -> Override<'o>,
) -> Vec<String> {
    match format {
        Format::CloudTrail => cloudtrail::generate(seed, n, ov),
        Format::K8sAudit => k8s::generate(seed, n, ov),
        Format::VpcFlowV2 => vpcflow::generate(seed, n, ov),
        Format::GcpAudit => gcp::generate(seed, n, ov),
        Format::Falco => falco::generate(seed, n, ov),
    }
}

/// `n` events of `format` from `seed`.
pub fn events(format: Format, seed: u64, n: usize) -> Vec<String> {
    generate(format, seed, n, |_| Override::default())
}

/// `n` single CloudTrail events (as EventBridge or CloudWatch Logs deliver
/// them), one JSON object per string.
pub fn cloudtrail_records(seed: u64, n: usize) -> Vec<String> {
    events(Format::CloudTrail, seed, n)
}

/// One CloudTrail S3 delivery file holding `n` events, on one line:
/// `{"Records":[...]}`. Its events are those of
/// [`cloudtrail_records`]`(seed, n)`, byte for byte.
pub fn cloudtrail_s3_file(seed: u64, n: usize) -> String {
    cloudtrail::s3_file(&cloudtrail_records(seed, n))
}

/// Wraps already generated CloudTrail events in an S3 file.
pub fn cloudtrail_s3_wrap(events: &[String]) -> String {
    cloudtrail::s3_file(events)
}

/// `n` Kubernetes audit events, one JSON object per string.
pub fn k8s_audit_events(seed: u64, n: usize) -> Vec<String> {
    events(Format::K8sAudit, seed, n)
}

/// One webhook batch of `n` audit events, on one line:
/// `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[...]}`.
/// Its items are those of [`k8s_audit_events`]`(seed, n)`, byte for byte.
pub fn k8s_event_list(seed: u64, n: usize) -> String {
    k8s::event_list(&k8s_audit_events(seed, n))
}

/// Wraps already generated audit events in an `EventList`.
pub fn k8s_event_list_wrap(events: &[String]) -> String {
    k8s::event_list(events)
}

/// `n` VPC Flow Log records in the default (version 2) format.
pub fn vpcflow_v2_lines(seed: u64, n: usize) -> Vec<String> {
    events(Format::VpcFlowV2, seed, n)
}

/// The header line S3 delivery puts first in a default-format file.
pub const VPCFLOW_V2_HEADER: &str = vpcflow::HEADER;

/// `n` GCP Cloud Audit Log entries (`LogEntry` with an `AuditLog` payload).
pub fn gcp_audit_entries(seed: u64, n: usize) -> Vec<String> {
    events(Format::GcpAudit, seed, n)
}

/// `n` Falco JSON alerts (`json_output: true`).
pub fn falco_alerts(seed: u64, n: usize) -> Vec<String> {
    events(Format::Falco, seed, n)
}

/// Joins records as newline-delimited text (one per line, final newline).
pub fn ndjson(records: &[String]) -> String {
    let mut s = String::with_capacity(records.iter().map(|r| r.len() + 1).sum());
    for r in records {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// The mean length of `records`, in bytes (0 for none).
pub fn average_len(records: &[String]) -> f64 {
    if records.is_empty() {
        return 0.0;
    }
    records.iter().map(String::len).sum::<usize>() as f64 / records.len() as f64
}

#[cfg(test)]
mod tests;
