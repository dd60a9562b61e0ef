//! The benchmark inputs: generated with `vigie-synth` where a generator
//! exists, otherwise the shared fixture files replicated in memory to a
//! few MB. Nothing is written to disk.

use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Seed of every generated input (BENCHMARKS.md quotes it).
pub const SEED: u64 = 1;

/// One benchmark input.
pub struct Case {
    /// Benchmark id (criterion filter).
    pub name: &'static str,
    /// The dataset to force; `None` lets the registry sniff each record.
    pub dataset: Option<&'static str>,
    /// The dataset every produced event must carry.
    pub expect_dataset: &'static str,
    /// Payloads normalized one after another in each iteration (one per
    /// file or HTTP body).
    pub payloads: Vec<Vec<u8>>,
    /// How many events one iteration must produce.
    pub events: RangeInclusive<usize>,
    /// What the data is, for the report.
    pub data: String,
}

impl Case {
    pub fn bytes(&self) -> usize {
        self.payloads.iter().map(Vec::len).sum()
    }

    /// The nominal event count (the top of the accepted range).
    pub fn nominal_events(&self) -> usize {
        *self.events.end()
    }
}

fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("VIGIE_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// A fixture file under `shared/testdata/logs`, replicated until the
/// payload reaches `target` bytes; returns the payload, the number of
/// copies and the lines (records) per copy.
fn replicate(rel: &str, target: usize) -> (Vec<u8>, usize, usize) {
    let path = shared_dir().join("testdata/logs").join(rel);
    let text = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "benchmark fixture {} is missing ({e}); set VIGIE_SHARED_DIR to the shared/ folder",
            path.display()
        )
    });
    let mut one = text.trim_ascii_end().to_vec();
    one.push(b'\n');
    let copies = target.div_ceil(one.len()).max(1);
    let lines = one.iter().filter(|&&b| b == b'\n').count();
    (one.repeat(copies), copies, lines)
}

fn fixture_case(
    name: &'static str,
    dataset: &'static str,
    rel: &str,
    target: usize,
    records_per_copy: Option<usize>,
) -> Case {
    let (payload, copies, lines) = replicate(rel, target);
    let per_copy = records_per_copy.unwrap_or(lines);
    let n = copies * per_copy;
    Case {
        name,
        dataset: Some(dataset),
        expect_dataset: dataset,
        data: format!(
            "fixture `{rel}` ({} B, {per_copy} event(s)) replicated {copies}x",
            payload.len() / copies
        ),
        payloads: vec![payload],
        events: n..=n,
    }
}

fn ndjson_case(
    name: &'static str,
    dataset: Option<&'static str>,
    expect_dataset: &'static str,
    generator: &str,
    events: Vec<String>,
) -> Case {
    let n = events.len();
    let avg = vigie_synth::average_len(&events);
    Case {
        name,
        dataset,
        expect_dataset,
        data: format!(
            "`vigie_synth::{generator}(seed {SEED}, {n})` as NDJSON, average event {avg:.0} B"
        ),
        payloads: vec![vigie_synth::ndjson(&events).into_bytes()],
        events: n..=n,
    }
}

