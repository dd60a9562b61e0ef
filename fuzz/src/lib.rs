//! Shared bodies of the fuzz targets: run the normalizers on arbitrary
//! bytes and check the invariants that must hold for any input (no panic,
//! events stay in the dataset family asked for, framed records are slices
//! of the payload in order).

use std::sync::OnceLock;

use vigie_normalize::framing::frame;
use vigie_normalize::{normalize_payload, Limits, Output, Registry};

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

fn check_accounting(out: &Output) {
    assert!(
        out.accepted + out.skipped <= out.records,
        "accepted {} + skipped {} > records {}",
        out.accepted,
        out.skipped,
        out.records
    );
}

/// Normalizes `data` as `dataset`.
pub fn normalize_as(dataset: &str, data: &[u8]) {
    let registry = registry();
    let normalizer = registry
        .get(dataset)
        .unwrap_or_else(|| panic!("no normalizer for dataset {dataset}"));
    let out = normalize_payload(registry, Some(normalizer), data, &Limits::default());
    check_accounting(&out);
    // A family normalizer may route a record by its own category (an Azure
    // `records[]` mixes activity, sign-in and audit logs, and AKS audit
    // items become Kubernetes audit events): the event must stay in the
    // family of the dataset asked for, or be one of those routes.
    let family = |d: &str| d.split('.').next().unwrap_or(d).to_owned();
    for e in &out.events {
        let routed = dataset.starts_with("azure.") && e.dataset() == "kubernetes.audit";
        assert!(
            routed || family(e.dataset()) == family(dataset),
            "event of dataset {} from the {dataset} normalizer",
            e.dataset()
        );
        assert!(known(e.dataset()), "unknown dataset {}", e.dataset());
    }
}

/// Normalizes `data` with auto-detection.
pub fn normalize_detected(data: &[u8]) {
    let out = normalize_payload(registry(), None, data, &Limits::default());
    check_accounting(&out);
    for e in &out.events {
        assert!(known(e.dataset()), "event of unknown dataset {}", e.dataset());
    }
}

/// A dataset vigie produces: a registry name, or a Zeek log's `zeek.<path>`.
fn known(dataset: &str) -> bool {
    registry().get(dataset).is_some()
        || dataset
            .strip_prefix("zeek.")
            .is_some_and(|p| !p.is_empty())
}

/// Frames `data` and checks that records are in-order slices of it.
pub fn framing(data: &[u8]) {
    let framed = frame(data);
    let range = data.as_ptr_range();
    let mut last_end = range.start;
    let mut last_line = 0;
    for (i, r) in framed.records.iter().enumerate() {
        assert_eq!(r.index, i, "record indices are 0, 1, 2, ...");
        let rr = r.bytes.as_ptr_range();
        assert!(
            rr.start >= last_end && rr.end <= range.end,
            "record {i} is not an in-order slice of the payload"
        );
        assert!(
            r.line >= last_line.max(1),
            "record {i}: line {} went backwards",
            r.line
        );
        last_end = rr.end;
        last_line = r.line;
    }
    let limits = Limits::default();
    for r in &framed.records {
        let _ = vigie_normalize::framing::check_depth(r.bytes, limits.max_depth);
    }
}