/// Every benchmark input.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    let ct = vigie_synth::cloudtrail_records(SEED, 2000);
    let avg = vigie_synth::average_len(&ct);
    out.push(ndjson_case(
        "cloudtrail_ndjson",
        Some("aws.cloudtrail"),
        "aws.cloudtrail",
        "cloudtrail_records",
        ct.clone(),
    ));
    out.push(ndjson_case(
        "cloudtrail_ndjson_autodetect",
        None,
        "aws.cloudtrail",
        "cloudtrail_records",
        ct.clone(),
    ));
    // S3 files of 500 events (~0.7 MB each), as CloudTrail delivers for a busy 5 minutes.
    out.push(Case {
        name: "cloudtrail_s3_records",
        dataset: Some("aws.cloudtrail"),
        expect_dataset: "aws.cloudtrail",
        data: format!(
            "the same 2000 events (`cloudtrail_records(seed {SEED}, 2000)`, average {avg:.0} B) as 4 S3 files `{{\"Records\":[500 events]}}`, one payload each"
        ),
        payloads: ct.chunks(500).map(|c| vigie_synth::cloudtrail_s3_wrap(c).into_bytes()).collect(),
        events: 2000..=2000,
    });

    let k8s = vigie_synth::k8s_audit_events(SEED, 2400);
    let avg = vigie_synth::average_len(&k8s);
    out.push(ndjson_case(
        "k8s_audit_ndjson",
        Some("kubernetes.audit"),
        "kubernetes.audit",
        "k8s_audit_events",
        k8s.clone(),
    ));
    out.push(ndjson_case(
        "k8s_audit_ndjson_autodetect",
        None,
        "kubernetes.audit",
        "k8s_audit_events",
        k8s.clone(),
    ));
    // Webhook batches of 400 (the API server's default --audit-webhook-batch-max-size).
    out.push(Case {
        name: "k8s_audit_eventlist",
        dataset: Some("kubernetes.audit"),
        expect_dataset: "kubernetes.audit",
        data: format!(
            "the same 2400 events (`k8s_audit_events(seed {SEED}, 2400)`, average {avg:.0} B) as 6 `EventList`s of 400 items, one payload each"
        ),
        payloads: k8s.chunks(400).map(|c| vigie_synth::k8s_event_list_wrap(c).into_bytes()).collect(),
        events: 2400..=2400,
    });

    let flows = vigie_synth::vpcflow_v2_lines(SEED, 30_000);
    let nodata = flows.iter().filter(|l| !l.ends_with(" OK")).count();
    let avg = vigie_synth::average_len(&flows);
    let mut text = String::from(vigie_synth::VPCFLOW_V2_HEADER);
    text.push('\n');
    text.push_str(&vigie_synth::ndjson(&flows));
    out.push(Case {
        name: "vpcflow_v2",
        dataset: Some("aws.vpcflow"),
        expect_dataset: "aws.vpcflow",
        data: format!(
            "header line + `vpcflow_v2_lines(seed {SEED}, 30000)`, average line {avg:.0} B ({nodata} NODATA/SKIPDATA lines, which may be skipped)"
        ),
        payloads: vec![text.into_bytes()],
        events: 30_000 - nodata..=30_000,
    });

    out.push(ndjson_case(
        "gcp_audit_ndjson",
        Some("gcp.audit"),
        "gcp.audit",
        "gcp_audit_entries",
        vigie_synth::gcp_audit_entries(SEED, 2400),
    ));
    out.push(ndjson_case(
        "falco_ndjson",
        Some("falco.alerts"),
        "falco.alerts",
        "falco_alerts",
        vigie_synth::falco_alerts(SEED, 2400),
    ));

    const MB2: usize = 2 << 20;
    out.push(fixture_case(
        "azure_activitylogs",
        "azure.activitylogs",
        "elastic/azure/activitylogs/test-activitylogs-raw.log",
        MB2,
        None,
    ));
    out.push(fixture_case(
        "azure_signinlogs",
        "azure.signinlogs",
        "elastic/azure/signinlogs/test-signinlogs.log",
        MB2,
        None,
    ));
    out.push(fixture_case(
        "guardduty_ndjson",
        "aws.guardduty",
        "elastic/aws/guardduty/test-guardduty.log",
        MB2,
        // 5 findings; the 6th line is an empty `{"findings":[]}` wrapper.
        Some(5),
    ));
    // A pretty-printed object: the payload is a stream of multi-line values.
    out.push(fixture_case(
        "gatekeeper_export_pretty",
        "gatekeeper.audit",
        "gatekeeper/samples/export_block24.json",
        1 << 20,
        Some(1),
    ));
    out.push(fixture_case(
        "generic_json_suricata",
        "json",
        "elastic/suricata/eve/test-eve-tls-empty-subject.log",
        1 << 20,
        None,
    ));
    out
}
